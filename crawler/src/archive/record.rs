//! WARC 1.1 records: building one (header lines per the spec, `sha256:` hex digests) and
//! parsing one back, plus the HTTP message inside response records.

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

/// `sha256:<lowercase hex>` of `data`.
pub fn sha256_digest(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

/// A fresh `<urn:uuid:…>` record id.
pub fn new_record_id() -> String {
    format!("<urn:uuid:{}>", uuid::Uuid::new_v4())
}

/// A WARC-Date: UTC, microsecond precision (allowed by WARC 1.1).
pub fn warc_date(date: &DateTime<Utc>) -> String {
    date.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Truncates a time to the precision a WARC-Date keeps, so live and re-read values are equal.
pub fn to_warc_precision(date: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&warc_date(&date))
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or(date)
}

/// Serializes a record: version line, the named fields in order, `Content-Length`, the block and
/// the two CRLFs that end a record.
pub fn build(fields: &[(&str, String)], block: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(block.len() + 512);
    out.extend_from_slice(b"WARC/1.1\r\n");
    for (name, value) in fields {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        // Header values never carry line breaks.
        let clean: String = value
            .chars()
            .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
            .collect();
        out.extend_from_slice(clean.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", block.len()).as_bytes());
    out.extend_from_slice(block);
    out.extend_from_slice(b"\r\n\r\n");
    out
}

/// A parsed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarcRecord {
    /// `WARC/1.1` or `WARC/1.0`.
    pub version: String,
    /// Header fields in order.
    pub headers: Vec<(String, String)>,
    /// The record block (`Content-Length` bytes).
    pub block: Vec<u8>,
}

impl WarcRecord {
    /// First value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `WARC-Type`.
    pub fn warc_type(&self) -> &str {
        self.header("WARC-Type").unwrap_or("")
    }

    /// `WARC-Record-ID`.
    pub fn record_id(&self) -> &str {
        self.header("WARC-Record-ID").unwrap_or("")
    }
}

/// Parses one uncompressed record (as held by one gzip member).
pub fn parse(data: &[u8]) -> Result<WarcRecord, String> {
    let end = find(data, b"\r\n\r\n").ok_or("no end of WARC header")?;
    let head = std::str::from_utf8(&data[..end]).map_err(|_| "WARC header is not UTF-8")?;
    let mut lines = head.split("\r\n");
    let version = lines.next().unwrap_or("").to_string();
    if !version.starts_with("WARC/") {
        return Err(format!("bad version line {version:?}"));
    }
    let mut headers = Vec::new();
    for line in lines {
        let (n, v) = line
            .split_once(':')
            .ok_or_else(|| format!("bad header line {line:?}"))?;
        headers.push((n.trim().to_string(), v.trim().to_string()));
    }
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Length"))
        .and_then(|(_, v)| v.parse().ok())
        .ok_or("missing or bad Content-Length")?;
    let start = end + 4;
    let block = data
        .get(start..start + len)
        .ok_or_else(|| format!("block shorter than Content-Length {len}"))?
        .to_vec();
    Ok(WarcRecord {
        version,
        headers,
        block,
    })
}

/// An HTTP message split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpMessage {
    /// Status code (0 for requests).
    pub status: u16,
    /// Protocol (`HTTP/1.1`).
    pub version: String,
    /// Header fields in order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Offset of the payload in the block.
    pub payload_offset: usize,
}

/// Parses the head of an HTTP message held in a record block, request or response. Not with
/// `httparse` (already in the tree through hyper): it accepts only `HTTP/1.0` and `HTTP/1.1`
/// status lines, while a response fetched over HTTP/2 is archived with the status line
/// `HTTP/2 200 OK` ([`http_response_head`]); headers are also read whatever their number.
pub fn parse_http(block: &[u8]) -> Result<HttpMessage, String> {
    let end = find(block, b"\r\n\r\n").ok_or("no end of HTTP header")?;
    let head = &block[..end];
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let first = String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
    let mut parts = first.splitn(3, ' ');
    let a = parts.next().unwrap_or("");
    let b = parts.next().unwrap_or("");
    let (version, status) = if a.starts_with("HTTP/") {
        (
            a.to_string(),
            b.parse()
                .map_err(|_| format!("bad status line {first:?}"))?,
        )
    } else {
        (parts.next().unwrap_or("").to_string(), 0)
    };
    let mut headers = Vec::new();
    for line in lines {
        if let Some(i) = line.iter().position(|&c| c == b':') {
            let name = String::from_utf8_lossy(&line[..i]).trim().to_string();
            let value = trim_bytes(&line[i + 1..]).to_vec();
            headers.push((name, value));
        }
    }
    Ok(HttpMessage {
        status,
        version,
        headers,
        payload_offset: end + 4,
    })
}

/// The head of an HTTP response for a response record block. `Transfer-Encoding` is renamed
/// (the stored payload has it removed), everything else is kept.
pub fn http_response_head(version: &str, status: u16, headers: &[(String, Vec<u8>)]) -> Vec<u8> {
    let reason = http_reason(status);
    let proto = match version {
        "HTTP/2.0" | "HTTP/2" => "HTTP/2",
        "HTTP/1.0" => "HTTP/1.0",
        _ => "HTTP/1.1",
    };
    let mut out = format!("{proto} {status} {reason}\r\n").into_bytes();
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("transfer-encoding") {
            out.extend_from_slice(b"X-Archive-Orig-Transfer-Encoding");
        } else {
            out.extend_from_slice(name.as_bytes());
        }
        out.extend_from_slice(b": ");
        out.extend(
            value
                .iter()
                .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
        );
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

fn http_reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown")
}

fn trim_bytes(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end]
}

/// Position of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn build_then_parse() {
        let block = b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\n\r\n<p>hi</p>";
        let rec = build(
            &[
                ("WARC-Type", "response".into()),
                ("WARC-Record-ID", new_record_id()),
            ],
            block,
        );
        let parsed = parse(&rec).expect("parses");
        assert_eq!(parsed.version, "WARC/1.1");
        assert_eq!(parsed.warc_type(), "response");
        assert_eq!(parsed.block, block);
        assert_eq!(
            parsed.header("content-length"),
            Some(block.len().to_string().as_str())
        );
        let http = parse_http(&parsed.block).expect("http");
        assert_eq!(http.status, 200);
        assert_eq!(&parsed.block[http.payload_offset..], b"<p>hi</p>");
        assert_eq!(http.headers[0].0, "content-type");
    }

    #[test]
    fn digest_is_lowercase_hex() {
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn response_head_renames_transfer_encoding() {
        let head = http_response_head(
            "HTTP/1.1",
            404,
            &[
                ("transfer-encoding".into(), b"chunked".to_vec()),
                ("x".into(), b"a\r\nb".to_vec()),
            ],
        );
        assert_eq!(
            String::from_utf8(head).expect("utf8"),
            "HTTP/1.1 404 Not Found\r\nX-Archive-Orig-Transfer-Encoding: chunked\r\nx: a  b\r\n\r\n"
        );
    }

    #[test]
    fn warc_date_micros() {
        let d = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.123456789Z")
            .expect("date")
            .with_timezone(&Utc);
        assert_eq!(warc_date(&d), "2026-01-02T03:04:05.123456Z");
        assert_eq!(
            warc_date(&to_warc_precision(d)),
            "2026-01-02T03:04:05.123456Z"
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse(&data);
            let _ = parse_http(&data);
        }

        #[test]
        fn round_trip_any_block(block in proptest::collection::vec(any::<u8>(), 0..300), uri in "[a-z:/.]{1,30}") {
            let rec = build(&[("WARC-Type", "resource".into()), ("WARC-Target-URI", uri.clone())], &block);
            let p = parse(&rec).expect("parses");
            prop_assert_eq!(&p.block, &block);
            prop_assert_eq!(p.header("WARC-Target-URI"), Some(uri.as_str()));
        }
    }
}
