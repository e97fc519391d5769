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
    for range in word_ranges(folded) {
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

/// Byte ranges of the words of folded text.
pub(crate) fn word_ranges(folded: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut prev_digit = false;
    let mut iter = folded.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(i);
            }
            prev_digit = c.is_ascii_digit();
            continue;
        }
        let next_digit = iter.peek().is_some_and(|&(_, n)| n.is_ascii_digit());
        if start.is_some() && prev_digit && next_digit && matches!(c, '.' | ',') {
            continue;
        }
        if let Some(s) = start.take() {
            out.push(s..i);
        }
        prev_digit = false;
    }
    if let Some(s) = start {
        out.push(s..folded.len());
    }
    out
}
