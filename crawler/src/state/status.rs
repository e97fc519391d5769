//! A read-only summary of the crawl state for `salwatch crawl status`: per-site frontier counts,
//! errors by kind from the fetch log, the last crawl job and the next scheduled visit.

use std::collections::BTreeMap;

use rusqlite::OptionalExtension;
use serde::Serialize;

use super::{State, StateError};

/// Frontier counts and errors of one site.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SiteStatus {
    /// Site name.
    pub site: String,
    /// URLs waiting.
    pub queued: u64,
    /// URLs claimed by a crawl that has not finished them (a running or killed crawl).
    pub in_flight: u64,
    /// URLs fetched and archived.
    pub done: u64,
    /// URLs that failed (network, limits).
    pub failed: u64,
    /// URLs refused by robots.txt.
    pub robots_blocked: u64,
    /// Fetch log entries by error class (`timeout`, `http_status`, `decode` …).
    pub errors: BTreeMap<String, u64>,
    /// Fetch log entries by change event (`new`, `unchanged`, `changed`, `gone`).
    pub events: BTreeMap<String, u64>,
    /// Earliest scheduled revisit of a fetched page (RFC 3339 UTC), if any.
    pub next_visit: Option<String>,
    /// Last fetch log entry of the site (RFC 3339 UTC), if any.
    pub last_fetch: Option<String>,
}

/// One crawl job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobStatus {
    /// Job id.
    pub job: String,
    /// Start (RFC 3339 UTC).
    pub started_at: String,
    /// End, when it finished (a killed crawl never does).
    pub finished_at: Option<String>,
    /// The job's counters as JSON, when it finished.
    pub stats: Option<serde_json::Value>,
}

/// The whole crawl state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CrawlStatus {
    /// Per site, by name.
    pub sites: Vec<SiteStatus>,
    /// The most recent job.
    pub last_job: Option<JobStatus>,
}

impl State {
    /// Reads the crawl status of the named sites plus any other site found in the state.
    pub fn status(&self, sites: &[String]) -> Result<CrawlStatus, StateError> {
        let err = |e| self.err(e);
        let mut by_site: BTreeMap<String, SiteStatus> = sites
            .iter()
            .map(|s| {
                (
                    s.clone(),
                    SiteStatus {
                        site: s.clone(),
                        ..Default::default()
                    },
                )
            })
            .collect();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT site, state, COUNT(*), MIN(CASE WHEN state = 'done' THEN next_visit END) FROM crawl_frontier GROUP BY site, state")
                .map_err(err)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)? as u64,
                        r.get::<_, Option<String>>(3)?,
                    ))
                })
                .map_err(err)?;
            for row in rows {
                let (site, state, n, next) = row.map_err(err)?;
                let s = by_site.entry(site.clone()).or_default();
                s.site = site;
                match state.as_str() {
                    "queued" => s.queued += n,
                    "in_flight" => s.in_flight += n,
                    "done" => {
                        s.done += n;
                        s.next_visit = next;
                    }
                    "blocked" => s.robots_blocked += n,
                    _ => s.failed += n,
                }
            }
        }
        {
            let mut stmt = self
                .conn
                .prepare("SELECT site, error_class, event, COUNT(*), MAX(at) FROM crawl_fetch_log GROUP BY site, error_class, event")
                .map_err(err)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, i64>(3)? as u64,
                        r.get::<_, Option<String>>(4)?,
                    ))
                })
                .map_err(err)?;
            for row in rows {
                let (site, class, event, n, at) = row.map_err(err)?;
                let s = by_site.entry(site.clone()).or_default();
                s.site = site;
                if let Some(c) = class {
                    *s.errors.entry(c).or_default() += n;
                }
                if let Some(e) = event {
                    *s.events.entry(e).or_default() += n;
                }
                if at > s.last_fetch {
                    s.last_fetch = at;
                }
            }
        }
        let last_job = self
            .conn
            .query_row(
                "SELECT job, started_at, finished_at, stats FROM crawl_jobs ORDER BY started_at DESC, rowid DESC LIMIT 1",
                [],
                |r| {
                    Ok(JobStatus {
                        job: r.get(0)?,
                        started_at: r.get(1)?,
                        finished_at: r.get(2)?,
                        stats: r
                            .get::<_, Option<String>>(3)?
                            .and_then(|s| serde_json::from_str(&s).ok()),
                    })
                },
            )
            .optional()
            .map_err(err)?;
        Ok(CrawlStatus {
            sites: by_site.into_values().collect(),
            last_job,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{FetchLogEntry, NewUrl, UrlKind};

    #[test]
    fn counts_errors_events_job_and_next_visit() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut st = State::open(&dir.path().join("state.db")).expect("open");
        st.start_job("j1").expect("job");
        let urls: Vec<NewUrl> = ["http://a/1", "http://a/2", "http://a/3", "http://a/4"]
            .iter()
            .map(|u| NewUrl {
                url: (*u).into(),
                depth: 0,
                priority: 1,
                kind: UrlKind::Page,
                referrer: None,
                hops: 0,
            })
            .collect();
        st.enqueue("a", &urls).expect("enqueue");
        let log = |url: &str| FetchLogEntry {
            site: "a".into(),
            url: url.into(),
            ..Default::default()
        };
        let r1 = st.claim_next("a", "j1", false).expect("c").expect("row");
        st.complete(
            "j1",
            &r1,
            "done",
            &FetchLogEntry {
                status: Some(200),
                event: Some("new"),
                next_visit: Some("2030-01-01T00:00:00Z".into()),
                ..log(&r1.url)
            },
            &[],
        )
        .expect("done");
        let r2 = st.claim_next("a", "j1", false).expect("c").expect("row");
        st.complete(
            "j1",
            &r2,
            "failed",
            &FetchLogEntry {
                error_class: Some("timeout".into()),
                ..log(&r2.url)
            },
            &[],
        )
        .expect("failed");
        let r3 = st.claim_next("a", "j1", false).expect("c").expect("row");
        st.complete(
            "j1",
            &r3,
            "blocked",
            &FetchLogEntry {
                error_class: Some("robots".into()),
                ..log(&r3.url)
            },
            &[],
        )
        .expect("blocked");
        st.finish_job("j1", r#"{"fetched":1}"#).expect("finish");
        let status = st.status(&["a".into(), "b".into()]).expect("status");
        assert_eq!(status.sites.len(), 2);
        let a = &status.sites[0];
        assert_eq!(
            (a.queued, a.in_flight, a.done, a.failed, a.robots_blocked),
            (1, 0, 1, 1, 1)
        );
        assert_eq!(a.errors.get("timeout"), Some(&1));
        assert_eq!(a.errors.get("robots"), Some(&1));
        assert_eq!(a.events.get("new"), Some(&1));
        assert_eq!(a.next_visit.as_deref(), Some("2030-01-01T00:00:00Z"));
        assert!(a.last_fetch.is_some());
        assert_eq!(status.sites[1].site, "b");
        assert_eq!(status.sites[1].done, 0);
        let job = status.last_job.expect("job");
        assert_eq!(job.job, "j1");
        assert!(job.finished_at.is_some());
        assert_eq!(job.stats, Some(serde_json::json!({"fetched": 1})));
        // Due rows are queued again; a forced revisit queues every scheduled row.
        assert_eq!(
            st.schedule_due("a", "2029-01-01T00:00:00Z", false)
                .expect("due"),
            0
        );
        assert_eq!(
            st.schedule_due("a", "2031-01-01T00:00:00Z", false)
                .expect("due"),
            1
        );
        let again = st.claim_next("a", "j2", false).expect("c").expect("row");
        assert_eq!(again.url, r1.url);
    }
}
