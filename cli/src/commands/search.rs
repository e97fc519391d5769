//! `salwatch search` and `salwatch show`.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use chrono::{DateTime, NaiveDate, Utc};
use salwatch_indexer::{
    CaptureSeen, FacetCounts, HistoryEvent, Listing, SearchHit, SearchQuery, SearchResults,
    Searcher, SortOrder, ValueCount, normalize_entity, parse_entity,
};
use serde::Serialize;

use super::Context;
use crate::UsageError;
use crate::args::{Format, SearchArgs, ShowArgs, Sort};
use crate::output::{self, Table};

/// Runs one search and prints the hits.
pub fn run(ctx: &Context, args: &SearchArgs) -> Result<ExitCode> {
    let ws = ctx.existing_workspace()?;
    let region = match &args.region {
        Some(r) => Some(r.clone()),
        None => default_region(&ws, &args.sites),
    };
    let query = to_query(args, region.as_deref())?;
    let searcher = Searcher::open(&ws)?;
    if args.collapse {
        return super::dedup::search_collapsed(&searcher, &query, args.format);
    }
    let results = searcher.search(&query)?;
    let mut out = std::io::stdout().lock();
    for warning in &results.warnings {
        eprintln!("warning: {warning}");
    }
    match (args.format, &results.facets) {
        // With --facets, JSON is one object: the hits, the total and the counts.
        (Format::Json, Some(_)) => {
            serde_json::to_writer_pretty(&mut out, &results)?;
            writeln!(out)?;
        }
        (Format::Table, facets) => {
            write_hits(args.format, &results.hits, &mut out)?;
            if let Some(facets) = facets {
                write_facets(facets, &mut out)?;
            }
            out.flush()?;
            eprintln!(
                "{} of {} matching listings",
                results.hits.len(),
                total(&results)
            );
        }
        (format, facets) => {
            write_hits(format, &results.hits, &mut out)?;
            if facets.is_some() {
                eprintln!("note: --facets is printed with --format table or json");
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The phone region of the searched sites (all of salwatch.toml when none is named), when they
/// share exactly one.
fn default_region(ws: &salwatch_crawler::Workspace, sites: &[String]) -> Option<String> {
    let config = super::load_config(ws).ok()?;
    let regions: BTreeSet<String> = config
        .sites
        .iter()
        .filter(|s| sites.is_empty() || sites.contains(&s.name))
        .filter_map(|s| s.phone_region.as_deref().map(str::to_ascii_uppercase))
        .collect();
    (regions.len() == 1)
        .then(|| regions.into_iter().next())
        .flatten()
}

/// The number of matches as people read it: `10000+` when the index stopped counting.
pub fn total(results: &SearchResults) -> String {
    count_label(results.total, results.total_is_lower_bound)
}

/// A match count as printed: `10000+` when it is a lower bound.
pub fn count_label(total: usize, lower_bound: bool) -> String {
    if lower_bound {
        format!("{total}+")
    } else {
        total.to_string()
    }
}

/// Builds the indexer's query from the flags, checking every value. `region` folds a phone
/// number typed without its country code in `--entity`.
pub fn to_query(args: &SearchArgs, region: Option<&str>) -> Result<SearchQuery> {
    let entity = args
        .entity
        .as_deref()
        .map(|spec| {
            let (kind, value) = parse_entity(spec)?;
            let value = normalize_entity(&kind, &value, region)?;
            Ok::<_, String>((kind, value))
        })
        .transpose()
        .map_err(|e| UsageError(format!("--entity: {e}")))?;
    let eu_category = match args.eu_category.as_deref().map(str::to_uppercase) {
        Some(c) if !["A", "B", "C", "D"].contains(&c.as_str()) => {
            return Err(UsageError(format!("--eu-category {c:?} must be A, B, C or D")).into());
        }
        other => other,
    };
    Ok(SearchQuery {
        text: args.query.clone(),
        sites: args.sites.clone(),
        categories: args.categories.clone(),
        eu_category,
        flags: args.flags.clone(),
        entity,
        relevant_only: args.relevant,
        since: args.since.as_deref().map(parse_date).transpose()?,
        until: args.until.as_deref().map(parse_date).transpose()?,
        min_price_eur: args.min_price,
        max_price_eur: args.max_price,
        sort: match args.sort {
            Sort::Relevance => SortOrder::Relevance,
            Sort::Newest => SortOrder::Newest,
            Sort::Price => SortOrder::Price,
        },
        limit: args.limit,
        offset: args.offset,
        facets: args.facets,
    })
}

/// `YYYY-MM-DD` (midnight UTC) or RFC 3339.
fn parse_date(text: &str) -> Result<DateTime<Utc>> {
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day
            .and_hms_opt(0, 0, 0)
            .context("midnight exists")?
            .and_utc());
    }
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| {
            UsageError(format!(
                "{text:?} is not a date (YYYY-MM-DD or RFC 3339 like 2026-11-01T12:00:00Z)"
            ))
            .into()
        })
}

fn date(d: Option<DateTime<Utc>>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn price(listing: &Listing) -> String {
    let in_euro = listing.price_currency.as_deref() == Some("EUR");
    match (&listing.price_text, listing.price_eur) {
        (Some(text), Some(eur)) if !in_euro => format!("{text} (≈{eur:.0} EUR)"),
        (Some(text), _) => text.clone(),
        (None, Some(eur)) => format!("{eur:.0} EUR"),
        (None, None) => String::new(),
    }
}

/// Prints hits in the chosen format.
pub fn write_hits(format: Format, hits: &[SearchHit], out: &mut dyn Write) -> Result<()> {
    output::write(
        format,
        hits,
        || {
            let mut t = Table::new(vec![
                "listing",
                "site",
                "title",
                "price",
                "seller",
                "first seen",
                "last seen",
                "capture",
            ]);
            for hit in hits {
                let l = &hit.listing;
                t.row(vec![
                    l.listing_id.clone(),
                    l.site.clone(),
                    l.title.clone(),
                    price(l),
                    l.seller.clone().unwrap_or_default(),
                    date(Some(l.first_seen)),
                    date(Some(l.last_seen)),
                    format!("{}@{}", l.capture.warc_file, l.capture.offset),
                ]);
            }
            t
        },
        out,
    )
}

/// Facet counts under the hits (table output; `--format json` prints them in its object).
fn write_facets(facets: &FacetCounts, out: &mut dyn Write) -> Result<()> {
    let groups: [(&str, &Vec<ValueCount>); 5] = [
        ("site", &facets.sites),
        ("category", &facets.categories),
        ("eu category", &facets.eu_categories),
        ("flag", &facets.flags),
        ("language", &facets.languages),
    ];
    let mut t = Table::new(vec!["facet", "value", "listings"]);
    for (name, counts) in groups {
        for c in counts {
            t.row(vec![name.to_owned(), c.value.clone(), c.count.to_string()]);
        }
    }
    writeln!(out)?;
    t.write_table(out)
}

/// One listing as `show` prints it: every stored field, its history and its captures.
#[derive(Debug, Serialize)]
struct Shown {
    #[serde(flatten)]
    listing: Listing,
    history: Vec<HistoryEvent>,
    captures: Vec<CaptureSeen>,
}

/// Prints one listing with its entities, history and captures.
pub fn show(ctx: &Context, args: &ShowArgs) -> Result<ExitCode> {
    let ws = ctx.existing_workspace()?;
    let searcher = Searcher::open(&ws)?;
    let Some(listing) = searcher.listing(&args.listing)? else {
        return Err(UsageError(format!(
            "no listing {:?}; ids look like `classifieds:1042` (see `salwatch search`)",
            args.listing
        ))
        .into());
    };
    let shown = Shown {
        history: searcher.history(&listing.listing_id)?,
        captures: searcher.captures(&listing.listing_id)?,
        listing,
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &shown)?;
            writeln!(out)?;
        }
        Format::Ndjson => {
            serde_json::to_writer(&mut out, &shown)?;
            writeln!(out)?;
        }
        Format::Table | Format::Csv => write_shown(&shown, &mut out)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn write_shown(shown: &Shown, out: &mut dyn Write) -> Result<()> {
    write_listing(&shown.listing, out)?;
    writeln!(out)?;
    writeln!(out, "History")?;
    let mut history = Table::new(vec!["at", "event", "old", "new"]);
    for h in &shown.history {
        history.row(vec![
            h.at.to_rfc3339(),
            h.event.clone(),
            h.old.clone().unwrap_or_default(),
            h.new.clone().unwrap_or_default(),
        ]);
    }
    history.write_table(out)?;
    writeln!(out)?;
    // Captures are evidence: printed whole (no column is cut), one block each.
    writeln!(out, "Captures ({})", shown.captures.len())?;
    for c in &shown.captures {
        let r = &c.capture;
        writeln!(
            out,
            "  {}  {} @ {} ({} bytes)",
            c.fetched_at.to_rfc3339(),
            r.warc_file,
            r.offset,
            r.length
        )?;
        writeln!(out, "    record  {}", r.record_id)?;
        writeln!(out, "    digest  {}", r.payload_digest)?;
        writeln!(out, "    url     {}", printable(&c.url))?;
    }
    writeln!(out)?;
    writeln!(out, "{}", printable(&shown.listing.body))?;
    Ok(())
}

/// Text with control characters (but new lines) shown as spaces: a hostile listing cannot move
/// the cursor or fake lines.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect()
}

fn write_listing(l: &Listing, out: &mut dyn Write) -> Result<()> {
    let mut fields = Table::new(vec!["field", "value"]);
    let packs: Vec<String> = l
        .rule_packs
        .iter()
        .map(|p| format!("{} {}", p.id, p.version))
        .collect();
    for (name, value) in [
        ("listing", l.listing_id.clone()),
        ("site", l.site.clone()),
        ("url", l.url.clone()),
        ("title", l.title.clone()),
        ("price", price(l)),
        ("seller", l.seller.clone().unwrap_or_default()),
        ("posted", date(l.posted_at)),
        ("first seen", l.first_seen.to_rfc3339()),
        ("last seen", l.last_seen.to_rfc3339()),
        (
            "gone",
            l.gone_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        ),
        ("language", l.language.clone().unwrap_or_default()),
        ("relevant", format!("{} (score {:.2})", l.relevant, l.score)),
        ("categories", l.categories.join(", ")),
        ("EU category", l.eu_category.clone().unwrap_or_default()),
        ("flags", l.flags.join(", ")),
        ("rule packs", packs.join(", ")),
        (
            "latest capture",
            format!("{} @ {}", l.capture.warc_file, l.capture.offset),
        ),
    ] {
        fields.row(vec![name.to_owned(), value]);
    }
    fields.write_table(out)?;
    writeln!(out)?;
    writeln!(out, "Entities")?;
    let mut entities = Table::new(vec!["kind", "normalized", "as written", "rule"]);
    for e in &l.entities {
        entities.row(vec![
            e.kind.clone(),
            e.normalized.clone(),
            e.value.clone(),
            e.rule.clone(),
        ]);
    }
    entities.write_table(out)?;
    if l.entities_omitted > 0 {
        writeln!(
            out,
            "… and {} more past the rules' per-document limit: counted, not kept (the capture holds them)",
            l.entities_omitted
        )?;
    }
    Ok(())
}
