//! `salwatch extract`: the rule engine's face (DESIGN.md §3). One extraction per document, in
//! input order.

use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, mpsc};

use anyhow::{Context as _, Result};
use salwatch_rules::{Document, Extraction, RuleEngine};
use serde::Deserialize;

use super::{entity_limit, load_rule_engine};
use crate::UsageError;
use crate::args::{ExtractArgs, Format, InputKind};
use crate::output::{self, Table};

/// Largest single document read, bytes: a bound on memory for hostile input.
const MAX_DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;

/// Longest NDJSON line read: a document of the largest size, with room for JSON escaping. A
/// longer line is refused before it is held whole.
const MAX_LINE_BYTES: u64 = 2 * MAX_DOCUMENT_BYTES;

#[derive(Debug, Deserialize)]
struct NdjsonDoc {
    #[serde(default)]
    id: Option<serde_json::Value>,
    text: String,
}

/// Documents per batch handed to the workers (also bounded by [`BATCH_BYTES`]).
const BATCH_DOCS: usize = 2048;

/// Text bytes per batch: with NDJSON output, memory is about this much input and its
/// extractions, whatever the input size.
const BATCH_BYTES: usize = 16 * 1024 * 1024;

/// One document read from the input.
struct InputDoc {
    id: String,
    text: String,
}

/// A finished batch: NDJSON lines already serialized by the worker, or the extractions for a
/// format that needs them all.
enum Done {
    Lines(Vec<u8>),
    Kept(Vec<Extraction>),
}

/// Where finished batches go, in input order: streamed (NDJSON) or kept for a format that
/// needs them all.
struct Sink<'a> {
    format: Format,
    out: std::io::BufWriter<std::io::StdoutLock<'a>>,
    kept: Vec<Extraction>,
    /// Batches finished ahead of their turn, by sequence number.
    pending: BTreeMap<usize, Done>,
    /// Sequence number of the next batch to write.
    next: usize,
}

impl Sink<'_> {
    fn take(&mut self, seq: usize, batch: Done) -> Result<()> {
        self.pending.insert(seq, batch);
        while let Some(batch) = self.pending.remove(&self.next) {
            self.next += 1;
            match batch {
                Done::Lines(bytes) => self.out.write_all(&bytes)?,
                Done::Kept(xs) => self.kept.extend(xs),
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        if self.format != Format::Ndjson {
            write_extractions(self.format, &self.kept, &mut self.out)?;
        }
        self.out.flush()?;
        Ok(())
    }
}

/// Extracts from every input document and prints the extractions, in input order.
///
/// The calling thread reads documents into batches; `jobs` long-lived workers (their per-thread
/// caches stay warm) extract whole batches; finished batches are written in sequence.
pub fn run(args: &ExtractArgs) -> Result<ExitCode> {
    let engine =
        load_rule_engine(None, &args.packs)?.with_entity_limit(entity_limit(args.max_entities));
    let region = args.region.as_deref().map(str::to_uppercase);
    let jobs = match args.jobs {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    let mut sink = Sink {
        format: args.format,
        out: std::io::BufWriter::new(std::io::stdout().lock()),
        kept: Vec::new(),
        pending: BTreeMap::new(),
        next: 0,
    };
    std::thread::scope(|scope| -> Result<()> {
        // At most `jobs` batches wait for a worker: memory stays bounded. The workers alone
        // hold the receiving end, so if they all stop, sending fails instead of blocking.
        let (work_tx, work_rx) = mpsc::sync_channel::<(usize, Vec<InputDoc>)>(jobs);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (done_tx, done_rx) = mpsc::channel::<(usize, Result<Done>)>();
        for _ in 0..jobs {
            let (work_rx, done_tx) = (Arc::clone(&work_rx), done_tx.clone());
            let (engine, region) = (&engine, region.as_deref());
            scope.spawn(move || {
                loop {
                    let next = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((seq, docs)) = next else { return };
                    let xs = docs
                        .iter()
                        .map(|d| extract_one(engine, args, region, &d.id, &d.text));
                    // NDJSON is serialized here, in parallel, not by the writing thread.
                    let done = if args.format == Format::Ndjson {
                        ndjson_lines(xs).map(Done::Lines)
                    } else {
                        Ok(Done::Kept(xs.collect()))
                    };
                    if done_tx.send((seq, done)).is_err() {
                        return;
                    }
                }
            });
        }
        drop((work_rx, done_tx));
        let mut batches = 0;
        let mut send = |docs: Vec<InputDoc>| -> Result<()> {
            // Batches sent but not yet written stay under twice the workers: a slow batch holds
            // the reading back instead of letting finished ones pile up behind it.
            while batches - sink.next >= 2 * jobs {
                let (seq, done) = done_rx
                    .recv()
                    .map_err(|_| anyhow::anyhow!("an extraction worker stopped"))?;
                sink.take(seq, done?)?;
            }
            work_tx
                .send((batches, docs))
                .map_err(|_| anyhow::anyhow!("an extraction worker stopped"))?;
            batches += 1;
            while let Ok((seq, done)) = done_rx.try_recv() {
                sink.take(seq, done?)?;
            }
            Ok(())
        };
        read_documents(args, &mut send)?;
        drop(work_tx);
        for (seq, done) in done_rx {
            sink.take(seq, done?)?;
        }
        Ok(())
    })?;
    sink.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// Reads every input into batches of documents and hands each full batch to `batch`.
fn read_documents(
    args: &ExtractArgs,
    batch: &mut impl FnMut(Vec<InputDoc>) -> Result<()>,
) -> Result<()> {
    let stdin_only = args.files.is_empty() || args.files.iter().all(|f| f == Path::new("-"));
    let inputs: Vec<Option<&Path>> = if stdin_only {
        vec![None]
    } else {
        args.files
            .iter()
            .map(|f| (f != Path::new("-")).then_some(f.as_path()))
            .collect()
    };
    let mut docs: Vec<InputDoc> = Vec::new();
    let mut bytes = 0;
    let mut push = |doc: InputDoc, docs: &mut Vec<InputDoc>| -> Result<()> {
        bytes += doc.text.len();
        docs.push(doc);
        if docs.len() >= BATCH_DOCS || bytes >= BATCH_BYTES {
            bytes = 0;
            batch(std::mem::take(docs))?;
        }
        Ok(())
    };
    for input in inputs {
        let label = input.map_or_else(|| "stdin".to_owned(), |p| p.display().to_string());
        match args.input {
            InputKind::Text => {
                let raw = read_all(input)?;
                let text = decode(&raw, || label.clone()).into_owned();
                push(InputDoc { id: label, text }, &mut docs)?;
            }
            InputKind::Ndjson => {
                let mut reader = open(input)?;
                let mut line = Vec::new();
                for n in 1.. {
                    line.clear();
                    let read = reader
                        .by_ref()
                        .take(MAX_LINE_BYTES + 1)
                        .read_until(b'\n', &mut line)
                        .with_context(|| format!("{label}: cannot read line {n}"))?;
                    if read == 0 {
                        break;
                    }
                    if line.len() as u64 > MAX_LINE_BYTES {
                        return Err(UsageError(format!(
                            "{label}:{n}: line longer than {MAX_LINE_BYTES} bytes (documents \
                             of up to {MAX_DOCUMENT_BYTES} bytes are read)"
                        ))
                        .into());
                    }
                    let line = decode(&line, || format!("{label}:{n}"));
                    if line.trim().is_empty() {
                        continue;
                    }
                    let doc: NdjsonDoc = serde_json::from_str(&line).map_err(|e| {
                        UsageError(format!(
                            "{label}:{n}: not a {{\"id\", \"text\"}} object: {e}"
                        ))
                    })?;
                    let id = match doc.id {
                        Some(serde_json::Value::String(s)) => s,
                        Some(other) => other.to_string(),
                        None => format!("{label}:{n}"),
                    };
                    push(InputDoc { id, text: doc.text }, &mut docs)?;
                }
            }
        }
    }
    if !docs.is_empty() {
        batch(docs)?;
    }
    Ok(())
}

/// Extractions as NDJSON lines.
fn ndjson_lines(xs: impl Iterator<Item = Extraction>) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    for x in xs {
        serde_json::to_writer(&mut bytes, &x)?;
        bytes.push(b'\n');
    }
    Ok(bytes)
}

fn extract_one(
    engine: &RuleEngine,
    args: &ExtractArgs,
    region: Option<&str>,
    id: &str,
    text: &str,
) -> Extraction {
    let stripped;
    let text = if args.html {
        stripped = salwatch_crawler::text::html_to_text(text);
        stripped.as_str()
    } else {
        text
    };
    engine.extract(&Document {
        id,
        text,
        default_region: region,
    })
}

fn open(input: Option<&Path>) -> Result<Box<dyn BufRead>> {
    Ok(match input {
        None => Box::new(std::io::BufReader::new(std::io::stdin())),
        Some(path) => Box::new(std::io::BufReader::new(
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?,
        )),
    })
}

fn read_all(input: Option<&Path>) -> Result<Vec<u8>> {
    let label = input.map_or_else(|| "stdin".to_owned(), |p| p.display().to_string());
    let mut bytes = Vec::new();
    open(input)?
        .take(MAX_DOCUMENT_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {label}"))?;
    if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(UsageError(format!(
            "{label} is larger than {MAX_DOCUMENT_BYTES} bytes; split it or use --input ndjson"
        ))
        .into());
    }
    Ok(bytes)
}

/// Text as UTF-8; invalid sequences become U+FFFD with a warning that names the input.
/// The label is built only for the warning: an NDJSON line is decoded per line, mostly valid.
fn decode(bytes: &[u8], label: impl FnOnce() -> String) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.into(),
        Err(e) => {
            tracing::warn!(
                "{}: invalid UTF-8 at byte {}; decoding lossily (offsets are into the repaired text)",
                label(),
                e.valid_up_to()
            );
            String::from_utf8_lossy(bytes)
        }
    }
}

fn write_extractions(
    format: Format,
    extractions: &[Extraction],
    out: &mut dyn Write,
) -> Result<()> {
    output::write(
        format,
        extractions,
        || {
            let mut t = Table::new(vec![
                "id",
                "relevant",
                "score",
                "categories",
                "kind",
                "normalized",
                "span",
                "rule",
            ]);
            for x in extractions {
                let doc = [
                    x.id.clone(),
                    x.relevant.to_string(),
                    format!("{:.2}", x.score),
                    x.categories.join(" "),
                ];
                if x.entities.is_empty() {
                    let mut row = doc.to_vec();
                    row.extend(["-".into(), String::new(), String::new(), String::new()]);
                    t.row(row);
                }
                for e in &x.entities {
                    let mut row = doc.to_vec();
                    row.extend([
                        e.kind.clone(),
                        e.normalized.clone(),
                        format!("{}..{}", e.span[0], e.span[1]),
                        e.rule.clone(),
                    ]);
                    t.row(row);
                }
            }
            t
        },
        out,
    )
}
