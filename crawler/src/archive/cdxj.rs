//! The CDXJ capture index (`archive/captures.cdxj`): one line per response record,
//! `<SURT> <14-digit timestamp> {json}` as pywb and WACZ read it. Lines are appended in capture
//! order; sort them (by SURT then time) when exporting.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

/// The JSON part of a CDXJ line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CdxjEntry {
    /// Captured URL.
    pub url: String,
    /// Media type.
    pub mime: String,
    /// HTTP status, as text.
    pub status: String,
    /// Payload digest (`sha256:…`).
    pub digest: String,
    /// Length of the record's gzip member, as text.
    pub length: String,
    /// Offset of the record's gzip member, as text.
    pub offset: String,
    /// WARC file name.
    pub filename: String,
}

/// Sort-friendly URI Reordering Transform: `com,example,shop)/path?query`, host labels reversed,
/// a leading `www` dropped, port kept, lower-cased.
pub fn surt(url: &str) -> String {
    let Ok(u) = Url::parse(url) else {
        return url.to_ascii_lowercase();
    };
    let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
    let mut labels: Vec<&str> = if u.host().is_some_and(|h| !matches!(h, url::Host::Domain(_))) {
        vec![host.as_str()]
    } else {
        host.split('.').filter(|s| !s.is_empty()).collect()
    };
    if labels.len() > 1 && labels[0] == "www" {
        labels.remove(0);
    }
    labels.reverse();
    let mut out = labels.join(",");
    if let Some(port) = u.port() {
        out.push_str(&format!(":{port}"));
    }
    out.push(')');
    out.push_str(&u.path().to_ascii_lowercase());
    if let Some(q) = u.query() {
        out.push('?');
        out.push_str(&q.to_ascii_lowercase());
    }
    out
}

/// One CDXJ line (with its trailing newline).
pub fn line(date: &DateTime<Utc>, entry: &CdxjEntry) -> String {
    let json = serde_json::to_string(entry).unwrap_or_else(|_| "{}".into());
    format!(
        "{} {} {}\n",
        surt(&entry.url),
        date.format("%Y%m%d%H%M%S"),
        json
    )
}

/// Parses a CDXJ line into its key, timestamp and entry.
pub fn parse_line(line: &str) -> Option<(String, String, CdxjEntry)> {
    let mut parts = line.splitn(3, ' ');
    let key = parts.next()?.to_string();
    let ts = parts.next()?.to_string();
    let entry = serde_json::from_str(parts.next()?).ok()?;
    Some((key, ts, entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surt_forms() {
        assert_eq!(surt("http://www.Example.com/A?b=1"), "com,example)/a?b=1");
        assert_eq!(
            surt("http://shop.example.com:8080/"),
            "com,example,shop:8080)/"
        );
        assert_eq!(surt("http://127.0.0.1:9000/x"), "127.0.0.1:9000)/x");
    }

    #[test]
    fn line_round_trip() {
        let e = CdxjEntry {
            url: "http://a.test/x".into(),
            mime: "text/html".into(),
            status: "200".into(),
            digest: "sha256:00".into(),
            length: "10".into(),
            offset: "0".into(),
            filename: "f.warc.gz".into(),
        };
        let d = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.5Z")
            .expect("d")
            .with_timezone(&Utc);
        let l = line(&d, &e);
        assert!(l.starts_with("test,a)/x 20260102030405 {"));
        let (k, ts, back) = parse_line(l.trim_end()).expect("parses");
        assert_eq!((k.as_str(), ts.as_str()), ("test,a)/x", "20260102030405"));
        assert_eq!(back, e);
    }
}
