//! Deterministic identifiers for shared intelligence: RFC 4122 version-5 UUIDs, and the
//! timestamp forms STIX and MISP want.

use chrono::{DateTime, SecondsFormat, Utc};
use sha1::{Digest, Sha1};

/// The STIX 2.1 namespace for SCO ids (spec section 2.9).
pub const STIX_SCO_NAMESPACE: [u8; 16] = [
    0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7,
];

/// salwatch's own namespace for SDO, event and object ids (so a re-export keeps its ids).
pub const SALWATCH_NAMESPACE: [u8; 16] = [
    0x5a, 0x1d, 0x0a, 0x7c, 0x4e, 0x11, 0x4b, 0x8e, 0x9f, 0x3d, 0x2c, 0x61, 0x0e, 0x57, 0x88, 0x02,
];

/// Version-5 UUID of `name` in `namespace`, hyphenated lower case.
pub fn uuid5(namespace: &[u8; 16], name: &str) -> String {
    let mut h = Sha1::new();
    h.update(namespace);
    h.update(name.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(b).hyphenated().to_string()
}

/// STIX timestamp with milliseconds (`2026-01-02T03:04:05.000Z`).
pub fn stix_ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid5_matches_python_uuid5() {
        // Python: uuid.uuid5(uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7"), '{"value":"http://a.example/"}')
        let id = uuid5(&STIX_SCO_NAMESPACE, "{\"value\":\"http://a.example/\"}");
        assert_eq!(id, "eb20583f-73a1-5b19-a8da-89323ff5cc32");
    }
}
