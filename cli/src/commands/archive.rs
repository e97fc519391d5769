//! `salwatch archive verify`.

use std::process::ExitCode;

use anyhow::Result;
use salwatch_crawler::archive;

use super::Context;
use crate::args::ArchiveCommand;
use crate::output::{self, Table};

/// Re-hashes every archived record; exit 1 when any record does not match its digest.
pub fn run(ctx: &Context, cmd: ArchiveCommand) -> Result<ExitCode> {
    let ArchiveCommand::Verify { format } = cmd;
    let ws = ctx.existing_workspace()?;
    let report = archive::verify(&ws)?;
    let mismatches = &report.mismatches;
    output::write(
        format,
        mismatches,
        || {
            let mut t = Table::new(vec![
                "file", "offset", "record", "digest", "expected", "actual",
            ]);
            for m in mismatches {
                t.row(vec![
                    m.file.clone(),
                    m.offset.to_string(),
                    m.record_id.clone(),
                    m.digest.clone(),
                    m.expected.clone(),
                    m.actual.clone(),
                ]);
            }
            t
        },
        &mut std::io::stdout().lock(),
    )?;
    for error in &report.errors {
        eprintln!("unreadable or missing: {error}");
    }
    eprintln!(
        "{} files, {} records, {} digests checked: {} mismatches, {} unreadable or missing",
        report.files,
        report.records,
        report.digests_checked,
        mismatches.len(),
        report.errors.len()
    );
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
