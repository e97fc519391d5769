//! Crawl tests against the loopback test server.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::*;
use crate::archive::{read_pages, verify};
use crate::testserver::{Reply, TestServer};

const PROFILE: &str = r#"
name = "shop"
[pages]
listing_url = ['^/ad/\d+$']
skip_url = ['^/login']
[links]
listings = ["a.ad"]
pagination = ["a.next"]
follow = ["nav a"]
[fields]
title = "h1"
price = ".price"
images = ["img.photo@src"]
"#;

fn site_route(path: &str, _n: u32) -> Reply {
    match path {
        "/robots.txt" => Reply::Full {
            status: 200,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: b"User-agent: *\nDisallow: /private/\n".to_vec(),
        },
        "/" => Reply::html(
            r#"<nav><a href="/cat/">cat</a><a href="/private/x">p</a><a href="/login">l</a><a href="/cp1251">c</a></nav>
            <a class="ad" href="/ad/1?utm_source=x">one</a><a class="ad" href="/ad/1#frag">one again</a><a class="next" href="/?page=2">2</a>"#,
        ),
        "/?page=2" => Reply::html(
            r#"<a class="ad" href="/ad/2">two</a><a class="ad" href="/ad/1?fbclid=1">one</a>"#,
        ),
        "/cat/" => Reply::html(r#"<a class="ad" href="/ad/2">two</a><a href="/elsewhere">x</a>"#),
        "/ad/1" => Reply::html(
            r#"<h1>Glock 19</h1><span class="price">350€</span><img class="photo" src="/img/1.jpg">"#,
        ),
        "/ad/2" => Reply::html(r#"<h1>Zastava M70</h1><span class="price">500€</span>"#),
        "/img/1.jpg" => Reply::Full {
            status: 200,
            headers: vec![("Content-Type".into(), "image/png".into())],
            body: std::fs::read(format!(
                "{}/../samples/sites/market/img/70466-1.png",
                env!("CARGO_MANIFEST_DIR")
            ))
            .expect("sample photo"),
        },
        "/cp1251" => {
            let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode("<p>Пиштол Застава</p>");
            Reply::Full {
                status: 200,
                headers: vec![(
                    "Content-Type".into(),
                    "text/html; charset=windows-1251".into(),
                )],
                body: bytes.into_owned(),
            }
        }
        _ => Reply::not_found(),
    }
}

fn config(dir: &std::path::Path, base: &str, extra: &str) -> Config {
    let profile = dir.join("shop.toml");
    std::fs::File::create(&profile)
        .expect("create")
        .write_all(PROFILE.as_bytes())
        .expect("write");
    let text = format!(
        r#"[crawl]
allow_private_addresses = true
requests_per_minute = 0
concurrency = 4
per_site_concurrency = 2
retries = 2
first_byte_timeout_secs = 2
total_timeout_secs = 3
max_body_bytes = 100000
max_decompressed_bytes = 1000000
{extra}
[[sites]]
name = "shop"
profile = "shop.toml"
seeds = ["{base}/"]
"#
    );
    parse_config(dir, &text)
}

/// `text` as the `salwatch.toml` of a workspace in `dir` (shared by the crawl tests).
pub(super) fn parse_config(dir: &std::path::Path, text: &str) -> Config {
    Config::parse(text, &dir.join("salwatch.toml"), dir.to_path_buf()).expect("config")
}

/// Runs one crawl to the end, collecting every page handed downstream (shared by the crawl tests).
pub(super) async fn crawl(crawler: &Crawler) -> (CrawlStats, Vec<Page>) {
    let (tx, mut rx) = mpsc::channel(4);
    let collect = tokio::spawn(async move {
        let mut v = Vec::new();
        while let Some(p) = rx.recv().await {
            v.push(p);
        }
        v
    });
    let stats = crawler
        .run(tx, Arc::new(NoopObserver))
        .await
        .expect("crawl");
    (stats, collect.await.expect("join"))
}

fn paths(pages: &[Page]) -> Vec<String> {
    let mut v: Vec<String> = pages
        .iter()
        .map(|p| {
            url::Url::parse(&p.url)
                .map(|u| u.path().to_string())
                .unwrap_or_default()
        })
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawls_archives_rebuilds_and_resumes() {
    let server = TestServer::start(site_route).await;
    let dir = tempfile::tempdir().expect("tmp");
    let ws = Workspace::new(dir.path().join("ws"));
    let crawler = Crawler::new(config(dir.path(), &server.base, ""), &ws).expect("crawler");
    let (stats, pages) = crawl(&crawler).await;

    assert_eq!(
        paths(&pages),
        vec!["/", "/", "/ad/1", "/ad/2", "/cat/", "/cp1251"]
    );
    let s = &stats.per_site["shop"];
    assert_eq!(s.listings, 2);
    assert_eq!(s.images, 1);
    assert_eq!(s.robots_blocked, 1, "/private/x");
    assert_eq!(server.hits("/robots.txt"), 1);
    assert_eq!(
        server.hits("/ad/1"),
        1,
        "tracking and fragment variants are one URL"
    );
    assert_eq!(server.hits("/private/x"), 0);
    assert_eq!(server.hits("/login"), 0, "skip_url");
    assert_eq!(server.hits("/elsewhere"), 0, "not a profile link class");
    let ad1 = pages
        .iter()
        .find(|p| p.url.ends_with("/ad/1"))
        .expect("ad1");
    assert!(ad1.is_listing);
    assert_eq!(ad1.fields.title.as_deref(), Some("Glock 19"));
    assert_eq!(
        ad1.fields.images,
        vec![format!("{}/img/1.jpg", server.base)]
    );
    let cyr = pages
        .iter()
        .find(|p| p.url.ends_with("/cp1251"))
        .expect("cp1251");
    assert_eq!(cyr.text, "Пиштол Застава");

    // The archive alone gives back the same pages, and verifies.
    let mut rebuilt: Vec<Page> = read_pages(&ws)
        .expect("read")
        .collect::<Result<_, _>>()
        .expect("pages");
    let mut live = pages.clone();
    rebuilt.sort_by(|a, b| {
        a.capture
            .offset
            .cmp(&b.capture.offset)
            .then(a.url.cmp(&b.url))
    });
    live.sort_by(|a, b| {
        a.capture
            .offset
            .cmp(&b.capture.offset)
            .then(a.url.cmp(&b.url))
    });
    assert_eq!(rebuilt, live);
    let report = verify(&ws).expect("verify");
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(
        report.records,
        3 * (s.fetched + 1) + 1,
        "warcinfo + 3 records per capture"
    );
    let cdxj = std::fs::read_to_string(ws.archive_dir().join("captures.cdxj")).expect("cdxj");
    assert_eq!(
        cdxj.lines().count() as u64,
        s.fetched + 1,
        "every response and robots.txt indexed"
    );

    // A second run has nothing left to fetch.
    let (stats2, pages2) = crawl(&crawler).await;
    assert_eq!(stats2.fetched, 0);
    assert!(pages2.is_empty());
    assert_eq!(server.hits("/ad/1"), 1);

    // Simulate a kill after /ad/2 was archived but before its row was marked done, with a
    // half-written record at the end of the newest WARC and half a CDXJ line.
    {
        let st = crate::state::State::open(&ws.state_db()).expect("state");
        drop(st);
        let conn = rusqlite::Connection::open(ws.state_db()).expect("db");
        let job: String = conn
            .query_row(
                "SELECT job FROM crawl_jobs ORDER BY started_at LIMIT 1",
                [],
                |r| r.get(0),
            )
            .expect("job");
        conn.execute(
            "UPDATE crawl_frontier SET state='in_flight', job=?1 WHERE url LIKE '%/ad/2'",
            [&job],
        )
        .expect("update");
        let newest = crate::archive::warc_files(&ws.archive_dir())
            .expect("files")
            .pop()
            .expect("a file");
        std::fs::OpenOptions::new()
            .append(true)
            .open(&newest)
            .expect("open")
            .write_all(&[0x1f, 0x8b, 8, 0, 0, 0])
            .expect("garbage");
        std::fs::OpenOptions::new()
            .append(true)
            .open(ws.archive_dir().join("captures.cdxj"))
            .expect("open")
            .write_all(b"com,half")
            .expect("half");
    }
    let crawler = Crawler::new(config(dir.path(), &server.base, ""), &ws).expect("crawler");
    let (stats3, pages3) = crawl(&crawler).await;
    assert_eq!(server.hits("/ad/2"), 1, "not fetched again");
    assert_eq!(paths(&pages3), vec!["/ad/2"], "re-sent from the archive");
    assert_eq!(stats3.per_site["shop"].recovered, 1);
    assert!(verify(&ws).expect("verify").is_ok());
    let cdxj = std::fs::read_to_string(ws.archive_dir().join("captures.cdxj")).expect("cdxj");
    assert!(cdxj.ends_with('\n') && !cdxj.contains("com,half"));
}

fn hostile_route(path: &str, n: u32) -> Reply {
    match path {
        "/robots.txt" => Reply::not_found(),
        "/" => Reply::html(
            r#"<a href="/slow429">a</a><a href="/loop">b</a><a href="/big">c</a><a href="/bomb">d</a>
               <a href="/stall">e</a><a href="/drip">f</a><a href="/endless">g</a><a href="/chain/0">h</a><a href="/pdf">i</a>"#,
        ),
        "/slow429" if n == 1 => Reply::status(429, &[("Retry-After", "1")]),
        "/slow429" => Reply::html("<p>finally</p>"),
        "/loop" => Reply::status(302, &[("Location", "/loop2")]),
        "/loop2" => Reply::status(301, &[("Location", "/loop")]),
        p if p.starts_with("/chain/") => {
            let i: u32 = p[7..].parse().unwrap_or(0);
            Reply::status(302, &[("Location", &format!("/chain/{}", i + 1))])
        }
        "/big" => Reply::Full {
            status: 200,
            headers: vec![("Content-Type".into(), "text/html".into())],
            body: vec![b'x'; 200_000],
        },
        "/bomb" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            e.write_all(&vec![b' '; 20_000_000]).expect("write");
            Reply::Full {
                status: 200,
                headers: vec![
                    ("Content-Type".into(), "text/html".into()),
                    ("Content-Encoding".into(), "gzip".into()),
                ],
                body: e.finish().expect("gz"),
            }
        }
        "/stall" => Reply::Stall,
        "/drip" => Reply::Drip {
            every: Duration::from_millis(300),
        },
        "/endless" => Reply::Endless,
        "/pdf" => Reply::Full {
            status: 200,
            headers: vec![("Content-Type".into(), "application/pdf".into())],
            body: b"%PDF".to_vec(),
        },
        _ => Reply::not_found(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_server_is_bounded_and_errors_are_recorded() {
    let server = TestServer::start(hostile_route).await;
    let dir = tempfile::tempdir().expect("tmp");
    let ws = Workspace::new(dir.path().join("ws"));
    let mut cfg = config(dir.path(), &server.base, "max_redirects = 3");
    cfg.sites[0].profile = None;
    cfg.sites[0].concurrency = Some(8);
    let crawler = Crawler::new(cfg, &ws).expect("crawler");
    let started = Instant::now();
    let (stats, pages) = crawl(&crawler).await;
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    let st = crate::state::State::open(&ws.state_db()).expect("state");
    let classes = |path: &str| {
        st.fetch_log_of("shop", &format!("{}{path}", server.base))
            .expect("log")
    };
    // 429 then success after Retry-After.
    let times = server.times("/slow429");
    assert_eq!(times.len(), 2);
    assert!(
        times[1] - times[0] >= Duration::from_millis(900),
        "Retry-After honoured"
    );
    assert_eq!(classes("/slow429"), vec![(Some(200), None)]);
    assert!(
        pages
            .iter()
            .any(|p| p.url.ends_with("/slow429") && p.text == "finally")
    );
    assert_eq!(
        classes("/loop2"),
        vec![(Some(301), Some("redirect_loop".into()))]
    );
    assert_eq!(
        classes("/chain/3"),
        vec![(Some(302), Some("redirect_limit".into()))]
    );
    assert_eq!(server.hits("/chain/4"), 0);
    assert_eq!(classes("/big"), vec![(None, Some("body_too_large".into()))]);
    assert_eq!(
        classes("/bomb"),
        vec![(Some(200), Some("decode".into()))],
        "archived, no page"
    );
    assert!(!pages.iter().any(|p| p.url.ends_with("/bomb")));
    assert_eq!(classes("/stall"), vec![(None, Some("timeout".into()))]);
    assert_eq!(classes("/drip"), vec![(None, Some("timeout".into()))]);
    assert_eq!(
        classes("/endless"),
        vec![(None, Some("body_too_large".into()))]
    );
    assert_eq!(classes("/pdf"), vec![(None, Some("content_type".into()))]);
    assert!(stats.failed >= 8);
    assert!(verify(&ws).expect("verify").is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_spaces_requests_and_crawl_delay_is_honoured() {
    let server = TestServer::start(|path: &str, _| match path {
        "/robots.txt" => Reply::Full {
            status: 200,
            headers: vec![],
            body: b"User-agent: *\nCrawl-delay: 0.3\n".to_vec(),
        },
        "/" => Reply::html(r#"<a href="/a">a</a><a href="/b">b</a><a href="/c">c</a>"#),
        _ => Reply::html("<p>x</p>"),
    })
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let ws = Workspace::new(dir.path().join("ws"));
    let mut cfg = config(dir.path(), &server.base, "");
    cfg.sites[0].profile = None;
    cfg.sites[0].concurrency = Some(4);
    let crawler = Crawler::new(cfg, &ws).expect("crawler");
    let (stats, _) = crawl(&crawler).await;
    assert_eq!(stats.fetched, 4);
    let mut times: Vec<_> = ["/", "/a", "/b", "/c"]
        .iter()
        .flat_map(|p| server.times(p))
        .collect();
    times.sort();
    for w in times.windows(2) {
        assert!(
            w[1] - w[0] >= Duration::from_millis(280),
            "spacing {:?}",
            w[1] - w[0]
        );
    }
}

#[tokio::test]
async fn private_addresses_and_onion_are_refused() {
    use crate::fetch::{ClearnetTransport, FetchLimits, FetchRequest, Transport};
    let t = ClearnetTransport::new("t", Duration::from_secs(1), false).expect("transport");
    let limits = FetchLimits {
        first_byte_timeout: Duration::from_secs(1),
        total_timeout: Duration::from_secs(1),
        max_body_bytes: 10,
        content_types: vec![],
    };
    for (u, class) in [
        ("http://127.0.0.1:9/", "private_address"),
        ("http://[::1]:9/", "private_address"),
        ("http://localhost:9/", "private_address"),
        ("http://abcdefghijklmnop.onion/", "onion_needs_tor"),
    ] {
        let req = FetchRequest {
            url: url::Url::parse(u).expect("url"),
            headers: vec![],
            limits: limits.clone(),
        };
        let err = t.fetch(&req).await.expect_err("refused");
        assert_eq!(err.class(), class, "{u}: {err}");
    }
}

fn photo_route(path: &str, n: u32) -> Reply {
    let png = |p: &str| Reply::Full {
        status: 200,
        headers: vec![("Content-Type".into(), "image/png".into())],
        body: std::fs::read(format!(
            "{}/../samples/sites/{p}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("sample photo"),
    };
    match path {
        "/" => Reply::html(r#"<a class="ad" href="/ad/7">seven</a>"#),
        "/ad/7" => Reply::html(
            r#"<h1>CZ 75</h1><img class="photo" src="/img/a.png"><img class="photo" src="/img/bad.png">"#,
        ),
        "/img/a.png" => png("market/img/70466-1.png"),
        "/img/bad.png" => Reply::Full {
            status: 200,
            headers: vec![("Content-Type".into(), "image/png".into())],
            body: b"\x89PNG\r\n\x1a\nnot really".to_vec(),
        },
        _ => site_route(path, n),
    }
}

/// Photos get a perceptual hash in the fetch log and in their metadata record; a photo that
/// does not decode is archived with an error class instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_are_hashed_in_the_log_and_the_archive() {
    let server = TestServer::start(photo_route).await;
    let dir = tempfile::tempdir().expect("tmp");
    let ws = Workspace::new(dir.path().join("ws"));
    let crawler = Crawler::new(config(dir.path(), &server.base, ""), &ws).expect("crawler");
    let (stats, _) = crawl(&crawler).await;
    assert_eq!(stats.per_site["shop"].images, 2);
    let expected = crate::photo::fingerprint(
        &std::fs::read(format!(
            "{}/../samples/sites/market/img/70466-1.png",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("sample"),
    )
    .expect("hash");
    drop(crawler);
    let conn = rusqlite::Connection::open(ws.state_db()).expect("db");
    let row = |suffix: &str| -> (Option<String>, Option<String>, Option<String>) {
        conn.query_row(
            "SELECT dhash, photo_color, error_class FROM crawl_fetch_log WHERE url LIKE '%' || ?1",
            [suffix],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect(suffix)
    };
    assert_eq!(
        row("/img/a.png"),
        (
            Some(expected.dhash.to_string()),
            Some(expected.color.to_string()),
            None
        )
    );
    assert_eq!(
        row("/img/bad.png"),
        (None, None, Some("image_decode".into()))
    );
    let mut photos = crate::archive::read_photos(&ws).expect("photos");
    photos.sort_by(|a, b| a.url.cmp(&b.url));
    assert_eq!(photos.len(), 2);
    assert!(photos[0].url.ends_with("/img/a.png"));
    assert_eq!(photos[0].dhash, Some(expected.dhash.to_string()));
    assert!(photos[0].record_id.len() > 10);
    assert!(photos[1].url.ends_with("/img/bad.png"));
    assert_eq!(photos[1].dhash, None);
    assert!(photos[1].error.as_deref().unwrap_or("").contains("decoded"));
}
