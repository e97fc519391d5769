//! A generated set with known duplicate groups, for measuring dedup recall and precision: random
//! listing-like texts over a Zipf-distributed vocabulary, and reposts of some of them with a share
//! of their words edited (substituted, deleted, inserted or swapped with a neighbour).

use std::collections::HashMap;

/// A generated set: texts and the duplicate group of each.
#[derive(Debug, Clone)]
pub struct SynthSet {
    /// The texts.
    pub texts: Vec<String>,
    /// The group of each text (reposts share their original's group).
    pub groups: Vec<usize>,
}

/// How to generate a set.
#[derive(Debug, Clone, Copy)]
pub struct SynthSpec {
    /// Number of original texts.
    pub originals: usize,
    /// Share of originals that get reposts (0–1).
    pub repost_share: f64,
    /// Most reposts of one original.
    pub max_reposts: usize,
    /// Smallest share of words edited in a repost.
    pub min_edit: f64,
    /// Largest share of words edited in a repost.
    pub max_edit: f64,
    /// Random seed.
    pub seed: u64,
}

impl Default for SynthSpec {
    fn default() -> Self {
        Self {
            originals: 10_000,
            repost_share: 0.3,
            max_reposts: 3,
            min_edit: 0.05,
            max_edit: 0.15,
            seed: 7,
        }
    }
}

/// A small deterministic generator (xorshift64*).
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % (n.max(1) as u64)) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const ONSETS: &[&str] = &[
    "b", "d", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "sh", "dr", "kr", "st",
];
const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ou"];
const VOCABULARY: usize = 5_000;

/// Generates the set described by `spec`.
pub fn generate(spec: &SynthSpec) -> SynthSet {
    let mut rng = Rng(spec.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let vocab: Vec<String> = (0..VOCABULARY)
        .map(|_| {
            let syllables = 2 + rng.below(3);
            (0..syllables)
                .map(|_| {
                    format!(
                        "{}{}",
                        ONSETS[rng.below(ONSETS.len())],
                        VOWELS[rng.below(VOWELS.len())]
                    )
                })
                .collect()
        })
        .collect();
    // Zipf(1) over the vocabulary, by inverse CDF on cumulative weights.
    let cumulative: Vec<f64> = (1..=VOCABULARY)
        .scan(0.0, |acc, r| {
            *acc += 1.0 / r as f64;
            Some(*acc)
        })
        .collect();
    let total = cumulative.last().copied().unwrap_or(1.0);
    let word = |rng: &mut Rng| -> String {
        let u = rng.unit() * total;
        let i = cumulative.partition_point(|&c| c < u).min(VOCABULARY - 1);
        vocab[i].clone()
    };
    let mut texts = Vec::new();
    let mut groups = Vec::new();
    for group in 0..spec.originals {
        let len = 25 + rng.below(50);
        let original: Vec<String> = (0..len).map(|_| word(&mut rng)).collect();
        texts.push(original.join(" "));
        groups.push(group);
        if rng.unit() < spec.repost_share {
            let copies = 1 + rng.below(spec.max_reposts.max(1));
            for _ in 0..copies {
                let share = spec.min_edit + rng.unit() * (spec.max_edit - spec.min_edit);
                let edits = ((len as f64 * share).round() as usize).max(1);
                let mut copy = original.clone();
                for _ in 0..edits {
                    let at = rng.below(copy.len());
                    match rng.below(10) {
                        0..=4 => copy[at] = word(&mut rng),
                        5 | 6 if copy.len() > 5 => {
                            copy.remove(at);
                        }
                        7 | 8 => copy.insert(at, word(&mut rng)),
                        _ => {
                            let next = (at + 1).min(copy.len() - 1);
                            copy.swap(at, next);
                        }
                    }
                }
                texts.push(copy.join(" "));
                groups.push(group);
            }
        }
    }
    SynthSet { texts, groups }
}

/// Pairwise precision and recall of predicted cluster labels against the true groups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairScore {
    /// Share of predicted duplicate pairs that are true pairs.
    pub precision: f64,
    /// Share of true duplicate pairs that were predicted.
    pub recall: f64,
    /// True duplicate pairs in the set.
    pub true_pairs: u64,
    /// Predicted duplicate pairs.
    pub predicted_pairs: u64,
}

/// Scores `labels` (cluster of each text) against `groups` (true group of each text).
pub fn score(groups: &[usize], labels: &[usize]) -> PairScore {
    fn pairs(n: u64) -> u64 {
        n * n.saturating_sub(1) / 2
    }
    let mut by_group: HashMap<usize, u64> = HashMap::new();
    let mut by_label: HashMap<usize, u64> = HashMap::new();
    let mut by_both: HashMap<(usize, usize), u64> = HashMap::new();
    for (&g, &l) in groups.iter().zip(labels) {
        *by_group.entry(g).or_default() += 1;
        *by_label.entry(l).or_default() += 1;
        *by_both.entry((g, l)).or_default() += 1;
    }
    let true_pairs: u64 = by_group.values().map(|&n| pairs(n)).sum();
    let predicted_pairs: u64 = by_label.values().map(|&n| pairs(n)).sum();
    let hits: u64 = by_both.values().map(|&n| pairs(n)).sum();
    let ratio = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    PairScore {
        precision: ratio(hits, predicted_pairs),
        recall: ratio(hits, true_pairs),
        true_pairs,
        predicted_pairs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_grouped() {
        let spec = SynthSpec {
            originals: 50,
            ..SynthSpec::default()
        };
        let a = generate(&spec);
        let b = generate(&spec);
        assert_eq!(a.texts, b.texts);
        assert!(a.texts.len() > 50);
        assert_eq!(a.texts.len(), a.groups.len());
    }

    #[test]
    fn scoring_counts_pairs() {
        let s = score(&[0, 0, 0, 1], &[5, 5, 7, 7]);
        assert_eq!(s.true_pairs, 3);
        assert_eq!(s.predicted_pairs, 2);
        assert!((s.precision - 0.5).abs() < 1e-9);
        assert!((s.recall - 1.0 / 3.0).abs() < 1e-9);
    }
}
