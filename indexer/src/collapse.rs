//! One hit per dedup cluster (`salwatch search --collapse`): a search widened to enough hits to
//! fill a page of clusters, grouped by the cluster id each listing carries.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::dedup;
use crate::error::IndexError;
use crate::query::SearchQuery;
use crate::search::{SearchHit, Searcher};

/// Hits looked at for each cluster asked for (a cluster's copies rank close together).
const WIDEN: usize = 10;
/// Hits looked at, at least.
const MIN_WIDE: usize = 500;

/// One hit standing for its dedup cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollapsedHit {
    /// The best-ranked hit of the cluster.
    #[serde(flatten)]
    pub hit: SearchHit,
    /// Its cluster (the listing's own id when it was never clustered).
    pub cluster_id: String,
    /// Listings in the whole cluster.
    pub cluster_size: usize,
    /// Sites of the whole cluster.
    pub cluster_sites: Vec<String>,
    /// How many of the matching listings looked at this hit stands for.
    pub matching: usize,
}

/// The result of [`Searcher::search_collapsed`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollapsedResults {
    /// Matching listings (not clusters); a lower bound when `total_is_lower_bound`.
    pub total: usize,
    /// True when `total` stopped at the search's count cap.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub total_is_lower_bound: bool,
    /// The requested page of clusters, best first.
    pub hits: Vec<CollapsedHit>,
}

impl Searcher {
    /// Runs a search and keeps the best hit of each dedup cluster, with the cluster's size and
    /// sites. `query.offset` and `query.limit` count clusters; up to ten times as many hits
    /// (at least 500) are looked at to fill them.
    pub fn search_collapsed(&self, query: &SearchQuery) -> Result<CollapsedResults, IndexError> {
        let mut wide = query.clone();
        wide.offset = 0;
        wide.limit = query
            .limit
            .saturating_add(query.offset)
            .saturating_mul(WIDEN)
            .max(MIN_WIDE);
        let results = self.search(&wide)?;
        let mut order: Vec<String> = Vec::new();
        let mut groups: HashMap<String, (SearchHit, usize)> = HashMap::new();
        for hit in results.hits {
            let key = hit
                .listing
                .cluster_id
                .clone()
                .unwrap_or_else(|| hit.listing.listing_id.clone());
            match groups.get_mut(&key) {
                Some((_, n)) => *n += 1,
                None => {
                    order.push(key.clone());
                    groups.insert(key, (hit, 1));
                }
            }
        }
        let mut hits = Vec::new();
        for key in order.into_iter().skip(query.offset).take(query.limit) {
            let Some((hit, matching)) = groups.remove(&key) else {
                continue;
            };
            let (size, sites) = match self.with_db(|c| dedup::cluster(c, &key))? {
                Some(c) => (c.size, c.sites),
                None => (1, vec![hit.listing.site.clone()]),
            };
            hits.push(CollapsedHit {
                hit,
                cluster_id: key,
                cluster_size: size,
                cluster_sites: sites,
                matching,
            });
        }
        Ok(CollapsedResults {
            total: results.total,
            total_is_lower_bound: results.total_is_lower_bound,
            hits,
        })
    }
}
