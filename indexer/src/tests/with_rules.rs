//! Tests that run the real rules: the tokenizer's folding and the default pack.

use std::sync::Arc;

use salwatch_rules::RuleEngine;

use super::*;

fn multilingual(ws: &Workspace) {
    let items = vec![
        page(
            "tregu",
            "sq1",
            "Pistoletë Gl0ck 19",
            "Shes pistoletë gl0ck, çmimi 350€",
            "350€",
            1,
        ),
        page(
            "pazar",
            "mk1",
            "Пиштол Глок 17",
            "Продавам пиштол глок, цена 300 евра",
            "300 евра",
            2,
        ),
        page(
            "pazar",
            "mk2",
            "Велосипед",
            "Продавам велосипед",
            "50 евра",
            3,
        ),
    ];
    let mut ix = Indexer::open_without_rules(ws).unwrap();
    for p in items {
        ix.ingest_extracted(&p, extraction(&["firearm/pistol"], &[], Some("B"), vec![]))
            .unwrap();
    }
    ix.commit().unwrap();
}

/// The ids of every listing a text search finds, sorted.
fn sorted_ids_of(s: &Searcher, text: &str) -> Vec<String> {
    let mut found = ids(&search(
        s,
        SearchQuery {
            text: text.into(),
            ..SearchQuery::default()
        },
    ));
    found.sort();
    found
}

#[test]
fn cyrillic_and_latin_queries_meet() {
    let (_d, ws) = workspace();
    multilingual(&ws);
    let s = Searcher::open(&ws).unwrap();
    for q in [
        "пиштол глок",
        "pistol glock",
        "Глок",
        "glock",
        "pištolj",
        "p1stol",
    ] {
        assert_eq!(
            sorted_ids_of(&s, q),
            ["pazar:mk1", "tregu:sq1"],
            "query {q:?}"
        );
    }
    let r = search(
        &s,
        SearchQuery {
            text: "глок".into(),
            sites: vec!["tregu".into()],
            ..SearchQuery::default()
        },
    );
    assert!(
        r.hits[0].snippet.contains("**gl0ck**"),
        "{}",
        r.hits[0].snippet
    );
}

/// A word ending in `*` is a prefix search, folded as the index folds words (Cyrillic or Latin,
/// any case); with other words it is one more required word; too short a prefix is
/// refused with the reason.
#[test]
fn prefix_words_are_folded_and_searched() {
    let (_d, ws) = workspace();
    multilingual(&ws);
    let s = Searcher::open(&ws).unwrap();
    let find = |text: &str| sorted_ids_of(&s, text);
    for q in ["glo*", "GLO*", "гло*"] {
        assert_eq!(find(q), ["pazar:mk1", "tregu:sq1"], "{q}");
    }
    // `пиштол` folds to `pistol`, as `pistoletë` starts.
    assert_eq!(find("пишт*"), ["pazar:mk1", "tregu:sq1"]);
    assert_eq!(find("pist*"), ["pazar:mk1", "tregu:sq1"]);
    assert_eq!(find("велос*"), ["pazar:mk2"]);
    assert_eq!(find("glo* 17"), ["pazar:mk1"]);
    assert!(find("zzq*").is_empty());
    let err = s
        .search(&SearchQuery {
            text: "g*".into(),
            ..SearchQuery::default()
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("too short a prefix"), "{err}");
}

#[test]
fn ingest_runs_the_rules() {
    let (_d, ws) = workspace();
    let engine = Arc::new(RuleEngine::default_pack().unwrap());
    let mut p = page(
        "pazar",
        "7",
        "Glock 19 се продава",
        "Glock 19, цена 350€, тел 070 123 456",
        "350€",
        1,
    );
    p.fields.contacts = vec!["070 123 456".into()];
    let mut ix = Indexer::open(&ws, engine).unwrap();
    assert_eq!(ix.ingest(&p).unwrap(), IngestOutcome::New);
    ix.commit().unwrap();
    let s = Searcher::open(&ws).unwrap();
    let l = s.listing("pazar:7").unwrap().unwrap();
    assert!(l.relevant, "{l:?}");
    assert_eq!(l.price_eur, Some(350.0), "{l:?}");
    let q = SearchQuery {
        entity: Some(("phone".into(), "+38970123456".into())),
        ..SearchQuery::default()
    };
    assert_eq!(ids(&search(&s, q)), ["pazar:7"]);
}

/// A listing page whose text is over 1 MiB of Cyrillic (the rules read it in chunks) is
/// ingested like any other, its last phone included: it once stopped the indexer with a panic.
#[test]
fn a_cyrillic_page_over_a_mebibyte_is_ingested() {
    let (_d, ws) = workspace();
    let engine = Arc::new(RuleEngine::default_pack().unwrap());
    let mut ix = Indexer::open(&ws, engine).unwrap();
    // 1.2 MB of two-byte letters, shifted by one byte, so that for one of the two pages the
    // middle of the first chunk falls inside a character.
    for shift in ["", "x"] {
        let body = format!(
            "Продавам пиштол Глок, цена 350 евра. {shift}{} тел 071 999 888",
            "ш".repeat(600_000)
        );
        let id = format!("big{}", shift.len());
        let p = page("pazar", &id, "Пиштол Глок", &body, "350 евра", 1);
        assert!(p.text.len() > 1 << 20);
        assert_eq!(ix.ingest(&p).unwrap(), IngestOutcome::New);
    }
    ix.commit().unwrap();
    let s = Searcher::open(&ws).unwrap();
    let q = SearchQuery {
        entity: Some(("phone".into(), "+38971999888".into())),
        ..SearchQuery::default()
    };
    let mut found = ids(&search(&s, q));
    found.sort();
    assert_eq!(found, ["pazar:big0", "pazar:big1"]);
}

/// A page with more entities than the rules report per document keeps the first ones and the
/// count of the rest, which `show` prints; the listing is indexed as any other.
#[test]
fn entities_past_the_rules_limit_are_counted_in_the_listing() {
    let body: String = (0..10)
        .map(|i| format!("Prodajem Glock 19, 350 eur, tel 070 123 45{i}. "))
        .collect();
    let p = page("pazar", "dump", "Glock 19", &body, "350 eur", 1);
    let stored = |limit: usize| {
        let (_d, ws) = workspace();
        let engine = RuleEngine::default_pack().unwrap().with_entity_limit(limit);
        let mut ix = Indexer::open(&ws, Arc::new(engine)).unwrap();
        assert_eq!(ix.ingest(&p).unwrap(), IngestOutcome::New);
        ix.commit().unwrap();
        let s = Searcher::open(&ws).unwrap();
        s.listing("pazar:dump").unwrap().unwrap()
    };
    let (all, limited) = (stored(usize::MAX), stored(4));
    assert_eq!(all.entities_omitted, 0);
    assert!(all.entities.len() > 30, "{}", all.entities.len());
    assert_eq!(limited.entities, all.entities[..4]);
    assert_eq!(limited.entities_omitted, all.entities.len() - 4);
    assert_eq!((limited.relevant, limited.score), (all.relevant, all.score));
}

/// `ingest_many` (rules in parallel) gives the outcomes, listings and history of a page-by-page
/// `ingest`, re-crawls, gone pages and non-listings included.
#[test]
fn ingest_many_equals_ingest_one_by_one() {
    let engine = Arc::new(RuleEngine::default_pack().unwrap());
    let mut pages: Vec<Page> = crate::synth::listings(400, 5).map(|(p, _)| p).collect();
    let mut gone = pages[3].clone();
    gone.status = 410;
    gone.fetched_at += chrono::Duration::days(30);
    gone.capture.record_id = "<urn:uuid:gone>".into();
    pages.push(gone);
    let mut other = pages[5].clone();
    other.is_listing = false;
    other.capture.record_id = "<urn:uuid:other>".into();
    pages.insert(100, other);
    let run = |many: bool| {
        let (dir, ws) = workspace();
        let mut ix = Indexer::open(&ws, engine.clone()).unwrap();
        ix.set_dedup_enabled(false);
        let mut outcomes = Vec::new();
        for chunk in pages.chunks(64) {
            if many {
                outcomes.extend(ix.ingest_many(chunk).unwrap());
            } else {
                for p in chunk {
                    outcomes.push(ix.ingest(p).unwrap());
                }
            }
            ix.commit().unwrap();
        }
        drop(ix);
        let (listings, history) = everything(&ws);
        drop(dir);
        (outcomes, listings, history)
    };
    let one_by_one = run(false);
    assert!(one_by_one.0.contains(&IngestOutcome::Skipped));
    assert!(one_by_one.0.contains(&IngestOutcome::Updated));
    assert_eq!(run(true), one_by_one);
}
