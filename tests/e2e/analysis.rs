//! Analysis (issue #7) on the samples: dedup clusters, actors, timelines and cases.
//!
//! The samples are served from a copy on disk so that the test can change a listing's price and
//! take another listing down between two crawls, then read both changes off the timelines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::harness::{Served, copy_samples, ground_truth, ok, run, search, strings};

fn json(ws: &Path, args: &[&str]) -> Value {
    let mut all = vec!["-w", ws.to_str().unwrap()];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(&all)).unwrap()
}

fn listing_path(truth: &Value, id: &str) -> PathBuf {
    let l = truth["listings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| {
            format!(
                "{}:{}",
                l["site"].as_str().unwrap(),
                l["listing_id"].as_str().unwrap()
            ) == id
        })
        .unwrap();
    PathBuf::from(l["site"].as_str().unwrap())
        .join(l["path"].as_str().unwrap().trim_matches('/'))
        .join("index.html")
}

#[test]
fn reposts_cluster_actors_link_and_timelines_show_changes() {
    let truth = ground_truth();
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("samples");
    copy_samples(&samples);
    let ws = dir.path().join("ws");
    let served = Served::start_dir(&samples, &ws);
    let w = ws.to_str().unwrap();
    ok(&["-w", w, "crawl"]);

    // 1. Every planted repost cluster is one dedup cluster, and no two planted clusters merge.
    let clusters = json(&ws, &["dedup", "--format", "json"]);
    let mut cluster_of: BTreeMap<String, String> = BTreeMap::new();
    for c in clusters.as_array().unwrap() {
        for m in c["members"].as_array().unwrap() {
            cluster_of.insert(
                m["listing_id"].as_str().unwrap().to_owned(),
                c["cluster_id"].as_str().unwrap().to_owned(),
            );
        }
    }
    let mut seen_ids = BTreeSet::new();
    for (name, c) in truth["clusters"].as_object().unwrap() {
        let members = strings(&c["members"]);
        let ids: BTreeSet<Option<&String>> = members.iter().map(|m| cluster_of.get(m)).collect();
        assert_eq!(ids.len(), 1, "{name} {members:?} split over {ids:?}");
        let id = ids.into_iter().next().unwrap();
        assert!(id.is_some(), "{name} is not clustered");
        assert!(
            seen_ids.insert(id.unwrap().clone()),
            "{name} merged with another planted cluster"
        );
    }
    // The cluster id is in the index too (search hits carry it).
    let c01 = strings(&truth["clusters"]["C01"]["members"]);
    let hits = search(&ws, &["--entity", "telegram:@tetova_gjah"]);
    for hit in &hits {
        let id = hit["listing"]["listing_id"].as_str().unwrap();
        if c01.iter().any(|m| m == id) {
            assert_eq!(
                hit["listing"]["cluster_id"].as_str(),
                cluster_of.get(id).map(String::as_str)
            );
        }
    }
    // One cluster explained: its links name the kind and the two listings.
    let one = json(&ws, &["dedup", "--cluster", &c01[0], "--format", "json"]);
    let one = &one.as_array().unwrap()[0];
    assert_eq!(one["size"], 2, "{one}");
    assert!(!one["links"].as_array().unwrap().is_empty());

    // `search --collapse`: the repost's distinctive word finds both copies, shown as one hit.
    let term = truth["clusters"]["C01"]["distinctive_terms"][0]
        .as_str()
        .unwrap();
    assert_eq!(search(&ws, &[term]).len(), 2);
    let collapsed = search(&ws, &[term, "--collapse"]);
    assert_eq!(collapsed.len(), 1, "{collapsed:?}");
    assert_eq!(collapsed[0]["cluster_size"], 2);
    assert_eq!(collapsed[0]["matching"], 2);
    assert_eq!(collapsed[0]["cluster_sites"].as_array().unwrap().len(), 2);

    // 2. Sellers sharing a phone across sites form one actor; the links name the phone and the
    //    listings.
    let a01 = &truth["actors"]["A01"];
    let phone = a01["shared_identifiers"][0]["normalized"].as_str().unwrap();
    let members = strings(&a01["members"]);
    let actor = json(&ws, &["actor", &members[0], "--format", "json"]);
    let actor = &actor.as_array().unwrap()[0];
    let mut listings: Vec<String> = Vec::new();
    for acc in actor["accounts"].as_array().unwrap() {
        listings.extend(strings(&acc["listings"]));
    }
    for m in &members {
        assert!(listings.contains(m), "{m} not in actor {actor}");
    }
    let via_phone: BTreeSet<String> = actor["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["via"] == format!("phone:{phone}") && l["strength"] == "strong")
        .map(|l| l["listing_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        members.iter().all(|m| via_phone.contains(m)),
        "phone links {via_phone:?} vs {members:?}"
    );
    let actor_id = actor["actor_id"].as_str().unwrap().to_owned();
    let listed = json(&ws, &["actors", "--min-sites", "2", "--format", "json"]);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["actor_id"] == actor_id.as_str())
    );
    // Exports: GraphML and the CSV tables.
    let graphml = dir.path().join("actors.graphml");
    let csv_dir = dir.path().join("csv");
    ok(&[
        "-w",
        w,
        "actors",
        "--min-sites",
        "2",
        "--graphml",
        graphml.to_str().unwrap(),
        "--csv-dir",
        csv_dir.to_str().unwrap(),
    ]);
    let g = std::fs::read_to_string(&graphml).unwrap();
    assert!(
        g.contains(&format!("<node id=\"phone:{phone}\">")),
        "phone node missing"
    );
    let links_csv = std::fs::read_to_string(csv_dir.join("links.csv")).unwrap();
    assert!(links_csv.starts_with("source,target,type,weight,listing,first_seen"));
    assert!(links_csv.contains(&format!("phone:{phone}")));
    assert!(
        std::fs::read_to_string(csv_dir.join("entities.csv"))
            .unwrap()
            .contains("account:")
    );

    // 3. Between two crawls one listing's price changes and another disappears.
    let changed = "classifieds:40405";
    let removed = "forum:1246";
    let page = samples.join("sites").join(listing_path(&truth, changed));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("320 €"));
    std::fs::write(&page, html.replace("320 €", "290 €")).unwrap();
    let gone_dir = samples.join("sites").join(listing_path(&truth, removed));
    std::fs::remove_file(&gone_dir).unwrap();
    // A second server on new ports: every URL is new to the frontier (nothing is due for a
    // revisit yet), while listing ids do not depend on host or port.
    let ws2 = dir.path().join("ws2");
    let served2 = Served::start_dir(&samples, &ws2);
    std::fs::copy(ws2.join("salwatch.toml"), ws.join("salwatch.toml")).unwrap();
    ok(&["-w", w, "crawl"]);
    let events = json(&ws, &["timeline", "--listing", changed, "--format", "json"]);
    let events = events.as_array().unwrap();
    let price = events
        .iter()
        .find(|e| e["event"] == "price_changed")
        .unwrap_or_else(|| panic!("no price change in {events:?}"));
    assert_eq!(price["old"], "320 EUR");
    assert_eq!(price["new"], "290 EUR");
    assert_eq!(events[0]["event"], "first_seen");
    let gone = json(&ws, &["timeline", "--listing", removed, "--format", "json"]);
    assert!(
        gone.as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == "gone"),
        "no gone event: {gone}"
    );
    // The HTML page: self-contained, an SVG chart with a mark per event.
    let page = dir.path().join("t.html");
    ok(&[
        "-w",
        w,
        "timeline",
        "--listing",
        changed,
        "--html",
        page.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<svg") && html.contains("class=\"ev-price_changed\""));
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="));
    // An actor's timeline shows when its phone was first used.
    let at = json(&ws, &["timeline", "--actor", &actor_id, "--format", "json"]);
    assert!(
        at.as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == "identifier_first_used"
                && e["new"] == format!("phone:{phone}").as_str())
    );

    // 4. Cases with an audit log.
    ok(&["-w", w, "case", "new", "op-wolf", "--analyst", "ana"]);
    let dup = run(&["-w", w, "case", "new", "op-wolf", "--analyst", "ana"]);
    assert_eq!(dup.status.code(), Some(2));
    ok(&[
        "-w",
        w,
        "case",
        "add",
        "op-wolf",
        "--listing",
        changed,
        "--analyst",
        "ben",
    ]);
    ok(&[
        "-w",
        w,
        "case",
        "add",
        "op-wolf",
        "--actor",
        &actor_id,
        "--analyst",
        "ben",
    ]);
    ok(&[
        "-w",
        w,
        "case",
        "add",
        "op-wolf",
        "--query",
        "gdhendje",
        "--analyst",
        "ana",
    ]);
    ok(&[
        "-w",
        w,
        "case",
        "note",
        "op-wolf",
        "price dropped after the first crawl",
        "--analyst",
        "ana",
    ]);
    let bad = run(&[
        "-w",
        w,
        "case",
        "add",
        "op-wolf",
        "--listing",
        "nope:1",
        "--analyst",
        "ben",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let case = json(&ws, &["case", "show", "op-wolf", "--format", "json"]);
    let case = &case.as_array().unwrap()[0];
    assert_eq!(case["items"].as_array().unwrap().len(), 3);
    let audit: Vec<(String, String)> = case["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["analyst"].as_str().unwrap().to_owned(),
                a["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect: Vec<(String, String)> = [
        ("ana", "created"),
        ("ben", "added"),
        ("ben", "added"),
        ("ana", "added"),
        ("ana", "noted"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(audit, expect);
    let list = json(&ws, &["case", "list", "--format", "json"]);
    assert_eq!(list[0]["name"], "op-wolf");
    let case_events = json(&ws, &["timeline", "--case", "op-wolf", "--format", "json"]);
    let case_events = case_events.as_array().unwrap();
    assert!(
        case_events
            .iter()
            .any(|e| e["event"] == "price_changed" && e["listing_id"] == changed)
    );
    assert!(
        case_events
            .iter()
            .any(|e| e["event"] == "gone" && e["listing_id"] == removed)
    );
    drop(served);
    drop(served2);
}
