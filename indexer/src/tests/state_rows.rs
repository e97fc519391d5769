//! The `idx_entities` rows of a listing always equal its latest extraction's entities (the
//! commit writes only the rows that differ).

use super::*;

/// `(kind, normalized)` rows of `idx_entities` for a listing, sorted.
fn entity_rows(ws: &Workspace, listing_id: &str) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(ws.state_db()).unwrap();
    let mut st = conn
        .prepare(
            "SELECT kind, normalized FROM idx_entities WHERE listing_id = ?1 ORDER BY kind, normalized",
        )
        .unwrap();
    st.query_map([listing_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn pair(kind: &str, value: &str) -> (String, String) {
    (kind.to_string(), value.to_string())
}

#[test]
fn entity_rows_follow_the_latest_capture() {
    let (_d, ws) = workspace();
    let (p1, e1) = corpus().remove(0);
    let id = listing::listing_id(&p1);
    let mut ix = Indexer::open_without_rules(&ws).unwrap();
    ix.ingest_extracted(&p1, e1.clone()).unwrap();
    ix.commit().unwrap();
    assert_eq!(
        entity_rows(&ws, &id),
        [pair("phone", "+38970123456"), pair("price", "400 EUR")]
    );

    // A re-crawl: the price changes, the phone goes, a handle appears.
    let mut p2 = p1.clone();
    p2.fetched_at = at(5);
    p2.capture.record_id = "<urn:uuid:second>".into();
    p2.fields.price = Some("350 EUR".into());
    let mut e2 = e1.clone();
    e2.entities = vec![price(350.0, "EUR"), entity("telegram", "@gunsmk")];
    assert_eq!(
        ix.ingest_extracted(&p2, e2).unwrap(),
        IngestOutcome::Updated
    );
    ix.commit().unwrap();
    assert_eq!(
        entity_rows(&ws, &id),
        [pair("price", "350 EUR"), pair("telegram", "@gunsmk")]
    );

    // Two captures in one batch: only the later one's entities remain.
    let mut p3 = p1.clone();
    p3.fetched_at = at(7);
    p3.capture.record_id = "<urn:uuid:third>".into();
    let mut p4 = p1.clone();
    p4.fetched_at = at(8);
    p4.capture.record_id = "<urn:uuid:fourth>".into();
    let mut e4 = e1.clone();
    e4.entities = vec![entity("phone", "+38970999999"), price(400.0, "EUR")];
    ix.ingest_extracted(&p3, e1).unwrap();
    ix.ingest_extracted(&p4, e4).unwrap();
    ix.commit().unwrap();
    assert_eq!(
        entity_rows(&ws, &id),
        [pair("phone", "+38970999999"), pair("price", "400 EUR")]
    );

    // A gone page keeps the entities.
    let mut gone = p1.clone();
    gone.status = 404;
    gone.fetched_at = at(9);
    gone.capture.record_id = "<urn:uuid:gone>".into();
    assert_eq!(
        ix.ingest_extracted(&gone, extraction(&[], &[], None, Vec::new()))
            .unwrap(),
        IngestOutcome::Updated
    );
    ix.commit().unwrap();
    drop(ix);
    assert_eq!(
        entity_rows(&ws, &id),
        [pair("phone", "+38970999999"), pair("price", "400 EUR")]
    );
    // Found by its new phone, no longer by the old one.
    let s = Searcher::open(&ws).unwrap();
    let by_phone = |phone: &str| {
        s.shared_identifiers(1)
            .unwrap()
            .into_iter()
            .any(|i| i.kind == "phone" && i.value == phone)
    };
    assert!(by_phone("+38970999999"));
    assert!(!by_phone("+38970123456"));
}

/// The plan of a query, as `EXPLAIN QUERY PLAN` details joined by `;`.
fn plan(conn: &rusqlite::Connection, sql: &str) -> String {
    let mut st = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let rows = st
        .query_map([], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    rows.join("; ")
}

/// The `idx_entities` table of an older workspace, with `index_sql` as its index by value and
/// two rows (a phone and a price).
fn older_entities_table(ws: &Workspace, index_sql: &str) {
    let conn = rusqlite::Connection::open(ws.state_db()).unwrap();
    conn.execute_batch(&format!(
        "CREATE TABLE idx_entities (listing_id TEXT NOT NULL, kind TEXT NOT NULL,
             normalized TEXT NOT NULL, PRIMARY KEY (listing_id, kind, normalized)) WITHOUT ROWID;
         {index_sql};
         INSERT INTO idx_entities VALUES ('a:1', 'phone', '+38970123456'), ('a:1', 'price', '1 EUR');"
    ))
    .unwrap();
}

/// Every look-up of entities by value repeats the partial index's condition, so SQLite uses it;
/// an older workspace's index of every entity is replaced at open.
#[test]
fn identifier_lookups_use_the_partial_index() {
    let (_d, ws) = workspace();
    older_entities_table(
        &ws,
        "CREATE INDEX idx_entities_by_value ON idx_entities (kind, normalized)",
    );
    let conn = crate::store::open_rw(&ws.state_db()).unwrap();
    let indexes: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'idx_entities' AND sql IS NOT NULL")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(indexes, ["idx_entities_by_identifier"]);
    let identifier = crate::shared::identifier_condition("kind");
    let e_identifier = crate::shared::identifier_condition("e.kind");
    for sql in [
        format!(
            "SELECT listing_id, kind FROM idx_entities WHERE kind = 'phone' AND normalized = 'x' AND listing_id != 'y' AND {identifier}"
        ),
        format!("SELECT listing_id, kind, normalized FROM idx_entities WHERE {identifier}"),
        format!(
            "SELECT e.kind, e.normalized, COUNT(DISTINCT l.site) AS n
             FROM idx_entities e JOIN idx_listings l ON l.listing_id = e.listing_id
             WHERE {e_identifier} GROUP BY e.kind, e.normalized"
        ),
        format!(
            "SELECT l.site FROM idx_entities e JOIN idx_listings l ON l.listing_id = e.listing_id
             WHERE e.kind = 'phone' AND e.normalized = 'x' AND {e_identifier}"
        ),
    ] {
        let p = plan(&conn, &sql);
        assert!(p.contains("idx_entities_by_identifier"), "{sql}\n→ {p}");
    }
    // Writing an entity row checks the index's condition without building a temporary B-tree
    // (what `kind IN (…)` costs on every row).
    for sql in [
        "INSERT OR IGNORE INTO idx_entities (listing_id, kind, normalized) VALUES ('a', 'phone', 'x')",
        "DELETE FROM idx_entities WHERE listing_id = 'a' AND kind = 'phone' AND normalized = 'x'",
    ] {
        let ops: Vec<String> = conn
            .prepare(&format!("EXPLAIN {sql}"))
            .unwrap()
            .query_map([], |r| r.get(1))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            !ops.iter().any(|op| op == "OpenEphemeral"),
            "{sql}: {ops:?}"
        );
    }
    // Opening again keeps the index as it is.
    drop(conn);
    let conn = crate::store::open_rw(&ws.state_db()).unwrap();
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM idx_entities", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 2);
}

/// A workspace whose partial index was declared with `kind IN (…)` (earlier versions) gets it
/// declared again, with the same rows, at its next open.
#[test]
fn an_identifier_index_declared_with_in_is_declared_again() {
    let (_d, ws) = workspace();
    older_entities_table(
        &ws,
        "CREATE INDEX idx_entities_by_identifier ON idx_entities (kind, normalized)
             WHERE kind IN ('phone', 'email')",
    );
    let conn = crate::store::open_rw(&ws.state_db()).unwrap();
    let sql: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'idx_entities_by_identifier'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(sql.contains("kind = 'phone' OR"), "{sql}");
    assert!(!sql.contains(" IN "), "{sql}");
    let phones: i64 = conn
        .query_row(
            &format!(
                "SELECT count(*) FROM idx_entities WHERE kind = 'phone' AND {}",
                crate::shared::identifier_condition("kind")
            ),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(phones, 1);
}

/// Another connection (the crawler's) commits while the indexer's connection opens the
/// database and runs a transaction that reads before it writes: neither fails. Deferred
/// transactions failed at once with "database is locked" (SQLITE_BUSY_SNAPSHOT), which stopped
/// crawls at their start; seen in the e2e suite a few times in a hundred runs.
#[test]
fn a_concurrent_writer_does_not_fail_the_open_or_a_read_then_write_transaction() {
    use std::sync::atomic::{AtomicBool, Ordering};
    for round in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer
            .busy_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        writer
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE crawl_log (n INTEGER);")
            .unwrap();
        let stop = &AtomicBool::new(false);
        let result = std::thread::scope(|scope| {
            scope.spawn(move || {
                let mut n = 0;
                // A commit every few hundred microseconds, as a fast crawl commits its fetches.
                // Not back to back: SQLite's lock is not fair, and a writer that takes it again
                // the moment it commits starves every other connection past its busy timeout (it
                // did on a loaded machine), which no crawl does.
                while !stop.load(Ordering::Relaxed) {
                    writer
                        .execute("INSERT INTO crawl_log (n) VALUES (?1)", [n])
                        .unwrap();
                    n += 1;
                    std::thread::sleep(std::time::Duration::from_micros(300));
                }
            });
            // Whatever happens below, the writer is stopped before the scope ends.
            let result = read_then_write(&path);
            stop.store(true, Ordering::Relaxed);
            result
        });
        if let Err(e) = result {
            panic!("round {round}: {e}");
        }
    }
}

/// Opens `path` as the indexer does, then runs 20 transactions that read, pause and write.
fn read_then_write(path: &std::path::Path) -> Result<(), String> {
    let conn = crate::store::open_rw(path).map_err(|e| e.to_string())?;
    conn.execute_batch("CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, value TEXT)")
        .map_err(|e| e.to_string())?;
    for _ in 0..20 {
        let tx = conn.unchecked_transaction().map_err(|e| e.to_string())?;
        let rows: i64 = tx
            .query_row("SELECT count(*) FROM crawl_log", [], |r| r.get(0))
            .map_err(|e| e.to_string())?;
        std::thread::sleep(std::time::Duration::from_millis(2));
        tx.execute(
            "INSERT OR REPLACE INTO seen (key, value) VALUES ('rows', ?1)",
            [rows.to_string()],
        )
        .map_err(|e| e.to_string())?;
        tx.commit().map_err(|e| e.to_string())?;
    }
    Ok(())
}
