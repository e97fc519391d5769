//! Which transport carries a request: the site's own Tor handle (its isolation token) for
//! `.onion` hosts and for sites with `route = "tor"`, the clearnet transport otherwise. With Tor
//! off, onion URLs still go to the clearnet transport, which refuses them before any lookup.

use std::collections::HashMap;
use std::sync::Arc;

use url::Url;

use super::{CrawlError, SiteRuntime};
use crate::config::Config;
use crate::fetch::guard::is_onion;
use crate::fetch::{TorTransport, Transport};
use crate::page::Route;

/// The Tor handles of the sites (empty when Tor is off).
#[derive(Default)]
pub(crate) struct TorRoutes {
    per_site: HashMap<String, Arc<dyn Transport>>,
}

impl TorRoutes {
    /// One isolated handle per site when `tor` is given. A site configured with
    /// `route = "tor"` while Tor is off is a configuration error: it must never go out clearnet.
    pub(crate) fn new(
        config: &Config,
        sites: &[Arc<SiteRuntime>],
        tor: Option<&Arc<TorTransport>>,
    ) -> Result<Self, CrawlError> {
        let mut per_site = HashMap::new();
        for site in sites {
            match tor {
                Some(t) => {
                    per_site.insert(site.name.clone(), t.for_site(&site.name));
                }
                None => {
                    let explicit = config
                        .sites
                        .iter()
                        .any(|s| s.name == site.name && s.route == Route::Tor);
                    if explicit {
                        return Err(CrawlError::Config(format!(
                            "site {:?} has route = \"tor\" but the Tor transport is off (set [tor] enabled = true)",
                            site.name
                        )));
                    }
                }
            }
        }
        Ok(Self { per_site })
    }

    /// The transport for `url` of `site`, or `None` for the clearnet one.
    pub(crate) fn for_request(&self, site: &SiteRuntime, url: &Url) -> Option<&Arc<dyn Transport>> {
        let tor = site.route == Route::Tor || url.host_str().is_some_and(is_onion);
        if tor {
            self.per_site.get(&site.name)
        } else {
            None
        }
    }
}
