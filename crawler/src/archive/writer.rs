//! The append-only WARC writer: size-rotated `salwatch-<UTC timestamp>-<seq>.warc.gz` files, each
//! opened with a warcinfo record; one gzip member per record; per capture a request, a response
//! and a metadata record sharing one WARC-Date; a CDXJ line per response.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::cdxj::{self, CdxjEntry};
use super::record::{build, http_response_head, new_record_id, sha256_digest, warc_date};
use super::{ArchiveError, CDXJ_NAME};
use crate::page::CaptureRef;

/// Everything one capture needs.
#[derive(Debug)]
pub struct CaptureInput<'a> {
    /// Target URI.
    pub url: &'a str,
    /// When the response arrived (already at WARC precision).
    pub date: DateTime<Utc>,
    /// The HTTP request head as sent.
    pub request_head: &'a [u8],
    /// HTTP version of the response.
    pub version: &'a str,
    /// Response status.
    pub status: u16,
    /// Response headers.
    pub headers: &'a [(String, Vec<u8>)],
    /// Raw response body.
    pub body: &'a [u8],
    /// Peer address.
    pub ip: Option<String>,
    /// Media type for the CDXJ line.
    pub mime: &'a str,
    /// JSON for the metadata record.
    pub metadata: serde_json::Value,
}

/// The earlier capture a `revisit` record refers to (WARC 1.1 §6.7.2, server-not-modified).
#[derive(Debug, Clone)]
pub struct RevisitOf {
    /// `WARC-Record-ID` of the earlier response, if known.
    pub record_id: Option<String>,
    /// `WARC-Date` of the earlier response, if known.
    pub date: Option<String>,
    /// Payload digest of the earlier response (for the CDXJ line), if known.
    pub digest: Option<String>,
}

/// WARC-Profile of a revisit record for a 304 Not Modified answer.
pub const SERVER_NOT_MODIFIED: &str = "http://netpreserve.org/warc/1.1/revisit/server-not-modified";

struct OpenWarc {
    name: String,
    file: File,
    len: u64,
    warcinfo_id: String,
}

/// Captures between two checkpoints (file data flushed to disk).
const CHECKPOINT_EVERY: u32 = 64;

/// Open files to flush to disk, taken from [`ArchiveWriter::take_checkpoint`].
#[derive(Debug)]
pub struct Checkpoint {
    files: Vec<(PathBuf, std::io::Result<File>)>,
}

impl Checkpoint {
    /// Flushes the files' data to disk.
    pub fn sync(self) -> Result<(), ArchiveError> {
        for (path, file) in self.files {
            file.and_then(|f| f.sync_data()).map_err(io_err(&path))?;
        }
        Ok(())
    }
}

/// Writes captures into the archive directory.
pub struct ArchiveWriter {
    dir: PathBuf,
    max_bytes: u64,
    operator: String,
    job: String,
    current: Option<OpenWarc>,
    cdxj: File,
    seq: u64,
    unsynced: u32,
}

impl std::fmt::Debug for ArchiveWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveWriter")
            .field("dir", &self.dir)
            .field("current", &self.current.as_ref().map(|c| &c.name))
            .finish()
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ArchiveError + '_ {
    move |source| ArchiveError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl ArchiveWriter {
    /// Opens the archive directory for appending (creating it), after cutting off a half-written
    /// record at the end of the newest WARC file and a half-written CDXJ line.
    pub fn open(
        dir: &Path,
        max_bytes: u64,
        operator: &str,
        job: &str,
    ) -> Result<Self, ArchiveError> {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        super::repair::repair_tail(dir)?;
        let cdxj_path = dir.join(CDXJ_NAME);
        let cdxj = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&cdxj_path)
            .map_err(io_err(&cdxj_path))?;
        let seq = super::warc_files(dir)?
            .iter()
            .filter_map(|p| file_seq(p))
            .max()
            .unwrap_or(0);
        Ok(Self {
            dir: dir.to_path_buf(),
            max_bytes: max_bytes.max(1),
            operator: operator.to_string(),
            job: job.to_string(),
            current: None,
            cdxj,
            seq,
            unsynced: 0,
        })
    }

    /// Makes sure a file is open for the next capture (rotating by size) and returns its name.
    /// Call before [`Self::write_capture`] to learn (and record) the file a capture will land in.
    pub fn prepare(&mut self) -> Result<String, ArchiveError> {
        if self
            .current
            .as_ref()
            .is_some_and(|c| c.len >= self.max_bytes)
        {
            self.close_current()?;
        }
        if self.current.is_none() {
            self.open_new()?;
        }
        Ok(self
            .current
            .as_ref()
            .map(|c| c.name.clone())
            .unwrap_or_default())
    }

    fn open_new(&mut self) -> Result<(), ArchiveError> {
        self.seq += 1;
        let now = Utc::now();
        let name = format!(
            "salwatch-{}-{:05}.warc.gz",
            now.format("%Y%m%d%H%M%S%3f"),
            self.seq
        );
        let path = self.dir.join(&name);
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .map_err(io_err(&path))?;
        let warcinfo_id = new_record_id();
        let host = std::env::var("HOSTNAME").unwrap_or_default();
        let mut body = format!(
            "software: salwatch-crawler/{}\r\nformat: WARC File Format 1.1\r\nconformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\nisPartOf: {}\r\n",
            env!("CARGO_PKG_VERSION"),
            self.job
        );
        if !host.is_empty() {
            body.push_str(&format!("hostname: {host}\r\n"));
        }
        if !self.operator.is_empty() {
            body.push_str(&format!("operator: {}\r\n", self.operator));
        }
        let record = build(
            &[
                ("WARC-Type", "warcinfo".into()),
                ("WARC-Record-ID", warcinfo_id.clone()),
                ("WARC-Date", warc_date(&now)),
                ("WARC-Filename", name.clone()),
                ("Content-Type", "application/warc-fields".into()),
                ("WARC-Block-Digest", sha256_digest(body.as_bytes())),
            ],
            body.as_bytes(),
        );
        let mut open = OpenWarc {
            name,
            file,
            len: 0,
            warcinfo_id,
        };
        let n = write_member(&mut open.file, &record).map_err(io_err(&path))?;
        open.len += n;
        tracing::info!(file = %open.name, "opened WARC file");
        self.current = Some(open);
        Ok(())
    }

    fn close_current(&mut self) -> Result<(), ArchiveError> {
        if let Some(c) = self.current.take() {
            c.file.sync_all().map_err(io_err(&self.dir.join(&c.name)))?;
        }
        Ok(())
    }

    /// The file the next capture lands in and its warcinfo record id, rotating by size first.
    /// Use with [`encode_capture`] and [`Self::append_encoded`] to compress outside a lock.
    pub fn target(&mut self) -> Result<WarcTarget, ArchiveError> {
        self.prepare()?;
        match &self.current {
            Some(c) => Ok(WarcTarget {
                name: c.name.clone(),
                warcinfo_id: c.warcinfo_id.clone(),
            }),
            None => Err(ArchiveError::Invalid {
                file: self.dir.clone(),
                message: "no open WARC file".into(),
            }),
        }
    }

    /// Writes request, response and metadata records of one capture, then its CDXJ line.
    /// Returns the reference to the response record.
    pub fn write_capture(&mut self, cap: &CaptureInput<'_>) -> Result<CaptureRef, ArchiveError> {
        self.write_records(cap, None)
    }

    /// Writes a 304 Not Modified answer as request, `revisit` (profile server-not-modified,
    /// pointing at the earlier capture) and metadata records, then its CDXJ line.
    pub fn write_revisit(
        &mut self,
        cap: &CaptureInput<'_>,
        of: &RevisitOf,
    ) -> Result<CaptureRef, ArchiveError> {
        self.write_records(cap, Some(of))
    }

    fn write_records(
        &mut self,
        cap: &CaptureInput<'_>,
        revisit: Option<&RevisitOf>,
    ) -> Result<CaptureRef, ArchiveError> {
        loop {
            let target = self.target()?;
            let encoded = encode_capture(cap, revisit, &target).map_err(io_err(&self.dir))?;
            if let Some(capture) = self.append_encoded(&encoded)? {
                if let Some(checkpoint) = self.take_checkpoint() {
                    checkpoint.sync()?;
                }
                return Ok(capture);
            }
        }
    }

    /// Appends an encoded capture with one write, then its CDXJ line. `None` when the file it
    /// was encoded for is no longer the current one (rotated meanwhile): encode it again.
    pub fn append_encoded(
        &mut self,
        enc: &EncodedCapture,
    ) -> Result<Option<CaptureRef>, ArchiveError> {
        if self
            .current
            .as_ref()
            .is_none_or(|c| c.name != enc.target.name)
        {
            return Ok(None);
        }
        let dir = self.dir.clone();
        let Some(cur) = self.current.as_mut() else {
            return Ok(None);
        };
        let path = dir.join(&cur.name);
        // One write of all three members: a kill leaves at most one partial tail, which
        // `repair_tail` cuts off.
        let offset = cur.len + enc.response_at as u64;
        cur.file.write_all(&enc.bytes).map_err(io_err(&path))?;
        cur.len += enc.bytes.len() as u64;
        let capture = CaptureRef {
            warc_file: cur.name.clone(),
            offset,
            length: enc.response_len as u64,
            record_id: enc.record_id.clone(),
            payload_digest: enc.payload_digest.clone(),
        };
        self.append_cdxj(&enc.date, &enc.url, &enc.mime, enc.status, &capture)?;
        self.unsynced += 1;
        Ok(Some(capture))
    }

    /// Every 64 captures, handles on the WARC and CDXJ files to flush to disk (a checkpoint),
    /// so that the caller can sync them after releasing the writer: an fsync takes milliseconds,
    /// and other captures can be appended meanwhile.
    pub fn take_checkpoint(&mut self) -> Option<Checkpoint> {
        if self.unsynced < CHECKPOINT_EVERY {
            return None;
        }
        self.unsynced = 0;
        let mut files = Vec::with_capacity(2);
        if let Some(c) = &self.current {
            files.push((self.dir.join(&c.name), c.file.try_clone()));
        }
        files.push((self.dir.join(CDXJ_NAME), self.cdxj.try_clone()));
        Some(Checkpoint { files })
    }

    /// Appends the CDXJ line of a capture.
    pub fn append_cdxj(
        &mut self,
        date: &DateTime<Utc>,
        url: &str,
        mime: &str,
        status: u16,
        capture: &CaptureRef,
    ) -> Result<(), ArchiveError> {
        let entry = CdxjEntry {
            url: url.to_string(),
            mime: mime.to_string(),
            status: status.to_string(),
            digest: capture.payload_digest.clone(),
            length: capture.length.to_string(),
            offset: capture.offset.to_string(),
            filename: capture.warc_file.clone(),
        };
        self.append_cdxj_entry(date, &entry)
    }

    /// Appends a CDXJ line made elsewhere (crash recovery makes it from the archived record,
    /// with [`crate::archive::reindex::entry_of`]).
    pub fn append_cdxj_entry(
        &mut self,
        date: &DateTime<Utc>,
        entry: &CdxjEntry,
    ) -> Result<(), ArchiveError> {
        let path = self.dir.join(CDXJ_NAME);
        self.cdxj
            .write_all(cdxj::line(date, entry).as_bytes())
            .map_err(io_err(&path))
    }

    /// Flushes file data to disk (a checkpoint).
    pub fn sync(&mut self) -> Result<(), ArchiveError> {
        if let Some(c) = &self.current {
            c.file
                .sync_data()
                .map_err(io_err(&self.dir.join(&c.name)))?;
        }
        let path = self.dir.join(CDXJ_NAME);
        self.cdxj.sync_data().map_err(io_err(&path))?;
        self.unsynced = 0;
        Ok(())
    }

    /// Name of the file being written, if any.
    pub fn current_file(&self) -> Option<&str> {
        self.current.as_ref().map(|c| c.name.as_str())
    }
}

impl Drop for ArchiveWriter {
    fn drop(&mut self) {
        if let Err(e) = self.sync() {
            tracing::warn!(error = %e, "final archive sync failed");
        }
    }
}

/// Where an encoded capture goes: the WARC file and its warcinfo record id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarcTarget {
    /// File name.
    pub name: String,
    /// `WARC-Record-ID` of the file's warcinfo record.
    pub warcinfo_id: String,
}

/// The three gzip members of one capture, ready to append (see [`encode_capture`]).
#[derive(Debug, Clone)]
pub struct EncodedCapture {
    target: WarcTarget,
    bytes: Vec<u8>,
    response_at: usize,
    response_len: usize,
    record_id: String,
    payload_digest: String,
    date: DateTime<Utc>,
    url: String,
    mime: String,
    status: u16,
}

/// Builds and compresses the request, response (or revisit) and metadata records of a capture
/// for `target`. Pure and lock-free: the expensive part of archiving, done before taking the
/// writer.
pub fn encode_capture(
    cap: &CaptureInput<'_>,
    revisit: Option<&RevisitOf>,
    target: &WarcTarget,
) -> std::io::Result<EncodedCapture> {
    let date = warc_date(&cap.date);
    let response_id = new_record_id();
    let request_id = new_record_id();
    let metadata_id = new_record_id();

    let mut block = http_response_head(cap.version, cap.status, cap.headers);
    block.extend_from_slice(cap.body);
    let payload_digest = sha256_digest(cap.body);
    let mut fields = vec![
        (
            "WARC-Type",
            if revisit.is_some() {
                "revisit"
            } else {
                "response"
            }
            .to_string(),
        ),
        ("WARC-Record-ID", response_id.clone()),
        ("WARC-Date", date.clone()),
        ("WARC-Target-URI", cap.url.to_string()),
        ("WARC-Warcinfo-ID", target.warcinfo_id.clone()),
    ];
    if let Some(ip) = &cap.ip {
        fields.push(("WARC-IP-Address", ip.clone()));
    }
    if let Some(of) = revisit {
        fields.push(("WARC-Profile", SERVER_NOT_MODIFIED.to_string()));
        fields.push(("WARC-Refers-To-Target-URI", cap.url.to_string()));
        if let Some(d) = &of.date {
            fields.push(("WARC-Refers-To-Date", d.clone()));
        }
        if let Some(id) = &of.record_id {
            fields.push(("WARC-Refers-To", id.clone()));
        }
    }
    fields.push((
        "Content-Type",
        "application/http;msgtype=response".to_string(),
    ));
    if revisit.is_none() {
        fields.push(("WARC-Payload-Digest", payload_digest.clone()));
    }
    fields.push(("WARC-Block-Digest", sha256_digest(&block)));
    let response = build(&fields, &block);

    let mut req_fields = vec![
        ("WARC-Type", "request".to_string()),
        ("WARC-Record-ID", request_id),
        ("WARC-Date", date.clone()),
        ("WARC-Target-URI", cap.url.to_string()),
        ("WARC-Warcinfo-ID", target.warcinfo_id.clone()),
        ("WARC-Concurrent-To", response_id.clone()),
    ];
    if let Some(ip) = &cap.ip {
        req_fields.push(("WARC-IP-Address", ip.clone()));
    }
    req_fields.extend([
        (
            "Content-Type",
            "application/http;msgtype=request".to_string(),
        ),
        ("WARC-Block-Digest", sha256_digest(cap.request_head)),
    ]);
    let request = build(&req_fields, cap.request_head);

    let meta_body = serde_json::to_vec(&cap.metadata).unwrap_or_default();
    let metadata = build(
        &[
            ("WARC-Type", "metadata".to_string()),
            ("WARC-Record-ID", metadata_id),
            ("WARC-Date", date),
            ("WARC-Target-URI", cap.url.to_string()),
            ("WARC-Warcinfo-ID", target.warcinfo_id.clone()),
            ("WARC-Refers-To", response_id.clone()),
            ("WARC-Concurrent-To", response_id.clone()),
            ("Content-Type", "application/json".to_string()),
            ("WARC-Block-Digest", sha256_digest(&meta_body)),
        ],
        &meta_body,
    );

    let mut bytes = Vec::with_capacity((request.len() + response.len() + metadata.len()) / 2 + 256);
    gzip_member_into(&request, &mut bytes)?;
    let response_at = bytes.len();
    gzip_member_into(&response, &mut bytes)?;
    let response_len = bytes.len() - response_at;
    gzip_member_into(&metadata, &mut bytes)?;
    Ok(EncodedCapture {
        target: target.clone(),
        bytes,
        response_at,
        response_len,
        record_id: response_id,
        payload_digest: match revisit {
            Some(of) => of.digest.clone().unwrap_or_default(),
            None => payload_digest,
        },
        date: cap.date,
        url: cap.url.to_string(),
        mime: if revisit.is_some() {
            "warc/revisit".to_string()
        } else {
            cap.mime.to_string()
        },
        status: cap.status,
    })
}

/// Gzip level of every member: level 1 (greedy matching) costs about a third of level 6's CPU
/// on HTML for archives a few percent larger, and a crawl spends more time compressing than
/// anything else it does per page.
const GZIP_LEVEL: u32 = 1;

thread_local! {
    /// One deflate state per thread, reset between members (its allocation and zeroing cost
    /// more than compressing a small record).
    static DEFLATE: std::cell::RefCell<Option<flate2::Compress>> = const { std::cell::RefCell::new(None) };
}

/// One gzip member holding `data` (RFC 1952: header, raw deflate, CRC-32, size).
fn gzip_member(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    gzip_member_into(data, &mut out)?;
    Ok(out)
}

/// Appends one gzip member holding `data` to `out`.
fn gzip_member_into(data: &[u8], out: &mut Vec<u8>) -> std::io::Result<()> {
    // Header: magic, deflate, no flags, no mtime, XFL 4 (fastest), OS unknown.
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255]);
    DEFLATE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let c = slot.get_or_insert_with(|| {
            flate2::Compress::new(flate2::Compression::new(GZIP_LEVEL), false)
        });
        c.reset();
        let start_in = c.total_in();
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve(data.len() / 4 + 1024);
            }
            let consumed = (c.total_in() - start_in) as usize;
            let status = c
                .compress_vec(&data[consumed..], out, flate2::FlushCompress::Finish)
                .map_err(std::io::Error::other)?;
            if status == flate2::Status::StreamEnd {
                break;
            }
        }
        Ok::<_, std::io::Error>(())
    })?;
    let mut crc = flate2::Crc::new();
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    Ok(())
}

fn write_member(file: &mut File, data: &[u8]) -> std::io::Result<u64> {
    let gz = gzip_member(data)?;
    file.write_all(&gz)?;
    Ok(gz.len() as u64)
}

/// The sequence number in a `salwatch-<ts>-<seq>.warc.gz` name.
fn file_seq(path: &Path) -> Option<u64> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".warc.gz")?;
    stem.rsplit('-').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::test_capture as capture;
    use crate::archive::{MemberReader, verify, warc_files};
    use crate::workspace::Workspace;

    #[test]
    fn round_trip_offsets_digests_rotation_and_flipped_byte() {
        let dir = tempfile::tempdir().expect("tmp");
        let ws = Workspace::new(dir.path());
        let headers = vec![("content-type".to_string(), b"text/html".to_vec())];
        let mut refs = Vec::new();
        {
            let mut w =
                ArchiveWriter::open(&ws.archive_dir(), 1500, "unit", "job-1").expect("open");
            for i in 0..4 {
                let body = format!("<p>page {i}</p>").repeat(50);
                let url = format!("http://a.test/{i}");
                refs.push((
                    url.clone(),
                    body.clone(),
                    w.write_capture(&capture(&url, 200, body.as_bytes(), &headers))
                        .expect("write"),
                ));
            }
        }
        let files = warc_files(&ws.archive_dir()).expect("files");
        assert!(files.len() >= 2, "rotated by size: {files:?}");
        for (url, body, r) in &refs {
            let loc = MemberReader::read_at(&ws.archive_dir().join(&r.warc_file), r.offset)
                .expect("read at offset");
            assert_eq!(loc.length, r.length);
            assert_eq!(loc.record.warc_type(), "response");
            assert_eq!(loc.record.record_id(), r.record_id);
            assert_eq!(loc.record.header("WARC-Target-URI"), Some(url.as_str()));
            assert!(loc.record.block.ends_with(body.as_bytes()));
            assert_eq!(
                r.payload_digest,
                crate::archive::record::sha256_digest(body.as_bytes())
            );
        }
        // Each file opens with a warcinfo record; every record is request/response/metadata after.
        for f in &files {
            let types: Vec<String> = MemberReader::open(f)
                .expect("open")
                .map(|l| l.expect("rec").record.warc_type().to_string())
                .collect();
            assert_eq!(types[0], "warcinfo");
            assert!(
                types[1..]
                    .chunks(3)
                    .all(|c| c == ["request", "response", "metadata"]),
                "{types:?}"
            );
        }
        let cdxj = std::fs::read_to_string(ws.archive_dir().join(crate::archive::CDXJ_NAME))
            .expect("cdxj");
        assert_eq!(cdxj.lines().count(), 4);
        assert!(verify(&ws).expect("verify").is_ok());

        // Flip one byte inside a response payload: re-compress the member so only the digest catches it.
        let (_, _, r) = &refs[1];
        let path = ws.archive_dir().join(&r.warc_file);
        let mut data = std::fs::read(&path).expect("read");
        let start = r.offset as usize;
        let end = start + r.length as usize;
        let mut rec = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&data[start..end]),
            &mut rec,
        )
        .expect("gunzip");
        let pos = rec.len() - 10;
        rec[pos] ^= 0x01;
        let gz = gzip_member(&rec).expect("gzip");
        data.splice(start..end, gz);
        std::fs::write(&path, data).expect("write");
        let report = verify(&ws).expect("verify");
        assert!(!report.is_ok());
        let kinds: Vec<&str> = report
            .mismatches
            .iter()
            .map(|m| m.digest.as_str())
            .collect();
        assert_eq!(kinds, vec!["block", "payload"]);
        assert_eq!(report.mismatches[0].record_id, r.record_id);
        assert_eq!(report.mismatches[0].offset, r.offset);
    }

    #[test]
    fn truncated_tail_is_cut_on_open() {
        let dir = tempfile::tempdir().expect("tmp");
        let ws = Workspace::new(dir.path());
        let headers = vec![];
        let good_len;
        {
            let mut w = ArchiveWriter::open(&ws.archive_dir(), 1 << 20, "", "j").expect("open");
            w.write_capture(&capture("http://a.test/", 200, b"hello", &headers))
                .expect("write");
            let name = w.current_file().expect("file").to_string();
            good_len = std::fs::metadata(ws.archive_dir().join(&name))
                .expect("meta")
                .len();
            let r = w
                .write_capture(&capture("http://a.test/2", 200, b"second", &headers))
                .expect("write");
            drop(w);
            // Cut the second capture in the middle of its response member.
            let path = ws.archive_dir().join(&name);
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .expect("open");
            f.set_len(r.offset + r.length / 2).expect("truncate");
        }
        let files = warc_files(&ws.archive_dir()).expect("files");
        let last = MemberReader::open(&files[0])
            .expect("open")
            .last()
            .expect("item");
        assert!(matches!(last, Err(ArchiveError::Truncated { .. })));
        let _w = ArchiveWriter::open(&ws.archive_dir(), 1 << 20, "", "j2").expect("reopen repairs");
        // The request member of the cut capture is complete and stays; the partial response goes.
        let len = std::fs::metadata(&files[0]).expect("meta").len();
        assert!(len > good_len);
        assert!(
            MemberReader::open(&files[0])
                .expect("open")
                .all(|r| r.is_ok())
        );
    }
    /// Six captures in one file; their members as `(offset, length, type)`.
    fn six_captures(ws: &Workspace) -> (std::path::PathBuf, Vec<(u64, u64, String)>) {
        let headers = vec![("content-type".to_string(), b"text/html".to_vec())];
        let mut w = ArchiveWriter::open(&ws.archive_dir(), 1 << 30, "unit", "job").expect("open");
        for i in 0..6 {
            let body = format!("<p>listing {i}: Zastava M70, 350 EUR</p>").repeat(20);
            let url = format!("http://a.test/{i}");
            w.write_capture(&capture(&url, 200, body.as_bytes(), &headers))
                .expect("write");
        }
        drop(w);
        let file = warc_files(&ws.archive_dir()).expect("files").remove(0);
        let members = MemberReader::open(&file)
            .expect("open")
            .map(|l| {
                let l = l.expect("intact");
                (l.offset, l.length, l.record.warc_type().to_string())
            })
            .collect();
        (file, members)
    }

    /// What the reader yields now: offsets of intact members, and the errors.
    fn read_back(file: &std::path::Path) -> (Vec<u64>, Vec<ArchiveError>) {
        let (mut ok, mut errors) = (Vec::new(), Vec::new());
        for item in MemberReader::open(file).expect("open") {
            match item {
                Ok(l) => ok.push(l.offset),
                Err(e) => errors.push(e),
            }
        }
        (ok, errors)
    }

    fn patch(file: &std::path::Path, at: u64, bytes: &[u8]) {
        let mut data = std::fs::read(file).expect("read");
        data[at as usize..at as usize + bytes.len()].copy_from_slice(bytes);
        std::fs::write(file, data).expect("write");
    }

    #[test]
    fn a_damaged_record_is_reported_and_every_other_one_still_read() {
        let dir = tempfile::tempdir().expect("tmp");
        let ws = Workspace::new(dir.path());
        let (file, members) = six_captures(&ws);
        // 1 warcinfo + 6 x (request, response, metadata).
        assert_eq!(members.len(), 19);
        // Damage the header of the third capture's response, then 64 bytes inside the deflate
        // data of the fifth capture's request.
        let (hit, _, ref kind) = members[8];
        assert_eq!(kind, "response");
        patch(&file, hit, &[0u8; 10]);
        let (hit2, len2, _) = members[13];
        patch(&file, hit2 + 12, &vec![0x5a; 64.min(len2 as usize - 20)]);
        let (ok, errors) = read_back(&file);
        let expected: Vec<u64> = members
            .iter()
            .map(|m| m.0)
            .filter(|&o| o != hit && o != hit2)
            .collect();
        assert_eq!(ok, expected, "every undamaged record is read, in order");
        assert_eq!(errors.len(), 2, "{errors:?}");
        for (e, (at, next)) in errors
            .iter()
            .zip([(hit, members[9].0), (hit2, members[14].0)])
        {
            match e {
                ArchiveError::Corrupt {
                    offset, resumes_at, ..
                } => {
                    assert_eq!((*offset, *resumes_at), (at, Some(next)));
                    assert!(e.to_string().contains("reading went on there"), "{e}");
                }
                other => panic!("expected a corrupt record, got {other}"),
            }
        }
        let report = verify(&ws).expect("verify");
        assert_eq!(report.records, 17);
        assert_eq!(report.errors.len(), 2, "{:?}", report.errors);
        // Opening the archive for a new crawl leaves the damaged file as it is.
        let len = std::fs::metadata(&file).expect("meta").len();
        let _w = ArchiveWriter::open(&ws.archive_dir(), 1 << 30, "", "j2").expect("reopen");
        assert_eq!(std::fs::metadata(&file).expect("meta").len(), len);
    }

    #[test]
    fn damage_that_reads_on_to_the_end_of_the_file_is_not_cut_as_a_half_written_tail() {
        let dir = tempfile::tempdir().expect("tmp");
        let ws = Workspace::new(dir.path());
        let (file, members) = six_captures(&ws);
        // The second capture's response now opens with a stored deflate block of 65,535 bytes:
        // the decoder swallows every member after it and meets the end of the file, as it does
        // in a half-written tail. Complete records follow, so it is damage, and nothing is cut.
        let (hit, _, _) = members[5];
        patch(&file, hit + 10, &[0x00, 0xff, 0xff, 0x00, 0x00]);
        let len = std::fs::metadata(&file).expect("meta").len();
        assert!(len - hit < 65_535);
        let (ok, errors) = read_back(&file);
        assert_eq!(ok.len(), 18);
        assert!(
            matches!(errors[..], [ArchiveError::Corrupt { offset, resumes_at: Some(next), .. }] if offset == hit && next == members[6].0),
            "{errors:?}"
        );
        let _w = ArchiveWriter::open(&ws.archive_dir(), 1 << 30, "", "j2").expect("reopen");
        assert_eq!(std::fs::metadata(&file).expect("meta").len(), len);
        assert_eq!(read_back(&file).0.len(), 18);
    }

    #[test]
    fn a_damaged_last_record_is_kept_not_cut_as_a_half_written_tail() {
        let dir = tempfile::tempdir().expect("tmp");
        let ws = Workspace::new(dir.path());
        let (file, members) = six_captures(&ws);
        // A flipped bit in the CRC of the last member: complete, but damaged.
        let (last, length, _) = *members.last().expect("members");
        let crc = last + length - 8;
        let byte = std::fs::read(&file).expect("read")[crc as usize];
        patch(&file, crc, &[byte ^ 1]);
        let (ok, errors) = read_back(&file);
        assert_eq!(ok.len(), 18);
        assert!(
            matches!(errors[..], [ArchiveError::Corrupt { offset, resumes_at: None, .. }] if offset == last),
            "{errors:?}"
        );
        let len = std::fs::metadata(&file).expect("meta").len();
        let _w = ArchiveWriter::open(&ws.archive_dir(), 1 << 30, "", "j2").expect("reopen");
        assert_eq!(std::fs::metadata(&file).expect("meta").len(), len);
    }
    #[test]
    fn verify_checks_the_cdxj_index_against_the_records() {
        let dir = tempfile::tempdir().expect("tmp");
        let ws = Workspace::new(dir.path());
        let (file, _) = six_captures(&ws);
        assert!(verify(&ws).expect("verify").is_ok());
        let cdxj = ws.archive_dir().join(crate::archive::CDXJ_NAME);
        let text = std::fs::read_to_string(&cdxj).expect("cdxj");
        // A line cut short and an offset moved by one: a damaged index, and a capture it lists
        // where no record starts.
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines.insert(2, "com,example)/ 2026 {\"url\":".to_owned());
        let (_, _, mut e) = crate::archive::cdxj::parse_line(&lines[4]).expect("line");
        e.offset = (e.offset.parse::<u64>().expect("offset") + 1).to_string();
        lines[4] = crate::archive::cdxj::line(&Utc::now(), &e)
            .trim_end()
            .to_owned();
        std::fs::write(&cdxj, lines.join("\n") + "\n").expect("write");
        let errors = verify(&ws).expect("verify").errors;
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].contains("lists 1 captures where no readable record starts")
                && errors[1].contains("1 captures are not in captures.cdxj")
                && errors[2].contains("1 lines are not CDXJ lines (first: line 3;"),
            "{errors:?}"
        );
        // A line lost (an index cut or edited): the capture it listed is named, with the remedy.
        let mut lines: Vec<&str> = text.lines().collect();
        let (_, _, gone) = crate::archive::cdxj::parse_line(lines.remove(3)).expect("line");
        std::fs::write(&cdxj, lines.join("\n") + "\n").expect("write");
        let errors = verify(&ws).expect("verify").errors;
        assert!(
            matches!(&errors[..], [e] if e.contains(&format!("1 captures are not in captures.cdxj (first at offset {}; `salwatch archive reindex`", gone.offset))),
            "{errors:?}"
        );
        // The index itself gone.
        std::fs::remove_file(&cdxj).expect("remove");
        let errors = verify(&ws).expect("verify").errors;
        assert!(
            matches!(&errors[..], [e] if e.contains("captures.cdxj: missing, and the WARC files hold 6 captures")),
            "{errors:?}"
        );
        // The WARC file gone (moved, a disk not mounted): every capture it held is missing.
        std::fs::write(&cdxj, text).expect("write");
        std::fs::remove_file(&file).expect("remove");
        let report = verify(&ws).expect("verify");
        assert_eq!(report.files, 0);
        assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
        assert!(
            report.errors[0]
                .contains("missing from the archive, and captures.cdxj lists 6 captures"),
            "{:?}",
            report.errors
        );
    }
}
