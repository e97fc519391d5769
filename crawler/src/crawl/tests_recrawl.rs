//! Re-crawl tests: conditional revisits (304 archived as a `revisit` record), changed and gone
//! pages recorded as fetch-log events, and the schedule.

use super::tests::{crawl, parse_config};
use super::*;
use crate::archive::{MemberReader, verify, warc_files};
use crate::state::State;
use crate::testserver::{Reply, TestServer};

const PROFILE: &str = r#"
name = "shop"
[pages]
listing_url = ['^/ad/\d+$']
[links]
listings = ["a.ad"]
[fields]
title = "h1"
"#;

fn route(path: &str, n: u32) -> Reply {
    let with = |status: u16, headers: &[(&str, &str)], body: &str| Reply::Full {
        status,
        headers: headers
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .chain([("Content-Type".into(), "text/html".into())])
            .collect(),
        body: body.as_bytes().to_vec(),
    };
    match (path, n) {
        ("/", _) => Reply::html(
            r#"<a class="ad" href="/ad/1">1</a><a class="ad" href="/ad/2">2</a><a class="ad" href="/ad/3">3</a>"#,
        ),
        ("/ad/1", 1) => with(
            200,
            &[
                ("ETag", "\"v1\""),
                ("Last-Modified", "Mon, 02 Nov 2026 10:00:00 GMT"),
            ],
            "<h1>Glock 19</h1>",
        ),
        ("/ad/1", _) => Reply::status(304, &[("ETag", "\"v1\"")]),
        ("/ad/2", 1) => Reply::html("<h1>Zastava M70, 500 EUR</h1>"),
        ("/ad/2", _) => Reply::html("<h1>Zastava M70, 450 EUR</h1>"),
        ("/ad/3", 1) => Reply::html("<h1>CZ 75</h1>"),
        ("/ad/3", _) => Reply::status(410, &[]),
        _ => Reply::not_found(),
    }
}

fn config(dir: &std::path::Path, base: &str) -> Config {
    std::fs::write(dir.join("shop.toml"), PROFILE).expect("profile");
    let text = format!(
        "[crawl]\nallow_private_addresses = true\nrequests_per_minute = 0\nrecrawl_interval_hours = 24\n\n[[sites]]\nname = \"shop\"\nprofile = \"shop.toml\"\nseeds = [\"{base}/\"]\n"
    );
    parse_config(dir, &text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revisits_are_conditional_and_logged_as_unchanged_changed_or_gone() {
    let server = TestServer::start(route).await;
    let dir = tempfile::tempdir().expect("tmp");
    let ws = Workspace::new(dir.path().join("ws"));
    let base = server.base.clone();
    let url = |p: &str| format!("{base}{p}");

    let first = Crawler::new(config(dir.path(), &server.base), &ws).expect("crawler");
    let (stats, pages) = crawl(&first).await;
    assert_eq!(stats.listings, 3);
    assert_eq!(pages.len(), 4);
    drop(first);

    // Not due yet: a plain second crawl fetches nothing.
    let second = Crawler::new(config(dir.path(), &server.base), &ws).expect("crawler");
    let (stats, _) = crawl(&second).await;
    assert_eq!(
        stats.fetched, 0,
        "nothing is due within recrawl_interval_hours"
    );
    assert_eq!(server.hits("/ad/1"), 1);

    // Forced revisit.
    second.force_recrawl(true);
    let (stats, pages) = crawl(&second).await;
    let s = &stats.per_site["shop"];
    assert_eq!((s.unchanged, s.changed, s.gone), (2, 1, 1), "{s:?}");
    // The 304 yields no page; the changed listing and the seed do, and the gone listing is
    // handed downstream with its status (no fields) for the listing's timeline.
    let mut got: Vec<(String, u16)> = pages.iter().map(|p| (p.url.clone(), p.status)).collect();
    got.sort();
    assert_eq!(
        got,
        vec![(url("/"), 200), (url("/ad/2"), 200), (url("/ad/3"), 410)]
    );
    assert!(pages.iter().all(|p| p.is_listing || p.url == url("/")));
    let head = server.heads("/ad/1").pop().expect("second request");
    let head = head.to_ascii_lowercase();
    assert!(head.contains("if-none-match: \"v1\""), "{head}");
    assert!(
        head.contains("if-modified-since: mon, 02 nov 2026 10:00:00 gmt"),
        "{head}"
    );
    assert!(
        !server.heads("/ad/2")[1]
            .to_ascii_lowercase()
            .contains("if-none-match"),
        "no validators, no conditional headers"
    );

    let st = State::open(&ws.state_db()).expect("state");
    assert_eq!(
        st.events_of("shop", &url("/ad/1")).expect("events"),
        vec!["new", "unchanged"]
    );
    assert_eq!(
        st.events_of("shop", &url("/ad/2")).expect("events"),
        vec!["new", "changed"]
    );
    assert_eq!(
        st.events_of("shop", &url("/ad/3")).expect("events"),
        vec!["new", "gone"]
    );
    assert_eq!(
        st.events_of("shop", &url("/")).expect("events"),
        vec!["new", "unchanged"],
        "same payload digest"
    );

    // The 304 is archived as a revisit record pointing at the first capture.
    let mut first_id = None;
    let mut revisit = None;
    for f in warc_files(&ws.archive_dir()).expect("files") {
        for loc in MemberReader::open(&f).expect("open") {
            let rec = loc.expect("record").record;
            if rec.header("WARC-Target-URI") == Some(url("/ad/1").as_str()) {
                match rec.warc_type() {
                    "response" => first_id = Some(rec.record_id().to_string()),
                    "revisit" => revisit = Some(rec),
                    _ => {}
                }
            }
        }
    }
    let revisit = revisit.expect("a revisit record");
    assert_eq!(
        revisit.header("WARC-Profile"),
        Some(crate::archive::writer::SERVER_NOT_MODIFIED)
    );
    assert_eq!(revisit.header("WARC-Refers-To"), first_id.as_deref());
    assert!(revisit.header("WARC-Refers-To-Date").is_some());
    let report = verify(&ws).expect("verify");
    assert!(report.is_ok(), "{report:?}");
}

fn session_route(path: &str, _n: u32) -> Reply {
    match path {
        "/robots.txt" => Reply::not_found(),
        "/" => Reply::html(r#"<a class="ad" href="/ad/1">1</a><a class="ad" href="/ad/2">2</a>"#),
        "/ad/1" => Reply::html("<h1>Glock 19</h1>"),
        "/ad/2" => Reply::status(302, &[("Location", "/login?next=/ad/2")]),
        _ => Reply::html("<p>Please LOG IN to continue</p>"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_stops_the_site_with_a_clear_error() {
    let server = TestServer::start(session_route).await;
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("shop.toml"), PROFILE).expect("profile");
    let text = format!(
        "[crawl]\nallow_private_addresses = true\nrequests_per_minute = 0\nper_site_concurrency = 1\n\n[[sites]]\nname = \"shop\"\nprofile = \"shop.toml\"\nseeds = [\"{}/\"]\nheaders = {{ Cookie = \"sid=abc\" }}\nsession = {{ login_url = '^/login', expired_markers = [\"please log in\"] }}\n",
        server.base
    );
    let config = parse_config(dir.path(), &text);
    let ws = Workspace::new(dir.path().join("ws"));
    let crawler = Crawler::new(config, &ws).expect("crawler");
    let (stats, pages) = crawl(&crawler).await;
    let s = &stats.per_site["shop"];
    assert_eq!(s.session_expired, 1, "{s:?}");
    assert!(
        server.heads("/")[0]
            .to_ascii_lowercase()
            .contains("cookie: sid=abc"),
        "the site's session header is sent"
    );
    assert_eq!(
        server.hits("/login?next=/ad/2"),
        0,
        "the login page is not crawled"
    );
    assert!(pages.iter().all(|p| !p.url.contains("/ad/2")));
    let st = State::open(&ws.state_db()).expect("state");
    let ad2 = format!("{}/ad/2", server.base);
    assert_eq!(
        st.url_state("shop", &ad2).expect("state").as_deref(),
        Some("queued"),
        "fetched again by the next crawl, with a renewed session"
    );
    assert_eq!(
        st.fetch_log_of("shop", &ad2).expect("log"),
        vec![(Some(302), Some("session_expired".to_string()))]
    );
    let status = st.status(&["shop".into()]).expect("status");
    assert_eq!(status.sites[0].errors.get("session_expired"), Some(&1));

    // The marker check on a served page.
    let check = crawler.inner.sites[0].session.as_ref().expect("session");
    let u = url::Url::parse("http://a.test/ad/9").expect("url");
    assert!(
        check
            .expired(&u, 200, None, Some("Please Log In"))
            .is_some()
    );
    assert!(check.expired(&u, 403, None, None).is_some());
    assert!(check.expired(&u, 200, None, Some("Glock 19")).is_none());
}
