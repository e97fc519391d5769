//! The clearnet transport: reqwest with rustls, no automatic redirects or decompression, the
//! guarded resolver, and streaming with size and time limits.

use std::net::IpAddr;
use std::sync::Once;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use futures::future::BoxFuture;

use super::guard::{GuardedResolver, is_onion, is_private};
use super::transport::{FetchError, FetchRequest, FetchResponse, Transport, check_head};

/// Installs the ring crypto provider for rustls once per process (idempotent; safe to call from
/// every entry point).
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means another provider was installed first, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Direct HTTP(S) from this machine.
#[derive(Debug, Clone)]
pub struct ClearnetTransport {
    client: reqwest::Client,
    allow_private: bool,
}

impl ClearnetTransport {
    /// Builds the client. `connect_timeout` bounds TCP+TLS setup.
    pub fn new(
        user_agent: &str,
        connect_timeout: Duration,
        allow_private: bool,
    ) -> Result<Self, FetchError> {
        install_crypto_provider();
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect_timeout)
            .dns_resolver(GuardedResolver::new(allow_private))
            .no_proxy()
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| FetchError::Http {
                url: String::new(),
                message: format!("cannot build HTTP client: {e}"),
            })?;
        Ok(Self {
            client,
            allow_private,
        })
    }

    /// Checks scheme, onion and literal addresses before any network activity.
    fn preflight(&self, request: &FetchRequest) -> Result<(), FetchError> {
        let url = &request.url;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(FetchError::UnsupportedScheme {
                url: url.to_string(),
            });
        }
        match url.host() {
            Some(url::Host::Domain(d)) if is_onion(d) => Err(FetchError::OnionNeedsTor {
                url: url.to_string(),
            }),
            Some(url::Host::Ipv4(ip)) if !self.allow_private && is_private(&IpAddr::V4(ip)) => {
                Err(FetchError::PrivateAddress {
                    url: url.to_string(),
                    ip: ip.to_string(),
                })
            }
            Some(url::Host::Ipv6(ip)) if !self.allow_private && is_private(&IpAddr::V6(ip)) => {
                Err(FetchError::PrivateAddress {
                    url: url.to_string(),
                    ip: ip.to_string(),
                })
            }
            None => Err(FetchError::UnsupportedScheme {
                url: url.to_string(),
            }),
            _ => Ok(()),
        }
    }

    async fn exchange(&self, request: &FetchRequest) -> Result<FetchResponse, FetchError> {
        self.preflight(request)?;
        let url_s = request.url.to_string();
        let limits = &request.limits;
        let started_at = chrono::Utc::now();
        let start = Instant::now();
        let mut builder = self.client.get(request.url.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let send = builder.send();
        let mut response = match tokio::time::timeout(limits.first_byte_timeout, send).await {
            Err(_) => {
                return Err(FetchError::Timeout {
                    url: url_s,
                    phase: "response headers",
                    secs: limits.first_byte_timeout.as_secs_f64(),
                });
            }
            Ok(Err(e)) => return Err(classify(&url_s, &e)),
            Ok(Ok(r)) => r,
        };
        let status = response.status().as_u16();
        let version = format!("{:?}", response.version());
        let remote_ip = response.remote_addr().map(|a| a.ip());
        let headers = check_head(&url_s, status, response.headers(), limits)?;
        let mut body = BytesMut::new();
        loop {
            let remaining = limits.total_timeout.saturating_sub(start.elapsed());
            let chunk = match tokio::time::timeout(remaining, response.chunk()).await {
                Err(_) => {
                    return Err(FetchError::Timeout {
                        url: url_s,
                        phase: "the whole response",
                        secs: limits.total_timeout.as_secs_f64(),
                    });
                }
                Ok(Err(e)) => return Err(classify(&url_s, &e)),
                Ok(Ok(None)) => break,
                Ok(Ok(Some(c))) => c,
            };
            if body.len() as u64 + chunk.len() as u64 > limits.max_body_bytes {
                return Err(FetchError::BodyTooLarge {
                    url: url_s,
                    limit: limits.max_body_bytes,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(FetchResponse {
            url: request.url.clone(),
            status,
            version,
            headers,
            body: body.freeze(),
            remote_ip,
            started_at,
            elapsed: start.elapsed(),
        })
    }
}

/// Maps a reqwest error to a fetch error, surfacing the guard's refusals.
fn classify(url: &str, e: &reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(g) = err.downcast_ref::<super::guard::GuardError>() {
            return match g {
                super::guard::GuardError::Onion(_) => FetchError::OnionNeedsTor {
                    url: url.to_string(),
                },
                super::guard::GuardError::Private { ip, .. } => FetchError::PrivateAddress {
                    url: url.to_string(),
                    ip: ip.to_string(),
                },
            };
        }
        source = err.source();
    }
    let message = error_chain(e);
    if e.is_timeout() {
        FetchError::Timeout {
            url: url.to_string(),
            phase: "connection",
            secs: 0.0,
        }
    } else if e.is_connect() {
        FetchError::Connect {
            url: url.to_string(),
            message,
        }
    } else {
        FetchError::Http {
            url: url.to_string(),
            message,
        }
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}

impl Transport for ClearnetTransport {
    fn fetch<'a>(
        &'a self,
        request: &'a FetchRequest,
    ) -> BoxFuture<'a, Result<FetchResponse, FetchError>> {
        Box::pin(async move {
            match tokio::time::timeout(request.limits.total_timeout, self.exchange(request)).await {
                Ok(r) => r,
                Err(_) => Err(FetchError::Timeout {
                    url: request.url.to_string(),
                    phase: "the whole response",
                    secs: request.limits.total_timeout.as_secs_f64(),
                }),
            }
        })
    }
}
