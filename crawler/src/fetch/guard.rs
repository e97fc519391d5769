//! The address guard: private, loopback and link-local addresses are refused unless allowed, and
//! `.onion` names are never resolved by the clearnet resolver.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// True for addresses a crawler must not reach by default.
pub fn is_private(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private_v4(&v4);
            }
            let seg0 = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg0 & 0xfe00) == 0xfc00 // unique local
                || (seg0 & 0xffc0) == 0xfe80 // link-local
        }
    }
}

fn is_private_v4(ip: &Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // shared address space 100.64/10
}

/// True for a `.onion` host name (any level).
pub fn is_onion(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    h == "onion" || h.ends_with(".onion")
}

/// A DNS resolver that resolves with the system resolver, then drops refused addresses.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    allow_private: bool,
}

impl GuardedResolver {
    /// A resolver; `allow_private` lets private and loopback answers through.
    pub fn new(allow_private: bool) -> Arc<Self> {
        Arc::new(Self { allow_private })
    }
}

/// The error a refused resolution reports.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    /// A `.onion` name reached the clearnet resolver.
    #[error("refusing to resolve .onion name {0} outside Tor")]
    Onion(String),
    /// Every answer was a private address.
    #[error("{host} resolves only to refused private/loopback addresses ({ip})")]
    Private {
        /// Host name.
        host: String,
        /// First refused address.
        ip: IpAddr,
    },
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        #[cfg(test)]
        lookups::record(&host);
        Box::pin(async move {
            if is_onion(&host) {
                return Err(Box::new(GuardError::Onion(host)) as _);
            }
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?
                .collect();
            let allowed: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| allow_private || !is_private(&a.ip()))
                .collect();
            if allowed.is_empty()
                && let Some(first) = addrs.first()
            {
                return Err(Box::new(GuardError::Private {
                    host,
                    ip: first.ip(),
                }) as _);
            }
            let it: Addrs = Box::new(allowed.into_iter());
            Ok(it)
        })
    }
}

/// Every name that reached the resolver in this test process, so tests can prove that a name
/// (an onion address) never did.
#[cfg(test)]
pub(crate) mod lookups {
    use std::sync::Mutex;

    static NAMES: Mutex<Vec<String>> = Mutex::new(Vec::new());

    /// Records a name asked.
    pub(crate) fn record(host: &str) {
        crate::crawl::lock(&NAMES).push(host.to_ascii_lowercase());
    }

    /// The names asked so far.
    pub(crate) fn names() -> Vec<String> {
        crate::crawl::lock(&NAMES).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ranges() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.1.1",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "224.0.0.1",
        ] {
            assert!(is_private(&ip.parse().expect("ip")), "{ip}");
        }
        for ip in ["8.8.8.8", "93.184.216.34", "2001:4860::8888", "172.32.0.1"] {
            assert!(!is_private(&ip.parse().expect("ip")), "{ip}");
        }
    }

    #[test]
    fn onion_names() {
        assert!(is_onion("abc.onion"));
        assert!(is_onion("x.ABC.ONION."));
        assert!(!is_onion("onion.example"));
    }
}
