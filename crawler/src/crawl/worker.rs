//! The per-site loop and the work on one URL: robots, pacing, fetch with retries, archive,
//! commit, hand-off.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use url::Url;

use super::analyze::{Analysis, ResponseView, analyze};
use super::{CrawlError, CrawlEvent, CrawlObserver, Inner, SiteRuntime, SiteStats, lock};
use crate::archive::record::to_warc_precision;
use crate::archive::{
    CaptureInput, CaptureKind, CaptureMeta, Checkpoint, RevisitOf, encode_capture,
};
use crate::canon::host_key;
use crate::fetch::{FetchError, FetchLimits, FetchRequest, FetchResponse};
use crate::pacer::{Pacer, backoff_delay, parse_retry_after};
use crate::page::{CaptureRef, Page};
use crate::robots::{RobotsPolicy, agent_token};
use crate::state::{FetchLogEntry, FrontierRow, UrlKind, event, priority};

/// Longest Retry-After honoured; longer ones are capped.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(300);
/// Most rows claimed at once by a site loop.
const CLAIM_BATCH_MAX: usize = 32;
/// A Retry-After at least this long is reported as a hold of the host.
const HOLD_REPORTED: Duration = Duration::from_secs(10);
/// Base of the exponential back-off.
const BACKOFF_BASE: Duration = Duration::from_millis(500);

/// Crawls one site until its frontier is empty, its page budget is spent, or a stop is asked.
pub(crate) async fn crawl_site(
    inner: Arc<Inner>,
    site: Arc<SiteRuntime>,
    job: String,
    pages: mpsc::Sender<Page>,
    observer: Arc<dyn CrawlObserver>,
) -> Result<SiteStats, CrawlError> {
    observer.event(&CrawlEvent::SiteStarted {
        site: site.name.clone(),
    });
    let site_sem = Arc::new(Semaphore::new(site.concurrency));
    let stats = Arc::new(std::sync::Mutex::new(SiteStats::default()));
    let pending = Arc::new(AtomicU64::new(
        lock(&inner.state).count(&site.name, "queued")?,
    ));
    let mut tasks: JoinSet<Result<(), CrawlError>> = JoinSet::new();
    let mut pages_claimed: u64 = 0;
    // Rows are claimed a batch at a time (one commit that also writes the deferred completions).
    let batch = site.concurrency.clamp(1, CLAIM_BATCH_MAX);
    let mut ready: std::collections::VecDeque<FrontierRow> = std::collections::VecDeque::new();
    let mut result = Ok(());
    loop {
        while let Some(done) = tasks.try_join_next() {
            if let Err(e) = flatten(done) {
                inner.stop.store(true, Ordering::SeqCst);
                result = Err(e);
            }
        }
        if inner.stop.load(Ordering::SeqCst) || site.halted.load(Ordering::SeqCst) {
            break;
        }
        let Ok(site_permit) = site_sem.clone().acquire_owned().await else {
            break;
        };
        // Checked again: a stop or an expired session may have come while waiting.
        if inner.stop.load(Ordering::SeqCst) || site.halted.load(Ordering::SeqCst) {
            break;
        }
        if ready.is_empty() {
            let images_only = pages_claimed >= site.max_pages;
            let limit = if images_only {
                batch
            } else {
                batch.min(usize::try_from(site.max_pages - pages_claimed).unwrap_or(batch))
            };
            let rows = {
                let mut state = lock(&inner.state);
                let rows = state.claim_batch(&site.name, &job, images_only, limit)?;
                pending.fetch_add(state.take_new_urls(&site.name), Ordering::Relaxed);
                rows
            };
            pages_claimed += rows.iter().filter(|r| r.kind == UrlKind::Page).count() as u64;
            ready.extend(rows);
        }
        let Some(row) = ready.pop_front() else {
            drop(site_permit);
            match tasks.join_next().await {
                None => break,
                Some(done) => {
                    if let Err(e) = flatten(done) {
                        inner.stop.store(true, Ordering::SeqCst);
                        result = Err(e);
                    }
                    continue;
                }
            }
        };
        let left = pending.fetch_sub(1, Ordering::Relaxed).saturating_sub(1);
        observer.event(&CrawlEvent::Queued {
            site: site.name.clone(),
            pending: left,
        });
        let (inner2, site2, job2, pages2, obs2, stats2) = (
            inner.clone(),
            site.clone(),
            job.clone(),
            pages.clone(),
            observer.clone(),
            stats.clone(),
        );
        tasks.spawn(async move {
            let _permit = site_permit;
            process_row(&inner2, &site2, &job2, row, &pages2, obs2.as_ref(), &stats2).await
        });
    }
    while let Some(done) = tasks.join_next().await {
        if let Err(e) = flatten(done) {
            result = Err(e);
        }
    }
    {
        let mut state = lock(&inner.state);
        // Claimed but never started (a stop): back to the queue.
        for row in ready {
            state.requeue(row.id)?;
        }
        state.flush()?;
    }
    observer.event(&CrawlEvent::SiteFinished {
        site: site.name.clone(),
    });
    result?;
    let s = lock(&stats).clone();
    Ok(s)
}

fn flatten(r: Result<Result<(), CrawlError>, tokio::task::JoinError>) -> Result<(), CrawlError> {
    match r {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "crawl worker panicked");
            Ok(())
        }
    }
}

/// The limits of one request.
fn limits(inner: &Inner, robots: bool) -> FetchLimits {
    let c = &inner.config.crawl;
    FetchLimits {
        first_byte_timeout: Duration::from_secs(c.first_byte_timeout_secs.max(1)),
        total_timeout: Duration::from_secs(c.total_timeout_secs.max(1)),
        max_body_bytes: if robots {
            c.max_body_bytes.min(512 * 1024)
        } else {
            c.max_body_bytes
        },
        content_types: if robots {
            Vec::new()
        } else {
            c.content_types.clone()
        },
    }
}

/// The pacer of a host of a site.
fn pacer(inner: &Inner, site: &SiteRuntime, url: &Url) -> Arc<Pacer> {
    let key = format!("{}|{}", site.name, host_key(url));
    lock(&inner.pacers)
        .entry(key)
        .or_insert_with(|| Arc::new(Pacer::new(site.pace)))
        .clone()
}

/// Fetches with retries: transient errors and 429/5xx are retried with exponential back-off and
/// jitter; Retry-After of 429/503 holds the whole host (reported, see [`CrawlEvent::HostHeld`]).
/// A global permit is held only while a request is on the wire, never while waiting for the
/// host's pacer: a host held for minutes ties up its own site's slots, not the other sites'.
/// `None` when a stop was asked while waiting for the pacer (nothing was sent).
async fn fetch_with_retries(
    inner: &Inner,
    site: &SiteRuntime,
    request: &FetchRequest,
    observer: &dyn CrawlObserver,
    stats: &std::sync::Mutex<SiteStats>,
) -> Option<(Result<FetchResponse, FetchError>, u32)> {
    let pacer = pacer(inner, site, &request.url);
    let retries = inner.config.crawl.retries;
    let mut attempt = 0;
    loop {
        tokio::select! {
            () = pacer.acquire() => {}
            () = stopped(inner) => return None,
        }
        let transport = inner
            .tor_routes
            .for_request(site, &request.url)
            .unwrap_or(&inner.transport);
        let result = {
            let _permit = tokio::select! {
                p = inner.global.acquire() => p.ok()?,
                () = stopped(inner) => return None,
            };
            transport.fetch(request).await
        };
        let retry_wait = match &result {
            Ok(r) if r.status == 429 || r.status == 503 => {
                let asked = r
                    .header("retry-after")
                    .and_then(|v| parse_retry_after(&v, RETRY_AFTER_CAP));
                if let Some(wait) = asked
                    && wait >= HOLD_REPORTED
                {
                    report_hold(site, request, r.status, wait, observer, stats);
                }
                let wait =
                    asked.unwrap_or_else(|| backoff_delay(BACKOFF_BASE, attempt, RETRY_AFTER_CAP));
                pacer.back_off(wait);
                Some(wait)
            }
            Ok(r) if r.status >= 500 => Some(backoff_delay(
                BACKOFF_BASE,
                attempt,
                Duration::from_secs(60),
            )),
            Err(e) if e.is_transient() => Some(backoff_delay(
                BACKOFF_BASE,
                attempt,
                Duration::from_secs(60),
            )),
            _ => None,
        };
        match retry_wait {
            Some(wait) if attempt < retries && !inner.stop.load(Ordering::SeqCst) => {
                tracing::debug!(url = %request.url, attempt, wait_ms = wait.as_millis() as u64, "retrying");
                pacer.back_off(wait);
                attempt += 1;
            }
            _ => return Some((result, attempt)),
        }
    }
}

/// Logs, counts and announces a host held by a long Retry-After.
fn report_hold(
    site: &SiteRuntime,
    request: &FetchRequest,
    status: u16,
    wait: Duration,
    observer: &dyn CrawlObserver,
    stats: &std::sync::Mutex<SiteStats>,
) {
    let host = host_key(&request.url);
    tracing::warn!(site = %site.name, %host, status, wait_secs = wait.as_secs(), "host held by Retry-After (other sites go on)");
    {
        let mut s = lock(stats);
        s.held += 1;
        s.held_secs = s.held_secs.max(wait.as_secs());
    }
    observer.event(&CrawlEvent::HostHeld {
        site: site.name.clone(),
        host,
        status,
        wait_secs: wait.as_secs(),
    });
}

/// Resolves once a stop is asked (the flag is polled every 100 ms).
async fn stopped(inner: &Inner) {
    while !inner.stop.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The robots policy of the URL's host (fetched once per crawl, archived).
async fn robots_for(
    inner: &Arc<Inner>,
    site: &SiteRuntime,
    job: &str,
    url: &Url,
    observer: &dyn CrawlObserver,
    stats: &std::sync::Mutex<SiteStats>,
) -> Result<Arc<RobotsPolicy>, CrawlError> {
    let key = host_key(url);
    let cell = lock(&inner.robots).entry(key.clone()).or_default().clone();
    let policy = cell
        .get_or_try_init(|| async {
            let mut robots_url = url.clone();
            robots_url.set_path("/robots.txt");
            robots_url.set_query(None);
            let request = FetchRequest { url: robots_url.clone(), headers: site.headers.clone(), limits: limits(inner, true) };
            let Some((result, _)) = fetch_with_retries(inner, site, &request, observer, stats).await else {
                return Err(CrawlError::Stopped);
            };
            let agent = agent_token(&inner.config.crawl.user_agent);
            let policy = match result {
                Ok(resp) => {
                    let body = crate::fetch::decode::decompress(
                        &resp.body,
                        resp.header("content-encoding").as_deref(),
                        inner.config.crawl.max_decompressed_bytes.min(4 * 1024 * 1024),
                    )
                    .unwrap_or_default();
                    let policy = RobotsPolicy::from_response(agent, Some(resp.status), &body);
                    let meta = CaptureMeta {
                        software: concat!("salwatch-crawler/", env!("CARGO_PKG_VERSION")).to_string(),
                        job: job.to_string(),
                        site: site.name.clone(),
                        route: site.route,
                        kind: CaptureKind::Robots,
                        page: false,
                        is_listing: false,
                        fields: Default::default(),
                        phone_region: None,
                        depth: 0,
                        referrer: None,
                        profile: None,
                        dhash: None,
                        photo_color: None,
                        error: None,
                    };
                    let capture = archive_response(inner, job, &request, &resp, meta, &resp.media_type(), None)?;
                    lock(&inner.state).log_fetch(job, &FetchLogEntry {
                        site: site.name.clone(),
                        url: robots_url.to_string(),
                        status: Some(resp.status),
                        bytes: resp.body.len() as u64,
                        elapsed_ms: resp.elapsed.as_millis() as u64,
                        capture: Some(capture),
                        ..Default::default()
                    })?;
                    policy
                }
                Err(e) => {
                    tracing::warn!(url = %robots_url, error = %e, "robots.txt unreachable: host treated as disallowed for this crawl");
                    lock(&inner.state).log_fetch(job, &FetchLogEntry {
                        site: site.name.clone(),
                        url: robots_url.to_string(),
                        error_class: Some(e.class().to_string()),
                        error: Some(e.to_string()),
                        ..Default::default()
                    })?;
                    RobotsPolicy::DisallowAll
                }
            };
            if let Some(d) = policy.crawl_delay() {
                tracing::info!(host = %key, delay_ms = d.as_millis() as u64, "robots.txt Crawl-delay honoured");
                pacer(inner, site, url).set_crawl_delay(d);
            }
            Ok::<_, CrawlError>(Arc::new(policy))
        })
        .await?;
    Ok(policy.clone())
}

/// Writes one response to the archive (registering a new WARC file with its job first).
pub(crate) fn archive_response(
    inner: &Inner,
    job: &str,
    request: &FetchRequest,
    resp: &FetchResponse,
    meta: CaptureMeta,
    mime: &str,
    revisit: Option<&RevisitOf>,
) -> Result<CaptureRef, CrawlError> {
    let date = to_warc_precision(
        resp.started_at + chrono::Duration::from_std(resp.elapsed).unwrap_or_default(),
    );
    let head = request.http_head();
    let url = resp.url.to_string();
    let metadata = serde_json::to_value(&meta).unwrap_or_default();
    let input = CaptureInput {
        url: &url,
        date,
        request_head: &head,
        version: &resp.version,
        status: resp.status,
        headers: &resp.headers,
        body: &resp.body,
        ip: resp.remote_ip.map(|ip| ip.to_string()),
        mime,
        metadata,
    };
    let closed = || CrawlError::Config("archive is not open (crawl not running)".into());
    // Records are built and compressed outside the writer's lock (so both cores compress);
    // only the append is serialised. A rotation in between means encoding again.
    let capture = loop {
        let target = {
            let mut guard = lock(&inner.archive);
            let writer = guard.as_mut().ok_or_else(closed)?;
            let target = writer.target()?;
            let mut registered = lock(&inner.registered_warc);
            if *registered != target.name {
                lock(&inner.state).register_warc_file(&target.name, job)?;
                registered.clone_from(&target.name);
            }
            target
        };
        let encoded =
            encode_capture(&input, revisit, &target).map_err(|source| CrawlError::Io {
                path: inner.archive_dir.join(&target.name),
                source,
            })?;
        let mut guard = lock(&inner.archive);
        let writer = guard.as_mut().ok_or_else(closed)?;
        if let Some(capture) = writer.append_encoded(&encoded)? {
            let checkpoint = writer.take_checkpoint();
            drop(guard);
            if let Some(checkpoint) = checkpoint {
                sync_in_background(checkpoint);
            }
            break capture;
        }
    };
    Ok(capture)
}

/// Flushes archive files to disk off the async workers (an fsync takes milliseconds); inline
/// when no runtime is at hand. A failed checkpoint is logged: the records are written, and the
/// final sync of the crawl reports errors.
fn sync_in_background(checkpoint: Checkpoint) {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => {
            handle.spawn_blocking(move || {
                if let Err(e) = checkpoint.sync() {
                    tracing::warn!(error = %e, "archive checkpoint failed");
                }
            });
        }
        Err(_) => {
            if let Err(e) = checkpoint.sync() {
                tracing::warn!(error = %e, "archive checkpoint failed");
            }
        }
    }
}

/// Builds the page of an analysed capture, if it yields one.
pub(crate) fn page_of(
    analysis: &Analysis,
    url: &str,
    fetched_at: chrono::DateTime<chrono::Utc>,
    status: u16,
    capture: &CaptureRef,
) -> Option<Page> {
    let text = analysis.text.clone()?;
    analysis.meta.page.then(|| Page {
        site: analysis.meta.site.clone(),
        url: url.to_string(),
        fetched_at,
        status,
        content_type: analysis.media.clone(),
        route: analysis.meta.route,
        is_listing: analysis.meta.is_listing,
        fields: analysis.meta.fields.clone(),
        text,
        phone_region: analysis.meta.phone_region.clone(),
        capture: capture.clone(),
    })
}

/// Fetches, archives and commits one frontier row.
#[allow(clippy::too_many_arguments)]
async fn process_row(
    inner: &Arc<Inner>,
    site: &SiteRuntime,
    job: &str,
    row: FrontierRow,
    pages: &mpsc::Sender<Page>,
    observer: &dyn CrawlObserver,
    stats: &std::sync::Mutex<SiteStats>,
) -> Result<(), CrawlError> {
    let fail = |class: &str, message: String, state: &'static str| -> Result<(), CrawlError> {
        lock(&inner.state).complete_later(
            job,
            &row,
            state,
            FetchLogEntry {
                site: site.name.clone(),
                url: row.url.clone(),
                error_class: Some(class.to_string()),
                error: Some(message.clone()),
                ..Default::default()
            },
            Vec::new(),
        )?;
        observer.event(&CrawlEvent::Failed {
            site: site.name.clone(),
            url: row.url.clone(),
            error: message,
        });
        Ok(())
    };
    let url = match Url::parse(&row.url) {
        Ok(u) => u,
        Err(e) => {
            lock(stats).failed += 1;
            return fail("url", format!("{}: {e}", row.url), "failed");
        }
    };
    if site.obey_robots {
        let policy = match robots_for(inner, site, job, &url, observer, stats).await {
            Err(CrawlError::Stopped) => {
                lock(&inner.state).requeue(row.id)?;
                return Ok(());
            }
            other => other?,
        };
        if !policy.allowed(url.as_str()) {
            lock(stats).robots_blocked += 1;
            return fail(
                "robots",
                format!("{url}: disallowed by robots.txt"),
                "blocked",
            );
        }
    }
    let mut headers = site.headers.clone();
    if row.kind == UrlKind::Page
        && let Some(prev) = &row.prev
    {
        if let Some(etag) = &prev.etag {
            headers.push(("If-None-Match".to_string(), etag.clone()));
        }
        if let Some(lm) = &prev.last_modified {
            headers.push(("If-Modified-Since".to_string(), lm.clone()));
        }
    }
    let request = FetchRequest {
        url: url.clone(),
        headers,
        limits: limits(inner, false),
    };
    let Some((result, attempts)) = fetch_with_retries(inner, site, &request, observer, stats).await
    else {
        lock(&inner.state).requeue(row.id)?;
        return Ok(());
    };
    let resp = match result {
        Ok(r) => r,
        Err(e) => {
            tracing::info!(url = %url, error = %e, attempts, "fetch failed");
            lock(stats).failed += 1;
            return fail(e.class(), e.to_string(), "failed");
        }
    };
    let ct = resp.header("content-type");
    let ce = resp.header("content-encoding");
    let location = resp.header("location");
    let c = &inner.config.crawl;
    let analysis = analyze(
        site,
        job,
        &row,
        ResponseView {
            url: &url,
            status: resp.status,
            content_type: ct.as_deref(),
            content_encoding: ce.as_deref(),
            location: location.as_deref(),
            body: &resp.body,
        },
        c.max_redirects,
        c.max_decompressed_bytes,
        c.fetch_images,
    );
    let expired = site.session.as_ref().and_then(|check| {
        let target = location.as_deref().and_then(|l| url.join(l.trim()).ok());
        check.expired(&url, resp.status, target.as_ref(), analysis.text.as_deref())
    });
    if let Some(why) = expired {
        return session_expired(
            inner, site, job, &row, &request, &resp, analysis, &why, observer, stats,
        );
    }
    let revisit = (resp.status == 304).then(|| {
        let prev = row.prev.clone().unwrap_or_default();
        RevisitOf {
            record_id: prev.record_id,
            date: prev.captured_at,
            digest: prev.digest,
        }
    });
    let capture = archive_response(
        inner,
        job,
        &request,
        &resp,
        analysis.meta.clone(),
        &analysis.media,
        revisit.as_ref(),
    )?;
    let fetched_at = to_warc_precision(
        resp.started_at + chrono::Duration::from_std(resp.elapsed).unwrap_or_default(),
    );
    commit(
        inner,
        site,
        job,
        &row,
        &analysis,
        &capture,
        &Outcome {
            status: resp.status,
            bytes: resp.body.len() as u64,
            elapsed_ms: resp.elapsed.as_millis() as u64,
            etag: resp.header("etag"),
            last_modified: resp.header("last-modified"),
            date: fetched_at,
        },
        stats,
    )?;
    observer.event(&CrawlEvent::Fetched {
        site: site.name.clone(),
        url: row.url.clone(),
        status: resp.status,
        bytes: resp.body.len() as u64,
        listing: analysis.meta.is_listing,
    });
    if let Some((_, message)) = &analysis.error {
        observer.event(&CrawlEvent::Failed {
            site: site.name.clone(),
            url: row.url.clone(),
            error: message.clone(),
        });
    }
    if let Some(page) = page_of(&analysis, &row.url, fetched_at, resp.status, &capture)
        && pages.send(page).await.is_err()
    {
        tracing::warn!("page receiver closed: stopping the crawl");
        inner.stop.store(true, Ordering::SeqCst);
    }
    Ok(())
}

/// The session of a site expired: the response is archived (evidence of what was served), the
/// URL goes back to the queue for the next crawl, and the site stops with a clear message.
#[allow(clippy::too_many_arguments)]
fn session_expired(
    inner: &Arc<Inner>,
    site: &SiteRuntime,
    job: &str,
    row: &FrontierRow,
    request: &FetchRequest,
    resp: &FetchResponse,
    mut analysis: Analysis,
    why: &str,
    observer: &dyn CrawlObserver,
    stats: &std::sync::Mutex<SiteStats>,
) -> Result<(), CrawlError> {
    let message = format!(
        "session expired on site {} ({why} at {}): the site is stopped; renew its session headers/cookies in salwatch.toml and run `salwatch crawl` again",
        site.name, row.url
    );
    analysis.meta.page = false;
    analysis.meta.error = Some(message.clone());
    let capture = archive_response(
        inner,
        job,
        request,
        resp,
        analysis.meta.clone(),
        &analysis.media,
        None,
    )?;
    lock(&inner.state).complete(
        job,
        row,
        "queued",
        &FetchLogEntry {
            site: site.name.clone(),
            url: row.url.clone(),
            status: Some(resp.status),
            error_class: Some("session_expired".into()),
            error: Some(message.clone()),
            bytes: resp.body.len() as u64,
            elapsed_ms: resp.elapsed.as_millis() as u64,
            capture: Some(capture),
            ..Default::default()
        },
        &[],
    )?;
    if !site.halted.swap(true, Ordering::SeqCst) {
        tracing::error!("{message}");
        observer.event(&CrawlEvent::Failed {
            site: site.name.clone(),
            url: row.url.clone(),
            error: message,
        });
    }
    let mut s = lock(stats);
    s.fetched += 1;
    s.session_expired += 1;
    Ok(())
}

/// What a response was, for the log and the re-crawl schedule.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    /// HTTP status.
    pub status: u16,
    /// Body bytes.
    pub bytes: u64,
    /// Milliseconds taken (0 when recovered from the archive).
    pub elapsed_ms: u64,
    /// `ETag` header.
    pub etag: Option<String>,
    /// `Last-Modified` header.
    pub last_modified: Option<String>,
    /// `WARC-Date` of the capture.
    pub date: chrono::DateTime<chrono::Utc>,
}

/// The change event of a page capture: first capture, or how a revisit compares with the last.
/// A listing page showing the profile's removed marker counts as a 410 (`gone` on a revisit,
/// no event on a first capture, exactly like a 404/410).
fn change_event(
    row: &FrontierRow,
    status: u16,
    digest: &str,
    removed: bool,
) -> Option<&'static str> {
    if row.kind != UrlKind::Page {
        return None;
    }
    let status = if removed { 410 } else { status };
    match (&row.prev, status) {
        (None, 200..=299) => Some(event::NEW),
        (None, _) => None,
        (Some(_), 304) => Some(event::UNCHANGED),
        (Some(_), 404 | 410) => Some(event::GONE),
        (Some(p), 200..=299) if p.digest.as_deref() == Some(digest) => Some(event::UNCHANGED),
        (Some(_), 200..=299) => Some(event::CHANGED),
        (Some(_), _) => None,
    }
}

/// True for the pages revisited on schedule: listing pages, seeds and pagination (where new
/// listings appear).
fn revisited(row: &FrontierRow, analysis: &Analysis) -> bool {
    row.kind == UrlKind::Page
        && (analysis.meta.is_listing
            || row.priority == priority::SEED
            || row.priority == priority::PAGINATION
            || row.prev.is_some())
}

/// Marks a captured row done with its log entry and found URLs, and counts it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn commit(
    inner: &Inner,
    site: &SiteRuntime,
    job: &str,
    row: &FrontierRow,
    analysis: &Analysis,
    capture: &CaptureRef,
    outcome: &Outcome,
    stats: &std::sync::Mutex<SiteStats>,
) -> Result<(), CrawlError> {
    let status = outcome.status;
    let event = change_event(row, status, &capture.payload_digest, analysis.removed);
    let interval = inner.config.crawl.recrawl_interval_hours;
    let next_visit = (revisited(row, analysis) && interval > 0).then(|| {
        (outcome.date + chrono::Duration::hours(interval.min(24 * 365 * 100) as i64))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    });
    let validators = ((200..300).contains(&status) && row.kind == UrlKind::Page)
        .then(|| (outcome.etag.clone(), outcome.last_modified.clone()));
    let log = FetchLogEntry {
        site: site.name.clone(),
        url: row.url.clone(),
        status: Some(status),
        error_class: analysis.error.as_ref().map(|(c, _)| (*c).to_string()),
        error: analysis.error.as_ref().map(|(_, m)| m.clone()),
        bytes: outcome.bytes,
        elapsed_ms: outcome.elapsed_ms,
        capture: Some(capture.clone()),
        event,
        validators,
        next_visit,
        captured_at: Some(crate::archive::record::warc_date(&outcome.date)),
        dhash: analysis.meta.dhash.clone(),
        photo_color: analysis.meta.photo_color.clone(),
    };
    lock(&inner.state).complete_later(job, row, "done", log, analysis.found.clone())?;
    let mut s = lock(stats);
    s.fetched += 1;
    s.bytes += outcome.bytes;
    if row.kind == UrlKind::Image {
        s.images += 1;
    }
    if analysis.meta.page {
        s.pages += 1;
        if analysis.meta.is_listing && (200..300).contains(&status) && !analysis.removed {
            s.listings += 1;
        }
    }
    if analysis.error.is_some() {
        s.failed += 1;
    }
    match event {
        Some(event::UNCHANGED) => s.unchanged += 1,
        Some(event::CHANGED) => s.changed += 1,
        Some(event::GONE) => s.gone += 1,
        _ => {}
    }
    Ok(())
}
