//! Crash recovery at the start of a run: rows a killed crawl left in flight are looked up in the
//! WARC files their job wrote. A row whose response is archived is completed from the archive
//! (CDXJ line added if missing, links enqueued, page re-sent); the others go back to the queue.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;
use std::sync::Arc;

use tokio::sync::mpsc;
use url::Url;

use super::analyze::{ResponseView, analyze};
use super::worker::{Outcome, commit, page_of};
use super::{CrawlError, Inner, SiteStats, lock};
use crate::archive::cdxj::parse_line;
use crate::archive::reindex::entry_of;
use crate::archive::{ArchivedResponse, CDXJ_NAME, CaptureMeta, MemberReader};
use crate::page::Page;
use crate::state::FrontierRow;

/// Completes or requeues in-flight rows, handing the pages of completed ones downstream;
/// returns per-site counts of what was recovered and the record ids of the pages sent.
pub(crate) async fn reconcile(
    inner: &Arc<Inner>,
    job: &str,
    pages: &mpsc::Sender<Page>,
) -> Result<(BTreeMap<String, SiteStats>, HashSet<String>), CrawlError> {
    let mut out: BTreeMap<String, SiteStats> = BTreeMap::new();
    let mut sent = HashSet::new();
    let rows = lock(&inner.state).in_flight()?;
    if rows.is_empty() {
        return Ok((out, sent));
    }
    let mut to_send = Vec::new();
    let jobs: Vec<String> = rows
        .iter()
        .filter_map(|r| r.job.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let files = lock(&inner.state).warc_files_of_jobs(&jobs)?;
    let mut wanted: HashMap<(String, String), FrontierRow> = rows
        .into_iter()
        .map(|r| ((r.site.clone(), r.url.clone()), r))
        .collect();
    let indexed = cdxj_entries(inner, &files);
    for file in &files {
        let path = inner.archive_dir.join(file);
        if !path.exists() {
            continue;
        }
        // Recent responses and revisits (whether each is a revisit), awaiting their metadata.
        let mut pending: Vec<(ArchivedResponse, bool)> = Vec::new();
        for item in MemberReader::open(&path)? {
            // A damaged record is skipped; the reader goes on after it.
            let Ok(loc) = item else { continue };
            match loc.record.warc_type() {
                kind @ ("response" | "revisit") => {
                    if let Ok(r) = ArchivedResponse::from_located(file, &loc) {
                        pending.push((r, kind == "revisit"));
                        if pending.len() > 8 {
                            pending.remove(0);
                        }
                    }
                }
                "metadata" => {
                    let Some(target) = loc.record.header("WARC-Refers-To") else {
                        continue;
                    };
                    let Some(pos) = pending
                        .iter()
                        .position(|(r, _)| r.capture.record_id == target)
                    else {
                        continue;
                    };
                    let (resp, revisit) = pending.remove(pos);
                    let Ok(meta) = serde_json::from_slice::<CaptureMeta>(&loc.record.block) else {
                        continue;
                    };
                    let Some(row) = wanted.remove(&(meta.site.clone(), resp.url.clone())) else {
                        continue;
                    };
                    let Some(site) = inner.sites.iter().find(|s| s.name == row.site) else {
                        continue;
                    };
                    let Ok(url) = Url::parse(&resp.url) else {
                        continue;
                    };
                    if !indexed.contains(&(file.clone(), resp.capture.offset))
                        && let Some(w) = lock(&inner.archive).as_mut()
                    {
                        // As the writer lists it: a revisit with the digest of the capture it
                        // refers to (the row's previous capture, as when it was written).
                        let original = row.prev.as_ref().and_then(|p| p.digest.as_deref());
                        let entry = entry_of(&resp, revisit, original.unwrap_or(""));
                        w.append_cdxj_entry(&resp.date, &entry)?;
                    }
                    let ct = resp.header("content-type");
                    let ce = resp.header("content-encoding");
                    let location = resp.header("location");
                    let c = &inner.config.crawl;
                    let analysis = analyze(
                        site,
                        row.job.as_deref().unwrap_or(job),
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
                    let stats = std::sync::Mutex::new(SiteStats::default());
                    commit(
                        inner,
                        site,
                        job,
                        &row,
                        &analysis,
                        &resp.capture,
                        &Outcome {
                            status: resp.status,
                            bytes: resp.body.len() as u64,
                            elapsed_ms: 0,
                            etag: resp.header("etag"),
                            last_modified: resp.header("last-modified"),
                            date: resp.date,
                        },
                        &stats,
                    )?;
                    let mut s = lock(&stats).clone();
                    s.recovered = 1;
                    out.entry(site.name.clone()).or_default().add(&s);
                    tracing::info!(url = %resp.url, "capture of an interrupted crawl completed from the archive");
                    if let Some(page) =
                        page_of(&analysis, &resp.url, resp.date, resp.status, &resp.capture)
                    {
                        to_send.push(page);
                    }
                }
                _ => {}
            }
        }
    }
    // The completions above are deferred: written before the rest goes back to the queue.
    lock(&inner.state).flush()?;
    let requeued = lock(&inner.state).requeue_in_flight()?;
    if requeued > 0 {
        tracing::info!(
            requeued,
            "in-flight URLs of an interrupted crawl queued again"
        );
    }
    for page in to_send {
        sent.insert(page.capture.record_id.clone());
        if pages.send(page).await.is_err() {
            break;
        }
    }
    Ok((out, sent))
}

/// Hands downstream again every page archived by crawls that never finished (killed): their
/// pages may have been captured but not yet indexed when the process died. Returns those jobs,
/// to be closed once this run finishes. Downstream ingest is idempotent (an upsert by capture).
/// Pages whose record id is in `already_sent` (by [`reconcile`]) are skipped.
pub(crate) async fn replay(
    inner: &Arc<Inner>,
    job: &str,
    pages: &mpsc::Sender<Page>,
    already_sent: &HashSet<String>,
) -> Result<Vec<String>, CrawlError> {
    let jobs = lock(&inner.state).unfinished_jobs(job)?;
    if jobs.is_empty() {
        return Ok(jobs);
    }
    let files = lock(&inner.state).warc_files_of_jobs(&jobs)?;
    let paths: Vec<std::path::PathBuf> = files
        .iter()
        .map(|f| inner.archive_dir.join(f))
        .filter(|p| p.exists())
        .collect();
    let mut sent = 0u64;
    for page in crate::archive::pages_of_files(paths) {
        match page {
            Ok(page) if already_sent.contains(&page.capture.record_id) => {}
            Ok(page) => {
                if pages.send(page).await.is_err() {
                    break;
                }
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(error = %e, "an archived page of an interrupted crawl cannot be replayed")
            }
        }
    }
    tracing::info!(
        jobs = jobs.len(),
        pages = sent,
        "pages of interrupted crawls handed downstream again"
    );
    Ok(jobs)
}

/// `(file, offset)` of the CDXJ lines that point into `files`.
fn cdxj_entries(inner: &Inner, files: &[String]) -> HashSet<(String, u64)> {
    let wanted: HashSet<&String> = files.iter().collect();
    let mut out = HashSet::new();
    let Ok(f) = std::fs::File::open(inner.archive_dir.join(CDXJ_NAME)) else {
        return out;
    };
    for line in std::io::BufReader::new(f).lines().map_while(Result::ok) {
        if let Some((_, _, e)) = parse_line(&line)
            && wanted.contains(&e.filename)
            && let Ok(off) = e.offset.parse()
        {
            out.insert((e.filename, off));
        }
    }
    out
}
