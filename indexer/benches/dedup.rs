//! Dedup benchmark: clusters a generated set with known duplicate groups (reposts with 5–15 % of
//! words edited) and prints throughput, pairwise precision and recall as one JSON line.
//! `--out FILE` also writes the set as NDJSON (`{"id", "group", "text"}`) for the datasketch
//! peer (indexer/benches/dedup_datasketch.py). Method and results: docs/BENCHMARKS.md, "Dedup".
//!
//! ```sh
//! cargo bench -p salwatch-indexer --bench dedup -- --originals 20000 --out set.ndjson
//! ```

#![allow(clippy::unwrap_used, missing_docs)]

use std::io::Write;
use std::time::Instant;

use salwatch_indexer::dedup::synth::{SynthSpec, generate, score};
use salwatch_indexer::dedup::{Clusterer, DedupParams};

fn main() {
    let mut spec = SynthSpec::default();
    let mut params = DedupParams::default();
    let mut out: Option<String> = None;
    let mut threads = 1usize;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().expect("a value after the flag");
        match flag.as_str() {
            "--originals" => spec.originals = value().parse().unwrap(),
            "--min-edit" => spec.min_edit = value().parse().unwrap(),
            "--max-edit" => spec.max_edit = value().parse().unwrap(),
            "--seed" => spec.seed = value().parse().unwrap(),
            "--shingle" => params.shingle = value().parse().unwrap(),
            "--num-perm" => params.num_perm = value().parse().unwrap(),
            "--bands" => params.bands = value().parse().unwrap(),
            "--threshold" => params.threshold = value().parse().unwrap(),
            "--out" => out = Some(value()),
            "--threads" => threads = value().parse().unwrap(),
            "--bench" => {}
            other => panic!("unknown flag {other}"),
        }
    }
    let set = generate(&spec);
    if let Some(path) = &out {
        let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        for (i, (text, group)) in set.texts.iter().zip(&set.groups).enumerate() {
            let line = serde_json::json!({"id": i, "group": group, "text": text});
            writeln!(f, "{line}").unwrap();
        }
    }
    let start = Instant::now();
    let mut clusterer = Clusterer::new(params);
    clusterer.add_all(&set.texts, threads);
    let labels = clusterer.labels();
    let secs = start.elapsed().as_secs_f64();
    let s = score(&set.groups, &labels);
    let bands = params.bands();
    let report = serde_json::json!({
        "tool": "salwatch",
        "threads": threads,
        "docs": set.texts.len(),
        "seconds": secs,
        "docs_per_s": set.texts.len() as f64 / secs,
        "precision": s.precision,
        "recall": s.recall,
        "true_pairs": s.true_pairs,
        "predicted_pairs": s.predicted_pairs,
        "candidates_checked": clusterer.candidates_checked,
        "shingle": params.shingle,
        "num_perm": params.num_perm,
        "bands": bands.bands,
        "rows": bands.rows,
        "threshold": params.threshold,
        "edit": [spec.min_edit, spec.max_edit],
    });
    println!("{report}");
}
