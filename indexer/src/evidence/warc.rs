//! Copies a case's capture records out of the workspace archive byte for byte: every gzip
//! member is located by its [`CaptureRef`](salwatch_crawler::CaptureRef) (file, offset,
//! length), decoded and its digests re-checked before the original compressed bytes are copied.
//! Each exported file starts with its source file's `warcinfo` record and keeps the request and
//! metadata records written with each capture.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use chrono::{DateTime, Utc};
use salwatch_crawler::archive::cdxj::{self, CdxjEntry};
use salwatch_crawler::archive::record::{self, WarcRecord};
use salwatch_crawler::archive::{Located, MemberReader};
use serde::{Deserialize, Serialize};

use super::{EvidenceError, io_err};
use crate::store::CaptureSeen;

/// One exported WARC file.
#[derive(Debug, Clone)]
pub struct ExportedWarc {
    /// File name (as in the workspace archive).
    pub name: String,
    /// Its bytes: whole gzip members copied from the source file.
    pub bytes: Vec<u8>,
    /// Records copied.
    pub records: usize,
}

/// One page of `pages/pages.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageLine {
    /// Page id (the response record's UUID).
    pub id: String,
    /// URL.
    pub url: String,
    /// Capture time, RFC 3339.
    pub ts: String,
    /// Listing id.
    pub title: String,
}

/// What the copy produced.
#[derive(Debug, Clone, Default)]
pub struct Copied {
    /// WARC files, by name.
    pub warcs: Vec<ExportedWarc>,
    /// Sorted CDXJ lines (with newlines) pointing into the exported files.
    pub cdxj: String,
    /// Pages, capture order.
    pub pages: Vec<PageLine>,
    /// Payload digests re-checked.
    pub digests_checked: usize,
}

/// Recomputes the block digest and, for HTTP responses, the payload digest of a record.
/// Returns a description of the first mismatch.
pub fn check_digests(rec: &WarcRecord) -> Result<usize, String> {
    let mut n = 0;
    if let Some(expected) = rec.header("WARC-Block-Digest") {
        n += 1;
        let actual = record::sha256_digest(&rec.block);
        if !expected.eq_ignore_ascii_case(&actual) {
            return Err(format!(
                "block digest {expected} but the block hashes to {actual}"
            ));
        }
    }
    if let Some(expected) = rec.header("WARC-Payload-Digest") {
        n += 1;
        let actual = record::sha256_digest(payload(rec));
        if !expected.eq_ignore_ascii_case(&actual) {
            return Err(format!(
                "payload digest {expected} but the payload hashes to {actual}"
            ));
        }
    }
    Ok(n)
}

/// The payload of a record: the HTTP entity body of `application/http` records, else the block.
pub fn payload(rec: &WarcRecord) -> &[u8] {
    let is_http = rec
        .header("Content-Type")
        .is_some_and(|c| c.starts_with("application/http"));
    if is_http {
        match record::parse_http(&rec.block) {
            Ok(h) => &rec.block[h.payload_offset.min(rec.block.len())..],
            Err(_) => &[],
        }
    } else {
        &rec.block
    }
}

/// Copies the records of these captures from `archive_dir`.
pub fn copy_captures(
    archive_dir: &Path,
    captures: &[CaptureSeen],
) -> Result<Copied, EvidenceError> {
    let mut by_file: BTreeMap<&str, Vec<&CaptureSeen>> = BTreeMap::new();
    for c in captures {
        by_file
            .entry(c.capture.warc_file.as_str())
            .or_default()
            .push(c);
    }
    let mut out = Copied::default();
    let mut cdx_lines: Vec<String> = Vec::new();
    for (file, caps) in by_file {
        let path = archive_dir.join(file);
        let raw = std::fs::read(&path).map_err(io_err("cannot read WARC", &path))?;
        // A damaged record elsewhere in the file does not stop the export: each exported record
        // is decoded and its digests re-checked below, and a wanted one that is damaged fails
        // with the damage named.
        let mut members: Vec<Located> = Vec::new();
        let mut damage: Vec<String> = Vec::new();
        for item in MemberReader::open(&path)? {
            match item {
                Ok(m) => members.push(m),
                Err(e) if e.damaged_at().is_some() => {
                    tracing::warn!(error = %e, "the archive file holds a damaged record");
                    damage.push(e.to_string());
                }
                Err(e) => return Err(e.into()),
            }
        }
        let at: HashMap<u64, &Located> = members.iter().map(|m| (m.offset, m)).collect();
        let mut wanted: BTreeSet<String> = BTreeSet::new();
        for c in &caps {
            let r = &c.capture;
            let fail = |message: String| EvidenceError::Capture {
                file: r.warc_file.clone(),
                offset: r.offset,
                record_id: r.record_id.clone(),
                message,
            };
            let loc = at.get(&r.offset).ok_or_else(|| {
                let mut message = String::from("no readable gzip member starts at this offset");
                if !damage.is_empty() {
                    message.push_str(&format!(" (damaged: {})", damage.join("; ")));
                }
                fail(message)
            })?;
            if loc.length != r.length {
                return Err(fail(format!(
                    "the member is {} bytes, the index says {}",
                    loc.length, r.length
                )));
            }
            if loc.record.record_id() != r.record_id {
                return Err(fail(format!(
                    "the member holds record {}",
                    loc.record.record_id()
                )));
            }
            out.digests_checked += check_digests(&loc.record).map_err(fail)?;
            if loc.record.warc_type() == "response" {
                let actual = record::sha256_digest(payload(&loc.record));
                if !actual.eq_ignore_ascii_case(&r.payload_digest) {
                    return Err(fail(format!(
                        "payload hashes to {actual}, the index recorded {}",
                        r.payload_digest
                    )));
                }
            }
            wanted.insert(r.record_id.clone());
        }
        let mut bytes = Vec::new();
        let mut records = 0;
        for m in &members {
            let rec = &m.record;
            let keep = (m.offset == 0 && rec.warc_type() == "warcinfo")
                || wanted.contains(rec.record_id())
                || rec
                    .header("WARC-Concurrent-To")
                    .is_some_and(|id| wanted.contains(id));
            if !keep {
                continue;
            }
            if rec.warc_type() != "warcinfo" && !wanted.contains(rec.record_id()) {
                out.digests_checked +=
                    check_digests(rec).map_err(|message| EvidenceError::Capture {
                        file: file.to_string(),
                        offset: m.offset,
                        record_id: rec.record_id().to_string(),
                        message,
                    })?;
            }
            let start = usize::try_from(m.offset).unwrap_or(usize::MAX);
            let end = start.saturating_add(usize::try_from(m.length).unwrap_or(usize::MAX));
            let slice = raw.get(start..end).ok_or_else(|| EvidenceError::Capture {
                file: file.to_string(),
                offset: m.offset,
                record_id: rec.record_id().to_string(),
                message: "member runs past the end of the file".into(),
            })?;
            let new_offset = bytes.len() as u64;
            bytes.extend_from_slice(slice);
            records += 1;
            if wanted.contains(rec.record_id()) {
                let (line, page) = index_entry(file, new_offset, m.length, rec);
                cdx_lines.push(line);
                out.pages.push(page);
            }
        }
        out.warcs.push(ExportedWarc {
            name: file.to_string(),
            bytes,
            records,
        });
    }
    cdx_lines.sort();
    cdx_lines.dedup();
    out.cdxj = cdx_lines.concat();
    out.pages
        .sort_by(|a, b| (&a.ts, &a.url).cmp(&(&b.ts, &b.url)));
    Ok(out)
}

fn index_entry(file: &str, offset: u64, length: u64, rec: &WarcRecord) -> (String, PageLine) {
    let url = rec
        .header("WARC-Target-URI")
        .unwrap_or_default()
        .to_string();
    let date: DateTime<Utc> = rec
        .header("WARC-Date")
        .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default();
    let http = record::parse_http(&rec.block).ok();
    let mime = if rec.warc_type() == "revisit" {
        "warc/revisit".to_string()
    } else {
        http.as_ref()
            .and_then(|h| {
                h.headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            })
            .map(|(_, v)| {
                String::from_utf8_lossy(v)
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string()
            })
            .unwrap_or_else(|| "unk".into())
    };
    let entry = CdxjEntry {
        url: url.clone(),
        mime,
        status: http.map(|h| h.status.to_string()).unwrap_or_default(),
        digest: rec
            .header("WARC-Payload-Digest")
            .unwrap_or_default()
            .to_string(),
        length: length.to_string(),
        offset: offset.to_string(),
        filename: file.to_string(),
    };
    let id = rec
        .record_id()
        .trim_start_matches("<urn:uuid:")
        .trim_end_matches('>')
        .to_string();
    let page = PageLine {
        id,
        url,
        ts: date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        title: String::new(),
    };
    (cdxj::line(&date, &entry), page)
}
