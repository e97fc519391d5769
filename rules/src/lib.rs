//! # salwatch-rules
//!
//! Text in, [`Extraction`] out. This crate is a leaf of the salwatch workspace (DESIGN.md §1): it
//! does no network I/O and touches the disk only to load rule packs. It owns the multilingual
//! normalizer that the index reuses, so that a query and a listing are folded the same way.
//!
//! Public surface used by the other crates (keep it stable):
//! - [`normalize::normalize`] / [`normalize::Normalized`]: folded text with a map back to the
//!   original bytes;
//! - [`normalize::tokenize`]: search tokens (folded words with original byte offsets), used by the
//!   index tokenizer;
//! - [`RuleEngine`]: loads packs (the embedded default `salw-core`, plus files), extracts.

pub mod backtest;
mod boundary;
mod classify;
mod compile;
pub mod engine;
mod error;
pub mod examples;
pub mod extraction;
mod groupread;
pub mod ident;
pub mod lint;
pub mod normalize;
pub mod pack;
mod prefilter;
mod price;
mod scan;
mod spancaps;
mod template;
pub mod vocab;

pub use backtest::{Backtest, BacktestSummary, DocumentChange};
pub use engine::{
    DEFAULT_ENTITY_LIMIT, Document, Error, Explanation, HitReport, RuleEngine, decode_lossy,
};
pub use extraction::{ENTITY_KINDS, Entity, Extraction, IDENTIFIER_KINDS, PackRef};
