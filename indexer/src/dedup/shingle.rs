//! Listing text → the folded words the dedup compares: the exact digest and the word shingles.
//!
//! Words come from the rules' search tokenizer ([`salwatch_rules::normalize::tokenize`]): the
//! same folding as the index (scripts, diacritics, leetspeak, look-alikes, the cross-language
//! vocabulary), so a Serbian ad reposted in Cyrillic, or with `gl0ck` for `glock`, compares
//! word for word with the original.

use sha2::{Digest, Sha256};

use super::minhash::hash64;

/// The folded words of a text, in order.
pub fn words(text: &str) -> Vec<String> {
    salwatch_rules::normalize::tokenize(text)
        .into_iter()
        .map(|t| t.text)
        .filter(|t| !t.is_empty())
        .collect()
}

/// SHA-256 (hex) of the folded words joined by one space: equal for texts that differ only in
/// case, script, diacritics, spacing or punctuation.
pub fn exact_digest(words: &[String]) -> String {
    let mut h = Sha256::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            h.update(b" ");
        }
        h.update(w.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The distinct hashes of the `k`-word shingles of `words` (`k` ≥ 1; a text shorter than `k`
/// words gives one shingle of all its words; no words, no shingles).
pub fn shingles(words: &[String], k: usize) -> Vec<u64> {
    let k = k.max(1);
    if words.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<u64> = if words.len() <= k {
        vec![hash_words(words)]
    } else {
        words.windows(k).map(hash_words).collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

fn hash_words(words: &[String]) -> u64 {
    let mut buf = Vec::with_capacity(words.iter().map(|w| w.len() + 1).sum());
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            buf.push(b' ');
        }
        buf.extend_from_slice(w.as_bytes());
    }
    hash64(&buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_obfuscation_fold_alike() {
        let latin = words("Prodajem pištolj Glock 19, cena 400€");
        let cyrillic = words("ПРОДАЈЕМ пиштољ gl0ck 19 — цена 400 €");
        assert_eq!(
            exact_digest(&latin),
            exact_digest(&cyrillic),
            "{latin:?} vs {cyrillic:?}"
        );
    }

    #[test]
    fn shingles_are_distinct_word_windows() {
        let w = words("alpha beta gamma alpha beta gamma");
        assert_eq!(shingles(&w, 1).len(), 3);
        assert_eq!(shingles(&w, 2).len(), 3); // ab bc ca
        assert_eq!(shingles(&w, 9).len(), 1);
        assert!(shingles(&[], 2).is_empty());
    }
}
