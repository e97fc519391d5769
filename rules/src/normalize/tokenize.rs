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
        (c.is_alphanumeric(), c, c.len_utf8())
    }
}

impl Iterator for Words<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let bytes = self.text.as_bytes();
        let len = bytes.len();
        // Skip to the next word character.
        loop {
            if self.pos >= len {
                return None;
            }
            let (alnum, _, n) = self.alnum_at(self.pos);
            if alnum {
                break;
            }
            self.pos += n;
        }
        let start = self.pos;
        let mut prev_digit = false;
        while self.pos < len {
            let (alnum, c, n) = self.alnum_at(self.pos);
            if alnum {
                prev_digit = c.is_ascii_digit();
                self.pos += n;
                continue;
            }
            let next_digit = bytes.get(self.pos + n).is_some_and(u8::is_ascii_digit);
            if prev_digit && next_digit && matches!(c, '.' | ',') {
                self.pos += n;
                prev_digit = false;
                continue;
            }
            let end = self.pos;
            self.pos += n;
            return Some(start..end);
        }
        Some(start..len)
    }
}
