//! Rebuilding the CDXJ index (`captures.cdxj`) from the WARC records, for when it is lost or
//! damaged: the WARC files are the source of truth, and every line of the index can be derived
//! from the response and revisit records they hold, as the writer derived it when it appended
//! them.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::Utc;

use super::cdxj::{self, CdxjEntry};
use super::{ArchiveError, ArchivedResponse, CDXJ_NAME, MemberReader, warc_files};
use crate::fetch::transport::media_type;
use crate::workspace::Workspace;

/// What a rebuild did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReindexReport {
    /// WARC files read.
    pub files: u64,
    /// CDXJ lines written (one per response or revisit record).
    pub captures: u64,
    /// Damaged records skipped (`archive verify` names them).
    pub damaged: u64,
    /// Where the index it replaced was moved (kept, never deleted), if there was one.
    pub replaced: Option<PathBuf>,
}

/// The CDXJ entry of one archived capture, as the writer appends it: a revisit is listed as
/// `warc/revisit` with the payload digest of the capture it refers to (`original_digest`,
/// looked up by the caller; empty when that capture is not in the archive).
pub fn entry_of(resp: &ArchivedResponse, revisit: bool, original_digest: &str) -> CdxjEntry {
    let (mime, digest) = if revisit {
        ("warc/revisit".to_string(), original_digest.to_string())
    } else {
        (
            media_type(resp.header("content-type").as_deref().unwrap_or("")),
            resp.capture.payload_digest.clone(),
        )
    };
    CdxjEntry {
        url: resp.url.clone(),
        mime,
        status: resp.status.to_string(),
        digest,
        length: resp.capture.length.to_string(),
        offset: resp.capture.offset.to_string(),
        filename: resp.capture.warc_file.clone(),
    }
}

/// Writes a new `captures.cdxj` from every response and revisit record of the archive, in the
/// order they were written (files in rotation order, records by offset: the writer's own
/// order), then puts it in place. The index it replaces is kept beside it as
/// `captures.cdxj.replaced-<UTC time>`. Damaged records are skipped and counted.
///
/// Run it while no crawl writes to the workspace: a crawl appends to the index it opened. If the
/// old index grows while this runs, the rebuild is abandoned and the old index left as it was.
pub fn rebuild_cdxj(workspace: &Workspace) -> Result<ReindexReport, ArchiveError> {
    let dir = workspace.archive_dir();
    let target = dir.join(CDXJ_NAME);
    let len_before = file_len(&target);
    let building = dir.join(format!("{CDXJ_NAME}.rebuilding"));
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ArchiveError::Io { path, source }
    };
    let mut out = BufWriter::new(File::create(&building).map_err(io(&building))?);
    let mut report = ReindexReport::default();
    // Payload digests by record id, for the revisits that refer to them.
    let mut digests: HashMap<String, String> = HashMap::new();
    for path in warc_files(&dir)? {
        report.files += 1;
        let name = super::file_name(&path);
        for item in MemberReader::open(&path)? {
            let Ok(loc) = item else {
                report.damaged += 1;
                continue;
            };
            let revisit = match loc.record.warc_type() {
                "response" => false,
                "revisit" => true,
                _ => continue,
            };
            let Ok(resp) = ArchivedResponse::from_located(&name, &loc) else {
                report.damaged += 1;
                continue;
            };
            let original = if revisit {
                loc.record
                    .header("WARC-Refers-To")
                    .and_then(|id| digests.get(id))
                    .map_or("", String::as_str)
            } else {
                ""
            };
            let entry = entry_of(&resp, revisit, original);
            out.write_all(cdxj::line(&resp.date, &entry).as_bytes())
                .map_err(io(&building))?;
            if !revisit {
                digests.insert(
                    resp.capture.record_id.clone(),
                    resp.capture.payload_digest.clone(),
                );
            }
            report.captures += 1;
        }
    }
    let file = out.into_inner().map_err(|e| ArchiveError::Io {
        path: building.clone(),
        source: e.into_error(),
    })?;
    file.sync_all().map_err(io(&building))?;
    drop(file);
    if file_len(&target) != len_before {
        let _ = std::fs::remove_file(&building);
        return Err(ArchiveError::Io {
            path: target,
            source: std::io::Error::other(
                "it grew while the new one was built (a crawl is writing to this workspace); \
                 left as it was: run this again once the crawl has finished",
            ),
        });
    }
    // The old index is kept under a second name (a hard link, else a copy) before the new one
    // replaces it in one rename: at no moment is there no `captures.cdxj`, so a run killed
    // here leaves the old index or the new one in place, never neither.
    if len_before.is_some() {
        let kept = dir.join(format!(
            "{CDXJ_NAME}.replaced-{}",
            Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
        ));
        if std::fs::hard_link(&target, &kept).is_err() {
            std::fs::copy(&target, &kept).map_err(io(&kept))?;
        }
        report.replaced = Some(kept);
    }
    std::fs::rename(&building, &target).map_err(io(&target))?;
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(report)
}

fn file_len(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::test_capture as capture;
    use crate::archive::{ArchiveWriter, RevisitOf, verify};

    /// An archive over two files with responses and a revisit: the index the writer appended.
    fn archive(ws: &Workspace) -> String {
        let html = vec![(
            "content-type".to_string(),
            b"text/html; charset=utf-8".to_vec(),
        )];
        let mut w = ArchiveWriter::open(&ws.archive_dir(), 1500, "unit", "job-1").expect("open");
        let mut first = None;
        for i in 0..4 {
            let body = format!("<p>listing {i}</p>").repeat(40);
            let url = format!("http://a.test/l/{i}");
            let r = w
                .write_capture(&capture(&url, 200, body.as_bytes(), &html))
                .expect("write");
            first.get_or_insert(r);
        }
        let first = first.expect("a capture");
        w.write_revisit(
            &capture("http://a.test/l/0", 304, b"", &html),
            &RevisitOf {
                record_id: Some(first.record_id.clone()),
                date: None,
                digest: Some(first.payload_digest.clone()),
            },
        )
        .expect("revisit");
        drop(w);
        std::fs::read_to_string(ws.archive_dir().join(CDXJ_NAME)).expect("cdxj")
    }

    /// A lost index comes back line for line as the writer wrote it (revisit included); a
    /// damaged one is replaced and kept beside it; the archive then verifies.
    #[test]
    fn the_index_is_rebuilt_as_the_writer_wrote_it() {
        let dir = tempfile::tempdir().expect("tmp");
        let ws = Workspace::new(dir.path());
        let written = archive(&ws);
        assert_eq!(written.lines().count(), 5);
        assert!(written.contains("warc/revisit"));
        let path = ws.archive_dir().join(CDXJ_NAME);

        std::fs::remove_file(&path).expect("lose it");
        assert!(!verify(&ws).expect("verify").is_ok());
        let report = rebuild_cdxj(&ws).expect("rebuild");
        assert_eq!((report.captures, report.damaged), (5, 0));
        assert!(report.files >= 2, "rotated: {report:?}");
        assert_eq!(report.replaced, None);
        assert_eq!(std::fs::read_to_string(&path).expect("cdxj"), written);
        assert!(verify(&ws).expect("verify").is_ok());

        let damaged = written.replacen("\"offset\"", "\"offs\u{0}et\"", 2);
        std::fs::write(&path, &damaged).expect("damage it");
        assert!(!verify(&ws).expect("verify").is_ok());
        let report = rebuild_cdxj(&ws).expect("rebuild");
        let kept = report.replaced.expect("the damaged index is kept");
        assert_eq!(std::fs::read_to_string(kept).expect("kept"), damaged);
        assert_eq!(std::fs::read_to_string(&path).expect("cdxj"), written);
        assert!(verify(&ws).expect("verify").is_ok());
        assert!(
            !ws.archive_dir()
                .join(format!("{CDXJ_NAME}.rebuilding"))
                .exists()
        );
    }
}
