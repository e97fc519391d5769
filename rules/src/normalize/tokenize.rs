//! The index tokenizer: folded words mapped through the default pack's cross-language vocabulary.

use std::ops::Range;

use super::normalize;
use crate::vocab;

/// A search token: a folded word and the byte range of the original it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The folded word, or its vocabulary canonical (`пиштол` → `pistol`).
    pub text: String,
    /// Byte range in the original text.
    pub span: Range<usize>,
}

/// Splits `text` into folded words for the index. A word is a run of letters and digits of the
/// folded text (a `.` or `,` between two digits stays inside: `7.62x39`); each word is replaced
/// by its canonical form when the default pack's vocabulary knows it (`Глок`, `gl0ck`,
/// `G l o c k` → `glock`; `pištolj` → `pistol`). A query and a listing tokenized by this meet.
pub fn tokenize(text: &str) -> Vec<Token> {
    let norm = normalize(text);
    let folded = norm.text.as_str();
    let mut tokens = Vec::new();
    for range in words(folded) {
        let word = &folded[range.clone()];
        let canonical = vocabulary_canonical(word).unwrap_or(word);
        tokens.push(Token {
            text: canonical.to_owned(),
            span: norm.original_range(range),
        });
    }
    tokens
}

/// The canonical form of one folded word in the default pack's vocabulary, if it has one.
pub fn vocabulary_canonical(folded_word: &str) -> Option<&'static str> {
    vocab::default_vocabulary().canonical(folded_word)
}

/// The words of folded text, lazily: a word is a run of alphanumeric characters, and a `.` or
/// `,` between two ASCII digits stays inside it (`7.62x39`).
pub(crate) fn words(folded: &str) -> Words<'_> {
    Words {
        text: folded,
        pos: 0,
    }
}

/// Iterator of [`words`].
pub(crate) struct Words<'a> {
    text: &'a str,
    pos: usize,
}

impl Words<'_> {
    /// Whether the character at byte `i` (a char boundary) is alphanumeric, and its length;
    /// ASCII without decoding.
    #[inline(always)]
    fn alnum_at(&self, i: usize) -> (bool, char, usize) {
        let b = self.text.as_bytes()[i];
        if b < 0x80 {
            return (b.is_ascii_alphanumeric(), char::from(b), 1);
        }
        let c = self.text[i..].chars().next().unwrap_or('\0');
        (alphabetic_alphanumeric(c).1, c, c.len_utf8())
    }
}

/// Flags of a character in [`table_flags`].
const ALPHABETIC: u8 = 1;
const ALPHANUMERIC: u8 = 2;
/// A character for which `regex_syntax::try_is_word_character` answers `Ok(false)`.
const NOT_WORD: u8 = 4;

/// Characters [`table_flags`] knows: Latin with diacritics, Greek, Cyrillic, general punctuation
/// such as `–` and `…`, currency signs such as `€`.
const TABLE: std::ops::Range<u32> = 0x80..0x2100;

/// The flags of `c` if it lies in [`TABLE`], from a table built once from the standard library's
/// and `regex_syntax`'s own functions: their Unicode lookups cost tens of instructions a
/// character, and the language detector and the word-boundary check ask for every non-ASCII
/// character of every text.
fn table_flags(c: char) -> Option<u8> {
    static FLAGS: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let cp = c as u32;
    if !TABLE.contains(&cp) {
        return None;
    }
    let flags = FLAGS.get_or_init(|| {
        TABLE
            .map(|cp| {
                char::from_u32(cp).map_or(0, |c| {
                    let mut f = 0;
                    if c.is_alphabetic() {
                        f |= ALPHABETIC;
                    }
                    if c.is_alphanumeric() {
                        f |= ALPHANUMERIC;
                    }
                    if matches!(regex_syntax::try_is_word_character(c), Ok(false)) {
                        f |= NOT_WORD;
                    }
                    f
                })
            })
            .collect()
    });
    flags.get((cp - TABLE.start) as usize).copied()
}

/// `(c.is_alphabetic(), c.is_alphanumeric())`, from the table where it has `c`.
pub(crate) fn alphabetic_alphanumeric(c: char) -> (bool, bool) {
    match table_flags(c) {
        Some(f) => (f & ALPHABETIC != 0, f & ALPHANUMERIC != 0),
        None => (c.is_alphabetic(), c.is_alphanumeric()),
    }
}

/// `matches!(regex_syntax::try_is_word_character(c), Ok(false))`, from the table where it has
/// `c`: a character Unicode `\w` surely does not match.
pub(crate) fn surely_not_word(c: char) -> bool {
    match table_flags(c) {
        Some(f) => f & NOT_WORD != 0,
        None => matches!(regex_syntax::try_is_word_character(c), Ok(false)),
    }
}

/// What a byte is to the word walk: an ASCII letter or digit, another ASCII byte, or part of a
/// non-ASCII character (decoded when met).
const ASCII_WORD: u8 = 1;
const ASCII_OTHER: u8 = 0;
const NON_ASCII: u8 = 2;

/// [`ASCII_WORD`], [`ASCII_OTHER`] or [`NON_ASCII`] by byte: one load per byte in the walk's
/// inner loops instead of a chain of range tests.
static CLASS: [u8; 256] = {
    let mut t = [NON_ASCII; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = if (b as u8).is_ascii_alphanumeric() {
            ASCII_WORD
        } else {
            ASCII_OTHER
        };
        b += 1;
    }
    t
};

/// The high bit of each byte of a `u64`.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `w` that is an ASCII letter or digit, the other bits clear. On
/// the low seven bits of each byte (no sum below carries into the next byte, each being at most
/// 0x7F + 0x50): lower-cased by setting bit 5, a byte is a letter when adding 0x1F reaches the
/// high bit (≥ `a`) and adding 0x05 does not (≤ `z`); a digit when adding 0x50 reaches it
/// (≥ `0`) and adding 0x46 does not (≤ `9`). Bytes with the high bit set are no ASCII.
#[inline(always)]
fn ascii_alnum_mask(w: u64) -> u64 {
    let v = w & !HIGH;
    let l = v | 0x2020_2020_2020_2020;
    let letter = (l + 0x1F1F_1F1F_1F1F_1F1F) & !(l + 0x0505_0505_0505_0505);
    let digit = (v + 0x5050_5050_5050_5050) & !(v + 0x4646_4646_4646_4646);
    (letter | digit) & !w & HIGH
}

/// The eight bytes at `pos`, if the text has them.
#[inline(always)]
fn eight_at(bytes: &[u8], pos: usize) -> Option<u64> {
    let chunk = bytes.get(pos..pos + 8)?;
    <[u8; 8]>::try_from(chunk).ok().map(u64::from_le_bytes)
}

impl Iterator for Words<'_> {
    type Item = Range<usize>;

    /// ASCII bytes are classified in place, eight at a time ([`ascii_alnum_mask`]) and one by
    /// one by a table near the end, without decoding, and the position is kept in a local until
    /// the word ends (the language detector walks every word of every text). Separators and runs
    /// of ASCII letters and digits are crossed eight bytes at a time, the first byte that ends
    /// them found from the mask's lowest set bit; at a `.` or `,` the byte before decides
    /// whether a digit precedes it: inside a word that byte is the last one consumed, an ASCII
    /// letter or digit or the last byte of a non-ASCII character (never a digit), since a
    /// `.`/`,` kept inside is always consumed with the digit after it.
    #[inline]
    fn next(&mut self) -> Option<Range<usize>> {
        let bytes = self.text.as_bytes();
        let mut pos = self.pos;
        // Skip to the next word character. When it is an ASCII letter or digit found in an
        // eight-byte word, the same mask also tells where its run ends in those bytes, so the
        // run is not read again (`run_read`).
        let start;
        let mut run_read = false;
        loop {
            if let Some(w) = eight_at(bytes, pos) {
                // The first byte that is a word byte or non-ASCII.
                let alnum = ascii_alnum_mask(w);
                let stop = alnum | (w & HIGH);
                if stop == 0 {
                    pos += 8;
                    continue;
                }
                let bit = stop.trailing_zeros();
                if (alnum >> bit) & 1 != 0 {
                    start = pos + (bit / 8) as usize;
                    // The first byte after it that is no ASCII letter or digit, if any.
                    let after = !alnum & HIGH & (u64::MAX << bit);
                    if after != 0 {
                        pos += (after.trailing_zeros() / 8) as usize;
                        run_read = true;
                    } else {
                        pos += 8;
                    }
                    break;
                }
                pos += (bit / 8) as usize;
            }
            let Some(&b) = bytes.get(pos) else {
                self.pos = pos;
                return None;
            };
            match CLASS[usize::from(b)] {
                ASCII_WORD => {
                    start = pos;
                    break;
                }
                ASCII_OTHER => pos += 1,
                _ => {
                    let (alnum, _, n) = self.alnum_at(pos);
                    if alnum {
                        start = pos;
                        break;
                    }
                    pos += n;
                }
            }
        }
        loop {
            // To the first byte that is no ASCII letter or digit.
            if !run_read {
                loop {
                    if let Some(w) = eight_at(bytes, pos) {
                        let end = !ascii_alnum_mask(w) & HIGH;
                        if end == 0 {
                            pos += 8;
                            continue;
                        }
                        pos += (end.trailing_zeros() / 8) as usize;
                        break;
                    }
                    while let Some(&b) = bytes.get(pos)
                        && CLASS[usize::from(b)] == ASCII_WORD
                    {
                        pos += 1;
                    }
                    break;
                }
            }
            run_read = false;
            let Some(&b) = bytes.get(pos) else {
                self.pos = pos;
                return Some(start..pos);
            };
            if b < 0x80 {
                // A `.` or `,` between two ASCII digits stays inside the word (with the digit
                // after it).
                if matches!(b, b'.' | b',')
                    && pos > start
                    && bytes[pos - 1].is_ascii_digit()
                    && bytes.get(pos + 1).is_some_and(u8::is_ascii_digit)
                {
                    pos += 2;
                    continue;
                }
                self.pos = pos + 1;
                return Some(start..pos);
            }
            let (alnum, _, n) = self.alnum_at(pos);
            if alnum {
                pos += n;
                continue;
            }
            self.pos = pos + n;
            return Some(start..pos);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::ops::Range;

    use proptest::prelude::*;

    use super::{alphabetic_alphanumeric, surely_not_word, words};

    /// The table answers as the standard library and `regex_syntax` do, for every character.
    #[test]
    fn table_as_std() {
        for c in (0..=0x10_FFFFu32).filter_map(char::from_u32) {
            assert_eq!(
                alphabetic_alphanumeric(c),
                (c.is_alphabetic(), c.is_alphanumeric()),
                "{c:?}"
            );
            assert_eq!(
                surely_not_word(c),
                matches!(regex_syntax::try_is_word_character(c), Ok(false)),
                "{c:?}"
            );
        }
    }

    /// The word walk as it was before the ASCII fast path, character by character.
    fn reference(text: &str) -> Vec<Range<usize>> {
        let alnum_at = |i: usize| {
            let c = text[i..].chars().next().unwrap_or('\0');
            (c.is_alphanumeric(), c, c.len_utf8())
        };
        let bytes = text.as_bytes();
        let len = bytes.len();
        let mut pos = 0;
        let mut out = Vec::new();
        'words: loop {
            loop {
                if pos >= len {
                    break 'words;
                }
                let (alnum, _, n) = alnum_at(pos);
                if alnum {
                    break;
                }
                pos += n;
            }
            let start = pos;
            let mut prev_digit = false;
            while pos < len {
                let (alnum, c, n) = alnum_at(pos);
                if alnum {
                    prev_digit = c.is_ascii_digit();
                    pos += n;
                    continue;
                }
                let next_digit = bytes.get(pos + n).is_some_and(u8::is_ascii_digit);
                if prev_digit && next_digit && matches!(c, '.' | ',') {
                    pos += n;
                    prev_digit = false;
                    continue;
                }
                out.push(start..pos);
                pos += n;
                continue 'words;
            }
            out.push(start..len);
        }
        out
    }

    proptest! {
        #[test]
        fn words_as_the_reference(text in "[a-z0-9 .,;\\-шé٣€\u{301}]{0,40}") {
            prop_assert_eq!(words(&text).collect::<Vec<_>>(), reference(&text));
        }

        /// The same with every class of ASCII byte (the eight-byte masks' edges: `@` `[` `` ` ``
        /// `{` `/` `:` `\x7f`) in runs of every length, around any character.
        #[test]
        fn words_as_the_reference_on_any_text(
            text in "([a-zA-Z0-9 .,@\\[`{/:\x7f\u{0}]{0,13}(\\PC|[шé٣€\u{301}ǅ]|[0-9][.,][0-9])){0,10}[a-zA-Z0-9.,]{0,9}",
        ) {
            prop_assert_eq!(words(&text).collect::<Vec<_>>(), reference(&text));
        }

        /// The eight-byte mask marks the ASCII letters and digits, byte by byte.
        #[test]
        fn ascii_alnum_mask_as_bytes(bytes in proptest::array::uniform8(any::<u8>())) {
            let mask = super::ascii_alnum_mask(u64::from_le_bytes(bytes)).to_le_bytes();
            for (b, m) in bytes.iter().zip(mask) {
                prop_assert_eq!(m == 0x80, b.is_ascii_alphanumeric(), "{:#x}", b);
                prop_assert!(m == 0 || m == 0x80);
            }
        }
    }
}
