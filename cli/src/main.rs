//! The `salwatch` command. Parses arguments and configuration, wires the crawler, the rules and
//! the indexer together, draws progress and formats output. No domain logic lives here.
//!
//! Exit codes (scripts rely on them):
//! - 0: success;
//! - 1: the command ran and found a problem it was asked to look for (an archive record whose
//!   digest does not match);
//! - 2: bad usage or configuration (unknown flag, invalid salwatch.toml, wrong rule pack);
//! - 3: the command failed at run time (I/O, network, corrupt or missing index).

mod args;
mod commands;
mod output;
mod pipeline;
mod progress;
mod samples;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

/// mimalloc rather than the system allocator: extraction and indexing make many small, short-lived
/// strings per listing, and it cuts the extraction's instructions by about a tenth
/// (docs/BENCHMARKS.md, "Rules").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// An error caused by how salwatch was called or configured (exit code 2).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    salwatch_crawler::install_crypto_provider();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(3);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        // The reader of our output closed it (`salwatch extract … | head`): it has what it
        // wanted, so stop quietly, as a shell pipeline expects.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", chain_message(&error));
            if is_damaged_database(&error) {
                eprintln!("{DAMAGED_STATE_HINT}");
            }
            ExitCode::from(exit_code_for(&error))
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ctx = commands::Context::new(cli.workspace, cli.quiet);
    match cli.command {
        Command::Demo => commands::demo::run(&ctx).await,
        Command::Init(args) => commands::init::run(&ctx, &args),
        Command::Crawl(args) => commands::crawl::run(&ctx, &args).await,
        Command::Extract(args) => commands::extract::run(&args),
        Command::Search(args) => commands::search::run(&ctx, &args),
        Command::Show(args) => commands::search::show(&ctx, &args),
        Command::Index(cmd) => commands::index::run(&ctx, cmd).await,
        Command::Archive(cmd) => commands::archive::run(&ctx, cmd),
        Command::Samples(cmd) => commands::samples::run(cmd).await,
        Command::Rules(cmd) => commands::rules::run(&ctx, cmd).await,
        Command::Profile(cmd) => commands::profile::run(&ctx, cmd).await,
        Command::Bench(cmd) => commands::bench::run(&ctx, cmd).await,
        Command::Dedup(args) => commands::dedup::run(&ctx, &args).await,
        Command::Actors(args) => commands::actors::list(&ctx, &args).await,
        Command::Actor(args) => commands::actors::show(&ctx, &args).await,
        Command::Timeline(args) => commands::timeline::run(&ctx, &args).await,
        Command::Case(cmd) => commands::case::run(&ctx, cmd).await,
        Command::Export(args) => commands::export::run(&ctx, &args).await,
        Command::Evidence(cmd) => commands::evidence::run(cmd).await,
    }
}

/// An error and its causes on one line, each cause once: a library error often repeats its
/// source in its own message (`state database …: database disk image is malformed`), and the
/// source then comes again, so a cause already said is left out.
fn chain_message(error: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in error.chain() {
        let said = cause.to_string();
        if out.contains(&said) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&said);
    }
    out
}

/// What to do when SQLite finds the workspace's state database damaged (a disk fault, a copy
/// taken mid-write): the captures are not in it, so nothing of the evidence is lost.
const DAMAGED_STATE_HINT: &str = "hint: the workspace's state.db is damaged. The captures \
(archive/) are not in it and are intact. To go on: move state.db aside and keep it, since it holds \
the cases and their audit log (the sqlite3 shell's `.recover` can often read them back), then run \
`salwatch index rebuild` to rebuild the listings from the archive; the next crawl visits every \
page again.";

/// True when SQLite reported a damaged database file somewhere in the chain.
fn is_damaged_database(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<rusqlite::Error>(),
            Some(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
        )
    })
}

/// True when writing our output failed because its reader went away.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Maps an error chain to an exit code: usage and configuration errors are 2, the rest 3.
fn exit_code_for(error: &anyhow::Error) -> u8 {
    let usage = error.chain().any(|cause| {
        cause.is::<UsageError>()
            || cause.is::<salwatch_crawler::config::ConfigError>()
            || cause.is::<salwatch_rules::engine::Error>()
            || matches!(
                cause.downcast_ref::<salwatch_indexer::IndexError>(),
                Some(salwatch_indexer::IndexError::Query { .. })
            )
    });
    if usage { 2 } else { 3 }
}

fn init_tracing(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
