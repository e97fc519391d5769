//! `salwatch evidence verify`: checks an evidence package and names what changed.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use salwatch_indexer::evidence::{self, keys};

use crate::UsageError;
use crate::args::Format;
use crate::output::{self, Table};

/// `salwatch evidence …` subcommands.
#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Verify an evidence package: every hash, the signature, the WARC records and the custody
    /// log; names exactly what was altered, added or removed.
    Verify(VerifyArgs),
}

/// `salwatch evidence verify` arguments.
#[derive(Debug, Args)]
#[command(after_long_help = "\
Checks: datapackage.json against the hash in datapackage-digest.json; the Ed25519 signature over
datapackage.json (and, with --key, that it was made by that key); every file against its SHA-256
and size in datapackage.json (altered / removed) and files not listed there (added); every WARC
record's block and payload digests; the custody log's hash chain.

Exit codes: 0 intact, 1 something was altered, added or removed (each finding printed),
2 usage error (no such file, not a zip, unreadable key).

Examples:
  salwatch evidence verify op-wolf.wacz
  salwatch evidence verify op-wolf.wacz --key public-key.pem --format json")]
pub struct VerifyArgs {
    /// The package.
    pub package: PathBuf,
    /// The public key you trust (PEM, base64 or hex), received out of band.
    #[arg(long, value_name = "PUBKEY")]
    pub key: Option<PathBuf>,
    /// Output format of the findings.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Runs `salwatch evidence …`.
pub async fn run(cmd: EvidenceCommand) -> Result<ExitCode> {
    match cmd {
        EvidenceCommand::Verify(args) => verify(&args),
    }
}

fn verify(args: &VerifyArgs) -> Result<ExitCode> {
    if !args.package.is_file() {
        return Err(UsageError(format!("no package at {}", args.package.display())).into());
    }
    let pinned = match &args.key {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| UsageError(format!("cannot read key {}: {e}", path.display())))?;
            Some(keys::parse_public(&text).ok_or_else(|| {
                UsageError(format!(
                    "{} is not an Ed25519 public key (PEM, base64 or hex)",
                    path.display()
                ))
            })?)
        }
        None => None,
    };
    let report = evidence::verify(&args.package, pinned.as_ref()).map_err(|e| match e {
        evidence::EvidenceError::Zip { .. } => anyhow::Error::from(UsageError(e.to_string())),
        other => anyhow::Error::from(other),
    });
    let report = report.with_context(|| format!("verifying {}", args.package.display()))?;
    let mut out = std::io::stdout().lock();
    output::write(
        args.format,
        &report.findings,
        || {
            let mut t = Table::new(vec!["finding", "file", "detail"]);
            for f in &report.findings {
                t.row(vec![f.kind.clone(), f.path.clone(), f.detail.clone()]);
            }
            t
        },
        &mut out,
    )?;
    let signer = report
        .signed_by
        .as_deref()
        .unwrap_or("nobody (invalid signature)");
    if report.is_ok() {
        eprintln!(
            "OK: {} files, {} WARC records checked; signed by {signer}{}",
            report.files_checked,
            report.records_checked,
            if report.key_pinned {
                " (the expected key)"
            } else {
                " (pass --key to pin the signer)"
            }
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "TAMPERED: {} finding(s) in {}",
            report.findings.len(),
            args.package.display()
        );
        Ok(ExitCode::from(1))
    }
}
