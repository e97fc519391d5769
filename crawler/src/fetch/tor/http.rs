//! One HTTP/1.1 GET over an already-connected byte stream (an arti `DataStream`, optionally
//! wrapped in TLS): hyper's client connection, the same limits as the clearnet transport.
//! Generic over the stream so it is tested over plain TCP on loopback.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use http_body_util::BodyExt as _;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::fetch::transport::{FetchError, FetchRequest, FetchResponse, check_head};

/// Timeouts of the exchange (the connection is already up).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExchangeTimeouts {
    /// Until the response headers.
    pub first_byte: Duration,
    /// Until the end of the body, counted from `start`.
    pub total: Duration,
}

/// Wraps `stream` in TLS for `host`, verifying the certificate with the platform's roots.
pub(crate) async fn tls<S>(
    stream: S,
    host: &str,
    url: &str,
) -> Result<tokio_rustls::client::TlsStream<S>, FetchError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    use rustls_platform_verifier::ConfigVerifierExt as _;
    crate::fetch::install_crypto_provider();
    let http = |message: String| FetchError::Http {
        url: url.to_string(),
        message,
    };
    let mut config = rustls::ClientConfig::with_platform_verifier()
        .map_err(|e| http(format!("TLS setup: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let name = rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|e| http(format!("TLS server name {host:?}: {e}")))?;
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, stream)
        .await
        .map_err(|e| http(format!("TLS handshake: {e}")))
}

/// Sends `request` over `stream` and reads the response within the limits.
pub(crate) async fn exchange<S>(
    stream: S,
    request: &FetchRequest,
    timeouts: ExchangeTimeouts,
    start: Instant,
    started_at: DateTime<Utc>,
) -> Result<FetchResponse, FetchError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let url_s = request.url.to_string();
    let limits = &request.limits;
    let http = |message: String| FetchError::Http {
        url: url_s.clone(),
        message,
    };
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| http(format!("HTTP handshake: {e}")))?;
    // The connection task ends when the response is read or the sender is dropped; aborted on
    // return so nothing lingers on a timeout.
    let driver = AbortOnDrop(tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!(error = %e, "Tor HTTP connection ended with an error");
        }
    }));
    let mut target = request.url.path().to_string();
    if let Some(q) = request.url.query() {
        target.push('?');
        target.push_str(q);
    }
    let mut builder = hyper::Request::builder()
        .method(hyper::Method::GET)
        .uri(target)
        .header(hyper::header::HOST, crate::canon::host_key(&request.url));
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let req = builder
        .body(http_body_util::Empty::<Bytes>::new())
        .map_err(|e| http(format!("cannot build the request: {e}")))?;
    let response = match tokio::time::timeout(timeouts.first_byte, sender.send_request(req)).await {
        Err(_) => {
            return Err(FetchError::Timeout {
                url: url_s,
                phase: "response headers",
                secs: timeouts.first_byte.as_secs_f64(),
            });
        }
        Ok(Err(e)) => return Err(http(e.to_string())),
        Ok(Ok(r)) => r,
    };
    let status = response.status().as_u16();
    let version = format!("{:?}", response.version());
    let headers = check_head(&url_s, status, response.headers(), limits)?;
    let mut body_stream = response.into_body();
    let mut body = BytesMut::new();
    loop {
        let remaining = timeouts.total.saturating_sub(start.elapsed());
        let frame = match tokio::time::timeout(remaining, body_stream.frame()).await {
            Err(_) => {
                return Err(FetchError::Timeout {
                    url: url_s,
                    phase: "the whole response",
                    secs: timeouts.total.as_secs_f64(),
                });
            }
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(http(format!("reading the body: {e}"))),
            Ok(Some(Ok(f))) => f,
        };
        let Ok(chunk) = frame.into_data() else {
            continue; // trailers
        };
        if body.len() as u64 + chunk.len() as u64 > limits.max_body_bytes {
            return Err(FetchError::BodyTooLarge {
                url: url_s,
                limit: limits.max_body_bytes,
            });
        }
        body.extend_from_slice(&chunk);
    }
    drop(driver);
    Ok(FetchResponse {
        url: request.url.clone(),
        status,
        version,
        headers,
        body: body.freeze(),
        remote_ip: None,
        started_at,
        elapsed: start.elapsed(),
    })
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::FetchLimits;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    /// Serves one canned response on loopback; returns the address and the request it read.
    async fn one_shot(
        response: Vec<u8>,
    ) -> (std::net::SocketAddr, tokio::task::JoinHandle<String>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let handle = tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.expect("accept");
            let mut buf = vec![0u8; 4096];
            let mut got = Vec::new();
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = sock.read(&mut buf).await.expect("read");
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            sock.write_all(&response).await.expect("write");
            let _ = sock.shutdown().await;
            String::from_utf8_lossy(&got).into_owned()
        });
        (addr, handle)
    }

    fn request(addr: std::net::SocketAddr, max: u64, types: &[&str]) -> FetchRequest {
        FetchRequest {
            url: url::Url::parse(&format!("http://{addr}/a/b?x=1")).expect("url"),
            headers: vec![("User-Agent".into(), "salwatch-test".into())],
            limits: FetchLimits {
                first_byte_timeout: Duration::from_secs(5),
                total_timeout: Duration::from_secs(5),
                max_body_bytes: max,
                content_types: types.iter().map(|s| s.to_string()).collect(),
            },
        }
    }

    const T: ExchangeTimeouts = ExchangeTimeouts {
        first_byte: Duration::from_secs(5),
        total: Duration::from_secs(5),
    };

    #[tokio::test]
    async fn chunked_gzip_body_is_kept_as_on_the_wire() {
        let resp = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=windows-1251\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".to_vec();
        let (addr, server) = one_shot(resp).await;
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let req = request(addr, 1024, &["text/html"]);
        let r = exchange(stream, &req, T, Instant::now(), Utc::now())
            .await
            .expect("exchange");
        assert_eq!(r.status, 200);
        assert_eq!(r.version, "HTTP/1.1");
        assert_eq!(&r.body[..], b"hello world");
        assert_eq!(r.header("content-encoding").as_deref(), Some("gzip"));
        let sent = server.await.expect("server");
        assert!(sent.starts_with("GET /a/b?x=1 HTTP/1.1\r\n"), "{sent}");
        assert!(
            sent.to_ascii_lowercase()
                .contains(&format!("host: {addr}\r\n")),
            "{sent}"
        );
        assert!(sent.contains("salwatch-test"), "{sent}");
    }

    #[tokio::test]
    async fn limits_apply_as_on_clearnet() {
        let big =
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100\r\n\r\n".to_vec();
        let (addr, _s) = one_shot([big, vec![b'x'; 100]].concat()).await;
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let e = exchange(
            stream,
            &request(addr, 10, &[]),
            T,
            Instant::now(),
            Utc::now(),
        )
        .await
        .expect_err("too large");
        assert_eq!(e.class(), "body_too_large");

        let pdf = b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: 1\r\n\r\nx"
            .to_vec();
        let (addr, _s) = one_shot(pdf).await;
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let e = exchange(
            stream,
            &request(addr, 10, &["text/html"]),
            T,
            Instant::now(),
            Utc::now(),
        )
        .await
        .expect_err("type");
        assert_eq!(e.class(), "content_type");

        // A redirect is returned as is (the scheduler follows it).
        let redirect =
            b"HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n".to_vec();
        let (addr, _s) = one_shot(redirect).await;
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let r = exchange(
            stream,
            &request(addr, 10, &["text/html"]),
            T,
            Instant::now(),
            Utc::now(),
        )
        .await
        .expect("redirect");
        assert_eq!(r.status, 302);
        assert_eq!(r.header("location").as_deref(), Some("/next"));
    }

    #[tokio::test]
    async fn a_silent_server_times_out() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let _hold = tokio::spawn(async move {
            let (sock, _) = listener.accept().await.expect("accept");
            tokio::time::sleep(Duration::from_secs(10)).await;
            drop(sock);
        });
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let short = ExchangeTimeouts {
            first_byte: Duration::from_millis(200),
            total: Duration::from_secs(5),
        };
        let e = exchange(
            stream,
            &request(addr, 10, &[]),
            short,
            Instant::now(),
            Utc::now(),
        )
        .await
        .expect_err("timeout");
        assert_eq!(e.class(), "timeout");
    }
}
