//! A tiny hostile HTTP/1.1 server on 127.0.0.1 for unit tests: each connection serves one
//! request from a route closure, then closes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What to answer.
pub enum Reply {
    /// A complete response.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Read the request, never answer.
    Stall,
    /// Headers, then one byte every `every`, forever (or until the client gives up).
    Drip { every: Duration },
    /// A chunked body that never ends.
    Endless,
    /// A `len`-byte HTML body generated in 64 KiB slices (never held in memory), announced by
    /// `Content-Length` when `announce`, else sent chunked. Bytes the client accepted are
    /// counted (see [`TestServer::sent`]).
    Big { len: u64, announce: bool },
}

impl Reply {
    pub fn html(body: &str) -> Self {
        Reply::Full {
            status: 200,
            headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
            body: body.as_bytes().to_vec(),
        }
    }
    pub fn status(status: u16, headers: &[(&str, &str)]) -> Self {
        Reply::Full {
            status,
            headers: headers
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            body: Vec::new(),
        }
    }
    pub fn not_found() -> Self {
        Reply::Full {
            status: 404,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: b"not found".to_vec(),
        }
    }
}

/// A running server.
pub struct TestServer {
    pub base: String,
    hits: Arc<Mutex<HashMap<String, Vec<tokio::time::Instant>>>>,
    heads: Arc<Mutex<HashMap<String, Vec<String>>>>,
    sent: Arc<Mutex<HashMap<String, u64>>>,
}

impl TestServer {
    pub async fn start<F>(route: F) -> Self
    where
        F: Fn(&str, u32) -> Reply + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let hits: Arc<Mutex<HashMap<String, Vec<tokio::time::Instant>>>> = Arc::default();
        let heads: Arc<Mutex<HashMap<String, Vec<String>>>> = Arc::default();
        let sent: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
        let route = Arc::new(route);
        let sn = sent.clone();
        let h = hits.clone();
        let hd = heads.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    break;
                };
                let route = route.clone();
                let hits = h.clone();
                let heads = hd.clone();
                let sent = sn.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut tmp = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match sock.read(&mut tmp).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&tmp[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).into_owned();
                    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                    heads
                        .lock()
                        .expect("heads")
                        .entry(path.clone())
                        .or_default()
                        .push(head.clone());
                    let n = {
                        let mut h = hits.lock().expect("hits");
                        let v = h.entry(path.clone()).or_default();
                        v.push(tokio::time::Instant::now());
                        v.len() as u32
                    };
                    match route(&path, n) {
                        Reply::Full {
                            status,
                            headers,
                            body,
                        } => {
                            let mut out = format!(
                                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                                body.len()
                            );
                            for (k, v) in headers {
                                out.push_str(&format!("{k}: {v}\r\n"));
                            }
                            out.push_str("\r\n");
                            let _ = sock.write_all(out.as_bytes()).await;
                            let _ = sock.write_all(&body).await;
                        }
                        Reply::Stall => tokio::time::sleep(Duration::from_secs(3600)).await,
                        Reply::Drip { every } => {
                            let _ = sock.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n").await;
                            loop {
                                if sock.write_all(b"a").await.is_err() {
                                    break;
                                }
                                tokio::time::sleep(every).await;
                            }
                        }
                        Reply::Endless => {
                            let _ = sock.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n").await;
                            let chunk = format!("{:x}\r\n{}\r\n", 8192, "x".repeat(8192));
                            while sock.write_all(chunk.as_bytes()).await.is_ok() {}
                        }
                        Reply::Big { len, announce } => {
                            let head = if announce {
                                format!(
                                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
                                )
                            } else {
                                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_string()
                            };
                            if sock.write_all(head.as_bytes()).await.is_ok() {
                                let slice = vec![b'x'; 64 * 1024];
                                let mut left = len;
                                while left > 0 {
                                    let n = left.min(slice.len() as u64) as usize;
                                    let ok = if announce {
                                        sock.write_all(&slice[..n]).await.is_ok()
                                    } else {
                                        let mut c = format!("{n:x}\r\n").into_bytes();
                                        c.extend_from_slice(&slice[..n]);
                                        c.extend_from_slice(b"\r\n");
                                        sock.write_all(&c).await.is_ok()
                                    };
                                    if !ok {
                                        break;
                                    }
                                    left -= n as u64;
                                    *sent.lock().expect("sent").entry(path.clone()).or_default() +=
                                        n as u64;
                                }
                                if !announce && left == 0 {
                                    let _ = sock.write_all(b"0\r\n\r\n").await;
                                }
                            }
                        }
                    }
                    let _ = sock.shutdown().await;
                });
            }
        });
        Self {
            base: format!("http://{addr}"),
            hits,
            heads,
            sent,
        }
    }

    /// Request heads received for a path, in order.
    pub fn heads(&self, path: &str) -> Vec<String> {
        self.heads
            .lock()
            .expect("heads")
            .get(path)
            .cloned()
            .unwrap_or_default()
    }

    /// Body bytes of [`Reply::Big`] answers to a path that the client's socket accepted
    /// (an upper bound of what the client read).
    pub fn sent(&self, path: &str) -> u64 {
        self.sent
            .lock()
            .expect("sent")
            .get(path)
            .copied()
            .unwrap_or_default()
    }

    /// Number of requests for a path.
    pub fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .expect("hits")
            .get(path)
            .map_or(0, Vec::len)
    }

    /// Request times of a path.
    pub fn times(&self, path: &str) -> Vec<tokio::time::Instant> {
        self.hits
            .lock()
            .expect("hits")
            .get(path)
            .cloned()
            .unwrap_or_default()
    }
}
