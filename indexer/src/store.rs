//! The indexer's tables in `state.db` (all prefixed `idx_`): the compact state of every listing
//! (to detect changes on a re-crawl), its entities (for cross-site identifiers), its history and
//! the captures that saw it. The full listing is in the index's stored field.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::error::IndexError;

/// Creates the `idx_` tables and indexes when missing.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS idx_listings (
    listing_id     TEXT PRIMARY KEY,
    site           TEXT NOT NULL,
    seller         TEXT,
    first_seen     TEXT NOT NULL,
    last_seen      TEXT NOT NULL,
    price_text     TEXT,
    price_amount   REAL,
    price_currency TEXT,
    text_sha256    TEXT NOT NULL,
    record_id      TEXT NOT NULL,
    gone_at        TEXT
);
CREATE TABLE IF NOT EXISTS idx_entities (
    listing_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    normalized TEXT NOT NULL,
    PRIMARY KEY (listing_id, kind, normalized)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idx_history (
    id         INTEGER PRIMARY KEY,
    listing_id TEXT NOT NULL,
    at         TEXT NOT NULL,
    event      TEXT NOT NULL,
    old        TEXT,
    new        TEXT
);
CREATE INDEX IF NOT EXISTS idx_history_by_listing ON idx_history (listing_id, at);
CREATE TABLE IF NOT EXISTS idx_captures (
    listing_id     TEXT NOT NULL,
    record_id      TEXT NOT NULL,
    fetched_at     TEXT NOT NULL,
    url            TEXT NOT NULL,
    warc_file      TEXT NOT NULL,
    offset         INTEGER NOT NULL,
    length         INTEGER NOT NULL,
    payload_digest TEXT NOT NULL,
    PRIMARY KEY (listing_id, record_id)
) WITHOUT ROWID;
";

/// The tables dropped by a rebuild.
const TABLES: &[&str] = &[
    "idx_listings",
    "idx_entities",
    "idx_history",
    "idx_captures",
];

/// A timestamp as stored: RFC 3339, UTC, microseconds, fixed width (sorts as text).
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Reads a stored timestamp.
fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
}

/// Opens `state.db` for writing: WAL mode (readers never block the writer), a busy timeout, and
/// the `idx_` tables.
pub fn open_rw(path: &std::path::Path) -> Result<Connection, IndexError> {
    let ctx = format!("opening {}", path.display());
    let mut conn = Connection::open(path).map_err(IndexError::sqlite(ctx.clone()))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(IndexError::sqlite(ctx.clone()))?;
    // The crawler writes to the same database while this connection does. A transaction begun
    // DEFERRED that reads first and then writes fails at once (SQLITE_BUSY or BUSY_SNAPSHOT: the
    // busy timeout does not apply) when the other connection committed in between: it stopped
    // crawls at their start ("database is locked" while declaring an index). Every transaction
    // here writes, so each takes the write lock when it begins, waiting its turn.
    conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(IndexError::sqlite(ctx.clone()))?;
    // Ingest looks up every listing's state: keep the hot pages in memory rather than reading
    // them back from the OS on every lookup. In WAL mode, NORMAL syncs at checkpoints only: a
    // killed process loses nothing committed (a power cut may lose the last batches, which the
    // index-first commit order already heals).
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
    )
    .map_err(IndexError::sqlite(ctx.clone()))?;
    conn.execute_batch(SCHEMA)
        .map_err(IndexError::sqlite(format!(
            "creating the idx_ tables in {}",
            path.display()
        )))?;
    ensure_identifier_index(&conn)?;
    Ok(conn)
}

/// The index of identifier entities by value (see [`crate::shared::identifier_condition`]).
fn identifier_index_sql() -> String {
    format!(
        "CREATE INDEX idx_entities_by_identifier ON idx_entities (kind, normalized) WHERE {}",
        crate::shared::identifier_condition("kind")
    )
}

/// Creates `idx_entities_by_identifier`, replacing the index of every entity by value of older
/// workspaces (`idx_entities_by_value`) or one declared otherwise (another list of identifier
/// kinds, or the `kind IN (…)` form of earlier versions).
fn ensure_identifier_index(conn: &Connection) -> Result<(), IndexError> {
    let ctx = "indexing identifier entities by value";
    let wanted = identifier_index_sql();
    let current: Option<String> = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'idx_entities_by_identifier'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(IndexError::sqlite(ctx))?;
    let old_exists: bool = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'idx_entities_by_value'",
            [],
            |_| Ok(()),
        )
        .optional()
        .map_err(IndexError::sqlite(ctx))?
        .is_some();
    if current.as_deref() == Some(wanted.as_str()) && !old_exists {
        return Ok(());
    }
    tracing::info!("re-indexing identifier entities by value in state.db (once)");
    let tx = conn
        .unchecked_transaction()
        .map_err(IndexError::sqlite(ctx))?;
    tx.execute_batch(&format!(
        "DROP INDEX IF EXISTS idx_entities_by_value;
         DROP INDEX IF EXISTS idx_entities_by_identifier;
         {wanted};"
    ))
    .map_err(IndexError::sqlite(ctx))?;
    tx.commit().map_err(IndexError::sqlite(ctx))
}

/// Opens `state.db` read-only (missing file: [`IndexError::Missing`]).
pub fn open_ro(path: &std::path::Path) -> Result<Connection, IndexError> {
    if !path.is_file() {
        return Err(IndexError::Missing {
            path: path.to_path_buf(),
        });
    }
    let ctx = format!("opening {} read-only", path.display());
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(IndexError::sqlite(ctx.clone()))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(IndexError::sqlite(ctx))?;
    Ok(conn)
}

/// Drops the `idx_` tables (a rebuild recreates them).
pub fn drop_tables(conn: &Connection) -> Result<(), IndexError> {
    for table in TABLES {
        conn.execute_batch(&format!("DROP TABLE IF EXISTS {table};"))
            .map_err(IndexError::sqlite(format!("dropping {table}")))?;
    }
    conn.execute_batch(SCHEMA)
        .map_err(IndexError::sqlite("recreating the idx_ tables"))?;
    ensure_identifier_index(conn)
}

/// What the indexer remembers of a listing between crawls.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingState {
    /// Stable listing id.
    pub listing_id: String,
    /// Site.
    pub site: String,
    /// Seller as shown.
    pub seller: Option<String>,
    /// First capture time.
    pub first_seen: DateTime<Utc>,
    /// Latest capture time.
    pub last_seen: DateTime<Utc>,
    /// Price as written.
    pub price_text: Option<String>,
    /// Price amount.
    pub price_amount: Option<f64>,
    /// Price currency.
    pub price_currency: Option<String>,
    /// SHA-256 of the listing text.
    pub text_sha256: String,
    /// Record id of the latest capture.
    pub record_id: String,
    /// When the listing page answered 404/410 (cleared when it comes back).
    pub gone_at: Option<DateTime<Utc>>,
    /// `(kind, normalized)` of every entity; `None` when loaded (kept as stored).
    pub entities: Option<Vec<(String, String)>>,
    /// True when `state.db` may already hold entities of this listing (a listing seen for the
    /// first time has none to delete before its entities are written).
    pub stored: bool,
}

impl ListingState {
    /// The price as one comparable, readable string (`350 EUR`, or the text as written).
    pub fn price_label(&self) -> Option<String> {
        match (self.price_amount, &self.price_currency) {
            (Some(a), Some(c)) => Some(format!("{a} {c}")),
            _ => self.price_text.clone(),
        }
    }
}

/// Number of listings in `idx_listings` (each has exactly one document in a consistent index).
pub fn count_listings(conn: &Connection) -> Result<u64, IndexError> {
    conn.query_row("SELECT count(*) FROM idx_listings", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| u64::try_from(n).unwrap_or(0))
    .map_err(IndexError::sqlite("counting the listings"))
}

/// Loads a listing's state (without its entities, which a change rewrites anyway).
pub fn load_state(conn: &Connection, listing_id: &str) -> Result<Option<ListingState>, IndexError> {
    conn.prepare_cached(
        "SELECT site, seller, first_seen, last_seen, price_text, price_amount, price_currency,
                text_sha256, record_id, gone_at FROM idx_listings WHERE listing_id = ?1",
    )
    .and_then(|mut st| {
        st.query_row([listing_id], |r| {
            Ok(ListingState {
                listing_id: listing_id.to_string(),
                site: r.get(0)?,
                seller: r.get(1)?,
                first_seen: parse_ts(&r.get::<_, String>(2)?)?,
                last_seen: parse_ts(&r.get::<_, String>(3)?)?,
                price_text: r.get(4)?,
                price_amount: r.get(5)?,
                price_currency: r.get(6)?,
                text_sha256: r.get(7)?,
                record_id: r.get(8)?,
                gone_at: r
                    .get::<_, Option<String>>(9)?
                    .map(|t| parse_ts(&t))
                    .transpose()?,
                entities: None,
                stored: true,
            })
        })
        .optional()
    })
    .map_err(IndexError::sqlite(format!(
        "loading the state of listing {listing_id}"
    )))
}

/// True when this capture was already ingested for this listing.
pub fn capture_known(
    conn: &Connection,
    listing_id: &str,
    record_id: &str,
) -> Result<bool, IndexError> {
    conn.prepare_cached("SELECT 1 FROM idx_captures WHERE listing_id = ?1 AND record_id = ?2")
        .and_then(|mut st| st.exists(params![listing_id, record_id]))
        .map_err(IndexError::sqlite(format!(
            "looking up captures of listing {listing_id}"
        )))
}

/// One history row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEvent {
    /// Listing id.
    pub listing_id: String,
    /// When (the capture time).
    pub at: DateTime<Utc>,
    /// `first_seen`, `price_changed`, `text_changed`, `seen`, `gone` or `reappeared`.
    pub event: String,
    /// Value before (price label, or text SHA-256).
    pub old: Option<String>,
    /// Value after.
    pub new: Option<String>,
}

/// One capture that saw a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureSeen {
    /// Listing id.
    pub listing_id: String,
    /// When it was fetched.
    pub fetched_at: DateTime<Utc>,
    /// The URL fetched.
    pub url: String,
    /// Where the record is.
    pub capture: salwatch_crawler::CaptureRef,
}

/// Writes one batch in one transaction.
pub fn write_batch<'a>(
    conn: &mut Connection,
    states: impl IntoIterator<Item = &'a ListingState>,
    history: &[HistoryEvent],
    captures: &[CaptureSeen],
) -> Result<(), IndexError> {
    let tx = conn
        .transaction()
        .map_err(IndexError::sqlite("starting the batch transaction"))?;
    stage_batch(&tx, states, history, captures)?;
    tx.commit()
        .map_err(IndexError::sqlite("committing the batch transaction"))
}

/// Writes one batch into an open transaction, which the caller commits (the indexer stages
/// the batch while the index commits, and commits it only once the index has).
pub fn stage_batch<'a>(
    tx: &rusqlite::Transaction<'_>,
    states: impl IntoIterator<Item = &'a ListingState>,
    history: &[HistoryEvent],
    captures: &[CaptureSeen],
) -> Result<(), IndexError> {
    {
        let ctx = "writing the listing batch";
        let mut up = tx
            .prepare_cached(
                "INSERT INTO idx_listings (listing_id, site, seller, first_seen, last_seen, price_text,
                    price_amount, price_currency, text_sha256, record_id, gone_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT(listing_id) DO UPDATE SET site = excluded.site, seller = excluded.seller,
                    first_seen = excluded.first_seen, last_seen = excluded.last_seen,
                    price_text = excluded.price_text, price_amount = excluded.price_amount,
                    price_currency = excluded.price_currency, text_sha256 = excluded.text_sha256,
                    record_id = excluded.record_id, gone_at = excluded.gone_at",
            )
            .map_err(IndexError::sqlite(ctx))?;
        let mut del = tx
            .prepare_cached(
                "DELETE FROM idx_entities WHERE listing_id = ?1 AND kind = ?2 AND normalized = ?3",
            )
            .map_err(IndexError::sqlite(ctx))?;
        let mut ent = tx
            .prepare_cached("INSERT OR IGNORE INTO idx_entities (listing_id, kind, normalized) VALUES (?1, ?2, ?3)")
            .map_err(IndexError::sqlite(ctx))?;
        for s in states {
            up.execute(params![
                s.listing_id,
                s.site,
                s.seller,
                ts(s.first_seen),
                ts(s.last_seen),
                s.price_text,
                s.price_amount,
                s.price_currency,
                s.text_sha256,
                s.record_id,
                s.gone_at.map(ts)
            ])
            .map_err(IndexError::sqlite(ctx))?;
            if let Some(entities) = &s.entities {
                let stored = if s.stored {
                    stored_entities(tx, &s.listing_id)?
                } else {
                    Vec::new()
                };
                // Only the rows that differ are written: a re-crawl whose price changed touches
                // one row of the by-value index instead of all of them (each is a random page).
                // Compared through sets: a hostile page can carry hundreds of thousands.
                let now: std::collections::HashSet<&(String, String)> = entities.iter().collect();
                let before: std::collections::HashSet<&(String, String)> = stored.iter().collect();
                for entity in &stored {
                    if !now.contains(entity) {
                        del.execute(params![s.listing_id, entity.0, entity.1])
                            .map_err(IndexError::sqlite(ctx))?;
                    }
                }
                for entity in entities {
                    if !before.contains(entity) {
                        ent.execute(params![s.listing_id, entity.0, entity.1])
                            .map_err(IndexError::sqlite(ctx))?;
                    }
                }
            }
        }
        let mut hist = tx
            .prepare_cached("INSERT INTO idx_history (listing_id, at, event, old, new) VALUES (?1, ?2, ?3, ?4, ?5)")
            .map_err(IndexError::sqlite("writing history"))?;
        for h in history {
            hist.execute(params![h.listing_id, ts(h.at), h.event, h.old, h.new])
                .map_err(IndexError::sqlite("writing history"))?;
        }
        let mut cap = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO idx_captures (listing_id, record_id, fetched_at, url, warc_file,
                    offset, length, payload_digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(IndexError::sqlite("writing captures"))?;
        for c in captures {
            cap.execute(params![
                c.listing_id,
                c.capture.record_id,
                ts(c.fetched_at),
                c.url,
                c.capture.warc_file,
                c.capture.offset as i64,
                c.capture.length as i64,
                c.capture.payload_digest
            ])
            .map_err(IndexError::sqlite("writing captures"))?;
        }
    }
    Ok(())
}

/// The `(kind, normalized)` rows of a listing in `idx_entities`.
fn stored_entities(
    tx: &rusqlite::Transaction<'_>,
    listing_id: &str,
) -> Result<Vec<(String, String)>, IndexError> {
    let ctx = format!("reading the entities of {listing_id}");
    let mut st = tx
        .prepare_cached("SELECT kind, normalized FROM idx_entities WHERE listing_id = ?1")
        .map_err(IndexError::sqlite(ctx.clone()))?;
    let rows = st
        .query_map([listing_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(IndexError::sqlite(ctx.clone()))?;
    rows.collect::<Result<_, _>>()
        .map_err(IndexError::sqlite(ctx))
}

/// A listing's history, oldest first.
pub fn history(conn: &Connection, listing_id: &str) -> Result<Vec<HistoryEvent>, IndexError> {
    let ctx = format!("reading the history of {listing_id}");
    let mut st = conn
        .prepare_cached(
            "SELECT at, event, old, new FROM idx_history WHERE listing_id = ?1 ORDER BY at, id",
        )
        .map_err(IndexError::sqlite(ctx.clone()))?;
    let rows = st
        .query_map([listing_id], |r| {
            Ok(HistoryEvent {
                listing_id: listing_id.to_string(),
                at: parse_ts(&r.get::<_, String>(0)?)?,
                event: r.get(1)?,
                old: r.get(2)?,
                new: r.get(3)?,
            })
        })
        .map_err(IndexError::sqlite(ctx.clone()))?;
    rows.collect::<Result<_, _>>()
        .map_err(IndexError::sqlite(ctx))
}

/// The captures that saw a listing, oldest first.
pub fn captures(conn: &Connection, listing_id: &str) -> Result<Vec<CaptureSeen>, IndexError> {
    let ctx = format!("reading the captures of {listing_id}");
    let mut st = conn
        .prepare_cached(
            "SELECT fetched_at, url, warc_file, offset, length, record_id, payload_digest
             FROM idx_captures WHERE listing_id = ?1 ORDER BY fetched_at, record_id",
        )
        .map_err(IndexError::sqlite(ctx.clone()))?;
    let rows = st
        .query_map([listing_id], |r| {
            Ok(CaptureSeen {
                listing_id: listing_id.to_string(),
                fetched_at: parse_ts(&r.get::<_, String>(0)?)?,
                url: r.get(1)?,
                capture: salwatch_crawler::CaptureRef {
                    warc_file: r.get(2)?,
                    offset: r.get::<_, i64>(3)? as u64,
                    length: r.get::<_, i64>(4)? as u64,
                    record_id: r.get(5)?,
                    payload_digest: r.get(6)?,
                },
            })
        })
        .map_err(IndexError::sqlite(ctx.clone()))?;
    rows.collect::<Result<_, _>>()
        .map_err(IndexError::sqlite(ctx))
}
