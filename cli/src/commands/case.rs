//! `salwatch case …`: named collections of listings, actors and queries, with an audit log.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::{ArgGroup, Args, Subcommand};
use salwatch_indexer::cases::{self, CaseError, ItemKind};
use salwatch_indexer::{Searcher, actors};

use super::Context;
use crate::UsageError;
use crate::args::Format;
use crate::output::{self, Table};

/// Who is acting: `--analyst`, else the OS user.
#[derive(Debug, Args)]
pub struct Analyst {
    /// Analyst recorded in the audit log (default: the OS user).
    #[arg(long, value_name = "NAME", env = "SALWATCH_ANALYST")]
    pub analyst: Option<String>,
}

impl Analyst {
    fn name(&self) -> String {
        self.analyst
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("LOGNAME").ok())
            .or_else(|| std::env::var("USERNAME").ok())
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "unknown".into())
    }
}

/// `salwatch case …` subcommands.
#[derive(Debug, Subcommand)]
#[command(after_long_help = "\
Every change is written to the case's audit log with who (the OS user, or --analyst) and when.

Examples:
  salwatch case new op-wolf --description 'converted Zoraki sellers, Tetovo'
  salwatch case add op-wolf --listing classifieds:40405
  salwatch case add op-wolf --actor a1b2c3d4e5
  salwatch case add op-wolf --query 'zoraki gdhendje'
  salwatch case note op-wolf 'same engraving photo on the channel' --analyst a.berisha
  salwatch case show op-wolf
  salwatch timeline --case op-wolf --html op-wolf.html")]
pub enum CaseCommand {
    /// Create a case.
    New {
        /// Case name.
        name: String,
        /// What the case is about.
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        analyst: Analyst,
    },
    /// Add a listing, an actor or a query to a case.
    Add(AddArgs),
    /// Add a note to a case.
    Note {
        /// Case name.
        name: String,
        /// The note.
        text: String,
        #[command(flatten)]
        analyst: Analyst,
    },
    /// Show a case: items, notes and audit log.
    Show {
        /// Case name.
        name: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// List cases.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// `salwatch case add`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("item").required(true).args(["listing", "actor", "query"])))]
pub struct AddArgs {
    /// Case name.
    pub name: String,
    /// A listing id.
    #[arg(long, value_name = "ID")]
    pub listing: Option<String>,
    /// An actor (actor id, account site/handle, or one of its listing ids).
    #[arg(long, value_name = "ID")]
    pub actor: Option<String>,
    /// A search query (its hits are followed whenever the case is read).
    #[arg(long, value_name = "QUERY")]
    pub query: Option<String>,
    #[command(flatten)]
    analyst: Analyst,
}

/// Case errors the analyst can fix are usage errors (exit 2).
fn usage(e: CaseError) -> anyhow::Error {
    match e {
        CaseError::Index(inner) => inner.into(),
        other => UsageError(other.to_string()).into(),
    }
}

/// Runs a `case` subcommand.
pub async fn run(ctx: &Context, cmd: CaseCommand) -> Result<ExitCode> {
    let ws = ctx.existing_workspace()?;
    let now = chrono::Utc::now();
    let mut out = std::io::stdout().lock();
    match cmd {
        CaseCommand::New {
            name,
            description,
            analyst,
        } => {
            let mut conn = salwatch_indexer::store::open_rw(&ws.state_db())?;
            cases::new_case(
                &mut conn,
                &name,
                description.as_deref(),
                &analyst.name(),
                now,
            )
            .map_err(usage)?;
            writeln!(out, "created case {name}")?;
        }
        CaseCommand::Add(args) => {
            let mut conn = salwatch_indexer::store::open_rw(&ws.state_db())?;
            let (kind, value, snapshot) = if let Some(id) = &args.listing {
                if salwatch_indexer::store::load_state(&conn, id)?.is_none() {
                    return Err(UsageError(format!(
                        "no listing {id:?}; ids look like `classifieds:1042` (see `salwatch search`)"
                    ))
                    .into());
                }
                (ItemKind::Listing, id.clone(), None)
            } else if let Some(id) = &args.actor {
                let Some(actor) = actors::actor(&conn, id)? else {
                    return Err(
                        UsageError(format!("no actor {id:?} (see `salwatch actors`)")).into(),
                    );
                };
                let snapshot = serde_json::json!({
                    "accounts": actor.accounts.iter().map(|a| &a.key).collect::<Vec<_>>(),
                    "listings": actor.listing_ids(),
                    "identifiers": actor.identifiers.iter().map(|i| format!("{}:{}", i.kind, i.value)).collect::<Vec<_>>(),
                });
                (ItemKind::Actor, actor.actor_id.clone(), Some(snapshot))
            } else if let Some(q) = &args.query {
                let searcher = Searcher::open(&ws)?;
                let hits = super::timeline::query_listings(&searcher, q)?;
                (
                    ItemKind::Query,
                    q.clone(),
                    Some(serde_json::json!({ "hits": hits })),
                )
            } else {
                return Err(UsageError("give --listing, --actor or --query".into()).into());
            };
            let new = cases::add_item(
                &mut conn,
                &args.name,
                kind,
                &value,
                snapshot.as_ref(),
                &args.analyst.name(),
                now,
            )
            .map_err(usage)?;
            let what = kind.as_str();
            if new {
                writeln!(out, "added {what} {value} to case {}", args.name)?;
            } else {
                writeln!(out, "{what} {value} was already in case {}", args.name)?;
            }
        }
        CaseCommand::Note {
            name,
            text,
            analyst,
        } => {
            let mut conn = salwatch_indexer::store::open_rw(&ws.state_db())?;
            cases::add_note(&mut conn, &name, &text, &analyst.name(), now).map_err(usage)?;
            writeln!(out, "noted in case {name}")?;
        }
        CaseCommand::Show { name, format } => {
            let conn = salwatch_indexer::store::open_ro(&ws.state_db())?;
            let case = cases::show(&conn, &name).map_err(usage)?;
            match format {
                Format::Json | Format::Ndjson => {
                    output::write(
                        format,
                        std::slice::from_ref(&case),
                        Table::default,
                        &mut out,
                    )?;
                }
                Format::Csv => audit_table(&case).write_csv(&mut out)?,
                Format::Table => {
                    writeln!(
                        out,
                        "case {}: created {} by {}{}",
                        case.name,
                        case.created_at,
                        case.created_by,
                        case.description
                            .as_deref()
                            .map(|d| format!(" — {d}"))
                            .unwrap_or_default()
                    )?;
                    writeln!(out)?;
                    let mut items = Table::new(vec!["kind", "value", "added", "by"]);
                    for i in &case.items {
                        items.row(vec![
                            i.kind.as_str().into(),
                            i.value.clone(),
                            i.added_at.clone(),
                            i.added_by.clone(),
                        ]);
                    }
                    items.write_table(&mut out)?;
                    writeln!(out)?;
                    let mut notes = Table::new(vec!["when", "analyst", "note"]);
                    for n in &case.notes {
                        notes.row(vec![n.at.clone(), n.analyst.clone(), n.text.clone()]);
                    }
                    notes.write_table(&mut out)?;
                    writeln!(out)?;
                    audit_table(&case).write_table(&mut out)?;
                }
            }
        }
        CaseCommand::List { format } => {
            let conn = salwatch_indexer::store::open_ro(&ws.state_db())?;
            let all = cases::list(&conn)?;
            output::write(
                format,
                &all,
                || {
                    let mut t = Table::new(vec![
                        "case",
                        "items",
                        "notes",
                        "created",
                        "by",
                        "last change",
                    ]);
                    for c in &all {
                        t.row(vec![
                            c.name.clone(),
                            c.items.to_string(),
                            c.notes.to_string(),
                            c.created_at.clone(),
                            c.created_by.clone(),
                            c.last_change.clone(),
                        ]);
                    }
                    t
                },
                &mut out,
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn audit_table(case: &cases::Case) -> Table {
    let mut t = Table::new(vec!["when", "analyst", "action", "detail"]);
    for a in &case.audit {
        t.row(vec![
            a.at.clone(),
            a.analyst.clone(),
            a.action.clone(),
            a.detail.clone(),
        ]);
    }
    t
}
