//! Crash repair: a kill can leave half a record at the end of the newest WARC file and half a
//! line at the end of the CDXJ index. Both are cut off (nothing complete is ever rewritten).

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::reader::MemberReader;
use super::{ArchiveError, CDXJ_NAME, warc_files};

/// What a repair did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RepairReport {
    /// `(file, offset)` where a partial WARC record was cut off.
    pub warc_cut: Option<(String, u64)>,
    /// Bytes of a partial CDXJ line removed.
    pub cdxj_cut: u64,
}

/// Cuts a partial record off the newest WARC file and a partial line off the CDXJ index.
pub fn repair_tail(dir: &Path) -> Result<RepairReport, ArchiveError> {
    let mut report = RepairReport::default();
    if let Some(newest) = warc_files(dir)?.last() {
        let mut cut = None;
        for item in MemberReader::open(newest)? {
            match item {
                Ok(_) => {}
                Err(ArchiveError::Truncated { offset, .. }) => cut = Some(offset),
                // A damaged record in the middle is evidence of damage, not a half-written
                // tail: it stays as it is (`archive verify` reports it), and the crawl, which
                // writes to new files, goes on.
                Err(e @ ArchiveError::Corrupt { .. }) => {
                    tracing::warn!(error = %e, "the newest WARC file holds a damaged record; left as it is");
                }
                Err(e) => return Err(e),
            }
        }
        if let Some(offset) = cut {
            let f = OpenOptions::new()
                .write(true)
                .open(newest)
                .map_err(|source| ArchiveError::Io {
                    path: newest.clone(),
                    source,
                })?;
            f.set_len(offset).map_err(|source| ArchiveError::Io {
                path: newest.clone(),
                source,
            })?;
            f.sync_all().map_err(|source| ArchiveError::Io {
                path: newest.clone(),
                source,
            })?;
            let name = super::file_name(newest);
            tracing::warn!(file = %name, offset, "cut off a half-written WARC record left by an interrupted crawl");
            report.warc_cut = Some((name, offset));
        }
    }
    let cdxj = dir.join(CDXJ_NAME);
    if cdxj.exists() {
        let io = |source| ArchiveError::Io {
            path: cdxj.clone(),
            source,
        };
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&cdxj)
            .map_err(io)?;
        let len = f
            .metadata()
            .map_err(|source| ArchiveError::Io {
                path: cdxj.clone(),
                source,
            })?
            .len();
        if len > 0 {
            // Find the last newline in the tail.
            let tail_len = len.min(64 * 1024);
            f.seek(SeekFrom::Start(len - tail_len))
                .map_err(|source| ArchiveError::Io {
                    path: cdxj.clone(),
                    source,
                })?;
            let mut tail = vec![0u8; tail_len as usize];
            f.read_exact(&mut tail).map_err(|source| ArchiveError::Io {
                path: cdxj.clone(),
                source,
            })?;
            if tail.last() != Some(&b'\n') {
                let keep = tail
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(len - tail_len, |i| len - tail_len + i as u64 + 1);
                f.set_len(keep).map_err(|source| ArchiveError::Io {
                    path: cdxj.clone(),
                    source,
                })?;
                report.cdxj_cut = len - keep;
                tracing::warn!(bytes = len - keep, "cut off a half-written CDXJ line");
            }
        }
    }
    Ok(report)
}
