//! `salwatch dedup`: duplicate and reposted listings, grouped into clusters.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use salwatch_indexer::Searcher;
use salwatch_indexer::dedup::{self, Cluster};
use serde::Serialize;

use super::Context;
use crate::UsageError;
use crate::args::Format;
use crate::output::{self, Table};

/// `salwatch dedup` arguments.
#[derive(Debug, Args)]
#[command(after_long_help = "\
Clusters are kept up to date by every crawl and index rebuild: exact duplicates (same folded
text, whatever the script or spelling), near duplicates (MinHash over single-word shingles of
the folded text, estimated Jaccard >= 0.5) and photo duplicates (the same image bytes).

Examples:
  salwatch dedup                          clusters of two or more listings
  salwatch dedup --cross-site             only reposts found on more than one site
  salwatch dedup --cluster c1a2b3c4d5     one cluster with every link explained
  salwatch dedup --format json > clusters.json
  salwatch search glock --collapse        one hit per cluster")]
pub struct DedupArgs {
    /// Only clusters with at least this many listings.
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub min_size: usize,
    /// Only clusters whose listings are on two or more sites.
    #[arg(long)]
    pub cross_site: bool,
    /// Show one cluster (id as printed, or a member's listing id) with its links.
    #[arg(long, value_name = "ID")]
    pub cluster: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// A cluster with the title of its first listing.
#[derive(Debug, Serialize)]
struct Report {
    #[serde(flatten)]
    cluster: Cluster,
    title: String,
}

/// Runs `salwatch dedup`.
pub async fn run(ctx: &Context, args: &DedupArgs) -> Result<ExitCode> {
    let ws = ctx.existing_workspace()?;
    let searcher = Searcher::open(&ws)?;
    let conn = salwatch_indexer::store::open_ro(&ws.state_db())?;
    let title = |c: &Cluster| -> Result<String> {
        Ok(match c.members.first() {
            Some(m) => searcher
                .listing(&m.listing_id)?
                .map(|l| l.title)
                .unwrap_or_default(),
            None => String::new(),
        })
    };
    let mut out = std::io::stdout().lock();
    if let Some(id) = &args.cluster {
        let cluster = match dedup::cluster(&conn, id)? {
            Some(c) => Some(c),
            None => match searcher.listing(id)?.and_then(|l| l.cluster_id) {
                Some(cid) => dedup::cluster(&conn, &cid)?,
                None => None,
            },
        };
        let Some(cluster) = cluster else {
            return Err(UsageError(format!(
                "no cluster {id:?}; ids look like `c1a2b3c4d5` (see `salwatch dedup`), or give a listing id"
            ))
            .into());
        };
        let report = Report {
            title: title(&cluster)?,
            cluster,
        };
        write_one(args.format, &report, &searcher, &mut out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut reports = Vec::new();
    for cluster in dedup::clusters(&conn, args.min_size)? {
        if args.cross_site && cluster.sites.len() < 2 {
            continue;
        }
        reports.push(Report {
            title: title(&cluster)?,
            cluster,
        });
    }
    output::write(
        args.format,
        &reports,
        || {
            let mut t = Table::new(vec![
                "cluster", "size", "sites", "links", "title", "listings",
            ]);
            for r in &reports {
                let c = &r.cluster;
                let mut kinds: Vec<&str> = c.links.iter().map(|l| l.kind.as_str()).collect();
                kinds.sort_unstable();
                kinds.dedup();
                t.row(vec![
                    c.cluster_id.clone(),
                    c.size.to_string(),
                    c.sites.join(" "),
                    kinds.join("+"),
                    r.title.clone(),
                    c.members
                        .iter()
                        .map(|m| m.listing_id.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                ]);
            }
            t
        },
        &mut out,
    )?;
    if args.format == Format::Table {
        eprintln!("{} clusters", reports.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// One cluster: members, then links.
fn write_one(
    format: Format,
    report: &Report,
    searcher: &Searcher,
    out: &mut dyn Write,
) -> Result<()> {
    if matches!(format, Format::Json | Format::Ndjson) {
        return output::write(format, std::slice::from_ref(report), Table::default, out);
    }
    let c = &report.cluster;
    let mut members = Table::new(vec!["listing", "site", "first seen", "price", "title"]);
    for m in &c.members {
        let l = searcher.listing(&m.listing_id)?;
        members.row(vec![
            m.listing_id.clone(),
            m.site.clone(),
            m.first_seen.chars().take(10).collect(),
            l.as_ref()
                .and_then(|l| l.price_text.clone())
                .unwrap_or_default(),
            l.map(|l| l.title).unwrap_or_default(),
        ]);
    }
    let mut links = Table::new(vec!["kind", "listing", "listing", "score", "since", "why"]);
    for l in &c.links {
        links.row(vec![
            l.kind.clone(),
            l.a.clone(),
            l.b.clone(),
            format!("{:.2}", l.score),
            l.at.chars().take(10).collect(),
            l.detail.clone().unwrap_or_default(),
        ]);
    }
    if format == Format::Csv {
        return links.write_csv(out);
    }
    writeln!(
        out,
        "cluster {}: {} listings on {}",
        c.cluster_id,
        c.size,
        c.sites.join(", ")
    )?;
    members.write_table(out)?;
    writeln!(out)?;
    links.write_table(out)?;
    Ok(())
}

/// `salwatch search --collapse`: one hit per dedup cluster (grouped by the indexer), printed.
pub fn search_collapsed(
    searcher: &Searcher,
    query: &salwatch_indexer::SearchQuery,
    format: Format,
) -> Result<ExitCode> {
    let results = searcher.search_collapsed(query)?;
    let hits = &results.hits;
    let mut out = std::io::stdout().lock();
    output::write(
        format,
        hits,
        || {
            let mut t = Table::new(vec![
                "listing", "site", "title", "price", "cluster", "size", "sites",
            ]);
            for h in hits {
                let l = &h.hit.listing;
                t.row(vec![
                    l.listing_id.clone(),
                    l.site.clone(),
                    l.title.clone(),
                    l.price_text.clone().unwrap_or_default(),
                    h.cluster_id.clone(),
                    h.cluster_size.to_string(),
                    h.cluster_sites.join(" "),
                ]);
            }
            t
        },
        &mut out,
    )?;
    if format == Format::Table {
        eprintln!(
            "{} clusters from {} matching listings",
            hits.len(),
            super::search::count_label(results.total, results.total_is_lower_bound)
        );
    }
    Ok(ExitCode::SUCCESS)
}
