//! Verifies a package: the hash of `datapackage.json`, its Ed25519 signature (against the
//! embedded key, and a pinned key when given), every listed file's hash and size, files added
//! or removed, every WARC record's digests, and the custody chain. Each problem is named.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;

use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::{EvidenceError, custody, io_err, keys, sha256, warc};

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// `altered`, `added`, `removed`, `signature`, `record`, `custody` or `format`.
    pub kind: String,
    /// The file concerned (path inside the package).
    pub path: String,
    /// What exactly.
    pub detail: String,
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VerifyReport {
    /// Files listed in `datapackage.json`.
    pub files_listed: usize,
    /// Files whose hash was checked.
    pub files_checked: usize,
    /// WARC records decoded and digests re-checked.
    pub records_checked: usize,
    /// Fingerprint of the key that signed (when the signature is valid).
    pub signed_by: Option<String>,
    /// True when the signing key was compared with a pinned key.
    pub key_pinned: bool,
    /// Problems; empty when the package is intact.
    pub findings: Vec<Finding>,
}

impl VerifyReport {
    /// True when nothing was found.
    pub fn is_ok(&self) -> bool {
        self.findings.is_empty()
    }

    fn find(&mut self, kind: &str, path: &str, detail: impl Into<String>) {
        self.findings.push(Finding {
            kind: kind.into(),
            path: path.into(),
            detail: detail.into(),
        });
    }
}

#[derive(Debug, Deserialize)]
struct Resource {
    path: String,
    hash: String,
    #[serde(default)]
    bytes: Option<u64>,
}

/// Largest WARC record (decompressed) a package may hold: a record past it is reported and not
/// decompressed further (a gzip bomb costs no more than this).
const RECORD_MAX: u64 = 512 * 1024 * 1024;

/// Largest metadata file read into memory (`datapackage.json`, its digest, the public key, the
/// custody log).
const META_MAX: u64 = 64 * 1024 * 1024;

/// Most bytes read from a member whose size `datapackage.json` does not state.
const UNSTATED_MAX: u64 = 1 << 40;

/// What verification holds in memory or reads at most (see the constants).
#[derive(Debug, Clone, Copy)]
struct Limits {
    record: u64,
    meta: u64,
}

const LIMITS: Limits = Limits {
    record: RECORD_MAX,
    meta: META_MAX,
};

const DIGEST: &str = "datapackage-digest.json";
const CUSTODY: &str = "salwatch/custody.jsonl";

/// Verifies the package at `path`; `pinned` is the public key the recipient trusts, if any.
/// An unreadable zip is an error; everything else is a [`Finding`].
///
/// A received package is hostile input: members are streamed through the hash (never held
/// whole), a listed member is read no further than the size `datapackage.json` states, and
/// WARC records are decompressed one at a time up to [`RECORD_MAX`], so a zip or gzip bomb
/// costs bounded memory and time and is reported as such.
pub fn verify(path: &Path, pinned: Option<&VerifyingKey>) -> Result<VerifyReport, EvidenceError> {
    verify_with(path, pinned, LIMITS)
}

fn verify_with(
    path: &Path,
    pinned: Option<&VerifyingKey>,
    limits: Limits,
) -> Result<VerifyReport, EvidenceError> {
    let file = std::fs::File::open(path).map_err(io_err("cannot open package", path))?;
    let zip_err = |e: zip::result::ZipError| EvidenceError::Zip {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut zip = zip::ZipArchive::new(file).map_err(zip_err)?;
    let mut report = VerifyReport::default();
    // Member name → index in the zip (the last one of a name, as a zip reader would extract).
    let mut members: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..zip.len() {
        let f = zip.by_index_raw(i).map_err(zip_err)?;
        if f.is_dir() {
            continue;
        }
        if members.insert(f.name().to_string(), i).is_some() {
            report.find("added", f.name(), "appears twice in the zip");
        }
    }
    let mut meta = |name: &str, report: &mut VerifyReport| {
        let index = *members.get(name)?;
        read_meta(&mut zip, index, name, limits.meta, report)
    };
    let Some(dp) = meta("datapackage.json", &mut report) else {
        if !members.contains_key("datapackage.json") {
            report.find(
                "removed",
                "datapackage.json",
                "missing: nothing can be checked",
            );
        }
        return Ok(report);
    };
    if !members.contains_key(DIGEST) {
        report.find("removed", DIGEST, "missing: the package is unsigned");
    } else if let Some(digest) = meta(DIGEST, &mut report) {
        let pem = meta("salwatch/public-key.pem", &mut report);
        check_digest_and_signature(&digest, pem.as_deref(), &dp, pinned, &mut report);
    }
    let custody_log = meta(CUSTODY, &mut report);
    let resources: Vec<Resource> = match serde_json::from_slice::<serde_json::Value>(&dp)
        .ok()
        .and_then(|v| v.get("resources").cloned())
        .and_then(|r| serde_json::from_value(r).ok())
    {
        Some(r) => r,
        None => {
            report.find("format", "datapackage.json", "no readable resources list");
            return Ok(report);
        }
    };
    report.files_listed = resources.len();
    let mut listed = std::collections::BTreeSet::new();
    for r in &resources {
        listed.insert(r.path.as_str());
        let Some(&index) = members.get(&r.path) else {
            report.find(
                "removed",
                &r.path,
                "listed in datapackage.json but not in the package",
            );
            continue;
        };
        report.files_checked += 1;
        let cap = r.bytes.unwrap_or(UNSTATED_MAX);
        let warc = (r.path.starts_with("archive/") && r.path.ends_with(".warc.gz"))
            .then_some(limits.record);
        match hash_member(&mut zip, index, &r.path, cap, warc, &mut report) {
            Err(e) => report.find(
                "altered",
                &r.path,
                format!("cannot be read from the zip: {e}"),
            ),
            Ok(m) if m.bytes > cap => report.find(
                "altered",
                &r.path,
                format!("larger than the {cap} bytes datapackage.json lists (read no further)"),
            ),
            Ok(m) if !m.hash.eq_ignore_ascii_case(&r.hash) => report.find(
                "altered",
                &r.path,
                format!("SHA-256 is {}, datapackage.json lists {}", m.hash, r.hash),
            ),
            Ok(m) if r.bytes.is_some_and(|b| b != m.bytes) => {
                report.find("altered", &r.path, "size differs from datapackage.json");
            }
            Ok(_) => {}
        }
    }
    for name in members.keys() {
        if name != "datapackage.json" && name != DIGEST && !listed.contains(name.as_str()) {
            report.find(
                "added",
                name,
                "in the package but not listed in datapackage.json",
            );
        }
    }
    match custody_log {
        Some(log) => {
            for p in custody::check(&String::from_utf8_lossy(&log)) {
                report.find("custody", CUSTODY, p);
            }
        }
        None if !members.contains_key(CUSTODY) && !listed.contains(CUSTODY) => {
            report.find("removed", CUSTODY, "the custody log is missing");
        }
        None => {}
    }
    Ok(report)
}

/// Reads a metadata member whole, up to `cap` bytes; a larger or unreadable one is a finding.
fn read_meta<R: std::io::Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    index: usize,
    name: &str,
    cap: u64,
    report: &mut VerifyReport,
) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let read = zip
        .by_index(index)
        .map_err(|e| e.to_string())
        .and_then(|f| {
            f.take(cap.saturating_add(1))
                .read_to_end(&mut buf)
                .map_err(|e| e.to_string())
        });
    match read {
        Err(e) => {
            report.find("altered", name, format!("cannot be read from the zip: {e}"));
            None
        }
        Ok(_) if buf.len() as u64 > cap => {
            report.find("format", name, format!("larger than {cap} bytes: not read"));
            None
        }
        Ok(_) => Some(buf),
    }
}

/// A member's SHA-256 and size, of at most `cap + 1` bytes read.
struct MemberDigest {
    hash: String,
    bytes: u64,
}

/// A reader that hashes and counts what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: sha2::Sha256,
    bytes: u64,
}

impl<R: std::io::Read> std::io::Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use sha2::Digest as _;
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Streams member `index` through SHA-256 (at most `cap + 1` bytes), checking its WARC records
/// on the way when `record_max` is given.
fn hash_member<R: std::io::Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    index: usize,
    name: &str,
    cap: u64,
    record_max: Option<u64>,
    report: &mut VerifyReport,
) -> Result<MemberDigest, String> {
    use sha2::Digest as _;
    let file = zip.by_index(index).map_err(|e| e.to_string())?;
    let mut member = Hashing {
        inner: file.take(cap.saturating_add(1)),
        hasher: sha2::Sha256::new(),
        bytes: 0,
    };
    if let Some(max) = record_max {
        check_warc(name, &mut member, max, report);
    }
    std::io::copy(&mut member, &mut std::io::sink()).map_err(|e| e.to_string())?;
    Ok(MemberDigest {
        hash: super::sha256_text(&member.hasher.finalize()),
        bytes: member.bytes,
    })
}

fn check_digest_and_signature(
    digest: &[u8],
    pem: Option<&[u8]>,
    dp: &[u8],
    pinned: Option<&VerifyingKey>,
    report: &mut VerifyReport,
) {
    let Ok(digest) = serde_json::from_slice::<serde_json::Value>(digest) else {
        report.find("format", DIGEST, "not JSON");
        return;
    };
    let actual = sha256(dp);
    if digest.get("hash").and_then(|h| h.as_str()) != Some(actual.as_str()) {
        report.find(
            "altered",
            "datapackage.json",
            format!(
                "SHA-256 is {actual}, datapackage-digest.json says {}",
                digest
                    .get("hash")
                    .and_then(|h| h.as_str())
                    .unwrap_or("nothing")
            ),
        );
    }
    let sig = digest.get("salwatchSignature");
    let field = |name: &str| {
        sig.and_then(|s| s.get(name))
            .and_then(|v| v.as_str())
            .and_then(|s| data_encoding::BASE64.decode(s.as_bytes()).ok())
    };
    let key = field("publicKey")
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok());
    let signature = field("signature")
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| Signature::from_bytes(&b));
    let (Some(key), Some(signature)) = (key, signature) else {
        report.find(
            "signature",
            DIGEST,
            "no readable Ed25519 signature and public key",
        );
        return;
    };
    if let Some(p) = pinned {
        report.key_pinned = true;
        if p != &key {
            report.find(
                "signature",
                DIGEST,
                format!(
                    "signed by key {}, not by the expected key {}",
                    keys::fingerprint(&key),
                    keys::fingerprint(p)
                ),
            );
        }
    }
    if key.verify_strict(dp, &signature).is_err() {
        report.find(
            "signature",
            DIGEST,
            format!(
                "the Ed25519 signature does not match datapackage.json under key {}",
                keys::fingerprint(&key)
            ),
        );
    } else {
        report.signed_by = Some(keys::fingerprint(&key));
    }
    if let Some(pem) = pem
        && keys::parse_public(&String::from_utf8_lossy(pem)) != Some(key)
    {
        report.find(
            "signature",
            "salwatch/public-key.pem",
            "differs from the key in datapackage-digest.json",
        );
    }
}

/// Decompresses and checks the WARC records of a member one at a time, each up to
/// `record_max` bytes (a larger one ends the check with a finding).
fn check_warc<R: std::io::Read>(
    name: &str,
    member: &mut Hashing<R>,
    record_max: u64,
    report: &mut VerifyReport,
) {
    use std::io::BufRead as _;
    let mut input = std::io::BufReader::new(member);
    let mut index = 0;
    loop {
        match input.fill_buf() {
            Ok([]) => return,
            Ok(_) => {}
            Err(e) => {
                report.find(
                    "record",
                    name,
                    format!("record {index} cannot be read: {e}"),
                );
                return;
            }
        }
        let at = input.get_ref().bytes - input.buffer().len() as u64;
        let mut data = Vec::new();
        let read = flate2::bufread::GzDecoder::new(&mut input)
            .take(record_max.saturating_add(1))
            .read_to_end(&mut data);
        if let Err(e) = read {
            report.find(
                "record",
                name,
                format!("record {index} (byte {at}) does not decompress: {e}"),
            );
            return;
        }
        if data.len() as u64 > record_max {
            report.find(
                "record",
                name,
                format!(
                    "record {index} (byte {at}) decompresses to more than {record_max} bytes \
                     (a compression bomb?); the rest of the file is not checked"
                ),
            );
            return;
        }
        index += 1;
        match salwatch_crawler::archive::record::parse(&data) {
            Ok(rec) => {
                report.records_checked += 1;
                if let Err(e) = warc::check_digests(&rec) {
                    report.find("record", name, format!("record {}: {e}", rec.record_id()));
                }
            }
            Err(e) => report.find(
                "record",
                name,
                format!("record {index} does not parse: {e}"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::{Limits, verify_with};
    use crate::evidence::sha256;

    /// A zip of `members` (name, bytes) with a `datapackage.json` listing `listed` (name, hash,
    /// stated size).
    fn package(
        dir: &std::path::Path,
        members: &[(&str, Vec<u8>)],
        listed: &[(&str, String, u64)],
    ) -> std::path::PathBuf {
        let path = dir.join("p.wacz");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
        let opts = zip::write::SimpleFileOptions::default();
        let resources: Vec<serde_json::Value> = listed
            .iter()
            .map(|(p, h, b)| serde_json::json!({"path": p, "hash": h, "bytes": b}))
            .collect();
        let dp = serde_json::json!({ "resources": resources }).to_string();
        for (name, bytes) in [("datapackage.json", dp.as_bytes())]
            .into_iter()
            .chain(members.iter().map(|(n, b)| (*n, b.as_slice())))
        {
            zip.start_file(name, opts).expect("start");
            zip.write_all(bytes).expect("write");
        }
        zip.finish().expect("finish");
        path
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(data).expect("gzip");
        gz.finish().expect("gzip")
    }

    const SMALL: Limits = Limits {
        record: 1 << 20,
        meta: 1 << 20,
    };

    #[test]
    fn a_gzip_bomb_record_is_reported_not_decompressed_whole() {
        let dir = tempfile::tempdir().expect("tmp");
        let bomb = gzip(&vec![0u8; 8 << 20]);
        let name = "archive/a.warc.gz";
        let pkg = package(
            dir.path(),
            &[(name, bomb.clone())],
            &[(name, sha256(&bomb), bomb.len() as u64)],
        );
        let report = verify_with(&pkg, None, SMALL).expect("verify");
        let records: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.kind == "record")
            .collect();
        assert_eq!(records.len(), 1, "{:?}", report.findings);
        assert!(
            records[0].detail.contains("more than 1048576 bytes"),
            "{:?}",
            records[0]
        );
        // The member's own hash and size are still checked (they match).
        assert!(report.findings.iter().all(|f| f.kind != "altered"));
    }

    #[test]
    fn a_member_larger_than_listed_is_read_no_further() {
        let dir = tempfile::tempdir().expect("tmp");
        let big = vec![b'x'; 16 << 20];
        let pkg = package(
            dir.path(),
            &[("salwatch/listings.json", big)],
            &[("salwatch/listings.json", sha256(b"[]"), 2)],
        );
        let report = verify_with(&pkg, None, SMALL).expect("verify");
        let altered: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.kind == "altered" && f.path == "salwatch/listings.json")
            .collect();
        assert_eq!(altered.len(), 1, "{:?}", report.findings);
        assert!(altered[0].detail.contains("larger than the 2 bytes"));
    }

    #[test]
    fn an_oversized_metadata_file_is_not_read() {
        let dir = tempfile::tempdir().expect("tmp");
        let pkg = package(
            dir.path(),
            &[("datapackage-digest.json", vec![b' '; 2 << 20])],
            &[],
        );
        let report = verify_with(&pkg, None, SMALL).expect("verify");
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.kind == "format" && f.path == "datapackage-digest.json"),
            "{:?}",
            report.findings
        );
    }

    /// A WARC member made of `records` (each a record with a mangled block and digest, or raw
    /// bytes), gzipped one by one or not, with `cut` bytes chopped off the end.
    fn hostile_warc(records: &[(Vec<u8>, bool, bool)], cut: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for (bytes, as_record, gzipped) in records {
            let data = if *as_record {
                salwatch_crawler::archive::record::build(
                    &[
                        ("WARC-Type", "resource".to_owned()),
                        ("WARC-Record-ID", "<urn:uuid:0>".to_owned()),
                        (
                            "WARC-Block-Digest",
                            format!("sha256:{}", hex::encode(bytes)),
                        ),
                    ],
                    bytes,
                )
            } else {
                bytes.clone()
            };
            out.extend(if *gzipped { gzip(&data) } else { data });
        }
        out.truncate(out.len().saturating_sub(cut));
        out
    }

    proptest::proptest! {
        /// Whatever a received package's members hold, verification ends with a report (no
        /// panic, no error: an unreadable zip is the only error), with findings (the digest
        /// file here never holds a valid signature).
        #[test]
        fn hostile_members_give_findings_not_failures(
            records in proptest::collection::vec(
                (proptest::collection::vec(proptest::num::u8::ANY, 0..300), proptest::bool::ANY,
                 proptest::bool::weighted(0.8)),
                0..6,
            ),
            cut in 0usize..40,
            digest in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
            stated in proptest::option::of(0u64..5000),
        ) {
            let dir = tempfile::tempdir().expect("tmp");
            let warc = hostile_warc(&records, cut);
            let name = "archive/x.warc.gz";
            let size = stated.unwrap_or(warc.len() as u64);
            let pkg = package(
                dir.path(),
                &[(name, warc.clone()), ("datapackage-digest.json", digest),
                  ("salwatch/custody.jsonl", b"{not json".to_vec())],
                &[(name, sha256(&warc), size)],
            );
            let report = verify_with(&pkg, None, SMALL);
            proptest::prop_assert!(report.is_ok(), "{report:?}");
            proptest::prop_assert!(!report.expect("report").is_ok());
        }
    }
}
