//! `salwatch rules test | lint | explain | backtest`: the rule maintainer's tools.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use salwatch_rules::examples::ExampleReport;
use salwatch_rules::lint::LintFinding;
use salwatch_rules::pack::{Pack, embedded_packs};
use salwatch_rules::{
    Backtest, BacktestSummary, Document, DocumentChange, Explanation, RuleEngine,
};
use serde::Serialize;

use super::{Context, load_config};
use crate::UsageError;
use crate::args::Format;
use crate::output::{self, Table};

/// `salwatch rules …` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Run every embedded example (`should_match`, `should_not_match`) and print each failure as a diff.
    ///
    /// PACK is a pack file or directory (loaded after the built-in salw-core and tested), or the
    /// id of a loaded pack (`salw-core`). Without PACK every loaded pack is tested. With
    /// --workspace, the packs of its salwatch.toml are loaded too. Exit 1 when an example fails,
    /// 2 when a pack does not load (the message names file:line, the rule and the regex error).
    ///
    /// Examples:
    ///   salwatch rules test
    ///   salwatch rules test my-pack.toml
    ///   salwatch rules test salw-core --format json
    #[command(verbatim_doc_comment)]
    Test(TestArgs),
    /// Check the loaded packs for duplicate ids, rules without examples, overlapping terms and
    /// patterns that can never match the folded text.
    ///
    /// Exit 1 when a finding is an error (or any finding, with --deny-warnings).
    ///
    /// Examples:
    ///   salwatch rules lint
    ///   salwatch rules lint --pack my-pack.toml --deny-warnings
    #[command(verbatim_doc_comment)]
    Lint(LintArgs),
    /// Show how the rules read one text: the normalized text, every hit with its span and rule,
    /// and the final extraction.
    ///
    /// Examples:
    ///   salwatch rules explain 'Продавам пиштол Глок 19, 350 евра'
    ///   salwatch rules explain 'pištolj za silikon' --format json
    ///   echo 'Shes gl0ck 17' | salwatch rules explain -
    #[command(verbatim_doc_comment)]
    Explain(ExplainArgs),
    /// Re-run a changed pack over the workspace's archived listings and report which listings
    /// gain or lose matches, relevance or categories, before the change goes live.
    ///
    /// The baseline is the built-in salw-core plus the packs of salwatch.toml. PACK replaces the
    /// baseline pack with the same id (an edited pack, e.g. a copy of salw-core) or is added after
    /// them (a new pack). Every listing page is read back from archive/ (latest capture of each
    /// listing) and its text built as the indexer builds it.
    ///
    /// Examples:
    ///   salwatch -w ~/cases/ws rules backtest my-pack.toml
    ///   salwatch rules backtest rules/packs/salw-core --workspace ~/cases/ws --format ndjson
    #[command(verbatim_doc_comment)]
    Backtest(BacktestArgs),
}

/// `salwatch rules test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Pack files or directories to load and test, or ids of loaded packs; none: test all.
    #[arg(value_name = "PACK")]
    pub packs: Vec<String>,
    /// Output format (table prints failures as diffs).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `salwatch rules lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Extra rule pack files or directories, loaded after the built-in salw-core.
    #[arg(long = "pack", value_name = "PATH")]
    pub packs: Vec<PathBuf>,
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `salwatch rules explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The text to explain; `-` reads stdin.
    #[arg(value_name = "TEXT")]
    pub text: String,
    /// Extra rule pack files or directories, loaded after the built-in salw-core.
    #[arg(long = "pack", value_name = "PATH")]
    pub packs: Vec<PathBuf>,
    /// Default phone region (ISO 3166 alpha-2, e.g. MK).
    #[arg(long, value_name = "CC")]
    pub region: Option<String>,
    /// Output format (json: normalized text, hits and extraction; csv/ndjson: the hits).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `salwatch rules backtest`.
#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// The changed pack: a pack file or directory.
    #[arg(value_name = "PACK")]
    pub pack: PathBuf,
    /// Output format (table prints each changed listing as a diff).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Runs a `rules` subcommand.
pub async fn run(ctx: &Context, cmd: RulesCommand) -> Result<ExitCode> {
    let ctx = ctx.clone();
    tokio::task::spawn_blocking(move || match cmd {
        RulesCommand::Test(args) => test(&ctx, &args),
        RulesCommand::Lint(args) => lint(&ctx, &args),
        RulesCommand::Explain(args) => explain(&ctx, &args),
        RulesCommand::Backtest(args) => backtest(&ctx, &args),
    })
    .await
    .context("the rules command panicked")?
}

/// salw-core, the packs of salwatch.toml (when --workspace names a workspace), then `extra`.
fn packs(ctx: &Context, extra: &[PathBuf]) -> Result<Vec<Pack>> {
    let mut packs = embedded_packs().context("cannot load the built-in rule pack")?;
    if ctx.explicit_workspace().is_some() {
        let ws = ctx.existing_workspace()?;
        let config = load_config(&ws)?;
        for p in &config.rules.packs {
            packs.push(load(&config.resolve(p))?);
        }
    }
    for p in extra {
        packs.push(load(p)?);
    }
    Ok(packs)
}

fn load(path: &Path) -> Result<Pack> {
    Pack::load(path).with_context(|| format!("cannot load the rule pack {}", path.display()))
}

fn engine(packs: Vec<Pack>) -> Result<RuleEngine> {
    RuleEngine::from_packs(packs).context("cannot compile the rule packs")
}

fn test(ctx: &Context, args: &TestArgs) -> Result<ExitCode> {
    let (mut paths, mut ids) = (Vec::new(), Vec::new());
    for p in &args.packs {
        let path = Path::new(p);
        if path.exists() {
            paths.push(path.to_path_buf());
        } else {
            ids.push(p.clone());
        }
    }
    let packs = packs(ctx, &paths)?;
    let n_base = packs.len() - paths.len();
    ids.extend(packs[n_base..].iter().map(|p| p.header.id.clone()));
    if let Some(unknown) = ids
        .iter()
        .find(|id| !packs.iter().any(|p| &p.header.id == *id))
    {
        let known: Vec<&str> = packs.iter().map(|p| p.header.id.as_str()).collect();
        return Err(UsageError(format!(
            "`{unknown}` is neither a pack file or directory nor a loaded pack id (loaded: {})",
            known.join(", ")
        ))
        .into());
    }
    let engine = engine(packs)?;
    let report = engine.test_examples(&ids);
    let mut out = std::io::stdout().lock();
    write_test_report(args.format, &report, &mut out)?;
    out.flush()?;
    if args.format != Format::Table {
        eprintln!("{} examples, {} failed", report.run, report.failures.len());
    }
    Ok(if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn write_test_report(format: Format, report: &ExampleReport, out: &mut dyn Write) -> Result<()> {
    match format {
        Format::Table => {
            for f in &report.failures {
                writeln!(out, "FAIL {} ({}) [{}]", f.rule, f.location, f.pack)?;
                writeln!(out, "  text: {:?}", f.text)?;
                for line in f.diff.lines() {
                    writeln!(out, "  {line}")?;
                }
                writeln!(out)?;
            }
            let verdict = if report.failures.is_empty() {
                "ok"
            } else {
                "FAILED"
            };
            writeln!(
                out,
                "test result: {verdict}. {} examples, {} failed",
                report.run,
                report.failures.len()
            )?;
            Ok(())
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)?;
            Ok(())
        }
        _ => output::write(
            format,
            &report.failures,
            || {
                let mut t = Table::new(vec!["pack", "rule", "location", "text", "diff"]);
                for f in &report.failures {
                    t.row(vec![
                        f.pack.clone(),
                        f.rule.clone(),
                        f.location.clone(),
                        f.text.clone(),
                        f.diff.clone(),
                    ]);
                }
                t
            },
            out,
        ),
    }
}

fn lint(ctx: &Context, args: &LintArgs) -> Result<ExitCode> {
    let engine = engine(packs(ctx, &args.packs)?)?;
    let findings = engine.lint();
    let mut out = std::io::stdout().lock();
    if args.format == Format::Table {
        // Messages are long: one finding per block rather than a clipped table cell.
        for f in &findings {
            writeln!(out, "{} {} ({})", f.severity, f.rule, f.location)?;
            writeln!(out, "  {}", f.message)?;
        }
    } else {
        output::write(
            args.format,
            &findings,
            || {
                let mut t = Table::new(vec!["severity", "rule", "location", "message"]);
                for f in &findings {
                    t.row(vec![
                        f.severity.to_owned(),
                        f.rule.clone(),
                        f.location.clone(),
                        f.message.clone(),
                    ]);
                }
                t
            },
            &mut out,
        )?;
    }
    out.flush()?;
    let errors = findings.iter().filter(|f| f.severity == "error").count();
    eprintln!(
        "{} rules in {} packs: {errors} errors, {} warnings",
        engine.rule_count(),
        engine.loaded_packs().len(),
        findings.len() - errors
    );
    let fail = |f: &LintFinding| f.severity == "error" || args.deny_warnings;
    Ok(if findings.iter().any(fail) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn explain(ctx: &Context, args: &ExplainArgs) -> Result<ExitCode> {
    let text = if args.text == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read stdin")?;
        salwatch_rules::decode_lossy("stdin", &bytes).into_owned()
    } else {
        args.text.clone()
    };
    let engine = engine(packs(ctx, &args.packs)?)?;
    let region = args.region.as_deref().map(str::to_uppercase);
    let ex = engine.explain(&Document {
        id: "explain",
        text: &text,
        default_region: region.as_deref(),
    });
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &ex)?;
            writeln!(out)?;
        }
        Format::Table => write_explanation(&ex, &mut out)?,
        other => output::write(other, &ex.hits, || hits_table(&ex), &mut out)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn hits_table(ex: &Explanation) -> Table {
    let mut t = Table::new(vec!["rule", "kind", "span", "folded", "text", "entity"]);
    for h in &ex.hits {
        t.row(vec![
            h.rule.clone(),
            h.kind.clone(),
            format!("{}..{}", h.span[0], h.span[1]),
            h.folded_span
                .map_or_else(|| "-".to_owned(), |f| format!("{}..{}", f[0], f[1])),
            h.text.clone(),
            h.entity
                .as_ref()
                .map_or_else(String::new, |e| e.normalized.clone()),
        ]);
    }
    t
}

fn write_explanation(ex: &Explanation, out: &mut dyn Write) -> Result<()> {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
            .collect()
    };
    writeln!(out, "normalized: {}", clean(&ex.normalized))?;
    writeln!(out)?;
    if ex.hits.is_empty() {
        writeln!(out, "no rule hit")?;
    } else {
        hits_table(ex).write_table(out)?;
    }
    let x = &ex.extraction;
    writeln!(out)?;
    writeln!(
        out,
        "relevant: {} (score {:.3})  language: {}  eu_category: {}",
        x.relevant,
        x.score,
        x.language.as_deref().unwrap_or("-"),
        x.eu_category.as_deref().unwrap_or("-")
    )?;
    if let Some(reason) = &x.eu_category_reason {
        writeln!(out, "eu reason: {reason}")?;
    }
    writeln!(out, "categories: {}", x.categories.join(" "))?;
    writeln!(out, "flags: {}", x.flags.join(" "))?;
    for e in &x.entities {
        writeln!(
            out,
            "entity: {} {:?} ({}..{}, {})",
            e.kind, e.normalized, e.span[0], e.span[1], e.rule
        )?;
    }
    let packs: Vec<String> = x
        .rule_packs
        .iter()
        .map(|p| format!("{} {}", p.id, p.version))
        .collect();
    writeln!(out, "packs: {}", packs.join(", "))?;
    Ok(())
}

/// One changed listing of a backtest.
#[derive(Debug, Serialize)]
struct ListingChange {
    listing_id: String,
    url: String,
    #[serde(flatten)]
    change: DocumentChange,
}

fn backtest(ctx: &Context, args: &BacktestArgs) -> Result<ExitCode> {
    let ws = ctx.existing_workspace()?;
    let config = load_config(&ws)?;
    let mut baseline = embedded_packs().context("cannot load the built-in rule pack")?;
    for p in &config.rules.packs {
        baseline.push(load(&config.resolve(p))?);
    }
    let changed = load(&args.pack)?;
    let label = format!("{} {}", changed.header.id, changed.header.version);
    let bt = Backtest::new(baseline, changed).context("cannot compile the rule packs")?;
    let read = || {
        salwatch_crawler::archive::read_pages(&ws)
            .with_context(|| format!("cannot read the archive of {}", ws.root().display()))
    };
    // Pass 1: the latest capture of each listing (ids only, so memory stays small).
    let mut latest: HashMap<String, usize> = HashMap::new();
    for (n, page) in read()?.enumerate() {
        let page = page.context("cannot read an archived page")?;
        if listing_page(&page) {
            latest.insert(salwatch_indexer::listing::listing_id(&page), n);
        }
    }
    // Pass 2: compare those captures.
    let mut changes = Vec::new();
    let mut summary = BacktestSummary::default();
    for (n, page) in read()?.enumerate() {
        let page = page.context("cannot read an archived page")?;
        if !listing_page(&page) {
            continue;
        }
        let id = salwatch_indexer::listing::listing_id(&page);
        if latest.get(&id) != Some(&n) {
            continue;
        }
        let text = salwatch_indexer::listing::listing_text(&page);
        let change = bt.compare(&Document {
            id: &id,
            text: &text,
            default_region: page.phone_region.as_deref(),
        });
        summary.add(change.as_ref());
        if let Some(change) = change {
            changes.push(ListingChange {
                listing_id: id,
                url: page.url.clone(),
                change,
            });
        }
    }
    changes.sort_by(|a, b| a.listing_id.cmp(&b.listing_id));
    let mut out = std::io::stdout().lock();
    write_backtest(args.format, &changes, &mut out)?;
    out.flush()?;
    eprintln!(
        "backtest of {label} ({}): {} listings, {} changed; {} became relevant, {} no longer \
         relevant; {} entities gained, {} lost",
        if bt.replaced() {
            "replacing the live pack"
        } else {
            "added to the live packs"
        },
        summary.documents,
        summary.changed,
        summary.became_relevant,
        summary.became_irrelevant,
        summary.entities_gained,
        summary.entities_lost
    );
    Ok(ExitCode::SUCCESS)
}

/// A listing page as the indexer sees one: a listing URL answered with 2xx.
fn listing_page(page: &salwatch_crawler::Page) -> bool {
    page.is_listing && (200..300).contains(&page.status)
}

fn write_backtest(format: Format, changes: &[ListingChange], out: &mut dyn Write) -> Result<()> {
    if format == Format::Table {
        for c in changes {
            writeln!(out, "{}  {}", c.listing_id, c.url)?;
            for line in &c.change.changes {
                writeln!(out, "  {line}")?;
            }
        }
        return Ok(());
    }
    output::write(
        format,
        changes,
        || {
            let mut t = Table::new(vec![
                "listing_id",
                "url",
                "relevant_before",
                "relevant_after",
                "gained",
                "lost",
                "changes",
            ]);
            for c in changes {
                t.row(vec![
                    c.listing_id.clone(),
                    c.url.clone(),
                    c.change.relevant_before.to_string(),
                    c.change.relevant_after.to_string(),
                    c.change.gained.to_string(),
                    c.change.lost.to_string(),
                    c.change.changes.join("; "),
                ]);
            }
            t
        },
        out,
    )
}
