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
//! Texts of two words or one phrase are not pruned this way: their score is a sum of more terms,
//! added in another order than a disjunction adds them, so the disjunction's bound would need a
//! slack, and on a corpus of near-identical listings every tie would then be visited (measured
//! slower than scoring every match). They walk their matches with the search's own scorer and
//! skip runs of documents whose score bound, summed in the search's own order
//! ([`crate::bound`]), is not above the k-th best score ([`PrunedTopDocs::for_text`]). Other
//! texts (three words or more, mixed phrases and words, `OR`) keep `TopDocs`.
//!
//! A search without text scores every match alike, so its top hits are simply the first matches
//! of each segment ([`PrunedTopDocs::first_matches`]).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, EnableScoring, Occur, Query, Scorer, TermQuery, Weight,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocId, DocSet, Score, SegmentOrdinal, SegmentReader, TERMINATED, Term};

use crate::bound::{SegmentBound, TextShape};
use crate::schema::Fields;

/// Characters of the query syntax whose queries the word alone cannot bound: explicit boosts,
/// fuzzy, wildcard and regex terms, ranges, negation.
const UNSUPPORTED_SYNTAX: &[char] = &['^', '~', '*', '?', '[', ']', '{', '}', '<', '>', '/', '!'];

/// Top hits by relevance, as `TopDocs::with_limit(limit).and_offset(offset)` gives them.
pub(crate) struct PrunedTopDocs {
    top: TopDocs,
    heap_len: usize,
    how: Pruning,
}

/// How a segment's matches are skipped.
enum Pruning {
    /// Every match scores alike: take the first ones.
    FirstMatches,
    /// One word: block-max WAND over the word alone (this weight), each candidate checked.
    Relaxed(Box<dyn Weight>),
    /// Two words or a phrase: runs of matches whose score bound ([`crate::bound`]) cannot beat
    /// the k-th best are skipped.
    Bounded(TextShape),
}

impl PrunedTopDocs {
    /// For a search with text: `None` unless the text is one word, two words or one phrase
    /// (the caller then uses `TopDocs`).
    pub(crate) fn for_text(
        searcher: &tantivy::Searcher,
        fields: &Fields,
        raw_text: &str,
        text: &dyn Query,
        limit: usize,
        offset: usize,
    ) -> tantivy::Result<Option<Self>> {
        let how = if let Some(relaxed) = relaxed_query(fields, raw_text, text) {
            Pruning::Relaxed(relaxed.weight(EnableScoring::enabled_from_searcher(searcher))?)
        } else if !plain_syntax(raw_text) {
            return Ok(None);
        } else if let Some(shape) = TextShape::recognise(searcher, fields, text)? {
            Pruning::Bounded(shape)
        } else {
            return Ok(None);
        };
        Ok(Some(Self::new(limit, offset, how)))
    }

    /// For a search without text (every match has the same score).
    pub(crate) fn first_matches(limit: usize, offset: usize) -> Self {
        Self::new(limit, offset, Pruning::FirstMatches)
    }

    fn new(limit: usize, offset: usize, how: Pruning) -> Self {
        Self {
            top: TopDocs::with_limit(limit).and_offset(offset),
            heap_len: limit.saturating_add(offset),
            how,
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
        match &self.how {
            Pruning::FirstMatches => {
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
            Pruning::Relaxed(relaxed) => {
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
            Pruning::Bounded(shape) => {
                let mut bound = SegmentBound::open(shape, reader)?;
                collect_bounded(&mut *exact, &mut bound, &is_alive, &mut top);
            }
        }
        Ok(top.into_fruit(segment_ord))
    }
}

/// Walks a segment's matches in runs: once the top is full, a run whose score bound is not
/// above the k-th best score (a later tie never enters) is skipped, and so are the runs after it
/// that cannot beat it either; the exact scorer is moved only to the first run that can.
fn collect_bounded(
    exact: &mut dyn Scorer,
    bound: &mut SegmentBound,
    is_alive: &dyn Fn(DocId) -> bool,
    top: &mut SegmentTop,
) {
    let mut doc = exact.doc();
    // The bound of the run holding `doc`, and the run's last document.
    let mut run: Option<(Score, DocId)> = None;
    while doc != TERMINATED {
        if let Some(threshold) = top.threshold() {
            let (mut max, mut end) = match run {
                Some((max, end)) if doc <= end => (max, end),
                _ => bound.window(doc),
            };
            if max <= threshold {
                loop {
                    if end == TERMINATED {
                        return;
                    }
                    let next = end + 1;
                    (max, end) = bound.window(next);
                    if max > threshold {
                        run = Some((max, end));
                        doc = exact.seek(next);
                        break;
                    }
                }
                continue;
            }
            run = Some((max, end));
        }
        if is_alive(doc) {
            top.push(Hit {
                score: exact.score(),
                doc,
            });
        }
        doc = exact.advance();
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
