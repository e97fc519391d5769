//! The rules benchmark driver (see docs/BENCHMARKS.md, "Rules"; run by benches/rules_vs_python.sh).
//!
//! `rules_bench patterns OUT.json`: every pattern of the default pack, as the naive Python peer
//! runs them: one regex per rule (its `pattern`, or its folded `terms` as one alternation).
//!
//! `rules_bench run CORPUS.ndjson`: extracts every `{"id", "text"}` line with the full default
//! pack on one thread and prints MB/s (normalizer alone, then full extraction).
//!
//! `rules_bench extract CORPUS.ndjson`: extraction only, nothing printed but a count: the
//! steady state for a profiler or `valgrind --tool=callgrind` (instruction counts do not move
//! with the machine's load, wall times do).
//!
//! `rules_bench floor CORPUS.ndjson`: the cost of the output alone: every document's
//! extraction is made first (not timed), then copied (timed, MB/s of the corpus): what even an
//! engine that knew every entity in advance would spend building the `Extraction`s §3 asks for.
//!
//! `rules_bench digest CORPUS.ndjson`: a hash of every extraction and normalization, to show that a performance
//! change leaves the output unchanged (compare the digest before and after).

use std::io::BufRead;
use std::time::Instant;

use salwatch_rules::normalize::normalize;
use salwatch_rules::pack::Source;
use salwatch_rules::{Document, RuleEngine};

/// The allocator of the `salwatch` binary, so that the figures are those of the command.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let engine = RuleEngine::default_pack()?;
    match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("patterns"), Some(out)) => export(&engine, out),
        (Some("run"), Some(corpus)) => run(&engine, corpus),
        (Some("digest"), Some(corpus)) => digest(&engine, corpus),
        (Some("extract"), Some(corpus)) => extract_only(&engine, corpus),
        (Some("floor"), Some(corpus)) => output_floor(&engine, corpus),
        _ => Err(
            "usage: rules_bench patterns OUT.json | rules_bench run CORPUS.ndjson | \
                  rules_bench extract CORPUS.ndjson | rules_bench floor CORPUS.ndjson | \
                  rules_bench digest CORPUS.ndjson"
                .into(),
        ),
    }
}

/// A term as a regex over folded text: escaped, `term*` = word prefix, whole words.
fn term_regex(term: &str) -> String {
    let (body, prefix) = match term.strip_suffix('*') {
        Some(b) => (b, true),
        None => (term, false),
    };
    let folded = normalize(body).text.trim().to_owned();
    let escaped: String = folded
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == ' ' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect();
    if prefix {
        format!("{escaped}\\w*")
    } else {
        escaped
    }
}

fn export(engine: &RuleEngine, out: &str) -> Result<(), Box<dyn std::error::Error>> {
    let mut rules = Vec::new();
    for pack in engine.loaded_packs() {
        for r in &pack.rules {
            let regex = match &r.pattern {
                Some(p) => p.clone(),
                None => {
                    let mut terms = Vec::new();
                    for t in &r.terms {
                        match t.strip_prefix('@') {
                            Some(word) => terms.extend(engine.vocabulary().variants_of(word)),
                            None => terms.push(t.clone()),
                        }
                    }
                    let alts: Vec<String> = terms.iter().map(|t| term_regex(t)).collect();
                    format!("\\b(?:{})\\b", alts.join("|"))
                }
            };
            let source = if r.source == Source::Original {
                "original"
            } else {
                "folded"
            };
            rules.push(
                serde_json::json!({ "id": r.id, "kind": r.kind, "source": source, "regex": regex }),
            );
        }
    }
    std::fs::write(out, serde_json::to_string_pretty(&rules)?)?;
    eprintln!("{} patterns -> {out}", rules.len());
    Ok(())
}

/// Reads `{"id", "text"}` lines.
fn load(corpus: &str) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
    let file = std::io::BufReader::new(std::fs::File::open(corpus)?);
    let mut docs: Vec<(String, String)> = Vec::new();
    for line in file.lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        let id = v["id"].as_str().unwrap_or_default().to_owned();
        let text = v["text"].as_str().unwrap_or_default().to_owned();
        docs.push((id, text));
    }
    Ok(docs)
}

/// Extraction alone, for profilers: prints the number of documents and entities.
fn extract_only(engine: &RuleEngine, corpus: &str) -> Result<(), Box<dyn std::error::Error>> {
    let docs = load(corpus)?;
    let (entities, _) = extract_all(engine, &docs);
    println!(
        "{{\"documents\": {}, \"entities\": {entities}}}",
        docs.len()
    );
    Ok(())
}

/// Extracts every document on this thread: (entities, relevant documents).
fn extract_all(engine: &RuleEngine, docs: &[(String, String)]) -> (usize, usize) {
    let (mut entities, mut relevant) = (0usize, 0usize);
    for (id, text) in docs {
        let x = engine.extract(&Document {
            id,
            text,
            default_region: None,
        });
        entities += x.entities.len();
        relevant += usize::from(x.relevant);
    }
    (entities, relevant)
}

/// A hash of every extraction (as JSON) and normalization (text and offset map): equal digests before and after a performance change
/// show that the change left the output alone.
fn digest(engine: &RuleEngine, corpus: &str) -> Result<(), Box<dyn std::error::Error>> {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let docs = load(corpus)?;
    for (id, text) in &docs {
        let x = engine.extract(&Document {
            id,
            text,
            default_region: None,
        });
        serde_json::to_string(&x)?.hash(&mut h);
        format!("{:?}", normalize(text)).hash(&mut h);
    }
    println!(
        "{{\"documents\": {}, \"digest\": \"{:016x}\"}}",
        docs.len(),
        h.finish()
    );
    Ok(())
}

fn run(engine: &RuleEngine, corpus: &str) -> Result<(), Box<dyn std::error::Error>> {
    let docs = load(corpus)?;
    let bytes: usize = docs.iter().map(|(_, t)| t.len()).sum();
    let mb = bytes as f64 / 1e6;
    let t = Instant::now();
    let mut folded = 0usize;
    for (_, text) in &docs {
        folded += normalize(text).text.len();
    }
    let norm_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let (entities, relevant) = extract_all(engine, &docs);
    let extract_s = t.elapsed().as_secs_f64();
    println!(
        "{{\"documents\": {}, \"mb\": {mb:.2}, \"normalize_mb_s\": {:.1}, \"extract_s\": {extract_s:.3}, \"extract_mb_s\": {:.1}, \"entities\": {entities}, \"relevant\": {relevant}, \"folded_bytes\": {folded}, \"rules\": {}}}",
        docs.len(),
        mb / norm_s,
        mb / extract_s,
        engine.rule_count()
    );
    Ok(())
}

/// The output's own cost: the extractions are made once, then cloned and dropped five times
/// (each clone allocates and copies every string, as building them does); prints the best
/// round's MB/s of corpus text, beside the extraction's own MB/s.
fn output_floor(engine: &RuleEngine, corpus: &str) -> Result<(), Box<dyn std::error::Error>> {
    let docs = load(corpus)?;
    let bytes: usize = docs.iter().map(|(_, t)| t.len()).sum();
    let t = Instant::now();
    let extractions: Vec<_> = docs
        .iter()
        .map(|(id, text)| {
            engine.extract(&Document {
                id,
                text,
                default_region: None,
            })
        })
        .collect();
    let extract_s = t.elapsed().as_secs_f64();
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for x in &extractions {
            std::hint::black_box(std::hint::black_box(x).clone());
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    let entities: usize = extractions.iter().map(|x| x.entities.len()).sum();
    let mb = bytes as f64 / 1e6;
    println!(
        "{{\"documents\": {}, \"entities\": {entities}, \"mb\": {mb:.2}, \"extract_mb_s\": {:.1}, \"output_copy_mb_s\": {:.1}}}",
        docs.len(),
        mb / extract_s,
        mb / best
    );
    Ok(())
}
