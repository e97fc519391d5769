//! robots.txt: parsed with `texting_robots`, one policy per host (`host:port`), fetched once per
//! host per crawl (and archived like any other capture).
//!
//! Outcomes follow RFC 9309: 2xx is parsed; 4xx means no restrictions; 5xx or a network error
//! means "assume complete disallow" for this crawl.

use std::time::Duration;

use texting_robots::Robot;

/// The robots policy of one host.
#[derive(Debug)]
pub enum RobotsPolicy {
    /// No robots.txt (4xx) or robots not obeyed: everything allowed.
    AllowAll,
    /// robots.txt unreachable (5xx, network error): nothing allowed.
    DisallowAll,
    /// A parsed robots.txt.
    Rules(Box<Robot>),
}

impl RobotsPolicy {
    /// Builds the policy from the robots.txt fetch outcome (`None` = network error).
    pub fn from_response(agent: &str, status: Option<u16>, body: &[u8]) -> Self {
        match status {
            Some(200..=299) => match Robot::new(agent, body) {
                Ok(robot) => RobotsPolicy::Rules(Box::new(robot)),
                Err(e) => {
                    tracing::warn!(error = %e, "unparsable robots.txt treated as allow-all");
                    RobotsPolicy::AllowAll
                }
            },
            Some(400..=499) => RobotsPolicy::AllowAll,
            _ => RobotsPolicy::DisallowAll,
        }
    }

    /// True when `url` may be fetched.
    pub fn allowed(&self, url: &str) -> bool {
        match self {
            RobotsPolicy::AllowAll => true,
            RobotsPolicy::DisallowAll => false,
            RobotsPolicy::Rules(r) => r.allowed(url),
        }
    }

    /// The Crawl-delay, if any (capped at 60 s so a hostile file cannot stall a crawl forever).
    pub fn crawl_delay(&self) -> Option<Duration> {
        match self {
            RobotsPolicy::Rules(r) => r
                .delay
                .filter(|d| d.is_finite() && *d > 0.0)
                .map(|d| Duration::from_secs_f32(d.min(60.0))),
            _ => None,
        }
    }
}

/// The product token matched against `User-agent:` lines: the user agent up to its first `/`.
pub fn agent_token(user_agent: &str) -> &str {
    user_agent
        .split(['/', ' '])
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(user_agent)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TXT: &[u8] = b"User-agent: *\nDisallow: /private/\nCrawl-delay: 2\n\nUser-agent: salwatch\nDisallow: /no-salwatch/\nAllow: /no-salwatch/ok\n";

    #[test]
    fn specific_group_wins_over_star() {
        let p = RobotsPolicy::from_response(agent_token("salwatch/0.1.0"), Some(200), TXT);
        assert!(!p.allowed("http://a.test/no-salwatch/x"));
        assert!(p.allowed("http://a.test/no-salwatch/ok"));
        assert!(
            p.allowed("http://a.test/private/x"),
            "the salwatch group replaces *"
        );
        let other = RobotsPolicy::from_response("otherbot", Some(200), TXT);
        assert!(!other.allowed("http://a.test/private/x"));
        assert_eq!(other.crawl_delay(), Some(Duration::from_secs(2)));
    }

    #[test]
    fn status_classes() {
        assert!(RobotsPolicy::from_response("a", Some(404), b"").allowed("http://a.test/x"));
        assert!(!RobotsPolicy::from_response("a", Some(503), b"").allowed("http://a.test/x"));
        assert!(!RobotsPolicy::from_response("a", None, b"").allowed("http://a.test/x"));
        assert!(RobotsPolicy::from_response("a", Some(200), b"garbage\x00\xff").allowed("/x"));
    }

    #[test]
    fn hostile_crawl_delay_is_capped() {
        let p = RobotsPolicy::from_response("a", Some(200), b"User-agent: *\nCrawl-delay: 99999\n");
        assert_eq!(p.crawl_delay(), Some(Duration::from_secs(60)));
    }

    #[test]
    fn agent_token_is_product_name() {
        assert_eq!(agent_token("salwatch/0.1.0 (+contact)"), "salwatch");
        assert_eq!(agent_token("plain"), "plain");
    }
}
