//! The Tor transport: arti in-process (no daemon), one isolation token per site, onion v3
//! addresses validated before any connection, connection attempts retried with back-off on
//! circuit, descriptor, introduction and rendezvous failures, and each failure classified
//! ([`TorFailure`]). The HTTP exchange is HTTP/1.1 over arti's data streams (hyper), with the
//! same limits as clearnet; redirects, decompression, charsets and WARC capture stay in the
//! scheduler, so both transports share one HTTP code path.
//!
//! Nothing here touches the system resolver: onion names go to arti's onion-service client,
//! other names (sites with `route = "tor"`) are resolved by the exit relay.

mod classify;
mod client;
mod http;
#[cfg(test)]
mod leak_tests;
pub mod onion;
pub mod settings;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arti_client::config::BoolOrAuto;
use arti_client::{IsolationToken, StreamPrefs};
use futures::future::BoxFuture;

pub use classify::TorFailure;
pub use onion::{OnionAddressError, OnionV3};
pub use settings::{Fallback, PrivateNetwork, TorConfig};

use self::classify::error_chain;
use self::client::Client;
use self::http::ExchangeTimeouts;
use super::guard::is_private;
use super::transport::{FetchError, FetchRequest, FetchResponse, Transport};

/// Longest back-off between two connection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The shared Tor client of a crawl. Bootstraps on first use; hand each site its own
/// [`TorTransport::for_site`] handle so that two sites never share a circuit.
pub struct TorTransport {
    settings: TorConfig,
    config: arti_client::TorClientConfig,
    client: tokio::sync::OnceCell<Arc<Client>>,
    allow_private: bool,
}

impl std::fmt::Debug for TorTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TorTransport")
            .field("bootstrapped", &self.client.initialized())
            .field("private_network", &self.settings.network.is_some())
            .finish()
    }
}

impl TorTransport {
    /// Prepares the client with state and cache in `dir` (created owner-only). Nothing
    /// connects until the first fetch or [`TorTransport::bootstrap`].
    pub fn new(settings: &TorConfig, dir: &Path, allow_private: bool) -> Result<Self, FetchError> {
        let fail = |message: String| FetchError::Tor {
            url: String::new(),
            kind: TorFailure::Bootstrap,
            message,
        };
        crate::fetch::install_crypto_provider();
        client::prepare_dir(dir)
            .map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
        let config = client::arti_config(settings, dir, allow_private).map_err(fail)?;
        Ok(Self {
            settings: settings.clone(),
            config,
            client: tokio::sync::OnceCell::new(),
            allow_private,
        })
    }

    /// Bootstraps (once; later calls return at once). Returns the time it took, zero when
    /// already bootstrapped.
    pub async fn bootstrap(&self) -> Result<Duration, FetchError> {
        let start = Instant::now();
        let mut ran = false;
        self.client
            .get_or_try_init(|| {
                ran = true;
                client::bootstrap(
                    self.config.clone(),
                    Duration::from_secs(self.settings.bootstrap_timeout_secs.max(1)),
                )
            })
            .await?;
        Ok(if ran { start.elapsed() } else { Duration::ZERO })
    }

    /// A transport for one site: its own isolation token, so its streams never share a circuit
    /// with another site's.
    pub fn for_site(self: &Arc<Self>, site: &str) -> Arc<dyn Transport> {
        Arc::new(TorSite {
            tor: self.clone(),
            site: site.to_string(),
            isolation: IsolationToken::new(),
        })
    }

    /// The checks made before anything leaves the machine: scheme, onion validity, literal
    /// private addresses. Returns the host to connect to, and whether it is an onion service.
    fn preflight(&self, request: &FetchRequest) -> Result<(String, bool), FetchError> {
        let url = &request.url;
        let url_s = url.to_string();
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(FetchError::UnsupportedScheme { url: url_s });
        }
        match url.host() {
            Some(url::Host::Domain(d)) if super::guard::is_onion(d) => {
                let onion = OnionV3::parse(d).map_err(|e| FetchError::InvalidOnion {
                    url: url_s,
                    reason: e.to_string(),
                })?;
                // Keep sub-domains (virtual hosts) but connect with the validated form.
                let host = d.to_ascii_lowercase();
                debug_assert!(host.ends_with(&onion.host()));
                Ok((host, true))
            }
            Some(url::Host::Domain(d)) => Ok((d.to_string(), false)),
            Some(url::Host::Ipv4(ip)) => self.literal(&url_s, std::net::IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => self.literal(&url_s, std::net::IpAddr::V6(ip)),
            None => Err(FetchError::UnsupportedScheme { url: url_s }),
        }
    }

    fn literal(&self, url: &str, ip: std::net::IpAddr) -> Result<(String, bool), FetchError> {
        if !self.allow_private && is_private(&ip) {
            return Err(FetchError::PrivateAddress {
                url: url.to_string(),
                ip: ip.to_string(),
            });
        }
        Ok((ip.to_string(), false))
    }

    /// Opens a stream to `host:port`, retrying retryable failures with back-off within the
    /// connection budget. Each attempt has its own timeout (arti's own covers only the last step).
    async fn connect(
        &self,
        client: &Client,
        url: &str,
        host: &str,
        port: u16,
        onion: bool,
        isolation: IsolationToken,
    ) -> Result<arti_client::DataStream, FetchError> {
        let s = &self.settings;
        let attempt_timeout = Duration::from_secs(s.attempt_timeout_secs.max(1));
        let budget = Duration::from_secs(s.connect_budget_secs.max(1));
        let mut backoff = Duration::from_millis(s.retry_backoff_ms.max(1));
        let mut prefs = StreamPrefs::new();
        prefs.set_isolation(isolation);
        if onion {
            prefs.connect_to_onion_services(BoolOrAuto::Explicit(true));
        }
        let start = Instant::now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let left = budget.saturating_sub(start.elapsed());
            let this = attempt_timeout.min(left.max(Duration::from_secs(1)));
            let failure = match tokio::time::timeout(
                this,
                client.connect_with_prefs((host, port), &prefs),
            )
            .await
            {
                Ok(Ok(stream)) => {
                    if attempt > 1 {
                        tracing::info!(target: "salwatch::tor", url, attempt, "Tor connection succeeded after retries");
                    }
                    return Ok(stream);
                }
                Ok(Err(e)) => (TorFailure::of(&e), error_chain(&e)),
                Err(_) => (
                    TorFailure::Timeout,
                    format!(
                        "connection attempt took longer than {:.0}s",
                        this.as_secs_f64()
                    ),
                ),
            };
            let (kind, message) = failure;
            tracing::info!(target: "salwatch::tor", url, attempt, class = kind.class(), error = %message, "Tor connection attempt failed");
            let elapsed = start.elapsed();
            if !kind.retryable() || elapsed + backoff >= budget {
                return Err(FetchError::Tor {
                    url: url.to_string(),
                    kind,
                    message: format!(
                        "{message} (after {attempt} attempt{}, {:.0}s)",
                        if attempt == 1 { "" } else { "s" },
                        elapsed.as_secs_f64()
                    ),
                });
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    async fn fetch_isolated(
        &self,
        request: &FetchRequest,
        isolation: IsolationToken,
    ) -> Result<FetchResponse, FetchError> {
        let (host, onion) = self.preflight(request)?;
        let url_s = request.url.to_string();
        self.bootstrap().await.map_err(|e| with_url(e, &url_s))?;
        let client = self.client.get().cloned().ok_or_else(|| FetchError::Tor {
            url: url_s.clone(),
            kind: TorFailure::Bootstrap,
            message: "client missing after bootstrap".into(),
        })?;
        let started_at = chrono::Utc::now();
        let start = Instant::now();
        let port = request.url.port_or_known_default().unwrap_or(80);
        let stream = self
            .connect(&client, &url_s, &host, port, onion, isolation)
            .await?;
        let s = &self.settings;
        // Time starts after the connection: its budget is separate.
        let timeouts = ExchangeTimeouts {
            first_byte: request
                .limits
                .first_byte_timeout
                .max(Duration::from_secs(s.first_byte_timeout_secs)),
            total: request
                .limits
                .total_timeout
                .max(Duration::from_secs(s.total_timeout_secs)),
        };
        let exchange_start = Instant::now();
        let mut response = if request.url.scheme() == "https" {
            let tls = http::tls(stream, &host, &url_s).await?;
            http::exchange(tls, request, timeouts, exchange_start, started_at).await?
        } else {
            http::exchange(stream, request, timeouts, exchange_start, started_at).await?
        };
        response.elapsed = start.elapsed();
        Ok(response)
    }
}

/// Puts the URL into an error raised before one was known (bootstrap).
fn with_url(e: FetchError, url: &str) -> FetchError {
    match e {
        FetchError::Tor { kind, message, .. } => FetchError::Tor {
            url: url.to_string(),
            kind,
            message,
        },
        other => other,
    }
}

/// One site's view of the Tor transport.
struct TorSite {
    tor: Arc<TorTransport>,
    site: String,
    isolation: IsolationToken,
}

impl Transport for TorSite {
    fn fetch<'a>(
        &'a self,
        request: &'a FetchRequest,
    ) -> BoxFuture<'a, Result<FetchResponse, FetchError>> {
        tracing::trace!(target: "salwatch::tor", site = %self.site, url = %request.url, "fetch via Tor");
        Box::pin(self.tor.fetch_isolated(request, self.isolation))
    }
}

impl Transport for TorTransport {
    /// Fetches with a fresh isolation token per request (prefer [`TorTransport::for_site`]).
    fn fetch<'a>(
        &'a self,
        request: &'a FetchRequest,
    ) -> BoxFuture<'a, Result<FetchResponse, FetchError>> {
        Box::pin(self.fetch_isolated(request, IsolationToken::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::FetchLimits;

    fn transport(dir: &Path) -> TorTransport {
        let settings = TorConfig {
            enabled: true,
            check_permissions: false,
            bootstrap_timeout_secs: 1,
            ..TorConfig::default()
        };
        TorTransport::new(&settings, dir, false).expect("builds without network")
    }

    fn req(url: &str) -> FetchRequest {
        FetchRequest {
            url: url::Url::parse(url).expect("url"),
            headers: vec![],
            limits: FetchLimits {
                first_byte_timeout: Duration::from_secs(1),
                total_timeout: Duration::from_secs(1),
                max_body_bytes: 1024,
                content_types: vec![],
            },
        }
    }

    #[tokio::test]
    async fn invalid_onion_is_refused_before_bootstrap() {
        let dir = tempfile::tempdir().expect("tempdir");
        let t = Arc::new(transport(&dir.path().join("tor")));
        let site = t.for_site("market");
        // One letter of the key mistyped (duckduckgo -> duckduckga).
        let bad = "http://duckduckgagg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion/";
        let e = site.fetch(&req(bad)).await.expect_err("refused");
        assert_eq!(e.class(), "onion_invalid", "{e}");
        assert!(e.to_string().contains("checksum"), "{e}");
        // Nothing was started: no bootstrap happened.
        assert!(!t.client.initialized());
        let e = site
            .fetch(&req("ftp://x.onion/"))
            .await
            .expect_err("scheme");
        assert_eq!(e.class(), "unsupported_scheme");
        let e = site
            .fetch(&req("http://10.0.0.1/"))
            .await
            .expect_err("private");
        assert_eq!(e.class(), "private_address");
    }

    #[test]
    fn state_dir_is_owner_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let tor_dir = dir.path().join("tor");
        let _t = transport(&tor_dir);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&tor_dir)
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }
}
