//! Deduplication (issue #7): exact duplicates (digest of the folded words), near duplicates
//! (MinHash with LSH over word shingles of the folded text, verified by the estimated Jaccard
//! similarity) and photo duplicates (same image payload digest, or perceptual hash within a few
//! bits, see [`photos`]), joined into clusters.
//!
//! Clusters are updated incrementally: [`update`] runs inside every [`crate::Indexer::commit`]
//! over the listings of the batch; each listing's cluster id is written back into the index.
//! Every link between two listings is stored with its kind, score and time, so a cluster is
//! always explained. See docs/ANALYSIS.md for how the parameters were chosen.

pub mod engine;
pub mod minhash;
pub mod photos;
mod query;
pub mod shingle;
pub mod store;
pub mod synth;
mod update;

pub use engine::Clusterer;
pub use query::{Cluster, ClusterMember, DedupLink, cluster, clusters, links_of};
pub use update::{DedupDoc, update};

use serde::{Deserialize, Serialize};

/// Link kinds.
pub mod kind {
    /// Same folded text.
    pub const EXACT: &str = "exact";
    /// Estimated Jaccard similarity of the word shingles at or above the threshold.
    pub const NEAR: &str = "near";
    /// The same photo (image payload digest, or a perceptual hash within
    /// [`super::photos::MAX_DHASH_DISTANCE`] bits).
    pub const PHOTO: &str = "photo";
}

/// Dedup settings. The defaults were chosen by measured recall on reposts with 5–15 % of words
/// edited (docs/ANALYSIS.md): single-word shingles keep such pairs above Jaccard ≈ 0.7, where
/// 5-word shingles keep only ≈ 0.4.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DedupParams {
    /// Words per shingle.
    pub shingle: usize,
    /// MinHash signature length.
    pub num_perm: usize,
    /// LSH bands (`num_perm / bands` rows each).
    pub bands: usize,
    /// Estimated Jaccard similarity at or above which two listings are near duplicates.
    pub threshold: f64,
    /// Lower similarity accepted when the two listings also share an identifier (phone,
    /// wallet, key, e-mail, messenger handle): a repost by the same seller with more edits.
    pub corroborated_threshold: f64,
}

impl Default for DedupParams {
    fn default() -> Self {
        Self {
            shingle: 1,
            num_perm: 128,
            bands: 32,
            threshold: 0.5,
            corroborated_threshold: 0.35,
        }
    }
}

impl DedupParams {
    /// The LSH banding.
    pub fn bands(&self) -> minhash::Bands {
        let bands = self.bands.clamp(1, self.num_perm.max(1));
        minhash::Bands {
            bands,
            rows: (self.num_perm / bands).max(1),
        }
    }
}
