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

/// What the archive's CDXJ index says it holds: the capture offsets of each WARC file it names,
/// and the numbers (from 1) of lines that are not CDXJ lines.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Listed {
    /// File name → offsets of the captures listed in it.
    pub by_file: std::collections::BTreeMap<String, Vec<u64>>,
    /// Lines that do not parse (a damaged index).
    pub bad_lines: Vec<usize>,
}

impl Listed {
    /// Reads the CDXJ index at `path`; an absent index lists nothing.
    pub fn read(path: &std::path::Path) -> std::io::Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(e),
        };
        let mut out = Self::default();
        for (n, l) in text.lines().enumerate() {
            if l.trim().is_empty() {
                continue;
            }
            match parse_line(l).and_then(|(_, _, e)| Some((e.offset.parse().ok()?, e.filename))) {
                Some((offset, file)) => out.by_file.entry(file).or_default().push(offset),
                None => out.bad_lines.push(n + 1),
            }
        }
        Ok(out)
    }

    /// The files the index names that are not in `dir`, with how many captures each holds.
    pub fn missing_files(&self, dir: &std::path::Path) -> Vec<(String, usize)> {
        self.by_file
            .iter()
            .filter(|(f, _)| !dir.join(f).is_file())
            .map(|(f, o)| (f.clone(), o.len()))
            .collect()
    }
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
