//! The photo fingerprints of an archive, read back from the metadata records of image captures
//! (what `index rebuild` or a re-import sees when the state database is gone).

use std::path::PathBuf;

use serde::Serialize;

use super::{ArchiveError, CaptureKind, CaptureMeta, MemberReader, warc_files};
use crate::workspace::Workspace;

/// One photo capture's fingerprint as recorded in its metadata record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchivedPhoto {
    /// Site.
    pub site: String,
    /// Photo URL (`WARC-Target-URI`).
    pub url: String,
    /// `WARC-Record-ID` of the response the metadata refers to.
    pub record_id: String,
    /// Perceptual hash (`dhash:` and 16 hex digits), when the photo decoded.
    pub dhash: Option<String>,
    /// Mean colour (`rgb:` and 6 hex digits), when the photo decoded.
    pub photo_color: Option<String>,
    /// Why the photo has no hash (too large, not decodable …).
    pub error: Option<String>,
}

/// Every photo capture of the given WARC files (full paths), in archive order. A damaged or
/// half-written record is passed over with a warning (it holds no readable photo, and the
/// photos after it are still read); `archive verify` names it.
pub fn photos_of_files(files: &[PathBuf]) -> Result<Vec<ArchivedPhoto>, ArchiveError> {
    let mut out = Vec::new();
    for path in files {
        for loc in MemberReader::open(path)? {
            let loc = match loc {
                Ok(loc) => loc,
                Err(e) if e.damaged_at().is_some() => {
                    tracing::warn!(error = %e, "skipping an unreadable archive record");
                    continue;
                }
                Err(e) => return Err(e),
            };
            if loc.record.warc_type() != "metadata" {
                continue;
            }
            let Ok(meta) = serde_json::from_slice::<CaptureMeta>(&loc.record.block) else {
                continue;
            };
            if meta.kind != CaptureKind::Image {
                continue;
            }
            let header = |name: &str| loc.record.header(name).unwrap_or("").to_string();
            out.push(ArchivedPhoto {
                site: meta.site,
                url: header("WARC-Target-URI"),
                record_id: header("WARC-Refers-To"),
                dhash: meta.dhash,
                photo_color: meta.photo_color,
                error: meta.error,
            });
        }
    }
    Ok(out)
}

/// Every photo capture in the workspace's archive, oldest file first.
pub fn read_photos(workspace: &Workspace) -> Result<Vec<ArchivedPhoto>, ArchiveError> {
    photos_of_files(&warc_files(&workspace.archive_dir())?)
}
