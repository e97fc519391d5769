//! A match count that stops at a cap: [`CappedCount`] walks each segment's matches only until
//! the cap is reached, so a search for a common word does not visit every match just to print
//! its total (the top hits are found by tantivy's pruning collector, which skips documents that
//! cannot enter the top).

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Weight;
use tantivy::{DocId, DocSet, Score, SegmentOrdinal, SegmentReader, TERMINATED};

/// Matches counted exactly before a search total becomes a lower bound.
pub const EXACT_COUNT_CAP: usize = 10_000;

/// Counts matches up to a cap. Its fruit is `(count, capped)`: `capped` is true when the count
/// stopped at the cap, and the true number of matches may be larger.
#[derive(Debug, Clone, Copy)]
pub struct CappedCount(pub usize);

impl Collector for CappedCount {
    type Fruit = (usize, bool);
    type Child = CappedSegmentCount;

    fn for_segment(&self, _: SegmentOrdinal, _: &SegmentReader) -> tantivy::Result<Self::Child> {
        Ok(CappedSegmentCount {
            count: 0,
            cap: self.0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<(usize, bool)>) -> tantivy::Result<(usize, bool)> {
        let count: usize = fruits.iter().map(|(n, _)| n).sum();
        let capped = fruits.iter().any(|(_, c)| *c) || count > self.0;
        Ok(if capped {
            (count.min(self.0), true)
        } else {
            (count, false)
        })
    }

    /// Walks the segment's matches (skipping deleted documents) until the cap.
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        _: u32,
        reader: &SegmentReader,
    ) -> tantivy::Result<(usize, bool)> {
        let mut scorer = weight.scorer(reader, 1.0)?;
        let alive = reader.alive_bitset();
        let mut count = 0;
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            if count >= self.0 {
                return Ok((count, true));
            }
            if alive.is_none_or(|a| a.is_alive(doc)) {
                count += 1;
            }
            doc = scorer.advance();
        }
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
            searcher.search(&AllQuery, &CappedCount(100)).unwrap(),
            (20, false)
        );
        assert_eq!(
            searcher.search(&AllQuery, &CappedCount(20)).unwrap(),
            (20, false)
        );
        assert_eq!(
            searcher.search(&AllQuery, &CappedCount(7)).unwrap(),
            (7, true)
        );
        assert_eq!(
            searcher.search(&AllQuery, &CappedCount(12)).unwrap(),
            (12, true)
        );
        let kept = TermQuery::new(
            Term::from_field_text(word, "kept"),
            IndexRecordOption::Basic,
        );
        assert_eq!(
            searcher.search(&kept, &CappedCount(19)).unwrap(),
            (19, true)
        );
        assert_eq!(
            searcher.search(&kept, &CappedCount(21)).unwrap(),
            (20, false)
        );
    }
}
