//! The synthetic sample sites, embedded in the binary and served on loopback.
//!
//! One listener per site (each site is its own origin, as on the real web), static files only,
//! nothing executed. Used by `salwatch samples serve`, the demo, the end-to-end tests and the
//! benchmarks, so all of them crawl exactly the same bytes.

use std::borrow::Cow;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use include_dir::{Dir, include_dir};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use url::Url;

/// The whole `samples/` directory of the source tree, as it was at build time.
pub static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../samples");

/// Where the sample files come from.
#[derive(Debug, Clone)]
pub enum SampleSource {
    /// The copy built into this binary.
    Embedded,
    /// A `samples/` directory on disk (to try an edited or regenerated copy without rebuilding).
    Disk(PathBuf),
}

impl SampleSource {
    /// Reads a file given its path relative to `samples/`.
    pub fn read(&self, relative: &str) -> Option<Cow<'static, [u8]>> {
        let relative = safe_relative(relative)?;
        match self {
            SampleSource::Embedded => EMBEDDED
                .get_file(&relative)
                .map(|f| Cow::Borrowed(f.contents())),
            SampleSource::Disk(root) => std::fs::read(root.join(&relative)).ok().map(Cow::Owned),
        }
    }

    /// Names of the sample sites (sub-directories of `sites/`), sorted.
    pub fn site_names(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> = match self {
            SampleSource::Embedded => EMBEDDED
                .get_dir("sites")
                .map(|d| {
                    d.dirs()
                        .filter_map(|s| s.path().file_name()?.to_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            SampleSource::Disk(root) => {
                let dir = root.join("sites");
                std::fs::read_dir(&dir)
                    .with_context(|| format!("cannot list sample sites in {}", dir.display()))?
                    .filter_map(|e| e.ok())
                    .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
                    .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                    .collect()
            }
        };
        names.sort();
        if names.is_empty() {
            bail!("no sample sites found (expected sites/<name>/ directories)");
        }
        Ok(names)
    }

    /// Writes the example configuration and the site profiles into `dir` (the start of a
    /// workspace), returning the path of the written `salwatch.toml`.
    pub fn write_config_files(&self, dir: &Path) -> Result<PathBuf> {
        std::fs::create_dir_all(dir.join("profiles"))
            .with_context(|| format!("cannot create {}", dir.join("profiles").display()))?;
        let config = self
            .read("salwatch.toml")
            .context("the samples have no salwatch.toml")?;
        let config_path = dir.join("salwatch.toml");
        std::fs::write(&config_path, &config)
            .with_context(|| format!("cannot write {}", config_path.display()))?;
        for name in self.profile_names()? {
            let relative = format!("profiles/{name}");
            let bytes = self
                .read(&relative)
                .with_context(|| format!("cannot read sample {relative}"))?;
            std::fs::write(dir.join(&relative), &bytes)
                .with_context(|| format!("cannot write {}", dir.join(&relative).display()))?;
        }
        Ok(config_path)
    }

    fn profile_names(&self) -> Result<Vec<String>> {
        let names = match self {
            SampleSource::Embedded => EMBEDDED
                .get_dir("profiles")
                .map(|d| {
                    d.files()
                        .filter_map(|f| f.path().file_name()?.to_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            SampleSource::Disk(root) => std::fs::read_dir(root.join("profiles"))
                .with_context(|| format!("cannot list {}", root.join("profiles").display()))?
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                .collect(),
        };
        Ok(names)
    }
}

/// Rejects absolute paths and `..`: a request can only ever read inside the samples.
fn safe_relative(path: &str) -> Option<String> {
    let path = Path::new(path.trim_start_matches('/'));
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

/// Sample sites being served; dropping it stops nothing, call [`SampleServer::shutdown`].
pub struct SampleServer {
    /// `(site name, base URL)` in name order.
    pub sites: Vec<(String, Url)>,
    tasks: Vec<JoinHandle<()>>,
}

impl SampleServer {
    /// Serves every sample site on `ip`. With `first_port` 0 each site gets an ephemeral port;
    /// otherwise the sites take consecutive ports from `first_port` in name order.
    pub async fn start(source: SampleSource, ip: IpAddr, first_port: u16) -> Result<Self> {
        let source = Arc::new(source);
        let mut sites = Vec::new();
        let mut tasks = Vec::new();
        for (i, name) in source.site_names()?.into_iter().enumerate() {
            let port = if first_port == 0 {
                0
            } else {
                first_port
                    .checked_add(u16::try_from(i).context("too many sample sites")?)
                    .context("port range overflows")?
            };
            let listener = TcpListener::bind(SocketAddr::new(ip, port))
                .await
                .with_context(|| format!("cannot listen on {ip}:{port} for sample site {name}"))?;
            let addr = listener.local_addr()?;
            let base = Url::parse(&format!("http://{addr}/"))?;
            tracing::debug!(site = %name, %base, "serving sample site");
            tasks.push(tokio::spawn(accept_loop(
                listener,
                source.clone(),
                name.clone(),
            )));
            sites.push((name, base));
        }
        Ok(Self { sites, tasks })
    }

    /// Stops every listener.
    pub fn shutdown(self) {
        for task in self.tasks {
            task.abort();
        }
    }
}

async fn accept_loop(listener: TcpListener, source: Arc<SampleSource>, site: String) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(site = %site, error = %e, "accept failed");
                continue;
            }
        };
        let source = source.clone();
        let site = site.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let response = respond(&source, &site, &req);
                async move { Ok::<_, Infallible>(response) }
            });
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(error = %e, "sample connection ended with an error");
            }
        });
    }
}

fn respond(source: &SampleSource, site: &str, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
    }
    let path = req.uri().path();
    let mut relative = format!("sites/{site}{path}");
    if relative.ends_with('/') {
        relative.push_str("index.html");
    }
    match source.read(&relative) {
        Some(bytes) => {
            let mime = mime_guess::from_path(&relative).first_or_octet_stream();
            let content_type = if mime.type_() == "text" {
                format!("{mime}; charset=utf-8")
            } else {
                mime.to_string()
            };
            let body = if req.method() == Method::HEAD {
                Bytes::new()
            } else {
                Bytes::from(bytes.into_owned())
            };
            response(StatusCode::OK, &content_type, body)
        }
        None => plain(StatusCode::NOT_FOUND, "not found\n"),
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    response(
        status,
        "text/plain; charset=utf-8",
        Bytes::from_static(text.as_bytes()),
    )
}

fn response(status: StatusCode, content_type: &str, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    if let Ok(value) = hyper::header::HeaderValue::from_str(content_type) {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_is_refused() {
        assert_eq!(safe_relative("/a/b.html").as_deref(), Some("a/b.html"));
        assert_eq!(safe_relative("/a/./b.html").as_deref(), Some("a/b.html"));
        assert_eq!(safe_relative("/a/../../etc/passwd"), None);
        assert_eq!(safe_relative("../x"), None);
    }
}
