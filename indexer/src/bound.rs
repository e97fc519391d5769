//! Upper bounds of a text's relevance score over runs of documents, from the block-max scores
//! tantivy stores with every block of 128 postings, so that [`crate::topk`] can skip runs that
//! cannot enter the top hits of a search of two words or of a phrase.
//!
//! Tantivy 0.25 prunes only pure disjunctions of terms. Two words (`пиштол глок`: each word is
//! `title:w^2 OR body:w`, both words required) and a phrase (`"zastava m70"`:
//! `title:"…"^2 OR body:"…"`) are scored on every match by `TopDocs`. Their score is a sum of
//! at most two sums of at most two parts (one per field), and float addition of two numbers is
//! commutative and monotone: with each part replaced by an upper bound of it, the same two-level
//! sum is an upper bound of the score *to the bit*, without any slack. That matters: in a
//! corpus of near-identical listings most matches tie with the k-th best score, and a tie that
//! comes later in a segment never enters the top (`TopDocs` breaks ties on the lower document),
//! so a run whose bound equals the threshold is skipped.
//!
//! Parts: a term scores `bm25(fieldnorm, tf)` and a run's bound is the term's block-max score;
//! a phrase scores `bm25'(fieldnorm, phrase count)` with the phrase's own weight (the idf of its
//! terms summed), the phrase count is at most each term's `tf`, so each term's block maximum
//! under the phrase's weight bounds the phrase, and the smallest of them is taken.
//!
//! Block-max scores are those tantivy itself prunes with (its `TopDocs` on a one-word search):
//! they are exact on one segment; on several, tantivy documents that the stored maximum may in
//! rare cases come from another document than under the index-wide average field length.
//!
//! Only the shapes above are bounded ([`TextShape::recognise`] checks the query built by the
//! parser against one it builds itself); anything else keeps the plain `TopDocs`.

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::BlockSegmentPostings;
use tantivy::query::{Bm25Weight, BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, Score, SegmentReader, TERMINATED, Term};

use crate::query::TITLE_BOOST;
use crate::schema::Fields;

/// One field's share of a text's score: a term, or a phrase of several terms.
#[derive(Clone)]
struct Part {
    terms: Vec<Term>,
    /// The weight the search scores this part with (boost included).
    weight: Bm25Weight,
}

/// The score of a text as a sum (at most two) of groups, each a sum (at most two) of parts.
#[derive(Clone)]
pub(crate) struct TextShape {
    groups: Vec<Vec<Part>>,
}

impl TextShape {
    /// The shape of a two-word search (`a b`, `a AND b`) or of a one-phrase search (`"a b"`)
    /// over title (boosted) and body, as the query parser builds them; `None` for anything
    /// else.
    pub(crate) fn recognise(
        searcher: &tantivy::Searcher,
        fields: &Fields,
        text: &dyn Query,
    ) -> tantivy::Result<Option<Self>> {
        let Some(words) = words_of(fields, text) else {
            return Ok(None);
        };
        let expected = expected_query(fields, &words);
        if format!("{expected:?}") != format!("{text:?}") {
            return Ok(None);
        }
        let part = |field: Field, terms: Vec<Term>| -> tantivy::Result<Part> {
            let weight = Bm25Weight::for_terms(searcher, &terms)?;
            let boost = if field == fields.title {
                TITLE_BOOST
            } else {
                1.0
            };
            Ok(Part {
                terms,
                weight: weight.boost_by(boost),
            })
        };
        let groups = match words {
            Words::Two(pair) => pair
                .iter()
                .map(|w| {
                    Ok(vec![
                        part(fields.title, vec![Term::from_field_text(fields.title, w)])?,
                        part(fields.body, vec![Term::from_field_text(fields.body, w)])?,
                    ])
                })
                .collect::<tantivy::Result<Vec<_>>>()?,
            Words::Phrase(words) => {
                let in_field = |field| -> Vec<Term> {
                    words
                        .iter()
                        .map(|w| Term::from_field_text(field, w))
                        .collect()
                };
                vec![vec![
                    part(fields.title, in_field(fields.title))?,
                    part(fields.body, in_field(fields.body))?,
                ]]
            }
        };
        Ok(Some(Self { groups }))
    }
}

/// The words of a text query whose terms look like two words or one phrase over title and
/// body (each word in both fields).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Words {
    Two([String; 2]),
    Phrase(Vec<String>),
}

fn words_of(fields: &Fields, text: &dyn Query) -> Option<Words> {
    let mut title: Vec<(String, bool)> = Vec::new();
    let mut body: Vec<(String, bool)> = Vec::new();
    let mut other = false;
    text.query_terms(&mut |term, positions| {
        let word = term.value().as_str().map(str::to_string);
        match word {
            Some(w) if term.field() == fields.title => title.push((w, positions)),
            Some(w) if term.field() == fields.body => body.push((w, positions)),
            _ => other = true,
        }
    });
    if other || title != body {
        return None;
    }
    let phrase = title.iter().all(|(_, p)| *p);
    let words: Vec<String> = title.into_iter().map(|(w, _)| w).collect();
    match words.as_slice() {
        [a, b] if !phrase && a != b => Some(Words::Two([a.clone(), b.clone()])),
        [_, _, ..] if phrase => Some(Words::Phrase(words)),
        _ => None,
    }
}

/// The query the parser builds for `words` (title boosted): compared with the parsed one so
/// that only these exact shapes are bounded.
fn expected_query(fields: &Fields, words: &Words) -> Box<dyn Query> {
    let both = |title: Box<dyn Query>, body: Box<dyn Query>| -> Box<dyn Query> {
        Box::new(BooleanQuery::new(vec![
            (
                Occur::Should,
                Box::new(BoostQuery::new(title, TITLE_BOOST)) as Box<dyn Query>,
            ),
            (Occur::Should, body),
        ]))
    };
    match words {
        Words::Two(pair) => {
            let word = |w: &str| {
                let term = |field| -> Box<dyn Query> {
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, w),
                        IndexRecordOption::WithFreqs,
                    ))
                };
                both(term(fields.title), term(fields.body))
            };
            Box::new(BooleanQuery::new(
                pair.iter().map(|w| (Occur::Must, word(w))).collect(),
            ))
        }
        Words::Phrase(words) => {
            let phrase = |field| -> Box<dyn Query> {
                Box::new(PhraseQuery::new(
                    words
                        .iter()
                        .map(|w| Term::from_field_text(field, w))
                        .collect(),
                ))
            };
            both(phrase(fields.title), phrase(fields.body))
        }
    }
}

/// The blocks of one term's postings in a segment, read block by block for their maximum score.
struct TermBlocks {
    postings: BlockSegmentPostings,
    norms: FieldNormReader,
    weight: Bm25Weight,
    /// The loaded block's last document and maximum score (`None`: no block loaded yet).
    loaded: Option<(DocId, Score)>,
}

impl TermBlocks {
    /// The maximum score of the term in `doc..=end` and `end`: the block holding `doc` or the
    /// first one after it (the term is absent in between), `(0, TERMINATED)` past the last.
    fn at(&mut self, doc: DocId) -> (Score, DocId) {
        if let Some((last, max)) = self.loaded
            && last >= doc
        {
            return (max, last);
        }
        self.postings.seek(doc);
        let block = match self.postings.docs().last() {
            Some(&last) if last >= doc && last != TERMINATED => (
                self.postings.block_max_score(&self.norms, &self.weight),
                last,
            ),
            _ => (0.0, TERMINATED),
        };
        self.loaded = Some((block.1, block.0));
        block
    }
}

/// The postings of one part's terms in a segment (none when a term is absent: the part then
/// never scores).
struct PartBlocks {
    terms: Vec<TermBlocks>,
}

/// Bounds of a [`TextShape`] over runs of one segment's documents.
pub(crate) struct SegmentBound {
    groups: Vec<Vec<PartBlocks>>,
}

impl SegmentBound {
    /// Opens the postings of the shape's terms in a segment.
    pub(crate) fn open(shape: &TextShape, reader: &SegmentReader) -> tantivy::Result<Self> {
        let mut groups = Vec::with_capacity(shape.groups.len());
        for group in &shape.groups {
            let mut parts = Vec::with_capacity(group.len());
            for part in group {
                let mut terms = Vec::with_capacity(part.terms.len());
                for term in &part.terms {
                    let field = term.field();
                    let postings = reader
                        .inverted_index(field)?
                        .read_block_postings(term, IndexRecordOption::WithFreqs)?;
                    let Some(postings) = postings else {
                        terms.clear();
                        break;
                    };
                    terms.push(TermBlocks {
                        postings,
                        norms: reader.get_fieldnorms_reader(field)?,
                        weight: part.weight.clone(),
                        loaded: None,
                    });
                }
                parts.push(PartBlocks { terms });
            }
            groups.push(parts);
        }
        Ok(Self { groups })
    }

    /// An upper bound of the score of every document in `doc..=end`, and `end` (at least
    /// `doc`; [`TERMINATED`] when the bound holds to the end of the segment). Calls must come
    /// with non-decreasing `doc`.
    pub(crate) fn window(&mut self, doc: DocId) -> (Score, DocId) {
        let mut end = TERMINATED;
        let mut total: Score = 0.0;
        for group in &mut self.groups {
            let mut sum: Score = 0.0;
            for part in group.iter_mut() {
                let mut part_max: Option<Score> = None;
                for term in &mut part.terms {
                    let (max, last) = term.at(doc);
                    end = end.min(last);
                    part_max = Some(part_max.map_or(max, |m: Score| m.min(max)));
                }
                sum += part_max.unwrap_or(0.0);
            }
            total += sum;
        }
        (total, end)
    }
}

#[cfg(test)]
mod tests {
    use super::{Words, words_of};
    use crate::schema;

    #[test]
    fn two_words_and_phrases_only() {
        let dir = tempfile::tempdir().unwrap();
        let (index, fields) = schema::open_or_create(dir.path()).unwrap();
        let mut parser =
            tantivy::query::QueryParser::for_index(&index, vec![fields.title, fields.body]);
        parser.set_field_boost(fields.title, crate::query::TITLE_BOOST);
        parser.set_conjunction_by_default();
        let words = |t: &str| words_of(&fields, &*parser.parse_query(t).unwrap());
        assert!(matches!(words("glock pistol"), Some(Words::Two(_))));
        assert!(matches!(words("\"zastava m70\""), Some(Words::Phrase(_))));
        assert_eq!(words("glock"), None);
        assert_eq!(words("glock glock"), None);
        assert_eq!(words("a b c"), None);
        assert_eq!(words("site:x glock"), None);
    }
}
