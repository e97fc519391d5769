//! `salwatch timeline`: events in time order for a listing, an actor, a query or a case.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{ArgGroup, Args};
use salwatch_indexer::timeline::{self, Event, html};
use salwatch_indexer::{SearchQuery, Searcher, actors, cases};

use super::Context;
use crate::UsageError;
use crate::args::Format;
use crate::output::{self, Table};

/// Most listings a `--query` timeline follows.
const QUERY_LISTINGS: usize = 200;

/// `salwatch timeline` arguments.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("subject").required(true).args(["listing", "actor", "query", "case"])))]
#[command(after_long_help = "\
Events: first_seen, price_changed, text_changed, gone, reappeared (from the crawl history),
reposted (the listing's duplicate cluster gained a member), identifier_first_used (actors).

Examples:
  salwatch timeline --listing classifieds:40405
  salwatch timeline --actor a1b2c3d4e5 --format json
  salwatch timeline --query 'zoraki' --html zoraki.html
  salwatch timeline --case op-wolf --html op-wolf.html   one offline page with an SVG chart")]
pub struct TimelineArgs {
    /// A listing id (site:id).
    #[arg(long, value_name = "ID")]
    pub listing: Option<String>,
    /// An actor (actor id, account site/handle, or one of its listing ids).
    #[arg(long, value_name = "ID")]
    pub actor: Option<String>,
    /// The listings a search finds (up to 200).
    #[arg(long, value_name = "QUERY")]
    pub query: Option<String>,
    /// Everything in a case (listings, actors, queries).
    #[arg(long, value_name = "NAME")]
    pub case: Option<String>,
    /// Also write a self-contained HTML page (SVG time chart, no scripts) to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Runs `salwatch timeline`.
pub async fn run(ctx: &Context, args: &TimelineArgs) -> Result<ExitCode> {
    let ws = ctx.existing_workspace()?;
    let conn = salwatch_indexer::store::open_ro(&ws.state_db())?;
    let (title, events) = if let Some(id) = &args.listing {
        if salwatch_indexer::store::load_state(&conn, id)?.is_none() {
            return Err(UsageError(format!(
                "no listing {id:?}; ids look like `classifieds:1042` (see `salwatch search`)"
            ))
            .into());
        }
        (
            format!("Timeline of listing {id}"),
            timeline::for_listings(&conn, std::slice::from_ref(id))?,
        )
    } else if let Some(id) = &args.actor {
        let Some(actor) = actors::actor(&conn, id)? else {
            return Err(UsageError(format!("no actor {id:?} (see `salwatch actors`)")).into());
        };
        (
            format!("Timeline of actor {}", actor.actor_id),
            timeline::for_actor(&conn, &actor)?,
        )
    } else if let Some(q) = &args.query {
        let searcher = Searcher::open(&ws)?;
        let ids = query_listings(&searcher, q)?;
        (
            format!("Timeline of the search {q:?}"),
            timeline::for_listings(&conn, &ids)?,
        )
    } else if let Some(name) = &args.case {
        (format!("Timeline of case {name}"), case_events(&ws, name)?)
    } else {
        return Err(UsageError("give --listing, --actor, --query or --case".into()).into());
    };
    if let Some(path) = &args.html {
        std::fs::write(path, html::render(&title, &events))
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    let mut out = std::io::stdout().lock();
    write_events(args.format, &events, &mut out)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints events.
pub fn write_events(format: Format, events: &[Event], out: &mut dyn std::io::Write) -> Result<()> {
    output::write(
        format,
        events,
        || {
            let mut t = Table::new(vec!["when", "event", "listing", "site", "detail"]);
            for e in events {
                t.row(vec![
                    e.at.clone(),
                    e.event.clone(),
                    e.listing_id.clone(),
                    e.site.clone(),
                    e.detail.clone(),
                ]);
            }
            t
        },
        out,
    )
}

/// The listing ids a query finds (up to [`QUERY_LISTINGS`]).
pub fn query_listings(searcher: &Searcher, q: &str) -> Result<Vec<String>> {
    let query = SearchQuery {
        text: q.to_string(),
        limit: QUERY_LISTINGS,
        ..SearchQuery::default()
    };
    Ok(searcher
        .search(&query)?
        .hits
        .into_iter()
        .map(|h| h.listing.listing_id)
        .collect())
}

/// The events of everything in a case.
pub fn case_events(ws: &salwatch_crawler::Workspace, name: &str) -> Result<Vec<Event>> {
    let conn = salwatch_indexer::store::open_ro(&ws.state_db())?;
    let case = cases::show(&conn, name).map_err(|e| match e {
        cases::CaseError::Missing(_) => anyhow::Error::from(UsageError(e.to_string())),
        other => anyhow::Error::from(other),
    })?;
    let mut listing_ids: Vec<String> = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    let mut searcher: Option<Searcher> = None;
    for item in &case.items {
        match item.kind {
            cases::ItemKind::Listing => listing_ids.push(item.value.clone()),
            cases::ItemKind::Actor => match actors::actor(&conn, &item.value)? {
                Some(actor) => events.extend(timeline::for_actor(&conn, &actor)?),
                None => {
                    // The actor id changed since: follow the listings it had when added.
                    if let Some(ids) = item
                        .snapshot
                        .as_ref()
                        .and_then(|s| s.get("listings"))
                        .and_then(|l| l.as_array())
                    {
                        listing_ids.extend(ids.iter().filter_map(|v| v.as_str().map(String::from)));
                    }
                }
            },
            cases::ItemKind::Query => {
                if searcher.is_none() {
                    searcher = Some(Searcher::open(ws)?);
                }
                if let Some(s) = &searcher {
                    listing_ids.extend(query_listings(s, &item.value)?);
                }
            }
        }
    }
    events.extend(timeline::for_listings(&conn, &listing_ids)?);
    events.sort_by(|a, b| (&a.at, &a.listing_id, &a.event).cmp(&(&b.at, &b.listing_id, &b.event)));
    events.dedup();
    Ok(events)
}
