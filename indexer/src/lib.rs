//! # salwatch-indexer
//!
//! Joins the crawler and the rules (DESIGN.md §1): reads captured pages, runs the rule engine,
//! writes the tantivy index and the listing history, and answers searches.
