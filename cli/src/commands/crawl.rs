//! `salwatch crawl`.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;

use super::{Context, load_config, rule_engine};
use crate::UsageError;
use crate::args::{CrawlAction, CrawlArgs};
use crate::pipeline::{PipelineReport, crawl_and_index};
use crate::progress::CrawlProgress;

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
    let report = crawl_and_index(config, &ws, engine, !args.no_index, progress).await?;
    print_report(&report);
    Ok(ExitCode::SUCCESS)
}

/// The end-of-crawl summary, one line per site.
pub fn print_report(report: &PipelineReport) {
    let c = &report.crawl;
    println!(
        "Crawled {} pages ({} listings, {} images, {} failed, {} blocked by robots.txt, {} bytes).",
        c.fetched, c.listings, c.images, c.failed, c.robots_blocked, c.bytes
    );
    for (site, stats) in &c.per_site {
        println!(
            "  {site:<14} {:>5} pages  {:>4} listings  {:>3} failed",
            stats.fetched, stats.listings, stats.failed
        );
    }
    let i = &report.ingest;
    if i.new + i.updated + i.unchanged > 0 {
        println!(
            "Indexed {} new, {} changed, {} unchanged listings.",
            i.new, i.updated, i.unchanged
        );
    }
}
