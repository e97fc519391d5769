//! Progress bars for long work (indicatif), drawn on stderr and hidden when it is not a terminal.

use std::collections::BTreeMap;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use salwatch_crawler::{CrawlEvent, CrawlObserver};

/// One bar per site plus an indexing counter.
pub struct CrawlProgress {
    multi: MultiProgress,
    sites: Mutex<BTreeMap<String, ProgressBar>>,
    indexed: ProgressBar,
    style: ProgressStyle,
}

impl CrawlProgress {
    /// Bars on stderr, or none at all when `quiet`.
    pub fn new(quiet: bool) -> Self {
        let target = if quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let multi = MultiProgress::with_draw_target(target);
        let style =
            ProgressStyle::with_template("{prefix:>12.bold} [{bar:30}] {pos}/{len} pages  {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
        let indexed = multi.add(ProgressBar::new_spinner());
        indexed.set_style(
            ProgressStyle::with_template("{prefix:>12.bold} {pos} listings indexed")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        indexed.set_prefix("index");
        Self {
            multi,
            sites: Mutex::new(BTreeMap::new()),
            indexed,
            style,
        }
    }

    fn bar(&self, site: &str) -> ProgressBar {
        let mut sites = self.sites.lock().unwrap_or_else(|p| p.into_inner());
        sites
            .entry(site.to_owned())
            .or_insert_with(|| {
                let bar = self.multi.insert_before(&self.indexed, ProgressBar::new(0));
                bar.set_style(self.style.clone());
                bar.set_prefix(site.to_owned());
                bar
            })
            .clone()
    }

    /// Listings indexed so far.
    pub fn indexed(&self, count: u64) {
        self.indexed.set_position(count);
    }

    /// Clears the bars.
    pub fn finish(&self) {
        let sites = self.sites.lock().unwrap_or_else(|p| p.into_inner());
        for bar in sites.values() {
            bar.finish();
        }
        self.indexed.finish();
    }
}

impl CrawlObserver for CrawlProgress {
    fn event(&self, event: &CrawlEvent) {
        match event {
            CrawlEvent::SiteStarted { site } => {
                self.bar(site);
            }
            CrawlEvent::Queued { site, pending } => {
                let bar = self.bar(site);
                bar.set_length(bar.position() + pending);
            }
            CrawlEvent::Fetched { site, url, .. } => {
                let bar = self.bar(site);
                bar.inc(1);
                bar.set_message(url.clone());
            }
            CrawlEvent::Failed { site, url, error } => {
                let bar = self.bar(site);
                bar.inc(1);
                self.multi
                    .println(format!("{site}: {url}: {error}"))
                    .unwrap_or(());
            }
            CrawlEvent::HostHeld {
                site,
                host,
                status,
                wait_secs,
            } => {
                self.multi
                    .println(format!(
                        "{site}: {host} answered {status} with Retry-After: held for {wait_secs} s (other sites go on)"
                    ))
                    .unwrap_or(());
            }
            CrawlEvent::SiteFinished { site } => {
                let bar = self.bar(site);
                bar.set_length(bar.position());
                bar.finish_with_message("done");
            }
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }
}
