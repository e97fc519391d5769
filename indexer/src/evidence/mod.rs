//! Evidence packages (issue #8): a case exported as a signed WACZ 1.1.1 that a court can verify
//! without salwatch ([`export`], [`verify`]), and the same intelligence as a STIX 2.1 bundle or a
//! MISP event for partner agencies ([`stix`], [`misp`]).
//!
//! Layout of a package (DESIGN.md §3): `archive/*.warc.gz` (the case's capture records copied
//! byte for byte), `indexes/index.cdxj`, `pages/pages.jsonl`, `datapackage.json` (SHA-256 of
//! every file), `datapackage-digest.json` (SHA-256 of `datapackage.json` and an Ed25519
//! signature over its bytes), and `salwatch/` (case, listings, entities, actors, timeline,
//! custody log, report, public key).

pub mod collect;
pub mod custody;
pub mod ids;
pub mod keys;
pub mod misp;
pub mod package;
pub mod photos;
pub mod report;
pub mod stix;
pub mod verify;
pub mod warc;

use std::path::PathBuf;

pub use collect::{CaseMaterial, collect};
pub use keys::{SigningKeyFile, fingerprint, load_or_create_key};
pub use package::{ExportSummary, export};
pub use verify::{Finding, VerifyReport, verify};

/// The WACZ version written.
pub const WACZ_VERSION: &str = "1.1.1";

/// Errors of exporting and verifying evidence packages.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// A file could not be read or written.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A capture record in the workspace archive does not match what the index recorded.
    #[error("capture {record_id} in {file} at offset {offset}: {message}")]
    Capture {
        /// WARC file name.
        file: String,
        /// Offset of the gzip member.
        offset: u64,
        /// Record id expected.
        record_id: String,
        /// What is wrong.
        message: String,
    },
    /// The case has nothing to export.
    #[error("case {0:?} holds no listing with a capture to export")]
    Empty(String),
    /// The signing key is unusable.
    #[error("signing key {path}: {message}")]
    Key {
        /// Key file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The zip could not be written or read.
    #[error("zip {path}: {message}")]
    Zip {
        /// Package file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A case error.
    #[error(transparent)]
    Case(#[from] crate::cases::CaseError),
    /// An index or state database error.
    #[error(transparent)]
    Index(#[from] crate::IndexError),
    /// A crawler archive error.
    #[error(transparent)]
    Archive(#[from] salwatch_crawler::ArchiveError),
}

/// SHA-256 of bytes as `sha256:<hex>`.
pub fn sha256(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    sha256_text(&Sha256::digest(data))
}

/// A finished SHA-256 digest as `sha256:<hex>`.
fn sha256_text(digest: &[u8]) -> String {
    format!("sha256:{}", hex::encode(digest))
}

fn io_err(
    what: &'static str,
    path: &std::path::Path,
) -> impl FnOnce(std::io::Error) -> EvidenceError {
    let path = path.to_path_buf();
    move |source| EvidenceError::Io { what, path, source }
}
