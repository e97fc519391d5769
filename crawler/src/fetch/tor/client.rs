//! Building and bootstrapping the in-process arti client: state and cache under the workspace's
//! `tor/` (owner-only), optional private network, bootstrap progress in the log.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arti_client::config::TorClientConfigBuilder;
use arti_client::config::dir::FallbackDir;
use arti_client::{TorClient, TorClientConfig};
use futures::StreamExt as _;
use tor_rtcompat::PreferredRuntime;

use super::classify::{TorFailure, error_chain};
use super::settings::{TorConfig, ed_identity, rsa_identity};
use crate::fetch::FetchError;

/// The arti client type used by the transport.
pub(crate) type Client = TorClient<PreferredRuntime>;

/// Builds arti's configuration: state in `dir/state`, cache in `dir/cache`, the private
/// network if one is configured. `allow_local` lets clearnet-through-Tor reach private
/// addresses (mirrors `crawl.allow_private_addresses`).
pub(crate) fn arti_config(
    tor: &TorConfig,
    dir: &Path,
    allow_local: bool,
) -> Result<TorClientConfig, String> {
    let mut b = TorClientConfigBuilder::from_directories(dir.join("state"), dir.join("cache"));
    if !tor.check_permissions {
        b.storage().permissions().dangerously_trust_everyone();
    }
    b.address_filter().allow_local_addrs(allow_local);
    b.stream_timeouts()
        .connect_timeout(Duration::from_secs(tor.attempt_timeout_secs.max(1)));
    if let Some(net) = &tor.network {
        let mut ids = Vec::new();
        for a in &net.authorities {
            ids.push(rsa_identity(a)?.into());
        }
        b.tor_network().authorities().set_v3idents(ids);
        let mut fallbacks = Vec::new();
        for f in &net.fallbacks {
            let mut fb = FallbackDir::builder();
            fb.rsa_identity(rsa_identity(&f.rsa_identity)?.into())
                .ed_identity(ed_identity(&f.ed_identity)?.into());
            for port in &f.orports {
                fb.orports().push(*port);
            }
            fallbacks.push(fb);
        }
        b.tor_network().set_fallback_caches(fallbacks);
        b.path_rules()
            .ipv4_subnet_family_prefix(net.ipv4_subnet_family_prefix)
            .ipv6_subnet_family_prefix(net.ipv6_subnet_family_prefix);
        for (k, v) in &net.net_params {
            b.override_net_params().insert(k.clone(), *v);
        }
    }
    b.build()
        .map_err(|e| format!("Tor client configuration: {e}"))
}

/// Creates the state directory owner-only (arti refuses state others can write).
pub(crate) fn prepare_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Creates the client and bootstraps it within `timeout`, logging progress as it goes.
pub(crate) async fn bootstrap(
    config: TorClientConfig,
    timeout: Duration,
) -> Result<Arc<Client>, FetchError> {
    let fail = |message: String| FetchError::Tor {
        url: String::new(),
        kind: TorFailure::Bootstrap,
        message,
    };
    let start = Instant::now();
    let client = TorClient::builder()
        .config(config)
        .create_unbootstrapped_async()
        .await
        .map_err(|e| fail(error_chain(&e)))?;
    let mut events = client.bootstrap_events();
    let progress = tokio::spawn(async move {
        let mut last = -1i32;
        while let Some(status) = events.next().await {
            let pct = (status.as_frac() * 100.0) as i32;
            if pct != last {
                last = pct;
                tracing::info!(target: "salwatch::tor", percent = pct, "Tor bootstrap {pct}%: {status}");
            }
            if let Some(blocked) = status.blocked() {
                tracing::warn!(target: "salwatch::tor", "Tor bootstrap blocked: {blocked}");
            }
            if status.ready_for_traffic() {
                break;
            }
        }
    });
    let result = tokio::time::timeout(timeout, client.bootstrap()).await;
    progress.abort();
    match result {
        Err(_) => Err(fail(format!(
            "no usable Tor directory after {:.0}s (authorities or fallbacks unreachable?)",
            timeout.as_secs_f64()
        ))),
        Ok(Err(e)) => Err(fail(error_chain(&e))),
        Ok(Ok(())) => {
            tracing::info!(
                target: "salwatch::tor",
                secs = start.elapsed().as_secs_f64(),
                "Tor bootstrapped in {:.2}s",
                start.elapsed().as_secs_f64()
            );
            Ok(client)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::tor::settings::{Fallback, PrivateNetwork};

    #[test]
    fn a_private_network_needs_and_accepts_fallbacks() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut tor = TorConfig {
            enabled: true,
            ..TorConfig::default()
        };
        arti_config(&tor, dir.path(), false).expect("public network config builds");
        tor.network = Some(PrivateNetwork {
            authorities: vec!["0123456789ABCDEF0123456789ABCDEF01234567".into()],
            fallbacks: vec![Fallback {
                rsa_identity: "89ABCDEF0123456789ABCDEF0123456789ABCDEF".into(),
                ed_identity: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8".into(),
                orports: vec!["127.0.0.1:5100".parse().expect("addr")],
            }],
            ipv4_subnet_family_prefix: 33,
            ipv6_subnet_family_prefix: 129,
            net_params: [("hsdir_interval".to_string(), 8)].into_iter().collect(),
        });
        let cfg = arti_config(&tor, dir.path(), true).expect("private network config builds");
        let dbg = format!("{cfg:?}");
        assert!(dbg.contains("hsdir_interval"), "{dbg}");
        assert!(dbg.contains("127.0.0.1:5100"), "{dbg}");
    }
}
