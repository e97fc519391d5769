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

/// Two unrelated sample photos (far apart by dHash).
fn two_unrelated_photos() -> (Vec<u8>, Vec<u8>) {
    let dir = format!("{}/sites/classifieds", samples());
    let mut files: Vec<String> = walk(&dir)
        .into_iter()
        .filter(|f| f.ends_with(".jpg") || f.ends_with(".png"))
        .collect();
    files.sort();
    let first = std::fs::read(&files[0]).expect("photo");
    let f0 = salwatch_crawler::photo::fingerprint(&first).expect("fingerprint");
    let other = files[1..]
        .iter()
        .map(|f| std::fs::read(f).expect("photo"))
        .find(|b| {
            salwatch_crawler::photo::fingerprint(b).is_ok_and(|f| f.dhash.distance(f0.dhash) > 20)
        })
        .expect("an unrelated photo");
    (first, other)
}

fn walk(dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(walk(p.to_str().expect("utf-8 path")));
        } else {
            out.push(p.to_str().expect("utf-8 path").to_owned());
        }
    }
    out
}

/// Listings `0..n` of one site, each showing photo `url_of(i)`, indexed in batches of 20, with
/// texts that share nothing; returns the database.
fn photo_listings(
    n: usize,
    photos: &BTreeMap<String, Vec<u8>>,
    url_of: impl Fn(usize) -> String,
) -> Connection {
    let mut conn = Connection::open_in_memory().expect("db");
    logged_photos(&conn, photos);
    let ids: Vec<String> = (0..n).map(|i| format!("classifieds/{i}")).collect();
    let urls: Vec<Vec<String>> = (0..n).map(|i| vec![url_of(i)]).collect();
    let texts: Vec<String> = (0..n).map(|i| format!("w{i}a w{i}b w{i}c")).collect();
    for batch in (0..n).collect::<Vec<_>>().chunks(20) {
        let docs: Vec<DedupDoc<'_>> = batch
            .iter()
            .map(|&i| DedupDoc {
                listing_id: &ids[i],
                site: "classifieds",
                first_seen: Utc.timestamp_opt(1_700_000_000 + i as i64, 0).unwrap(),
                text: texts[i].clone(),
                images: &urls[i],
                identifiers: Vec::new(),
            })
            .collect();
        update(&mut conn, &DedupParams::default(), &docs).expect("update");
    }
    conn
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).expect(sql)
}

/// A photo reposted by a few dozen listings joins them in one cluster through a bounded number
/// of links (a few per listing, not one per pair).
#[test]
fn a_photo_shared_by_a_few_dozen_listings_clusters_them_with_few_links() {
    let (photo, _) = two_unrelated_photos();
    let url = "http://classifieds.test/img/repost.jpg".to_string();
    let photos = BTreeMap::from([(url.clone(), photo)]);
    let n = super::MAX_LISTINGS_PER_PHOTO as usize;
    let conn = photo_listings(n, &photos, |_| url.clone());
    assert_eq!(
        count(
            &conn,
            "SELECT count(DISTINCT cluster_id) FROM dedup_members"
        ),
        1
    );
    let links = count(&conn, "SELECT count(*) FROM dedup_links");
    assert!(links <= 4 * n as i64, "{links} links for {n} listings");
}

/// A photo shown by more listings than a repost plausibly is (a site's "no photo" placeholder,
/// a logo) links none of them, also those linked before it passed the count; another photo
/// shared by two of them still links those two. (Every pair used to be linked: 2,000 listings
/// sharing a placeholder wrote 2 million links in 16 s and made one cluster of them.)
#[test]
fn a_photo_shown_by_too_many_listings_links_none_of_them() {
    let (placeholder, photo) = two_unrelated_photos();
    let shared = "http://classifieds.test/img/no-photo.png".to_string();
    let repost = "http://classifieds.test/img/repost.jpg".to_string();
    let photos = BTreeMap::from([(shared.clone(), placeholder), (repost.clone(), photo)]);
    let n = 3 * super::MAX_LISTINGS_PER_PHOTO as usize;
    let conn = photo_listings(n, &photos, |i| {
        if i == 7 || i == n - 3 {
            repost.clone()
        } else {
            shared.clone()
        }
    });
    let links: Vec<(String, String)> = conn
        .prepare("SELECT a, b FROM dedup_links")
        .expect("links")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("links");
    let pair = (
        "classifieds/7".to_string(),
        format!("classifieds/{}", n - 3),
    );
    let sorted = |(a, b): (String, String)| if a <= b { (a, b) } else { (b, a) };
    assert_eq!(links, vec![sorted(pair)]);
    assert_eq!(
        count(
            &conn,
            "SELECT count(DISTINCT cluster_id) FROM dedup_members"
        ),
        n as i64 - 1
    );
}
