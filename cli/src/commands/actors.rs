//! `salwatch actors` and `salwatch actor`: site accounts linked into actors by shared identifiers.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;
use salwatch_indexer::actors::{self, Actor, export};

use super::Context;
use crate::UsageError;
use crate::args::Format;
use crate::output::{self, Table, spreadsheet_safe};

/// `salwatch actors` arguments.
#[derive(Debug, Args)]
#[command(after_long_help = "\
An actor is a set of site accounts (site + seller handle) joined by a shared identifier: a
phone, wallet, PGP fingerprint, e-mail or messenger handle (strong links). The same photo or a
duplicate text under two accounts is shown as a weak link, never merged.

Examples:
  salwatch actors --min-sites 2                      sellers seen on two or more sites
  salwatch actors --min-sites 2 --format json
  salwatch actors --graphml actors.graphml           open in Gephi
  salwatch actors --csv-dir export/                  entities.csv + links.csv for link analysis
  salwatch actor a1b2c3d4e5                          one actor, every link explained")]
pub struct ActorsArgs {
    /// Only actors with accounts on at least this many sites.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub min_sites: usize,
    /// Only actors with at least this many accounts.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub min_accounts: usize,
    /// Also write the listed actors as GraphML (Gephi, yEd, Cytoscape) to this file.
    #[arg(long, value_name = "FILE")]
    pub graphml: Option<PathBuf>,
    /// Also write entities.csv and links.csv (link-analysis import tables) into this directory.
    #[arg(long, value_name = "DIR")]
    pub csv_dir: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `salwatch actor` arguments.
#[derive(Debug, Args)]
#[command(after_long_help = "\
Examples:
  salwatch actor a1b2c3d4e5              by actor id (from `salwatch actors`)
  salwatch actor classifieds/dardan_k    by account (site/handle)
  salwatch actor forum:1246              the actor behind a listing
  salwatch actor forum:1246 --graphml one.graphml")]
pub struct ActorArgs {
    /// Actor id, account (`site/handle`) or listing id.
    pub id: String,
    /// Also write this actor as GraphML to this file.
    #[arg(long, value_name = "FILE")]
    pub graphml: Option<PathBuf>,
    /// Output format (table shows accounts, identifiers and links; csv the links).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Lists actors.
pub async fn list(ctx: &Context, args: &ActorsArgs) -> Result<ExitCode> {
    let ws = ctx.existing_workspace()?;
    let conn = salwatch_indexer::store::open_ro(&ws.state_db())?;
    let all: Vec<Actor> = actors::actors(&conn)?
        .into_iter()
        .filter(|a| a.sites.len() >= args.min_sites && a.accounts.len() >= args.min_accounts)
        .collect();
    write_exports(&all, args.graphml.as_deref(), args.csv_dir.as_deref())?;
    let mut out = std::io::stdout().lock();
    output::write(
        args.format,
        &all,
        || {
            let mut t = Table::new(vec![
                "actor",
                "sites",
                "accounts",
                "listings",
                "identifiers",
                "first seen",
            ]);
            for a in &all {
                t.row(vec![
                    a.actor_id.clone(),
                    a.sites.join(" "),
                    a.accounts
                        .iter()
                        .map(|acc| acc.key.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                    a.listings.to_string(),
                    a.identifiers
                        .iter()
                        .map(|i| format!("{}:{}", i.kind, i.value))
                        .collect::<Vec<_>>()
                        .join(" "),
                    a.first_seen.chars().take(10).collect(),
                ]);
            }
            t
        },
        &mut out,
    )?;
    if args.format == Format::Table {
        eprintln!("{} actors", all.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// Shows one actor.
pub async fn show(ctx: &Context, args: &ActorArgs) -> Result<ExitCode> {
    let ws = ctx.existing_workspace()?;
    let conn = salwatch_indexer::store::open_ro(&ws.state_db())?;
    let Some(actor) = actors::actor(&conn, &args.id)? else {
        return Err(UsageError(format!(
            "no actor {:?}; give an actor id from `salwatch actors`, an account (site/handle) or a listing id",
            args.id
        ))
        .into());
    };
    write_exports(std::slice::from_ref(&actor), args.graphml.as_deref(), None)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json | Format::Ndjson => {
            output::write(
                args.format,
                std::slice::from_ref(&actor),
                Table::default,
                &mut out,
            )?;
        }
        Format::Csv => links_table(&actor).write_csv(&mut out)?,
        Format::Table => write_actor(&actor, &mut out)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn links_table(a: &Actor) -> Table {
    let mut t = Table::new(vec![
        "strength",
        "account",
        "via",
        "listing",
        "first seen",
        "other actor",
    ]);
    for l in &a.links {
        t.row(vec![
            l.strength.clone(),
            l.account.clone(),
            l.via.clone(),
            l.listing_id.clone(),
            l.first_seen.clone(),
            l.other_actor.clone().unwrap_or_default(),
        ]);
    }
    t
}

fn write_actor(a: &Actor, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "actor {}: {} accounts on {}, {} listings, first seen {}",
        a.actor_id,
        a.accounts.len(),
        a.sites.join(", "),
        a.listings,
        a.first_seen
    )?;
    writeln!(out)?;
    let mut accounts = Table::new(vec!["account", "site", "seller", "listings", "first seen"]);
    for acc in &a.accounts {
        accounts.row(vec![
            acc.key.clone(),
            acc.site.clone(),
            acc.seller.clone().unwrap_or_default(),
            acc.listings.join(" "),
            acc.first_seen.clone(),
        ]);
    }
    accounts.write_table(out)?;
    writeln!(out)?;
    let mut idents = Table::new(vec![
        "kind",
        "value",
        "first seen",
        "in listing",
        "accounts",
    ]);
    for i in &a.identifiers {
        idents.row(vec![
            i.kind.clone(),
            i.value.clone(),
            i.first_seen.clone(),
            i.first_listing.clone(),
            i.accounts.join(" "),
        ]);
    }
    idents.write_table(out)?;
    writeln!(out)?;
    links_table(a).write_table(out)
}

/// Writes the GraphML file and the CSV tables when asked.
fn write_exports(actors: &[Actor], graphml: Option<&Path>, csv_dir: Option<&Path>) -> Result<()> {
    if let Some(path) = graphml {
        std::fs::write(path, export::graphml(actors))
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(dir) = csv_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let (nodes, edges) = export::graph(actors);
        let path = dir.join("entities.csv");
        let mut w = csv::Writer::from_path(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        w.write_record(["id", "type", "label", "actor", "site", "first_seen"])?;
        for n in &nodes {
            let cells = [
                &n.id,
                &n.node_type,
                &n.label,
                &n.actor,
                &n.site,
                &n.first_seen,
            ];
            w.write_record(cells.map(|c| spreadsheet_safe(c).into_owned()))?;
        }
        w.flush()?;
        let path = dir.join("links.csv");
        let mut w = csv::Writer::from_path(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        w.write_record([
            "source",
            "target",
            "type",
            "weight",
            "listing",
            "first_seen",
        ])?;
        for e in &edges {
            let cells = [
                e.source.as_str(),
                e.target.as_str(),
                e.edge_type.as_str(),
                &e.weight.to_string(),
                e.listing.as_str(),
                e.first_seen.as_str(),
            ];
            w.write_record(cells.map(|c| spreadsheet_safe(c).into_owned()))?;
        }
        w.flush()?;
        eprintln!("wrote entities.csv and links.csv in {}", dir.display());
    }
    Ok(())
}
