//! The capture archive: WARC 1.1 files in `workspace.archive_dir()`, one gzip member per record,
//! size-rotated, each opened with a warcinfo record; `captures.cdxj` beside them.
//!
//! The archive is the source of truth: [`read_pages`] rebuilds the same [`Page`]s the live crawl
//! produced (fields from each capture's metadata record, text re-derived from the archived
//! bytes), and [`verify`] re-hashes every record and names each mismatch.

pub mod cdxj;
pub mod meta;
pub mod photos;
pub mod reader;
pub mod record;
pub mod reindex;
pub mod repair;
pub mod writer;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::fetch::decode::{DecodeError, decode_body, page_text};
use crate::fetch::transport::media_type;
use crate::page::{CaptureRef, Page};
use crate::workspace::Workspace;
pub use meta::{CaptureKind, CaptureMeta};
pub use photos::{ArchivedPhoto, read_photos};
pub use reader::{Located, MemberReader};
pub use record::WarcRecord;
pub use reindex::{ReindexReport, rebuild_cdxj};
pub use writer::{
    ArchiveWriter, CaptureInput, Checkpoint, EncodedCapture, RevisitOf, WarcTarget, encode_capture,
};

/// Name of the CDXJ index in the archive directory.
pub const CDXJ_NAME: &str = "captures.cdxj";

/// Decompression cap when re-deriving text from the archive (pages were already accepted live).
const REBUILD_DECOMPRESS_LIMIT: u64 = 1024 * 1024 * 1024;

/// Errors reading or writing the archive.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArchiveError {
    /// File system error.
    #[error("archive I/O error on {path}: {source}")]
    Io {
        /// File or directory.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file ends inside a gzip member (an interrupted write).
    #[error("{file}: truncated record at offset {offset}")]
    Truncated {
        /// WARC file.
        file: PathBuf,
        /// Offset of the partial member.
        offset: u64,
    },
    /// A member does not decompress or parse. Reading goes on at the next intact member, so
    /// one damaged record (a bad sector, a flipped bit) does not hide the rest of the file.
    #[error("{file}: corrupt record at offset {offset}: {message}{}", resumes_note(.resumes_at))]
    Corrupt {
        /// WARC file.
        file: PathBuf,
        /// Offset of the member.
        offset: u64,
        /// What is wrong.
        message: String,
        /// Offset of the next intact member, where reading went on; `None` when none follows.
        /// The bytes from `offset` up to it could not be read.
        resumes_at: Option<u64>,
    },
    /// A record is well-formed but not what was expected.
    #[error("{file}: {message}")]
    Invalid {
        /// WARC file.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl ArchiveError {
    /// The offset of the damaged or half-written record this error reports, if it reports one:
    /// the readers that go on past damage ([`MemberReader`]) tell it from a failure to read at
    /// all.
    pub fn damaged_at(&self) -> Option<u64> {
        match self {
            Self::Corrupt { offset, .. } | Self::Truncated { offset, .. } => Some(*offset),
            _ => None,
        }
    }
}

/// The tail of a [`ArchiveError::Corrupt`] message: where reading went on.
fn resumes_note(resumes_at: &Option<u64>) -> String {
    match resumes_at {
        Some(next) => format!("; bytes up to offset {next} skipped, reading went on there"),
        None => "; no intact record follows in this file".to_string(),
    }
}

/// The `.warc.gz` files of an archive directory, oldest first (names sort by time).
pub fn warc_files(dir: &Path) -> Result<Vec<PathBuf>, ArchiveError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(ArchiveError::Io {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".warc.gz"))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// The name of a WARC file as the CDXJ index and capture references cite it (its name in the
/// archive directory).
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A response record parsed into what a page needs.
#[derive(Debug, Clone)]
pub struct ArchivedResponse {
    /// `WARC-Target-URI`.
    pub url: String,
    /// `WARC-Date`.
    pub date: DateTime<Utc>,
    /// HTTP status.
    pub status: u16,
    /// HTTP version.
    pub version: String,
    /// HTTP headers.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Raw payload.
    pub body: Vec<u8>,
    /// `WARC-IP-Address`.
    pub ip: Option<String>,
    /// Where the record is.
    pub capture: CaptureRef,
}

impl ArchivedResponse {
    /// Parses a located response record of `file` (a name in the archive directory).
    pub fn from_located(file: &str, loc: &Located) -> Result<Self, String> {
        let rec = &loc.record;
        let http = record::parse_http(&rec.block)?;
        let date = rec
            .header("WARC-Date")
            .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
            .map(|d| d.with_timezone(&Utc))
            .ok_or("missing or bad WARC-Date")?;
        Ok(Self {
            url: rec.header("WARC-Target-URI").unwrap_or("").to_string(),
            date,
            status: http.status,
            version: http.version,
            headers: http.headers,
            body: rec.block[http.payload_offset..].to_vec(),
            ip: rec.header("WARC-IP-Address").map(str::to_string),
            capture: CaptureRef {
                warc_file: file.to_string(),
                offset: loc.offset,
                length: loc.length,
                record_id: rec.record_id().to_string(),
                payload_digest: rec.header("WARC-Payload-Digest").unwrap_or("").to_string(),
            },
        })
    }

    /// First value of an HTTP header, as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }
}

/// Builds a [`Page`] from an archived response and its metadata: fields from the metadata,
/// text re-derived from the archived bytes (the same functions the live crawl uses).
pub fn build_page(
    resp: &ArchivedResponse,
    meta: &CaptureMeta,
    decompress_limit: u64,
) -> Result<Page, DecodeError> {
    let content_type = resp.header("content-type");
    let content_encoding = resp.header("content-encoding");
    let doc = decode_body(
        &resp.body,
        content_type.as_deref(),
        content_encoding.as_deref(),
        decompress_limit,
    )?;
    let media = media_type(content_type.as_deref().unwrap_or(""));
    Ok(Page {
        site: meta.site.clone(),
        url: resp.url.clone(),
        fetched_at: resp.date,
        status: resp.status,
        text: page_text(&media, &doc),
        content_type: media,
        route: meta.route,
        is_listing: meta.is_listing,
        fields: meta.fields.clone(),
        phone_region: meta.phone_region.clone(),
        capture: resp.capture.clone(),
    })
}

/// Iterator over the pages of an archive (see [`read_pages`]).
pub struct PageIter {
    files: VecDeque<PathBuf>,
    current: Option<(String, MemberReader)>,
    pending: VecDeque<ArchivedResponse>,
}

impl Iterator for PageIter {
    type Item = Result<Page, ArchiveError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.current.is_none() {
                let path = self.files.pop_front()?;
                self.pending.clear();
                let name = file_name(&path);
                match MemberReader::open(&path) {
                    Ok(r) => self.current = Some((name, r)),
                    Err(e) => return Some(Err(e)),
                }
            }
            let (name, reader) = self.current.as_mut()?;
            let loc = match reader.next() {
                None => {
                    self.current = None;
                    continue;
                }
                // The reader goes on after a damaged record (or ends after a truncated tail).
                Some(Err(e)) => return Some(Err(e)),
                Some(Ok(loc)) => loc,
            };
            let file = PathBuf::from(name.as_str());
            match loc.record.warc_type() {
                "response" => match ArchivedResponse::from_located(name, &loc) {
                    Ok(r) => {
                        if self.pending.len() >= 8 {
                            self.pending.pop_front();
                        }
                        self.pending.push_back(r);
                    }
                    Err(message) => {
                        return Some(Err(ArchiveError::Invalid {
                            file,
                            message: format!("response record at {}: {message}", loc.offset),
                        }));
                    }
                },
                "metadata" => {
                    let Some(target) = loc.record.header("WARC-Refers-To") else {
                        continue;
                    };
                    let Some(pos) = self
                        .pending
                        .iter()
                        .position(|r| r.capture.record_id == target)
                    else {
                        continue;
                    };
                    let Some(resp) = self.pending.remove(pos) else {
                        continue;
                    };
                    let Ok(meta) = serde_json::from_slice::<CaptureMeta>(&loc.record.block) else {
                        continue;
                    };
                    if !meta.page {
                        continue;
                    }
                    return Some(
                        build_page(&resp, &meta, REBUILD_DECOMPRESS_LIMIT).map_err(|e| {
                            ArchiveError::Invalid {
                                file,
                                message: format!(
                                    "page {} at {}: {e}",
                                    resp.url, resp.capture.offset
                                ),
                            }
                        }),
                    );
                }
                _ => {}
            }
        }
    }
}

/// The pages of the given WARC files (full paths), in that order.
pub fn pages_of_files(files: Vec<PathBuf>) -> PageIter {
    PageIter {
        files: files.into(),
        current: None,
        pending: VecDeque::new(),
    }
}

/// Every page in the archive, oldest first, as the live crawl produced it.
pub fn read_pages(workspace: &Workspace) -> Result<PageIter, ArchiveError> {
    Ok(PageIter {
        files: warc_files(&workspace.archive_dir())?.into(),
        current: None,
        pending: VecDeque::new(),
    })
}

/// One digest that does not match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// WARC file name.
    pub file: String,
    /// Offset of the record.
    pub offset: u64,
    /// `WARC-Record-ID`.
    pub record_id: String,
    /// `block` or `payload`.
    pub digest: String,
    /// Digest in the header.
    pub expected: String,
    /// Digest recomputed.
    pub actual: String,
}

/// Result of [`verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Files read.
    pub files: u64,
    /// Records read.
    pub records: u64,
    /// Digests checked.
    pub digests_checked: u64,
    /// Digest mismatches.
    pub mismatches: Vec<Mismatch>,
    /// Unreadable files or records (truncated, corrupt), as messages.
    pub errors: Vec<String>,
}

impl VerifyReport {
    /// True when every record decoded and every digest matched.
    pub fn is_ok(&self) -> bool {
        self.mismatches.is_empty() && self.errors.is_empty()
    }
}

/// Re-hashes every record of every WARC file: block digests, and payload digests of HTTP records.
///
/// The CDXJ index is checked against what was read: a capture it lists in a file that is gone,
/// or at an offset where no record starts, is missing evidence; a line that does not parse, and
/// a capture read that it does not list, are a damaged index ([`rebuild_cdxj`] remakes it);
/// each is reported as an error.
pub fn verify(workspace: &Workspace) -> Result<VerifyReport, ArchiveError> {
    let mut report = VerifyReport::default();
    let dir = workspace.archive_dir();
    // File → offsets of every member met, readable or reported as damaged.
    let mut read: std::collections::HashMap<String, std::collections::HashSet<u64>> =
        std::collections::HashMap::new();
    // Response and revisit records read, by file and offset: the captures the CDXJ index
    // should list.
    let mut capture_offsets: std::collections::BTreeMap<String, Vec<u64>> =
        std::collections::BTreeMap::new();
    for path in warc_files(&dir)? {
        report.files += 1;
        let name = file_name(&path);
        let met = read.entry(name.clone()).or_default();
        for item in MemberReader::open(&path)? {
            let loc = match item {
                Ok(l) => l,
                // A damaged record is reported, and checking goes on after it.
                Err(e) => {
                    if let Some(offset) = e.damaged_at() {
                        // Reported here; not again as a capture the CDXJ index lists.
                        met.insert(offset);
                    }
                    report.errors.push(e.to_string());
                    continue;
                }
            };
            report.records += 1;
            met.insert(loc.offset);
            if matches!(loc.record.warc_type(), "response" | "revisit") {
                capture_offsets
                    .entry(name.clone())
                    .or_default()
                    .push(loc.offset);
            }
            let rec = &loc.record;
            let mut check = |digest: &str, expected: Option<&str>, data: &[u8]| {
                if let Some(expected) = expected {
                    report.digests_checked += 1;
                    let actual = if expected.starts_with("sha256:") {
                        record::sha256_digest(data)
                    } else {
                        format!("unsupported algorithm in {expected}")
                    };
                    if actual != expected {
                        report.mismatches.push(Mismatch {
                            file: name.clone(),
                            offset: loc.offset,
                            record_id: rec.record_id().to_string(),
                            digest: digest.to_string(),
                            expected: expected.to_string(),
                            actual,
                        });
                    }
                }
            };
            check("block", rec.header("WARC-Block-Digest"), &rec.block);
            if let Some(payload_digest) = rec.header("WARC-Payload-Digest") {
                let is_http = rec
                    .header("Content-Type")
                    .is_some_and(|c| c.starts_with("application/http"));
                let payload: &[u8] = if is_http {
                    match record::parse_http(&rec.block) {
                        Ok(h) => &rec.block[h.payload_offset..],
                        Err(_) => &[],
                    }
                } else {
                    &rec.block
                };
                check("payload", Some(payload_digest), payload);
            }
        }
    }
    let cdxj_path = dir.join(CDXJ_NAME);
    let captures: usize = capture_offsets.values().map(Vec::len).sum();
    let cdxj_exists = cdxj_path.is_file();
    if captures > 0 && !cdxj_exists {
        report.errors.push(format!(
            "{CDXJ_NAME}: missing, and the WARC files hold {captures} captures it should list (`salwatch archive reindex` rebuilds it from them)"
        ));
    }
    let listed = cdxj::Listed::read(&cdxj_path).map_err(|source| ArchiveError::Io {
        path: cdxj_path.clone(),
        source,
    })?;
    for (file, offsets) in &listed.by_file {
        let Some(met) = read.get(file) else {
            report.errors.push(format!(
                "{file}: missing from the archive, and {CDXJ_NAME} lists {} captures in it",
                offsets.len()
            ));
            continue;
        };
        let absent = not_in(offsets, met);
        if let Some(first) = absent.first() {
            report.errors.push(format!(
                "{file}: {CDXJ_NAME} lists {} captures where no readable record starts (first at offset {first})",
                absent.len()
            ));
        }
    }
    if cdxj_exists {
        // The other way round: a capture the index does not list (a line lost or cut) is one
        // that evidence export does not find when it looks up a listing's photos.
        for (file, offsets) in &capture_offsets {
            let listed_here: std::collections::HashSet<u64> = listed
                .by_file
                .get(file)
                .map(|o| o.iter().copied().collect())
                .unwrap_or_default();
            let unlisted = not_in(offsets, &listed_here);
            if let Some(first) = unlisted.first() {
                report.errors.push(format!(
                    "{file}: {} captures are not in {CDXJ_NAME} (first at offset {first}; `salwatch archive reindex` rebuilds it from the WARC files)",
                    unlisted.len()
                ));
            }
        }
    }
    if !listed.bad_lines.is_empty() {
        report.errors.push(format!(
            "{CDXJ_NAME}: {} lines are not CDXJ lines (first: line {}; `salwatch archive reindex` rebuilds it from the WARC files)",
            listed.bad_lines.len(),
            listed.bad_lines[0]
        ));
    }
    Ok(report)
}

/// The offsets of `offsets` that `set` does not hold, in their order.
fn not_in(offsets: &[u64], set: &std::collections::HashSet<u64>) -> Vec<u64> {
    offsets
        .iter()
        .copied()
        .filter(|o| !set.contains(o))
        .collect()
}

/// A capture of `url` as the crawler would hand it to the writer, for the archive's tests.
#[cfg(test)]
pub(crate) fn test_capture<'a>(
    url: &'a str,
    status: u16,
    body: &'a [u8],
    headers: &'a [(String, Vec<u8>)],
) -> CaptureInput<'a> {
    CaptureInput {
        url,
        date: record::to_warc_precision(Utc::now()),
        request_head: b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n",
        version: "HTTP/1.1",
        status,
        headers,
        body,
        ip: Some("127.0.0.1".into()),
        mime: "text/html",
        metadata: serde_json::json!({"site": "s"}),
    }
}
