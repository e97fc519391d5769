//! OpenPGP: fingerprints written in text, and the primary-key fingerprint computed from an
//! ASCII-armored public key block (RFC 4880: v4 fingerprint = SHA-1(0x99 || len16 || body)).

use std::sync::LazyLock;

use data_encoding::Encoding;
use sha1::{Digest, Sha1};

/// A 40-hex fingerprint written in text (spaces allowed between groups): 40 upper-case hex.
pub(crate) fn fingerprint_text(s: &str) -> Option<String> {
    let hex: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_uppercase())
}

/// Standard base64 as armor carries it (RFC 4880 §6.3), whitespace between characters ignored.
static ARMOR_BASE64: LazyLock<Option<Encoding>> = LazyLock::new(|| {
    let mut spec = data_encoding::BASE64.specification();
    spec.ignore.push_str(" \t\r\n");
    spec.encoding().ok()
});

/// The bytes of armored base64; `None` when it is not base64 (or not padded to whole groups).
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    ARMOR_BASE64.as_ref()?.decode(s.as_bytes()).ok()
}

/// CRC-24 of RFC 4880 §6.1.
fn crc24(data: &[u8]) -> u32 {
    let mut crc: u32 = 0x00B7_04CE;
    for &b in data {
        crc ^= u32::from(b) << 16;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x0100_0000 != 0 {
                crc ^= 0x0186_4CFB;
            }
        }
    }
    crc & 0x00FF_FFFF
}

/// Reads one packet header at `data[pos..]`: (tag, body start, body length).
fn packet_header(data: &[u8], pos: usize) -> Option<(u8, usize, usize)> {
    let h = *data.get(pos)?;
    if h & 0x80 == 0 {
        return None;
    }
    if h & 0x40 != 0 {
        // New format.
        let tag = h & 0x3f;
        let o1 = usize::from(*data.get(pos + 1)?);
        match o1 {
            0..=191 => Some((tag, pos + 2, o1)),
            192..=223 => {
                let o2 = usize::from(*data.get(pos + 2)?);
                Some((tag, pos + 3, ((o1 - 192) << 8) + o2 + 192))
            }
            255 => {
                let b = data.get(pos + 2..pos + 6)?;
                let len = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
                Some((tag, pos + 6, len))
            }
            _ => None, // partial lengths are not allowed for key packets
        }
    } else {
        let tag = (h >> 2) & 0x0f;
        match h & 0x03 {
            0 => Some((tag, pos + 2, usize::from(*data.get(pos + 1)?))),
            1 => {
                let b = data.get(pos + 1..pos + 3)?;
                Some((tag, pos + 3, usize::from(u16::from_be_bytes([b[0], b[1]]))))
            }
            2 => {
                let b = data.get(pos + 1..pos + 5)?;
                Some((
                    tag,
                    pos + 5,
                    u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize,
                ))
            }
            _ => None,
        }
    }
}

/// Fingerprint (40 upper-case hex) of the primary key of an armored public key block
/// (`-----BEGIN PGP PUBLIC KEY BLOCK-----` … `-----END …`). `None` when the armor, its CRC-24,
/// or the first packet (a v4 public key) does not check out.
pub(crate) fn fingerprint_from_armor(block: &str) -> Option<String> {
    let mut lines = block.lines().map(str::trim);
    lines.find(|l| l.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK"))?;
    // Armor headers run until the first blank line (if any header is present).
    let mut body = String::new();
    let mut crc: Option<&str> = None;
    let mut in_headers = true;
    for l in lines {
        if l.starts_with("-----END PGP PUBLIC KEY BLOCK") {
            break;
        }
        if in_headers {
            if l.is_empty() {
                in_headers = false;
                continue;
            }
            if l.contains(": ") {
                continue;
            }
            in_headers = false;
        }
        if let Some(c) = l.strip_prefix('=')
            && c.len() == 4
        {
            crc = Some(c);
            continue;
        }
        body.push_str(l);
    }
    let data = base64_decode(&body)?;
    if let Some(c) = crc {
        let want = base64_decode(c)?;
        if want.len() != 3 {
            return None;
        }
        let want = (u32::from(want[0]) << 16) | (u32::from(want[1]) << 8) | u32::from(want[2]);
        if want != crc24(&data) {
            return None;
        }
    }
    let (tag, start, len) = packet_header(&data, 0)?;
    let body = data.get(start..start.checked_add(len)?)?;
    if tag != 6 || body.first() != Some(&4) {
        return None;
    }
    let len16 = u16::try_from(len).ok()?;
    let mut hashed = Vec::with_capacity(len + 3);
    hashed.push(0x99);
    hashed.extend_from_slice(&len16.to_be_bytes());
    hashed.extend_from_slice(body);
    Some(hex::encode_upper(Sha1::digest(&hashed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An invented ed25519 key made with GnuPG for this test ("Example Vendor").
    pub(crate) const TEST_KEY: &str = "-----BEGIN PGP PUBLIC KEY BLOCK-----

mDMEaw0F3hYJKwYBBAHaRw8BAQdAO0yhuDp5WM4JbL9NjU3yfvjRilvHYfO/NpOU
P6zGGlm0J0V4YW1wbGUgVmVuZG9yIDx2ZW5kb3JAZXhhbXBsZS5pbnZhbGlkPoiQ
BBMWCAA4FiEEPAlqMmocro+32f/9YSgycPijpt0FAmsNBd4CGwMFCwkIBwIGFQoJ
CAsCBBYCAwECHgECF4AACgkQYSgycPijpt1s/QD/U0CiSUQGEasOmrqHDdIFLasv
X5IUbcyjJiuwyvmTXy0BAOePmpv+OJwFFN8i1S8znyfqHsRaS4hKQz5RMddZ2WYJ
=Of/L
-----END PGP PUBLIC KEY BLOCK-----";

    #[test]
    fn fingerprint_of_gnupg_key() {
        assert_eq!(
            fingerprint_from_armor(TEST_KEY).as_deref(),
            Some("3C096A326A1CAE8FB7D9FFFD61283270F8A3A6DD")
        );
    }

    #[test]
    fn corrupted_armor_rejected() {
        let broken = TEST_KEY.replace("mDMEaw0F3h", "mDMEaw0F3i");
        assert!(fingerprint_from_armor(&broken).is_none());
        assert!(fingerprint_from_armor("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!\n").is_none());
    }

    #[test]
    fn fingerprint_in_text() {
        assert_eq!(
            fingerprint_text("3c09 6a32 6a1c ae8f b7d9  ffFD 6128 3270 f8a3 a6dd").as_deref(),
            Some("3C096A326A1CAE8FB7D9FFFD61283270F8A3A6DD")
        );
        assert!(fingerprint_text("3C096A326A1CAE8FB7D9FFFD61283270F8A3A6D").is_none());
    }
}
