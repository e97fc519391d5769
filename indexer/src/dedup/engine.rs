//! The in-memory near-duplicate clusterer: MinHash + LSH candidates, verified by the estimated
//! Jaccard similarity, joined with a union-find. The stored, incremental path
//! ([`super::update`]) makes the same decisions with the buckets kept in `state.db`; this one
//! serves the benchmark and the tests on generated sets.

use std::collections::HashMap;

use super::DedupParams;
use super::minhash::{Bands, MinHasher, estimate};
use super::shingle;

/// Clusters texts as they are added.
#[derive(Debug)]
pub struct Clusterer {
    params: DedupParams,
    hasher: MinHasher,
    bands: Bands,
    signatures: Vec<Vec<u32>>,
    exact: HashMap<String, u32>,
    buckets: HashMap<u64, Vec<u32>>,
    parent: Vec<u32>,
    /// Candidate pairs checked (for the benchmark's report).
    pub candidates_checked: u64,
}

impl Clusterer {
    /// An empty clusterer.
    pub fn new(params: DedupParams) -> Self {
        Self {
            hasher: MinHasher::new(params.num_perm),
            bands: params.bands(),
            params,
            signatures: Vec::new(),
            exact: HashMap::new(),
            buckets: HashMap::new(),
            parent: Vec::new(),
            candidates_checked: 0,
        }
    }

    /// Adds one text; returns its index (0, 1, 2 … in order of addition).
    pub fn add(&mut self, text: &str) -> usize {
        let (digest, sig) = self.sketch(text);
        self.insert(digest, sig)
    }

    /// Adds many texts, folding and hashing them on `threads` threads (the LSH inserts stay in
    /// order, so the clusters are those of adding them one by one).
    pub fn add_all(&mut self, texts: &[String], threads: usize) {
        let threads = threads.clamp(1, 64);
        let chunk = texts.len().div_ceil(threads).max(1);
        let this = &*self;
        let sketches: Vec<Vec<(String, Vec<u32>)>> = std::thread::scope(|s| {
            let handles: Vec<_> = texts
                .chunks(chunk)
                .map(|part| s.spawn(move || part.iter().map(|t| this.sketch(t)).collect()))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        for (digest, sig) in sketches.into_iter().flatten() {
            self.insert(digest, sig);
        }
    }

    /// The exact digest and the MinHash signature of a text.
    fn sketch(&self, text: &str) -> (String, Vec<u32>) {
        let words = shingle::words(text);
        let digest = shingle::exact_digest(&words);
        let sig = self
            .hasher
            .signature(&shingle::shingles(&words, self.params.shingle));
        (digest, sig)
    }

    /// Inserts a sketched text.
    fn insert(&mut self, digest: String, sig: Vec<u32>) -> usize {
        let id = u32::try_from(self.parent.len()).unwrap_or(u32::MAX);
        self.parent.push(id);
        if let Some(&first) = self.exact.get(&digest) {
            self.union(first, id);
        } else {
            self.exact.insert(digest, id);
        }
        let mut seen: Vec<u32> = Vec::new();
        for key in self.bands.keys(&sig) {
            let bucket = self.buckets.entry(key).or_default();
            seen.extend_from_slice(bucket);
            bucket.push(id);
        }
        seen.sort_unstable();
        seen.dedup();
        for other in seen {
            self.candidates_checked += 1;
            if self.find(other) == self.find(id) {
                continue;
            }
            if estimate(&sig, &self.signatures[other as usize]) >= self.params.threshold {
                self.union(other, id);
            }
        }
        self.signatures.push(sig);
        id as usize
    }

    /// The cluster label (a member's index) of every text added, in order.
    pub fn labels(&mut self) -> Vec<usize> {
        (0..self.parent.len())
            .map(|i| self.find(u32::try_from(i).unwrap_or(u32::MAX)) as usize)
            .collect()
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let up = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = up;
            x = up;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = (ra.min(rb), ra.max(rb));
            self.parent[hi as usize] = lo;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::synth::{SynthSpec, generate, score};

    #[test]
    fn reposts_with_five_to_fifteen_percent_edits_are_found() {
        let set = generate(&SynthSpec {
            originals: 400,
            ..SynthSpec::default()
        });
        let mut c = Clusterer::new(DedupParams::default());
        c.add_all(&set.texts, 2);
        let s = score(&set.groups, &c.labels());
        assert!(s.recall >= 0.95, "{s:?}");
        assert!(s.precision >= 0.95, "{s:?}");
        // One by one gives the same clusters.
        let mut one = Clusterer::new(DedupParams::default());
        for t in &set.texts {
            one.add(t);
        }
        assert_eq!(one.labels(), c.labels());
    }

    #[test]
    fn five_word_shingles_miss_such_reposts() {
        let set = generate(&SynthSpec {
            originals: 300,
            ..SynthSpec::default()
        });
        let mut c = Clusterer::new(DedupParams {
            shingle: 5,
            threshold: 0.7,
            ..DedupParams::default()
        });
        c.add_all(&set.texts, 1);
        assert!(score(&set.groups, &c.labels()).recall < 0.2);
    }
}
