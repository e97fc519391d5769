//! The top hits of a relevance search, found with more pruning than tantivy does on its own,
//! and exactly the hits (same scores, same order) that `TopDocs` would give.
//!
//! Tantivy skips non-competitive documents (block-max WAND) only for a pure disjunction of
//! terms. A word with a filter (`--site`, `--flag` …) is an intersection, and `TopDocs` scores
//! every match of it: at a million listings, where a common word matches a fifth of them, that
//! is most of the time of a search.
//!
//! [`PrunedTopDocs`] drives such a search with the word alone (`title:w^2 OR body:w`, a pure
//! term disjunction that block-max WAND prunes) and checks each listing it visits against the
//! whole search (its scorer advanced to that listing). The filters score 0, so a listing's score
//! in the search is its score for the word, to the bit (a sum of at most two term scores does
//! not depend on the order of addition): the WAND threshold is the exact k-th best score, and
//! ties break on the document address as in `TopDocs`.
//!
//! Texts of several words or phrases are not pruned this way: their score is a sum of more terms,
//! added in another order than a disjunction adds them, so the bound would need a slack, and on
//! a corpus of near-identical listings every tie would then be visited (measured slower than
//! scoring every match).
//!
//! A search without text scores every match alike, so its top hits are simply the first matches
//! of each segment ([`PrunedTopDocs::first_matches`]).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, EnableScoring, Occur, Query, TermQuery, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocId, DocSet, Score, SegmentOrdinal, SegmentReader, TERMINATED, Term};

use crate::schema::Fields;

/// Characters of the query syntax whose queries the word alone cannot bound: explicit boosts,
/// fuzzy, wildcard and regex terms, ranges, negation.
const UNSUPPORTED_SYNTAX: &[char] = &['^', '~', '*', '?', '[', ']', '{', '}', '<', '>', '/', '!'];

/// Top hits by relevance, as `TopDocs::with_limit(limit).and_offset(offset)` gives them.
pub(crate) struct PrunedTopDocs {
    top: TopDocs,
    heap_len: usize,
    /// The weight of the word alone; `None`: every match scores alike, take the first ones.
    relaxed: Option<Box<dyn Weight>>,
}

impl PrunedTopDocs {
    /// For a search with text: `None` unless the text is one word (the caller then uses
    /// `TopDocs`).
    pub(crate) fn for_text(
        searcher: &tantivy::Searcher,
        fields: &Fields,
        raw_text: &str,
        text: &dyn Query,
        limit: usize,
        offset: usize,
    ) -> tantivy::Result<Option<Self>> {
        let Some(relaxed) = relaxed_query(fields, raw_text, text) else {
            return Ok(None);
        };
        let weight = relaxed.weight(EnableScoring::enabled_from_searcher(searcher))?;
        Ok(Some(Self {
            top: TopDocs::with_limit(limit).and_offset(offset),
            heap_len: limit.saturating_add(offset),
            relaxed: Some(weight),
        }))
    }

    /// For a search without text (every match has the same score).
    pub(crate) fn first_matches(limit: usize, offset: usize) -> Self {
        Self {
            top: TopDocs::with_limit(limit).and_offset(offset),
            heap_len: limit.saturating_add(offset),
            relaxed: None,
        }
    }
}

/// The disjunction of a one-word search text's terms (`title:w^2 OR body:w`), each as the
/// search scores it. `None` for anything else: several words, a phrase, syntax the word alone
/// cannot bound, or terms outside title and body.
fn relaxed_query(fields: &Fields, raw_text: &str, text: &dyn Query) -> Option<Box<dyn Query>> {
    if !plain_syntax(raw_text) {
        return None;
    }
    let mut terms: Vec<Term> = Vec::new();
    let mut unsupported = false;
    text.query_terms(&mut |term, positions| {
        let field = term.field();
        unsupported |= positions || (field != fields.title && field != fields.body);
        terms.push(term.clone());
    });
    let one_word = match terms.as_slice() {
        [_] => true,
        [a, b] => {
            a.field() != b.field() && a.serialized_value_bytes() == b.serialized_value_bytes()
        }
        _ => false,
    };
    if unsupported || !one_word {
        return None;
    }
    let clauses = terms
        .into_iter()
        .map(|term| {
            let title = term.field() == fields.title;
            let q: Box<dyn Query> = Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
            let q: Box<dyn Query> = if title {
                Box::new(BoostQuery::new(q, crate::query::TITLE_BOOST))
            } else {
                q
            };
            (Occur::Should, q)
        })
        .collect();
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// True when the text is words, quoted phrases, `AND`/`OR`, parentheses and field prefixes
/// only (no negation, boosts, fuzzy, wildcard, regex or range syntax).
fn plain_syntax(text: &str) -> bool {
    if text.contains(UNSUPPORTED_SYNTAX) {
        return false;
    }
    let mut prev = ' ';
    for c in text.chars() {
        if c == '-' && (prev.is_whitespace() || prev == '(' || prev == ':') {
            return false;
        }
        prev = c;
    }
    !text.split_whitespace().any(|w| w == "NOT")
}

/// A segment's hit: higher score first, then lower document id (as `TopDocs` orders them).
#[derive(Debug, Clone, Copy)]
struct Hit {
    score: Score,
    doc: DocId,
}

impl PartialEq for Hit {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Hit {}

impl PartialOrd for Hit {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Hit {
    /// `Greater` is worse, so that a `BinaryHeap` keeps the worst kept hit on top.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.doc.cmp(&other.doc))
    }
}

/// The best `len` hits of one segment.
struct SegmentTop {
    len: usize,
    heap: BinaryHeap<Hit>,
}

impl SegmentTop {
    fn new(len: usize) -> Self {
        Self {
            len,
            heap: BinaryHeap::with_capacity(len.saturating_add(1)),
        }
    }

    fn push(&mut self, hit: Hit) {
        if self.heap.len() < self.len {
            self.heap.push(hit);
        } else if self.heap.peek().is_some_and(|worst| hit < *worst) {
            self.heap.pop();
            self.heap.push(hit);
        }
    }

    fn is_full(&self) -> bool {
        self.heap.len() >= self.len
    }

    /// The score a document must beat to enter, once full.
    fn threshold(&self) -> Option<Score> {
        if self.is_full() {
            self.heap.peek().map(|h| h.score)
        } else {
            None
        }
    }

    fn into_fruit(self, segment_ord: SegmentOrdinal) -> Vec<(Score, DocAddress)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|h| (h.score, DocAddress::new(segment_ord, h.doc)))
            .collect()
    }
}

impl Collector for PrunedTopDocs {
    type Fruit = Vec<(Score, DocAddress)>;
    type Child = UnusedSegmentCollector;

    fn for_segment(&self, _: SegmentOrdinal, _: &SegmentReader) -> tantivy::Result<Self::Child> {
        Ok(UnusedSegmentCollector)
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(
        &self,
        fruits: Vec<Vec<(Score, DocAddress)>>,
    ) -> tantivy::Result<Vec<(Score, DocAddress)>> {
        self.top.merge_fruits(fruits)
    }

    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment_ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Vec<(Score, DocAddress)>> {
        let mut top = SegmentTop::new(self.heap_len);
        if self.heap_len == 0 {
            return Ok(Vec::new());
        }
        let alive = reader.alive_bitset();
        let is_alive = |doc: DocId| alive.is_none_or(|a| a.is_alive(doc));
        let mut exact = weight.scorer(reader, 1.0)?;
        match &self.relaxed {
            None => {
                let mut doc = exact.doc();
                while doc != TERMINATED && !top.is_full() {
                    if is_alive(doc) {
                        top.push(Hit {
                            score: exact.score(),
                            doc,
                        });
                    }
                    doc = exact.advance();
                }
            }
            Some(relaxed) => {
                let mut threshold = Score::MIN;
                relaxed.for_each_pruning(Score::MIN, reader, &mut |doc, _| {
                    if !is_alive(doc) {
                        return threshold;
                    }
                    let mut at = exact.doc();
                    if at < doc {
                        at = exact.seek(doc);
                    }
                    if at == doc {
                        top.push(Hit {
                            score: exact.score(),
                            doc,
                        });
                        threshold = top.threshold().unwrap_or(Score::MIN);
                    }
                    threshold
                })?;
            }
        }
        Ok(top.into_fruit(segment_ord))
    }
}

/// Segment collector of [`PrunedTopDocs`], never used: its `collect_segment` walks the segment
/// itself.
pub(crate) struct UnusedSegmentCollector;

impl SegmentCollector for UnusedSegmentCollector {
    type Fruit = Vec<(Score, DocAddress)>;

    fn collect(&mut self, _: DocId, _: Score) {}

    fn harvest(self) -> Self::Fruit {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::plain_syntax;

    #[test]
    fn only_plain_syntax_is_relaxed() {
        for ok in [
            "glock",
            "пиштол глок",
            "\"zastava m70\"",
            "glock OR cz",
            "m-70",
            "(a AND b)",
        ] {
            assert!(plain_syntax(ok), "{ok}");
        }
        for bad in [
            "glock^3",
            "glok~1",
            "glo*",
            "-glock",
            "a NOT b",
            "title:[a TO b]",
            "x:/re/",
        ] {
            assert!(!plain_syntax(bad), "{bad}");
        }
    }
}
