//! The scheduler: per-site loops on tokio that claim URLs from the SQLite frontier (listing links
//! first, then pagination, then other links) a batch at a time, pace them per host, fetch
//! through a [`Transport`], archive every response first, record the outcome and new URLs, and
//! hand the [`Page`] downstream.
//!
//! Resumability: a claim is committed before any of its rows is fetched, and a capture is
//! archived (one write of its three records) before its frontier row is marked done. The "done"
//! writes are deferred and committed together with the next claim (one SQLite commit per batch
//! of pages), so after a kill a captured row may still read `in_flight`. At start, rows left in
//! flight by a killed crawl are looked up in the WARC files their job wrote: found ones are
//! completed from the archive (links, CDXJ line, page re-sent), the rest go back to the queue.
//! So every URL is captured exactly once, however many completions were pending at the kill.

mod analyze;
mod recover;
mod route;
mod site;
mod worker;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{Semaphore, mpsc};

use crate::archive::{ArchiveError, ArchiveWriter};
use crate::config::Config;
use crate::fetch::{ClearnetTransport, FetchError, TorTransport, Transport};
use crate::pacer::Pacer;
use crate::page::Page;
use crate::profile::ProfileError;
use crate::robots::RobotsPolicy;
use crate::state::{NewUrl, State, StateError, UrlKind, priority};
use crate::workspace::Workspace;
pub use site::SiteRuntime;

/// Errors that stop a crawl.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CrawlError {
    /// Configuration problem.
    #[error("crawl configuration: {0}")]
    Config(String),
    /// A site profile failed to load.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// The archive failed.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// The state database failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// The transport could not be built.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// A stop was asked before the work could start (the URL goes back to the queue).
    #[error("the crawl was stopped")]
    Stopped,
    /// Workspace I/O.
    #[error("workspace {path}: {source}")]
    Io {
        /// Path.
        path: std::path::PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
}

/// Progress events (for progress bars and logs).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CrawlEvent {
    /// A site's crawl begins.
    SiteStarted {
        /// Site.
        site: String,
    },
    /// Queue size of a site changed.
    Queued {
        /// Site.
        site: String,
        /// URLs waiting.
        pending: u64,
    },
    /// A response was archived.
    Fetched {
        /// Site.
        site: String,
        /// URL.
        url: String,
        /// HTTP status.
        status: u16,
        /// Body bytes.
        bytes: u64,
        /// Listing page.
        listing: bool,
    },
    /// A URL failed (network, limits, robots, decoding).
    Failed {
        /// Site.
        site: String,
        /// URL.
        url: String,
        /// What went wrong.
        error: String,
    },
    /// A host answered 429/503 with a long Retry-After: its URLs wait (up to the 300 s cap)
    /// while the other sites go on.
    HostHeld {
        /// Site.
        site: String,
        /// Host (and port).
        host: String,
        /// The 429 or 503.
        status: u16,
        /// Seconds the host is held.
        wait_secs: u64,
    },
    /// A site's crawl ended.
    SiteFinished {
        /// Site.
        site: String,
    },
}

/// Receives crawl events.
pub trait CrawlObserver: Send + Sync {
    /// Called for every event (keep it quick).
    fn event(&self, event: &CrawlEvent);
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoopObserver;

impl CrawlObserver for NoopObserver {
    fn event(&self, _event: &CrawlEvent) {}
}

/// Counters of one site.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SiteStats {
    /// Responses archived (pages, redirects, error pages, images).
    pub fetched: u64,
    /// Pages handed downstream.
    pub pages: u64,
    /// Listing pages handed downstream.
    pub listings: u64,
    /// Images archived.
    pub images: u64,
    /// Failed URLs.
    pub failed: u64,
    /// URLs refused by robots.txt.
    pub robots_blocked: u64,
    /// Body bytes received.
    pub bytes: u64,
    /// Captures completed from the archive after an interrupted crawl.
    pub recovered: u64,
    /// Revisited pages found unchanged (304, or the same payload digest).
    pub unchanged: u64,
    /// Revisited pages found changed (a new capture).
    pub changed: u64,
    /// Revisited pages found gone (404/410).
    pub gone: u64,
    /// Responses showing an expired session (the site was stopped at the first).
    pub session_expired: u64,
    /// Times a host of the site was held by a long Retry-After (see [`CrawlEvent::HostHeld`]).
    pub held: u64,
    /// Longest of those holds, in seconds.
    pub held_secs: u64,
}

/// Counters of a crawl.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CrawlStats {
    /// Responses archived.
    pub fetched: u64,
    /// Listing pages handed downstream.
    pub listings: u64,
    /// Images archived.
    pub images: u64,
    /// Failed URLs.
    pub failed: u64,
    /// URLs refused by robots.txt.
    pub robots_blocked: u64,
    /// Body bytes received.
    pub bytes: u64,
    /// Per site.
    pub per_site: BTreeMap<String, SiteStats>,
}

impl SiteStats {
    fn add(&mut self, o: &SiteStats) {
        self.fetched += o.fetched;
        self.pages += o.pages;
        self.listings += o.listings;
        self.images += o.images;
        self.failed += o.failed;
        self.robots_blocked += o.robots_blocked;
        self.bytes += o.bytes;
        self.recovered += o.recovered;
        self.unchanged += o.unchanged;
        self.changed += o.changed;
        self.gone += o.gone;
        self.session_expired += o.session_expired;
        self.held += o.held;
        self.held_secs = self.held_secs.max(o.held_secs);
    }
}

/// Shared crawl machinery.
pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) sites: Vec<Arc<SiteRuntime>>,
    pub(crate) state: Mutex<State>,
    pub(crate) archive: Mutex<Option<ArchiveWriter>>,
    pub(crate) archive_dir: std::path::PathBuf,
    /// The WARC file last recorded in state.db as written by this job.
    pub(crate) registered_warc: Mutex<String>,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) tor_routes: route::TorRoutes,
    pub(crate) global: Arc<Semaphore>,
    pub(crate) robots: Mutex<HashMap<String, Arc<tokio::sync::OnceCell<Arc<RobotsPolicy>>>>>,
    pub(crate) pacers: Mutex<HashMap<String, Arc<Pacer>>>,
    pub(crate) stop: AtomicBool,
    pub(crate) force_recrawl: AtomicBool,
}

/// Locks a mutex, recovering from poisoning (a panicked worker must not wedge the crawl).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// Stops a running crawl from elsewhere (a Ctrl-C handler): no new URL is claimed, fetches in
/// flight finish and are archived.
#[derive(Clone)]
pub struct StopHandle {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for StopHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StopHandle").finish_non_exhaustive()
    }
}

impl StopHandle {
    /// Asks the crawl to stop.
    pub fn stop(&self) {
        self.inner.stop.store(true, Ordering::SeqCst);
    }
}

/// The crawler.
pub struct Crawler {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Crawler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crawler")
            .field("sites", &self.inner.sites.len())
            .finish()
    }
}

impl Crawler {
    /// Opens/creates archive/ and state.db in the workspace; loads each site's profile.
    pub fn new(config: Config, workspace: &Workspace) -> Result<Self, CrawlError> {
        let transport = ClearnetTransport::new(
            &config.crawl.user_agent,
            Duration::from_secs(config.crawl.connect_timeout_secs.max(1)),
            config.crawl.allow_private_addresses,
        )?;
        let tor = if config.tor.enabled {
            Some(Arc::new(TorTransport::new(
                &config.tor,
                &workspace.tor_dir(),
                config.crawl.allow_private_addresses,
            )?))
        } else {
            None
        };
        Self::with_transports(config, workspace, Arc::new(transport), tor)
    }

    /// Like [`Crawler::new`] with another transport (tests) and no Tor.
    pub fn with_transport(
        config: Config,
        workspace: &Workspace,
        transport: Arc<dyn Transport>,
    ) -> Result<Self, CrawlError> {
        Self::with_transports(config, workspace, transport, None)
    }

    /// Like [`Crawler::new`] with the clearnet transport and the Tor client given: onion hosts
    /// and `route = "tor"` sites go through `tor` (one isolation token per site).
    pub fn with_transports(
        config: Config,
        workspace: &Workspace,
        transport: Arc<dyn Transport>,
        tor: Option<Arc<TorTransport>>,
    ) -> Result<Self, CrawlError> {
        let archive_dir = workspace.archive_dir();
        for dir in [workspace.root().to_path_buf(), archive_dir.clone()] {
            std::fs::create_dir_all(&dir).map_err(|source| CrawlError::Io {
                path: dir.clone(),
                source,
            })?;
        }
        let state = State::open(&workspace.state_db())?;
        let sites = config
            .sites
            .iter()
            .map(|s| SiteRuntime::new(&config, s).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()?;
        let global = Arc::new(Semaphore::new(config.crawl.concurrency.max(1)));
        let tor_routes = route::TorRoutes::new(&config, &sites, tor.as_ref())?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                sites,
                state: Mutex::new(state),
                archive: Mutex::new(None),
                archive_dir,
                registered_warc: Mutex::new(String::new()),
                transport,
                tor_routes,
                global,
                robots: Mutex::new(HashMap::new()),
                pacers: Mutex::new(HashMap::new()),
                stop: AtomicBool::new(false),
                force_recrawl: AtomicBool::new(false),
            }),
        })
    }

    /// Makes the next [`Crawler::run`] revisit every scheduled page now, whatever its
    /// `recrawl_interval_hours` says (conditional requests still apply).
    pub fn force_recrawl(&self, force: bool) {
        self.inner.force_recrawl.store(force, Ordering::SeqCst);
    }

    /// True once [`Crawler::stop`] was asked (the crawl is winding down).
    pub fn stopping(&self) -> bool {
        self.inner.stop.load(Ordering::SeqCst)
    }

    /// A handle that stops the crawl from another task (a signal handler).
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle {
            inner: self.inner.clone(),
        }
    }

    /// Asks a running crawl to stop: no new URL is claimed, fetches in flight finish. A stop asked
    /// before [`Crawler::run`] makes that run stop at once (after crash recovery).
    pub fn stop(&self) {
        self.inner.stop.store(true, Ordering::SeqCst);
    }

    /// Crawls every configured site until its frontier is empty or limits are hit. Every fetched
    /// response is written to the WARC archive first, then a `Page` is sent to `pages`. Resumes
    /// from state.db when called again.
    pub async fn run(
        &self,
        pages: mpsc::Sender<Page>,
        observer: Arc<dyn CrawlObserver>,
    ) -> Result<CrawlStats, CrawlError> {
        let inner = &self.inner;
        lock(&inner.robots).clear();
        let job = format!(
            "job-{}-{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        tracing::info!(%job, sites = inner.sites.len(), "crawl starting");
        lock(&inner.state).start_job(&job)?;
        {
            let writer = ArchiveWriter::open(
                &inner.archive_dir,
                inner.config.archive.warc_max_bytes,
                &inner.config.archive.operator,
                &job,
            )?;
            *lock(&inner.archive) = Some(writer);
            lock(&inner.registered_warc).clear();
        }
        let (mut recovered, sent) = recover::reconcile(inner, &job, &pages).await?;
        let replayed = recover::replay(inner, &job, &pages, &sent).await?;
        for site in &inner.sites {
            let seeds: Vec<NewUrl> = site
                .seeds
                .iter()
                .map(|u| NewUrl {
                    url: u.to_string(),
                    depth: 0,
                    priority: priority::SEED,
                    kind: UrlKind::Page,
                    referrer: None,
                    hops: 0,
                })
                .collect();
            lock(&inner.state).enqueue(&site.name, &seeds)?;
        }
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let force = inner.force_recrawl.load(Ordering::SeqCst);
        for site in &inner.sites {
            let due = lock(&inner.state).schedule_due(&site.name, &now, force)?;
            if due > 0 {
                tracing::info!(site = %site.name, due, force, "pages due for a revisit queued");
            }
        }
        let mut handles = Vec::new();
        for site in &inner.sites {
            let (inner, site, pages, observer, job) = (
                inner.clone(),
                site.clone(),
                pages.clone(),
                observer.clone(),
                job.clone(),
            );
            handles.push(tokio::spawn(async move {
                worker::crawl_site(inner, site, job, pages, observer).await
            }));
        }
        let mut stats = CrawlStats::default();
        let mut first_error = None;
        for (site, h) in inner.sites.iter().zip(handles) {
            let mut s = match h.await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::error!(site = %site.name, error = %e, "site crawl failed");
                    first_error.get_or_insert(e);
                    SiteStats::default()
                }
                Err(e) => {
                    tracing::error!(site = %site.name, error = %e, "site task panicked");
                    SiteStats::default()
                }
            };
            if let Some(r) = recovered.remove(&site.name) {
                s.add(&r);
            }
            stats.fetched += s.fetched;
            stats.listings += s.listings;
            stats.images += s.images;
            stats.failed += s.failed;
            stats.robots_blocked += s.robots_blocked;
            stats.bytes += s.bytes;
            stats.per_site.insert(site.name.clone(), s);
        }
        if let Some(w) = lock(&inner.archive).as_mut() {
            w.sync()?;
        }
        *lock(&inner.archive) = None;
        let json = serde_json::to_string(&stats).unwrap_or_default();
        lock(&inner.state).finish_job(&job, &json)?;
        lock(&inner.state).close_interrupted_jobs(&replayed, &job)?;
        // A stop asked before or during this run is consumed by it.
        inner.stop.store(false, Ordering::SeqCst);
        tracing::info!(%job, fetched = stats.fetched, failed = stats.failed, "crawl finished");
        match first_error {
            Some(e) => Err(e),
            None => Ok(stats),
        }
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_hostile;
#[cfg(test)]
mod tests_recrawl;
