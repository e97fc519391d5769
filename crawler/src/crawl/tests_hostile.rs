//! Crawl-level tests of hostile or awkward sites (issue #4): a 503 storm, an infinite calendar
//! trap, a 50 MB page under the default body limit, windows-1251 pages, broken HTML, tracking
//! parameter duplicates, the profile's removed marker, a page nested a million deep and a page
//! of 50,000 links. Each asserts what the fetch log
//! records, that the crawl ends in bounded time, and that the other pages are still crawled.
//!
//! Calendar traps are bounded by `max_depth` and `max_pages` only: a per-site "path pattern
//! repeated too often" guard was considered and not added, because listing sites legitimately
//! have thousands of URLs of one shape (`/ad/123`, `?page=N`) and such a guard would drop real
//! listings; the two budgets already end any trap, and the test below shows they do.

use std::time::{Duration, Instant};

use super::tests::{crawl, parse_config};
use super::*;
use crate::state::State;
use crate::testserver::{Reply, TestServer};

/// A config for one site `shop` seeded at `/`, with `extra` lines in `[crawl]`; no
/// `max_body_bytes`, so the default (10 MiB) applies. `profile` is written as `shop.toml` when
/// given, else the generic profile (every link followed) is used.
fn config(dir: &std::path::Path, base: &str, extra: &str, profile: Option<&str>) -> Config {
    let profile_line = match profile {
        Some(p) => {
            std::fs::write(dir.join("shop.toml"), p).expect("profile");
            "profile = \"shop.toml\"\n"
        }
        None => "",
    };
    let text = format!(
        "[crawl]\nallow_private_addresses = true\nrequests_per_minute = 0\nconcurrency = 4\nper_site_concurrency = 4\nretries = 2\nfirst_byte_timeout_secs = 3\ntotal_timeout_secs = 10\n{extra}\n\n[[sites]]\nname = \"shop\"\n{profile_line}seeds = [\"{base}/\"]\n"
    );
    parse_config(dir, &text)
}

/// Runs a fresh crawl of `route` and returns the server, stats, pages, state and wall time.
async fn run_once<F>(
    route: F,
    extra: &str,
    profile: Option<&str>,
) -> (
    TestServer,
    CrawlStats,
    Vec<Page>,
    State,
    Duration,
    tempfile::TempDir,
)
where
    F: Fn(&str, u32) -> Reply + Send + Sync + 'static,
{
    let server = TestServer::start(route).await;
    let dir = tempfile::tempdir().expect("tmp");
    let ws = Workspace::new(dir.path().join("ws"));
    let crawler =
        Crawler::new(config(dir.path(), &server.base, extra, profile), &ws).expect("crawler");
    let started = Instant::now();
    let (stats, pages) = crawl(&crawler).await;
    let took = started.elapsed();
    drop(crawler);
    let st = State::open(&ws.state_db()).expect("state");
    (server, stats, pages, st, took, dir)
}

fn has_page(pages: &[Page], suffix: &str) -> bool {
    pages.iter().any(|p| p.url.ends_with(suffix))
}

fn storm_route(path: &str, _n: u32) -> Reply {
    match path {
        "/robots.txt" => Reply::not_found(),
        "/" => Reply::html(
            r#"<a href="/storm/a">a</a><a href="/storm/b">b</a><a href="/ok1">1</a><a href="/ok2">2</a>"#,
        ),
        "/storm/a" => Reply::status(503, &[("Retry-After", "1")]),
        "/storm/b" => Reply::status(503, &[]),
        _ => Reply::html("<p>fine</p>"),
    }
}

/// Every request to /storm/* answers 503 (with and without Retry-After): each is tried
/// `retries + 1` times, then logged with its status and `http_status`; the rest is crawled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_storm_is_retried_a_bounded_number_of_times() {
    let (server, stats, pages, st, took, _dir) = run_once(storm_route, "", None).await;
    assert!(took < Duration::from_secs(20), "took {took:?}");
    for p in ["/storm/a", "/storm/b"] {
        assert_eq!(server.hits(p), 3, "{p}: 1 try + 2 retries");
        assert_eq!(
            st.fetch_log_of("shop", &format!("{}{p}", server.base))
                .expect("log"),
            vec![(Some(503), Some("http_status".to_string()))],
            "{p}: one log row after the retries"
        );
    }
    let a = server.times("/storm/a");
    assert!(
        a[1] - a[0] >= Duration::from_millis(900),
        "Retry-After: 1 honoured between tries"
    );
    assert!(has_page(&pages, "/ok1") && has_page(&pages, "/ok2"));
    assert_eq!(stats.failed, 2);
}

/// `/cal/Y/M/` links the next and previous month and five `?day=` variants, forever.
fn calendar_route(path: &str, _n: u32) -> Reply {
    if path == "/" {
        return Reply::html(r#"<a href="/cal/2026/11/">calendar</a><a href="/about">about</a>"#);
    }
    if path == "/about" {
        return Reply::html("<p>about us</p>");
    }
    let Some(rest) = path.strip_prefix("/cal/") else {
        return Reply::not_found();
    };
    let rest = rest.split('?').next().unwrap_or("");
    let mut it = rest.split('/').filter_map(|s| s.parse::<i32>().ok());
    let (y, m) = (it.next().unwrap_or(2026), it.next().unwrap_or(1));
    let month = |y: i32, m: i32| {
        let i = y * 12 + (m - 1);
        format!("/cal/{}/{}/", i / 12, i % 12 + 1)
    };
    let mut html = format!(
        r#"<a href="{}">next</a><a href="{}">prev</a>"#,
        month(y, m + 1),
        month(y, m - 1)
    );
    for d in 1..=5 {
        html.push_str(&format!(r#"<a href="{}?day={d}">{d}</a>"#, month(y, m)));
    }
    Reply::html(&html)
}

fn calendar_hits(server: &TestServer, months: &[(i32, i32)]) -> usize {
    months
        .iter()
        .map(|(y, m)| {
            let p = format!("/cal/{y}/{m}/");
            server.hits(&p)
                + (1..=5)
                    .map(|d| server.hits(&format!("{p}?day={d}")))
                    .sum::<usize>()
        })
        .sum()
}

/// The calendar trap ends at `max_depth` (months beyond it are never asked for) and, with a
/// deep limit, at `max_pages`; the rest of the site is crawled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_infinite_calendar_is_bounded_by_depth_and_page_budget() {
    let (server, stats, pages, _, took, _dir) =
        run_once(calendar_route, "max_depth = 3", None).await;
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(has_page(&pages, "/about"));
    // Depth 1: 2026/11; depth 2: 2026/12 and 2026/10 (+ days of 11); depth 3: one more month.
    assert_eq!(server.hits("/cal/2027/1/"), 1);
    assert_eq!(server.hits("/cal/2027/2/"), 0, "beyond max_depth");
    assert_eq!(server.hits("/cal/2026/8/"), 0, "beyond max_depth");
    let all = (2026..=2027)
        .flat_map(|y| (1..=12).map(move |m| (y, m)))
        .collect::<Vec<_>>();
    assert_eq!(
        calendar_hits(&server, &all) as u64 + 2,
        stats.fetched,
        "/ and /about plus calendar pages"
    );
    assert!(stats.fetched <= 2 + 5 * 6, "{}", stats.fetched);

    let (server, stats, pages, _, took, _dir) =
        run_once(calendar_route, "max_depth = 100000\nmax_pages = 25", None).await;
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert_eq!(stats.fetched, 25, "the page budget ends the trap");
    assert!(has_page(&pages, "/about"), "shallow pages come first");
    assert_eq!(server.hits("/about"), 1);
}

fn big_route(path: &str, _n: u32) -> Reply {
    const FIFTY_MB: u64 = 50 * 1024 * 1024;
    match path {
        "/robots.txt" => Reply::not_found(),
        "/" => {
            Reply::html(r#"<a href="/huge">h</a><a href="/huge-chunked">c</a><a href="/ok">ok</a>"#)
        }
        "/huge" => Reply::Big {
            len: FIFTY_MB,
            announce: true,
        },
        "/huge-chunked" => Reply::Big {
            len: FIFTY_MB,
            announce: false,
        },
        _ => Reply::html("<p>fine</p>"),
    }
}

/// A 50 MB page under the default 10 MiB limit is refused as `body_too_large`: at once when its
/// Content-Length says so, after at most the limit (plus socket buffers) when chunked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_50_mb_page_is_refused_without_reading_it_all() {
    let (server, _, pages, st, took, _dir) = run_once(big_route, "", None).await;
    assert!(took < Duration::from_secs(20), "took {took:?}");
    for p in ["/huge", "/huge-chunked"] {
        assert_eq!(
            st.fetch_log_of("shop", &format!("{}{p}", server.base))
                .expect("log"),
            vec![(None, Some("body_too_large".to_string()))],
            "{p}"
        );
        assert_eq!(server.hits(p), 1, "{p}: not retried");
    }
    let mib = 1024 * 1024;
    eprintln!(
        "sent huge={} chunked={} took={took:?}",
        server.sent("/huge"),
        server.sent("/huge-chunked")
    );
    assert!(
        server.sent("/huge") < 20 * mib,
        "announced: refused from the header, sent {}",
        server.sent("/huge")
    );
    assert!(
        server.sent("/huge-chunked") < 25 * mib,
        "chunked: reading stops at the limit, sent {}",
        server.sent("/huge-chunked")
    );
    assert!(has_page(&pages, "/ok"));
    assert!(!has_page(&pages, "/huge"));
}

fn cp1251(status: u16, content_type: &str, html: &str) -> Reply {
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(html);
    Reply::Full {
        status,
        headers: vec![("Content-Type".into(), content_type.into())],
        body: bytes.into_owned(),
    }
}

fn cyrillic_route(path: &str, _n: u32) -> Reply {
    match path {
        "/" => Reply::html(r#"<a href="/header">1</a><a href="/meta">2</a><a href="/equiv">3</a>"#),
        "/header" => cp1251(
            200,
            "text/html; charset=windows-1251",
            "<p>Пиштол Застава М70, 300 €</p>",
        ),
        "/meta" => cp1251(
            200,
            "text/html",
            "<html><head><meta charset=\"windows-1251\"></head><body><p>Пиштол Застава М70, 300 €</p></body></html>",
        ),
        "/equiv" => cp1251(
            200,
            "text/html",
            "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\"></head><body><p>Пиштол Застава М70, 300 €</p></body></html>",
        ),
        _ => Reply::not_found(),
    }
}

/// windows-1251 pages decode to correct Cyrillic whether the charset is in the header or only in
/// a `<meta>` (either form).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windows_1251_pages_decode_from_header_or_meta() {
    let (_, _, pages, _, _, _dir) = run_once(cyrillic_route, "", None).await;
    for p in ["/header", "/meta", "/equiv"] {
        let page = pages
            .iter()
            .find(|x| x.url.ends_with(p))
            .unwrap_or_else(|| panic!("{p} crawled"));
        assert_eq!(page.text, "Пиштол Застава М70, 300 €", "{p}");
    }
}

const BROKEN: &str = r#"<html><body><div><p>Пушка <b>Glock 17<div></span></div></div></div>
<table><tr><td><a href="/x1">first<a href="/x2">second</td></table></div></div>
<script>var s = "</div>"; if (a </b) { document.write("<a href='/from-script'>") }</script>
<p>after the script <i>unclosed
"#;

fn broken_route(path: &str, _n: u32) -> Reply {
    match path {
        "/" => Reply::html(BROKEN),
        "/x1" | "/x2" => Reply::html("<p>linked"),
        _ => Reply::not_found(),
    }
}

/// Broken HTML (unclosed tags, stray closers, `</` inside a script) still yields its links and
/// its text, without the script.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_html_still_yields_links_and_text() {
    let (server, _, pages, _, _, _dir) = run_once(broken_route, "", None).await;
    assert_eq!(server.hits("/x1"), 1);
    assert_eq!(server.hits("/x2"), 1);
    assert_eq!(server.hits("/from-script"), 0, "script text is not markup");
    let root = pages.iter().find(|p| p.url.ends_with('/')).expect("root");
    assert!(root.text.contains("Пушка Glock 17"), "{}", root.text);
    assert!(
        root.text.contains("after the script unclosed"),
        "{}",
        root.text
    );
    assert!(!root.text.contains("var s"), "{}", root.text);
    assert!(has_page(&pages, "/x1") && has_page(&pages, "/x2"));
}

fn nested_route(path: &str, _n: u32) -> Reply {
    match path {
        // 5 MB: a million nested `<div>`s between a link and the rest of the page.
        "/" => Reply::html(&format!(
            "<html><body><p>Shitet Glock 17</p><a href=\"/before\">b</a>{}<a href=\"/after\">a</a>",
            "<div>".repeat(1_000_000)
        )),
        "/before" | "/after" => Reply::html("<p>linked"),
        _ => Reply::not_found(),
    }
}

/// A page nesting a million elements (html5ever's tree builder is quadratic in the depth: this
/// page alone would take hours) is read up to the depth limit: its capture is whole, the text
/// and links before the nesting are kept, the crawl goes on in bounded time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_nested_a_million_deep_is_read_up_to_the_depth_limit() {
    let (server, stats, pages, _, took, _dir) = run_once(nested_route, "", None).await;
    assert!(took < Duration::from_secs(60), "took {took:?}");
    assert_eq!(server.hits("/before"), 1);
    assert_eq!(
        server.hits("/after"),
        0,
        "after the depth limit nothing is read"
    );
    let root = pages.iter().find(|p| p.url.ends_with('/')).expect("root");
    assert!(root.text.contains("Shitet Glock 17"), "{}", root.text);
    assert!(root.capture.length > 0);
    assert_eq!(stats.failed, 0, "{stats:?}");
    assert!(has_page(&pages, "/before") && pages.len() == 2);
}

fn many_links_route(path: &str, _n: u32) -> Reply {
    match path {
        // 2.4 MB: 50,000 distinct links, each written twice.
        "/" => {
            let links: String = (0..100_000)
                .map(|i| format!("<a href=\"/p{}\">x</a>", i % 50_000))
                .collect();
            Reply::html(&format!("<html><body>{links}"))
        }
        _ => Reply::html("<p>a page"),
    }
}

/// A page of 50,000 links (each twice) is read in linear time and every link reaches the
/// frontier once; the page budget still bounds what is fetched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_50_000_links_reaches_the_frontier_in_bounded_time() {
    let (_server, _, pages, st, took, _dir) =
        run_once(many_links_route, "max_pages = 3", None).await;
    assert!(took < Duration::from_secs(60), "took {took:?}");
    assert_eq!(pages.len(), 3);
    let queued = st.count("shop", "queued").expect("count");
    assert_eq!(queued + 2, 50_000, "every link once");
}

fn tracking_route(path: &str, _n: u32) -> Reply {
    match path {
        "/" => Reply::html(
            r#"<a href="/ad/1?utm_source=fb&amp;utm_medium=cpc">a</a><a href="/ad/1?fbclid=XYZ">b</a>
               <a href="/ad/1#photos">c</a><a href="/ad/1?gclid=1#x">d</a><a href="/list?b=2&amp;a=1">e</a>
               <a href="/list?a=1&amp;b=2&amp;utm_campaign=z">f</a><a href="/page2">p</a>"#,
        ),
        "/page2" => Reply::html(
            r#"<a href="/ad/1?UTM_SOURCE=x">a</a><a href="/list?a=1&amp;b=2#top">b</a>"#,
        ),
        _ => Reply::html("<p>x</p>"),
    }
}

/// URLs that differ only by tracking parameters, fragment or parameter order are one URL,
/// fetched once, across pages too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracking_parameter_duplicates_are_fetched_once() {
    let (server, stats, _, _, _, _dir) = run_once(tracking_route, "", None).await;
    assert_eq!(server.hits("/ad/1"), 1);
    assert_eq!(server.hits("/list?a=1&b=2"), 1, "sorted query");
    assert_eq!(server.hits("/list?b=2&a=1"), 0);
    assert_eq!(
        stats.fetched, 4,
        "/, /page2, /ad/1 and /list (robots.txt is not counted)"
    );
}

const REMOVED_PROFILE: &str = r#"
name = "shop"
[pages]
listing_url = ['^/ad/\d+$']
removed_markers = ["Shpallja është hequr", "Огласот е отстранет"]
[links]
listings = ["a.ad"]
[fields]
title = "h1"
"#;

fn removed_route(path: &str, n: u32) -> Reply {
    match (path, n) {
        ("/", _) => Reply::html(
            r#"<a class="ad" href="/ad/1">1</a><a class="ad" href="/ad/2">2</a><a class="ad" href="/ad/3">3</a>"#,
        ),
        ("/ad/1", 1) => Reply::html("<h1>Glock 19</h1>"),
        ("/ad/1", _) => {
            Reply::html("<h1>Glock 19</h1><p>SHPALLJA   ËSHTË HEQUR nga përdoruesi</p>")
        }
        ("/ad/3", _) => Reply::html("<h1>ЦЗ 75</h1><p>Огласот е отстранет.</p>"),
        _ => Reply::html("<h1>Zastava M70</h1>"),
    }
}

/// A listing page showing a `pages.removed_markers` text is logged `gone` on a revisit, like a
/// 404/410 (and gets no `new` event when first seen removed); the page still flows downstream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_profile_removed_marker_is_logged_as_gone() {
    let server = TestServer::start(removed_route).await;
    let dir = tempfile::tempdir().expect("tmp");
    let ws = Workspace::new(dir.path().join("ws"));
    let cfg = config(
        dir.path(),
        &server.base,
        "recrawl_interval_hours = 24",
        Some(REMOVED_PROFILE),
    );
    let crawler = Crawler::new(cfg, &ws).expect("crawler");
    let (stats, _) = crawl(&crawler).await;
    assert_eq!(stats.listings, 2, "the removed /ad/3 is not a live listing");
    crawler.force_recrawl(true);
    let (stats, pages) = crawl(&crawler).await;
    let s = &stats.per_site["shop"];
    assert_eq!(s.gone, 2, "{s:?}");
    let ad1 = pages
        .iter()
        .find(|p| p.url.ends_with("/ad/1"))
        .expect("the removed listing flows downstream");
    assert!(ad1.is_listing);
    assert_eq!(ad1.status, 200);
    drop(crawler);
    let st = State::open(&ws.state_db()).expect("state");
    let ev = |p: &str| {
        st.events_of("shop", &format!("{}{p}", server.base))
            .expect("events")
    };
    assert_eq!(ev("/ad/1"), vec!["new", "gone"]);
    assert_eq!(ev("/ad/2"), vec!["new", "unchanged"]);
    assert_eq!(
        ev("/ad/3"),
        vec!["gone"],
        "removed when first seen: gone on revisit"
    );
}

fn held_route(path: &str, _n: u32) -> Reply {
    match path {
        "/robots.txt" => Reply::not_found(),
        "/" => Reply::html(r#"<a href="/h/1">1</a><a href="/h/2">2</a><a href="/h/3">3</a>"#),
        _ => Reply::status(503, &[("Retry-After", "300")]),
    }
}

/// `/` links `/p/1`, which links `/p/2` … up to `/p/12`: a site crawled one page at a time.
fn chain_route(path: &str, _n: u32) -> Reply {
    let next = match path {
        "/robots.txt" => return Reply::not_found(),
        "/" => 1,
        p => match p.strip_prefix("/p/").and_then(|n| n.parse::<u32>().ok()) {
            Some(n) if n < 12 => n + 1,
            Some(_) => return Reply::html("<p>end</p>"),
            None => return Reply::not_found(),
        },
    };
    Reply::html(&format!(r#"<a href="/p/{next}">next</a>"#))
}

/// Records events; stops the crawl once the site `other` is done.
#[derive(Default)]
struct StopWhenOtherDone {
    events: std::sync::Mutex<Vec<CrawlEvent>>,
    stop: std::sync::OnceLock<StopHandle>,
}

impl CrawlObserver for StopWhenOtherDone {
    fn event(&self, event: &CrawlEvent) {
        if matches!(event, CrawlEvent::SiteFinished { site } if site == "other")
            && let Some(h) = self.stop.get()
        {
            h.stop();
        }
        lock(&self.events).push(event.clone());
    }
}

/// A host answering 503 with `Retry-After: 300` is held for the full (capped) 300 s, but it
/// holds only its own site's slots: with every global slot as wide as that site's, the other
/// site is still crawled to the end at once, and the hold is counted and announced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_held_by_retry_after_does_not_stall_other_sites() {
    let held = TestServer::start(held_route).await;
    let other = TestServer::start(chain_route).await;
    let dir = tempfile::tempdir().expect("tmp");
    let text = format!(
        "[crawl]\nallow_private_addresses = true\nrequests_per_minute = 0\nconcurrency = 2\nper_site_concurrency = 2\nretries = 2\nfirst_byte_timeout_secs = 3\ntotal_timeout_secs = 10\n\n[[sites]]\nname = \"held\"\nseeds = [\"{}/\"]\n\n[[sites]]\nname = \"other\"\nseeds = [\"{}/\"]\ndelay_ms = 30\n",
        held.base, other.base
    );
    let config = parse_config(dir.path(), &text);
    let ws = Workspace::new(dir.path().join("ws"));
    let crawler = Crawler::new(config, &ws).expect("crawler");
    let watch = Arc::new(StopWhenOtherDone::default());
    assert!(watch.stop.set(crawler.stop_handle()).is_ok());
    let (tx, mut rx) = mpsc::channel(4);
    let collect = tokio::spawn(async move {
        let mut v = Vec::new();
        while let Some(p) = rx.recv().await {
            v.push(p);
        }
        v
    });
    let started = Instant::now();
    let stats = crawler.run(tx, watch.clone()).await.expect("crawl");
    let took = started.elapsed();
    let pages = collect.await.expect("join");

    assert!(
        took < Duration::from_secs(20),
        "the hold stalled the crawl: {took:?}"
    );
    assert!(
        has_page(&pages, "/p/12"),
        "the other site was crawled to the end"
    );
    assert_eq!(stats.per_site["other"].held, 0);
    let h = &stats.per_site["held"];
    assert!(h.held >= 1, "{h:?}");
    assert_eq!(h.held_secs, 300, "Retry-After honoured up to its cap");
    let events = lock(&watch.events).clone();
    assert!(
        events.iter().any(|e| matches!(e, CrawlEvent::HostHeld { site, status: 503, wait_secs: 300, .. } if site == "held")),
        "the hold is announced: {events:?}"
    );
    assert_eq!(held.hits("/h/1"), 1, "not retried before the hold ends");
    drop(crawler);
    let st = State::open(&ws.state_db()).expect("state");
    assert_eq!(
        st.count("held", "queued").expect("count"),
        3,
        "held URLs wait in the queue for the next crawl"
    );
}
