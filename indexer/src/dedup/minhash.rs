//! MinHash signatures over hashed shingles, and the LSH banding that finds candidate pairs.
//!
//! Written here rather than taken from a crate: the few published MinHash crates are either
//! unmaintained or tied to their own tokenizers, and the whole method is a few dozen lines. Each
//! of the `num_perm` hash functions is a multiply-add over the 64-bit shingle hash
//! (`(a·x + b) >> 32`, `a` odd), the classic universal family; a signature keeps the minimum of
//! each over the shingle set, and `P[sig_a[i] == sig_b[i]] ≈ Jaccard(a, b)`.

/// A 64-bit FNV-1a hash finished with the SplitMix64 mixer (good avalanche, no dependency).
pub fn hash64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix64(h)
}

/// The SplitMix64 finaliser.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Computes MinHash signatures with a fixed set of `num_perm` hash functions (same seed, same
/// signatures: signatures stored yesterday compare with those computed today).
#[derive(Debug, Clone)]
pub struct MinHasher {
    a: Vec<u64>,
    b: Vec<u64>,
}

/// The seed of the hash family (changing it invalidates every stored signature).
const SEED: u64 = 0x5a1_3a7c_4d3d_0001;

impl MinHasher {
    /// A hasher with `num_perm` hash functions.
    pub fn new(num_perm: usize) -> Self {
        let mut state = SEED;
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            mix64(state)
        };
        let mut a = Vec::with_capacity(num_perm);
        let mut b = Vec::with_capacity(num_perm);
        for _ in 0..num_perm {
            a.push(next() | 1);
            b.push(next());
        }
        Self { a, b }
    }

    /// Number of hash functions (signature length).
    pub fn num_perm(&self) -> usize {
        self.a.len()
    }

    /// The signature of a set of shingle hashes (empty set: all `u32::MAX`).
    pub fn signature(&self, shingles: &[u64]) -> Vec<u32> {
        let mut sig = vec![u32::MAX; self.a.len()];
        for &x in shingles {
            for ((s, &a), &b) in sig.iter_mut().zip(&self.a).zip(&self.b) {
                let h = (a.wrapping_mul(x).wrapping_add(b) >> 32) as u32;
                if h < *s {
                    *s = h;
                }
            }
        }
        sig
    }
}

/// The Jaccard similarity estimated from two signatures (share of equal positions).
pub fn estimate(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len() as f64
}

/// LSH banding: `bands` bands of `rows` signature positions; two documents become candidates
/// when all rows of at least one band agree. The chance for a pair of Jaccard `s` is
/// `1 - (1 - s^rows)^bands`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bands {
    /// Number of bands.
    pub bands: usize,
    /// Rows (signature positions) per band.
    pub rows: usize,
}

impl Bands {
    /// The bucket key of each band of a signature (`bands` keys; positions past the signature
    /// length are ignored).
    pub fn keys(&self, sig: &[u32]) -> Vec<u64> {
        (0..self.bands)
            .map(|band| {
                let from = (band * self.rows).min(sig.len());
                let to = (from + self.rows).min(sig.len());
                let mut h: u64 = mix64(band as u64 ^ 0x6c73_685f_6261_6e64);
                for &v in &sig[from..to] {
                    h = mix64(h ^ u64::from(v));
                }
                h
            })
            .collect()
    }

    /// Probability that a pair of Jaccard similarity `s` becomes a candidate.
    pub fn candidate_probability(&self, s: f64) -> f64 {
        let rows = i32::try_from(self.rows).unwrap_or(i32::MAX);
        let bands = i32::try_from(self.bands).unwrap_or(i32::MAX);
        1.0 - (1.0 - s.powi(rows)).powi(bands)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(range: std::ops::Range<u64>) -> Vec<u64> {
        range.map(mix64).collect()
    }

    #[test]
    fn identical_sets_have_identical_signatures() {
        let h = MinHasher::new(64);
        let a = h.signature(&set(0..40));
        let mut rev = set(0..40);
        rev.reverse();
        assert_eq!(a, h.signature(&rev));
        assert_eq!(estimate(&a, &a), 1.0);
    }

    #[test]
    fn estimate_tracks_true_jaccard() {
        let h = MinHasher::new(256);
        // |A ∩ B| = 60, |A ∪ B| = 100 → J = 0.6
        let a = h.signature(&set(0..80));
        let b = h.signature(&set(20..100));
        let j = estimate(&a, &b);
        assert!((j - 0.6).abs() < 0.1, "estimated {j}");
        let c = h.signature(&set(1000..1080));
        assert!(estimate(&a, &c) < 0.1);
    }

    #[test]
    fn bands_key_equal_bands_equally() {
        let bands = Bands { bands: 4, rows: 2 };
        let k1 = bands.keys(&[1, 2, 3, 4, 5, 6, 7, 8]);
        let k2 = bands.keys(&[1, 2, 9, 4, 5, 6, 7, 8]);
        assert_eq!(k1.len(), 4);
        assert_eq!(k1[0], k2[0]);
        assert_ne!(k1[1], k2[1]);
        assert_eq!(k1[2..], k2[2..]);
        // The same rows in another band give another key.
        assert_ne!(bands.keys(&[1, 1, 1, 1])[0], bands.keys(&[1, 1, 1, 1])[1]);
        assert!((bands.candidate_probability(1.0) - 1.0).abs() < 1e-9);
    }
}
