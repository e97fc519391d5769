//! Body decoding: content encodings (gzip, deflate) undone here, with a cap on the decompressed
//! size (gzip bombs), then the charset from the header, a BOM or `<meta>` decoded with
//! encoding_rs (windows-1251, ISO-8859-2 …).

use std::io::Read;

use encoding_rs::Encoding;

/// Why a body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The decompressed body passed the limit.
    #[error("decompressed body larger than the limit of {limit} bytes (compression bomb?)")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// The compressed stream is corrupt.
    #[error("corrupt {encoding} body: {message}")]
    Corrupt {
        /// The content encoding.
        encoding: String,
        /// Decoder message.
        message: String,
    },
    /// A content encoding this crawler does not decode.
    #[error("unsupported content encoding {0:?}")]
    Unsupported(String),
}

/// Undoes `Content-Encoding` (a comma-separated list applied in order), reading at most `limit`
/// decompressed bytes.
pub fn decompress(
    body: &[u8],
    content_encoding: Option<&str>,
    limit: u64,
) -> Result<Vec<u8>, DecodeError> {
    let mut data = body.to_vec();
    let Some(ce) = content_encoding else {
        return cap(data, limit);
    };
    let codings: Vec<String> = ce
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty() && s != "identity")
        .collect();
    for coding in codings.iter().rev() {
        data = match coding.as_str() {
            "gzip" | "x-gzip" => {
                read_capped(flate2::read::MultiGzDecoder::new(&data[..]), coding, limit)?
            }
            "deflate" => {
                // Servers send zlib-wrapped (correct) or raw deflate (common); try both.
                match read_capped(flate2::read::ZlibDecoder::new(&data[..]), coding, limit) {
                    Ok(d) => d,
                    Err(DecodeError::TooLarge { limit }) => {
                        return Err(DecodeError::TooLarge { limit });
                    }
                    Err(_) => {
                        read_capped(flate2::read::DeflateDecoder::new(&data[..]), coding, limit)?
                    }
                }
            }
            other => return Err(DecodeError::Unsupported(other.to_string())),
        };
    }
    Ok(data)
}

fn cap(data: Vec<u8>, limit: u64) -> Result<Vec<u8>, DecodeError> {
    if data.len() as u64 > limit {
        Err(DecodeError::TooLarge { limit })
    } else {
        Ok(data)
    }
}

fn read_capped(reader: impl Read, coding: &str, limit: u64) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| DecodeError::Corrupt {
            encoding: coding.to_string(),
            message: e.to_string(),
        })?;
    cap(out, limit)
}

/// The charset named by a `Content-Type` value, if any.
pub fn charset_from_content_type(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        if k.trim().eq_ignore_ascii_case("charset") {
            Encoding::for_label(v.trim().trim_matches(['"', '\'']).as_bytes())
        } else {
            None
        }
    })
}

/// The charset declared by `<meta charset>` or `<meta http-equiv content>` in the first 4 KiB.
pub fn charset_from_meta(html: &[u8]) -> Option<&'static Encoding> {
    let head = &html[..html.len().min(4096)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("<meta") {
        rest = &rest[i + 5..];
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        if let Some(j) = tag.find("charset") {
            let after = tag[j + 7..].trim_start();
            if let Some(value) = after.strip_prefix('=') {
                let value = value.trim_start().trim_start_matches(['"', '\'']);
                let end = value
                    .find(|c: char| {
                        c == '"' || c == '\'' || c == ';' || c == '/' || c.is_whitespace()
                    })
                    .unwrap_or(value.len());
                if let Some(enc) = Encoding::for_label(&value.as_bytes()[..end]) {
                    return Some(enc);
                }
            }
        }
    }
    None
}

/// Decodes a (decompressed) text body: BOM, then header charset, then `<meta>`, then UTF-8.
/// Malformed sequences become U+FFFD.
pub fn decode_text(body: &[u8], content_type: Option<&str>) -> String {
    let encoding = Encoding::for_bom(body)
        .map(|(e, _)| e)
        .or_else(|| content_type.and_then(charset_from_content_type))
        .or_else(|| charset_from_meta(body))
        .unwrap_or(encoding_rs::UTF_8);
    // A meta charset of UTF-16 in an ASCII-compatible document is a lie (HTML spec): use UTF-8.
    let encoding = if (encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE)
        && Encoding::for_bom(body).is_none()
    {
        encoding_rs::UTF_8
    } else {
        encoding
    };
    let (text, _, _) = encoding.decode(body);
    text.into_owned()
}

/// Undoes the content encoding and decodes the charset: the document as text.
pub fn decode_body(
    body: &[u8],
    content_type: Option<&str>,
    content_encoding: Option<&str>,
    decompress_limit: u64,
) -> Result<String, DecodeError> {
    let raw = decompress(body, content_encoding, decompress_limit)?;
    Ok(decode_text(&raw, content_type))
}

/// The readable text of a decoded document: markup stripped for HTML, as-is otherwise.
pub fn page_text(media_type: &str, document: &str) -> String {
    if is_html(media_type) {
        crate::text::html_to_text(document)
    } else {
        document.to_string()
    }
}

/// True for HTML media types.
pub fn is_html(media_type: &str) -> bool {
    media_type == "text/html" || media_type == "application/xhtml+xml"
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).expect("write");
        e.finish().expect("finish")
    }

    #[test]
    fn gzip_and_deflate_round_trip() {
        let gz = gzip(b"hello world");
        assert_eq!(
            decompress(&gz, Some("gzip"), 100).expect("ok"),
            b"hello world"
        );
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"zlib").expect("write");
        let z = z.finish().expect("finish");
        assert_eq!(decompress(&z, Some("deflate"), 100).expect("ok"), b"zlib");
        let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        d.write_all(b"raw").expect("write");
        let d = d.finish().expect("finish");
        assert_eq!(decompress(&d, Some("Deflate"), 100).expect("ok"), b"raw");
        assert_eq!(decompress(b"plain", None, 100).expect("ok"), b"plain");
        assert_eq!(
            decompress(b"plain", Some("identity"), 100).expect("ok"),
            b"plain"
        );
    }

    #[test]
    fn gzip_bomb_is_capped() {
        let bomb = gzip(&vec![0u8; 10 * 1024 * 1024]);
        assert!(bomb.len() < 100 * 1024);
        assert_eq!(
            decompress(&bomb, Some("gzip"), 1024 * 1024),
            Err(DecodeError::TooLarge { limit: 1024 * 1024 })
        );
    }

    #[test]
    fn corrupt_and_unsupported() {
        assert!(matches!(
            decompress(b"not gzip", Some("gzip"), 100),
            Err(DecodeError::Corrupt { .. })
        ));
        assert!(matches!(
            decompress(b"x", Some("br"), 100),
            Err(DecodeError::Unsupported(_))
        ));
    }

    #[test]
    fn windows_1251_from_header_and_meta() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode("Пиштол Застава М57, цена 200 евра");
        let from_header = decode_text(&bytes, Some("text/html; charset=windows-1251"));
        assert_eq!(from_header, "Пиштол Застава М57, цена 200 евра");
        let mut page = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\"></head><body>".to_vec();
        page.extend_from_slice(&bytes);
        assert!(decode_text(&page, Some("text/html")).contains("Застава"));
        let mut page2 = b"<meta charset='iso-8859-2'>".to_vec();
        page2.extend_from_slice(&encoding_rs::ISO_8859_2.encode("Škorpion čćž").0);
        assert!(decode_text(&page2, None).contains("Škorpion čćž"));
    }

    #[test]
    fn utf8_default_and_bom() {
        assert_eq!(decode_text("Armë".as_bytes(), None), "Armë");
        assert_eq!(
            decode_text(b"\xEF\xBB\xBFabc", Some("text/html; charset=latin1")),
            "abc"
        );
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300), ct in "[a-z/;= -]{0,30}") {
            let _ = decode_text(&bytes, Some(&ct));
            let _ = decompress(&bytes, Some("gzip"), 1000);
            let _ = decompress(&bytes, Some("deflate"), 1000);
        }
    }
}
