//! Writes a package: copies the captures ([`super::warc`]), renders the `salwatch/` files,
//! hashes everything into `datapackage.json`, signs it and zips it all as a WACZ.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::Signer as _;
use serde::Serialize;
use serde_json::json;
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

use super::collect::CaseMaterial;
use super::keys::{self, SigningKeyFile};
use super::report::{self, ReportMeta};
use super::{EvidenceError, WACZ_VERSION, custody, io_err, photos, sha256, warc};

/// Files of the package other than the WARCs, in the order written.
pub const SALWATCH_DIR: &str = "salwatch";

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    /// Case name.
    pub case: String,
    /// Package file.
    pub path: PathBuf,
    /// Listings exported.
    pub listings: usize,
    /// Capture records copied (response, request, metadata, warcinfo).
    pub records: usize,
    /// WARC files in the package.
    pub warc_files: usize,
    /// Digests re-checked on the way.
    pub digests_checked: usize,
    /// SHA-256 of `datapackage.json` (what the signature covers).
    pub datapackage_hash: String,
    /// Public key fingerprint.
    pub key_fingerprint: String,
    /// True when the signing key was created by this export.
    pub key_created: bool,
    /// Size of the package in bytes.
    pub bytes: u64,
}

/// Who exports, when, with what.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The analyst.
    pub analyst: String,
    /// The time of the export.
    pub now: DateTime<Utc>,
    /// Tool and version (`salwatch 0.1.0`).
    pub tool: String,
}

struct Entry {
    path: String,
    bytes: Vec<u8>,
    stored: bool,
}

/// Exports `material` (read from the workspace whose archive is `archive_dir`) to `out`, signed
/// with `key`.
pub fn export(
    material: &CaseMaterial,
    archive_dir: &Path,
    key: &SigningKeyFile,
    opts: &ExportOptions,
    out: &Path,
) -> Result<ExportSummary, EvidenceError> {
    if material.captures.is_empty() {
        return Err(EvidenceError::Empty(material.case.name.clone()));
    }
    let photos = photos::find(archive_dir, material)?;
    let mut captures = material.captures.clone();
    captures.extend(photos.iter().map(|p| p.capture.clone()));
    let copied = warc::copy_captures(archive_dir, &captures)?;
    let now = opts.now.to_rfc3339_opts(SecondsFormat::Secs, true);
    let public = key.key.verifying_key();
    let fp = keys::fingerprint(&public);
    let pem = keys::public_pem(&public);

    let mut entries: Vec<Entry> = Vec::new();
    let records: usize = copied.warcs.iter().map(|w| w.records).sum();
    let warc_names: Vec<String> = copied.warcs.iter().map(|w| w.name.clone()).collect();
    for w in &copied.warcs {
        add(
            &mut entries,
            format!("archive/{}", w.name),
            w.bytes.clone(),
            true,
        );
    }
    add(
        &mut entries,
        "indexes/index.cdxj".into(),
        copied.cdxj.clone().into_bytes(),
        false,
    );
    add(
        &mut entries,
        "pages/pages.jsonl".into(),
        pages(material, &copied.pages).into_bytes(),
        false,
    );
    let sw = |name: &str| format!("{SALWATCH_DIR}/{name}");
    add(&mut entries, sw("case.json"), pretty(&material.case), false);
    add(
        &mut entries,
        sw("listings.json"),
        pretty(&material.listings),
        false,
    );
    add(
        &mut entries,
        sw("entities.json"),
        pretty(&material.entities),
        false,
    );
    add(
        &mut entries,
        sw("actors.json"),
        pretty(&material.actors),
        false,
    );
    add(
        &mut entries,
        sw("timeline.json"),
        pretty(&material.timeline),
        false,
    );
    add(
        &mut entries,
        sw("custody.jsonl"),
        custody::build(&material.case, &opts.analyst, &now, &opts.tool, warc_names).into_bytes(),
        false,
    );
    let meta = ReportMeta {
        exported_at: &now,
        exported_by: &opts.analyst,
        tool: &opts.tool,
        public_pem: &pem,
        fingerprint: &fp,
        photos: &photos,
    };
    add(
        &mut entries,
        sw("report.html"),
        report::render(material, &meta).into_bytes(),
        false,
    );
    add(
        &mut entries,
        sw("public-key.pem"),
        pem.clone().into_bytes(),
        false,
    );
    add(
        &mut entries,
        sw("verify.txt"),
        verify_text(&fp).into_bytes(),
        false,
    );
    let sums: String = entries
        .iter()
        .map(|e| format!("{}  {}\n", hex_of(&sha256(&e.bytes)), e.path))
        .collect();
    add(&mut entries, sw("sha256sums.txt"), sums.into_bytes(), false);

    let resources: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            json!({
                "name": resource_name(&e.path),
                "path": e.path,
                "hash": sha256(&e.bytes),
                "bytes": e.bytes.len(),
            })
        })
        .collect();
    let main_page = material
        .listings
        .first()
        .map(|l| l.url.clone())
        .unwrap_or_default();
    let datapackage = json!({
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": format!("salwatch evidence: case {}", material.case.name),
        "description": format!(
            "Evidence package of case {} exported by {} ({} listings, {} capture records)",
            material.case.name, opts.analyst, material.listings.len(), records
        ),
        "created": now,
        "modified": now,
        "software": opts.tool,
        "mainPageUrl": main_page,
        "resources": resources,
    });
    let dp_bytes = pretty_value(&datapackage);
    let dp_hash = sha256(&dp_bytes);
    let signature = key.key.sign(&dp_bytes);
    let digest = json!({
        "path": "datapackage.json",
        "hash": dp_hash,
        "salwatchSignature": {
            "algorithm": "Ed25519",
            "signedFile": "datapackage.json",
            "signature": data_encoding::BASE64.encode(&signature.to_bytes()),
            "publicKey": data_encoding::BASE64.encode(public.as_bytes()),
            "fingerprint": fp,
            "created": now,
            "software": opts.tool,
        },
    });
    let digest_bytes = pretty_value(&digest);

    write_zip(out, &entries, &dp_bytes, &digest_bytes, opts.now)?;
    let bytes = std::fs::metadata(out)
        .map(|m| m.len())
        .map_err(io_err("cannot stat package", out))?;
    Ok(ExportSummary {
        case: material.case.name.clone(),
        path: out.to_path_buf(),
        listings: material.listings.len(),
        records,
        warc_files: copied.warcs.len(),
        digests_checked: copied.digests_checked,
        datapackage_hash: dp_hash,
        key_fingerprint: fp,
        key_created: key.created,
        bytes,
    })
}

fn add(entries: &mut Vec<Entry>, path: String, bytes: Vec<u8>, stored: bool) {
    entries.push(Entry {
        path,
        bytes,
        stored,
    });
}

fn write_zip(
    out: &Path,
    entries: &[Entry],
    datapackage: &[u8],
    digest: &[u8],
    now: DateTime<Utc>,
) -> Result<(), EvidenceError> {
    let zerr = |e: zip::result::ZipError| EvidenceError::Zip {
        path: out.to_path_buf(),
        message: e.to_string(),
    };
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io_err("cannot create directory", parent))?;
    }
    let tmp = out.with_extension("wacz.partial");
    let file = std::fs::File::create(&tmp).map_err(io_err("cannot create package", &tmp))?;
    let mut zip = zip::ZipWriter::new(file);
    use chrono::{Datelike as _, Timelike as _};
    let base = match zip::DateTime::from_date_and_time(
        u16::try_from(now.year()).unwrap_or(1980),
        now.month() as u8,
        now.day() as u8,
        now.hour() as u8,
        now.minute() as u8,
        now.second() as u8,
    ) {
        Ok(t) => SimpleFileOptions::default().last_modified_time(t),
        Err(_) => SimpleFileOptions::default(),
    };
    let stored = base
        .compression_method(CompressionMethod::Stored)
        .large_file(false);
    let deflated = base.compression_method(CompressionMethod::Deflated);
    let all = entries
        .iter()
        .map(|e| (e.path.as_str(), e.bytes.as_slice(), e.stored))
        .chain([
            ("datapackage.json", datapackage, false),
            ("datapackage-digest.json", digest, false),
        ]);
    for (path, bytes, is_stored) in all {
        zip.start_file(path, if is_stored { stored } else { deflated })
            .map_err(zerr)?;
        zip.write_all(bytes)
            .map_err(io_err("cannot write package", &tmp))?;
    }
    let file = zip.finish().map_err(zerr)?;
    file.sync_all()
        .map_err(io_err("cannot write package", &tmp))?;
    std::fs::rename(&tmp, out).map_err(io_err("cannot move package into place", out))
}

fn pages(material: &CaseMaterial, lines: &[warc::PageLine]) -> String {
    let mut out = serde_json::to_string(&json!({
        "format": "json-pages-1.0",
        "id": "pages",
        "title": format!("Case {}", material.case.name),
    }))
    .unwrap_or_default();
    out.push('\n');
    for p in lines {
        let mut p = p.clone();
        let record_id = format!("<urn:uuid:{}>", p.id);
        // Pages are the listings' captures; photos are only in the WARCs and the index.
        let Some(c) = material
            .captures
            .iter()
            .find(|c| c.capture.record_id == record_id)
        else {
            continue;
        };
        p.title = material
            .listings
            .iter()
            .find(|l| l.listing_id == c.listing_id)
            .map(|l| l.title.clone())
            .unwrap_or_else(|| c.listing_id.clone());
        out.push_str(&serde_json::to_string(&p).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// A frictionless resource name: lower case, `[a-z0-9._/-]` only.
fn resource_name(path: &str) -> String {
    path.rsplit('/')
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn hex_of(hash: &str) -> &str {
    hash.strip_prefix("sha256:").unwrap_or(hash)
}

fn pretty<T: Serialize>(v: &T) -> Vec<u8> {
    let mut b = serde_json::to_vec_pretty(v).unwrap_or_default();
    b.push(b'\n');
    b
}

fn pretty_value(v: &serde_json::Value) -> Vec<u8> {
    pretty(v)
}

fn verify_text(fp: &str) -> String {
    format!(
        "How to verify this package without salwatch
=============================================

1. Unzip the package into an empty directory.
2. Every file's SHA-256 is listed in salwatch/sha256sums.txt (and in datapackage.json):
     sha256sum -c salwatch/sha256sums.txt
3. datapackage.json's own SHA-256 is the \"hash\" of datapackage-digest.json:
     sha256sum datapackage.json
4. The Ed25519 signature in datapackage-digest.json covers the bytes of datapackage.json:
     jq -r .salwatchSignature.signature datapackage-digest.json | base64 -d > sig.bin
     openssl pkeyutl -verify -pubin -inkey salwatch/public-key.pem -rawin \\
       -in datapackage.json -sigfile sig.bin
   Compare the key's fingerprint with the one the sender gave you out of band:
     {fp}
   (SHA-256 of the 32 raw key bytes.)
5. salwatch/custody.jsonl: one JSON object a line; each line's \"prev\" is the SHA-256 of the
   line before it (the first line's is all zeros); the last line is the export.
6. The WARC files in archive/ are the capture records exactly as the crawler wrote them;
   `warcio check` re-checks their digests.
"
    )
}
