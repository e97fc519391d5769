//! Multilingual normalizer with an offset map back to the original bytes.

use std::ops::Range;

/// Folded text plus, for every byte of it, the byte offset in the original it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// The folded text.
    pub text: String,
}

impl Normalized {
    /// Maps a byte range of the folded text back onto the original text.
    pub fn original_range(&self, _range: Range<usize>) -> Range<usize> {
        unimplemented!("salwatch-rules normalizer")
    }
}

/// Folds `text` for matching and searching.
pub fn normalize(_text: &str) -> Normalized {
    unimplemented!("salwatch-rules normalizer")
}

/// A search token: a folded word and the byte range of the original it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The folded word.
    pub text: String,
    /// Byte range in the original text.
    pub span: Range<usize>,
}

/// Splits `text` into folded words for the index.
pub fn tokenize(_text: &str) -> Vec<Token> {
    unimplemented!("salwatch-rules tokenizer")
}
