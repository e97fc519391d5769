//! `salwatch crawl status`.

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;
use salwatch_crawler::state::{CrawlStatus, SiteStatus, State};

use super::{Context, load_config};
use crate::args::Format;
use crate::output::{Table, write};

/// `salwatch crawl status`.
#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  salwatch -w ws crawl status
  salwatch -w ws crawl status --format json | jq '.sites[] | {site, queued, errors}'
  salwatch -w ws crawl status --format csv > status.csv

Counts: queued (waiting), in_flight (claimed by a running or killed crawl; a killed crawl's are
completed or queued again by the next `salwatch crawl`), done (fetched and archived), failed,
robots (refused by robots.txt). ERRORS counts the fetch log by error class; EVENTS counts
revisits (new, unchanged, changed, gone). NEXT VISIT is the earliest scheduled revisit.")]
pub struct StatusArgs {
    /// Output format (json: one document with the last job; ndjson and csv: one row per site).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Prints the crawl state of the workspace: per-site counts, errors by kind, last job and the
/// next scheduled visit. Read-only.
pub fn run(ctx: &Context, args: &StatusArgs) -> Result<ExitCode> {
    let ws = ctx.existing_workspace()?;
    let config = load_config(&ws)?;
    let names: Vec<String> = config.sites.iter().map(|s| s.name.clone()).collect();
    let status = if ws.state_db().is_file() {
        State::open(&ws.state_db())
            .and_then(|st| st.status(&names))
            .context("cannot read the crawl state")?
    } else {
        CrawlStatus {
            sites: names
                .iter()
                .map(|n| SiteStatus {
                    site: n.clone(),
                    ..Default::default()
                })
                .collect(),
            last_job: None,
        }
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &status)?;
            use std::io::Write as _;
            writeln!(out)?;
        }
        Format::Table => {
            use std::io::Write as _;
            table(&status.sites).write_table(&mut out)?;
            writeln!(out)?;
            match &status.last_job {
                None => writeln!(out, "No crawl yet.")?,
                Some(job) => {
                    let end = job.finished_at.as_deref().map_or_else(
                        || "never finished (killed or still running)".to_string(),
                        |f| format!("finished {f}"),
                    );
                    writeln!(
                        out,
                        "Last crawl: {}, started {}, {end}.",
                        job.job, job.started_at
                    )?;
                }
            }
        }
        Format::Ndjson | Format::Csv => {
            write(
                args.format,
                &status.sites,
                || table(&status.sites),
                &mut out,
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn table(sites: &[SiteStatus]) -> Table {
    let mut t = Table::new(vec![
        "site",
        "queued",
        "in_flight",
        "done",
        "failed",
        "robots",
        "errors",
        "events",
        "next visit",
    ]);
    let kv = |m: &std::collections::BTreeMap<String, u64>| {
        m.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    for s in sites {
        t.row(vec![
            s.site.clone(),
            s.queued.to_string(),
            s.in_flight.to_string(),
            s.done.to_string(),
            s.failed.to_string(),
            s.robots_blocked.to_string(),
            kv(&s.errors),
            kv(&s.events),
            s.next_visit.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    t
}
