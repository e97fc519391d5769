//! The index benchmark behind `salwatch bench index` (docs/BENCHMARKS.md, "Index"): ingest
//! throughput over the synthetic listings of [`crate::synth`], with and without the rules, and
//! the latency of [`crate::synth::bench_queries`] on the resulting index.
//!
//! Every figure is measured through the public write and read sides ([`Indexer`], [`Searcher`])
//! exactly as a crawl and an analyst use them: batched commits of the index and `state.db`
//! together, hits read back with snippets.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use salwatch_crawler::Workspace;
use salwatch_rules::RuleEngine;
use serde::{Deserialize, Serialize};

use crate::error::IndexError;
use crate::search::Searcher;
use crate::synth;
use crate::writer::Indexer;

/// What one ingest pass did and how fast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IngestFigures {
    /// Pages ingested (re-crawls of earlier listings included).
    pub pages: u64,
    /// Distinct listings in the index afterwards.
    pub listings: u64,
    /// Commits made.
    pub commits: u64,
    /// Wall time, seconds, from opening the index to the last commit.
    pub seconds: f64,
    /// Pages per second.
    pub pages_per_second: f64,
    /// Size of `index/` afterwards, bytes.
    pub index_bytes: u64,
    /// Size of `state.db` (with its WAL) afterwards, bytes.
    pub state_bytes: u64,
}

/// Latency of one query, warm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryFigures {
    /// Short name of the query.
    pub name: String,
    /// Matching listings.
    pub total: usize,
    /// Timed repetitions.
    pub repetitions: usize,
    /// Median, milliseconds.
    pub p50_ms: f64,
    /// 99th percentile, milliseconds.
    pub p99_ms: f64,
    /// Slowest, milliseconds.
    pub max_ms: f64,
}

/// Settings of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BenchOptions {
    /// Synthetic pages to ingest.
    pub pages: u64,
    /// Generator seed.
    pub seed: u64,
    /// Pages between two commits.
    pub batch: u64,
    /// Timed repetitions of every query.
    pub repetitions: usize,
    /// Untimed repetitions of every query first.
    pub warmup: usize,
    /// Also update the dedup clusters at every commit, as a crawl does (issue #7's cost).
    pub dedup: bool,
}

impl Default for BenchOptions {
    fn default() -> Self {
        Self {
            pages: 100_000,
            seed: 1,
            batch: 10_000,
            repetitions: 200,
            warmup: 20,
            dedup: false,
        }
    }
}

/// The time the generator alone takes for `pages` pages (subtracted from nothing: reported so
/// that the reader sees how little of the ingest time it is).
pub fn generate_only(pages: u64, seed: u64) -> f64 {
    let start = Instant::now();
    let mut bytes = 0usize;
    for (page, _) in synth::listings(pages, seed) {
        bytes += page.text.len();
    }
    std::hint::black_box(bytes);
    start.elapsed().as_secs_f64()
}

/// Ingests the synthetic pages with their pre-computed extraction into a fresh workspace
/// (the index cost alone), in chunks of [`INGEST_CHUNK`] through
/// [`Indexer::ingest_extracted_many`] as a crawl hands them over. `progress` gets the pages
/// ingested after every commit.
pub fn ingest_extracted(
    ws: &Workspace,
    opts: &BenchOptions,
    progress: &dyn Fn(u64),
) -> Result<IngestFigures, IndexError> {
    let start = Instant::now();
    let mut indexer = Indexer::open_without_rules(ws)?;
    indexer.set_dedup_enabled(opts.dedup);
    let mut run = Run::new(opts.batch);
    let mut items = synth::listings(opts.pages, opts.seed);
    loop {
        // A chunk never spans a commit, so commits fall where a page-by-page ingest has them.
        let room = opts.batch.max(1) - run.pages % opts.batch.max(1);
        let chunk: Vec<_> = items
            .by_ref()
            .take(INGEST_CHUNK.min(room as usize))
            .collect();
        if chunk.is_empty() {
            break;
        }
        let n = chunk.len();
        indexer.ingest_extracted_many(chunk)?;
        for _ in 0..n {
            run.step(&mut indexer, progress)?;
        }
    }
    run.finish(indexer, ws, start)
}

/// Pages handed to [`Indexer::ingest_many`] at once in the pass with rules (as a crawl hands
/// over what its channel holds).
pub const INGEST_CHUNK: usize = 256;

/// Ingests the synthetic pages through the rules (`engine` runs on every page, in chunks of
/// [`INGEST_CHUNK`] as in a crawl) into a fresh workspace.
pub fn ingest_with_rules(
    ws: &Workspace,
    engine: Arc<RuleEngine>,
    opts: &BenchOptions,
    progress: &dyn Fn(u64),
) -> Result<IngestFigures, IndexError> {
    let start = Instant::now();
    let mut indexer = Indexer::open(ws, engine)?;
    indexer.set_dedup_enabled(opts.dedup);
    let mut run = Run::new(opts.batch);
    let mut chunk = Vec::with_capacity(INGEST_CHUNK);
    let mut pages = synth::listings(opts.pages, opts.seed).map(|(page, _)| page);
    loop {
        chunk.clear();
        // A chunk never spans a commit, so commits fall where a page-by-page ingest has them.
        let room = opts.batch.max(1) - run.pages % opts.batch.max(1);
        chunk.extend(pages.by_ref().take(INGEST_CHUNK.min(room as usize)));
        if chunk.is_empty() {
            break;
        }
        indexer.ingest_many(&chunk)?;
        for _ in 0..chunk.len() {
            run.step(&mut indexer, progress)?;
        }
    }
    run.finish(indexer, ws, start)
}

/// Warm latency of every query of [`synth::bench_queries`] on the workspace's index.
pub fn query_latency(ws: &Workspace, opts: &BenchOptions) -> Result<Vec<QueryFigures>, IndexError> {
    let searcher = Searcher::open(ws)?;
    let mut out = Vec::new();
    for (name, query) in synth::bench_queries() {
        // The exact number of matches, untimed (a search's own total stops at a cap).
        let total = searcher.count(&query)?;
        for _ in 0..opts.warmup {
            searcher.search(&query)?;
        }
        let mut times = Vec::with_capacity(opts.repetitions);
        for _ in 0..opts.repetitions.max(1) {
            let start = Instant::now();
            let results = searcher.search(&query)?;
            times.push(start.elapsed());
            std::hint::black_box(results);
        }
        times.sort();
        out.push(QueryFigures {
            name: name.to_string(),
            total,
            repetitions: times.len(),
            p50_ms: ms(percentile(&times, 50.0)),
            p99_ms: ms(percentile(&times, 99.0)),
            max_ms: ms(times.last().copied().unwrap_or_default()),
        });
    }
    Ok(out)
}

/// The `p`-th percentile (nearest rank) of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

/// Counting and committing during an ingest pass.
struct Run {
    batch: u64,
    pages: u64,
    commits: u64,
}

impl Run {
    fn new(batch: u64) -> Self {
        Self {
            batch: batch.max(1),
            pages: 0,
            commits: 0,
        }
    }

    fn step(&mut self, indexer: &mut Indexer, progress: &dyn Fn(u64)) -> Result<(), IndexError> {
        self.pages += 1;
        if self.pages.is_multiple_of(self.batch) {
            indexer.commit()?;
            self.commits += 1;
            progress(self.pages);
        }
        Ok(())
    }

    fn finish(
        mut self,
        mut indexer: Indexer,
        ws: &Workspace,
        start: Instant,
    ) -> Result<IngestFigures, IndexError> {
        if indexer.pending() > 0 || !self.pages.is_multiple_of(self.batch) {
            indexer.commit()?;
            self.commits += 1;
        }
        drop(indexer);
        let seconds = start.elapsed().as_secs_f64();
        let searcher = Searcher::open(ws)?;
        let listings = searcher.count_all()?;
        Ok(IngestFigures {
            pages: self.pages,
            listings,
            commits: self.commits,
            seconds,
            pages_per_second: self.pages as f64 / seconds.max(f64::EPSILON),
            index_bytes: dir_bytes(&ws.index_dir()),
            state_bytes: file_bytes(&ws.state_db())
                + file_bytes(&ws.state_db().with_extension("db-wal")),
        })
    }
}

/// Total size of the files directly in `dir` (a tantivy index is flat).
fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(std::fs::Metadata::is_file)
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn file_bytes(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_nearest_rank() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&v, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&v[..1], 99.0), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }

    #[test]
    fn small_run_gives_consistent_figures() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::new(dir.path().join("ws"));
        std::fs::create_dir_all(ws.root()).unwrap();
        let opts = BenchOptions {
            pages: 500,
            batch: 200,
            repetitions: 3,
            warmup: 1,
            ..BenchOptions::default()
        };
        let figures = ingest_extracted(&ws, &opts, &|_| {}).unwrap();
        let distinct: std::collections::HashSet<String> = synth::listings(500, 1)
            .map(|(p, _)| crate::listing::listing_id(&p))
            .collect();
        assert_eq!(figures.pages, 500);
        assert_eq!(figures.listings, distinct.len() as u64);
        assert_eq!(figures.commits, 3);
        assert!(figures.index_bytes > 0 && figures.state_bytes > 0);
        let queries = query_latency(&ws, &opts).unwrap();
        assert_eq!(queries.len(), 10);
        let all = &queries[0];
        assert_eq!(all.total, distinct.len());
        assert!(
            queries
                .iter()
                .all(|q| q.p50_ms <= q.p99_ms && q.p99_ms <= q.max_ms)
        );
        let glock = queries.iter().find(|q| q.name == "word").unwrap();
        assert!(glock.total > 0 && glock.total < all.total);
    }
}
