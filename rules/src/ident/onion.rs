//! Tor v3 onion addresses: base32 of public key (32) || checksum (2) || version (1), with
//! checksum = SHA3-256(".onion checksum" || pubkey || version)[..2] and version 3.

use sha3::{Digest, Sha3_256};

/// RFC 4648 base32 (no padding, case-insensitive) decode.
pub(crate) fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let mut acc: u64 = 0;
    let mut bits = 0;
    for b in s.bytes() {
        let v = match b.to_ascii_lowercase() {
            c @ b'a'..=b'z' => c - b'a',
            c @ b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        acc = (acc << 5) | u64::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// A v3 onion address (`<56 base32>.onion`, any case, optional sub-domain ignored by the
/// caller): lower-cased with `.onion`, or `None` when length, version or checksum is wrong.
pub(crate) fn onion_v3(s: &str) -> Option<String> {
    let lower = s.to_ascii_lowercase();
    let host = lower.strip_suffix(".onion").unwrap_or(&lower);
    if host.len() != 56 {
        return None;
    }
    let raw = base32_decode(host)?;
    if raw.len() != 35 || raw[34] != 3 {
        return None;
    }
    let mut h = Sha3_256::new();
    h.update(b".onion checksum");
    h.update(&raw[..32]);
    h.update([3u8]);
    let sum = h.finalize();
    (sum[..2] == raw[32..34]).then(|| format!("{host}.onion"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_v3_addresses() {
        // The Tor Project's published v3 address.
        let tp = "2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion";
        assert_eq!(onion_v3(tp).as_deref(), Some(tp));
        assert_eq!(
            onion_v3("QMKMD5MUH2PTHJWHIB7JSWSX4JG5AG7T42HW5V3A5DWWEY4FB7VH2IID.onion").as_deref(),
            Some("qmkmd5muh2pthjwhib7jswsx4jg5ag7t42hw5v3a5dwwey4fb7vh2iid.onion")
        );
    }

    #[test]
    fn broken_addresses_rejected() {
        // One letter changed: checksum fails.
        assert!(
            onion_v3("2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wie.onion").is_none()
        );
        // v2 length.
        assert!(onion_v3("expyuzz4wqqyqhjn.onion").is_none());
        // Not base32.
        assert!(
            onion_v3("1gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion").is_none()
        );
    }
}
