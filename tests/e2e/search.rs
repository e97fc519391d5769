//! `salwatch search` and `salwatch show` against a crawled samples workspace: every filter, the
//! sorts, facets, the output formats, exact identifier lookup as typed, history after a second
//! crawl, searching while a crawl runs, and the exit codes of bad queries and broken indexes.
//!
//! The samples are served from a copy on disk so that the second crawl sees a changed price.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::harness::{Served, bin, copy_samples, ground_truth, ok, run, search, strings};

/// The listing whose price the test changes between the two crawls, and the prices.
const REPRICED: (&str, &str, &str) = ("classifieds:40405", "320 €", "280 €");
/// Its page in the samples.
const REPRICED_PAGE: &str = "sites/classifieds/shpallje/40405/index.html";

fn s(ws: &Path) -> &str {
    ws.to_str().unwrap()
}

fn id(hit: &Value) -> String {
    hit["listing"]["listing_id"].as_str().unwrap().to_owned()
}

fn ids(hits: &[Value]) -> BTreeSet<String> {
    hits.iter().map(id).collect()
}

/// Runs `salwatch -w WS ARGS` and returns (exit code, stderr).
fn fails(ws: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["-w", s(ws)];
    all.extend_from_slice(args);
    let out = run(&all);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn show(ws: &Path, listing: &str) -> Value {
    serde_json::from_str(&ok(&["-w", s(ws), "show", listing, "--format", "json"])).unwrap()
}

/// The walk: crawl once, check every filter, sort, facet and format, then crawl again with a
/// changed price while searching, and read the listing's history.
#[test]
fn search_filters_sorts_formats_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("samples");
    copy_samples(&samples);
    let ws = dir.path().join("ws");
    let served = Served::start_dir(&samples, &ws);
    ok(&["-w", s(&ws), "crawl"]);
    let truth = ground_truth();
    let all = search(&ws, &[""]);
    assert_eq!(
        all.len(),
        truth["counts"]["listings"].as_u64().unwrap() as usize
    );

    // --site: exactly the site's planted listings.
    let planted_on = |site: &str| -> BTreeSet<String> {
        truth["listings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["site"] == site)
            .map(|l| format!("{site}:{}", l["listing_id"].as_str().unwrap()))
            .collect()
    };
    assert_eq!(ids(&search(&ws, &["--site", "forum"])), planted_on("forum"));
    let two = ids(&search(&ws, &["--site", "forum", "--site", "market"]));
    assert_eq!(two, &planted_on("forum") | &planted_on("market"));

    // --category: a category and its parent; every hit carries it.
    let pistols = search(&ws, &["--category", "firearm/pistol"]);
    assert!(!pistols.is_empty());
    for h in &pistols {
        assert!(strings(&h["listing"]["categories"]).contains(&"firearm/pistol".to_owned()));
    }
    let firearms = search(&ws, &["--category", "firearm"]);
    assert!(ids(&pistols).is_subset(&ids(&firearms)) && firearms.len() > pistols.len());
    for h in &firearms {
        let cats = strings(&h["listing"]["categories"]);
        assert!(cats.iter().any(|c| c.starts_with("firearm/")), "{cats:?}");
    }

    // --eu-category (any case) and --flag.
    let eu_a = search(&ws, &["--eu-category", "a"]);
    assert!(!eu_a.is_empty());
    assert!(eu_a.iter().all(|h| h["listing"]["eu_category"] == "A"));
    let converted = search(&ws, &["--flag", "converted"]);
    assert!(!converted.is_empty());
    for h in &converted {
        assert!(strings(&h["listing"]["flags"]).contains(&"converted".to_owned()));
    }
    let both = search(&ws, &["--flag", "converted", "--eu-category", "B"]);
    assert!(ids(&both).is_subset(&ids(&converted)));

    // --since/--until: first seen (today) or posted date. Every sample was posted before the
    // crawl, so --until selects on the posted date alone: up to the end of the median day.
    let mut days: Vec<String> = truth["listings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["posted"].as_str().map(|p| p[..10].to_owned()))
        .collect();
    days.sort();
    let day = days[days.len() / 2].clone();
    let posted_early: BTreeSet<String> = truth["listings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["posted"].as_str().is_some_and(|p| p[..10] <= *day))
        .map(|l| {
            format!(
                "{}:{}",
                l["site"].as_str().unwrap(),
                l["listing_id"].as_str().unwrap()
            )
        })
        .collect();
    let until = format!("{day}T23:59:59Z");
    assert_eq!(
        ids(&search(&ws, &["--until", &until])),
        posted_early,
        "--until {until}"
    );
    assert!(posted_early.len() < all.len());
    assert_eq!(search(&ws, &["--since", "2000-01-01"]).len(), all.len());
    assert!(search(&ws, &["--since", "2100-01-01"]).is_empty());

    // --min-price/--max-price (EUR, converted) and --sort price: cheapest first.
    let mid = search(
        &ws,
        &[
            "--min-price",
            "200",
            "--max-price",
            "400",
            "--sort",
            "price",
        ],
    );
    assert!(!mid.is_empty());
    let prices: Vec<f64> = mid
        .iter()
        .map(|h| h["listing"]["price_eur"].as_f64().unwrap())
        .collect();
    assert!(
        prices.iter().all(|p| (200.0..=400.0).contains(p)),
        "{prices:?}"
    );
    assert!(
        prices.windows(2).all(|w| w[0] <= w[1]),
        "not cheapest first: {prices:?}"
    );
    let by_price = search(&ws, &["--sort", "price"]);
    let priced: Vec<Option<f64>> = by_price
        .iter()
        .map(|h| h["listing"]["price_eur"].as_f64())
        .collect();
    let first_unpriced = priced
        .iter()
        .position(Option::is_none)
        .unwrap_or(priced.len());
    assert!(
        priced[first_unpriced..].iter().all(Option::is_none),
        "unpriced listings last"
    );

    // --sort newest: posted (or first seen) date, newest first.
    let newest = search(&ws, &["--sort", "newest"]);
    let listed: Vec<String> = newest
        .iter()
        .map(|h| {
            let l = &h["listing"];
            l["posted_at"]
                .as_str()
                .or(l["first_seen"].as_str())
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(listed.windows(2).all(|w| w[0] >= w[1]), "not newest first");

    // --facets: the counts are those of the matching listings.
    let faceted: Value = serde_json::from_str(&ok(&[
        "-w",
        s(&ws),
        "search",
        "pistol",
        "--facets",
        "--format",
        "json",
        "--limit",
        "500",
    ]))
    .unwrap();
    let hits = faceted["hits"].as_array().unwrap();
    assert_eq!(faceted["total"].as_u64().unwrap() as usize, hits.len());
    let mut per_site: BTreeMap<String, u64> = BTreeMap::new();
    for h in hits {
        *per_site
            .entry(h["listing"]["site"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let facet_sites: BTreeMap<String, u64> = faceted["facets"]["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["value"].as_str().unwrap().to_owned(),
                v["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(facet_sites, per_site);
    let converted_facet = faceted["facets"]["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["value"] == "converted")
        .map_or(0, |v| v["count"].as_u64().unwrap());
    let converted_hits = hits
        .iter()
        .filter(|h| strings(&h["listing"]["flags"]).contains(&"converted".to_owned()))
        .count() as u64;
    assert_eq!(converted_facet, converted_hits);
    let table = ok(&["-w", s(&ws), "search", "pistol", "--facets"]);
    assert!(
        table.contains("FACET") && table.contains("converted"),
        "{table}"
    );

    // csv and ndjson give the same hits as json.
    let json_ids: Vec<String> = search(&ws, &["glock"]).iter().map(id).collect();
    let csv_text = ok(&[
        "-w",
        s(&ws),
        "search",
        "glock",
        "--format",
        "csv",
        "--limit",
        "500",
    ]);
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "listing");
    assert!(headers.iter().any(|h| h == "capture"));
    let csv_ids: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert_eq!(csv_ids, json_ids);
    let nd = ok(&[
        "-w",
        s(&ws),
        "search",
        "glock",
        "--format",
        "ndjson",
        "--limit",
        "500",
    ]);
    let nd_ids: Vec<String> = nd
        .lines()
        .map(|line| id(&serde_json::from_str::<Value>(line).unwrap()))
        .collect();
    assert_eq!(nd_ids, json_ids);

    // --entity as an analyst types it: a planted phone in national form with --region, in
    // international form with spaces, and a Telegram handle in another case.
    let a01 = &truth["actors"]["A01"];
    let phone = a01["shared_identifiers"][0]["normalized"].as_str().unwrap();
    let exact = ids(&search(&ws, &["--entity", &format!("phone:{phone}")]));
    assert!(!exact.is_empty());
    let (cc, national) = split_phone(phone);
    let spaced = format!("phone:+{cc} {national}");
    assert_eq!(ids(&search(&ws, &["--entity", &spaced])), exact, "{spaced}");
    let region = match cc {
        "389" => "MK",
        "383" => "XK",
        "355" => "AL",
        "381" => "RS",
        other => panic!("unexpected country code {other}"),
    };
    let local = format!("phone:0{national}");
    assert_eq!(
        ids(&search(&ws, &["--entity", &local, "--region", region])),
        exact,
        "{local} --region {region}"
    );
    let (code, err) = fails(
        &ws,
        &["search", "--entity", "phone:070 12", "--region", "MK"],
    );
    assert_eq!(code, Some(2), "{err}");
    let telegram = ids(&search(&ws, &["--entity", "telegram:@Tetova_Gjah"]));
    assert!(telegram.contains(REPRICED.0), "{telegram:?}");

    // Bad queries are usage errors (exit 2) that say what is wrong.
    for (args, needle) in [
        (vec!["search", "nosuchfield:glock"], "no field"),
        (vec!["search", "--entity", "shoe:42"], "unknown entity kind"),
        (vec!["search", "--since", "yesterday"], "not a date"),
        (vec!["search", "--eu-category", "E"], "A, B, C or D"),
        (vec!["search", "--min-price", "NaN"], "not a number"),
        (
            vec!["search", "--entity", "btc_address:bc1notanaddress"],
            "not a valid",
        ),
    ] {
        let (code, err) = fails(&ws, &args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }

    // Second crawl: the price changed; search while the crawl indexes in another process.
    let page = samples.join(REPRICED_PAGE);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains(REPRICED.1));
    std::fs::write(&page, html.replace(REPRICED.1, REPRICED.2)).unwrap();
    let mut crawl = Command::new(bin())
        .args(["-w", s(&ws), "crawl", "--recrawl", "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut searches = 0;
    loop {
        let during = search(&ws, &[""]);
        assert_eq!(
            ids(&during),
            ids(&all),
            "a search during the crawl lost listings"
        );
        searches += 1;
        if crawl.try_wait().unwrap().is_some() {
            break;
        }
    }
    let status = crawl.wait_with_output().unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(searches >= 2, "the crawl ended before a second search");
    drop(served);

    // show: the history has the price change, the captures both crawls.
    let shown = show(&ws, REPRICED.0);
    let events: Vec<(String, Value, Value)> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["event"].as_str().unwrap().to_owned(),
                h["old"].clone(),
                h["new"].clone(),
            )
        })
        .collect();
    assert_eq!(events[0].0, "first_seen", "{events:?}");
    assert!(
        events.contains(&("price_changed".into(), "320 EUR".into(), "280 EUR".into())),
        "{events:?}"
    );
    let captures = shown["captures"].as_array().unwrap();
    assert_eq!(captures.len(), 2, "{captures:?}");
    let record = |c: &Value| c["capture"]["record_id"].as_str().unwrap().to_owned();
    assert_ne!(record(&captures[0]), record(&captures[1]));
    assert_eq!(shown["capture"]["record_id"], record(&captures[1]).as_str());
    assert!(shown["last_seen"].as_str() > shown["first_seen"].as_str());
    assert_eq!(shown["price_amount"], 280.0);
    let table = ok(&["-w", s(&ws), "show", REPRICED.0]);
    for needle in [
        "Entities",
        "History",
        "price_changed",
        "Captures (2)",
        "sha256:",
        "@tetova_gjah",
    ] {
        assert!(table.contains(needle), "show lacks {needle:?}:\n{table}");
    }
    // An unchanged listing was seen twice, its history says so.
    let other = show(&ws, "forum:1225");
    let seen: Vec<&str> = other["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["event"].as_str().unwrap())
        .collect();
    assert_eq!(seen, ["first_seen", "seen"]);
    let (code, err) = fails(&ws, &["show", "classifieds:nope"]);
    assert_eq!(code, Some(2), "{err}");

    // A damaged index: exit 3 and the rebuild hint, for search and show; a rebuild heals it.
    damage_segments(&ws.join("index"));
    for args in [vec!["search", "glock"], vec!["show", REPRICED.0]] {
        let (code, err) = fails(&ws, &args);
        assert_eq!(code, Some(3), "{args:?}: {err}");
        assert!(err.contains("salwatch index rebuild"), "{args:?}: {err}");
    }
    ok(&["-w", s(&ws), "index", "rebuild"]);
    assert_eq!(ids(&search(&ws, &[""])), ids(&all));
    let changes = |v: &Value| -> Vec<(Value, Value, Value)> {
        v["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["event"].clone(), h["old"].clone(), h["new"].clone()))
            .collect()
    };
    let rebuilt = show(&ws, REPRICED.0);
    assert_eq!(
        changes(&rebuilt),
        changes(&shown),
        "rebuild changed the history"
    );
}

/// `+38970123456` → `("389", "70123456")` for the planted Balkan numbers.
fn split_phone(e164: &str) -> (&str, &str) {
    let digits = e164.strip_prefix('+').unwrap();
    digits.split_at(3)
}

/// Truncates every segment file of the index (the meta file stays valid).
fn damage_segments(index: &Path) {
    let files: Vec<PathBuf> = std::fs::read_dir(index)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            !name.ends_with(".json") && !name.starts_with('.')
        })
        .collect();
    assert!(!files.is_empty());
    for f in files {
        std::fs::write(f, b"damaged").unwrap();
    }
}

/// Without a crawl: a missing or unreadable index gives exit 3 and the rebuild hint, and an
/// index locked by a running writer still answers searches.
#[test]
fn missing_or_corrupt_index_exits_3_with_the_rebuild_hint() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    ok(&["init", s(&ws)]);
    let (code, err) = fails(&ws, &["search", "glock"]);
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("salwatch index rebuild"), "{err}");

    std::fs::create_dir_all(ws.join("index")).unwrap();
    std::fs::write(ws.join("index/meta.json"), "{ not json").unwrap();
    for args in [vec!["search", "glock"], vec!["show", "classifieds:1"]] {
        let (code, err) = fails(&ws, &args);
        assert_eq!(code, Some(3), "{args:?}: {err}");
        assert!(
            err.contains("unreadable") && err.contains("salwatch index rebuild"),
            "{err}"
        );
    }

    // A rebuild from the (empty) archive replaces the corrupt index: search works again.
    ok(&["-w", s(&ws), "index", "rebuild"]);
    assert!(search(&ws, &["glock"]).is_empty());
}
