//! The `salwatch` tantivy tokenizer: the rules normalizer's search tokens
//! ([`salwatch_rules::normalize::tokenize`]), so that a query and a listing are folded the same way
//! (`пиштол`, `pishtol` and `p1stol` meet; `Глок` finds `Glock`). Token offsets are byte ranges of
//! the original text, so highlighted snippets point at what the seller wrote.

use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};

/// The name the tokenizer is registered under in every index.
pub const TOKENIZER_NAME: &str = "salwatch";

/// Tokens longer than this (in bytes) are dropped: tantivy refuses terms above 65,530 bytes and
/// such a token is never a useful search term anyway.
const MAX_TOKEN_BYTES: usize = 255;

/// Splits text with [`salwatch_rules::normalize::tokenize`].
#[derive(Debug, Clone, Default)]
pub struct SalwatchTokenizer {
    tokens: Vec<Token>,
}

/// The stream of one text's tokens.
#[derive(Debug)]
pub struct SalwatchTokenStream<'a> {
    tokens: &'a mut Vec<Token>,
    next: usize,
}

impl Tokenizer for SalwatchTokenizer {
    type TokenStream<'a> = SalwatchTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        self.tokens.clear();
        let mut last_end = 0;
        for token in salwatch_rules::normalize::tokenize(text) {
            if token.text.is_empty() || token.text.len() > MAX_TOKEN_BYTES {
                continue;
            }
            // Offsets must be char boundaries inside the text (snippets slice with them).
            let (mut from, mut to) = (token.span.start, token.span.end);
            if to > text.len()
                || from > to
                || !text.is_char_boundary(from)
                || !text.is_char_boundary(to)
            {
                from = last_end;
                to = last_end;
            }
            last_end = to;
            let position = self.tokens.len();
            self.tokens.push(Token {
                offset_from: from,
                offset_to: to,
                position,
                text: token.text,
                position_length: 1,
            });
        }
        SalwatchTokenStream {
            tokens: &mut self.tokens,
            next: 0,
        }
    }
}

impl TokenStream for SalwatchTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next.saturating_sub(1)]
    }

    fn token_mut(&mut self) -> &mut Token {
        let i = self.next.saturating_sub(1);
        &mut self.tokens[i]
    }
}

/// The analyzer to register as [`TOKENIZER_NAME`].
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::from(SalwatchTokenizer::default())
}

/// The folded search terms of `text`, as the index sees them.
pub fn terms(text: &str) -> Vec<String> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn offsets_point_into_the_original() {
        let text = "Shes Glock 19, çmimi 350€";
        let mut analyzer = analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut seen = Vec::new();
        while stream.advance() {
            let t = stream.token();
            seen.push((t.position, text[t.offset_from..t.offset_to].to_string()));
        }
        assert!(seen.iter().any(|(_, s)| s == "Glock"), "{seen:?}");
        assert!(seen.windows(2).all(|w| w[0].0 + 1 == w[1].0));
    }

    proptest! {
        #[test]
        fn tokens_are_well_formed(text in "\\PC{0,80}") {
            let mut analyzer = analyzer();
            let mut stream = analyzer.token_stream(&text);
            let mut position = 0;
            while stream.advance() {
                let t = stream.token();
                prop_assert!(t.offset_from <= t.offset_to && t.offset_to <= text.len());
                prop_assert!(text.is_char_boundary(t.offset_from) && text.is_char_boundary(t.offset_to));
                prop_assert_eq!(t.position, position);
                prop_assert!(!t.text.is_empty() && t.text.len() <= MAX_TOKEN_BYTES);
                position += 1;
            }
        }
    }
}
