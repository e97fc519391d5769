//! Crate tests with a temporary workspace and hand-made pages and extractions.

use chrono::{DateTime, TimeZone, Utc};
use salwatch_crawler::{CaptureRef, Page, PageFields, Route, Workspace};
use salwatch_rules::{Entity, Extraction, PackRef};

use crate::*;

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, 12, 0, 0).unwrap()
}

fn workspace() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::new(dir.path().join("ws"));
    ws.create_dirs().unwrap();
    (dir, ws)
}

/// A listing page with profile fields.
fn page(site: &str, id: &str, title: &str, body: &str, price: &str, day: u32) -> Page {
    Page {
        site: site.into(),
        url: format!("http://{site}.test/ad/{id}"),
        fetched_at: at(day),
        status: 200,
        content_type: "text/html".into(),
        route: Route::Clearnet,
        is_listing: true,
        fields: PageFields {
            listing_id: Some(id.into()),
            title: Some(title.into()),
            description: Some(body.into()),
            price: Some(price.into()).filter(|p: &String| !p.is_empty()),
            seller: Some(format!("seller-{site}")),
            ..PageFields::default()
        },
        text: format!("{title}\n{body}"),
        phone_region: Some("MK".into()),
        capture: CaptureRef {
            warc_file: "salwatch-00000.warc.gz".into(),
            offset: u64::from(day) * 1000,
            length: 900,
            record_id: format!("<urn:uuid:{site}-{id}-{day}>"),
            payload_digest: format!("sha256:{site}{id}{day}"),
        },
    }
}

fn entity(kind: &str, normalized: &str) -> Entity {
    Entity {
        kind: kind.into(),
        value: normalized.into(),
        normalized: normalized.into(),
        span: [0, 1],
        rule: format!("test.{kind}"),
        make: None,
        model: None,
        amount: None,
        currency: None,
    }
}

fn price(amount: f64, currency: &str) -> Entity {
    Entity {
        amount: Some(amount),
        currency: Some(currency.into()),
        ..entity("price", &format!("{amount} {currency}"))
    }
}

fn extraction(
    categories: &[&str],
    flags: &[&str],
    eu: Option<&str>,
    entities: Vec<Entity>,
) -> Extraction {
    Extraction {
        id: "x".into(),
        relevant: !categories.is_empty(),
        score: if categories.is_empty() { 0.1 } else { 0.9 },
        language: Some("sq".into()),
        categories: categories.iter().map(|s| s.to_string()).collect(),
        eu_category: eu.map(str::to_string),
        eu_category_reason: None,
        flags: flags.iter().map(|s| s.to_string()).collect(),
        entities,
        entities_omitted: 0,
        rule_pack: PackRef {
            id: "salw-core".into(),
            version: "2026.11.0".into(),
        },
        rule_packs: Vec::new(),
    }
}

/// Four listings on two sites.
fn corpus() -> Vec<(Page, Extraction)> {
    vec![
        (
            page(
                "bazar",
                "1",
                "Glock 19",
                "Glock 19 pistol, like new",
                "400 EUR",
                1,
            ),
            extraction(
                &["firearm/pistol"],
                &[],
                Some("B"),
                vec![price(400.0, "EUR"), entity("phone", "+38970123456")],
            ),
        ),
        (
            page(
                "bazar",
                "2",
                "Zoraki 917",
                "converted blank pistol",
                "12300 MKD",
                3,
            ),
            extraction(
                &["firearm/pistol"],
                &["converted"],
                Some("B"),
                vec![price(12300.0, "MKD"), entity("telegram", "@gunsmk")],
            ),
        ),
        (
            page(
                "tregu",
                "a",
                "M70 automatik",
                "kallashnikov M70 rifle",
                "600 EUR",
                2,
            ),
            extraction(
                &["firearm/assault_rifle"],
                &["automatic"],
                Some("A"),
                vec![price(600.0, "EUR"), entity("phone", "+38970123456")],
            ),
        ),
        (
            page("tregu", "b", "Silicone gun", "tool for silicone", "", 4),
            extraction(&[], &[], None, vec![]),
        ),
    ]
}

fn ingest_all(ws: &Workspace, items: &[(Page, Extraction)]) {
    let mut ix = Indexer::open_without_rules(ws).unwrap();
    for (p, e) in items {
        ix.ingest_extracted(p, e.clone()).unwrap();
    }
    ix.commit().unwrap();
}

/// Every listing of the workspace's index (by id: the indexing threads share documents out
/// between segments in any order) and their history, to compare two ways of ingesting.
fn everything(ws: &Workspace) -> (Vec<Listing>, Vec<HistoryEvent>) {
    let s = Searcher::open(ws).unwrap();
    let top = s
        .search(&SearchQuery {
            limit: 1_000,
            ..SearchQuery::default()
        })
        .unwrap();
    assert_eq!(top.total as u64, s.count_all().unwrap());
    let mut listings: Vec<Listing> = top.hits.into_iter().map(|h| h.listing).collect();
    listings.sort_by(|a, b| a.listing_id.cmp(&b.listing_id));
    let history = listings
        .iter()
        .flat_map(|l| s.history(&l.listing_id).unwrap())
        .collect();
    (listings, history)
}

/// `back` (listing `bazar:1` served again on day 9 after it went away) brings the listing back:
/// not gone, last seen that day, and a history of first seen, gone, reappeared.
fn reappears(ix: &mut Indexer, s: &Searcher, back: &Page, e: Extraction) {
    assert_eq!(
        ix.ingest_extracted(back, e).unwrap(),
        IngestOutcome::Updated
    );
    ix.commit().unwrap();
    s.reload().unwrap();
    let l = s.listing("bazar:1").unwrap().unwrap();
    assert_eq!((l.gone_at, l.last_seen), (None, at(9)));
    let events: Vec<_> = s
        .history("bazar:1")
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(events, ["first_seen", "gone", "reappeared"]);
}

fn ids(r: &SearchResults) -> Vec<String> {
    r.hits
        .iter()
        .map(|h| h.listing.listing_id.clone())
        .collect()
}

fn search(s: &Searcher, q: SearchQuery) -> SearchResults {
    s.search(&q).unwrap()
}

#[test]
fn same_page_twice_is_one_listing() {
    let (_d, ws) = workspace();
    let (p, e) = corpus().remove(0);
    let mut ix = Indexer::open_without_rules(&ws).unwrap();
    assert_eq!(
        ix.ingest_extracted(&p, e.clone()).unwrap(),
        IngestOutcome::New
    );
    assert_eq!(
        ix.ingest_extracted(&p, e.clone()).unwrap(),
        IngestOutcome::Unchanged
    );
    ix.commit().unwrap();
    assert_eq!(
        ix.ingest_extracted(&p, e).unwrap(),
        IngestOutcome::Unchanged
    );
    ix.commit().unwrap();
    drop(ix);
    let s = Searcher::open(&ws).unwrap();
    let all = search(&s, SearchQuery::default());
    assert_eq!(all.total, 1);
    assert_eq!(ids(&all), ["bazar:1"]);
    let h = s.history("bazar:1").unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].event, "first_seen");
    assert_eq!(h[0].new.as_deref(), Some("400 EUR"));
    assert_eq!(s.captures("bazar:1").unwrap().len(), 1);
}

#[test]
fn recrawl_records_price_change_and_last_seen() {
    let (_d, ws) = workspace();
    let (p1, e1) = corpus().remove(0);
    let mut p2 = page(
        "bazar",
        "1",
        "Glock 19",
        "Glock 19 pistol, like new",
        "350 EUR",
        5,
    );
    p2.fields.seller = p1.fields.seller.clone();
    let mut e2 = e1.clone();
    e2.entities[0] = price(350.0, "EUR");
    let p3 = page(
        "bazar",
        "1",
        "Glock 19",
        "Glock 19 pistol, like new",
        "350 EUR",
        6,
    );
    let mut ix = Indexer::open_without_rules(&ws).unwrap();
    assert_eq!(ix.ingest_extracted(&p1, e1).unwrap(), IngestOutcome::New);
    ix.commit().unwrap();
    assert_eq!(
        ix.ingest_extracted(&p2, e2.clone()).unwrap(),
        IngestOutcome::Updated
    );
    assert_eq!(
        ix.ingest_extracted(&p3, e2).unwrap(),
        IngestOutcome::Unchanged
    );
    ix.commit().unwrap();
    drop(ix);
    let s = Searcher::open(&ws).unwrap();
    let l = s.listing("bazar:1").unwrap().unwrap();
    assert_eq!(l.first_seen, at(1));
    assert_eq!(l.last_seen, at(6));
    assert_eq!(l.price_eur, Some(350.0));
    assert_eq!(l.price_text.as_deref(), Some("350 EUR"));
    assert_eq!(l.capture.record_id, "<urn:uuid:bazar-1-6>");
    let h = s.history("bazar:1").unwrap();
    let events: Vec<_> = h.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        events,
        ["first_seen", "price_changed", "text_changed", "seen"]
    );
    assert_eq!(h[1].old.as_deref(), Some("400 EUR"));
    assert_eq!(h[1].new.as_deref(), Some("350 EUR"));
    assert_eq!(s.captures("bazar:1").unwrap().len(), 3);
    assert_eq!(search(&s, SearchQuery::default()).total, 1);
}

#[test]
fn entity_exact_lookup() {
    let (_d, ws) = workspace();
    ingest_all(&ws, &corpus());
    let s = Searcher::open(&ws).unwrap();
    let q = |kind: &str, v: &str| SearchQuery {
        entity: Some((kind.into(), v.into())),
        ..SearchQuery::default()
    };
    let mut found = ids(&search(&s, q("phone", "+38970123456")));
    found.sort();
    assert_eq!(found, ["bazar:1", "tregu:a"]);
    assert_eq!(ids(&search(&s, q("telegram", "@gunsmk"))), ["bazar:2"]);
    assert_eq!(search(&s, q("phone", "+3897012345")).total, 0);
}

#[test]
fn filters() {
    let (_d, ws) = workspace();
    ingest_all(&ws, &corpus());
    let s = Searcher::open(&ws).unwrap();
    let sorted = |q: SearchQuery| {
        let mut v = ids(&search(&s, q));
        v.sort();
        v
    };
    let d = SearchQuery::default;
    assert_eq!(
        sorted(SearchQuery {
            sites: vec!["tregu".into()],
            ..d()
        }),
        ["tregu:a", "tregu:b"]
    );
    assert_eq!(
        sorted(SearchQuery {
            categories: vec!["firearm".into()],
            ..d()
        }),
        ["bazar:1", "bazar:2", "tregu:a"]
    );
    assert_eq!(
        sorted(SearchQuery {
            categories: vec!["firearm/assault_rifle".into()],
            ..d()
        }),
        ["tregu:a"]
    );
    // 12300 MKD is 200 EUR.
    assert_eq!(
        sorted(SearchQuery {
            min_price_eur: Some(150.0),
            max_price_eur: Some(450.0),
            ..d()
        }),
        ["bazar:1", "bazar:2"]
    );
    assert_eq!(
        sorted(SearchQuery {
            since: Some(at(3)),
            ..d()
        }),
        ["bazar:2", "tregu:b"]
    );
    assert_eq!(
        sorted(SearchQuery {
            since: Some(at(2)),
            until: Some(at(3)),
            ..d()
        }),
        ["bazar:2", "tregu:a"]
    );
    assert_eq!(
        sorted(SearchQuery {
            eu_category: Some("A".into()),
            ..d()
        }),
        ["tregu:a"]
    );
    assert_eq!(
        sorted(SearchQuery {
            flags: vec!["converted".into()],
            ..d()
        }),
        ["bazar:2"]
    );
    assert_eq!(
        sorted(SearchQuery {
            flags: vec!["converted".into(), "automatic".into()],
            ..d()
        }),
        Vec::<String>::new()
    );
    assert_eq!(
        sorted(SearchQuery {
            relevant_only: true,
            ..d()
        })
        .len(),
        3
    );
    assert_eq!(
        sorted(SearchQuery {
            sites: vec!["bazar".into()],
            flags: vec!["converted".into()],
            ..d()
        }),
        ["bazar:2"]
    );
}

#[test]
fn sort_orders_and_paging() {
    let (_d, ws) = workspace();
    ingest_all(&ws, &corpus());
    let s = Searcher::open(&ws).unwrap();
    let by_price = search(
        &s,
        SearchQuery {
            sort: SortOrder::Price,
            ..SearchQuery::default()
        },
    );
    assert_eq!(ids(&by_price), ["bazar:2", "bazar:1", "tregu:a", "tregu:b"]);
    let newest = search(
        &s,
        SearchQuery {
            sort: SortOrder::Newest,
            ..SearchQuery::default()
        },
    );
    assert_eq!(ids(&newest), ["tregu:b", "bazar:2", "tregu:a", "bazar:1"]);
    let page2 = search(
        &s,
        SearchQuery {
            sort: SortOrder::Newest,
            limit: 2,
            offset: 2,
            ..SearchQuery::default()
        },
    );
    assert_eq!(page2.total, 4);
    assert_eq!(ids(&page2), ["tregu:a", "bazar:1"]);
    let count_only = search(
        &s,
        SearchQuery {
            limit: 0,
            ..SearchQuery::default()
        },
    );
    assert_eq!((count_only.total, count_only.hits.len()), (4, 0));
}

#[test]
fn posted_date_drives_newest() {
    let (_d, ws) = workspace();
    let mut items = corpus();
    items[0].0.fields.posted = Some("2026-11-20".into());
    ingest_all(&ws, &items);
    let s = Searcher::open(&ws).unwrap();
    let newest = search(
        &s,
        SearchQuery {
            sort: SortOrder::Newest,
            limit: 1,
            ..SearchQuery::default()
        },
    );
    assert_eq!(ids(&newest), ["bazar:1"]);
    let l = &newest.hits[0].listing;
    assert_eq!(
        l.posted_at,
        Some(Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap())
    );
}

#[test]
fn summary_and_facets() {
    let (_d, ws) = workspace();
    ingest_all(&ws, &corpus());
    let s = Searcher::open(&ws).unwrap();
    let sum = s.summary().unwrap();
    assert_eq!((sum.listings, sum.relevant), (4, 3));
    assert_eq!(
        sum.sites,
        [
            SiteCount {
                site: "bazar".into(),
                listings: 2,
                relevant: 2
            },
            SiteCount {
                site: "tregu".into(),
                listings: 2,
                relevant: 1
            },
        ]
    );
    let vc = |v: &str, count| ValueCount {
        value: v.into(),
        count,
    };
    assert_eq!(
        sum.categories,
        [vc("firearm/pistol", 2), vc("firearm/assault_rifle", 1)]
    );
    assert_eq!(sum.eu_categories, [vc("B", 2), vc("A", 1)]);
    assert_eq!(sum.flags, [vc("automatic", 1), vc("converted", 1)]);

    let r = search(
        &s,
        SearchQuery {
            relevant_only: true,
            facets: true,
            limit: 0,
            ..SearchQuery::default()
        },
    );
    let f = r.facets.unwrap();
    assert_eq!(f.sites, [vc("bazar", 2), vc("tregu", 1)]);
    assert_eq!(f.languages, [vc("sq", 3)]);
}

#[test]
fn summary_ignores_replaced_versions() {
    let (_d, ws) = workspace();
    let items = corpus();
    let mut ix = Indexer::open_without_rules(&ws).unwrap();
    for day in [1, 2, 3] {
        let mut p = items[0].0.clone();
        p.fetched_at = at(day);
        p.capture.record_id = format!("<urn:uuid:{day}>");
        ix.ingest_extracted(&p, items[0].1.clone()).unwrap();
        ix.commit().unwrap();
    }
    drop(ix);
    let s = Searcher::open(&ws).unwrap();
    assert_eq!(s.summary().unwrap().listings, 1);
    assert_eq!(s.summary().unwrap().sites[0].listings, 1);
}

#[test]
fn identifiers_shared_across_sites() {
    let (_d, ws) = workspace();
    ingest_all(&ws, &corpus());
    let s = Searcher::open(&ws).unwrap();
    let shared = s.shared_identifiers(2).unwrap();
    assert_eq!(shared.len(), 1);
    let id = &shared[0];
    assert_eq!(
        (id.kind.as_str(), id.value.as_str(), id.sites),
        ("phone", "+38970123456", 2)
    );
    let carriers: Vec<_> = id
        .listings
        .iter()
        .map(|c| {
            (
                c.site.as_str(),
                c.seller.as_deref(),
                c.listing_id.as_str(),
                c.first_seen,
            )
        })
        .collect();
    assert_eq!(
        carriers,
        [
            ("bazar", Some("seller-bazar"), "bazar:1", at(1)),
            ("tregu", Some("seller-tregu"), "tregu:a", at(2)),
        ]
    );
    // One site is enough with min_sites 1: both the phone and the telegram handle.
    assert_eq!(s.shared_identifiers(1).unwrap().len(), 2);
    assert!(s.shared_identifiers(3).unwrap().is_empty());
}

#[test]
fn rebuild_gives_the_same_results() {
    let (_d, ws) = workspace();
    let mut items = corpus();
    // A re-crawl with a new price, so history has more than first_seen.
    let mut again = items[1].clone();
    again.0.fetched_at = at(7);
    again.0.capture.record_id = "<urn:uuid:again>".into();
    again.0.fields.price = Some("14000 MKD".into());
    again.1.entities[0] = price(14000.0, "MKD");
    items.push(again);
    ingest_all(&ws, &items);
    let snapshot = |ws: &Workspace| {
        let s = Searcher::open(ws).unwrap();
        let mut out = Vec::new();
        for sort in [SortOrder::Price, SortOrder::Newest] {
            out.push(format!(
                "{:?}",
                ids(&search(
                    &s,
                    SearchQuery {
                        sort,
                        ..SearchQuery::default()
                    }
                ))
            ));
        }
        for id in ["bazar:1", "bazar:2", "tregu:a", "tregu:b"] {
            out.push(serde_json::to_string(&s.listing(id).unwrap()).unwrap());
            let h: Vec<_> = s
                .history(id)
                .unwrap()
                .into_iter()
                .map(|e| (e.at, e.event, e.old, e.new))
                .collect();
            out.push(format!("{h:?}"));
        }
        out.push(format!("{:?}", s.summary().unwrap()));
        out.push(format!("{:?}", s.shared_identifiers(1).unwrap()));
        out
    };
    let before = snapshot(&ws);
    let progress = std::cell::Cell::new(0);
    let stats = rebuild_extracted(
        &ws,
        items
            .into_iter()
            .map(Ok::<_, String>)
            .chain([Err("bad record".to_string())]),
        &|n| progress.set(n),
    )
    .unwrap();
    assert_eq!(
        (stats.pages, stats.new, stats.updated, stats.read_errors),
        (6, 4, 1, 1)
    );
    assert_eq!(progress.get(), 6);
    assert_eq!(snapshot(&ws), before);
}

#[test]
fn missing_index_says_rebuild() {
    let (_d, ws) = workspace();
    let err = Searcher::open(&ws).unwrap_err();
    assert!(matches!(err, IndexError::Missing { .. }), "{err}");
    assert!(err.to_string().contains("salwatch index rebuild"), "{err}");
}

#[test]
fn second_writer_is_locked_but_readers_are_not() {
    let (_d, ws) = workspace();
    let mut ix = Indexer::open_without_rules(&ws).unwrap();
    let err = Indexer::open_without_rules(&ws).unwrap_err();
    assert!(matches!(err, IndexError::Locked { .. }), "{err}");
    assert!(err.to_string().contains("salwatch index rebuild"));
    // Search while the writer indexes: commits become visible after a reload.
    let s = Searcher::open(&ws).unwrap();
    assert_eq!(search(&s, SearchQuery::default()).total, 0);
    let (p, e) = corpus().remove(0);
    ix.ingest_extracted(&p, e).unwrap();
    assert_eq!(search(&s, SearchQuery::default()).total, 0);
    ix.commit().unwrap();
    s.reload().unwrap();
    assert_eq!(search(&s, SearchQuery::default()).total, 1);
    // A rebuild refuses to run under a live writer.
    let err = rebuild_extracted(
        &ws,
        std::iter::empty::<Result<(Page, Extraction), String>>(),
        &|_| {},
    )
    .unwrap_err();
    assert!(matches!(err, IndexError::Locked { .. }), "{err}");
}

#[test]
fn uncommitted_work_is_lost_but_last_commit_stays() {
    let (_d, ws) = workspace();
    let items = corpus();
    let mut ix = Indexer::open_without_rules(&ws).unwrap();
    ix.ingest_extracted(&items[0].0, items[0].1.clone())
        .unwrap();
    ix.commit().unwrap();
    ix.ingest_extracted(&items[1].0, items[1].1.clone())
        .unwrap();
    drop(ix); // killed before its next commit
    let s = Searcher::open(&ws).unwrap();
    assert_eq!(ids(&search(&s, SearchQuery::default())), ["bazar:1"]);
    assert!(s.history("bazar:2").unwrap().is_empty());
}

#[test]
fn non_listing_pages_are_skipped() {
    let (_d, ws) = workspace();
    let (mut p, e) = corpus().remove(0);
    p.is_listing = false;
    let mut ix = Indexer::open_without_rules(&ws).unwrap();
    assert_eq!(
        ix.ingest_extracted(&p, e.clone()).unwrap(),
        IngestOutcome::Skipped
    );
    p.is_listing = true;
    p.status = 404;
    assert_eq!(ix.ingest_extracted(&p, e).unwrap(), IngestOutcome::Skipped);
    assert!(matches!(ix.ingest(&p), Ok(IngestOutcome::Skipped)));
    p.status = 200;
    assert!(matches!(ix.ingest(&p), Err(IndexError::NoRuleEngine)));
}

#[test]
fn text_search_with_snippets() {
    let (_d, ws) = workspace();
    ingest_all(&ws, &corpus());
    let s = Searcher::open(&ws).unwrap();
    let r = search(
        &s,
        SearchQuery {
            text: "glock".into(),
            ..SearchQuery::default()
        },
    );
    assert_eq!(ids(&r), ["bazar:1"]);
    assert!(r.hits[0].score > 0.0);
    assert!(
        r.hits[0].snippet.contains("**Glock**"),
        "{}",
        r.hits[0].snippet
    );
    // Words are ANDed; filters combine with text.
    assert_eq!(
        search(
            &s,
            SearchQuery {
                text: "glock rifle".into(),
                ..SearchQuery::default()
            }
        )
        .total,
        0
    );
    let r = search(
        &s,
        SearchQuery {
            text: "pistol".into(),
            sites: vec!["tregu".into()],
            ..SearchQuery::default()
        },
    );
    assert_eq!(r.total, 0);
    // A syntax error is searched leniently, with a warning.
    let r = search(
        &s,
        SearchQuery {
            text: "glock AND (".into(),
            ..SearchQuery::default()
        },
    );
    assert_eq!(ids(&r), ["bazar:1"]);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    // A text of more words than a search takes is refused, with the count and the limit.
    let longest = vec!["glock"; crate::query::MAX_QUERY_WORDS].join(" ");
    let r = search(
        &s,
        SearchQuery {
            text: longest.clone(),
            ..SearchQuery::default()
        },
    );
    assert_eq!(ids(&r), ["bazar:1"]);
    let err = s
        .search(&SearchQuery {
            text: format!("{longest} glock"),
            ..SearchQuery::default()
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("513 words"), "{err}");
    assert!(err.contains("at most 512"), "{err}");
    // Parentheses nested as deep as a search takes are searched; one level more is refused
    // with the depth and the limit, and so is a depth that used to overflow the parser's stack
    // (each level doubled tantivy's parse time: the refusal is what keeps this test fast).
    let nested = |depth: usize| format!("{}glock{}", "(".repeat(depth), ")".repeat(depth));
    let r = search(
        &s,
        SearchQuery {
            text: nested(crate::query::MAX_QUERY_NESTING),
            ..SearchQuery::default()
        },
    );
    assert_eq!(ids(&r), ["bazar:1"]);
    for depth in [crate::query::MAX_QUERY_NESTING + 1, 100_000] {
        let err = s
            .search(&SearchQuery {
                text: nested(depth),
                ..SearchQuery::default()
            })
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("{depth} deep")), "{err}");
        assert!(err.contains("at most 12 levels"), "{err}");
    }
}

#[test]
fn gone_and_reappeared() {
    let (_d, ws) = workspace();
    let (p1, e1) = corpus().remove(0);
    let mut gone = p1.clone();
    gone.status = 404;
    gone.fetched_at = at(4);
    gone.capture.record_id = "<urn:uuid:404>".into();
    let mut back = p1.clone();
    back.fetched_at = at(9);
    back.capture.record_id = "<urn:uuid:back>".into();
    let mut ix = Indexer::open_without_rules(&ws).unwrap();
    assert_eq!(
        ix.ingest_extracted(&p1, e1.clone()).unwrap(),
        IngestOutcome::New
    );
    ix.commit().unwrap();
    assert_eq!(
        ix.ingest_extracted(&gone, e1.clone()).unwrap(),
        IngestOutcome::Updated
    );
    assert_eq!(
        ix.ingest_extracted(&gone, e1.clone()).unwrap(),
        IngestOutcome::Unchanged
    );
    ix.commit().unwrap();
    let s = Searcher::open(&ws).unwrap();
    let l = s.listing("bazar:1").unwrap().unwrap();
    assert_eq!((l.gone_at, l.last_seen), (Some(at(4)), at(1)));
    reappears(&mut ix, &s, &back, e1);
    assert_eq!(s.captures("bazar:1").unwrap().len(), 3);
    assert_eq!(search(&s, SearchQuery::default()).total, 1);
}

#[test]
fn older_capture_only_widens_first_seen() {
    let (_d, ws) = workspace();
    let (p5, e) = {
        let (mut p, e) = corpus().remove(0);
        p.fetched_at = at(5);
        (p, e)
    };
    let mut p2 = p5.clone();
    p2.fetched_at = at(2);
    p2.capture.record_id = "<urn:uuid:older>".into();
    p2.fields.price = Some("999 EUR".into());
    let mut ix = Indexer::open_without_rules(&ws).unwrap();
    ix.ingest_extracted(&p5, e.clone()).unwrap();
    ix.commit().unwrap();
    assert_eq!(
        ix.ingest_extracted(&p2, e).unwrap(),
        IngestOutcome::Unchanged
    );
    ix.commit().unwrap();
    drop(ix);
    let s = Searcher::open(&ws).unwrap();
    let l = s.listing("bazar:1").unwrap().unwrap();
    assert_eq!((l.first_seen, l.last_seen), (at(2), at(5)));
    assert_eq!(l.price_text.as_deref(), Some("400 EUR"));
    let f = search(
        &s,
        SearchQuery {
            until: Some(at(3)),
            ..SearchQuery::default()
        },
    );
    assert_eq!(f.total, 1);
}

/// These need the real rules (normalizer, vocabulary, default pack).
mod with_rules;

mod state_rows;

#[test]
fn empty_index_answers() {
    let (_d, ws) = workspace();
    drop(Indexer::open_without_rules(&ws).unwrap());
    let s = Searcher::open(&ws).unwrap();
    assert_eq!(s.summary().unwrap(), Summary::default());
    for sort in [SortOrder::Relevance, SortOrder::Newest, SortOrder::Price] {
        let r = search(
            &s,
            SearchQuery {
                sort,
                facets: true,
                ..SearchQuery::default()
            },
        );
        assert_eq!((r.total, r.facets.unwrap()), (0, FacetCounts::default()));
    }
    assert!(s.listing("x:1").unwrap().is_none());
    assert!(s.shared_identifiers(2).unwrap().is_empty());
    assert!(s.history("x:1").unwrap().is_empty());
}

#[test]
fn price_sort_across_segments_without_prices() {
    let (_d, ws) = workspace();
    let items = corpus();
    let mut ix = Indexer::open_without_rules(&ws).unwrap();
    // One segment holds only the listing without a price.
    ix.ingest_extracted(&items[3].0, items[3].1.clone())
        .unwrap();
    ix.commit().unwrap();
    for (p, e) in &items[..3] {
        ix.ingest_extracted(p, e.clone()).unwrap();
    }
    ix.commit().unwrap();
    drop(ix);
    let s = Searcher::open(&ws).unwrap();
    let r = search(
        &s,
        SearchQuery {
            sort: SortOrder::Price,
            ..SearchQuery::default()
        },
    );
    assert_eq!(ids(&r), ["bazar:2", "bazar:1", "tregu:a", "tregu:b"]);
}

#[test]
fn synthetic_corpus_round_trip() {
    let (_d, ws) = workspace();
    let items: Vec<_> = crate::synth::listings(3_000, 1).collect();
    let started = std::time::Instant::now();
    let stats =
        rebuild_extracted(&ws, items.iter().cloned().map(Ok::<_, String>), &|_| {}).unwrap();
    let elapsed = started.elapsed();
    eprintln!("ingested {} pages in {elapsed:?}", stats.pages);
    assert_eq!(stats.pages, 3_000);
    assert!(stats.updated > 0 && stats.new > 2_000, "{stats:?}");
    let s = Searcher::open(&ws).unwrap();
    assert_eq!(s.summary().unwrap().listings, stats.new);
    for (name, q) in crate::synth::bench_queries() {
        let r = s.search(&q).unwrap();
        assert!(r.total > 0, "{name}: no hits");
    }
}

#[test]
fn collapsed_search_keeps_one_hit_per_cluster() {
    let (_d, ws) = workspace();
    let repost = "Beretta 92 kompakt, dokumente ne rregull, takim ne Tirane";
    let items = vec![
        (
            page("bazar", "r1", "Beretta 92 kompakt", repost, "500 EUR", 1),
            extraction(&["firearm/pistol"], &[], Some("B"), vec![]),
        ),
        (
            page("tregu", "r2", "Beretta 92 kompakt", repost, "500 EUR", 2),
            extraction(&["firearm/pistol"], &[], Some("B"), vec![]),
        ),
        (
            page(
                "tregu",
                "o1",
                "Beretta Px4",
                "Beretta Px4 storm, e re",
                "",
                3,
            ),
            extraction(&["firearm/pistol"], &[], Some("B"), vec![]),
        ),
    ];
    ingest_all(&ws, &items);
    let s = Searcher::open(&ws).unwrap();
    let q = SearchQuery {
        text: "beretta".into(),
        ..SearchQuery::default()
    };
    let plain = search(&s, q.clone());
    assert_eq!(plain.total, 3);
    let collapsed = s.search_collapsed(&q).unwrap();
    assert_eq!(
        (collapsed.total, collapsed.total_is_lower_bound),
        (3, false)
    );
    assert_eq!(collapsed.hits.len(), 2, "{collapsed:?}");
    let repost_hit = collapsed
        .hits
        .iter()
        .find(|h| h.cluster_size == 2)
        .expect("the repost cluster");
    assert_eq!(repost_hit.matching, 2);
    assert_eq!(repost_hit.cluster_sites, ["bazar", "tregu"]);
    // The cluster's hit is its best-ranked member, in the plain search's order.
    let first_of_cluster = plain
        .hits
        .iter()
        .find(|h| h.listing.cluster_id.as_deref() == Some(repost_hit.cluster_id.as_str()))
        .unwrap();
    assert_eq!(repost_hit.hit.listing, first_of_cluster.listing);
    let alone = collapsed.hits.iter().find(|h| h.cluster_size == 1).unwrap();
    assert_eq!(alone.hit.listing.listing_id, "tregu:o1");
    assert_eq!(alone.matching, 1);
    // Offset and limit count clusters.
    let second = s
        .search_collapsed(&SearchQuery {
            offset: 1,
            limit: 1,
            ..q
        })
        .unwrap();
    assert_eq!(second.hits.len(), 1);
    assert_eq!(second.hits[0].cluster_id, collapsed.hits[1].cluster_id);
}

/// A 200 page showing the site profile's removed marker is gone, like a 404/410: `gone_at`,
/// a `gone` history event, then `reappeared` when the ad is live again; an unknown listing
/// first seen removed is not indexed. Sites without the marker in their profile are untouched.
#[test]
fn removed_marker_page_is_gone() {
    let (_d, ws) = workspace();
    let profile = salwatch_crawler::SiteProfile::parse(
        "[pages]\nremoved_markers = [\"Shpallja është hequr\"]\n",
        std::path::Path::new("bazar.toml"),
    )
    .unwrap();
    let markers = RemovedMarkers::from_profiles([("bazar".to_string(), profile)]);
    let (p1, e1) = corpus().remove(0);
    let mut taken_down = p1.clone();
    taken_down.fetched_at = at(5);
    taken_down.capture.record_id = "<urn:uuid:removed>".into();
    taken_down.fields = PageFields::default();
    taken_down.text = "Bazar\nSHPALLJA   është hequr nga përdoruesi.".into();
    let mut never_live = page("bazar", "9", "x", "y", "", 5);
    never_live.fields = PageFields::default();
    never_live.url = "http://bazar.test/ad/9".into();
    never_live.text = "Shpallja është hequr".into();
    // The same text on a site whose profile has no marker is an ordinary listing.
    let mut other_site = page("tregu", "z", "Shpallja është hequr", "", "", 5);
    other_site.text = "Shpallja është hequr".into();
    let mut back = p1.clone();
    back.fetched_at = at(9);
    back.capture.record_id = "<urn:uuid:back>".into();

    let mut ix = Indexer::open_without_rules(&ws).unwrap();
    ix.set_removed_markers(markers);
    assert_eq!(
        ix.ingest_extracted(&p1, e1.clone()).unwrap(),
        IngestOutcome::New
    );
    ix.commit().unwrap();
    assert_eq!(
        ix.ingest_extracted(&taken_down, extraction(&[], &[], None, vec![]))
            .unwrap(),
        IngestOutcome::Updated
    );
    assert_eq!(
        ix.ingest_extracted(&never_live, extraction(&[], &[], None, vec![]))
            .unwrap(),
        IngestOutcome::Skipped
    );
    assert_eq!(
        ix.ingest_extracted(&other_site, extraction(&[], &[], None, vec![]))
            .unwrap(),
        IngestOutcome::New
    );
    ix.commit().unwrap();
    let s = Searcher::open(&ws).unwrap();
    let l = s.listing("bazar:1").unwrap().unwrap();
    assert_eq!((l.gone_at, l.last_seen), (Some(at(5)), at(1)));
    assert_eq!(
        l.title, "Glock 19",
        "the removed page's text does not replace the listing"
    );
    assert!(s.listing("bazar:9").unwrap().is_none());
    assert!(s.listing("tregu:z").unwrap().is_some());
    reappears(&mut ix, &s, &back, e1);
}

/// The indexer reads the removed markers from the profiles of the workspace's configuration,
/// so a crawl and a rebuild judge alike without being told.
#[test]
fn removed_markers_come_from_the_workspace_profiles() {
    let (_d, ws) = workspace();
    std::fs::write(
        ws.root().join("bazar.toml"),
        "[pages]\nremoved_markers = \"Shpallja është hequr\"\n",
    )
    .unwrap();
    std::fs::write(
        ws.config_path(),
        "[[sites]]\nname = \"bazar\"\nprofile = \"bazar.toml\"\nseeds = [\"http://bazar.test/\"]\n",
    )
    .unwrap();
    let (p1, e1) = corpus().remove(0);
    let mut taken_down = p1.clone();
    taken_down.fetched_at = at(5);
    taken_down.capture.record_id = "<urn:uuid:removed>".into();
    taken_down.text = "Shpallja është hequr".into();
    let mut ix = Indexer::open_without_rules(&ws).unwrap();
    ix.ingest_extracted(&p1, e1.clone()).unwrap();
    assert_eq!(
        ix.ingest_extracted(&taken_down, e1).unwrap(),
        IngestOutcome::Updated
    );
    ix.commit().unwrap();
    let s = Searcher::open(&ws).unwrap();
    assert_eq!(s.listing("bazar:1").unwrap().unwrap().gone_at, Some(at(5)));
}

/// The pruned top hits (`crate::topk`) are exactly `TopDocs`'s: same listings, same scores,
/// same order, over several segments with deleted (replaced) documents.
#[test]
fn pruned_top_hits_equal_plain_top_docs() {
    let (_d, ws) = workspace();
    let mut ix = Indexer::open_without_rules(&ws).unwrap();
    ix.set_dedup_enabled(false);
    for (i, (page, extraction)) in crate::synth::listings(6_000, 3).enumerate() {
        ix.ingest_extracted(&page, extraction).unwrap();
        if i % 900 == 899 {
            ix.commit().unwrap();
        }
    }
    ix.commit().unwrap();
    drop(ix);
    let s = Searcher::open(&ws).unwrap();
    let text = |t: &str| SearchQuery {
        text: t.into(),
        ..SearchQuery::default()
    };
    let mut queries: Vec<SearchQuery> = crate::synth::bench_queries()
        .into_iter()
        .filter(|(_, q)| q.sort == SortOrder::Relevance && !q.facets)
        .map(|(_, q)| q)
        .collect();
    for t in [
        "glock pistol",
        "glock OR makarov",
        "\"zastava m70\" pistol",
        "glock glock",
        "title:glock body:pistol",
        "(glock OR cz) AND pistol",
        "пиштол",
        "nosuchword",
        "glock -pistol",
        "glo*",
        "glock^3 pistol",
        "пиштол глок",
        "\"zastava m70\"",
        "\"се продава пиштол\"",
        "\"glock 19\" OR \"cz 75\"",
        "glock AND 19",
        "glock OR 19",
        "kontakt listing",
        "title:glock title:19",
    ] {
        queries.push(text(t));
        queries.push(SearchQuery {
            sites: vec!["tregu-al".into(), "pazar-mk".into()],
            limit: 7,
            offset: 13,
            ..text(t)
        });
        queries.push(SearchQuery {
            limit: 100,
            flags: vec!["converted".into()],
            ..text(t)
        });
    }
    queries.push(SearchQuery {
        limit: 50,
        offset: 1_000,
        ..SearchQuery::default()
    });
    let mut nonempty = 0;
    for q in &queries {
        let got: Vec<(f32, String)> = s
            .search(q)
            .unwrap()
            .hits
            .into_iter()
            .map(|h| (h.score, h.listing.listing_id))
            .collect();
        let want = s.reference_top(q);
        assert_eq!(got, want, "{q:?}");
        nonempty += usize::from(!got.is_empty());
    }
    assert!(nonempty > queries.len() / 2, "too few queries with hits");
}

/// Two-word and phrase searches, whose runs are skipped by score bounds (`crate::bound`), give
/// exactly `TopDocs`'s hits over a corpus where term frequencies and field lengths vary (so
/// that scores differ and rounding would show), over several segments with replaced documents.
#[test]
fn bounded_top_hits_equal_plain_top_docs_on_varied_texts() {
    const WORDS: &[&str] = &[
        "glock", "pistol", "zastava", "m70", "ammo", "cz", "sale", "used",
    ];
    let (_d, ws) = workspace();
    let mut ix = Indexer::open_without_rules(&ws).unwrap();
    ix.set_dedup_enabled(false);
    let mut seed: u64 = 0x5EED;
    let mut next = move |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(seed >> 33).unwrap() % n
    };
    let mut text = |max: usize| {
        let len = 1 + next(max);
        (0..len)
            .map(|_| {
                // "zastava m70" comes as a phrase half of the time.
                if next(6) == 0 {
                    "zastava m70"
                } else {
                    WORDS[next(WORDS.len())]
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let pages: Vec<_> = crate::synth::listings(5_000, 11).collect();
    for (i, (mut page, extraction)) in pages.into_iter().enumerate() {
        page.fields.title = Some(text(6));
        page.fields.description = Some(text(40));
        ix.ingest_extracted(&page, extraction).unwrap();
        if i % 700 == 699 {
            ix.commit().unwrap();
        }
    }
    ix.commit().unwrap();
    drop(ix);
    let s = Searcher::open(&ws).unwrap();
    let mut checked = 0;
    for t in [
        "glock pistol",
        "zastava m70",
        "\"zastava m70\"",
        "\"m70 zastava\"",
        "\"glock pistol\"",
        "\"sale used ammo\"",
        "ammo cz",
        "cz ammo",
        "used sale",
    ] {
        for (limit, offset) in [(1, 0), (5, 0), (20, 0), (20, 40), (200, 0)] {
            for flags in [vec![], vec!["converted".to_string()]] {
                let q = SearchQuery {
                    text: t.into(),
                    limit,
                    offset,
                    flags,
                    ..SearchQuery::default()
                };
                let got: Vec<(f32, String)> = s
                    .search(&q)
                    .unwrap()
                    .hits
                    .into_iter()
                    .map(|h| (h.score, h.listing.listing_id))
                    .collect();
                assert_eq!(got, s.reference_top(&q), "{q:?}");
                checked += usize::from(!got.is_empty());
            }
        }
        let (bad, matches) = s
            .bound_violations(&SearchQuery {
                text: t.into(),
                ..SearchQuery::default()
            })
            .unwrap();
        assert_eq!(
            bad, 0,
            "{t}: {bad} of {matches} matches score above their bound"
        );
    }
    assert!(checked > 60, "too few searches with hits: {checked}");
}

/// A crash between the index commit and the `state.db` commit leaves documents of listings
/// that `state.db` does not know (simulated here by deleting their rows). A listing new to
/// `state.db` is then written without deleting by id only while no such document exists: the
/// next ingest of the orphaned listing still replaces its document, so it is never listed twice.
#[test]
fn listings_orphaned_by_an_interrupted_commit_are_replaced_not_duplicated() {
    let (_d, ws) = workspace();
    let mut pages = corpus();
    let (p1, e1) = pages.remove(0);
    let mut ix = Indexer::open_without_rules(&ws).unwrap();
    ix.ingest_extracted(&p1, e1.clone()).unwrap();
    ix.commit().unwrap();
    drop(ix);
    let conn = rusqlite::Connection::open(ws.state_db()).unwrap();
    conn.execute_batch("DELETE FROM idx_listings; DELETE FROM idx_captures;")
        .unwrap();
    drop(conn);
    let mut again = p1.clone();
    again.fetched_at = at(20);
    again.capture.record_id = "<urn:uuid:again>".into();
    let mut ix = Indexer::open_without_rules(&ws).unwrap();
    assert_eq!(ix.ingest_extracted(&again, e1).unwrap(), IngestOutcome::New);
    for (page, extraction) in pages {
        ix.ingest_extracted(&page, extraction).unwrap();
    }
    ix.commit().unwrap();
    drop(ix);
    let s = Searcher::open(&ws).unwrap();
    let id = listing::listing_id(&p1);
    let hits = s
        .search(&SearchQuery {
            limit: 100,
            ..SearchQuery::default()
        })
        .unwrap();
    let copies = hits
        .hits
        .iter()
        .filter(|h| h.listing.listing_id == id)
        .count();
    assert_eq!(copies, 1, "{id} listed {copies} times");
    assert_eq!(hits.total as u64, s.count_all().unwrap());
}

/// `ingest_extracted_many` (listings and documents built in parallel) gives the outcomes,
/// listings and history of a page-by-page `ingest_extracted`, re-crawls (an older first seen
/// kept), gone pages and non-listings included.
#[test]
fn ingest_extracted_many_equals_one_by_one() {
    let mut items: Vec<(Page, Extraction)> = crate::synth::listings(600, 9).collect();
    let mut gone = items[3].clone();
    gone.0.status = 410;
    gone.0.fetched_at += chrono::Duration::days(30);
    gone.0.capture.record_id = "<urn:uuid:gone>".into();
    items.push(gone);
    let mut other = items[5].clone();
    other.0.is_listing = false;
    other.0.capture.record_id = "<urn:uuid:other>".into();
    items.insert(100, other);
    let run = |many: bool| {
        let (dir, ws) = workspace();
        let mut ix = Indexer::open_without_rules(&ws).unwrap();
        ix.set_dedup_enabled(false);
        let mut outcomes = Vec::new();
        for chunk in items.chunks(64) {
            if many {
                outcomes.extend(ix.ingest_extracted_many(chunk.to_vec()).unwrap());
            } else {
                for (p, e) in chunk {
                    outcomes.push(ix.ingest_extracted(p, e.clone()).unwrap());
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
    assert!(one_by_one.0.contains(&IngestOutcome::Unchanged));
    assert_eq!(run(true), one_by_one);
}
