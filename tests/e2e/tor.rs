//! The Tor transport end to end: a private Tor network on 127.0.0.1 (tests/e2e/tornet.rs), an
//! onion service in front of the samples' darknet market, and `salwatch crawl` reaching it
//! through its onion address with the in-process arti client. Asserts the indexed listings
//! against the ground truth, the WARC captures of the onion URLs and the Tor route in their
//! metadata records.
//!
//! Needs Debian's `tor` package (`apt-get install tor`; .ci/run installs it). Without it the
//! test says so loudly and passes, unless `SALWATCH_REQUIRE_TOR` is set (CI), where it fails.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Served, bin, ground_truth, ok, samples_dir, search};
use crate::tornet::{TorNet, tor_available};

/// Returns false (after saying so loudly) when the test cannot run here.
fn tor_or_skip() -> bool {
    if tor_available() {
        return true;
    }
    let msg = "`tor` and `tor-gencert` are not installed: the private-network Tor test CANNOT \
               run (apt-get install tor)";
    if std::env::var_os("SALWATCH_REQUIRE_TOR").is_some() {
        panic!("{msg}; SALWATCH_REQUIRE_TOR is set, so this is a failure");
    }
    eprintln!("\n!!!!!!!!!!\n!!! SKIPPED: {msg}\n!!!!!!!!!!\n");
    false
}

/// A workspace whose only site is the market, seeded at the onion address.
fn onion_workspace(ws: &Path, net: &TorNet, concurrency: usize) {
    std::fs::create_dir_all(ws.join("profiles")).unwrap();
    std::fs::copy(
        samples_dir().join("profiles/market.toml"),
        ws.join("profiles/market.toml"),
    )
    .unwrap();
    let config = format!(
        "[crawl]\nrequests_per_minute = 0\nconcurrency = {concurrency}\n\n\
         [archive]\noperator = \"Tor test (invented)\"\n\n{}\n\
         [[sites]]\nname = \"market\"\nprofile = \"profiles/market.toml\"\n\
         seeds = [\"http://{}/\"]\nconcurrency = {concurrency}\n\
         headers = {{ \"Accept-Language\" = \"en\" }}\n",
        net.salwatch_tor_table(),
        net.onion
    );
    std::fs::write(ws.join("salwatch.toml"), config).unwrap();
}

/// Runs `salwatch crawl` with Tor progress logged; returns (stdout, stderr, wall time).
pub fn crawl_logged(ws: &Path) -> (String, String, Duration) {
    // The benchmark runs a release binary this way (arti's crypto is slow unoptimised).
    let exe = std::env::var_os("SALWATCH_BENCH_BIN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(bin);
    let start = Instant::now();
    let out = Command::new(exe)
        .args(["-w", ws.to_str().unwrap(), "crawl", "--quiet"])
        .env_remove("SALWATCH_WORKSPACE")
        .env("RUST_LOG", "warn,salwatch::tor=info")
        .stdin(Stdio::null())
        .output()
        .expect("salwatch crawl runs");
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "salwatch crawl through Tor failed ({:?})\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status.code()
    );
    (stdout, stderr, elapsed)
}

/// Seconds the crawl's Tor client took to bootstrap, from its log.
pub fn bootstrap_secs(stderr: &str) -> Option<f64> {
    let line = stderr.lines().find(|l| l.contains("Tor bootstrapped in"))?;
    let tail = line.split("Tor bootstrapped in ").nth(1)?;
    tail.split('s').next()?.trim().parse().ok()
}

/// Every WARC record of the archive, decompressed (`gzip -dc` reads the multi-member files).
fn warc_text(ws: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(ws.join("archive")).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".warc.gz") {
            let out = Command::new("gzip").arg("-dc").arg(&path).output().unwrap();
            assert!(out.status.success(), "gzip -dc {}", path.display());
            text.push_str(&String::from_utf8_lossy(&out.stdout));
        }
    }
    text
}

#[test]
fn crawls_an_onion_market_through_a_private_tor_network() {
    if !tor_or_skip() {
        return;
    }
    let truth = ground_truth();
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(&dir.path().join("serve"));
    let market = served
        .sites
        .iter()
        .find(|(n, _)| n == "market")
        .map(|(_, u)| url::Url::parse(u).unwrap())
        .expect("the market is served");
    let port = market.port().expect("a port");

    let net = TorNet::start(&dir.path().join("tornet"), port);
    let consensus = net.wait_for_consensus(Duration::from_secs(240));
    let descriptor = net.wait_for_descriptor(Duration::from_secs(240));
    let reachable = net.wait_for_reachable(Duration::from_secs(300));
    eprintln!(
        "private Tor network: consensus with every relay after {:.1}s, descriptor uploaded after \
         {:.1}s, service answering a C-tor client after {:.1}s",
        consensus.as_secs_f64(),
        descriptor.as_secs_f64(),
        reachable.as_secs_f64()
    );

    let ws = dir.path().join("ws");
    onion_workspace(&ws, &net, 4);
    let (stdout, stderr, elapsed) = crawl_logged(&ws);
    eprintln!(
        "crawl through Tor: {:.1}s (bootstrap {:?}s); network launch to crawl end {:.1}s\n{stdout}",
        elapsed.as_secs_f64(),
        bootstrap_secs(&stderr),
        net.launched.elapsed().as_secs_f64()
    );
    assert!(
        bootstrap_secs(&stderr).is_some(),
        "bootstrap progress is logged:\n{stderr}"
    );

    // Every market listing of the ground truth is indexed, reached through the onion address.
    let hits = search(&ws, &["--site", "market", ""]);
    let got: BTreeSet<String> = hits
        .iter()
        .map(|h| h["listing"]["listing_id"].as_str().unwrap().to_owned())
        .collect();
    let want: BTreeSet<String> = truth["listings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["site"] == "market")
        .map(|l| format!("market:{}", l["listing_id"].as_str().unwrap()))
        .collect();
    assert_eq!(got, want, "market listings indexed through Tor");
    for h in &hits {
        let url = h["listing"]["url"].as_str().unwrap();
        assert!(
            url.contains(&net.onion),
            "listing URL {url} is the onion URL"
        );
    }

    // The WARC captures are of the onion URLs, and every metadata record says route "tor".
    let warc = warc_text(&ws);
    let listing_path = truth["sites"]["market"]["listing_url_example"]
        .as_str()
        .unwrap();
    let target = format!("WARC-Target-URI: http://{}{listing_path}", net.onion);
    assert!(warc.contains(&target), "a capture of {target}");
    assert!(
        !warc.contains("WARC-Target-URI: http://127.0.0.1"),
        "nothing fetched clearnet"
    );
    let tor_routes = warc.matches("\"route\":\"tor\"").count();
    assert!(
        tor_routes >= want.len(),
        "{tor_routes} metadata records with route tor"
    );
    assert!(
        !warc.contains("\"route\":\"clearnet\""),
        "no clearnet route recorded"
    );
    ok(&["-w", ws.to_str().unwrap(), "archive", "verify"]);
    drop(net);
    drop(served);
}

/// Pages fetched, from the crawl's summary line.
fn pages_fetched(stdout: &str) -> u64 {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("Crawled "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no summary line in {stdout}"))
}

/// Fetches `urls` through the C-tor client's SOCKS port with curl, `concurrency` at a time;
/// returns the wall time.
fn curl_through_c_tor(socks: u16, urls: &[String], concurrency: usize) -> Duration {
    let start = Instant::now();
    let mut child = Command::new("xargs")
        .args([
            "-P",
            &concurrency.to_string(),
            "-n",
            "1",
            "curl",
            "-sf",
            "-o",
            "/dev/null",
        ])
        .args(["--max-time", "120", "--socks5-hostname"])
        .arg(format!("127.0.0.1:{socks}"))
        .stdin(Stdio::piped())
        .spawn()
        .expect("xargs curl starts");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(urls.join("\n").as_bytes()).unwrap();
    }
    assert!(child.wait().unwrap().success(), "every URL fetched by curl");
    start.elapsed()
}

/// The figure of docs/BENCHMARKS.md: onion pages/s through the private network at concurrency
/// 1, 4 and 16 (salwatch's arti client, crawl + archive + index; against curl through a C-tor
/// client fetching the same URLs), and the time to bootstrap. Run with
/// `cargo build --release -p salwatch-cli && SALWATCH_BENCH_BIN=target/release/salwatch
/// cargo test -p salwatch-cli --test e2e tor_bench -- --ignored --nocapture`.
#[test]
#[ignore = "benchmark: run explicitly"]
fn tor_bench() {
    if !tor_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(&dir.path().join("serve"));
    let market = served
        .sites
        .iter()
        .find(|(n, _)| n == "market")
        .map(|(_, u)| url::Url::parse(u).unwrap())
        .unwrap();
    let net = TorNet::start(&dir.path().join("tornet"), market.port().unwrap());
    let consensus = net.wait_for_consensus(Duration::from_secs(240));
    let descriptor = net.wait_for_descriptor(Duration::from_secs(240));
    let reachable = net.wait_for_reachable(Duration::from_secs(300));
    println!(
        "network: consensus {:.1}s, descriptor {:.1}s, service reachable {:.1}s after launch",
        consensus.as_secs_f64(),
        descriptor.as_secs_f64(),
        reachable.as_secs_f64()
    );
    let mut urls: Vec<String> = Vec::new();
    for c in [1usize, 4, 16] {
        let ws = dir.path().join(format!("ws{c}"));
        onion_workspace(&ws, &net, c);
        let (stdout, stderr, wall) = crawl_logged(&ws);
        let boot = bootstrap_secs(&stderr).expect("bootstrap logged");
        let pages = pages_fetched(&stdout);
        let crawl_secs = wall.as_secs_f64() - boot;
        if urls.is_empty() {
            let cdxj = std::fs::read_to_string(ws.join("archive/captures.cdxj")).unwrap();
            urls = cdxj
                .lines()
                .filter_map(|l| {
                    let json = &l[l.find('{')?..];
                    let v: serde_json::Value = serde_json::from_str(json).ok()?;
                    v["url"].as_str().map(str::to_owned)
                })
                .collect();
            assert!(urls.len() as u64 >= pages, "one CDXJ line per capture");
            // Warm the C-tor client (bootstrap, descriptor, rendezvous) like arti's bootstrap.
            let warm = Instant::now();
            curl_through_c_tor(net.socks_port, &urls[..1], 1);
            println!(
                "C-tor client first fetch (warm-up): {:.1}s",
                warm.elapsed().as_secs_f64()
            );
        }
        let peer = curl_through_c_tor(net.socks_port, &urls, c).as_secs_f64();
        println!(
            "concurrency {c:>2}: salwatch {pages} pages in {crawl_secs:.2}s = {:.1} pages/s \
             (bootstrap {boot:.2}s, wall {:.2}s); curl via C tor {} URLs in {peer:.2}s = {:.1} \
             pages/s; ratio {:.2}",
            pages as f64 / crawl_secs,
            wall.as_secs_f64(),
            urls.len(),
            urls.len() as f64 / peer,
            (pages as f64 / crawl_secs) / (urls.len() as f64 / peer)
        );
    }
}
