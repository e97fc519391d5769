//! `salwatch bench`: synthetic inputs and benchmarks (method and results in docs/BENCHMARKS.md).
//!
//! One variant of [`BenchCommand`] per benchmark; each lives in its own function below.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use salwatch_crawler::Workspace;
use salwatch_indexer::bench::{self, BenchOptions, IngestFigures, QueryFigures};
use salwatch_indexer::synth;
use serde::Serialize;

use super::{Context, rule_engine};
use crate::UsageError;
use crate::args::Format;
use crate::output::{self, Table};

/// `salwatch bench …` subcommands.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Write N deterministic synthetic listings as NDJSON.
    ///
    /// Each line holds `id` and `text` (what `salwatch extract --input ndjson` reads), the `page`
    /// as the crawler hands it to the indexer and the `extraction` the generator planted. The
    /// same N and seed always give the same bytes. Everything is invented (sites end in .test).
    ///
    /// Examples:
    ///   salwatch bench gen 1000 > listings.ndjson
    ///   salwatch bench gen 100000 --seed 7 --out listings.ndjson
    ///   salwatch bench gen 50 | salwatch extract --input ndjson --format table
    #[command(verbatim_doc_comment)]
    Gen(GenArgs),
    /// Measure index ingest (listings/s) and query latency (p50/p99) on synthetic listings.
    ///
    /// Three passes, each into a fresh index: the generator alone; ingest of pre-extracted
    /// listings (the index cost alone); ingest through the built-in rule pack (a crawl's cost).
    /// Then the 10 representative queries run warm, many times each, on the first index.
    /// Commits are batched (--batch). Use a release build: debug builds are 10-50x slower.
    ///
    /// The indexes go to a temporary directory, removed afterwards, or to --workspace DIR
    /// (which must be empty or a previous bench directory; it is kept for inspection).
    ///
    /// Examples:
    ///   salwatch bench index --listings 100000
    ///   salwatch bench index --listings 1000000 --no-rules --format json
    ///   salwatch -w /var/tmp/bench bench index --listings 100000 --repetitions 1000
    #[command(verbatim_doc_comment)]
    Index(IndexBenchArgs),
}

/// `salwatch bench gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Number of listing pages (about one in ten is a re-crawl of an earlier listing).
    pub count: u64,
    /// Generator seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE.ndjson")]
    pub out: Option<PathBuf>,
}

/// `salwatch bench index`.
#[derive(Debug, Args)]
pub struct IndexBenchArgs {
    /// Synthetic listing pages to ingest.
    #[arg(long, default_value_t = 100_000)]
    pub listings: u64,
    /// Generator seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Pages between two commits.
    #[arg(long, default_value_t = 10_000)]
    pub batch: u64,
    /// Timed repetitions of every query (after 10% untimed warm-up runs, at least 5).
    #[arg(long, default_value_t = 200)]
    pub repetitions: usize,
    /// Skip the pass through the rules (it is the slowest).
    #[arg(long)]
    pub no_rules: bool,
    /// Only time the queries, on the pre-extracted index a previous run kept in
    /// --workspace DIR (no ingest pass; --listings and --seed must be those of that run).
    #[arg(long)]
    pub queries_only: bool,
    /// Also update the near-duplicate clusters at every commit, as a crawl does (off by
    /// default: the figures are of the index itself; dedup has its own benchmark).
    #[arg(long)]
    pub dedup: bool,
    /// Output format (table or json).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Runs a `bench` subcommand.
pub async fn run(ctx: &Context, cmd: BenchCommand) -> Result<ExitCode> {
    match cmd {
        BenchCommand::Gen(args) => gen_listings(&args),
        BenchCommand::Index(args) => {
            let ctx = ctx.clone();
            tokio::task::spawn_blocking(move || index(&ctx, &args))
                .await
                .context("the benchmark thread panicked")?
        }
    }
}

/// `bench gen`.
fn gen_listings(args: &GenArgs) -> Result<ExitCode> {
    let sink: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(sink);
    for record in synth::records(args.count, args.seed) {
        serde_json::to_writer(&mut out, &record)?;
        out.write_all(b"\n")?;
    }
    out.flush().context("cannot write the listings")?;
    Ok(ExitCode::SUCCESS)
}

/// Marker file (the last report) that makes a directory a bench directory.
const REPORT_FILE: &str = "bench-index.json";

/// The whole `bench index` report.
#[derive(Debug, Serialize)]
struct IndexReport {
    /// salwatch version.
    version: &'static str,
    /// Pages generated per pass.
    pages: u64,
    /// Generator seed.
    seed: u64,
    /// Pages per commit.
    batch: u64,
    /// Dedup clusters updated at each commit.
    dedup: bool,
    /// Logical CPUs seen.
    cpus: usize,
    /// Seconds the generator alone takes.
    generate_seconds: f64,
    /// Pre-extracted listings: the index cost (`None` with --queries-only).
    extracted: Option<IngestFigures>,
    /// Listings through the rule pack: a crawl's ingest cost.
    with_rules: Option<IngestFigures>,
    /// Warm query latency on the pre-extracted index.
    queries: Vec<QueryFigures>,
}

/// `bench index`.
fn index(ctx: &Context, args: &IndexBenchArgs) -> Result<ExitCode> {
    if !matches!(args.format, Format::Table | Format::Json) {
        return Err(UsageError("bench index prints --format table or json".into()).into());
    }
    let (root, _temp) = bench_dir(ctx.explicit_workspace())?;
    let opts = BenchOptions {
        pages: args.listings,
        seed: args.seed,
        batch: args.batch,
        repetitions: args.repetitions.max(1),
        warmup: (args.repetitions / 10).max(5),
        dedup: args.dedup,
    };
    let bar = progress_bar(ctx.quiet, args.listings);
    let tick = |n: u64| bar.set_position(n);
    let extracted_dir = root.join("extracted");
    let (generate_seconds, extracted, with_rules) = if args.queries_only {
        if ctx.explicit_workspace().is_none() || !extracted_dir.join("index").is_dir() {
            return Err(UsageError(
                "--queries-only needs --workspace DIR holding a previous bench run".into(),
            )
            .into());
        }
        (0.0, None, None)
    } else {
        bar.set_message("generator only");
        let generate_seconds = bench::generate_only(opts.pages, opts.seed);

        bar.set_message("ingest, pre-extracted");
        bar.set_position(0);
        let extracted_ws = fresh_workspace(&extracted_dir)?;
        let extracted = bench::ingest_extracted(&extracted_ws, &opts, &tick)?;

        let with_rules = if args.no_rules {
            None
        } else {
            bar.set_message("ingest, with rules");
            bar.set_position(0);
            let engine = rule_engine(None, &[])?;
            let rules_ws = fresh_workspace(&root.join("rules"))?;
            Some(bench::ingest_with_rules(&rules_ws, engine, &opts, &tick)?)
        };
        (generate_seconds, Some(extracted), with_rules)
    };
    let extracted_ws = Workspace::new(&extracted_dir);

    bar.set_message("queries");
    let queries = bench::query_latency(&extracted_ws, &opts)?;
    bar.finish_and_clear();

    let report = IndexReport {
        version: env!("CARGO_PKG_VERSION"),
        pages: opts.pages,
        seed: opts.seed,
        batch: opts.batch,
        dedup: opts.dedup,
        cpus: std::thread::available_parallelism().map_or(1, usize::from),
        generate_seconds,
        extracted,
        with_rules,
        queries,
    };
    let json = serde_json::to_string_pretty(&report)?;
    std::fs::write(root.join(REPORT_FILE), &json)
        .with_context(|| format!("cannot write the report in {}", root.display()))?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => writeln!(out, "{json}")?,
        _ => write_report(&report, &mut out)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The directory to work in: --workspace (checked) or a temporary one (removed on drop).
fn bench_dir(explicit: Option<&Path>) -> Result<(PathBuf, Option<tempfile::TempDir>)> {
    let Some(dir) = explicit else {
        let temp = tempfile::Builder::new()
            .prefix("salwatch-bench-")
            .tempdir()
            .context("cannot create a temporary directory")?;
        return Ok((temp.path().to_path_buf(), Some(temp)));
    };
    let is_empty = |d: &Path| std::fs::read_dir(d).map(|mut e| e.next().is_none());
    if dir.exists() && !dir.join(REPORT_FILE).is_file() && !is_empty(dir).unwrap_or(false) {
        return Err(UsageError(format!(
            "{} is neither empty nor a previous bench directory (no {REPORT_FILE}); \
             the benchmark never writes synthetic listings into a real workspace",
            dir.display()
        ))
        .into());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok((dir.to_path_buf(), None))
}

/// An empty workspace at `dir` (a previous bench run's index and state are removed).
fn fresh_workspace(dir: &Path) -> Result<Workspace> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .with_context(|| format!("cannot remove the previous run in {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(Workspace::new(dir))
}

fn progress_bar(quiet: bool, len: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(len),
        if quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        },
    );
    bar.set_style(
        ProgressStyle::with_template("{msg:>22} [{bar:30}] {pos}/{len} pages")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

fn write_report(r: &IndexReport, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "salwatch {} · {} synthetic pages (seed {}) · commit every {} · dedup {} · {} CPUs",
        r.version,
        r.pages,
        r.seed,
        r.batch,
        if r.dedup { "on" } else { "off" },
        r.cpus
    )?;
    writeln!(out)?;
    if r.extracted.is_some() {
        write_ingest(r, out)?;
    }
    let mut queries = Table::new(vec![
        "query", "matches", "runs", "p50 ms", "p99 ms", "max ms",
    ]);
    for q in &r.queries {
        queries.row(vec![
            q.name.clone(),
            q.total.to_string(),
            q.repetitions.to_string(),
            format!("{:.3}", q.p50_ms),
            format!("{:.3}", q.p99_ms),
            format!("{:.3}", q.max_ms),
        ]);
    }
    output::write(Format::Table, &r.queries, || queries, out)
}

/// The ingest table of a report.
fn write_ingest(r: &IndexReport, out: &mut dyn Write) -> Result<()> {
    let mut ingest = Table::new(vec![
        "ingest",
        "pages/s",
        "seconds",
        "listings",
        "commits",
        "index MiB",
        "state MiB",
    ]);
    let mib = |b: u64| format!("{:.1}", b as f64 / (1024.0 * 1024.0));
    let gen_rate = r.pages as f64 / r.generate_seconds.max(f64::EPSILON);
    ingest.row(vec![
        "generator only".into(),
        format!("{gen_rate:.0}"),
        format!("{:.2}", r.generate_seconds),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    ]);
    let passes = [
        ("pre-extracted", r.extracted.as_ref()),
        ("with rules", r.with_rules.as_ref()),
    ];
    for (name, figures) in passes {
        let Some(f) = figures else { continue };
        ingest.row(vec![
            name.into(),
            format!("{:.0}", f.pages_per_second),
            format!("{:.2}", f.seconds),
            f.listings.to_string(),
            f.commits.to_string(),
            mib(f.index_bytes),
            mib(f.state_bytes),
        ]);
    }
    ingest.write_table(out)?;
    writeln!(out)?;
    Ok(())
}
