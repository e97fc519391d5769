//! Checkpoints of `state.db`'s write-ahead log on a thread of their own, for the [`Indexer`].
//!
//! In WAL mode a transaction is durable once its frames are in the log; a checkpoint then copies
//! the pages back into the database file and syncs it. SQLite runs that checkpoint on the
//! connection that committed, so every index batch used to wait for it: at 1 M listings a third
//! of the calling thread's SQLite time was checkpoint and `fsync`. The indexer's connection
//! therefore turns automatic checkpoints off and asks this thread, with a connection of its own,
//! for a passive checkpoint after each batch. A checkpoint never blocks the writer nor changes
//! what is committed; a killed process leaves the log, which the next open replays as always.
//!
//! [`Indexer`]: crate::Indexer

use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

use rusqlite::Connection;

use crate::error::IndexError;

/// A thread that checkpoints `state.db` when asked; stopped (and joined) on drop.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    requests: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Opens a connection of its own to `path` and starts the thread.
    pub(crate) fn start(path: &Path) -> Result<Self, IndexError> {
        let ctx = format!("opening {} for checkpoints", path.display());
        let conn = Connection::open(path).map_err(IndexError::sqlite(ctx.clone()))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(IndexError::sqlite(ctx.clone()))?;
        // One pending request is enough: a checkpoint copies everything committed before it.
        let (requests, pending) = sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("state-checkpoint".into())
            .spawn(move || serve(&conn, &pending))
            .map_err(|source| IndexError::Io {
                action: "start the state.db checkpoint thread",
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Self {
            requests: Some(requests),
            thread: Some(thread),
        })
    }

    /// Asks for a checkpoint of what is committed now (without waiting for it).
    pub(crate) fn request(&self) {
        if let Some(requests) = &self.requests {
            match requests.try_send(()) {
                Ok(()) | Err(TrySendError::Full(())) => {}
                Err(TrySendError::Disconnected(())) => {
                    tracing::warn!("the state.db checkpoint thread has stopped");
                }
            }
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.requests = None;
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::warn!("the state.db checkpoint thread panicked");
        }
    }
}

/// The thread's loop: one passive checkpoint per request, until the indexer goes.
fn serve(conn: &Connection, pending: &Receiver<()>) {
    while pending.recv().is_ok() {
        let started = std::time::Instant::now();
        let result = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
        });
        match result {
            Ok((log, copied)) => tracing::debug!(
                log_frames = log,
                copied_frames = copied,
                ms = started.elapsed().as_millis() as u64,
                "state.db checkpoint"
            ),
            Err(e) => tracing::warn!(error = %e, "state.db checkpoint failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With automatic checkpoints off, committed pages stay in the log until the checkpointer
    /// copies them into the database file; a request made before drop is served.
    #[test]
    fn a_requested_checkpoint_copies_the_log_into_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        conn.execute_batch("CREATE TABLE t (x TEXT); PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
        let checkpointer = Checkpointer::start(&path).unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        conn.execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
             INSERT INTO t SELECT printf('%0100d', i) FROM n;",
        )
        .unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), before);
        checkpointer.request();
        drop(checkpointer);
        assert!(std::fs::metadata(&path).unwrap().len() > before);
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 2000);
    }
}
