//! URL canonicalization: one spelling per resource, so the seen-set and the archive agree on
//! what "the same URL" means.
//!
//! The rules: scheme and host lower-cased (the `url` crate already does both and drops default
//! ports), fragment removed, an empty query removed, query parameters sorted (stably, by name then
//! value), and tracking parameters (`utm_*`, `fbclid`, `gclid`, and a few of their kin) dropped.
//! Paths are left as written: servers may treat case and trailing slashes as significant.

use url::Url;

/// Query parameters that only track clicks and never select content.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid", "_ga",
    "igshid",
];

/// True when a query parameter name is a tracking parameter (compared case-insensitively).
pub fn is_tracking_param(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("utm_") || TRACKING_PARAMS.contains(&lower.as_str())
}

/// The canonical form of `url` (see the module documentation).
pub fn canonicalize(url: &Url) -> Url {
    let mut out = url.clone();
    out.set_fragment(None);
    if let Some(query) = url.query() {
        let mut pairs: Vec<(&str, &str)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| p.split_once('=').unwrap_or((p, "")))
            .filter(|(k, _)| !is_tracking_param(&percent_decode_lossy(k)))
            .collect();
        // Pairs keep their raw (percent-encoded) spelling; the url crate normalized it.
        pairs.sort();
        if pairs.is_empty() {
            out.set_query(None);
        } else {
            let joined = pairs
                .iter()
                .map(|(k, v)| {
                    if v.is_empty() && !query_has_equals(query, k) {
                        (*k).to_string()
                    } else {
                        format!("{k}={v}")
                    }
                })
                .collect::<Vec<_>>()
                .join("&");
            out.set_query(Some(&joined));
        }
    }
    // Default ports: the url crate drops them when parsing, but a port set later may remain.
    if out.port().is_some() && out.port() == default_port(out.scheme()) {
        let _ = out.set_port(None);
    }
    out
}

/// Parses and canonicalizes a URL string.
pub fn canonicalize_str(url: &str) -> Result<Url, url::ParseError> {
    Url::parse(url).map(|u| canonicalize(&u))
}

fn query_has_equals(query: &str, key: &str) -> bool {
    query.split('&').any(|p| {
        p.strip_prefix(key)
            .is_some_and(|rest| rest.starts_with('='))
    })
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

fn percent_decode_lossy(s: &str) -> String {
    url::form_urlencoded::parse(format!("{s}=").as_bytes())
        .next()
        .map(|(k, _)| k.into_owned())
        .unwrap_or_else(|| s.to_string())
}

/// `host` or `host:port` of a URL, the unit of scope, robots.txt and politeness.
pub fn host_key(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(s: &str) -> String {
        canonicalize_str(s).expect("valid").to_string()
    }

    #[test]
    fn lower_cases_scheme_and_host_and_drops_default_port() {
        assert_eq!(c("HTTP://Example.COM:80/A/b"), "http://example.com/A/b");
        assert_eq!(c("https://Example.com:443/"), "https://example.com/");
        assert_eq!(c("http://example.com:8080/"), "http://example.com:8080/");
    }

    #[test]
    fn removes_fragment_and_tracking_and_sorts_query() {
        assert_eq!(
            c("http://a.test/x?b=2&utm_source=x&a=1&fbclid=zz&GCLID=q#frag"),
            "http://a.test/x?a=1&b=2"
        );
        assert_eq!(c("http://a.test/x?utm_medium=m"), "http://a.test/x");
        assert_eq!(c("http://a.test/x?#"), "http://a.test/x");
        assert_eq!(c("http://a.test/x?flag&a=1"), "http://a.test/x?a=1&flag");
        assert_eq!(c("http://a.test/x?a="), "http://a.test/x?a=");
    }

    #[test]
    fn keeps_path_case_and_trailing_slash() {
        assert_eq!(
            c("http://a.test/Shpallje/12/"),
            "http://a.test/Shpallje/12/"
        );
    }

    #[test]
    fn host_key_has_port_when_not_default() {
        let u = Url::parse("http://127.0.0.1:8123/x").expect("url");
        assert_eq!(host_key(&u), "127.0.0.1:8123");
        let u = Url::parse("https://A.test/x").expect("url");
        assert_eq!(host_key(&u), "a.test");
    }

    proptest! {
        #[test]
        fn idempotent(path in "[a-zA-Z0-9/._-]{0,20}", q in proptest::collection::vec(("[a-z_]{1,8}", "[a-zA-Z0-9%]{0,6}"), 0..5), frag in "[a-z]{0,5}") {
            let query: Vec<String> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let s = format!("http://Host.Test:80/{path}?{}#{frag}", query.join("&"));
            if let Ok(u) = Url::parse(&s) {
                let once = canonicalize(&u);
                let twice = canonicalize(&once);
                prop_assert_eq!(&once, &twice);
                prop_assert!(once.fragment().is_none());
                prop_assert!(once.port().is_none());
                let pairs: Vec<(String, String)> = once.query_pairs().into_owned().collect();
                prop_assert!(pairs.iter().all(|(k, _)| !is_tracking_param(k)));
                let mut sorted = once.query().unwrap_or("").split('&').map(str::to_string).collect::<Vec<_>>();
                let orig = sorted.clone();
                sorted.sort();
                prop_assert_eq!(orig, sorted);
            }
        }

        #[test]
        fn tracking_params_never_change_identity(extra in "[a-z]{1,6}", val in "[a-z0-9]{0,6}") {
            let base = c("http://a.test/p?id=3");
            let tracked = c(&format!("http://a.test/p?utm_{extra}={val}&id=3&fbclid={val}"));
            prop_assert_eq!(base, tracked);
        }
    }
}
