//! The dedup tables in `state.db` (prefix `dedup_`): one row per listing (exact digest, MinHash
//! signature), its LSH buckets, its photos, the explained links between listings, and the
//! cluster of every listing.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::IndexError;

/// Creates the `dedup_` tables when missing.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS dedup_docs (
    listing_id TEXT PRIMARY KEY,
    site       TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    source     TEXT NOT NULL,
    exact      TEXT NOT NULL,
    signature  BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS dedup_docs_by_exact ON dedup_docs (exact);
CREATE TABLE IF NOT EXISTS dedup_bands (
    bucket     INTEGER NOT NULL,
    listing_id TEXT NOT NULL,
    PRIMARY KEY (bucket, listing_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dedup_bands_by_listing ON dedup_bands (listing_id);
CREATE TABLE IF NOT EXISTS dedup_photos (
    listing_id TEXT NOT NULL,
    site       TEXT NOT NULL,
    url        TEXT NOT NULL,
    digest     TEXT,
    dhash      TEXT,
    color      TEXT,
    PRIMARY KEY (listing_id, url)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dedup_photos_by_digest ON dedup_photos (digest);
CREATE TABLE IF NOT EXISTS dedup_links (
    a      TEXT NOT NULL,
    b      TEXT NOT NULL,
    kind   TEXT NOT NULL,
    score  REAL NOT NULL,
    detail TEXT,
    at     TEXT NOT NULL,
    PRIMARY KEY (a, b, kind)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dedup_links_by_b ON dedup_links (b);
CREATE TABLE IF NOT EXISTS dedup_members (
    listing_id TEXT PRIMARY KEY,
    cluster_id TEXT NOT NULL,
    since      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS dedup_members_by_cluster ON dedup_members (cluster_id);
";

/// The tables a rebuild empties.
const TABLES: &[&str] = &[
    "dedup_docs",
    "dedup_bands",
    "dedup_photos",
    "dedup_links",
    "dedup_members",
];

/// Columns added after the first schema; added in place to older databases.
const MIGRATIONS: &[(&str, &str)] = &[
    ("dedup_photos", "dhash TEXT"),
    ("dedup_photos", "color TEXT"),
];

/// Creates the tables (idempotent) and adds missing columns to older ones.
pub fn create(conn: &Connection) -> Result<(), IndexError> {
    conn.execute_batch(SCHEMA)
        .map_err(IndexError::sqlite("creating the dedup_ tables"))?;
    for (table, column) in MIGRATIONS {
        let name = column.split(' ').next().unwrap_or(column);
        if !has_column(conn, table, name)? {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column}"))
                .map_err(IndexError::sqlite(format!("adding {table}.{name}")))?;
        }
    }
    Ok(())
}

/// True when `table` has a column `column` (false when the table is missing).
pub fn has_column(conn: &Connection, table: &str, column: &str) -> Result<bool, IndexError> {
    conn.prepare_cached("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2")
        .and_then(|mut st| st.exists(params![table, column]))
        .map_err(IndexError::sqlite(format!(
            "looking for column {table}.{column}"
        )))
}

/// Drops and recreates the tables (an index rebuild recomputes every cluster).
pub fn reset(conn: &Connection) -> Result<(), IndexError> {
    for t in TABLES {
        conn.execute_batch(&format!("DROP TABLE IF EXISTS {t};"))
            .map_err(IndexError::sqlite(format!("dropping {t}")))?;
    }
    create(conn)
}

/// A signature as stored (little-endian u32s).
pub fn encode_signature(sig: &[u32]) -> Vec<u8> {
    sig.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A stored signature.
pub fn decode_signature(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// The `source` fingerprint stored for a listing (skip it when unchanged), if any.
pub fn source_of(conn: &Connection, listing_id: &str) -> Result<Option<String>, IndexError> {
    conn.prepare_cached("SELECT source FROM dedup_docs WHERE listing_id = ?1")
        .and_then(|mut st| st.query_row([listing_id], |r| r.get(0)).optional())
        .map_err(IndexError::sqlite(format!(
            "reading dedup state of {listing_id}"
        )))
}

/// The cluster of a listing, if it was clustered.
pub fn cluster_of(conn: &Connection, listing_id: &str) -> Result<Option<String>, IndexError> {
    conn.prepare_cached("SELECT cluster_id FROM dedup_members WHERE listing_id = ?1")
        .and_then(|mut st| st.query_row([listing_id], |r| r.get(0)).optional())
        .map_err(IndexError::sqlite(format!(
            "reading the cluster of {listing_id}"
        )))
}

/// True when the crawler's fetch log is in this database (photo digests come from it).
pub fn has_fetch_log(conn: &Connection) -> Result<bool, IndexError> {
    conn.prepare_cached(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'crawl_fetch_log'",
    )
    .and_then(|mut st| st.exists([]))
    .map_err(IndexError::sqlite("looking for the crawl fetch log"))
}

/// Inserts or replaces one link (`a` < `b` is enforced here).
pub fn put_link(
    conn: &Connection,
    a: &str,
    b: &str,
    kind: &str,
    score: f64,
    detail: Option<&str>,
    at: &str,
) -> Result<(), IndexError> {
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    conn.prepare_cached(
        "INSERT OR REPLACE INTO dedup_links (a, b, kind, score, detail, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut st| st.execute(params![a, b, kind, score, detail, at]))
    .map(|_| ())
    .map_err(IndexError::sqlite(format!("linking {a} and {b}")))
}

/// True when the dedup tables exist (a read-only reader never creates them).
pub fn exists(conn: &Connection) -> Result<bool, IndexError> {
    conn.prepare_cached(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'dedup_members'",
    )
    .and_then(|mut st| st.exists([]))
    .map_err(IndexError::sqlite("looking for the dedup tables"))
}

/// The cluster of a listing on any connection (read-only too): `None` without dedup tables.
pub fn cluster_of_ro(conn: &Connection, listing_id: &str) -> Result<Option<String>, IndexError> {
    if !exists(conn)? {
        return Ok(None);
    }
    cluster_of(conn, listing_id)
}
