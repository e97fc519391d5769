//! `salwatch.toml`: sites, seeds, limits and paths. Every key is documented in
//! `samples/salwatch.toml`; keep the two in step (a test parses that file).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::page::Route;

/// Errors reading the configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read configuration {path}: {source}")]
    Io {
        /// Path of the configuration file.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has an unknown/mistyped key.
    #[error("invalid configuration {path}: {message}")]
    Parse {
        /// Path of the configuration file.
        path: PathBuf,
        /// Parser message, with line and column.
        message: String,
    },
    /// The configuration is well-formed but inconsistent.
    #[error("invalid configuration {path}: {message}")]
    Invalid {
        /// Path of the configuration file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// The whole configuration file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Crawl defaults, overridable per site.
    #[serde(default)]
    pub crawl: CrawlConfig,
    /// Archive settings.
    #[serde(default)]
    pub archive: ArchiveConfig,
    /// Rule packs.
    #[serde(default)]
    pub rules: RulesConfig,
    /// The in-process Tor client (`.onion` sites, `route = "tor"`).
    #[serde(default)]
    pub tor: crate::fetch::tor::TorConfig,
    /// Sites to crawl.
    #[serde(default)]
    pub sites: Vec<SiteConfig>,
    /// Directory the file was loaded from; relative paths (profiles, packs) resolve against it.
    #[serde(skip)]
    pub base_dir: PathBuf,
}

/// Crawl defaults.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CrawlConfig {
    /// User-Agent header sent with every request.
    pub user_agent: String,
    /// Obey robots.txt (a per-site `obey_robots = false` is logged).
    pub obey_robots: bool,
    /// Allow fetching private, loopback and link-local addresses (off by default; the samples and
    /// tests turn it on for 127.0.0.1).
    pub allow_private_addresses: bool,
    /// Requests per minute per site (token bucket refill rate). 0 = unlimited.
    pub requests_per_minute: u32,
    /// Token bucket size per site.
    pub burst: u32,
    /// Concurrent requests over all sites.
    pub concurrency: usize,
    /// Concurrent requests per site.
    pub per_site_concurrency: usize,
    /// Minimum delay between two requests to one site, in milliseconds.
    pub delay_ms: u64,
    /// Random extra delay, up to this many milliseconds.
    pub jitter_ms: u64,
    /// Maximum link depth from a seed.
    pub max_depth: u32,
    /// Maximum pages fetched per site per crawl.
    pub max_pages: u64,
    /// TCP/TLS connect timeout, seconds.
    pub connect_timeout_secs: u64,
    /// Time to the response headers, seconds.
    pub first_byte_timeout_secs: u64,
    /// Whole-request timeout, seconds.
    pub total_timeout_secs: u64,
    /// Largest body accepted on the wire, bytes.
    pub max_body_bytes: u64,
    /// Largest body accepted after decompression, bytes.
    pub max_decompressed_bytes: u64,
    /// Redirects followed before giving up.
    pub max_redirects: u32,
    /// Retries of a failed fetch (timeouts, 5xx, 429) with exponential backoff.
    pub retries: u32,
    /// Content types fetched and archived (prefix match on the media type).
    pub content_types: Vec<String>,
    /// Fetch and archive listing photos.
    pub fetch_images: bool,
    /// Hours before a listing page is fetched again by a later crawl.
    pub recrawl_interval_hours: u64,
}

impl Default for CrawlConfig {
    fn default() -> Self {
        Self {
            user_agent: concat!("salwatch/", env!("CARGO_PKG_VERSION")).to_string(),
            obey_robots: true,
            allow_private_addresses: false,
            requests_per_minute: 60,
            burst: 5,
            concurrency: 16,
            per_site_concurrency: 2,
            delay_ms: 0,
            jitter_ms: 0,
            max_depth: 12,
            max_pages: 10_000,
            connect_timeout_secs: 10,
            first_byte_timeout_secs: 30,
            total_timeout_secs: 120,
            max_body_bytes: 10 * 1024 * 1024,
            max_decompressed_bytes: 50 * 1024 * 1024,
            max_redirects: 5,
            retries: 3,
            content_types: vec![
                "text/html".into(),
                "application/xhtml+xml".into(),
                "text/plain".into(),
                "image/".into(),
            ],
            fetch_images: true,
            recrawl_interval_hours: 24,
        }
    }
}

/// Archive settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArchiveConfig {
    /// Start a new WARC file when the current one passes this size, bytes.
    pub warc_max_bytes: u64,
    /// Operator named in each WARC file's warcinfo record (unit or analyst).
    pub operator: String,
}

impl Default for ArchiveConfig {
    fn default() -> Self {
        Self {
            warc_max_bytes: 1024 * 1024 * 1024,
            operator: String::new(),
        }
    }
}

/// Rule pack settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RulesConfig {
    /// Extra rule pack files or directories, loaded after the built-in `salw-core`.
    pub packs: Vec<PathBuf>,
    /// Entities kept per listing; past it they are counted (`entities_omitted`). `None`: the
    /// rule engine's default (10,000); 0: no limit.
    pub max_entities: Option<usize>,
}

/// One site.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// Short unique name; part of every listing id.
    pub name: String,
    /// Site profile file (TOML), relative to the configuration file. Without one the generic
    /// fallback (main text, links) is used.
    #[serde(default)]
    pub profile: Option<PathBuf>,
    /// Start URLs.
    pub seeds: Vec<String>,
    /// Hosts (host or host:port) in scope; default: the hosts of the seeds.
    #[serde(default)]
    pub scope_hosts: Vec<String>,
    /// Regexes a URL path (with query) must match to be followed; default: everything.
    #[serde(default)]
    pub scope_paths: Vec<String>,
    /// Default phone region (ISO 3166 alpha-2) for numbers written without a country code.
    #[serde(default)]
    pub phone_region: Option<String>,
    /// `clearnet` or `tor`. Onion hosts always go through Tor whatever this says.
    #[serde(default)]
    pub route: Route,
    /// Extra headers sent to this site (e.g. a session cookie).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Per-site overrides of `[crawl]` keys.
    #[serde(default)]
    pub requests_per_minute: Option<u32>,
    /// Per-site override of `crawl.burst`.
    #[serde(default)]
    pub burst: Option<u32>,
    /// Per-site override of `crawl.per_site_concurrency`.
    #[serde(default)]
    pub concurrency: Option<usize>,
    /// Per-site override of `crawl.obey_robots` (logged when it turns robots off).
    #[serde(default)]
    pub obey_robots: Option<bool>,
    /// Per-site override of `crawl.max_depth`.
    #[serde(default)]
    pub max_depth: Option<u32>,
    /// Per-site override of `crawl.max_pages`.
    #[serde(default)]
    pub max_pages: Option<u64>,
    /// Per-site override of `crawl.delay_ms`.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// "Session expired" detection for a site crawled with a session (cookie/header): when it
    /// fires, the site stops with a clear message instead of archiving login pages.
    #[serde(default)]
    pub session: Option<SessionConfig>,
}

/// How a site shows that its session (cookie, token) has expired.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    /// Text that only a logged-out page shows (e.g. "Please log in"); case-insensitive.
    #[serde(default)]
    pub expired_markers: Vec<String>,
    /// Regex on the URL path of the login page: a redirect to it, or a fetch of it, means the
    /// session is gone.
    #[serde(default)]
    pub login_url: Option<String>,
    /// HTTP statuses that mean the session is gone. Default: 401 and 403.
    #[serde(default = "default_expired_statuses")]
    pub statuses: Vec<u16>,
}

fn default_expired_statuses() -> Vec<u16> {
    vec![401, 403]
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let base_dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Self::parse(&text, path, base_dir)
    }

    /// Parses configuration text; `path` is only used in messages, `base_dir` resolves relative paths.
    pub fn parse(text: &str, path: &Path, base_dir: PathBuf) -> Result<Self, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        config.base_dir = base_dir;
        config.check(path)?;
        Ok(config)
    }

    fn check(&self, path: &Path) -> Result<(), ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        self.tor.check().map_err(&invalid)?;
        let mut names = std::collections::BTreeSet::new();
        for site in &self.sites {
            if site.name.is_empty()
                || !site
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(invalid(format!(
                    "site name {:?} must be non-empty ASCII letters, digits, '-' or '_'",
                    site.name
                )));
            }
            if !names.insert(site.name.as_str()) {
                return Err(invalid(format!("site {:?} is defined twice", site.name)));
            }
            if site.seeds.is_empty() {
                return Err(invalid(format!("site {:?} has no seeds", site.name)));
            }
            for seed in &site.seeds {
                url::Url::parse(seed).map_err(|e| {
                    invalid(format!(
                        "site {:?}: seed {seed:?} is not a URL: {e}",
                        site.name
                    ))
                })?;
            }
            if let Some(login) = site.session.as_ref().and_then(|s| s.login_url.as_ref()) {
                regex::Regex::new(login).map_err(|e| {
                    invalid(format!(
                        "site {:?}: session.login_url {login:?}: {e}",
                        site.name
                    ))
                })?;
            }
            for pattern in &site.scope_paths {
                regex::Regex::new(pattern).map_err(|e| {
                    invalid(format!(
                        "site {:?}: scope_paths pattern {pattern:?}: {e}",
                        site.name
                    ))
                })?;
            }
        }
        Ok(())
    }

    /// Resolves a path from the file against the directory the file was loaded from.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.base_dir.join(path)
        }
    }

    /// Points a site at another base URL (used by the demo and the tests, which serve the samples
    /// on an ephemeral loopback port): seeds keep their path and query, scope hosts are replaced.
    pub fn rebase_site(&mut self, name: &str, base: &url::Url) -> bool {
        let Some(site) = self.sites.iter_mut().find(|s| s.name == name) else {
            return false;
        };
        site.seeds = site
            .seeds
            .iter()
            .map(|seed| match url::Url::parse(seed) {
                Ok(old) => {
                    let mut new = base.clone();
                    new.set_path(old.path());
                    new.set_query(old.query());
                    new.to_string()
                }
                Err(_) => seed.clone(),
            })
            .collect();
        site.scope_hosts.clear();
        true
    }
}
