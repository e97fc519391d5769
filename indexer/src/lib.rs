//! # salwatch-indexer
//!
//! Joins the crawler and the rules (DESIGN.md §1): reads captured pages, runs the rule engine,
//! writes the tantivy index and the listing history, and answers searches.
//!
//! - [`Indexer`] (write side): upserts listings by a stable id, records history, commits in
//!   batches (the index and `state.db` together).
//! - [`Searcher`] (read side): search with filters, sorts, facets and snippets (or one hit per
//!   dedup cluster); one listing, its history and captures; a summary; identifiers shared
//!   across sites.
//! - [`rebuild`]: recreates index and history from the archive's pages.
//!
//! Storage: the full [`Listing`] is a JSON stored field of the index (hits and `show` need no
//! rules); `state.db` holds the `idx_` tables (listing state, entities, history, captures).

pub mod actors;
pub mod bench;
mod bound;
pub mod cases;
mod checkpoint;
pub mod collapse;
pub mod count;
pub mod currency;
pub mod dedup;
pub mod document;
pub mod error;
pub mod evidence;
pub mod facets;
pub mod listing;
pub mod query;
pub mod rebuild;
pub mod removed;
pub mod schema;
pub mod search;
pub mod shared;
pub mod store;
pub mod synth;
pub mod timeline;
pub mod tokenizer;
mod topk;
pub mod writer;

pub use collapse::{CollapsedHit, CollapsedResults};
pub use error::IndexError;
pub use evidence::EvidenceError;
pub use facets::{FacetCounts, SiteCount, Summary, ValueCount};
pub use listing::Listing;
pub use query::{ENTITY_KINDS, SearchQuery, SortOrder, normalize_entity, parse_entity};
pub use rebuild::{RebuildStats, rebuild, rebuild_extracted};
pub use removed::RemovedMarkers;
pub use search::{SearchHit, SearchResults, Searcher};
pub use shared::{Carrier, SharedIdentifier};
pub use store::{CaptureSeen, HistoryEvent};
pub use writer::{Indexer, IngestOutcome};

#[cfg(test)]
mod tests;
