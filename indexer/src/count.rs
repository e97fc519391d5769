//! A match count that stops at a cap: [`CappedCount`] walks the matches only until more than
//! the cap have been seen over all segments, so a search for a common word does not visit every
//! match just to print its total (the top hits are found by a pruning collector, which skips
//! documents that cannot enter the top).
//!
//! Segments are searched in parallel and share one running count: once it passes the cap, the
//! segments still walking stop (and those not started yet do not walk). A total is therefore
//! exact whenever at most the cap match, and the cap with "more" otherwise, however the
//! segments were scheduled.

use std::sync::atomic::{AtomicUsize, Ordering};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Weight;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader, TERMINATED};

/// Matches counted exactly before a search total becomes a lower bound.
pub const EXACT_COUNT_CAP: usize = 10_000;

/// Matches a segment counts between two looks at the shared running count.
const SHARE_EVERY: usize = 512;

/// Counts matches up to a cap. Its fruit is `(count, capped)`: `capped` is true when more than
/// the cap match (the count is then the cap); otherwise the count is exact. One per search (the
/// running count is shared by its segments).
#[derive(Debug)]
pub struct CappedCount {
    cap: usize,
    /// Alive matches counted so far over all segments (flushed every [`SHARE_EVERY`]).
    counted: AtomicUsize,
}

impl CappedCount {
    /// A count that stops once more than `cap` matches are seen.
    pub fn new(cap: usize) -> Self {
        Self {
            cap,
            counted: AtomicUsize::new(0),
        }
    }

    /// Adds a segment's newly counted matches to the running count; true once it passes the
    /// cap.
    fn share(&self, newly: usize) -> bool {
        self.counted.fetch_add(newly, Ordering::Relaxed) + newly > self.cap
    }
}

impl Collector for CappedCount {
    type Fruit = (usize, bool);
    type Child = CappedSegmentCount;

    fn for_segment(&self, _: SegmentOrdinal, _: &SegmentReader) -> tantivy::Result<Self::Child> {
        Ok(CappedSegmentCount {
            count: 0,
            cap: self.cap,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<(usize, bool)>) -> tantivy::Result<(usize, bool)> {
        let count: usize = fruits.iter().map(|(n, _)| n).sum();
        let capped = fruits.iter().any(|(_, c)| *c) || count > self.cap;
        Ok(if capped {
            (count.min(self.cap), true)
        } else {
            (count, false)
        })
    }

    /// Walks the segment's matches (skipping deleted documents) until the running count of
    /// all segments passes the cap.
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        _: u32,
        reader: &SegmentReader,
    ) -> tantivy::Result<(usize, bool)> {
        if self.share(0) {
            return Ok((0, true));
        }
        let mut scorer = weight.scorer(reader, 1.0)?;
        let alive = reader.alive_bitset();
        let mut count = 0;
        let mut unshared = 0;
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                count += 1;
                unshared += 1;
                if unshared == SHARE_EVERY {
                    unshared = 0;
                    if self.share(SHARE_EVERY) {
                        return Ok((count, true));
                    }
                }
            }
            doc = scorer.advance();
        }
        self.share(unshared);
        Ok((count, false))
    }
}

/// The per-segment side of [`CappedCount`] (used only through `collect`, which the collector's
/// own segment walk bypasses).
#[derive(Debug)]
pub struct CappedSegmentCount {
    count: usize,
    cap: usize,
}

impl SegmentCollector for CappedSegmentCount {
    type Fruit = (usize, bool);

    fn collect(&mut self, _: DocId, _: Score) {
        self.count += 1;
    }

    fn harvest(self) -> (usize, bool) {
        (self.count.min(self.cap), self.count > self.cap)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::Count;
    use tantivy::query::{AllQuery, TermQuery};
    use tantivy::schema::{IndexRecordOption, STRING, Schema};
    use tantivy::{Index, IndexWriter, TantivyDocument, Term};

    use super::CappedCount;

    /// 25 documents over 3 segments, 5 of them deleted: 20 alive.
    fn index() -> (Index, tantivy::schema::Field) {
        let mut schema = Schema::builder();
        let word = schema.add_text_field("word", STRING);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for i in 0..25 {
            let mut doc = TantivyDocument::default();
            doc.add_text(word, if i % 5 == 0 { "gone" } else { "kept" });
            writer.add_document(doc).unwrap();
            if i % 10 == 9 {
                writer.commit().unwrap();
            }
        }
        writer.commit().unwrap();
        writer.delete_term(Term::from_field_text(word, "gone"));
        writer.commit().unwrap();
        (index, word)
    }

    #[test]
    fn counts_exactly_below_the_cap_and_stops_at_it() {
        let (index, word) = index();
        let searcher = index.reader().unwrap().searcher();
        assert!(searcher.segment_readers().len() > 1);
        assert_eq!(searcher.search(&AllQuery, &Count).unwrap(), 20);
        assert_eq!(
            searcher.search(&AllQuery, &CappedCount::new(100)).unwrap(),
            (20, false)
        );
        assert_eq!(
            searcher.search(&AllQuery, &CappedCount::new(20)).unwrap(),
            (20, false)
        );
        assert_eq!(
            searcher.search(&AllQuery, &CappedCount::new(7)).unwrap(),
            (7, true)
        );
        assert_eq!(
            searcher.search(&AllQuery, &CappedCount::new(12)).unwrap(),
            (12, true)
        );
        let kept = TermQuery::new(
            Term::from_field_text(word, "kept"),
            IndexRecordOption::Basic,
        );
        assert_eq!(
            searcher.search(&kept, &CappedCount::new(19)).unwrap(),
            (19, true)
        );
        assert_eq!(
            searcher.search(&kept, &CappedCount::new(21)).unwrap(),
            (20, false)
        );
    }

    /// Segments large enough to share their running count, searched in parallel: exact up to
    /// the cap, the cap and "more" above it, whatever the schedule.
    #[test]
    fn shared_running_count_is_exact_up_to_the_cap() {
        let mut schema = Schema::builder();
        let word = schema.add_text_field("word", STRING);
        let mut index = Index::create_in_ram(schema.build());
        index.set_multithread_executor(3).unwrap();
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for i in 0..6_000 {
            let mut doc = TantivyDocument::default();
            doc.add_text(word, "kept");
            writer.add_document(doc).unwrap();
            if i % 1_500 == 1_499 {
                writer.commit().unwrap();
            }
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert!(searcher.segment_readers().len() >= 3);
        for (cap, want) in [
            (600, (600, true)),
            (1_024, (1_024, true)),
            (5_999, (5_999, true)),
            (6_000, (6_000, false)),
            (9_000, (6_000, false)),
        ] {
            for _ in 0..5 {
                assert_eq!(
                    searcher.search(&AllQuery, &CappedCount::new(cap)).unwrap(),
                    want,
                    "cap {cap}"
                );
            }
        }
    }
}
