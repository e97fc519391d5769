//! `salwatch index rebuild`.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use salwatch_crawler::archive;

use super::{Context, load_config, rule_engine};
use crate::args::IndexCommand;

/// Recreates the index and the listing history from the archive alone.
pub async fn run(ctx: &Context, cmd: IndexCommand) -> Result<ExitCode> {
    let IndexCommand::Rebuild {
        packs,
        allow_missing_files,
    } = cmd;
    let ws = ctx.existing_workspace()?;
    let config = load_config(&ws)?;
    let dir = ws.archive_dir();
    let cdxj_path = dir.join(archive::CDXJ_NAME);
    let missing = archive::cdxj::Listed::read(&cdxj_path)
        .with_context(|| format!("cannot read {}", cdxj_path.display()))?
        .missing_files(&dir);
    if !missing.is_empty() && !allow_missing_files {
        let captures: usize = missing.iter().map(|(_, n)| n).sum();
        let names: Vec<&str> = missing.iter().map(|(f, _)| f.as_str()).collect();
        let files = match missing.len() {
            1 => "1 WARC file that".to_owned(),
            n => format!("{n} WARC files that"),
        };
        let are = if missing.len() == 1 { "is" } else { "are" };
        anyhow::bail!(
            "{files} {} lists ({captures} captures) {are} not in {}: {}. The index was left as it \
             is. Is this the right archive directory, and is its disk mounted? Put the files back \
             and run again, or rebuild from what is there with --allow-missing-files",
            archive::CDXJ_NAME,
            dir.display(),
            names.join(", ")
        );
    }
    let engine = rule_engine(Some(&config), &packs)?;
    let bar = ProgressBar::with_draw_target(
        None,
        if ctx.quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        },
    );
    bar.set_style(
        ProgressStyle::with_template("{spinner} rebuilding: {pos} pages read from the archive")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let stats = tokio::task::spawn_blocking(move || {
        let pages = archive::read_pages(&ws).context("cannot read the archive")?;
        salwatch_indexer::rebuild(&ws, engine, pages, &|n| bar.set_position(n))
            .context("the rebuild failed")
    })
    .await
    .context("the rebuild thread panicked")??;
    writeln!(
        std::io::stdout().lock(),
        "Rebuilt the index from the archive: {} pages read, {} listings ({} skipped pages).",
        stats.pages,
        stats.new + stats.updated + stats.unchanged,
        stats.skipped
    )?;
    if stats.read_errors > 0 {
        eprintln!("{}", super::archive::damaged_skipped(stats.read_errors));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
