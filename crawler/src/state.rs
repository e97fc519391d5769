//! Crawl state in SQLite (`state.db`, WAL): the frontier (which doubles as the seen-set: one row
//! per site and canonical URL, never deleted), the fetch log, jobs, and the WARC files each job
//! wrote. Tables are prefixed `crawl_`; other crates add theirs to the same database.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::page::CaptureRef;

mod status;
pub use status::{CrawlStatus, JobStatus, SiteStatus};

/// Errors of the state database.
#[derive(Debug, thiserror::Error)]
#[error("state database {path}: {source}")]
pub struct StateError {
    /// Database file.
    pub path: PathBuf,
    /// Underlying error.
    #[source]
    pub source: rusqlite::Error,
}

/// What a frontier row is fetched as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlKind {
    /// An HTML/text page.
    Page,
    /// A listing photo.
    Image,
}

impl UrlKind {
    fn as_str(self) -> &'static str {
        match self {
            UrlKind::Page => "page",
            UrlKind::Image => "image",
        }
    }
    fn parse(s: &str) -> Self {
        if s == "image" {
            UrlKind::Image
        } else {
            UrlKind::Page
        }
    }
}

/// Priorities: higher first.
pub mod priority {
    /// Seeds.
    pub const SEED: i64 = 100;
    /// Photos of a fetched listing.
    pub const IMAGE: i64 = 60;
    /// Listing links.
    pub const LISTING: i64 = 40;
    /// Pagination links.
    pub const PAGINATION: i64 = 30;
    /// Other links.
    pub const FOLLOW: i64 = 10;
}

/// A URL to add to the frontier.
#[derive(Debug, Clone)]
pub struct NewUrl {
    /// Canonical URL.
    pub url: String,
    /// Depth from a seed.
    pub depth: u32,
    /// Priority (see [`priority`]).
    pub priority: i64,
    /// Page or image.
    pub kind: UrlKind,
    /// Page it was found on.
    pub referrer: Option<String>,
    /// Redirect hops taken to reach it.
    pub hops: u32,
}

/// A claimed frontier row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontierRow {
    /// Row id.
    pub id: i64,
    /// Site.
    pub site: String,
    /// Canonical URL.
    pub url: String,
    /// Depth.
    pub depth: u32,
    /// Priority.
    pub priority: i64,
    /// Page or image.
    pub kind: UrlKind,
    /// Referrer.
    pub referrer: Option<String>,
    /// Redirect hops.
    pub hops: u32,
    /// Job that claimed it.
    pub job: Option<String>,
    /// The last capture of this URL, when it is being revisited.
    pub prev: Option<PrevCapture>,
}

/// What is known of the last capture of a URL (for conditional re-fetch and change detection).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrevCapture {
    /// `WARC-Payload-Digest` of the last 2xx response.
    pub digest: Option<String>,
    /// `WARC-Record-ID` of that response.
    pub record_id: Option<String>,
    /// Its `WARC-Date` (RFC 3339).
    pub captured_at: Option<String>,
    /// Its `ETag` header.
    pub etag: Option<String>,
    /// Its `Last-Modified` header.
    pub last_modified: Option<String>,
}

/// One fetch log entry.
#[derive(Debug, Clone, Default)]
pub struct FetchLogEntry {
    /// Site.
    pub site: String,
    /// URL.
    pub url: String,
    /// HTTP status, if a response arrived.
    pub status: Option<u16>,
    /// Error class (`timeout`, `robots`, `decode` …), if it failed.
    pub error_class: Option<String>,
    /// Error message.
    pub error: Option<String>,
    /// Bytes received.
    pub bytes: u64,
    /// Milliseconds taken.
    pub elapsed_ms: u64,
    /// The capture, if archived.
    pub capture: Option<CaptureRef>,
    /// Change event for timelines: `new`, `unchanged`, `changed` or `gone` (see [`event`]).
    pub event: Option<&'static str>,
    /// Validators of a 2xx response (ETag, Last-Modified), kept for the next conditional fetch.
    pub validators: Option<(Option<String>, Option<String>)>,
    /// When the URL is due again (re-crawl schedule), RFC 3339 UTC.
    pub next_visit: Option<String>,
    /// `WARC-Date` of the capture (RFC 3339), stored with the validators.
    pub captured_at: Option<String>,
    /// Perceptual hash of a photo capture (`dhash:` and 16 hex digits).
    pub dhash: Option<String>,
    /// Mean colour of a photo capture (`rgb:` and 6 hex digits).
    pub photo_color: Option<String>,
}

/// Change events of the fetch log (column `event`), for timelines.
pub mod event {
    /// First capture of the URL.
    pub const NEW: &str = "new";
    /// Revisited: 304 Not Modified, or the same payload digest as the last capture.
    pub const UNCHANGED: &str = "unchanged";
    /// Revisited: a different payload digest (a new capture).
    pub const CHANGED: &str = "changed";
    /// Revisited: 404 or 410 (the listing is gone).
    pub const GONE: &str = "gone";
}

/// A fetch log outcome: HTTP status (if a response arrived) and error class (if it failed).
pub type LogOutcome = (Option<u16>, Option<String>);

/// The state database.
///
/// Completions can be deferred ([`State::complete_later`]) and written together by the next
/// [`State::claim_batch`] or [`State::flush`], so that a busy crawl pays one SQLite commit per
/// batch of pages instead of two per page. A deferred row stays `in_flight` on disk until then:
/// if the process dies first, crash recovery finds its capture in the archive and completes it
/// from there (see `crawl::recover`), so nothing is lost nor fetched twice.
#[derive(Debug)]
pub struct State {
    conn: Connection,
    path: PathBuf,
    deferred: Vec<Deferred>,
    deferred_since: Option<std::time::Instant>,
    new_urls: std::collections::HashMap<String, u64>,
}

/// A completion waiting for the next batch commit.
#[derive(Debug)]
struct Deferred {
    job: String,
    row_id: i64,
    site: String,
    final_state: &'static str,
    log: FetchLogEntry,
    found: Vec<NewUrl>,
}

/// Deferred completions written at once when this many are waiting.
const DEFER_MAX_ROWS: usize = 256;
/// Deferred completions written at once when the oldest has waited this long.
const DEFER_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(1);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS crawl_frontier (
  id INTEGER PRIMARY KEY,
  site TEXT NOT NULL,
  url TEXT NOT NULL,
  depth INTEGER NOT NULL,
  priority INTEGER NOT NULL,
  kind TEXT NOT NULL DEFAULT 'page',
  state TEXT NOT NULL DEFAULT 'queued',
  referrer TEXT,
  hops INTEGER NOT NULL DEFAULT 0,
  job TEXT,
  added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  updated_at TEXT,
  etag TEXT,
  last_modified TEXT,
  digest TEXT,
  record_id TEXT,
  captured_at TEXT,
  next_visit TEXT,
  UNIQUE(site, url)
);
CREATE INDEX IF NOT EXISTS crawl_frontier_next ON crawl_frontier(site, state, priority DESC, depth, id);
CREATE TABLE IF NOT EXISTS crawl_fetch_log (
  id INTEGER PRIMARY KEY,
  job TEXT NOT NULL,
  site TEXT NOT NULL,
  url TEXT NOT NULL,
  status INTEGER,
  error_class TEXT,
  error TEXT,
  bytes INTEGER NOT NULL DEFAULT 0,
  elapsed_ms INTEGER NOT NULL DEFAULT 0,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  warc_file TEXT,
  warc_offset INTEGER,
  warc_length INTEGER,
  record_id TEXT,
  payload_digest TEXT,
  event TEXT,
  dhash TEXT,
  photo_color TEXT
);
CREATE INDEX IF NOT EXISTS crawl_fetch_log_url ON crawl_fetch_log(site, url);
CREATE TABLE IF NOT EXISTS crawl_jobs (
  job TEXT PRIMARY KEY,
  started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  finished_at TEXT,
  stats TEXT
);
CREATE TABLE IF NOT EXISTS crawl_warc_files (
  name TEXT PRIMARY KEY,
  job TEXT NOT NULL,
  opened_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
";

impl State {
    /// Opens (creating) the database in WAL mode and creates the tables.
    pub fn open(path: &Path) -> Result<Self, StateError> {
        let err = error_at(path);
        let mut conn = Connection::open(path).map_err(&err)?;
        // The indexer writes to the same database: every transaction takes the write lock when
        // it begins, waiting for it under the busy timeout. A deferred one that reads first
        // cannot upgrade to a write once the other connection has committed: SQLite answers
        // "database is locked" without waiting (see docs/ARCHITECTURE.md).
        conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(&err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(&err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(&err)?;
        conn.execute_batch(SCHEMA).map_err(&err)?;
        migrate(&conn).map_err(&err)?;
        Ok(Self {
            conn,
            path: path.to_path_buf(),
            deferred: Vec::new(),
            deferred_since: None,
            new_urls: std::collections::HashMap::new(),
        })
    }

    fn err(&self, source: rusqlite::Error) -> StateError {
        error_at(&self.path)(source)
    }

    /// Records a job start.
    pub fn start_job(&self, job: &str) -> Result<(), StateError> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO crawl_jobs(job) VALUES (?1)",
                params![job],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Records a job end with its stats (JSON).
    pub fn finish_job(&self, job: &str, stats: &str) -> Result<(), StateError> {
        self.conn
            .execute(
                "UPDATE crawl_jobs SET finished_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), stats = ?2 WHERE job = ?1",
                params![job, stats],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Jobs that started but never finished (killed), other than `except`, oldest first.
    pub fn unfinished_jobs(&self, except: &str) -> Result<Vec<String>, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT job FROM crawl_jobs WHERE finished_at IS NULL AND job != ?1 ORDER BY started_at, rowid")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![except], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Closes killed jobs whose captures `by` completed and handed downstream again.
    pub fn close_interrupted_jobs(&self, jobs: &[String], by: &str) -> Result<(), StateError> {
        let stats = serde_json::json!({ "interrupted": true, "completed_by": by }).to_string();
        for job in jobs {
            self.conn
                .execute(
                    "UPDATE crawl_jobs SET finished_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), stats = ?2 WHERE job = ?1 AND finished_at IS NULL",
                    params![job, stats],
                )
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Records that a job writes into a WARC file (before the first capture lands in it).
    pub fn register_warc_file(&self, name: &str, job: &str) -> Result<(), StateError> {
        self.conn
            .prepare_cached("INSERT OR IGNORE INTO crawl_warc_files(name, job) VALUES (?1, ?2)")
            .and_then(|mut stmt| stmt.execute(params![name, job]))
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// WARC files written by the given jobs, oldest first.
    pub fn warc_files_of_jobs(&self, jobs: &[String]) -> Result<Vec<String>, StateError> {
        let mut out = Vec::new();
        let mut stmt = self
            .conn
            .prepare("SELECT name FROM crawl_warc_files WHERE job = ?1 ORDER BY name")
            .map_err(|e| self.err(e))?;
        for job in jobs {
            let names = stmt
                .query_map(params![job], |r| r.get::<_, String>(0))
                .map_err(|e| self.err(e))?;
            for n in names {
                out.push(n.map_err(|e| self.err(e))?);
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Adds URLs not seen before for a site; returns how many were new.
    pub fn enqueue(&mut self, site: &str, urls: &[NewUrl]) -> Result<u64, StateError> {
        let err = error_at(&self.path);
        let tx = self.conn.transaction().map_err(&err)?;
        let n = insert_urls(&tx, site, urls).map_err(&err)?;
        tx.commit().map_err(&err)?;
        Ok(n)
    }

    /// Claims the next queued URL of a site (highest priority, then shallowest, then oldest).
    pub fn claim_next(
        &mut self,
        site: &str,
        job: &str,
        images_only: bool,
    ) -> Result<Option<FrontierRow>, StateError> {
        Ok(self.claim_batch(site, job, images_only, 1)?.pop())
    }

    /// Claims up to `limit` queued URLs of a site in frontier order, in one transaction that
    /// first writes every deferred completion (so the URLs they found are claimable). The claim
    /// is committed before any of the rows is fetched: a capture is never written for a row the
    /// database still shows as queued.
    pub fn claim_batch(
        &mut self,
        site: &str,
        job: &str,
        images_only: bool,
        limit: usize,
    ) -> Result<Vec<FrontierRow>, StateError> {
        // The limit is written into the SQL (one cached statement per batch size): bound as a
        // parameter, it made SQLite prepare the statement again at every step.
        let sql = format!(
            "SELECT id, site, url, depth, priority, kind, referrer, hops, job, digest, record_id, captured_at, etag, last_modified FROM crawl_frontier
             WHERE site = ?1 AND state = 'queued'{} ORDER BY priority DESC, depth, id LIMIT {}",
            if images_only { " AND kind = 'image'" } else { "" },
            limit.max(1)
        );
        self.with_completions(|tx| {
            let mut rows = tx
                .prepare_cached(&sql)?
                .query_map(params![site], row_to_frontier)?
                .collect::<Result<Vec<_>, _>>()?;
            let mut stmt = tx.prepare_cached(
                "UPDATE crawl_frontier SET state = 'in_flight', job = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?1",
            )?;
            for row in &mut rows {
                stmt.execute(params![row.id, job])?;
                row.job = Some(job.to_string());
            }
            Ok(rows)
        })
    }

    /// Queues the completion of a row for the next batch commit (see [`State`]). Writes the
    /// batch at once when it is large or old.
    pub fn complete_later(
        &mut self,
        job: &str,
        row: &FrontierRow,
        final_state: &'static str,
        log: FetchLogEntry,
        found: Vec<NewUrl>,
    ) -> Result<(), StateError> {
        self.deferred.push(Deferred {
            job: job.to_string(),
            row_id: row.id,
            site: row.site.clone(),
            final_state,
            log,
            found,
        });
        let since = *self
            .deferred_since
            .get_or_insert_with(std::time::Instant::now);
        if self.deferred.len() >= DEFER_MAX_ROWS || since.elapsed() >= DEFER_MAX_AGE {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes every deferred completion in one transaction.
    pub fn flush(&mut self) -> Result<(), StateError> {
        if self.deferred.is_empty() {
            return Ok(());
        }
        self.with_completions(|_| Ok(()))
    }

    /// One write transaction that first writes every deferred completion, then `work`, and
    /// commits both together. Once committed the deferral timer restarts and the URLs the
    /// completions queued are counted per site. On an error the completions are dropped from
    /// memory: their rows are still `in_flight` in the database, and a resume completes them
    /// from the archive.
    fn with_completions<T>(
        &mut self,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, rusqlite::Error>,
    ) -> Result<T, StateError> {
        let err = error_at(&self.path);
        let deferred = std::mem::take(&mut self.deferred);
        let tx = self.conn.transaction().map_err(&err)?;
        let new_urls = apply_completions(&tx, &deferred).map_err(&err)?;
        let out = work(&tx).map_err(&err)?;
        tx.commit().map_err(&err)?;
        self.deferred_since = None;
        for (d, n) in deferred.iter().zip(new_urls) {
            *self.new_urls.entry(d.site.clone()).or_default() += n;
        }
        Ok(out)
    }

    /// New URLs a site's written completions added to its frontier since the last call.
    pub fn take_new_urls(&mut self, site: &str) -> u64 {
        self.new_urls.remove(site).unwrap_or(0)
    }

    /// In-flight rows (left by an interrupted crawl).
    pub fn in_flight(&self) -> Result<Vec<FrontierRow>, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, site, url, depth, priority, kind, referrer, hops, job, digest, record_id, captured_at, etag, last_modified FROM crawl_frontier WHERE state = 'in_flight' ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], row_to_frontier)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Puts every in-flight row back in the queue.
    pub fn requeue_in_flight(&self) -> Result<u64, StateError> {
        self.conn
            .execute(
                "UPDATE crawl_frontier SET state = 'queued' WHERE state = 'in_flight'",
                [],
            )
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    /// Puts one row back in the queue (shutdown before it was fetched).
    pub fn requeue(&self, id: i64) -> Result<(), StateError> {
        self.conn
            .execute(
                "UPDATE crawl_frontier SET state = 'queued' WHERE id = ?1 AND state = 'in_flight'",
                params![id],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Finishes a row in one transaction: its final state (`done`, `failed`, `blocked`,
    /// `skipped`), the fetch log entry, and the newly found URLs.
    pub fn complete(
        &mut self,
        job: &str,
        row: &FrontierRow,
        final_state: &str,
        log: &FetchLogEntry,
        found: &[NewUrl],
    ) -> Result<u64, StateError> {
        let err = error_at(&self.path);
        let tx = self.conn.transaction().map_err(&err)?;
        let n =
            write_completion(&tx, job, row.id, &row.site, final_state, log, found).map_err(&err)?;
        tx.commit().map_err(&err)?;
        Ok(n)
    }

    /// Adds a fetch log entry outside a frontier row (robots.txt).
    pub fn log_fetch(&mut self, job: &str, log: &FetchLogEntry) -> Result<(), StateError> {
        let c = log.capture.as_ref();
        self.conn
            .execute(
                "INSERT INTO crawl_fetch_log(job, site, url, status, error_class, error, bytes, elapsed_ms, warc_file, warc_offset, warc_length, record_id, payload_digest)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    job, log.site, log.url, log.status, log.error_class, log.error,
                    log.bytes as i64, log.elapsed_ms as i64,
                    c.map(|c| c.warc_file.clone()), c.map(|c| c.offset as i64), c.map(|c| c.length as i64),
                    c.map(|c| c.record_id.clone()), c.map(|c| c.payload_digest.clone()),
                ],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Queues again the fetched page rows of `site` whose `next_visit` has come (all scheduled
    /// rows when `force`); returns how many. A revisit keeps the row's priority.
    pub fn schedule_due(&self, site: &str, now: &str, force: bool) -> Result<u64, StateError> {
        self.conn
            .execute(
                "UPDATE crawl_frontier SET state = 'queued', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
                 WHERE site = ?1 AND state IN ('done', 'failed') AND kind = 'page' AND next_visit IS NOT NULL
                   AND (?3 OR next_visit <= ?2)",
                params![site, now, force],
            )
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    /// Change events of one URL, oldest first.
    pub fn events_of(&self, site: &str, url: &str) -> Result<Vec<String>, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT event FROM crawl_fetch_log WHERE site = ?1 AND url = ?2 AND event IS NOT NULL ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![site, url], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Number of frontier rows of a site in a state.
    pub fn count(&self, site: &str, state: &str) -> Result<u64, StateError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM crawl_frontier WHERE site = ?1 AND state = ?2",
                params![site, state],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    /// State of a URL of a site, if seen.
    pub fn url_state(&self, site: &str, url: &str) -> Result<Option<String>, StateError> {
        self.conn
            .query_row(
                "SELECT state FROM crawl_frontier WHERE site = ?1 AND url = ?2",
                params![site, url],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Error classes of a site's fetch log with counts.
    pub fn error_counts(&self, site: &str) -> Result<Vec<(String, u64)>, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT error_class, COUNT(*) FROM crawl_fetch_log WHERE site = ?1 AND error_class IS NOT NULL GROUP BY error_class ORDER BY error_class")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![site], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// The fetch log of one URL, oldest first: (status, error class).
    pub fn fetch_log_of(&self, site: &str, url: &str) -> Result<Vec<LogOutcome>, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT status, error_class FROM crawl_fetch_log WHERE site = ?1 AND url = ?2 ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![site, url], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }
}

impl Drop for State {
    /// Writes what is still deferred; on failure the rows stay `in_flight` and the next crawl
    /// completes them from the archive.
    fn drop(&mut self) {
        if let Err(e) = self.flush() {
            tracing::warn!(error = %e, "deferred crawl state not written: recovered from the archive on the next crawl");
        }
    }
}

/// Columns added after the first schema; added in place to older databases.
const MIGRATIONS: &[(&str, &str)] = &[
    ("crawl_frontier", "etag TEXT"),
    ("crawl_frontier", "last_modified TEXT"),
    ("crawl_frontier", "digest TEXT"),
    ("crawl_frontier", "record_id TEXT"),
    ("crawl_frontier", "captured_at TEXT"),
    ("crawl_frontier", "next_visit TEXT"),
    ("crawl_fetch_log", "event TEXT"),
    ("crawl_fetch_log", "dhash TEXT"),
    ("crawl_fetch_log", "photo_color TEXT"),
];

fn migrate(conn: &Connection) -> Result<(), rusqlite::Error> {
    for (table, column) in MIGRATIONS {
        let name = column.split(' ').next().unwrap_or(column);
        let exists: bool = conn.query_row(
            &format!("SELECT COUNT(*) > 0 FROM pragma_table_info('{table}') WHERE name = ?1"),
            params![name],
            |r| r.get(0),
        )?;
        if !exists {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column}"))?;
        }
    }
    conn.execute_batch(
        "CREATE INDEX IF NOT EXISTS crawl_frontier_due ON crawl_frontier(site, state, next_visit)",
    )
}

/// Writes deferred completions inside the caller's transaction; the new URLs each queued.
/// Maps an SQLite error to a [`StateError`] naming the database: an owned copy of the path, so
/// it can be used while a transaction borrows the connection.
fn error_at(path: &Path) -> impl Fn(rusqlite::Error) -> StateError + use<> {
    let path = path.to_path_buf();
    move |source| StateError {
        path: path.clone(),
        source,
    }
}

fn apply_completions(
    conn: &Connection,
    deferred: &[Deferred],
) -> Result<Vec<u64>, rusqlite::Error> {
    deferred.iter().map(|d| apply_completion(conn, d)).collect()
}

fn apply_completion(conn: &Connection, d: &Deferred) -> Result<u64, rusqlite::Error> {
    write_completion(
        conn,
        &d.job,
        d.row_id,
        &d.site,
        d.final_state,
        &d.log,
        &d.found,
    )
}

/// The writes of one completion (inside the caller's transaction).
fn write_completion(
    conn: &Connection,
    job: &str,
    row_id: i64,
    site: &str,
    final_state: &str,
    log: &FetchLogEntry,
    found: &[NewUrl],
) -> Result<u64, rusqlite::Error> {
    conn.prepare_cached(
        "UPDATE crawl_frontier SET state = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?1",
    )?
    .execute(params![row_id, final_state])?;
    let c = log.capture.as_ref();
    if let Some((etag, last_modified)) = &log.validators
        && let Some(c) = c
    {
        conn.prepare_cached(
            "UPDATE crawl_frontier SET etag = ?2, last_modified = ?3, digest = ?4, record_id = ?5, captured_at = ?6 WHERE id = ?1",
        )?
        .execute(params![row_id, etag, last_modified, c.payload_digest, c.record_id, log.captured_at])?;
    }
    if let Some(next) = &log.next_visit {
        conn.prepare_cached("UPDATE crawl_frontier SET next_visit = ?2 WHERE id = ?1")?
            .execute(params![row_id, next])?;
    }
    conn.prepare_cached(
        "INSERT INTO crawl_fetch_log(job, site, url, status, error_class, error, bytes, elapsed_ms, warc_file, warc_offset, warc_length, record_id, payload_digest, event, dhash, photo_color)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?
    .execute(params![
        job,
        log.site,
        log.url,
        log.status,
        log.error_class,
        log.error,
        log.bytes as i64,
        log.elapsed_ms as i64,
        c.map(|c| c.warc_file.as_str()),
        c.map(|c| c.offset as i64),
        c.map(|c| c.length as i64),
        c.map(|c| c.record_id.as_str()),
        c.map(|c| c.payload_digest.as_str()),
        log.event,
        log.dhash,
        log.photo_color,
    ])?;
    insert_urls(conn, site, found)
}

fn insert_urls(conn: &Connection, site: &str, urls: &[NewUrl]) -> Result<u64, rusqlite::Error> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO crawl_frontier(site, url, depth, priority, kind, referrer, hops) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut n = 0;
    for u in urls {
        n += stmt.execute(params![
            site,
            u.url,
            u.depth,
            u.priority,
            u.kind.as_str(),
            u.referrer,
            u.hops
        ])? as u64;
    }
    Ok(n)
}

fn row_to_frontier(r: &rusqlite::Row<'_>) -> Result<FrontierRow, rusqlite::Error> {
    Ok(FrontierRow {
        id: r.get(0)?,
        site: r.get(1)?,
        url: r.get(2)?,
        depth: r.get(3)?,
        priority: r.get(4)?,
        kind: UrlKind::parse(&r.get::<_, String>(5)?),
        referrer: r.get(6)?,
        hops: r.get(7)?,
        job: r.get(8)?,
        prev: {
            let p = PrevCapture {
                digest: r.get(9)?,
                record_id: r.get(10)?,
                captured_at: r.get(11)?,
                etag: r.get(12)?,
                last_modified: r.get(13)?,
            };
            (p != PrevCapture::default()).then_some(p)
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(u: &str, priority: i64, depth: u32) -> NewUrl {
        NewUrl {
            url: u.into(),
            depth,
            priority,
            kind: UrlKind::Page,
            referrer: None,
            hops: 0,
        }
    }

    #[test]
    fn frontier_orders_dedups_and_resumes() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("state.db");
        {
            let mut st = State::open(&path).expect("open");
            let n = st
                .enqueue(
                    "s",
                    &[
                        url("http://a/follow", priority::FOLLOW, 1),
                        url("http://a/listing", priority::LISTING, 2),
                        url("http://a/page2", priority::PAGINATION, 1),
                        url("http://a/listing", priority::LISTING, 1),
                    ],
                )
                .expect("enqueue");
            assert_eq!(n, 3, "duplicate URL ignored");
            let first = st
                .claim_next("s", "j1", false)
                .expect("claim")
                .expect("row");
            assert_eq!(first.url, "http://a/listing");
            let second = st
                .claim_next("s", "j1", false)
                .expect("claim")
                .expect("row");
            assert_eq!(second.url, "http://a/page2");
            st.complete(
                "j1",
                &first,
                "done",
                &FetchLogEntry {
                    site: "s".into(),
                    url: first.url.clone(),
                    status: Some(200),
                    ..Default::default()
                },
                &[
                    url("http://a/new", priority::LISTING, 3),
                    url("http://a/follow", priority::LISTING, 3),
                ],
            )
            .expect("complete");
            // "second" stays in flight: the process dies here.
        }
        let mut st = State::open(&path).expect("reopen");
        let inflight = st.in_flight().expect("in flight");
        assert_eq!(inflight.len(), 1);
        assert_eq!(inflight[0].url, "http://a/page2");
        assert_eq!(inflight[0].job.as_deref(), Some("j1"));
        assert_eq!(st.requeue_in_flight().expect("requeue"), 1);
        let mut order = Vec::new();
        while let Some(r) = st.claim_next("s", "j2", false).expect("claim") {
            order.push(r.url);
        }
        assert_eq!(
            order,
            vec!["http://a/new", "http://a/page2", "http://a/follow"]
        );
        assert_eq!(st.count("s", "done").expect("count"), 1);
        assert_eq!(
            st.url_state("s", "http://a/listing")
                .expect("state")
                .as_deref(),
            Some("done")
        );
        assert_eq!(
            st.fetch_log_of("s", "http://a/listing").expect("log"),
            vec![(Some(200), None)]
        );
    }

    /// A deferred completion is invisible on disk until the next batch commit: if the process
    /// dies first (no drop, no flush), the row is still `in_flight`, which is what crash
    /// recovery looks up in the archive. The next claim writes it, and the URLs it found are
    /// claimable in that same claim.
    #[test]
    fn deferred_completions_stay_in_flight_until_the_next_claim() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("state.db");
        let mut st = State::open(&path).expect("open");
        st.enqueue(
            "s",
            &[
                url("http://a/1", priority::LISTING, 0),
                url("http://a/2", priority::LISTING, 0),
            ],
        )
        .expect("enqueue");
        let rows = st.claim_batch("s", "j1", false, 8).expect("claim");
        assert_eq!(rows.len(), 2);
        let log = |u: &str| FetchLogEntry {
            site: "s".into(),
            url: u.into(),
            status: Some(200),
            ..Default::default()
        };
        st.complete_later(
            "j1",
            &rows[0],
            "done",
            log("http://a/1"),
            vec![url("http://a/3", priority::LISTING, 1)],
        )
        .expect("defer");
        // Killed here: no flush, no drop.
        std::mem::forget(st);
        let mut st = State::open(&path).expect("reopen");
        assert_eq!(st.in_flight().expect("in flight").len(), 2);
        assert_eq!(st.url_state("s", "http://a/3").expect("state"), None);

        // Live: the next claim writes the deferred completion first.
        st.complete_later(
            "j1",
            &rows[0],
            "done",
            log("http://a/1"),
            vec![url("http://a/3", priority::LISTING, 1)],
        )
        .expect("defer");
        let next = st.claim_batch("s", "j1", false, 8).expect("claim");
        assert_eq!(
            next.iter().map(|r| r.url.as_str()).collect::<Vec<_>>(),
            vec!["http://a/3"]
        );
        assert_eq!(st.take_new_urls("s"), 1);
        assert_eq!(
            st.url_state("s", "http://a/1").expect("state").as_deref(),
            Some("done")
        );
        st.complete_later("j1", &rows[1], "failed", log("http://a/2"), Vec::new())
            .expect("defer");
        drop(st);
        let st = State::open(&path).expect("reopen");
        assert_eq!(
            st.url_state("s", "http://a/2").expect("state").as_deref(),
            Some("failed"),
            "a clean close writes what was deferred"
        );
    }

    #[test]
    fn warc_files_by_job() {
        let dir = tempfile::tempdir().expect("tmp");
        let st = State::open(&dir.path().join("state.db")).expect("open");
        st.register_warc_file("b.warc.gz", "j1").expect("reg");
        st.register_warc_file("a.warc.gz", "j1").expect("reg");
        st.register_warc_file("c.warc.gz", "j2").expect("reg");
        assert_eq!(
            st.warc_files_of_jobs(&["j1".into()]).expect("files"),
            vec!["a.warc.gz", "b.warc.gz"]
        );
    }

    /// A fetch log from before photo hashes gets the `dhash` and `photo_color` columns in place,
    /// keeping its rows.
    #[test]
    fn older_fetch_log_gains_photo_hash_columns() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("state.db");
        {
            let conn = Connection::open(&path).expect("open");
            conn.execute_batch(
                "CREATE TABLE crawl_fetch_log (id INTEGER PRIMARY KEY, job TEXT NOT NULL,
                 site TEXT NOT NULL, url TEXT NOT NULL, status INTEGER, error_class TEXT,
                 error TEXT, bytes INTEGER NOT NULL DEFAULT 0, elapsed_ms INTEGER NOT NULL DEFAULT 0,
                 at TEXT NOT NULL DEFAULT 'then', warc_file TEXT, warc_offset INTEGER,
                 warc_length INTEGER, record_id TEXT, payload_digest TEXT);
                 INSERT INTO crawl_fetch_log (job, site, url, status) VALUES ('old', 's', 'u', 200);",
            )
            .expect("old schema");
        }
        let mut st = State::open(&path).expect("migrated");
        st.log_fetch(
            "j",
            &FetchLogEntry {
                site: "s".into(),
                url: "u2".into(),
                ..Default::default()
            },
        )
        .expect("log");
        let rows: Vec<(String, Option<String>)> = st
            .conn
            .prepare("SELECT url, dhash FROM crawl_fetch_log ORDER BY id")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(rows, vec![("u".into(), None), ("u2".into(), None)]);
        let photo_color: i64 = st
            .conn
            .query_row(
                "SELECT COUNT(*) FROM pragma_table_info('crawl_fetch_log') WHERE name = 'photo_color'",
                [],
                |r| r.get(0),
            )
            .expect("column");
        assert_eq!(photo_color, 1);
    }
}
