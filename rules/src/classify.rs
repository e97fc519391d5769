//! Document-level judgement from rule hits: language, relevance score, categories, flags,
//! EU Firearms Directive category with its reason.

use std::sync::OnceLock;

use crate::compile::{Compiled, OBJECT_KINDS};
use crate::ident::{Region, region};
use crate::normalize::tokenize::{alphabetic_alphanumeric, words};

/// Flags in their documented order.
const FLAG_ORDER: &[&str] = &[
    "converted",
    "reactivated",
    "deactivated",
    "3d_printed",
    "automatic",
    "replica",
    "wanted",
];

/// Score at or above which a document with a sale object is relevant.
pub(crate) const RELEVANT_AT: f32 = 0.5;

/// Detects the language from marker words (pack `[languages]`) and the script.
pub(crate) fn detect_language(c: &Compiled, original: &str, folded: &str) -> Option<String> {
    let sample = &original[..floor(original, 64 * 1024)];
    let Letters {
        cyr,
        latin,
        mk: mk_letters,
        sr: sr_letters,
    } = letters(sample);
    let cyrillic = cyr > latin;
    let fsample = &folded[..floor(folded, 64 * 1024)];
    // Marker words per language, one lookup per word (same counts as testing every set).
    // On the stack for up to 16 languages (the default pack has 7): no allocation.
    let mut found_small = [0usize; 16];
    let mut found_large = Vec::new();
    let found: &mut [usize] = if c.markers.len() <= found_small.len() {
        &mut found_small[..c.markers.len()]
    } else {
        found_large.resize(c.markers.len(), 0);
        &mut found_large
    };
    for r in words(fsample).take(4000) {
        // The filter reads bytes (no character-boundary checks); a word it passes is sliced.
        if !c.marker_filter.may_contain(&fsample.as_bytes()[r.clone()]) {
            continue;
        }
        if let Some(langs) = c.marker_index.get(&fsample[r]) {
            for &li in langs {
                found[li] += 1;
            }
        }
    }
    let mut best: Option<(usize, &str)> = None;
    for (li, (lang, _)) in c.markers.iter().enumerate() {
        if cyrillic && !matches!(lang.as_str(), "mk" | "sr" | "bg" | "ru" | "uk") {
            continue;
        }
        let mut n = found[li] * 2;
        if lang == "mk" {
            n += 3 * mk_letters;
        }
        if lang == "sr" {
            n += 3 * sr_letters;
        }
        if n > 0 && best.is_none_or(|(b, _)| n > b) {
            best = Some((n, lang));
        }
    }
    best.map(|(_, l)| l.to_owned())
}

/// A set of words that answers "maybe" for each of them and "no" for most others, in a few
/// instructions: a bit per (length, last five bits of the first byte, of the last byte). Most
/// words of a text are no marker, and for those the bit spares the hash lookup (hashing the
/// word, probing, comparing); a word that passes is looked up as before, so the counts are
/// those of the lookup alone.
#[derive(Debug, Clone)]
pub(crate) struct MarkerFilter {
    bits: Vec<u64>,
    /// Length in bytes of the longest word: longer ones are no marker.
    max_len: usize,
}

impl MarkerFilter {
    /// The filter of `words` (the empty word, which no word walk yields, is left out).
    pub(crate) fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> Self {
        let mut f = Self {
            bits: vec![0; (16 << 10) / 64],
            max_len: 0,
        };
        for w in words.into_iter().filter(|w| !w.is_empty()) {
            f.max_len = f.max_len.max(w.len());
            let slot = Self::slot(w.as_bytes());
            f.bits[slot / 64] |= 1 << (slot % 64);
        }
        f
    }

    /// False only if the word `w` (its bytes) is none of the filter's words.
    #[inline]
    pub(crate) fn may_contain(&self, w: &[u8]) -> bool {
        if w.is_empty() || w.len() > self.max_len {
            return false;
        }
        let slot = Self::slot(w);
        self.bits[slot / 64] & (1 << (slot % 64)) != 0
    }

    /// The bit of a non-empty word: 4 bits of length, 5 of the first byte, 5 of the last.
    fn slot(w: &[u8]) -> usize {
        let (first, last) = (w[0], w[w.len() - 1]);
        ((w.len() & 15) << 10) | (usize::from(first & 31) << 5) | usize::from(last & 31)
    }
}

/// Letters of a text by script: Cyrillic (with the Macedonian-only and Serbian-only ones apart)
/// and the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Letters {
    cyr: usize,
    latin: usize,
    mk: usize,
    sr: usize,
}

/// Counts the letters of `sample` by script (see [`Letters`]).
fn letters(sample: &str) -> Letters {
    let (mut cyr, mut latin) = (0usize, 0usize);
    let (mut mk, mut sr) = (0usize, 0usize);
    let bytes = sample.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            // Eight ASCII bytes at a time when they are: their letters counted in one word.
            // Otherwise the ASCII bytes before the first non-ASCII one (at least this one),
            // the others cleared: in Cyrillic text and Latin with diacritics most eight-byte
            // words hold both, and their ASCII part would go byte by byte.
            if let Some(chunk) = bytes.get(i..i + 8)
                && let Ok(chunk) = <[u8; 8]>::try_from(chunk)
            {
                let w = u64::from_le_bytes(chunk);
                let high = w & HIGH;
                if high == 0 {
                    latin += ascii_letters(w);
                    i += 8;
                    continue;
                }
                // The lowest byte with its high bit set is at `k` (1..=7, byte 0 being ASCII).
                let k = high.trailing_zeros() / 8;
                latin += ascii_letters(w & (u64::MAX >> (64 - 8 * k)));
                i += k as usize;
                continue;
            }
            latin += usize::from(b.is_ascii_alphabetic());
            i += 1;
            continue;
        }
        // Cyrillic (U+0400..U+04FF) is the lead bytes D0..D3, each followed by one continuation
        // byte in a `str`: counted without decoding, the Macedonian-only and Serbian-only
        // letters told by their two bytes (ѓ ќ ѕ = D1 93, D1 9C, D1 95; Ѓ Ќ Ѕ = D0 83, D0 8C,
        // D0 85; ђ ћ = D1 92, D1 9B; Ђ Ћ = D0 82, D0 8B).
        if (0xD0..=0xD3).contains(&b)
            && let Some(&b1) = bytes.get(i + 1)
        {
            cyr += 1;
            match (b, b1) {
                (0xD1, 0x93 | 0x9C | 0x95) | (0xD0, 0x83 | 0x8C | 0x85) => mk += 1,
                (0xD1, 0x92 | 0x9B) | (0xD0, 0x82 | 0x8B) => sr += 1,
                _ => {}
            }
            i += 2;
            continue;
        }
        // Other two-byte characters (Latin with diacritics) decoded in place: in a `str` a
        // lead byte C2..DF is followed by one continuation byte.
        let ch = match (b, bytes.get(i + 1)) {
            (0xC2..=0xDF, Some(&b1)) => {
                i += 2;
                char::from_u32((u32::from(b & 0x1F) << 6) | u32::from(b1 & 0x3F)).unwrap_or('\0')
            }
            _ => {
                let ch = sample[i..].chars().next().unwrap_or('\0');
                i += ch.len_utf8().max(1);
                ch
            }
        };
        match ch {
            'ѓ' | 'ќ' | 'ѕ' | 'Ѓ' | 'Ќ' | 'Ѕ' => {
                mk += 1;
                cyr += 1;
            }
            'ђ' | 'ћ' | 'Ђ' | 'Ћ' => {
                sr += 1;
                cyr += 1;
            }
            '\u{0400}'..='\u{04FF}' => cyr += 1,
            _ if alphabetic_alphanumeric(ch).0 => latin += 1,
            _ => {}
        }
    }
    Letters { cyr, latin, mk, sr }
}

/// The high bit of each byte of a `u64`.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The ASCII letters among the eight bytes of `w`, all ASCII: lower-cased by setting bit 5
/// (other bytes stay out of `a..=z`), then a byte is a letter when adding 0x1F carries it into
/// the high bit (≥ `a`) and adding 0x05 does not (≤ `z`); no byte overflows into the next one,
/// as each is at most 0x7F. The letters' high bits are counted by moving each to its byte's low
/// bit and summing the bytes into the top one with a multiply (at most 8, no carry out):
/// `count_ones` is a dozen instructions on CPUs without `popcnt` (the default target), and this
/// runs for every eight ASCII bytes of every text.
fn ascii_letters(w: u64) -> usize {
    let l = w | 0x2020_2020_2020_2020;
    let ge_a = l + 0x1F1F_1F1F_1F1F_1F1F;
    let gt_z = l + 0x0505_0505_0505_0505;
    let letters = (ge_a & !gt_z & HIGH) >> 7;
    (letters.wrapping_mul(0x0101_0101_0101_0101) >> 56) as usize
}

fn floor(t: &str, mut i: usize) -> usize {
    i = i.min(t.len());
    while !t.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The default phone region for a language.
pub(crate) fn region_for_language(lang: Option<&str>) -> Option<Region> {
    const CODES: [&str; 7] = ["MK", "AL", "RS", "HR", "BA", "DE", "ME"];
    // Parsed once: `region` upper-cases into a new string and parses it, a few hundred
    // instructions for every document with a language.
    static REGIONS: OnceLock<[Option<Region>; 7]> = OnceLock::new();
    let i = match lang? {
        "mk" => 0,
        "sq" => 1,
        "sr" => 2,
        "hr" => 3,
        "bs" => 4,
        "de" => 5,
        "me" | "cnr" => 6,
        _ => return None,
    };
    REGIONS.get_or_init(|| CODES.map(region))[i]
}

/// The judgement over all hits of one document.
#[derive(Debug, Clone, Default)]
pub(crate) struct Verdict {
    pub relevant: bool,
    pub score: f32,
    pub categories: Vec<String>,
    pub eu_category: Option<String>,
    pub eu_reason: Option<String>,
    pub flags: Vec<String>,
}

/// How the verdict counts one rule, read from its kind and EU category once when the packs are
/// compiled rather than by string comparisons for every rule of every document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    /// The kind is a sale object (`OBJECT_KINDS`).
    pub object: bool,
    /// The weight goes to the main sum (objects, cues, calibres, prices), not to the capped
    /// identifier weights.
    pub main: bool,
    /// Rank of the EU category: A 0, B 1, C 2, anything else (or none) 3.
    pub eu_rank: u8,
}

impl Counts {
    pub(crate) fn of(kind: &str, eu_category: Option<&str>) -> Self {
        Self {
            object: OBJECT_KINDS.contains(&kind),
            main: matches!(
                kind,
                "cue"
                    | "weapon"
                    | "weapon_type"
                    | "part"
                    | "ammunition"
                    | "explosive"
                    | "caliber"
                    | "price"
            ),
            eu_rank: match eu_category {
                Some("A") => 0,
                Some("B") => 1,
                Some("C") => 2,
                _ => 3,
            },
        }
    }
}

/// A short list of borrowed strings on the stack, in a vector only past `N`: the verdict's flags
/// and categories are a handful per document, and collecting them in a vector cost an
/// allocation and a free for each document that has any.
struct StrList<'a, const N: usize> {
    buf: [&'a str; N],
    len: usize,
    spill: Vec<&'a str>,
}

impl<'a, const N: usize> StrList<'a, N> {
    fn new() -> Self {
        Self {
            buf: [""; N],
            len: 0,
            spill: Vec::new(),
        }
    }

    fn push(&mut self, s: &'a str) {
        if self.len < N {
            self.buf[self.len] = s;
            self.len += 1;
        } else {
            if self.spill.is_empty() {
                self.spill.extend_from_slice(&self.buf);
            }
            self.spill.push(s);
        }
    }

    /// The strings pushed, in order.
    fn as_mut_slice(&mut self) -> &mut [&'a str] {
        if self.spill.is_empty() {
            &mut self.buf[..self.len]
        } else {
            &mut self.spill
        }
    }
}

/// Scores the rules that hit (`rules`: each once, in the order of their first hit): each counts
/// with its weight (identifier weights capped at 0.2 in total); score = 1 − e^(−sum); relevant
/// when a sale object was found and score ≥ 0.5.
pub(crate) fn judge(c: &Compiled, rules: &[usize]) -> Verdict {
    // Borrowed from the rules until the end: strings are copied once.
    let (mut sum, mut ids) = (0f32, 0f32);
    let mut has_object = false;
    // Sorted and deduplicated once at the end (a document has a handful: cheaper than a
    // `BTreeSet`'s node allocations, same order).
    let mut flags: StrList<'_, 16> = StrList::new();
    // The EU category of the lowest rank, the first of equals (what a stable sort by rank put
    // first): kept as the rules are read instead of collected and sorted.
    let mut eu: Option<(u8, &str, Option<&str>)> = None;
    for &ri in rules {
        let r = &c.rules[ri];
        if r.counts.object && r.weight > 0.0 {
            has_object = true;
        }
        if r.counts.main {
            sum += r.weight;
        } else {
            ids += r.weight;
        }
        for f in &r.spec.flags {
            flags.push(f);
        }
        if r.weight >= 0.0
            && let Some(cat) = &r.spec.eu_category
        {
            let rank = r.counts.eu_rank;
            if eu.is_none_or(|(best, ..)| rank < best) {
                eu = Some((rank, cat.as_str(), r.spec.eu_reason.as_deref()));
            }
        }
    }
    let raw = sum + ids.min(0.2);
    let score = if raw <= 0.0 { 0.0 } else { 1.0 - (-raw).exp() };
    let score = (score * 1000.0).round() / 1000.0;
    let relevant = has_object && score >= RELEVANT_AT;
    let flags: Vec<String> = {
        let mut f = sorted_unique(flags.as_mut_slice());
        f.sort_by_key(|x| FLAG_ORDER.iter().position(|o| o == x).unwrap_or(usize::MAX));
        f
    };
    if !relevant {
        return Verdict {
            relevant,
            score,
            flags,
            ..Verdict::default()
        };
    }
    // Categories only matter for a relevant document: collected here, in one allocation.
    let mut categories: StrList<'_, 32> = StrList::new();
    for &ri in rules {
        let r = &c.rules[ri];
        if r.weight >= 0.0 {
            for x in &r.spec.categories {
                categories.push(x);
            }
        }
    }
    if flags.iter().any(|f| f == "converted") && categories.as_mut_slice().contains(&"alarm_weapon")
    {
        categories.push("firearm/pistol");
    }
    let (mut eu_category, mut eu_reason) = match eu {
        Some((_, cat, reason)) => (
            Some(cat.to_owned()),
            Some(reason.map_or_else(
                || format!("category {cat} suggested by the matched rules"),
                str::to_owned,
            )),
        ),
        None => (None, None),
    };
    let has = |f: &str| flags.iter().any(|x| x == f);
    if has("deactivated") && !has("reactivated") && !has("converted") {
        eu_category = Some("C".to_owned());
        eu_reason = Some(
            "deactivated firearm: category C (Directive (EU) 2021/555, Annex I part II C; \
             deactivation per Regulation (EU) 2015/2403)"
                .to_owned(),
        );
    }
    Verdict {
        relevant,
        score,
        categories: sorted_unique(categories.as_mut_slice()),
        eu_category,
        eu_reason,
        flags,
    }
}

/// The distinct strings of `list`, sorted, copied out once each.
fn sorted_unique(list: &mut [&str]) -> Vec<String> {
    list.sort_unstable();
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for (i, x) in list.iter().enumerate() {
        if i == 0 || list[i - 1] != *x {
            out.push((*x).to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{Letters, MarkerFilter, ascii_letters, letters};

    /// The letter count as it was, character by character.
    fn reference(sample: &str) -> Letters {
        let mut l = Letters {
            cyr: 0,
            latin: 0,
            mk: 0,
            sr: 0,
        };
        for ch in sample.chars() {
            match ch {
                'ѓ' | 'ќ' | 'ѕ' | 'Ѓ' | 'Ќ' | 'Ѕ' => {
                    l.mk += 1;
                    l.cyr += 1;
                }
                'ђ' | 'ћ' | 'Ђ' | 'Ћ' => {
                    l.sr += 1;
                    l.cyr += 1;
                }
                '\u{0400}'..='\u{04FF}' => l.cyr += 1,
                _ if ch.is_alphabetic() => l.latin += 1,
                _ => {}
            }
        }
        l
    }

    /// The regions parsed once are those `region` gives for each language's country code.
    #[test]
    fn region_for_language_as_parsed() {
        use crate::ident::region;
        for (lang, code) in [
            ("mk", "MK"),
            ("sq", "AL"),
            ("sr", "RS"),
            ("hr", "HR"),
            ("bs", "BA"),
            ("de", "DE"),
            ("me", "ME"),
            ("cnr", "ME"),
        ] {
            assert_eq!(
                super::region_for_language(Some(lang)),
                region(code),
                "{lang}"
            );
            assert!(region(code).is_some(), "{code}");
        }
        assert_eq!(super::region_for_language(Some("en")), None);
        assert_eq!(super::region_for_language(None), None);
    }

    proptest! {
        /// The eight-byte letter count agrees with counting byte by byte.
        #[test]
        fn ascii_letters_counts_as_bytes(bytes in proptest::array::uniform8(0u8..0x80)) {
            let w = u64::from_le_bytes(bytes);
            prop_assert_eq!(ascii_letters(w), bytes.iter().filter(|b| b.is_ascii_alphabetic()).count());
        }

        /// The count by eight-byte words and in-place decoding agrees with the character walk.
        #[test]
        fn letters_as_the_reference(s in "[a-zA-Z0-9 .,@\\[`{~\\x7f\\n\\u{0}ёђѓѕќћЀ-ӿčšžëçß€–…ԀΑ🔫\\u{301}]{0,60}") {
            prop_assert_eq!(letters(&s), reference(&s));
        }

        /// The marker filter lets every word of its set through, and answers as the set does
        /// whenever it says no.
        #[test]
        fn marker_filter_passes_its_words(
            set in proptest::collection::hash_set("[a-z]{1,6}|[a-zа-я0-9]{1,20}", 0..40),
            probes in proptest::collection::vec("[a-z]{1,6}|[a-zа-я0-9]{1,20}|\\PC{0,8}", 0..40),
        ) {
            let f = MarkerFilter::new(set.iter().map(String::as_str));
            for w in &set {
                prop_assert!(f.may_contain(w.as_bytes()), "{w:?} refused");
            }
            for w in &probes {
                if !f.may_contain(w.as_bytes()) {
                    prop_assert!(!set.contains(w), "{w:?} refused");
                }
            }
        }

        /// The stack list holds what a vector would, in order, below and past its size.
        #[test]
        fn str_list_as_a_vector(items in proptest::collection::vec("[a-c]{0,2}", 0..12)) {
            let mut list: super::StrList<'_, 4> = super::StrList::new();
            let mut vec: Vec<&str> = Vec::new();
            for x in &items {
                list.push(x);
                vec.push(x);
                prop_assert_eq!(list.as_mut_slice(), vec.as_slice());
            }
            list.as_mut_slice().sort_unstable();
            vec.sort_unstable();
            prop_assert_eq!(list.as_mut_slice(), vec.as_slice());
        }

        #[test]
        fn letters_as_the_reference_on_any_text(s in "\\PC{0,60}") {
            prop_assert_eq!(letters(&s), reference(&s));
        }
    }
}
