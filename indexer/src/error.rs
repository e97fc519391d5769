//! The one error type of the indexer: every message says what failed and where, and the index
//! errors an analyst can meet (missing, locked, corrupt) carry the rebuild hint.

use std::path::PathBuf;

/// The hint printed with every index error an analyst can fix by rebuilding.
pub const REBUILD_HINT: &str = "run `salwatch index rebuild` to recreate it from the archive";

/// Errors from ingesting, rebuilding or searching.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// There is no index (or no state database) at the workspace path.
    #[error("no salwatch index at {path}: {REBUILD_HINT}")]
    Missing {
        /// The missing index directory or state database.
        path: PathBuf,
    },
    /// Another process holds the index writer lock.
    #[error(
        "the index at {path} is locked by another salwatch process (a crawl or an index run); \
         wait for it to finish, or if none is running, {REBUILD_HINT}"
    )]
    Locked {
        /// The index directory.
        path: PathBuf,
    },
    /// The index cannot be read, or was written by an incompatible version.
    #[error("the index at {path} is unreadable ({reason}): {REBUILD_HINT}")]
    Corrupt {
        /// The index directory.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A tantivy operation failed.
    #[error("index error while {context}: {source}")]
    Tantivy {
        /// What the indexer was doing.
        context: String,
        /// The tantivy error.
        source: tantivy::TantivyError,
    },
    /// A state database operation failed.
    #[error("state database error while {context}: {source}")]
    Sqlite {
        /// What the indexer was doing.
        context: String,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// A file system operation failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What the indexer tried to do (`create`, `remove` …).
        action: &'static str,
        /// The path concerned.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A stored listing could not be encoded or decoded.
    #[error("cannot {action} the stored listing {listing_id}: {source}")]
    Json {
        /// `encode` or `decode`.
        action: &'static str,
        /// The listing concerned.
        listing_id: String,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// [`crate::Indexer::ingest`] was called on an indexer opened without a rule engine.
    #[error(
        "this indexer was opened without rules: use ingest_extracted, or open it with a rule engine"
    )]
    NoRuleEngine,
    /// The configuration or a site profile it names cannot be read (the indexer needs the
    /// profiles' removed markers to tell a taken-down listing).
    #[error("cannot read {path} for its site profiles: {reason}")]
    Profiles {
        /// The configuration or profile file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The search query cannot be used at all.
    #[error("invalid search query {query:?}: {reason}")]
    Query {
        /// The query as typed.
        query: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl IndexError {
    /// Wraps a tantivy error with what the indexer was doing.
    pub(crate) fn tantivy(
        context: impl Into<String>,
    ) -> impl FnOnce(tantivy::TantivyError) -> Self {
        let context = context.into();
        move |source| IndexError::Tantivy { context, source }
    }

    /// Wraps a SQLite error with what the indexer was doing.
    pub(crate) fn sqlite(context: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> Self {
        let context = context.into();
        move |source| IndexError::Sqlite { context, source }
    }
}
