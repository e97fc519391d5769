//! Identifiers seen on more than one site: the first version of "sellers seen on more than one
//! site" (the full actor graph is a later issue). Read from the `idx_entities` table.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::error::IndexError;

/// Entity kinds that identify a seller.
pub use salwatch_rules::IDENTIFIER_KINDS;

/// The SQL condition `(kind = 'phone' OR …)` over [`IDENTIFIER_KINDS`], with `column` for
/// `kind`, exactly as the partial index `idx_entities_by_identifier` declares it (`store.rs`):
/// SQLite uses a partial index only for a query that repeats its condition, so every look-up
/// by value says it too. Only identifiers are looked up by value; prices and weapons left out
/// of that index no longer dirty random pages of it at every ingest batch (`state.db` 10 %
/// smaller at 1 M listings).
///
/// A chain of `=` rather than `kind IN (…)`: SQLite checks a partial index's condition on
/// every row written, and codes a list of constants with `IN` as a temporary B-tree built
/// afresh for each statement run, that is for every entity row (a third of the time of an
/// entity insert at 1 M listings; the `=` chain is a few comparisons).
pub fn identifier_condition(column: &str) -> String {
    let kinds = IDENTIFIER_KINDS
        .iter()
        .map(|k| format!("{column} = '{k}'"))
        .collect::<Vec<_>>()
        .join(" OR ");
    format!("({kinds})")
}

/// One listing that carries a shared identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Carrier {
    /// Site of the listing.
    pub site: String,
    /// Seller as shown on that site.
    pub seller: Option<String>,
    /// The listing.
    pub listing_id: String,
    /// When the listing was first seen.
    pub first_seen: DateTime<Utc>,
}

/// An identifier found in listings of several sites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedIdentifier {
    /// Entity kind (`phone`, `btc_address` …).
    pub kind: String,
    /// Normalized value.
    pub value: String,
    /// Number of distinct sites.
    pub sites: usize,
    /// The listings carrying it, first seen first.
    pub listings: Vec<Carrier>,
}

/// Identifiers in listings of at least `min_sites` sites (at least 1), most sites first.
pub fn shared_identifiers(
    conn: &Connection,
    min_sites: usize,
) -> Result<Vec<SharedIdentifier>, IndexError> {
    let ctx = "finding identifiers shared across sites";
    let identifier = identifier_condition("e.kind");
    let sql = format!(
        "SELECT e.kind, e.normalized, COUNT(DISTINCT l.site) AS n
         FROM idx_entities e JOIN idx_listings l ON l.listing_id = e.listing_id
         WHERE {identifier}
         GROUP BY e.kind, e.normalized HAVING n >= ?1
         ORDER BY n DESC, e.kind, e.normalized"
    );
    let mut st = conn.prepare(&sql).map_err(IndexError::sqlite(ctx))?;
    let min = i64::try_from(min_sites.max(1)).unwrap_or(i64::MAX);
    let groups = st
        .query_map([min], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .map_err(IndexError::sqlite(ctx))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(IndexError::sqlite(ctx))?;
    let mut carriers = conn
        .prepare(&format!(
            "SELECT l.site, l.seller, l.listing_id, l.first_seen
             FROM idx_entities e JOIN idx_listings l ON l.listing_id = e.listing_id
             WHERE e.kind = ?1 AND e.normalized = ?2 AND {identifier}
             ORDER BY l.first_seen, l.listing_id"
        ))
        .map_err(IndexError::sqlite(ctx))?;
    let mut out = Vec::with_capacity(groups.len());
    for (kind, value, n) in groups {
        let listings = carriers
            .query_map(params![kind, value], |r| {
                let first_seen: String = r.get(3)?;
                Ok(Carrier {
                    site: r.get(0)?,
                    seller: r.get(1)?,
                    listing_id: r.get(2)?,
                    first_seen: DateTime::parse_from_rfc3339(&first_seen)
                        .map(|t| t.with_timezone(&Utc))
                        .map_err(|e| {
                            rusqlite::Error::FromSqlConversionFailure(
                                3,
                                rusqlite::types::Type::Text,
                                Box::new(e),
                            )
                        })?,
                })
            })
            .map_err(IndexError::sqlite(ctx))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(IndexError::sqlite(ctx))?;
        out.push(SharedIdentifier {
            kind,
            value,
            sites: usize::try_from(n).unwrap_or(0),
            listings,
        });
    }
    Ok(out)
}
