//! `salwatch archive verify` and `salwatch archive reindex`.

use std::process::ExitCode;

use anyhow::Result;
use salwatch_crawler::archive;

use super::Context;
use crate::args::{ArchiveCommand, Format};
use crate::output::{self, Table};

pub fn run(ctx: &Context, cmd: ArchiveCommand) -> Result<ExitCode> {
    match cmd {
        ArchiveCommand::Verify { format } => verify(ctx, format),
        ArchiveCommand::Reindex => reindex(ctx),
    }
}

/// Re-hashes every archived record; exit 1 when any record does not match its digest.
fn verify(ctx: &Context, format: Format) -> Result<ExitCode> {
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

/// Rebuilds captures.cdxj from the WARC records; exit 1 when damaged records were skipped.
fn reindex(ctx: &Context) -> Result<ExitCode> {
    let ws = ctx.existing_workspace()?;
    let report = archive::rebuild_cdxj(&ws)?;
    eprintln!(
        "rebuilt {}: {} captures from {} WARC files",
        archive::CDXJ_NAME,
        report.captures,
        report.files
    );
    if let Some(kept) = &report.replaced {
        eprintln!("the index it replaced is kept as {}", kept.display());
    }
    if report.damaged > 0 {
        eprintln!("{}", damaged_skipped(report.damaged));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// What a command that reads the whole archive says when it skipped damaged records.
pub fn damaged_skipped(n: u64) -> String {
    let records = if n == 1 { "record was" } else { "records were" };
    format!(
        "{n} damaged archive {records} skipped (every other record was read); run `salwatch archive verify` to see which"
    )
}
