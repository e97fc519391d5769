//! `salwatch extract`: the rule engine's face (DESIGN.md §3). One extraction per document, in
//! input order.

use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use salwatch_rules::{Document, Extraction, RuleEngine};
use serde::Deserialize;

use super::rule_engine;
use crate::UsageError;
use crate::args::{ExtractArgs, Format, InputKind};
use crate::output::{self, Table};

/// Largest single document read, bytes: a bound on memory for hostile input.
const MAX_DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Deserialize)]
struct NdjsonDoc {
    #[serde(default)]
    id: Option<serde_json::Value>,
    text: String,
}

/// Extracts from every input document and prints the extractions.
pub fn run(args: &ExtractArgs) -> Result<ExitCode> {
    let engine = rule_engine(None, &args.packs)?;
    let region = args.region.as_deref().map(str::to_uppercase);
    let mut extractions = Vec::new();
    let stdin_only = args.files.is_empty() || args.files.iter().all(|f| f == Path::new("-"));
    let inputs: Vec<Option<&Path>> = if stdin_only {
        vec![None]
    } else {
        args.files
            .iter()
            .map(|f| (f != Path::new("-")).then_some(f.as_path()))
            .collect()
    };
    for input in inputs {
        let label = input.map_or_else(|| "stdin".to_owned(), |p| p.display().to_string());
        match args.input {
            InputKind::Text => {
                let bytes = read_all(input)?;
                let text = decode(&bytes, &label);
                extractions.push(extract_one(&engine, args, region.as_deref(), &label, &text));
            }
            InputKind::Ndjson => {
                let reader = open(input)?;
                for (n, line) in reader.lines().enumerate() {
                    let line =
                        line.with_context(|| format!("{label}: cannot read line {}", n + 1))?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    let doc: NdjsonDoc = serde_json::from_str(&line).map_err(|e| {
                        UsageError(format!(
                            "{label}:{}: not a {{\"id\", \"text\"}} object: {e}",
                            n + 1
                        ))
                    })?;
                    let id = match doc.id {
                        Some(serde_json::Value::String(s)) => s,
                        Some(other) => other.to_string(),
                        None => format!("{label}:{}", n + 1),
                    };
                    extractions.push(extract_one(
                        &engine,
                        args,
                        region.as_deref(),
                        &id,
                        &doc.text,
                    ));
                }
            }
        }
    }
    let mut out = std::io::stdout().lock();
    write_extractions(args.format, &extractions, &mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
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
fn decode(bytes: &[u8], label: &str) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(e) => {
            tracing::warn!(
                "{label}: invalid UTF-8 at byte {}; decoding lossily (offsets are into the repaired text)",
                e.valid_up_to()
            );
            String::from_utf8_lossy(bytes).into_owned()
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
