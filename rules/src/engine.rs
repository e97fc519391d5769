//! The rule engine: loaded packs compiled once, run over documents.

use std::path::PathBuf;

use crate::extraction::{Extraction, PackRef};

/// One document to extract from.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    /// Caller's id, echoed in the extraction.
    pub id: &'a str,
    /// The text (markup already stripped).
    pub text: &'a str,
    /// Default phone region (ISO 3166 alpha-2, e.g. `MK`), from the site profile.
    pub default_region: Option<&'a str>,
}

/// Errors loading or compiling rule packs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A pack file could not be read.
    #[error("cannot read rule pack {path}: {source}")]
    Io {
        /// The pack path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// All loaded packs, compiled once.
#[derive(Debug)]
pub struct RuleEngine {}

impl RuleEngine {
    /// The embedded default pack `salw-core`.
    pub fn default_pack() -> Result<Self, Error> {
        unimplemented!()
    }

    /// The default pack followed by extra pack files or directories (later packs override rules by id).
    pub fn with_packs(_extra: &[PathBuf]) -> Result<Self, Error> {
        unimplemented!()
    }

    /// Packs in load order.
    pub fn packs(&self) -> Vec<PackRef> {
        unimplemented!()
    }

    /// Runs every loaded rule over one document.
    pub fn extract(&self, _doc: &Document<'_>) -> Extraction {
        unimplemented!()
    }
}
