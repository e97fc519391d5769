//! `commit_batch` writes a batch's `state.db` rows on a thread of its own while the next batch
//! is ingested: meanwhile the indexer must answer from the batch in flight exactly as it would
//! from `state.db`, and a batch that fails to reach `state.db` must be reported and healed.

use super::*;

/// Every row of the `idx_` tables that a batch writes, sorted, to compare two runs.
fn state_rows(ws: &Workspace) -> Vec<String> {
    let conn = rusqlite::Connection::open(ws.state_db()).unwrap();
    let mut rows = Vec::new();
    for sql in [
        "SELECT listing_id || '|' || site || '|' || ifnull(seller, '') || '|' || first_seen || '|' ||
                last_seen || '|' || ifnull(price_text, '') || '|' || text_sha256 || '|' ||
                record_id || '|' || ifnull(gone_at, '') FROM idx_listings",
        "SELECT listing_id || '|' || kind || '|' || normalized FROM idx_entities",
        "SELECT listing_id || '|' || record_id || '|' || fetched_at || '|' || url FROM idx_captures",
    ] {
        let mut st = conn.prepare(sql).unwrap();
        let found: Vec<String> = st
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.extend(found);
    }
    rows.sort();
    rows
}

/// Synthetic listings with re-crawls, plus what only a look-up of the previous batch can
/// answer: the same capture again, an older capture, a 404 page and the listing coming back.
fn items_across_batches() -> Vec<(Page, Extraction)> {
    let mut items: Vec<(Page, Extraction)> = crate::synth::listings(400, 17).collect();
    let (known, e) = items[70].clone();
    let again = (known.clone(), e.clone());
    let mut older = (known.clone(), e.clone());
    older.0.fetched_at -= chrono::Duration::days(40);
    older.0.capture.record_id = "<urn:uuid:older>".into();
    let mut gone = known.clone();
    gone.status = 404;
    // With its listing id: a 404 without one is looked up by URL, which waits for the batch
    // in flight, and so for the write lock this test holds.
    gone.fields = PageFields {
        listing_id: known.fields.listing_id.clone(),
        ..PageFields::default()
    };
    gone.fetched_at += chrono::Duration::days(3);
    gone.capture.record_id = "<urn:uuid:gone>".into();
    let mut back = (known, e);
    back.0.fetched_at += chrono::Duration::days(5);
    back.0.capture.record_id = "<urn:uuid:back>".into();
    // Listing 70 is in the second batch of 64; these land in the third, fourth and fifth.
    items.insert(130, again);
    items.insert(140, older);
    items.insert(200, (gone, extraction(&[], &[], None, Vec::new())));
    items.insert(270, back);
    items
}

/// Ingesting batch after batch with `commit_batch`, each batch held in flight while the next
/// is ingested (another connection holds `state.db`'s write lock meanwhile), and no final
/// commit (dropping the indexer waits for the last batch), gives the outcomes, listings,
/// history and `idx_` rows of waiting for every commit.
#[test]
fn a_batch_in_flight_answers_as_state_db_would() {
    let items = items_across_batches();
    let run = |overlapped: bool| {
        let (dir, ws) = workspace();
        let mut ix = Indexer::open_without_rules(&ws).unwrap();
        // The dedup update writes `state.db` on the calling thread: off, so that only the
        // batch thread waits for the lock.
        ix.set_dedup_enabled(false);
        let blocker = rusqlite::Connection::open(ws.state_db()).unwrap();
        let mut held = false;
        let mut outcomes = Vec::new();
        for chunk in items.chunks(64) {
            for (p, e) in chunk {
                outcomes.push(ix.ingest_extracted(p, e.clone()).unwrap());
            }
            if overlapped {
                if held {
                    blocker.execute_batch("COMMIT").unwrap();
                    ix.settle().unwrap();
                }
                blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
                held = true;
                ix.commit_batch().unwrap();
            } else {
                ix.commit().unwrap();
            }
        }
        if held {
            blocker.execute_batch("COMMIT").unwrap();
        }
        drop(ix);
        let (listings, history) = everything(&ws);
        let rows = state_rows(&ws);
        drop(dir);
        (outcomes, listings, history, rows)
    };
    let waited = run(false);
    let events: Vec<&str> = waited.2.iter().map(|h| h.event.as_str()).collect();
    for event in ["gone", "reappeared", "seen", "price_changed"] {
        assert!(events.contains(&event), "no {event} event: {events:?}");
    }
    assert_eq!(run(true), waited);
}

/// A batch whose `state.db` write fails (here a trigger refuses its history rows) is reported
/// by the next commit with what failed; ingesting the same pages again then replaces the
/// listings the index already holds instead of adding second copies.
#[test]
fn a_failed_state_batch_is_reported_and_healed() {
    let (_d, ws) = workspace();
    let items: Vec<(Page, Extraction)> = crate::synth::listings(50, 5).collect();
    let mut ix = Indexer::open_without_rules(&ws).unwrap();
    let sabotage = rusqlite::Connection::open(ws.state_db()).unwrap();
    sabotage
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON idx_history
             BEGIN SELECT RAISE(ABORT, 'disk refused'); END;",
        )
        .unwrap();
    for (p, e) in &items {
        ix.ingest_extracted(p, e.clone()).unwrap();
    }
    ix.commit_batch().unwrap();
    let err = ix.commit().unwrap_err().to_string();
    assert!(err.contains("disk refused"), "{err}");
    assert!(err.contains("writing history"), "{err}");
    sabotage.execute_batch("DROP TRIGGER refuse;").unwrap();
    for (p, e) in &items {
        ix.ingest_extracted(p, e.clone()).unwrap();
    }
    ix.commit().unwrap();
    drop(ix);
    let s = Searcher::open(&ws).unwrap();
    let conn = rusqlite::Connection::open(ws.state_db()).unwrap();
    let listings: u64 = conn
        .query_row("SELECT count(*) FROM idx_listings", [], |r| r.get(0))
        .unwrap();
    assert!(listings > 40, "{listings}");
    assert_eq!(s.count_all().unwrap(), listings);
}

/// A 404 page without a listing id, of a listing whose batch is still in flight, is matched by
/// its URL (the look-up waits for the batch) and records the listing as gone.
#[test]
fn a_gone_page_found_by_url_while_its_batch_is_in_flight() {
    let (_d, ws) = workspace();
    let (p, e) = corpus().remove(0);
    let mut ix = Indexer::open_without_rules(&ws).unwrap();
    ix.ingest_extracted(&p, e).unwrap();
    ix.commit_batch().unwrap();
    let mut gone = p.clone();
    gone.status = 404;
    gone.fields = PageFields::default();
    gone.fetched_at = at(25);
    gone.capture.record_id = "<urn:uuid:gone-by-url>".into();
    assert_eq!(
        ix.ingest_extracted(&gone, extraction(&[], &[], None, Vec::new()))
            .unwrap(),
        IngestOutcome::Updated
    );
    ix.commit().unwrap();
    drop(ix);
    let s = Searcher::open(&ws).unwrap();
    let listing = s.listing(&listing::listing_id(&p)).unwrap().unwrap();
    assert_eq!(listing.gone_at, Some(at(25)));
}
