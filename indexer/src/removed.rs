//! Listings taken down but still served with 200: the site profile's `pages.removed_markers`
//! (the text a site shows in place of a removed ad) make such a page count as gone, exactly
//! like a 404/410.
//!
//! The crawler logs these pages as `gone` in its fetch log, but hands them downstream as
//! ordinary 200 pages, and the archive (from which a rebuild re-reads every page) keeps no
//! verdict. So the indexer judges the page itself, with the same profile and the same test
//! (`SiteProfile::is_removed` over the page text) as the crawl: a live ingest and a rebuild
//! from the archive then agree, and neither reads the crawl's state.

use std::collections::HashMap;
use std::path::PathBuf;

use salwatch_crawler::{Config, Page, SiteProfile, Workspace};

use crate::error::IndexError;

/// The site profiles that carry removed markers, by site name.
#[derive(Debug, Clone, Default)]
pub struct RemovedMarkers {
    by_site: HashMap<String, SiteProfile>,
}

impl RemovedMarkers {
    /// No markers: only 404/410 say a listing is gone.
    pub fn none() -> Self {
        Self::default()
    }

    /// The profiles of these sites (site name, profile).
    pub fn from_profiles(profiles: impl IntoIterator<Item = (String, SiteProfile)>) -> Self {
        Self {
            by_site: profiles.into_iter().collect(),
        }
    }

    /// The profiles named by the workspace's `salwatch.toml` (none when there is no
    /// configuration file, as in benchmarks and tests).
    pub fn of_workspace(workspace: &Workspace) -> Result<Self, IndexError> {
        let path = workspace.config_path();
        if !path.is_file() {
            return Ok(Self::none());
        }
        let bad = |path: PathBuf, reason: String| IndexError::Profiles { path, reason };
        let config = Config::load(&path).map_err(|e| bad(path.clone(), e.to_string()))?;
        let mut profiles = Vec::new();
        for site in &config.sites {
            if let Some(file) = &site.profile {
                let file = config.resolve(file);
                let profile = SiteProfile::load(&file).map_err(|e| bad(file, e.to_string()))?;
                profiles.push((site.name.clone(), profile));
            }
        }
        Ok(Self::from_profiles(profiles))
    }

    /// True when this 2xx listing page shows its site's removed marker.
    pub fn is_removed(&self, page: &Page) -> bool {
        self.by_site
            .get(&page.site)
            .is_some_and(|p| p.is_removed(&page.text))
    }
}
