//! The crawl → archive → rules → index pipeline, wired with a bounded channel: the crawler
//! writes each capture to the archive, then hands the page to a blocking indexing thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context as _, Result};
use salwatch_crawler::{Config, CrawlStats, Crawler, Page, StopHandle, Workspace};
use salwatch_indexer::{Indexer, IngestOutcome};
use salwatch_rules::RuleEngine;
use serde::Serialize;
use tokio::sync::mpsc;

use crate::progress::CrawlProgress;

/// Pages buffered between the crawler and the indexer; the crawler waits when it is full.
const CHANNEL_CAPACITY: usize = 256;
/// Pages ingested between two commits of the index and the history.
const COMMIT_EVERY: u64 = 500;

/// What the indexing side did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct IngestCounts {
    /// Listings seen for the first time.
    pub new: u64,
    /// Listings whose price or text changed.
    pub updated: u64,
    /// Listings seen again unchanged.
    pub unchanged: u64,
    /// Pages that are not listings (category pages, images …).
    pub skipped: u64,
}

/// The outcome of one crawl.
#[derive(Debug, Clone, Serialize)]
pub struct PipelineReport {
    /// Crawler counters.
    pub crawl: CrawlStats,
    /// Indexer counters (zero when indexing was off).
    pub ingest: IngestCounts,
    /// True when Ctrl-C stopped the crawl before its frontier was empty.
    pub interrupted: bool,
}

/// How a crawl runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct CrawlOptions {
    /// Extract and index pages as they arrive.
    pub index: bool,
    /// Revisit every scheduled page now.
    pub recrawl: bool,
    /// Ctrl-C stops gracefully (a second one exits at once with 130).
    pub handle_ctrl_c: bool,
}

/// Crawls every site of `config`, indexing as pages arrive unless `index` is false.
pub async fn crawl_and_index(
    config: Config,
    ws: &Workspace,
    engine: Arc<RuleEngine>,
    index: bool,
    progress: Arc<CrawlProgress>,
) -> Result<PipelineReport> {
    let options = CrawlOptions {
        index,
        ..CrawlOptions::default()
    };
    crawl_and_index_with(config, ws, engine, options, progress).await
}

/// Waits for Ctrl-C: the first stops the crawl gracefully, a second exits at once (130). The
/// state is crash-safe, so even the abrupt exit resumes with the next `salwatch crawl`.
fn watch_ctrl_c(stop: StopHandle, interrupted: Arc<AtomicBool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        interrupted.store(true, Ordering::SeqCst);
        eprintln!(
            "interrupted: finishing the fetches in flight, archiving and committing the index (Ctrl-C again to abort)"
        );
        stop.stop();
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("aborted: run `salwatch crawl` again to resume");
            std::process::exit(130);
        }
    })
}

/// [`crawl_and_index`] with every option.
pub async fn crawl_and_index_with(
    config: Config,
    ws: &Workspace,
    engine: Arc<RuleEngine>,
    options: CrawlOptions,
    progress: Arc<CrawlProgress>,
) -> Result<PipelineReport> {
    let index = options.index;
    let crawler = Crawler::new(config, ws).context("cannot start the crawler")?;
    crawler.force_recrawl(options.recrawl);
    let interrupted = Arc::new(AtomicBool::new(false));
    let watcher = options
        .handle_ctrl_c
        .then(|| watch_ctrl_c(crawler.stop_handle(), interrupted.clone()));
    let (tx, rx) = mpsc::channel::<Page>(CHANNEL_CAPACITY);
    let indexing = {
        let ws = ws.clone();
        let progress = progress.clone();
        tokio::task::spawn_blocking(move || ingest_loop(&ws, engine, rx, index, &progress))
    };
    let crawl_result = crawler.run(tx, progress.clone()).await;
    let ingest = indexing
        .await
        .context("the indexing thread panicked")?
        .context(
            "indexing failed (the captures are safe in the archive; run `salwatch index rebuild`)",
        )?;
    let crawl = crawl_result.context("the crawl failed")?;
    progress.finish();
    if let Some(w) = watcher {
        // The crawl is over: stop listening for Ctrl-C.
        w.abort();
    }
    Ok(PipelineReport {
        crawl,
        ingest,
        interrupted: interrupted.load(Ordering::SeqCst),
    })
}

fn ingest_loop(
    ws: &Workspace,
    engine: Arc<RuleEngine>,
    mut rx: mpsc::Receiver<Page>,
    index: bool,
    progress: &CrawlProgress,
) -> Result<IngestCounts> {
    let mut counts = IngestCounts::default();
    if !index {
        while rx.blocking_recv().is_some() {
            counts.skipped += 1;
        }
        return Ok(counts);
    }
    let mut indexer = Indexer::open(ws, engine).context("cannot open the index")?;
    let mut since_commit = 0u64;
    let mut chunk = Vec::with_capacity(CHANNEL_CAPACITY);
    while let Some(page) = rx.blocking_recv() {
        // Whatever else the channel holds goes with it: the rules run on a chunk in parallel.
        chunk.clear();
        chunk.push(page);
        while chunk.len() < CHANNEL_CAPACITY {
            match rx.try_recv() {
                Ok(page) => chunk.push(page),
                Err(_) => break,
            }
        }
        let outcomes = indexer.ingest_many(&chunk).with_context(|| {
            let first = chunk.first().map_or("", |p| p.url.as_str());
            format!("cannot index the pages from {first}")
        })?;
        for outcome in outcomes {
            match outcome {
                IngestOutcome::New => counts.new += 1,
                IngestOutcome::Updated => counts.updated += 1,
                IngestOutcome::Unchanged => counts.unchanged += 1,
                _ => counts.skipped += 1,
            }
        }
        progress.indexed(counts.new + counts.updated + counts.unchanged);
        since_commit += chunk.len() as u64;
        if since_commit >= COMMIT_EVERY {
            indexer.commit().context("cannot commit the index")?;
            since_commit = 0;
        }
    }
    indexer.commit().context("cannot commit the index")?;
    Ok(counts)
}
