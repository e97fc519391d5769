//! The `[tor]` table of `salwatch.toml`: whether the in-process Tor client is on, its timeouts
//! and retry budget, and (for agencies and tests) the private network it joins instead of the
//! public one. Every key is documented in `samples/salwatch.toml`.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// `[tor]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TorConfig {
    /// Start the in-process Tor client (arti) for `.onion` sites and sites with `route = "tor"`.
    /// Off: `.onion` URLs are refused without any lookup, and `route = "tor"` is a config error.
    pub enabled: bool,
    /// Time allowed for the first bootstrap (consensus and enough relays), seconds.
    pub bootstrap_timeout_secs: u64,
    /// Time allowed for one connection attempt (descriptor, introduction, rendezvous, stream),
    /// seconds.
    pub attempt_timeout_secs: u64,
    /// Time allowed for all connection attempts of one request, retries included, seconds.
    pub connect_budget_secs: u64,
    /// First back-off between connection attempts, milliseconds (doubles, capped at 30 s).
    pub retry_backoff_ms: u64,
    /// Time to the response headers once connected, seconds (at least `crawl.first_byte_timeout_secs`).
    pub first_byte_timeout_secs: u64,
    /// Whole-request timeout through Tor, seconds (at least `crawl.total_timeout_secs`).
    pub total_timeout_secs: u64,
    /// Concurrent requests per Tor site unless the site sets `concurrency`.
    pub per_site_concurrency: usize,
    /// Check the permissions of the Tor state directory (owner-only). Only turn off for tests in
    /// a shared temporary directory.
    pub check_permissions: bool,
    /// A private Tor network to join instead of the public one.
    pub network: Option<PrivateNetwork>,
}

impl Default for TorConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            bootstrap_timeout_secs: 180,
            attempt_timeout_secs: 60,
            connect_budget_secs: 240,
            retry_backoff_ms: 2_000,
            first_byte_timeout_secs: 90,
            total_timeout_secs: 300,
            per_site_concurrency: 1,
            check_permissions: true,
            network: None,
        }
    }
}

/// `[tor.network]`: directory authorities and fallback caches of a private network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivateNetwork {
    /// v3 identities (40 hex digits, the `fingerprint` line of each authority's certificate).
    pub authorities: Vec<String>,
    /// Directory caches to bootstrap from (list every authority).
    pub fallbacks: Vec<Fallback>,
    /// Relays whose IPv4 addresses share this many leading bits count as one family. 16 on the
    /// public network; 33 disables the rule (a network on one host, such as 127.0.0.1).
    #[serde(default = "default_v4_prefix")]
    pub ipv4_subnet_family_prefix: u8,
    /// Same for IPv6 (32 on the public network; 129 disables it).
    #[serde(default = "default_v6_prefix")]
    pub ipv6_subnet_family_prefix: u8,
    /// Consensus parameters to override, e.g. `hsdir_interval` (minutes) of a testing network.
    #[serde(default)]
    pub net_params: BTreeMap<String, i32>,
}

fn default_v4_prefix() -> u8 {
    16
}
fn default_v6_prefix() -> u8 {
    32
}

/// One fallback directory cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fallback {
    /// RSA identity fingerprint, 40 hex digits.
    pub rsa_identity: String,
    /// Ed25519 identity, base64 as in tor's `fingerprint-ed25519` file.
    pub ed_identity: String,
    /// OR ports (`address:port`).
    pub orports: Vec<SocketAddr>,
}

/// Decodes a 40-hex-digit RSA identity.
pub(crate) fn rsa_identity(hex_id: &str) -> Result<[u8; 20], String> {
    let clean: String = hex_id.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = hex::decode(&clean).map_err(|e| format!("{hex_id:?} is not hex: {e}"))?;
    bytes
        .try_into()
        .map_err(|_| format!("{hex_id:?} is not 40 hex digits"))
}

/// Decodes a base64 ed25519 identity (padding optional).
pub(crate) fn ed_identity(b64: &str) -> Result<[u8; 32], String> {
    let trimmed = b64.trim().trim_end_matches('=');
    let bytes = data_encoding::BASE64_NOPAD
        .decode(trimmed.as_bytes())
        .map_err(|e| format!("{b64:?} is not base64: {e}"))?;
    bytes
        .try_into()
        .map_err(|_| format!("{b64:?} is not a 32-byte ed25519 identity"))
}

impl TorConfig {
    /// Checks the table; the message names the key at fault.
    pub fn check(&self) -> Result<(), String> {
        for (key, v) in [
            ("tor.bootstrap_timeout_secs", self.bootstrap_timeout_secs),
            ("tor.attempt_timeout_secs", self.attempt_timeout_secs),
            ("tor.connect_budget_secs", self.connect_budget_secs),
            ("tor.first_byte_timeout_secs", self.first_byte_timeout_secs),
            ("tor.total_timeout_secs", self.total_timeout_secs),
        ] {
            if v == 0 {
                return Err(format!("{key} must be at least 1"));
            }
        }
        let Some(net) = &self.network else {
            return Ok(());
        };
        if net.authorities.is_empty() {
            return Err("tor.network.authorities is empty (a private network needs at least one directory authority)".into());
        }
        if net.fallbacks.is_empty() {
            return Err(
                "tor.network.fallbacks is empty (list every authority as a fallback cache)".into(),
            );
        }
        for a in &net.authorities {
            rsa_identity(a).map_err(|e| format!("tor.network.authorities: {e}"))?;
        }
        for f in &net.fallbacks {
            rsa_identity(&f.rsa_identity)
                .map_err(|e| format!("tor.network.fallbacks.rsa_identity: {e}"))?;
            ed_identity(&f.ed_identity)
                .map_err(|e| format!("tor.network.fallbacks.ed_identity: {e}"))?;
            if f.orports.is_empty() {
                return Err(format!(
                    "tor.network.fallbacks: {} has no orports",
                    f.rsa_identity
                ));
            }
        }
        if net.ipv4_subnet_family_prefix > 33 || net.ipv6_subnet_family_prefix > 129 {
            return Err(
                "tor.network: subnet family prefixes go up to 33 (IPv4) and 129 (IPv6)".into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_private_network_table() {
        let t: TorConfig = toml::from_str(
            r#"
            enabled = true
            [network]
            authorities = ["0123456789ABCDEF0123456789ABCDEF01234567"]
            ipv4_subnet_family_prefix = 33
            net_params = { hsdir_interval = 8 }
            [[network.fallbacks]]
            rsa_identity = "89ABCDEF0123456789ABCDEF0123456789ABCDEF"
            ed_identity = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
            orports = ["127.0.0.1:5100"]
            "#,
        )
        .expect("valid table");
        t.check().expect("consistent");
        let net = t.network.expect("network");
        assert_eq!(net.ipv6_subnet_family_prefix, 32);
        assert_eq!(net.net_params.get("hsdir_interval"), Some(&8));
        assert_eq!(
            ed_identity(&net.fallbacks[0].ed_identity).expect("b64")[31],
            31
        );
        assert_eq!(t.per_site_concurrency, 1);
    }

    #[test]
    fn every_key_is_documented_in_the_sample_config() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/salwatch.toml");
        let text = std::fs::read_to_string(&path).expect("samples/salwatch.toml");
        let config = crate::config::Config::load(&path).expect("the sample config loads");
        assert_eq!(config.tor, TorConfig::default());
        let section = text
            .split("\n[tor]\n")
            .nth(1)
            .and_then(|t| t.split("[[sites]]").next())
            .expect("a [tor] section before the sites");
        for key in [
            "enabled",
            "bootstrap_timeout_secs",
            "attempt_timeout_secs",
            "connect_budget_secs",
            "retry_backoff_ms",
            "first_byte_timeout_secs",
            "total_timeout_secs",
            "per_site_concurrency",
            "check_permissions",
            "[tor.network]",
            "authorities",
            "ipv4_subnet_family_prefix",
            "ipv6_subnet_family_prefix",
            "net_params",
            "[[tor.network.fallbacks]]",
            "rsa_identity",
            "ed_identity",
            "orports",
        ] {
            let found = section.lines().any(|l| {
                let l = l.trim_start_matches(['#', ' ']);
                l.starts_with(&format!("{key} =")) || l == key
            });
            assert!(found, "samples/salwatch.toml documents tor key {key}");
        }
    }

    #[test]
    fn names_the_bad_key() {
        let mut t = TorConfig {
            network: Some(PrivateNetwork {
                authorities: vec!["xyz".into()],
                fallbacks: vec![],
                ipv4_subnet_family_prefix: 16,
                ipv6_subnet_family_prefix: 32,
                net_params: BTreeMap::new(),
            }),
            ..TorConfig::default()
        };
        assert!(t.check().expect_err("no fallbacks").contains("fallbacks"));
        if let Some(n) = t.network.as_mut() {
            n.fallbacks.push(Fallback {
                rsa_identity: "89ABCDEF0123456789ABCDEF0123456789ABCDEF".into(),
                ed_identity: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8".into(),
                orports: vec!["127.0.0.1:1".parse().expect("addr")],
            });
        }
        assert!(t.check().expect_err("bad ident").contains("authorities"));
        t.network = None;
        t.attempt_timeout_secs = 0;
        assert!(
            t.check()
                .expect_err("zero")
                .contains("attempt_timeout_secs")
        );
    }
}
