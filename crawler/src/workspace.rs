//! The on-disk layout of a salwatch workspace (DESIGN.md §2). Every component asks this type for
//! its paths, so the layout is written down once.

use std::path::{Path, PathBuf};

/// A workspace directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    root: PathBuf,
}

impl Workspace {
    /// A workspace rooted at `root` (not created or checked here).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Creates the workspace directories with owner-only permissions where they hold secrets or
    /// evidence. Existing directories are kept as they are.
    pub fn create_dirs(&self) -> std::io::Result<()> {
        for dir in [
            self.root.clone(),
            self.archive_dir(),
            self.index_dir(),
            self.tor_dir(),
            self.keys_dir(),
            self.exports_dir(),
        ] {
            std::fs::create_dir_all(&dir)?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
            }
        }
        Ok(())
    }

    /// The workspace root.
    pub fn root(&self) -> &Path {
        &self.root
    }
    /// `salwatch.toml`.
    pub fn config_path(&self) -> PathBuf {
        self.root.join("salwatch.toml")
    }
    /// `archive/`: WARC files and `captures.cdxj`.
    pub fn archive_dir(&self) -> PathBuf {
        self.root.join("archive")
    }
    /// `state.db`: frontier, fetch log, history, clusters, cases.
    pub fn state_db(&self) -> PathBuf {
        self.root.join("state.db")
    }
    /// `index/`: the tantivy index.
    pub fn index_dir(&self) -> PathBuf {
        self.root.join("index")
    }
    /// `tor/`: arti state and cache.
    pub fn tor_dir(&self) -> PathBuf {
        self.root.join("tor")
    }
    /// `keys/`: the evidence signing key.
    pub fn keys_dir(&self) -> PathBuf {
        self.root.join("keys")
    }
    /// `exports/`: evidence packages.
    pub fn exports_dir(&self) -> PathBuf {
        self.root.join("exports")
    }
}
