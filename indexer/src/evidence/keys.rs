//! The workspace's Ed25519 evidence signing key: `keys/evidence-ed25519.key` (32 secret bytes,
//! hex), created on first use with owner-only permissions.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use ed25519_dalek::{SigningKey, VerifyingKey};

use super::{EvidenceError, io_err};

/// File name of the secret key inside the workspace's `keys/` directory.
pub const KEY_FILE: &str = "evidence-ed25519.key";

/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), before the 32 key bytes.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// A loaded signing key and where it lives.
#[derive(Debug)]
pub struct SigningKeyFile {
    /// The key.
    pub key: SigningKey,
    /// Its file.
    pub path: PathBuf,
    /// True when this call created it.
    pub created: bool,
}

/// Loads `keys_dir/evidence-ed25519.key`, creating the directory (0700) and the key (0600)
/// when missing.
pub fn load_or_create_key(keys_dir: &Path) -> Result<SigningKeyFile, EvidenceError> {
    let path = keys_dir.join(KEY_FILE);
    if path.is_file() {
        let raw = std::fs::read(&path).map_err(io_err("cannot read key", &path))?;
        // A damaged key is never replaced by a new one: packages already shared carry this
        // key's fingerprint, and a new key would not match it.
        let damaged = |what: String| EvidenceError::Key {
            path: path.clone(),
            message: format!(
                "damaged ({what}); it should hold the 64 hex digits of an Ed25519 key. Restore it \
                 from your backup: a new key would not match the fingerprint of the packages \
                 already signed with it"
            ),
        };
        let text = std::str::from_utf8(&raw).map_err(|_| damaged("not text".into()))?;
        let bytes = hex::decode(text.trim()).map_err(|e| damaged(format!("not hex: {e}")))?;
        let secret: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| damaged(format!("{} bytes, not 32", b.len())))?;
        return Ok(SigningKeyFile {
            key: SigningKey::from_bytes(&secret),
            path,
            created: false,
        });
    }
    create_dir_private(keys_dir)?;
    let secret: [u8; 32] = rand::random();
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(&path)
        .map_err(io_err("cannot create key", &path))?;
    f.write_all(format!("{}\n", hex::encode(secret)).as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(io_err("cannot write key", &path))?;
    tracing::info!(path = %path.display(), "created the evidence signing key");
    Ok(SigningKeyFile {
        key: SigningKey::from_bytes(&secret),
        path,
        created: true,
    })
}

fn create_dir_private(dir: &Path) -> Result<(), EvidenceError> {
    std::fs::create_dir_all(dir).map_err(io_err("cannot create key directory", dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(io_err("cannot restrict key directory", dir))?;
    }
    Ok(())
}

/// Fingerprint of a public key: `SHA256:` and the hex SHA-256 of its 32 raw bytes.
pub fn fingerprint(key: &VerifyingKey) -> String {
    use sha2::{Digest, Sha256};
    format!("SHA256:{}", hex::encode(Sha256::digest(key.as_bytes())))
}

/// The public key as PEM (SubjectPublicKeyInfo), as `openssl pkeyutl -verify -pubin` reads it.
pub fn public_pem(key: &VerifyingKey) -> String {
    let mut der = SPKI_PREFIX.to_vec();
    der.extend_from_slice(key.as_bytes());
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        data_encoding::BASE64.encode(&der)
    )
}

/// Reads a public key given as PEM, base64 or hex of the 32 raw bytes (or of the SPKI DER).
pub fn parse_public(text: &str) -> Option<VerifyingKey> {
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    let body = body.trim();
    let bytes = hex::decode(body)
        .ok()
        .or_else(|| data_encoding::BASE64.decode(body.as_bytes()).ok())?;
    let raw: &[u8] = match bytes.len() {
        32 => &bytes,
        44 if bytes.starts_with(&SPKI_PREFIX) => &bytes[12..],
        _ => return None,
    };
    let arr: [u8; 32] = raw.try_into().ok()?;
    VerifyingKey::from_bytes(&arr).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn key_is_created_private_then_reloaded_and_pem_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let a = load_or_create_key(&keys).unwrap();
        assert!(a.created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&a.path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let b = load_or_create_key(&keys).unwrap();
        assert!(!b.created);
        assert_eq!(a.key.to_bytes(), b.key.to_bytes());
        let public = a.key.verifying_key();
        assert_eq!(parse_public(&public_pem(&public)), Some(public));
        assert_eq!(parse_public(&hex::encode(public.as_bytes())), Some(public));
        assert!(fingerprint(&public).starts_with("SHA256:"));
        assert_eq!(parse_public("nonsense"), None);
    }

    #[test]
    fn a_damaged_key_is_refused_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let path = load_or_create_key(&keys).unwrap().path;
        for damage in [&[0xff, 0xfe, 0x00][..], b"zz\n", b"abcd\n"] {
            std::fs::write(&path, damage).unwrap();
            let err = load_or_create_key(&keys).unwrap_err().to_string();
            assert!(
                err.contains("damaged") && err.contains("Restore it from your backup"),
                "{err}"
            );
            assert_eq!(
                std::fs::read(&path).unwrap(),
                damage,
                "the key file was rewritten"
            );
        }
    }
}
