//! Onion v3 addresses: checked (length, base32, version byte, SHA3-256 checksum) before any
//! connection is attempted, so a mistyped or tampered address never leaves the machine.

use sha3::{Digest, Sha3_256};

/// Length of the base32 part of a v3 address (35 bytes: key, checksum, version).
pub const V3_LABEL_LEN: usize = 56;
/// The version byte of v3 addresses.
const VERSION: u8 = 3;
/// The checksum prefix of rend-spec-v3 §6.
const CHECKSUM_PREFIX: &[u8] = b".onion checksum";

/// Why an onion address is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OnionAddressError {
    /// The host does not end in `.onion`.
    #[error("{0:?} is not an .onion host")]
    NotOnion(String),
    /// The service label is not 56 characters (v2 addresses had 16 and are gone).
    #[error("{host:?}: the service label has {len} characters, a v3 address has 56")]
    Length {
        /// The host.
        host: String,
        /// Characters found.
        len: usize,
    },
    /// The label is not base32 (`a`–`z`, `2`–`7`).
    #[error("{0:?}: the service label is not base32 (letters a-z and digits 2-7 only)")]
    Base32(String),
    /// The version byte is not 3.
    #[error("{host:?}: version byte {version}, a v3 address has 3")]
    Version {
        /// The host.
        host: String,
        /// Version found.
        version: u8,
    },
    /// The checksum does not match the key (a typo or a tampered address).
    #[error("{0:?}: the checksum does not match (mistyped or altered address)")]
    Checksum(String),
}

/// A validated v3 onion service address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OnionV3 {
    /// The 56-character base32 label, lower-case.
    label: String,
    /// The service's ed25519 public key.
    key: [u8; 32],
}

impl OnionV3 {
    /// Validates a host name (`<56 chars>.onion`, optionally with sub-domains in front, any case,
    /// an optional trailing dot).
    pub fn parse(host: &str) -> Result<Self, OnionAddressError> {
        let lower = host.trim_end_matches('.').to_ascii_lowercase();
        let Some(rest) = lower.strip_suffix(".onion") else {
            return Err(OnionAddressError::NotOnion(host.to_string()));
        };
        let label = rest.rsplit('.').next().unwrap_or(rest);
        if label.len() != V3_LABEL_LEN {
            return Err(OnionAddressError::Length {
                host: host.to_string(),
                len: label.chars().count(),
            });
        }
        let bytes = data_encoding::BASE32_NOPAD
            .decode(label.to_ascii_uppercase().as_bytes())
            .map_err(|_| OnionAddressError::Base32(host.to_string()))?;
        let (key, tail) = bytes.split_at(32);
        let version = tail[2];
        if version != VERSION {
            return Err(OnionAddressError::Version {
                host: host.to_string(),
                version,
            });
        }
        let mut key_arr = [0u8; 32];
        key_arr.copy_from_slice(key);
        if checksum(&key_arr) != [tail[0], tail[1]] {
            return Err(OnionAddressError::Checksum(host.to_string()));
        }
        Ok(Self {
            label: label.to_string(),
            key: key_arr,
        })
    }

    /// Encodes a public key as a v3 address (used by tests and the private-network harness).
    pub fn from_key(key: [u8; 32]) -> Self {
        let sum = checksum(&key);
        let mut bytes = Vec::with_capacity(35);
        bytes.extend_from_slice(&key);
        bytes.extend_from_slice(&sum);
        bytes.push(VERSION);
        let label = data_encoding::BASE32_NOPAD
            .encode(&bytes)
            .to_ascii_lowercase();
        Self { label, key }
    }

    /// The host name, `<label>.onion`.
    pub fn host(&self) -> String {
        format!("{}.onion", self.label)
    }

    /// The service's ed25519 public key.
    pub fn key(&self) -> &[u8; 32] {
        &self.key
    }
}

fn checksum(key: &[u8; 32]) -> [u8; 2] {
    let mut h = Sha3_256::new();
    h.update(CHECKSUM_PREFIX);
    h.update(key);
    h.update([VERSION]);
    let d = h.finalize();
    [d[0], d[1]]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A published, long-lived v3 address (a search engine's onion service).
    const KNOWN: &str = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion";

    #[test]
    fn accepts_a_real_v3_address_in_any_case_and_with_subdomains() {
        let a = OnionV3::parse(KNOWN).expect("valid");
        assert_eq!(a.host(), KNOWN);
        assert_eq!(
            OnionV3::parse(&KNOWN.to_ascii_uppercase()).expect("upper"),
            a
        );
        assert_eq!(OnionV3::parse(&format!("www.{KNOWN}.")).expect("sub"), a);
    }

    #[test]
    fn round_trips_a_key() {
        let a = OnionV3::from_key([7u8; 32]);
        assert_eq!(a.host().len(), V3_LABEL_LEN + ".onion".len());
        let b = OnionV3::parse(&a.host()).expect("own encoding parses");
        assert_eq!(b.key(), &[7u8; 32]);
    }

    #[test]
    fn refuses_a_one_letter_typo_by_checksum() {
        // Flip one character of the key part: still base32, still 56 characters.
        let mut t = KNOWN.to_string();
        t.replace_range(3..4, if &KNOWN[3..4] == "k" { "a" } else { "k" });
        assert_eq!(
            OnionV3::parse(&t),
            Err(OnionAddressError::Checksum(t.clone()))
        );
    }

    #[test]
    fn refuses_wrong_version_length_alphabet_and_clearnet() {
        let mut bytes = vec![9u8; 32];
        bytes.extend_from_slice(&[0, 0, 2]);
        let v2ish = format!(
            "{}.onion",
            data_encoding::BASE32_NOPAD
                .encode(&bytes)
                .to_ascii_lowercase()
        );
        assert!(matches!(
            OnionV3::parse(&v2ish),
            Err(OnionAddressError::Version { version: 2, .. })
        ));
        assert!(matches!(
            OnionV3::parse("expyuzz4wqqyqhjn.onion"),
            Err(OnionAddressError::Length { len: 16, .. })
        ));
        let bad_alpha = format!("{}1.onion", &KNOWN[..55]);
        assert!(matches!(
            OnionV3::parse(&bad_alpha),
            Err(OnionAddressError::Base32(_))
        ));
        assert!(matches!(
            OnionV3::parse("example.org"),
            Err(OnionAddressError::NotOnion(_))
        ));
    }
}
