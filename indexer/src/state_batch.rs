//! `state.db`'s half of a commit, written on a thread of its own while the next batch is
//! ingested.
//!
//! A commit writes a batch to both stores, the index first: `state.db` commits a batch only once
//! the index has committed it, so that a crash in between leaves documents of listings that
//! `state.db` does not know (which the next open detects and the next ingest of those pages
//! heals), never the reverse. Writing the batch's rows (listing states, entity rows, history,
//! captures) into `state.db` costs about as much as ingesting the batch, and at 1 M listings
//! it was the calling thread's largest single step. So the rows are written here, in a
//! transaction that commits when the calling thread reports its index commit, while the
//! calling thread already ingests the next batch. Until this batch is committed, the calling
//! thread looks its states and captures up in [`InFlight`] rather than in `state.db`.
//!
//! One batch is in flight at a time: the next commit, [`crate::Indexer::commit`] and dropping
//! the indexer wait for it first.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::error::IndexError;
use crate::store::{self, CaptureSeen, HistoryEvent, ListingState};

/// The `state.db` rows of one batch.
pub(crate) struct Batch {
    /// Listing states by listing id (boxed: see the indexer's open batch).
    pub(crate) states: BTreeMap<String, Box<ListingState>>,
    pub(crate) history: Vec<HistoryEvent>,
    pub(crate) captures: Vec<CaptureSeen>,
    /// `(listing id, record id)` of every capture of the batch, for look-ups meanwhile.
    pub(crate) seen: HashSet<(String, String)>,
}

/// What the writing thread hands back: its connection (for the next batch) and how the batch
/// ended: the time its rows took to write when committed, `None` when rolled back.
pub(crate) type Finished = (Connection, Result<Option<Duration>, IndexError>);

/// A batch being written to `state.db` on its own thread.
pub(crate) struct InFlight {
    states: Arc<BTreeMap<String, Box<ListingState>>>,
    seen: HashSet<(String, String)>,
    index_committed: Option<SyncSender<bool>>,
    thread: JoinHandle<Finished>,
}

impl InFlight {
    /// Starts writing `batch` through `conn` in a transaction that commits once
    /// [`InFlight::index_committed`] says so. `freed_there` is dropped on that thread (the
    /// batch's listings: freeing 10,000 of them is worth moving off the calling thread too).
    pub(crate) fn start(
        mut conn: Connection,
        state_db: &std::path::Path,
        batch: Batch,
        freed_there: impl Send + 'static,
    ) -> Result<Self, IndexError> {
        let Batch {
            states,
            history,
            captures,
            seen,
        } = batch;
        let states = Arc::new(states);
        let (index_committed, committed) = sync_channel(1);
        let rows = Arc::clone(&states);
        let thread = std::thread::Builder::new()
            .name("state-batch".into())
            .spawn(move || {
                let result = write(&mut conn, &rows, &history, &captures, &committed);
                drop((rows, history, captures, freed_there));
                (conn, result)
            })
            .map_err(|source| IndexError::Io {
                action: "start the state.db batch thread",
                path: state_db.to_path_buf(),
                source,
            })?;
        Ok(Self {
            states,
            seen,
            index_committed: Some(index_committed),
            thread,
        })
    }

    /// Tells the thread whether the index committed this batch: it then commits its
    /// transaction, or rolls it back.
    pub(crate) fn index_committed(&mut self, committed: bool) {
        if let Some(sender) = self.index_committed.take() {
            // A thread that already failed has stopped listening; its error comes with `finish`.
            let _ = sender.send(committed);
        }
    }

    /// The state of a listing of this batch, as `state.db` will hold it once committed.
    pub(crate) fn state(&self, listing_id: &str) -> Option<ListingState> {
        self.states.get(listing_id).map(|s| ListingState {
            entities: None,
            stored: true,
            ..ListingState::clone(s)
        })
    }

    /// True when this batch records this capture of this listing.
    pub(crate) fn has_capture(&self, seen: &(String, String)) -> bool {
        self.seen.contains(seen)
    }

    /// Waits for the batch to be committed (or rolled back, if the index did not commit it)
    /// and returns the connection with the outcome.
    pub(crate) fn finish(mut self) -> Finished {
        // Without a word from the caller the batch is not committed.
        self.index_committed(false);
        match self.thread.join() {
            Ok(finished) => finished,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// The thread's work: the rows in a transaction, committed once the index has committed.
fn write(
    conn: &mut Connection,
    states: &BTreeMap<String, Box<ListingState>>,
    history: &[HistoryEvent],
    captures: &[CaptureSeen],
    index_committed: &Receiver<bool>,
) -> Result<Option<Duration>, IndexError> {
    let started = Instant::now();
    let tx = conn
        .transaction()
        .map_err(IndexError::sqlite("starting the batch transaction"))?;
    store::stage_batch(&tx, states.values().map(|s| &**s), history, captures)?;
    let staged = started.elapsed();
    if index_committed.recv() == Ok(true) {
        tx.commit()
            .map_err(IndexError::sqlite("committing the batch transaction"))?;
        Ok(Some(staged))
    } else {
        tx.rollback()
            .map_err(IndexError::sqlite("rolling back the batch transaction"))?;
        Ok(None)
    }
}
