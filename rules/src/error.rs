//! Errors loading and compiling rule packs; every message names the file, line and rule.

use std::path::PathBuf;

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
    /// A pack file is not valid TOML or does not follow the pack format.
    #[error("{file}:{line}: invalid rule pack: {message}")]
    Parse {
        /// The pack file.
        file: String,
        /// 1-based line of the error.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// One rule is wrong (bad regex, unknown validator, pathological pattern …).
    #[error("{file}:{line}: rule `{rule}`: {message}")]
    Rule {
        /// The pack file.
        file: String,
        /// 1-based line of the rule's `id`.
        line: usize,
        /// The rule id.
        rule: String,
        /// What is wrong (for a regex, the regex error with its position).
        message: String,
    },
    /// A pack as a whole is wrong (no `[pack]` header, no files …).
    #[error("{file}: {message}")]
    Pack {
        /// The pack file or directory.
        file: String,
        /// What is wrong.
        message: String,
    },
}
