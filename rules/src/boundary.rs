//! Word-boundary rewrites of rule patterns, for speed without changing results.
//!
//! Every pattern uses Unicode `\b`/`\B`, which the regex crate's fast (DFA) engines give up on
//! as soon as the haystack holds a non-ASCII byte, falling back to slow backtracking. Two
//! rewrites avoid that:
//! - [`ascii_boundaries`]: `\b` → `(?-u:\b)`. Over an all-ASCII haystack Unicode and ASCII word
//!   boundaries are the same, so this variant gives identical matches there and runs on the DFA.
//!   More generally the two agree on any haystack whose non-ASCII characters are all non-word
//!   characters (`€`, `–`, `·`, emoji …): see [`ascii_boundaries_exact`]. Folded text is
//!   mostly of that kind, since the normalizer transliterates Cyrillic and strips diacritics.
//! - [`without_boundaries`]: `\b`/`\B` removed. Removing an assertion only widens what matches,
//!   so if the relaxed pattern finds nothing the real one finds nothing either: a one-pass
//!   prefilter (`prefilter.rs`) that tells which whole-text rules can match a document at all.

use crate::normalize::tokenize::surely_not_word;

/// `pattern` with every `\b` / `\B` escape replaced by `on_boundary('b' | 'B')`; other escapes
/// (including `\\b`, an escaped backslash before `b`) are kept as written.
fn rewrite(pattern: &str, mut on_boundary: impl FnMut(char) -> &'static str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(b @ ('b' | 'B')) => out.push_str(on_boundary(b)),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// True when `pattern` holds a `\b` or `\B` escape.
pub(crate) fn has_boundaries(pattern: &str) -> bool {
    let mut found = false;
    rewrite(pattern, |_| {
        found = true;
        ""
    });
    found
}

/// `pattern` with Unicode word boundaries replaced by ASCII ones (same matches on ASCII text).
pub(crate) fn ascii_boundaries(pattern: &str) -> String {
    rewrite(
        pattern,
        |b| if b == 'b' { r"(?-u:\b)" } else { r"(?-u:\B)" },
    )
}

/// True when ASCII and Unicode word boundaries agree at every character boundary of `hay`: each
/// non-ASCII character is a non-word character for Unicode `\w` (as it is for ASCII `\b`, which
/// sees only non-word bytes there). Then a pattern and its [`ascii_boundaries`] variant find the
/// same matches in `hay` (an assertion inside a character never meets a consuming item that could
/// start there, so only character boundaries matter).
///
/// Only the non-ASCII characters are decoded, and looked up in a table when they are common ones
/// (`surely_not_word`): the ASCII runs between them are skipped sixteen and eight bytes at a time, the first
/// non-ASCII byte of an eight-byte word found from its high bits rather than byte by byte, and
/// two- and three-byte characters (`€`, `–`, Cyrillic) decoded in place. It is called for every
/// whole-text pass and for every window around a term hit, most of them short and ASCII, so a
/// separate `is_ascii` pass first would read most bytes twice.
pub(crate) fn ascii_boundaries_exact(hay: &str) -> bool {
    let bytes = hay.as_bytes();
    let mut i = 0;
    loop {
        // Sixteen, then eight bytes at a time up to the word holding the next non-ASCII byte,
        // then that byte.
        while let Some(block) = bytes.get(i..i + 16)
            && let Ok(block) = <[u8; 16]>::try_from(block)
            && u128::from_le_bytes(block) & 0x8080_8080_8080_8080_8080_8080_8080_8080 == 0
        {
            i += 16;
        }
        loop {
            if let Some(chunk) = bytes.get(i..i + 8)
                && let Ok(chunk) = <[u8; 8]>::try_from(chunk)
            {
                let high = u64::from_le_bytes(chunk) & 0x8080_8080_8080_8080;
                if high == 0 {
                    i += 8;
                    continue;
                }
                i += (high.trailing_zeros() / 8) as usize;
                break;
            }
            while bytes.get(i).is_some_and(u8::is_ascii) {
                i += 1;
            }
            break;
        }
        // `i` is a character boundary: the start of a non-ASCII character, or the end.
        let (c, n) = match *bytes.get(i..).unwrap_or_default() {
            [] => return true,
            [b0 @ 0xC2..=0xDF, b1, ..] => ((u32::from(b0 & 0x1F) << 6) | u32::from(b1 & 0x3F), 2),
            [b0 @ 0xE0..=0xEF, b1, b2, ..] => (
                (u32::from(b0 & 0x0F) << 12) | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F),
                3,
            ),
            _ => {
                let c = hay[i..].chars().next().map_or(0, u32::from);
                (c, char::from_u32(c).map_or(1, char::len_utf8))
            }
        };
        if !char::from_u32(c).is_some_and(surely_not_word) {
            return false;
        }
        i += n;
    }
}

/// `pattern` with word-boundary assertions removed (matches a superset of the original).
pub(crate) fn without_boundaries(pattern: &str) -> String {
    rewrite(pattern, |_| "(?:)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_boundary_escapes() {
        assert_eq!(
            ascii_boundaries(r"\b\d+\B\.x\\b"),
            r"(?-u:\b)\d+(?-u:\B)\.x\\b"
        );
        assert_eq!(without_boundaries(r"\bab\b|\\b"), r"(?:)ab(?:)|\\b");
        assert!(has_boundaries(r"x\b"));
        assert!(!has_boundaries(r"x\\b\d"));
    }

    #[test]
    fn ascii_variant_agrees_on_ascii_text() {
        let p = r"\b\d{2,3}\s?eur\b|\B\.22\b";
        let u = regex::Regex::new(p).expect("pattern");
        let a = regex::Regex::new(&ascii_boundaries(p)).expect("ascii pattern");
        for t in [
            "x 100 eur",
            "a100eur",
            "100 euro",
            "cal .22 lr",
            "x.22",
            "50eur 20 eur",
        ] {
            let mu: Vec<_> = u.find_iter(t).map(|m| m.range()).collect();
            let ma: Vec<_> = a.find_iter(t).map(|m| m.range()).collect();
            assert_eq!(mu, ma, "{t}");
        }
        // Not so next to a non-ASCII word character: why the ASCII variant only runs where
        // `ascii_boundaries_exact` holds.
        assert!(u.find("ш100 eur").map(|m| m.start()) != a.find("ш100 eur").map(|m| m.start()));
        assert!(!ascii_boundaries_exact("ш100 eur"));
        assert!(ascii_boundaries_exact("€100 eur – ok ✅"));
    }

    proptest::proptest! {
        /// Wherever `ascii_boundaries_exact` says so, both variants find the same captures.
        #[test]
        fn ascii_variant_agrees_where_exact(hay in "[a-c0-9 .€–✅éшḃ_\u{301}]{0,40}") {
            for p in [
                r"\b\d{1,3}\s?(?:€|e\b)",
                r"\b[a-c]+\b",
                r"(?:€|\beur)\s?(?P<n>\d+)\b",
                r"\B\.\d\b",
                r"\b\w+\b",
            ] {
                let u = regex::Regex::new(p).expect("pattern");
                let a = regex::Regex::new(&ascii_boundaries(p)).expect("ascii pattern");
                let caps = |re: &regex::Regex| -> Vec<Vec<Option<(usize, usize)>>> {
                    re.captures_iter(&hay)
                        .map(|c| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect())
                        .collect()
                };
                if ascii_boundaries_exact(&hay) {
                    proptest::prop_assert_eq!(caps(&u), caps(&a), "pattern {}", p);
                }
            }
        }
    }

    /// What `ascii_boundaries_exact` answers, by its definition: every character ASCII or a
    /// non-word character.
    fn definition(hay: &str) -> bool {
        hay.chars()
            .all(|c| c.is_ascii() || matches!(regex_syntax::try_is_word_character(c), Ok(false)))
    }

    proptest::proptest! {
        /// The byte-skipping `ascii_boundaries_exact` is its definition: every character ASCII
        /// or a non-word character.
        #[test]
        fn exactness_is_its_definition(hay in "[a-c0-9 .€–✅éшḃ_\u{301}\u{200d}🔫𝐀]{0,40}") {
            proptest::prop_assert_eq!(ascii_boundaries_exact(&hay), definition(&hay));
        }

        /// The same on any text: ASCII runs of every length (the eight-byte steps and their
        /// tails) around characters of one to four bytes.
        #[test]
        fn exactness_is_its_definition_on_any_text(hay in "([a-z .]{0,40}(\\PC|[€–…·✅🔫\u{200d}\u{a0}«×؟־]{1,3})){0,12}[a-z]{0,9}") {
            proptest::prop_assert_eq!(ascii_boundaries_exact(&hay), definition(&hay));
        }
    }

    #[test]
    fn relaxed_variant_is_a_superset() {
        let p = r"\b\d{2,3}\s?eur\b";
        let r = regex::Regex::new(&without_boundaries(p)).expect("relaxed");
        assert!(r.is_match("a100eurx"));
        assert!(!r.is_match("no digits here"));
    }
}
