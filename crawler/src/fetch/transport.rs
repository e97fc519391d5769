//! The transport boundary: clearnet and Tor, one trait.

use std::net::IpAddr;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use url::Url;

/// Limits applied to one exchange.
#[derive(Debug, Clone)]
pub struct FetchLimits {
    /// Time allowed until the response headers arrive.
    pub first_byte_timeout: Duration,
    /// Time allowed for the whole exchange, body included.
    pub total_timeout: Duration,
    /// Largest body accepted on the wire.
    pub max_body_bytes: u64,
    /// Allowed media types (prefix match); empty = everything.
    pub content_types: Vec<String>,
}

/// One GET request.
#[derive(Debug, Clone)]
pub struct FetchRequest {
    /// Target URL.
    pub url: Url,
    /// Headers to send (besides `Host`), in order.
    pub headers: Vec<(String, String)>,
    /// Limits.
    pub limits: FetchLimits,
}

impl FetchRequest {
    /// The request as an HTTP/1.1 message head, for the WARC request record.
    pub fn http_head(&self) -> Vec<u8> {
        let mut target = self.url.path().to_string();
        if let Some(q) = self.url.query() {
            target.push('?');
            target.push_str(q);
        }
        let host = crate::canon::host_key(&self.url);
        let mut head = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\n");
        for (name, value) in &self.headers {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        head.into_bytes()
    }
}

/// One HTTP response as received: headers and the raw body (content encoding kept, transfer
/// encoding removed).
#[derive(Debug, Clone)]
pub struct FetchResponse {
    /// The URL requested.
    pub url: Url,
    /// HTTP status code.
    pub status: u16,
    /// `HTTP/1.1`, `HTTP/2.0` …
    pub version: String,
    /// Response headers in received order (names lower-case).
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body as on the wire (after transfer decoding).
    pub body: Bytes,
    /// Peer address, when known.
    pub remote_ip: Option<IpAddr>,
    /// When the request was sent.
    pub started_at: DateTime<Utc>,
    /// Time taken.
    pub elapsed: Duration,
}

impl FetchResponse {
    /// First value of a header, as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }

    /// Media type of `Content-Type`, lower-case, without parameters (empty when absent).
    pub fn media_type(&self) -> String {
        media_type(self.header("content-type").as_deref().unwrap_or(""))
    }
}

/// Checks a response head before any body is read, the same way for every transport: the
/// content type of a successful response must be on the allow-list (error and redirect bodies are
/// archived whatever their type), and a declared length must fit the body limit. Returns the
/// headers as archived.
pub(crate) fn check_head(
    url: &str,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    limits: &FetchLimits,
) -> Result<Vec<(String, Vec<u8>)>, FetchError> {
    let archived: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
        .collect();
    let header =
        |name: reqwest::header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let media = media_type(header(reqwest::header::CONTENT_TYPE).unwrap_or(""));
    if (200..300).contains(&status)
        && !limits.content_types.is_empty()
        && !limits
            .content_types
            .iter()
            .any(|p| media.starts_with(p.as_str()))
    {
        return Err(FetchError::ContentTypeNotAllowed {
            url: url.to_string(),
            content_type: media,
        });
    }
    let declared =
        header(reqwest::header::CONTENT_LENGTH).and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(len) = declared
        && len > limits.max_body_bytes
    {
        return Err(FetchError::BodyTooLarge {
            url: url.to_string(),
            limit: limits.max_body_bytes,
        });
    }
    Ok(archived)
}

/// Media type of a `Content-Type` value, lower-case, without parameters.
pub fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Why a fetch failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// An `.onion` host on a transport that cannot reach it; never resolved.
    #[error(
        "{url}: .onion hosts need the Tor transport, which is not enabled (no DNS lookup was made)"
    )]
    OnionNeedsTor {
        /// The URL.
        url: String,
    },
    /// The host is or resolves to a private/loopback address and the config forbids those.
    #[error(
        "{url}: refused private or loopback address {ip} (set crawl.allow_private_addresses to allow)"
    )]
    PrivateAddress {
        /// The URL.
        url: String,
        /// The address.
        ip: String,
    },
    /// Only http and https are fetched.
    #[error("{url}: unsupported URL scheme")]
    UnsupportedScheme {
        /// The URL.
        url: String,
    },
    /// Name resolution or connection failed.
    #[error("{url}: connection failed: {message}")]
    Connect {
        /// The URL.
        url: String,
        /// Details.
        message: String,
    },
    /// A timeout expired.
    #[error("{url}: timed out waiting for {phase} after {secs:.1}s")]
    Timeout {
        /// The URL.
        url: String,
        /// `response headers`, `body` …
        phase: &'static str,
        /// Seconds waited.
        secs: f64,
    },
    /// The body passed `max_body_bytes`.
    #[error("{url}: body larger than the limit of {limit} bytes")]
    BodyTooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// The media type is not in the allow-list.
    #[error("{url}: content type {content_type:?} not in the allow-list")]
    ContentTypeNotAllowed {
        /// The URL.
        url: String,
        /// The media type received.
        content_type: String,
    },
    /// Any other protocol error.
    #[error("{url}: HTTP error: {message}")]
    Http {
        /// The URL.
        url: String,
        /// Details.
        message: String,
    },
    /// An `.onion` host that is not a valid v3 address; refused before any connection.
    #[error("{url}: invalid onion address: {reason} (no connection was made)")]
    InvalidOnion {
        /// The URL.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A classified failure of the Tor transport (already retried by the transport).
    #[error("{url}: {kind}: {message}")]
    Tor {
        /// The URL.
        url: String,
        /// The class an analyst sees.
        kind: crate::fetch::tor::TorFailure,
        /// arti's message chain.
        message: String,
    },
}

impl FetchError {
    /// A short stable class name for the fetch log and error counts.
    pub fn class(&self) -> &'static str {
        match self {
            FetchError::OnionNeedsTor { .. } => "onion_needs_tor",
            FetchError::PrivateAddress { .. } => "private_address",
            FetchError::UnsupportedScheme { .. } => "unsupported_scheme",
            FetchError::Connect { .. } => "connect",
            FetchError::Timeout { .. } => "timeout",
            FetchError::BodyTooLarge { .. } => "body_too_large",
            FetchError::ContentTypeNotAllowed { .. } => "content_type",
            FetchError::Http { .. } => "http",
            FetchError::InvalidOnion { .. } => "onion_invalid",
            FetchError::Tor { kind, .. } => kind.class(),
        }
    }

    /// True when a retry may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            FetchError::Connect { .. } | FetchError::Timeout { .. } | FetchError::Http { .. }
        )
    }
}

/// Performs one HTTP exchange. Implementations follow no redirects and never decode content.
pub trait Transport: Send + Sync {
    /// Fetches `request`.
    fn fetch<'a>(
        &'a self,
        request: &'a FetchRequest,
    ) -> BoxFuture<'a, Result<FetchResponse, FetchError>>;
}
