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

/// Verifies the package at `path`; `pinned` is the public key the recipient trusts, if any.
/// An unreadable zip is an error; everything else is a [`Finding`].
pub fn verify(path: &Path, pinned: Option<&VerifyingKey>) -> Result<VerifyReport, EvidenceError> {
    let file = std::fs::File::open(path).map_err(io_err("cannot open package", path))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| EvidenceError::Zip {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut report = VerifyReport::default();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).map_err(|e| EvidenceError::Zip {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        if f.is_dir() {
            continue;
        }
        let name = f.name().to_string();
        let mut buf = Vec::new();
        if let Err(e) = f.read_to_end(&mut buf) {
            report.find(
                "altered",
                &name,
                format!("cannot be read from the zip: {e}"),
            );
            continue;
        }
        if files.insert(name.clone(), buf).is_some() {
            report.find("added", &name, "appears twice in the zip");
        }
    }
    let Some(dp) = files.get("datapackage.json").cloned() else {
        report.find(
            "removed",
            "datapackage.json",
            "missing: nothing can be checked",
        );
        return Ok(report);
    };
    check_digest_and_signature(&files, &dp, pinned, &mut report);
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
        let Some(bytes) = files.get(&r.path) else {
            report.find(
                "removed",
                &r.path,
                "listed in datapackage.json but not in the package",
            );
            continue;
        };
        report.files_checked += 1;
        let actual = sha256(bytes);
        if !actual.eq_ignore_ascii_case(&r.hash) {
            report.find(
                "altered",
                &r.path,
                format!("SHA-256 is {actual}, datapackage.json lists {}", r.hash),
            );
        } else if r.bytes.is_some_and(|b| b != bytes.len() as u64) {
            report.find("altered", &r.path, "size differs from datapackage.json");
        }
    }
    for name in files.keys() {
        if name != "datapackage.json"
            && name != "datapackage-digest.json"
            && !listed.contains(name.as_str())
        {
            report.find(
                "added",
                name,
                "in the package but not listed in datapackage.json",
            );
        }
    }
    for (name, bytes) in &files {
        if name.starts_with("archive/") && name.ends_with(".warc.gz") {
            check_warc(name, bytes, &mut report);
        }
    }
    match files.get("salwatch/custody.jsonl") {
        Some(log) => {
            for p in custody::check(&String::from_utf8_lossy(log)) {
                report.find("custody", "salwatch/custody.jsonl", p);
            }
        }
        None if !listed.contains("salwatch/custody.jsonl") => {
            report.find(
                "removed",
                "salwatch/custody.jsonl",
                "the custody log is missing",
            );
        }
        None => {}
    }
    Ok(report)
}

fn check_digest_and_signature(
    files: &BTreeMap<String, Vec<u8>>,
    dp: &[u8],
    pinned: Option<&VerifyingKey>,
    report: &mut VerifyReport,
) {
    const DIGEST: &str = "datapackage-digest.json";
    let Some(digest) = files.get(DIGEST) else {
        report.find("removed", DIGEST, "missing: the package is unsigned");
        return;
    };
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
    if let Some(pem) = files.get("salwatch/public-key.pem")
        && keys::parse_public(&String::from_utf8_lossy(pem)) != Some(key)
    {
        report.find(
            "signature",
            "salwatch/public-key.pem",
            "differs from the key in datapackage-digest.json",
        );
    }
}

fn check_warc(name: &str, bytes: &[u8], report: &mut VerifyReport) {
    let mut rest = bytes;
    let mut index = 0;
    while !rest.is_empty() {
        let mut dec = flate2::bufread::GzDecoder::new(rest);
        let mut data = Vec::new();
        if let Err(e) = dec.read_to_end(&mut data) {
            report.find(
                "record",
                name,
                format!(
                    "record {index} (byte {}) does not decompress: {e}",
                    bytes.len() - rest.len()
                ),
            );
            return;
        }
        rest = dec.into_inner();
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
