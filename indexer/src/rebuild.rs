//! `salwatch index rebuild`: drop the index and the `idx_` tables, then re-ingest every page
//! (from the archive) in order. The archive is the source of truth, so a rebuild gives the same
//! listings, history and search results as the live ingest did.

use std::fmt::Display;
use std::sync::Arc;

use salwatch_crawler::{Page, Workspace};
use salwatch_rules::{Extraction, RuleEngine};
use serde::{Deserialize, Serialize};

use crate::error::IndexError;
use crate::schema;
use crate::store;
use crate::writer::{Indexer, IngestOutcome, open_writer};

/// Pages ingested between two commits during a rebuild.
pub const REBUILD_BATCH: u64 = 2_000;

/// What a rebuild did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RebuildStats {
    /// Pages read from the archive.
    pub pages: u64,
    /// Listings created.
    pub new: u64,
    /// Re-captures that changed a listing.
    pub updated: u64,
    /// Re-captures that changed nothing.
    pub unchanged: u64,
    /// Pages that are not listings.
    pub skipped: u64,
    /// Records the archive reader could not turn into a page (logged and skipped).
    pub read_errors: u64,
}

/// Deletes `index/` and the `idx_` tables, then re-ingests every page. `progress` is called with
/// the number of pages read so far after every batch and at the end. Unreadable records are
/// logged, counted and skipped. Fails with [`IndexError::Locked`] while another process writes.
pub fn rebuild<E: Display>(
    workspace: &Workspace,
    engine: Arc<RuleEngine>,
    pages: impl Iterator<Item = Result<Page, E>>,
    progress: &dyn Fn(u64),
) -> Result<RebuildStats, IndexError> {
    reset(workspace)?;
    let mut indexer = Indexer::open(workspace, engine)?;
    run(&mut indexer, pages, progress, |ix, page| ix.ingest(&page))
}

/// Like [`rebuild`] from pages whose extraction is already computed (backtests, tests).
pub fn rebuild_extracted<E: Display>(
    workspace: &Workspace,
    items: impl Iterator<Item = Result<(Page, Extraction), E>>,
    progress: &dyn Fn(u64),
) -> Result<RebuildStats, IndexError> {
    reset(workspace)?;
    let mut indexer = Indexer::open_without_rules(workspace)?;
    run(&mut indexer, items, progress, |ix, (page, extraction)| {
        ix.ingest_extracted(&page, extraction)
    })
}

/// Removes the index (after checking nobody writes it) and empties the `idx_` tables.
fn reset(workspace: &Workspace) -> Result<(), IndexError> {
    let dir = workspace.index_dir();
    if dir.join("meta.json").is_file() {
        // Refuse while a writer holds the lock; an unreadable index is simply replaced.
        let writer = schema::open_existing(&dir).and_then(|(index, _)| open_writer(&index, &dir));
        match writer {
            Ok(writer) => drop(writer),
            Err(e @ IndexError::Locked { .. }) => return Err(e),
            Err(e) => tracing::warn!(error = %e, "replacing an unreadable index"),
        }
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|source| IndexError::Io {
            action: "remove the index directory",
            path: dir.clone(),
            source,
        })?;
    }
    let conn = store::open_rw(&workspace.state_db())?;
    crate::dedup::store::reset(&conn)?;
    store::drop_tables(&conn)
}

fn run<T, E: Display>(
    indexer: &mut Indexer,
    items: impl Iterator<Item = Result<T, E>>,
    progress: &dyn Fn(u64),
    mut ingest: impl FnMut(&mut Indexer, T) -> Result<IngestOutcome, IndexError>,
) -> Result<RebuildStats, IndexError> {
    let mut stats = RebuildStats::default();
    for item in items {
        stats.pages += 1;
        match item {
            Ok(item) => match ingest(indexer, item)? {
                IngestOutcome::New => stats.new += 1,
                IngestOutcome::Updated => stats.updated += 1,
                IngestOutcome::Unchanged => stats.unchanged += 1,
                IngestOutcome::Skipped => stats.skipped += 1,
            },
            Err(e) => {
                tracing::warn!(error = %e, "skipping an unreadable archive record");
                stats.read_errors += 1;
            }
        }
        if stats.pages % REBUILD_BATCH == 0 {
            indexer.commit()?;
            progress(stats.pages);
        }
    }
    indexer.commit()?;
    progress(stats.pages);
    Ok(stats)
}
