//! `salwatch demo`: the whole pipeline on the built-in sample sites, then an analyst's summary.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, Result};
use salwatch_crawler::Workspace;
use salwatch_indexer::{SearchQuery, Searcher};

use super::{Context, rule_engine};
use crate::args::Format;
use crate::commands::crawl::print_report;
use crate::commands::samples::init_sample_workspace;
use crate::commands::search::write_hits;
use crate::output::Table;
use crate::pipeline::crawl_and_index;
use crate::progress::CrawlProgress;
use crate::samples::{SampleServer, SampleSource};

/// Example searches shown by the demo: what an analyst would type first.
const EXAMPLE_SEARCHES: &[(&str, &str)] = &[
    (
        "glock",
        "a Latin query that also finds Cyrillic and obfuscated spellings",
    ),
    (
        "пиштол",
        "a Cyrillic query (Macedonian/Serbian) that also finds Latin and Albanian ads",
    ),
    ("zoraki", "converted alarm pistols"),
    ("kalashnikov", "AK-pattern rifles in any script"),
];

/// Serves the samples, crawls, indexes and summarises.
pub async fn run(ctx: &Context) -> Result<ExitCode> {
    let started = Instant::now();
    let root = match ctx.explicit_workspace() {
        Some(dir) => dir.to_path_buf(),
        None => tempfile::Builder::new()
            .prefix("salwatch-demo-")
            .tempdir()
            .context("cannot create a temporary workspace")?
            .keep(),
    };
    let ws = Workspace::new(root.clone());
    let source = SampleSource::Embedded;
    let server = SampleServer::start(source.clone(), "127.0.0.1".parse()?, 0).await?;
    eprintln!(
        "Serving {} synthetic sample sites on 127.0.0.1:",
        server.sites.len()
    );
    for (name, url) in &server.sites {
        eprintln!("  {name:<12} {url}");
    }
    let config = init_sample_workspace(&source, &ws, &server)?;
    let engine = rule_engine(Some(&config), &[])?;
    let progress = Arc::new(CrawlProgress::new(ctx.quiet));
    let report = crawl_and_index(config, &ws, engine, true, progress).await;
    server.shutdown();
    let report = report?;
    let out = &mut std::io::stdout().lock();
    print_report(&report, out)?;
    let examples = summarise(&ws, out)?;
    writeln!(out)?;
    writeln!(
        out,
        "Done in {:.1} s. The workspace is kept at {}",
        started.elapsed().as_secs_f64(),
        root.display()
    )?;
    print_next_steps(&root, &examples, out)?;
    Ok(ExitCode::SUCCESS)
}

/// Real ids from this run, so the suggested next commands work as printed.
#[derive(Debug, Default)]
struct Examples {
    listing: Option<String>,
    entity: Option<String>,
}

fn summarise(ws: &Workspace, out: &mut dyn Write) -> Result<Examples> {
    let mut examples = Examples::default();
    let searcher = Searcher::open(ws)?;
    let summary = searcher.summary()?;
    writeln!(out)?;
    writeln!(out, "== Listings per site ==")?;
    let mut t = Table::new(vec!["site", "listings", "offers (relevant)"]);
    for site in &summary.sites {
        t.row(vec![
            site.site.clone(),
            site.listings.to_string(),
            site.relevant.to_string(),
        ]);
    }
    t.write_table(out)?;

    writeln!(out)?;
    writeln!(out, "== Offers per category ==")?;
    let mut t = Table::new(vec!["category", "listings"]);
    for category in &summary.categories {
        t.row(vec![category.value.clone(), category.count.to_string()]);
    }
    t.write_table(out)?;

    for (query, why) in EXAMPLE_SEARCHES {
        writeln!(out)?;
        writeln!(out, "== search {query:?}: {why} ==")?;
        let results = searcher.search(&SearchQuery {
            text: (*query).to_owned(),
            relevant_only: true,
            limit: 5,
            ..SearchQuery::default()
        })?;
        write_hits(Format::Table, &results.hits, out)?;
        if examples.listing.is_none() {
            examples.listing = results.hits.first().map(|h| h.listing.listing_id.clone());
        }
        writeln!(out, "({} matching offers)", super::search::total(&results))?;
    }

    writeln!(out)?;
    writeln!(
        out,
        "== Sellers seen on more than one site (shared identifiers) =="
    )?;
    let shared = searcher.shared_identifiers(2)?;
    examples.entity = shared.first().map(|s| format!("{}:{}", s.kind, s.value));
    let mut t = Table::new(vec!["identifier", "kind", "sites", "seller names"]);
    for s in &shared {
        let mut sites: Vec<&str> = s.listings.iter().map(|o| o.site.as_str()).collect();
        sites.sort_unstable();
        sites.dedup();
        let mut sellers: Vec<String> = s
            .listings
            .iter()
            .map(|o| format!("{}@{}", o.seller.as_deref().unwrap_or("?"), o.site))
            .collect();
        sellers.sort();
        sellers.dedup();
        t.row(vec![
            s.value.clone(),
            s.kind.clone(),
            sites.join(", "),
            sellers.join(", "),
        ]);
    }
    t.write_table(out)?;
    Ok(examples)
}

fn print_next_steps(root: &Path, examples: &Examples, out: &mut dyn Write) -> std::io::Result<()> {
    let w = shell_quote(&root.display().to_string());
    writeln!(out)?;
    writeln!(out, "Next, try:")?;
    writeln!(out, "  salwatch -w {w} search 'pištolj' --relevant")?;
    writeln!(out, "  salwatch -w {w} search 'глок' --format json")?;
    if let Some(entity) = &examples.entity {
        writeln!(
            out,
            "  salwatch -w {w} search --entity {}",
            shell_quote(entity)
        )?;
    }
    writeln!(
        out,
        "  salwatch -w {w} search '' --flag converted --sort price"
    )?;
    if let Some(listing) = &examples.listing {
        writeln!(out, "  salwatch -w {w} show {}", shell_quote(listing))?;
    }
    writeln!(out, "  salwatch -w {w} archive verify")?;
    writeln!(out, "  salwatch -w {w} index rebuild")?;
    writeln!(
        out,
        "  salwatch samples serve --init {w}   # then: salwatch -w {w} crawl"
    )?;
    Ok(())
}

fn shell_quote(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/-_.:+@".contains(c))
    {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}
