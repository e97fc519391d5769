//! `salwatch crawl`.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;

use super::{Context, load_config, rule_engine};
use crate::UsageError;
use crate::args::{CrawlAction, CrawlArgs};
use crate::pipeline::{CrawlOptions, PipelineReport, crawl_and_index_with};
use crate::progress::CrawlProgress;

/// Exit code of a crawl stopped by Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: u8 = 130;

/// Crawls the configured sites (or those named with --site), archiving and indexing.
pub async fn run(ctx: &Context, args: &CrawlArgs) -> Result<ExitCode> {
    if let Some(CrawlAction::Status(status)) = &args.action {
        return super::crawl_status::run(ctx, status);
    }
    let ws = ctx.existing_workspace()?;
    let mut config = load_config(&ws)?;
    if !args.sites.is_empty() {
        for name in &args.sites {
            if !config.sites.iter().any(|s| &s.name == name) {
                return Err(UsageError(format!(
                    "no site named {name:?} in {}",
                    ws.config_path().display()
                ))
                .into());
            }
        }
        config.sites.retain(|s| args.sites.contains(&s.name));
    }
    let engine = rule_engine(Some(&config), &[])?;
    let progress = Arc::new(CrawlProgress::new(ctx.quiet));
    let options = CrawlOptions {
        index: !args.no_index,
        recrawl: args.recrawl,
        handle_ctrl_c: true,
    };
    let report = crawl_and_index_with(config, &ws, engine, options, progress).await?;
    let out = &mut std::io::stdout().lock();
    let printed = print_report(&report, out).and_then(|()| {
        if report.interrupted {
            writeln!(
                out,
                "Stopped by Ctrl-C: run `salwatch crawl` again to resume where it stopped."
            )?;
        }
        Ok(())
    });
    // A script reads the interruption from the exit code, whether or not the summary could
    // be written.
    if report.interrupted {
        return Ok(ExitCode::from(EXIT_INTERRUPTED));
    }
    printed?;
    Ok(ExitCode::SUCCESS)
}

/// The end-of-crawl summary, one line per site.
pub fn print_report(report: &PipelineReport, out: &mut dyn Write) -> std::io::Result<()> {
    let c = &report.crawl;
    writeln!(
        out,
        "Crawled {} pages ({} listings, {} images, {} failed, {} blocked by robots.txt, {} bytes).",
        c.fetched, c.listings, c.images, c.failed, c.robots_blocked, c.bytes
    )?;
    for (site, stats) in &c.per_site {
        let mut line = format!(
            "  {site:<14} {:>5} pages  {:>4} listings  {:>3} failed",
            stats.fetched, stats.listings, stats.failed
        );
        if stats.unchanged + stats.changed + stats.gone > 0 {
            line.push_str(&format!(
                "  revisits: {} unchanged, {} changed, {} gone",
                stats.unchanged, stats.changed, stats.gone
            ));
        }
        if stats.recovered > 0 {
            line.push_str(&format!(
                "  {} recovered from an interrupted crawl",
                stats.recovered
            ));
        }
        if stats.held > 0 {
            line.push_str(&format!(
                "  held by Retry-After {} time(s), up to {} s",
                stats.held, stats.held_secs
            ));
        }
        writeln!(out, "{line}")?;
        if stats.session_expired > 0 {
            writeln!(
                out,
                "  {site:<14} SESSION EXPIRED: the site was stopped; renew its session headers/cookies in salwatch.toml and crawl again"
            )?;
        }
    }
    let i = &report.ingest;
    if i.new + i.updated + i.unchanged > 0 {
        writeln!(
            out,
            "Indexed {} new, {} changed, {} unchanged listings.",
            i.new, i.updated, i.unchanged
        )?;
    }
    Ok(())
}
