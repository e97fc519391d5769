//! The guarantee of DESIGN.md §6, proved on a whole crawl: an `.onion` name never reaches the
//! system resolver, with Tor off (refused) or on (sent to arti). The resolver records every name
//! it is asked ([`crate::fetch::guard::lookups`]); a clearnet site on `localhost` proves that the
//! recording works.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::OnionV3;
use crate::config::Config;
use crate::crawl::{Crawler, NoopObserver};
use crate::fetch::guard::lookups;
use crate::state::State;
use crate::testserver::{Reply, TestServer};
use crate::workspace::Workspace;

fn config(dir: &std::path::Path, port: u16, onion: &str, tor: &str) -> Config {
    let text = format!(
        r#"[crawl]
allow_private_addresses = true
requests_per_minute = 0
retries = 0
first_byte_timeout_secs = 2
total_timeout_secs = 3
{tor}
[[sites]]
name = "shop"
seeds = ["http://localhost:{port}/"]

[[sites]]
name = "market"
seeds = ["http://{onion}/", "http://www.{onion}/listings?page=2"]
obey_robots = false
"#
    );
    Config::parse(&text, &dir.join("salwatch.toml"), dir.to_path_buf()).expect("config")
}

async fn crawl(config: Config, ws: &Workspace) -> Vec<(String, u64)> {
    let crawler = Crawler::new(config, ws).expect("crawler");
    let (tx, mut rx) = mpsc::channel(16);
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    crawler
        .run(tx, Arc::new(NoopObserver))
        .await
        .expect("crawl runs");
    drain.await.expect("drain");
    State::open(&ws.state_db())
        .expect("state")
        .error_counts("market")
        .expect("counts")
}

fn assert_no_onion_lookup(onion: &str) {
    let names = lookups::names();
    assert!(
        names.iter().any(|n| n == "localhost"),
        "the recording resolver saw the clearnet site: {names:?}"
    );
    assert!(
        !names
            .iter()
            .any(|n| n.ends_with(".onion") || n.contains(&onion[..20])),
        "an onion name reached the system resolver: {names:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onion_names_never_reach_dns_with_tor_off_or_on() {
    let server = TestServer::start(|path, _| match path {
        "/robots.txt" => Reply::not_found(),
        _ => Reply::html("<p>clearnet page</p>"),
    })
    .await;
    let port = url::Url::parse(&server.base)
        .expect("base")
        .port()
        .expect("port");
    let onion = OnionV3::from_key([42u8; 32]).host();

    // Tor off: refused by the clearnet transport before any lookup.
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = Workspace::new(dir.path().join("off"));
    let counts = crawl(config(dir.path(), port, &onion, ""), &ws).await;
    assert_eq!(counts, vec![("onion_needs_tor".to_string(), 2)]);
    assert_no_onion_lookup(&onion);

    // Tor on, pointed at a private network that does not answer: the onion goes to arti, which
    // cannot bootstrap; still no lookup, and the failure is classified.
    let tor = r#"[tor]
enabled = true
check_permissions = false
bootstrap_timeout_secs = 2
[tor.network]
authorities = ["0123456789ABCDEF0123456789ABCDEF01234567"]
[[tor.network.fallbacks]]
rsa_identity = "89ABCDEF0123456789ABCDEF0123456789ABCDEF"
ed_identity = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
orports = ["127.0.0.1:1"]
"#;
    let ws = Workspace::new(dir.path().join("on"));
    let counts = crawl(config(dir.path(), port, &onion, tor), &ws).await;
    assert_eq!(counts, vec![("tor_bootstrap".to_string(), 2)]);
    assert_no_onion_lookup(&onion);
    assert!(
        server.hits("/") >= 2,
        "the clearnet site was crawled both times"
    );
}

#[test]
fn route_tor_without_tor_is_a_configuration_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = r#"[[sites]]
name = "mirror"
seeds = ["https://example.org/"]
route = "tor"
"#;
    let config = Config::parse(
        text,
        &dir.path().join("salwatch.toml"),
        dir.path().to_path_buf(),
    )
    .expect("parses");
    let err = Crawler::new(config, &Workspace::new(dir.path().join("ws")))
        .expect_err("refused")
        .to_string();
    assert!(
        err.contains("route = \"tor\"") && err.contains("[tor] enabled"),
        "{err}"
    );
}
