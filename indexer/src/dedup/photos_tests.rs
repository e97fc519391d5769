use std::collections::{BTreeMap, BTreeSet};

use chrono::{TimeZone, Utc};
use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};

use super::super::{DedupDoc, DedupParams, update};

fn samples() -> String {
    format!("{}/../samples", env!("CARGO_MANIFEST_DIR"))
}

/// A state database with the crawler's fetch log and every sample photo logged as fetched.
fn logged_photos(conn: &Connection, photos: &BTreeMap<String, Vec<u8>>) {
    conn.execute_batch(
        "CREATE TABLE crawl_fetch_log (id INTEGER PRIMARY KEY, site TEXT, url TEXT, status INTEGER,
         payload_digest TEXT, dhash TEXT, photo_color TEXT)",
    )
    .expect("fetch log");
    for (url, bytes) in photos {
        let f = salwatch_crawler::photo::fingerprint(bytes).expect(url);
        let site = url
            .split('/')
            .nth(2)
            .unwrap_or("")
            .trim_end_matches(".test");
        conn.execute(
            "INSERT INTO crawl_fetch_log (site, url, status, payload_digest, dhash, photo_color)
             VALUES (?1, ?2, 200, ?3, ?4, ?5)",
            params![
                site,
                url,
                format!("sha256:{}", hex::encode(Sha256::digest(bytes))),
                f.dhash.to_string(),
                f.color.to_string()
            ],
        )
        .expect("log");
    }
}

/// Every sample listing with photos, with unrelated texts, so that only photos can link them:
/// the altered reposts of C02, C07 and C08 link, and no photo link joins two listings whose
/// photos come from different pictures (generator seeds).
#[test]
fn altered_sample_photos_link_and_unrelated_do_not() {
    let truth: serde_json::Value = serde_json::from_slice(
        &std::fs::read(format!("{}/ground_truth.json", samples())).expect("ground truth"),
    )
    .expect("json");
    let mut photos: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut listings: Vec<(String, String, Vec<String>)> = Vec::new();
    let mut seeds: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    let mut cluster: BTreeMap<String, String> = BTreeMap::new();
    for l in truth["listings"].as_array().expect("listings") {
        let site = l["site"].as_str().expect("site");
        let id = format!("{site}/{}", l["listing_id"].as_str().expect("listing_id"));
        let mut urls = Vec::new();
        for im in l["images"].as_array().into_iter().flatten() {
            let path = im["path"].as_str().expect("path");
            let url = format!("http://{site}.test{path}");
            let file = format!("{}/sites/{site}{path}", samples());
            photos.insert(url.clone(), std::fs::read(&file).expect("photo"));
            seeds
                .entry(id.clone())
                .or_default()
                .insert(im["seed"].as_i64().expect("seed"));
            urls.push(url);
        }
        if let Some(c) = l["cluster"].as_str() {
            cluster.insert(id.clone(), c.to_string());
        }
        if !urls.is_empty() {
            listings.push((id, site.to_string(), urls));
        }
    }
    assert!(listings.len() > 50, "{}", listings.len());
    let mut conn = Connection::open_in_memory().expect("db");
    logged_photos(&conn, &photos);
    let texts: Vec<String> = (0..listings.len()).map(|i| format!("unique{i}")).collect();
    let docs: Vec<DedupDoc<'_>> = listings
        .iter()
        .zip(&texts)
        .enumerate()
        .map(|(i, ((id, site, urls), text))| DedupDoc {
            listing_id: id,
            site,
            first_seen: Utc.timestamp_opt(1_700_000_000 + i as i64, 0).unwrap(),
            text: text.clone(),
            images: urls,
            identifiers: Vec::new(),
        })
        .collect();
    update(&mut conn, &DedupParams::default(), &docs).expect("update");
    let links: Vec<(String, String, String)> = conn
        .prepare("SELECT a, b, detail FROM dedup_links WHERE kind = 'photo'")
        .expect("links")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("links");
    for (a, b, detail) in &links {
        assert!(
            !seeds[a].is_disjoint(&seeds[b]),
            "{a} and {b} show different pictures but link: {detail}"
        );
        if let (Some(ca), Some(cb)) = (cluster.get(a), cluster.get(b)) {
            assert_eq!(ca, cb, "{a} and {b}: {detail}");
        }
    }
    let linked = |a: &str, b: &str| {
        links
            .iter()
            .find(|(x, y, _)| (x == a && y == b) || (x == b && y == a))
            .map(|(_, _, d)| d.clone())
    };
    for (a, b) in [
        ("market/70466", "forum/1237"),
        ("classifieds/40327", "channel/oglasnik_balkan/121"),
        ("classifieds/40205", "classifieds/40440"),
        ("classifieds/40205", "channel/oglasnik_balkan/126"),
    ] {
        let detail = linked(a, b).unwrap_or_else(|| panic!("{a} and {b} do not link"));
        assert!(detail.starts_with("similar photo dhash:"), "{detail}");
    }
    // Byte-identical photos still link by digest.
    let same = linked("classifieds/40440", "channel/oglasnik_balkan/126").expect("same photo");
    assert!(same.starts_with("same photo sha256:"), "{same}");
}

/// A `dedup_photos` table from before photo hashes gains its `dhash` and `color` columns.
#[test]
fn older_photo_table_gains_hash_columns() {
    let conn = Connection::open_in_memory().expect("db");
    conn.execute_batch(
        "CREATE TABLE dedup_photos (listing_id TEXT NOT NULL, site TEXT NOT NULL, url TEXT NOT NULL,
         digest TEXT, PRIMARY KEY (listing_id, url)) WITHOUT ROWID;
         INSERT INTO dedup_photos VALUES ('l', 's', 'u', 'sha256:00');",
    )
    .expect("old table");
    super::store::create(&conn).expect("create");
    super::store::create(&conn).expect("idempotent");
    assert!(super::store::has_column(&conn, "dedup_photos", "dhash").expect("dhash"));
    assert!(super::store::has_column(&conn, "dedup_photos", "color").expect("color"));
    let kept: String = conn
        .query_row(
            "SELECT digest FROM dedup_photos WHERE listing_id = 'l'",
            [],
            |r| r.get(0),
        )
        .expect("row kept");
    assert_eq!(kept, "sha256:00");
}
