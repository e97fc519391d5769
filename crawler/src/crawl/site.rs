//! One configured site, resolved: profile loaded, scope compiled, per-site overrides applied.

use std::time::Duration;

use regex::Regex;
use url::Url;

use super::CrawlError;
use crate::canon::{canonicalize_str, host_key};
use crate::config::{Config, SiteConfig};
use crate::fetch::guard::is_onion;
use crate::pacer::PaceSettings;
use crate::page::Route;
use crate::profile::SiteProfile;

/// A site ready to crawl.
#[derive(Debug)]
pub struct SiteRuntime {
    /// Site name.
    pub name: String,
    /// Canonical seeds.
    pub seeds: Vec<Url>,
    /// Profile (or the generic fallback).
    pub profile: SiteProfile,
    /// Hosts (`host[:port]`) in scope.
    pub scope_hosts: Vec<String>,
    /// Path regexes (on path and query) in scope; empty = all.
    pub scope_paths: Vec<Regex>,
    /// Obey robots.txt.
    pub obey_robots: bool,
    /// Max depth.
    pub max_depth: u32,
    /// Max pages per crawl.
    pub max_pages: u64,
    /// Concurrency for this site.
    pub concurrency: usize,
    /// Pacing.
    pub pace: PaceSettings,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Route.
    pub route: Route,
    /// Default phone region.
    pub phone_region: Option<String>,
    /// "Session expired" detection, when the site is crawled with a session.
    pub session: Option<SessionCheck>,
    /// Set when the session expired: the site's loop claims nothing more.
    pub halted: std::sync::atomic::AtomicBool,
}

/// A compiled `[sites.session]`.
#[derive(Debug)]
pub struct SessionCheck {
    /// Lower-cased markers.
    pub markers: Vec<String>,
    /// Login page path regex.
    pub login_url: Option<Regex>,
    /// Statuses meaning "logged out".
    pub statuses: Vec<u16>,
}

impl SessionCheck {
    /// Why a response shows an expired session, if it does. `location` is a redirect target
    /// already resolved; `text` the decoded body of a 2xx page.
    pub fn expired(
        &self,
        url: &Url,
        status: u16,
        location: Option<&Url>,
        text: Option<&str>,
    ) -> Option<String> {
        if self.statuses.contains(&status) {
            return Some(format!("HTTP {status}"));
        }
        if let Some(re) = &self.login_url {
            if re.is_match(url.path()) {
                return Some(format!("the login page {url} was served"));
            }
            if let Some(l) = location
                && re.is_match(l.path())
            {
                return Some(format!("redirected to the login page {l}"));
            }
        }
        let text = text?.to_lowercase();
        self.markers
            .iter()
            .find(|m| text.contains(m.as_str()))
            .map(|m| format!("the page shows {m:?}"))
    }
}

impl SiteRuntime {
    /// Resolves a site of `config`.
    pub fn new(config: &Config, site: &SiteConfig) -> Result<Self, CrawlError> {
        let crawl = &config.crawl;
        let profile = match &site.profile {
            Some(p) => SiteProfile::load(&config.resolve(p))?,
            None => SiteProfile::generic(),
        };
        let mut seeds = Vec::new();
        for s in &site.seeds {
            let u = canonicalize_str(s)
                .map_err(|e| CrawlError::Config(format!("site {}: seed {s:?}: {e}", site.name)))?;
            seeds.push(u);
        }
        let scope_hosts: Vec<String> = if site.scope_hosts.is_empty() {
            let mut h: Vec<String> = seeds.iter().map(host_key).collect();
            h.dedup();
            h
        } else {
            site.scope_hosts
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect()
        };
        let scope_paths = site
            .scope_paths
            .iter()
            .map(|p| {
                Regex::new(p).map_err(|e| {
                    CrawlError::Config(format!("site {}: scope_paths {p:?}: {e}", site.name))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Onion sites always go through Tor, whatever `route` says (recorded as such).
        let route = if seeds.iter().any(|u| u.host_str().is_some_and(is_onion))
            || site
                .scope_hosts
                .iter()
                .any(|h| is_onion(h.split(':').next().unwrap_or(h)))
        {
            Route::Tor
        } else {
            site.route
        };
        let default_concurrency = match route {
            Route::Tor => config.tor.per_site_concurrency,
            Route::Clearnet => crawl.per_site_concurrency,
        };
        let obey_robots = site.obey_robots.unwrap_or(crawl.obey_robots);
        if !obey_robots {
            tracing::warn!(site = %site.name, "robots.txt is NOT obeyed for this site (configuration override)");
        }
        let mut headers = vec![
            ("User-Agent".to_string(), crawl.user_agent.clone()),
            (
                "Accept".to_string(),
                "text/html,application/xhtml+xml,text/plain;q=0.9,image/*;q=0.8,*/*;q=0.5"
                    .to_string(),
            ),
            ("Accept-Encoding".to_string(), "gzip, deflate".to_string()),
        ];
        for (k, v) in &site.headers {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(k));
            headers.push((k.clone(), v.clone()));
        }
        Ok(Self {
            name: site.name.clone(),
            seeds,
            profile,
            scope_hosts,
            scope_paths,
            obey_robots,
            max_depth: site.max_depth.unwrap_or(crawl.max_depth),
            max_pages: site.max_pages.unwrap_or(crawl.max_pages),
            concurrency: site.concurrency.unwrap_or(default_concurrency).max(1),
            pace: PaceSettings {
                requests_per_minute: site
                    .requests_per_minute
                    .unwrap_or(crawl.requests_per_minute),
                burst: site.burst.unwrap_or(crawl.burst).max(1),
                delay: Duration::from_millis(site.delay_ms.unwrap_or(crawl.delay_ms)),
                jitter: Duration::from_millis(crawl.jitter_ms),
            },
            headers,
            route,
            phone_region: site.phone_region.clone(),
            session: match &site.session {
                None => None,
                Some(sc) => Some(SessionCheck {
                    markers: sc
                        .expired_markers
                        .iter()
                        .map(|m| m.to_lowercase())
                        .filter(|m| !m.is_empty())
                        .collect(),
                    login_url: sc
                        .login_url
                        .as_ref()
                        .map(|p| {
                            Regex::new(p).map_err(|e| {
                                CrawlError::Config(format!(
                                    "site {}: session.login_url {p:?}: {e}",
                                    site.name
                                ))
                            })
                        })
                        .transpose()?,
                    statuses: sc.statuses.clone(),
                }),
            },
            halted: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// True when a (canonical) URL is in the site's scope.
    pub fn in_scope(&self, url: &Url) -> bool {
        if url.scheme() != "http" && url.scheme() != "https" {
            return false;
        }
        if !self.scope_hosts.contains(&host_key(url)) {
            return false;
        }
        if self.scope_paths.is_empty() {
            return true;
        }
        let mut pq = url.path().to_string();
        if let Some(q) = url.query() {
            pq.push('?');
            pq.push_str(q);
        }
        self.scope_paths.iter().any(|r| r.is_match(&pq))
    }
}
