//! The whole pipeline on the samples: serve → crawl → archive → rules → index → search.
//!
//! Crawling is the expensive part, so one test walks the whole story in order, each step
//! asserting on real outputs against the planted ground truth.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::harness::{Served, ground_truth, ok, run, search, strings};

fn ids(hits: &[Value]) -> BTreeSet<String> {
    hits.iter()
        .map(|h| {
            h["listing"]["listing_id"]
                .as_str()
                .expect("listing_id")
                .to_owned()
        })
        .collect()
}

fn sites(hits: &[Value]) -> BTreeSet<String> {
    hits.iter()
        .map(|h| h["listing"]["site"].as_str().expect("site").to_owned())
        .collect()
}

fn crawl(ws: &Path) -> String {
    ok(&["-w", ws.to_str().unwrap(), "crawl"])
}

#[test]
fn samples_are_crawled_archived_indexed_and_searchable() {
    let truth = ground_truth();
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let served = Served::start(&ws);
    assert_eq!(
        served.sites.len(),
        4,
        "four sample sites: {:?}",
        served.sites
    );

    // 1. Crawl: every listing page of every site ends up indexed, once.
    let report = crawl(&ws);
    assert!(report.contains("Crawled"), "{report}");
    let all = search(&ws, &[""]);
    let expected_listings = truth["counts"]["listings"].as_u64().unwrap() as usize;
    let truth_ids: BTreeSet<String> = truth["listings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            format!(
                "{}:{}",
                l["site"].as_str().unwrap(),
                l["listing_id"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        ids(&all),
        truth_ids,
        "indexed listings differ from the ground truth"
    );
    assert_eq!(all.len(), expected_listings);

    // 2. robots.txt is obeyed: the disallowed paths are linked everywhere but never captured
    //    (the forum's profile does not skip /private/, so only robots.txt keeps it out).
    let blocked: u64 = report
        .split(" blocked by robots.txt")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the crawl summary counts URLs blocked by robots.txt");
    assert!(blocked > 0, "nothing was blocked by robots.txt: {report}");
    let cdxj = std::fs::read_to_string(ws.join("archive/captures.cdxj")).unwrap();
    for blocked in ["/login/", "/private/", "/account/"] {
        assert!(
            !cdxj.lines().any(|line| line.contains(blocked)),
            "{blocked} was captured despite robots.txt"
        );
    }

    // 3. Cross-script search: a Latin query finds the Macedonian Cyrillic `Глок 19` ad, and a
    //    Cyrillic query finds the Serbian Latin `pištolj` ads.
    let glock = ids(&search(&ws, &["glock"]));
    for id in strings(&truth["required_cases"]["macedonian_cyrillic_glock_19"]) {
        assert!(
            glock.contains(&id),
            "`glock` does not find the Cyrillic ad {id}"
        );
    }
    let pistolj = ids(&search(&ws, &["пиштољ"]));
    let latin = strings(&truth["required_cases"]["serbian_latin_pistolj"]);
    assert!(
        latin.iter().any(|id| pistolj.contains(id)),
        "`пиштољ` finds none of the Latin `pištolj` ads {latin:?}; found {pistolj:?}"
    );
    let gl0ck = ids(&search(&ws, &["пиштол глок"]));
    for id in strings(&truth["required_cases"]["albanian_pistolete_gl0ck"]) {
        assert!(
            gl0ck.contains(&id),
            "`пиштол глок` does not find the Albanian `pistoletë gl0ck` ad {id}"
        );
    }

    // 4. A glue-gun "pistol" is indexed but not classed as a firearm sale.
    for id in strings(&truth["required_cases"]["glue_gun_negative"]) {
        let shown: Value = serde_json::from_str(&ok(&[
            "-w",
            ws.to_str().unwrap(),
            "show",
            &id,
            "--format",
            "json",
        ]))
        .unwrap();
        assert_eq!(
            shown["relevant"], false,
            "glue gun {id} judged relevant: {shown}"
        );
        assert!(
            !strings(&shown["categories"])
                .iter()
                .any(|c| c.starts_with("firearm")),
            "glue gun {id} has a firearm category: {shown}"
        );
        let relevant = ids(&search(&ws, &["silikon", "--relevant"]));
        assert!(
            !relevant.contains(&id),
            "--relevant still shows the glue gun {id}"
        );
    }

    // 5. One ad found on two sites: the repost's distinctive words find exactly its cluster.
    let c01 = &truth["clusters"]["C01"];
    let term = c01["distinctive_terms"][0].as_str().unwrap();
    let hits = search(&ws, &[term]);
    let members: BTreeSet<String> = strings(&c01["members"]).into_iter().collect();
    assert_eq!(ids(&hits), members, "search {term:?}");
    assert_eq!(
        sites(&hits).len(),
        2,
        "the repost should be found on two sites"
    );

    // 6. A seller's phone written three ways links listings on several sites by exact lookup.
    let a01 = &truth["actors"]["A01"];
    let phone = a01["shared_identifiers"][0]["normalized"].as_str().unwrap();
    let hits = search(&ws, &["--entity", &format!("phone:{phone}")]);
    let members: BTreeSet<String> = strings(&a01["members"]).into_iter().collect();
    assert!(
        members.is_subset(&ids(&hits)),
        "phone {phone}: expected {members:?}, found {:?}",
        ids(&hits)
    );
    assert!(sites(&hits).len() >= 2);

    // 7. Detection quality against the planted truth (a floor, not the target).
    let relevant = ids(&search(&ws, &["", "--relevant"]));
    let positives: BTreeSet<String> = truth["listings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["is_positive"] == true)
        .map(|l| {
            format!(
                "{}:{}",
                l["site"].as_str().unwrap(),
                l["listing_id"].as_str().unwrap()
            )
        })
        .collect();
    let true_pos = relevant.intersection(&positives).count() as f64;
    let precision = true_pos / relevant.len().max(1) as f64;
    let recall = true_pos / positives.len().max(1) as f64;
    eprintln!("relevance on the samples: precision {precision:.3}, recall {recall:.3}");
    assert!(
        precision >= 0.98,
        "precision {precision:.3} (false positives: {:?})",
        relevant.difference(&positives).collect::<Vec<_>>()
    );
    assert!(
        recall >= 0.98,
        "recall {recall:.3} (missed: {:?})",
        positives.difference(&relevant).collect::<Vec<_>>()
    );

    // 8. Every hit cites its capture, and the archive verifies.
    for hit in &all {
        let capture = &hit["listing"]["capture"];
        assert!(
            capture["payload_digest"]
                .as_str()
                .unwrap()
                .starts_with("sha256:")
        );
        assert!(
            ws.join("archive")
                .join(capture["warc_file"].as_str().unwrap())
                .is_file()
        );
    }
    let verify = run(&["-w", ws.to_str().unwrap(), "archive", "verify"]);
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );

    // 9. A second crawl neither duplicates listings nor loses them.
    crawl(&ws);
    let again = search(&ws, &[""]);
    assert_eq!(
        ids(&again),
        truth_ids,
        "a re-crawl changed the set of listings"
    );

    // 10. The index is rebuilt from the archive alone with the same results.
    let before = (
        ids(&search(&ws, &["glock"])),
        ids(&search(&ws, &["", "--relevant"])),
    );
    std::fs::remove_dir_all(ws.join("index")).unwrap();
    ok(&["-w", ws.to_str().unwrap(), "index", "rebuild"]);
    let after = (
        ids(&search(&ws, &["glock"])),
        ids(&search(&ws, &["", "--relevant"])),
    );
    assert_eq!(
        before, after,
        "rebuild from the archive changed the results"
    );

    // 11. `[rules] max_entities` limits what a listing keeps, and `show` says so.
    let config_path = ws.join("salwatch.toml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    assert!(config.contains("\npacks = []\n"), "{config}");
    let limited = config.replacen("\npacks = []\n", "\npacks = []\nmax_entities = 1\n", 1);
    std::fs::write(&config_path, limited).unwrap();
    ok(&["-w", ws.to_str().unwrap(), "index", "rebuild"]);
    let w = ws.to_str().unwrap();
    let shown: Value = serde_json::from_str(&ok(&[
        "-w",
        w,
        "show",
        "classifieds:40405",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(shown["entities"].as_array().unwrap().len(), 1, "{shown}");
    assert!(shown["entities_omitted"].as_u64().unwrap() > 0, "{shown}");
    let table = ok(&["-w", w, "show", "classifieds:40405"]);
    assert!(
        table.contains("past the rules' per-document limit"),
        "{table}"
    );

    // 12. One damaged record in the middle of the archive (a bad sector): `archive verify` names
    //     it and fails, and every other record is still read, so the index rebuilt from the
    //     archive loses nothing (the damaged record is a request: no page is in it).
    let before = (
        ids(&search(&ws, &["glock"])),
        ids(&search(&ws, &["", "--relevant"])),
    );
    let (file, request_at) = request_member_in_the_middle(&ws.join("archive"));
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[request_at..request_at + 10].fill(0);
    std::fs::write(&file, bytes).unwrap();
    let verify = run(&["-w", w, "archive", "verify"]);
    let said = String::from_utf8_lossy(&verify.stderr);
    assert_eq!(verify.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!("corrupt record at offset {request_at}"))
            && said.contains("reading went on there")
            && said.contains("1 unreadable"),
        "{said}"
    );
    std::fs::remove_dir_all(ws.join("index")).unwrap();
    let rebuild = run(&["-w", w, "index", "rebuild"]);
    let said = String::from_utf8_lossy(&rebuild.stderr);
    assert_eq!(rebuild.status.code(), Some(1), "{said}");
    assert!(
        said.contains("1 damaged archive record was skipped"),
        "{said}"
    );
    let after = (
        ids(&search(&ws, &["glock"])),
        ids(&search(&ws, &["", "--relevant"])),
    );
    assert_eq!(before, after, "a damaged record hid other captures");

    // 13. A WARC file gone from archive/ (moved, a disk not mounted): `archive verify` names it,
    //     and `index rebuild` refuses rather than rebuild an index without its listings.
    let moved = dir.path().join("moved.warc.gz");
    std::fs::rename(&file, &moved).unwrap();
    let verify = run(&["-w", w, "archive", "verify"]);
    let said = String::from_utf8_lossy(&verify.stderr);
    assert_eq!(verify.status.code(), Some(1), "{said}");
    let name = file.file_name().unwrap().to_str().unwrap();
    assert!(
        said.contains(&format!("{name}: missing from the archive")),
        "{said}"
    );
    let rebuild = run(&["-w", w, "index", "rebuild"]);
    let said = String::from_utf8_lossy(&rebuild.stderr);
    assert_eq!(rebuild.status.code(), Some(3), "{said}");
    assert!(
        said.contains("The index was left as it is") && said.contains(name),
        "{said}"
    );
    let kept = (
        ids(&search(&ws, &["glock"])),
        ids(&search(&ws, &["", "--relevant"])),
    );
    assert_eq!(kept, before, "a refused rebuild changed the index");
    // Asked to, it rebuilds from what is there: nothing, in this one-file archive.
    let forced = ok(&["-w", w, "index", "rebuild", "--allow-missing-files"]);
    assert!(forced.contains("0 pages read"), "{forced}");
    assert!(search(&ws, &["glock"]).is_empty());
    std::fs::rename(&moved, &file).unwrap();

    // 14. The CDXJ index lost: `archive verify` says how to get it back, and `archive reindex`
    //     rebuilds it from the WARC records line for line (the damaged record of step 12 is a
    //     request: skipped and counted, exit 1, no capture lost).
    let cdxj = ws.join("archive").join("captures.cdxj");
    let written = std::fs::read_to_string(&cdxj).unwrap();
    std::fs::remove_file(&cdxj).unwrap();
    let verify = run(&["-w", w, "archive", "verify"]);
    let said = String::from_utf8_lossy(&verify.stderr);
    assert_eq!(verify.status.code(), Some(1), "{said}");
    assert!(
        said.contains("captures.cdxj: missing") && said.contains("salwatch archive reindex"),
        "{said}"
    );
    let reindex = run(&["-w", w, "archive", "reindex"]);
    let said = String::from_utf8_lossy(&reindex.stderr);
    assert_eq!(reindex.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!(
            "{} captures from 1 WARC files",
            written.lines().count()
        )) && said.contains("1 damaged archive record was skipped"),
        "{said}"
    );
    assert_eq!(std::fs::read_to_string(&cdxj).unwrap(), written);
    let verify = run(&["-w", w, "archive", "verify"]);
    let said = String::from_utf8_lossy(&verify.stderr);
    assert!(
        !said.contains("captures.cdxj") && said.contains("1 unreadable"),
        "{said}"
    );
    drop(served);
}

/// The WARC file of a capture listed in the middle of the CDXJ index, and the offset of the
/// request record written just before that capture's response (the last member header the
/// writer makes, `1f 8b 08 00 00 00 00 00 04 ff`, before the response's offset).
fn request_member_in_the_middle(archive: &Path) -> (std::path::PathBuf, usize) {
    let cdxj = std::fs::read_to_string(archive.join("captures.cdxj")).unwrap();
    let lines: Vec<&str> = cdxj.lines().collect();
    let line = lines[lines.len() / 2];
    let entry: Value = serde_json::from_str(&line[line.find('{').unwrap()..]).unwrap();
    let file = archive.join(entry["filename"].as_str().unwrap());
    let response_at: usize = entry["offset"].as_str().unwrap().parse().unwrap();
    let bytes = std::fs::read(&file).unwrap();
    let header = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255];
    let request_at = bytes[..response_at]
        .windows(header.len())
        .rposition(|w| w == header)
        .unwrap();
    assert!(request_at > 0 && response_at - request_at < 4096);
    (file, request_at)
}
