//! The listings' photos: found in the workspace's capture index (`archive/captures.cdxj`) by
//! URL, copied into the package with the listing's captures, and embedded in the report.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, NaiveDateTime, Utc};
use salwatch_crawler::CaptureRef;
use salwatch_crawler::archive::MemberReader;
use salwatch_crawler::archive::cdxj;

use super::collect::CaseMaterial;
use super::{EvidenceError, warc};
use crate::store::CaptureSeen;

/// Largest photo embedded in the report (larger ones are only in the WARC).
pub const MAX_EMBEDDED: usize = 2 * 1024 * 1024;

/// One photo of a listing.
#[derive(Debug, Clone)]
pub struct Photo {
    /// The listing.
    pub listing_id: String,
    /// Image URL.
    pub url: String,
    /// Media type from the capture index.
    pub mime: String,
    /// Its capture (copied into the package like the listing's).
    pub capture: CaptureSeen,
    /// The image bytes (the record's payload), when small enough to embed.
    pub data: Option<Vec<u8>>,
}

/// The latest capture of every image of the case's listings that the archive holds.
pub fn find(archive_dir: &Path, m: &CaseMaterial) -> Result<Vec<Photo>, EvidenceError> {
    let index = archive_dir.join("captures.cdxj");
    let Ok(text) = std::fs::read_to_string(&index) else {
        return Ok(Vec::new());
    };
    let mut latest: HashMap<String, (String, cdxj::CdxjEntry)> = HashMap::new();
    for line in text.lines() {
        if let Some((_, ts, e)) = cdxj::parse_line(line)
            && e.mime.starts_with("image/")
            && e.status == "200"
        {
            let newer = latest.get(&e.url).is_none_or(|(t, _)| *t <= ts);
            if newer {
                latest.insert(e.url.clone(), (ts, e));
            }
        }
    }
    let mut out = Vec::new();
    for l in &m.listings {
        for url in &l.images {
            let Some((ts, e)) = latest.get(url) else {
                continue;
            };
            let (Ok(offset), Ok(length)) = (e.offset.parse::<u64>(), e.length.parse::<u64>())
            else {
                continue;
            };
            let loc = MemberReader::read_at(&archive_dir.join(&e.filename), offset)?;
            let payload = warc::payload(&loc.record);
            let fetched_at = NaiveDateTime::parse_from_str(ts, "%Y%m%d%H%M%S")
                .map(|t| t.and_utc())
                .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
            out.push(Photo {
                listing_id: l.listing_id.clone(),
                url: url.clone(),
                mime: e.mime.clone(),
                data: (payload.len() <= MAX_EMBEDDED).then(|| payload.to_vec()),
                capture: CaptureSeen {
                    listing_id: l.listing_id.clone(),
                    fetched_at,
                    url: url.clone(),
                    capture: CaptureRef {
                        warc_file: e.filename.clone(),
                        offset,
                        length,
                        record_id: loc.record.record_id().to_string(),
                        payload_digest: e.digest.clone(),
                    },
                },
            });
        }
    }
    Ok(out)
}
