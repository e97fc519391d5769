//! `salwatch export`: a case as a signed evidence package (WACZ), a STIX 2.1 bundle or a MISP
//! event.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use chrono::Utc;
use clap::{Args, ValueEnum};
use salwatch_indexer::evidence::{self, EvidenceError, package::ExportOptions};
use salwatch_indexer::{Searcher, cases};

use super::Context;
use crate::UsageError;
use crate::args::Format;
use crate::output::{self, Table};

/// TLP 2.0 marking of shared intelligence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Tlp {
    /// TLP:CLEAR.
    Clear,
    /// TLP:GREEN.
    Green,
    /// TLP:AMBER.
    Amber,
    /// TLP:AMBER+STRICT.
    #[value(name = "amber+strict")]
    AmberStrict,
    /// TLP:RED.
    Red,
}

impl Tlp {
    /// As the marking library names it (`amber+strict` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }
}

/// `salwatch export` arguments.
#[derive(Debug, Args)]
#[command(after_long_help = "\
The evidence package (--out) is a WACZ 1.1.1 zip: archive/*.warc.gz holds the case's capture
records copied byte for byte from the workspace archive (every digest re-checked on the way),
indexes/index.cdxj, pages/pages.jsonl, datapackage.json (SHA-256 of every file) and
datapackage-digest.json (SHA-256 of datapackage.json and an Ed25519 signature over it), plus
salwatch/: case.json, listings.json, entities.json, actors.json, timeline.json, custody.jsonl,
report.html (offline, no scripts), public-key.pem, sha256sums.txt and verify.txt.
The signing key is keys/evidence-ed25519.key in the workspace, created (0600) on first use.

Examples:
  salwatch export op-wolf --out op-wolf.wacz
  salwatch evidence verify op-wolf.wacz --key op-wolf-public-key.pem
  salwatch export op-wolf --stix op-wolf.stix.json --tlp amber
  salwatch export op-wolf --misp op-wolf.misp.json --tlp green")]
pub struct ExportArgs {
    /// The case to export.
    pub case: String,
    /// Write the evidence package (WACZ) here (default when nothing else is asked:
    /// exports/CASE-TIMESTAMP.wacz in the workspace).
    #[arg(long, value_name = "FILE.wacz")]
    pub out: Option<PathBuf>,
    /// Write a STIX 2.1 bundle here.
    #[arg(long, value_name = "FILE.json")]
    pub stix: Option<PathBuf>,
    /// Write a MISP event here.
    #[arg(long, value_name = "FILE.json")]
    pub misp: Option<PathBuf>,
    /// TLP marking of the STIX bundle and the MISP event.
    #[arg(long, value_enum, default_value_t = Tlp::Amber)]
    pub tlp: Tlp,
    /// Analyst recorded in the custody log (default: the OS user).
    #[arg(long, value_name = "NAME", env = "SALWATCH_ANALYST")]
    pub analyst: Option<String>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// The analyst: `--analyst`, else the OS user.
pub fn analyst(given: Option<&str>) -> String {
    given
        .map(String::from)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// Errors the analyst can fix become usage errors (exit 2).
fn classify(e: EvidenceError) -> anyhow::Error {
    match e {
        EvidenceError::Case(cases::CaseError::Index(i)) => anyhow::Error::from(i),
        EvidenceError::Case(c) => UsageError(c.to_string()).into(),
        EvidenceError::Empty(_) => UsageError(e.to_string()).into(),
        other => other.into(),
    }
}

/// Runs `salwatch export`.
pub async fn run(ctx: &Context, args: &ExportArgs) -> Result<ExitCode> {
    let ws = ctx.existing_workspace()?;
    let conn = salwatch_indexer::store::open_ro(&ws.state_db())?;
    let searcher = Searcher::open(&ws)?;
    let material = evidence::collect(&conn, &searcher, &args.case).map_err(classify)?;
    let who = analyst(args.analyst.as_deref());
    let now = Utc::now();
    let tool = format!("salwatch {}", env!("CARGO_PKG_VERSION"));
    let mut rows: Vec<(String, String)> = Vec::new();
    if let Some(path) = &args.stix {
        let bundle = evidence::stix::bundle(&material, args.tlp.as_str(), now);
        write_json(path, &bundle)?;
        rows.push(("stix".into(), path.display().to_string()));
    }
    if let Some(path) = &args.misp {
        let event = evidence::misp::event(&material, args.tlp.as_str(), &who, now);
        write_json(path, &event)?;
        rows.push(("misp".into(), path.display().to_string()));
    }
    let out = match (&args.out, rows.is_empty()) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => Some(ws.exports_dir().join(format!(
            "{}-{}.wacz",
            safe_name(&args.case),
            now.format("%Y%m%dT%H%M%SZ")
        ))),
        (None, false) => None,
    };
    let mut summaries = Vec::new();
    if let Some(out) = out {
        let key = evidence::load_or_create_key(&ws.keys_dir())?;
        if key.created {
            eprintln!(
                "created the evidence signing key {} (fingerprint {})",
                key.path.display(),
                evidence::fingerprint(&key.key.verifying_key())
            );
        }
        let opts = ExportOptions {
            analyst: who.clone(),
            now,
            tool,
        };
        let summary =
            evidence::export(&material, &ws.archive_dir(), &key, &opts, &out).map_err(classify)?;
        rows.push(("wacz".into(), out.display().to_string()));
        summaries.push(summary);
    }
    let mut stdout = std::io::stdout().lock();
    if summaries.is_empty() {
        for (kind, path) in &rows {
            eprintln!("wrote {kind} {path}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    for (kind, path) in rows.iter().filter(|(k, _)| k != "wacz") {
        eprintln!("wrote {kind} {path}");
    }
    output::write(
        args.format,
        &summaries,
        || {
            let mut t = Table::new(vec!["field", "value"]);
            for s in &summaries {
                t.row(vec!["package".into(), s.path.display().to_string()]);
                t.row(vec!["case".into(), s.case.clone()]);
                t.row(vec!["listings".into(), s.listings.to_string()]);
                t.row(vec!["records".into(), s.records.to_string()]);
                t.row(vec!["warc files".into(), s.warc_files.to_string()]);
                t.row(vec![
                    "digests checked".into(),
                    s.digests_checked.to_string(),
                ]);
                t.row(vec!["datapackage.json".into(), s.datapackage_hash.clone()]);
                t.row(vec!["signing key".into(), s.key_fingerprint.clone()]);
                t.row(vec!["bytes".into(), s.bytes.to_string()]);
            }
            t
        },
        &mut stdout,
    )?;
    Ok(ExitCode::SUCCESS)
}

fn write_json(path: &std::path::Path, value: &serde_json::Value) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
