//! The read side: [`Searcher`] answers searches while another process indexes (the reader
//! reloads shortly after each commit; opening it never takes the writer lock).

use std::path::PathBuf;
use std::sync::Mutex;

use rusqlite::Connection;
use salwatch_crawler::Workspace;
use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::snippet::{Snippet, SnippetGenerator};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, ReloadPolicy, SegmentReader, TantivyDocument,
};

use crate::count::{CappedCount, EXACT_COUNT_CAP};
use crate::document::{from_document, id_term};
use crate::error::IndexError;
use crate::facets::{self, FacetCounts};
use crate::listing::Listing;
use crate::query::{self, SearchQuery, SortOrder};
use crate::schema::{self, Fields, names};
use crate::store::{self, CaptureSeen, HistoryEvent};
use crate::topk::PrunedTopDocs;

/// Characters of a snippet.
const SNIPPET_CHARS: usize = 200;
/// Marker put around highlighted words in snippets.
const HIGHLIGHT: &str = "**";

/// The hits of one search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// Number of listings matching (all pages); a lower bound when `total_is_lower_bound`.
    pub total: usize,
    /// True when `total` stopped at [`EXACT_COUNT_CAP`] and more listings may match (shown
    /// as `10000+`). Totals below the cap, and totals of count-only (`limit` 0), sorted
    /// (newest, price) or faceted searches, are always exact.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub total_is_lower_bound: bool,
    /// The requested page of hits.
    pub hits: Vec<SearchHit>,
    /// Counts per site, category … over all matches, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facets: Option<FacetCounts>,
    /// Query syntax problems worked around by a lenient parse.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// One hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// The listing, as stored.
    pub listing: Listing,
    /// The text score (0 when sorting by date or price, or without query text).
    pub score: f32,
    /// Plain text from the body (or title) with matched words between `**` markers.
    pub snippet: String,
}

/// The read side of the index.
pub struct Searcher {
    index: Index,
    fields: Fields,
    reader: IndexReader,
    state_db: PathBuf,
    conn: Mutex<Option<Connection>>,
}

impl std::fmt::Debug for Searcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Searcher")
            .field("state_db", &self.state_db)
            .finish_non_exhaustive()
    }
}

impl Searcher {
    /// Opens the workspace's index for searching. Missing or corrupt indexes give an error that
    /// says so and names `salwatch index rebuild`.
    pub fn open(workspace: &Workspace) -> Result<Self, IndexError> {
        let dir = workspace.index_dir();
        let (mut index, fields) = schema::open_existing(&dir)?;
        // Segments are searched in parallel, one task per segment (tantivy's executor).
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        if threads > 1 {
            index
                .set_multithread_executor(threads)
                .map_err(IndexError::tantivy("starting the search threads"))?;
        }
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(|e: tantivy::TantivyError| IndexError::Corrupt {
                path: dir.clone(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            index,
            fields,
            reader,
            state_db: workspace.state_db(),
            conn: Mutex::new(None),
        })
    }

    /// Sees the latest commit now (it is otherwise seen shortly after each commit).
    pub fn reload(&self) -> Result<(), IndexError> {
        self.reader
            .reload()
            .map_err(IndexError::tantivy("reloading the index reader"))
    }

    /// Runs a search.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, IndexError> {
        let parsed = query::build(&self.index, &self.fields, q)?;
        let searcher = self.reader.searcher();
        let ctx = || format!("searching {:?}", q.text);
        let mut lower_bound = false;
        let (total, top): (usize, Vec<(f32, DocAddress)>) = if q.limit == 0 {
            let n = searcher
                .search(&*parsed.full, &Count)
                .map_err(IndexError::tantivy(ctx()))?;
            (n, Vec::new())
        } else {
            let top = TopDocs::with_limit(q.limit).and_offset(q.offset);
            match q.sort {
                // Faceted searches visit every match anyway: count them all in that pass.
                SortOrder::Relevance if q.facets => searcher
                    .search(&*parsed.full, &(Count, top))
                    .map_err(IndexError::tantivy(ctx()))?,
                // The top hits skip matches that cannot enter the top (`crate::topk`, or
                // `TopDocs` alone); the total is counted separately, exactly up to the cap.
                SortOrder::Relevance => {
                    let pruned = match &parsed.text {
                        Some(text) => PrunedTopDocs::for_text(
                            &searcher,
                            &self.fields,
                            &q.text,
                            &**text,
                            q.limit,
                            q.offset,
                        )
                        .map_err(IndexError::tantivy(ctx()))?,
                        None => Some(PrunedTopDocs::first_matches(q.limit, q.offset)),
                    };
                    let hits = match (pruned, parsed.warnings.is_empty()) {
                        (Some(pruned), true) => searcher.search(&*parsed.full, &pruned),
                        _ => searcher.search(&*parsed.full, &top),
                    }
                    .map_err(IndexError::tantivy(ctx()))?;
                    let (n, capped) = searcher
                        .search(&*parsed.full, &CappedCount::new(EXACT_COUNT_CAP))
                        .map_err(IndexError::tantivy(ctx()))?;
                    lower_bound = capped;
                    (n, hits)
                }
                SortOrder::Newest => {
                    let (n, hits) = searcher
                        .search(&*parsed.full, &(Count, top.custom_score(newest_key)))
                        .map_err(IndexError::tantivy(ctx()))?;
                    (n, hits.into_iter().map(|(_, a)| (0.0, a)).collect())
                }
                SortOrder::Price => {
                    let (n, hits) = searcher
                        .search(&*parsed.full, &(Count, top.custom_score(cheapest_key)))
                        .map_err(IndexError::tantivy(ctx()))?;
                    (n, hits.into_iter().map(|(_, a)| (0.0, a)).collect())
                }
            }
        };
        let snippets = match &parsed.text {
            Some(text) => Some(self.snippet_generators(&searcher, &**text)?),
            None => None,
        };
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher
                .doc(addr)
                .map_err(IndexError::tantivy("reading a hit"))?;
            let listing = from_document(&self.fields, &doc)?;
            let snippet = match &snippets {
                Some((body, title)) => render_snippet(body.snippet(&listing.body))
                    .or_else(|| render_snippet(title.snippet(&listing.title)))
                    .unwrap_or_else(|| head(&listing.body)),
                None => head(&listing.body),
            };
            hits.push(SearchHit {
                listing,
                score,
                snippet,
            });
        }
        let facets = if q.facets {
            Some(facets::counts(&searcher, &*parsed.full)?)
        } else {
            None
        };
        Ok(SearchResults {
            total,
            total_is_lower_bound: lower_bound,
            hits,
            facets,
            warnings: parsed.warnings,
        })
    }

    /// The top hits of a search as plain `TopDocs` finds them (score, listing id): what the
    /// pruned top of [`crate::topk`] must reproduce.
    #[cfg(test)]
    pub(crate) fn reference_top(&self, q: &SearchQuery) -> Vec<(f32, String)> {
        let parsed = query::build(&self.index, &self.fields, q).unwrap();
        let searcher = self.reader.searcher();
        let top = TopDocs::with_limit(q.limit).and_offset(q.offset);
        searcher
            .search(&*parsed.full, &top)
            .unwrap()
            .into_iter()
            .map(|(score, addr)| {
                let doc: TantivyDocument = searcher.doc(addr).unwrap();
                (score, from_document(&self.fields, &doc).unwrap().listing_id)
            })
            .collect()
    }

    /// The matches of a two-word or phrase search whose score exceeds the bound
    /// [`crate::bound`] gives their run (must be none), and the matches checked; `None` when
    /// the search is not of a bounded shape.
    #[cfg(test)]
    pub(crate) fn bound_violations(&self, q: &SearchQuery) -> Option<(usize, usize)> {
        use tantivy::DocSet;
        use tantivy::query::EnableScoring;
        let parsed = query::build(&self.index, &self.fields, q).unwrap();
        let searcher = self.reader.searcher();
        let text = parsed.text.as_ref()?;
        let shape =
            crate::bound::TextShape::recognise(&searcher, &self.fields, &**text).unwrap()?;
        let weight = parsed
            .full
            .weight(EnableScoring::enabled_from_searcher(&searcher))
            .unwrap();
        let (mut bad, mut checked) = (0, 0);
        for reader in searcher.segment_readers() {
            let mut bound = crate::bound::SegmentBound::open(&shape, reader).unwrap();
            let mut scorer = weight.scorer(reader, 1.0).unwrap();
            let mut doc = scorer.doc();
            while doc != tantivy::TERMINATED {
                let (max, end) = bound.window(doc);
                assert!(end >= doc);
                bad += usize::from(scorer.score() > max);
                checked += 1;
                doc = scorer.advance();
            }
        }
        Some((bad, checked))
    }

    /// The exact number of listings matching a search (however many), without reading hits.
    pub fn count(&self, q: &SearchQuery) -> Result<usize, IndexError> {
        let parsed = query::build(&self.index, &self.fields, q)?;
        self.reader
            .searcher()
            .search(&*parsed.full, &Count)
            .map_err(IndexError::tantivy(format!("counting {:?}", q.text)))
    }

    /// Number of listings in the index (as of the last reload).
    pub fn count_all(&self) -> Result<u64, IndexError> {
        Ok(self.reader.searcher().num_docs())
    }

    /// One listing by its id.
    pub fn listing(&self, listing_id: &str) -> Result<Option<Listing>, IndexError> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(id_term(&self.fields, listing_id), IndexRecordOption::Basic);
        let top = searcher
            .search(&query, &TopDocs::with_limit(1))
            .map_err(IndexError::tantivy(format!(
                "looking up listing {listing_id}"
            )))?;
        let Some((_, addr)) = top.first() else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher
            .doc(*addr)
            .map_err(IndexError::tantivy(format!("reading listing {listing_id}")))?;
        from_document(&self.fields, &doc).map(Some)
    }

    /// A listing's history (`first_seen`, `price_changed`, `text_changed`, `seen`), oldest first.
    pub fn history(&self, listing_id: &str) -> Result<Vec<HistoryEvent>, IndexError> {
        self.with_db(|c| store::history(c, listing_id))
    }

    /// The captures that saw a listing, oldest first.
    pub fn captures(&self, listing_id: &str) -> Result<Vec<CaptureSeen>, IndexError> {
        self.with_db(|c| store::captures(c, listing_id))
    }

    /// Counts for an analyst's summary.
    pub fn summary(&self) -> Result<facets::Summary, IndexError> {
        facets::summary(&self.reader.searcher(), &self.fields)
    }

    /// Identifiers that appear in listings of at least `min_sites` sites.
    pub fn shared_identifiers(
        &self,
        min_sites: usize,
    ) -> Result<Vec<crate::shared::SharedIdentifier>, IndexError> {
        self.with_db(|c| crate::shared::shared_identifiers(c, min_sites))
    }

    /// Runs `f` on the read-only state database connection (opened on first use).
    pub(crate) fn with_db<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, IndexError>,
    ) -> Result<T, IndexError> {
        let mut guard = self
            .conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if guard.is_none() {
            *guard = Some(store::open_ro(&self.state_db)?);
        }
        match guard.as_ref() {
            Some(conn) => f(conn),
            None => Err(IndexError::Missing {
                path: self.state_db.clone(),
            }),
        }
    }

    fn snippet_generators(
        &self,
        searcher: &tantivy::Searcher,
        text: &dyn Query,
    ) -> Result<(SnippetGenerator, SnippetGenerator), IndexError> {
        let make = |field| -> Result<SnippetGenerator, IndexError> {
            let mut g = SnippetGenerator::create(searcher, text, field)
                .map_err(IndexError::tantivy("preparing snippets"))?;
            g.set_max_num_chars(SNIPPET_CHARS);
            Ok(g)
        };
        Ok((make(self.fields.body)?, make(self.fields.title)?))
    }
}

/// Sort key for [`SortOrder::Newest`]: `listed_at` in µs, missing last.
fn newest_key(segment: &SegmentReader) -> impl FnMut(DocId) -> i64 + use<> {
    let column = segment
        .fast_fields()
        .column_opt::<tantivy::DateTime>(names::LISTED_AT)
        .ok()
        .flatten();
    move |doc| {
        column
            .as_ref()
            .and_then(|c| c.first(doc))
            .map_or(i64::MIN, |d| d.into_timestamp_micros())
    }
}

/// Sort key for [`SortOrder::Price`]: minus the EUR price (top scores first), missing last.
fn cheapest_key(segment: &SegmentReader) -> impl FnMut(DocId) -> f64 + use<> {
    let column = segment
        .fast_fields()
        .column_opt::<f64>(names::PRICE_EUR)
        .ok()
        .flatten();
    move |doc| {
        column
            .as_ref()
            .and_then(|c| c.first(doc))
            .map_or(f64::NEG_INFINITY, |p| -p)
    }
}

/// A snippet as plain text with `**` around the matches, or `None` when nothing matched.
fn render_snippet(snippet: Snippet) -> Option<String> {
    if snippet.highlighted().is_empty() {
        return None;
    }
    let fragment = snippet.fragment();
    let mut out = String::with_capacity(fragment.len() + 16);
    let mut at = 0;
    for range in snippet.highlighted() {
        if range.start < at || range.end > fragment.len() {
            continue;
        }
        out.push_str(&fragment[at..range.start]);
        out.push_str(HIGHLIGHT);
        out.push_str(&fragment[range.clone()]);
        out.push_str(HIGHLIGHT);
        at = range.end;
    }
    out.push_str(&fragment[at..]);
    Some(collapse_ws(&out))
}

/// The start of a text, for hits without a highlighted match.
fn head(text: &str) -> String {
    let cut: String = text.chars().take(SNIPPET_CHARS).collect();
    collapse_ws(&cut)
}

/// One line: runs of whitespace become one space.
fn collapse_ws(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
