//! Politeness per host: a token bucket (GCRA form: requests per minute with a burst), a minimum
//! delay between requests with random jitter, the robots.txt Crawl-delay, and back-off windows
//! (429/503 Retry-After). Callers reserve a start time under a short lock and sleep outside it,
//! so concurrent workers of one host are spaced correctly.

use std::sync::Mutex;
use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

/// Pacing settings of one site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PaceSettings {
    /// Requests per minute; 0 = unlimited.
    pub requests_per_minute: u32,
    /// Bucket size (requests allowed back to back).
    pub burst: u32,
    /// Minimum delay between two requests.
    pub delay: Duration,
    /// Random extra delay, up to this.
    pub jitter: Duration,
}

#[derive(Debug)]
struct State {
    /// GCRA theoretical arrival time.
    tat: Instant,
    /// Earliest start of the next request (delay, crawl-delay, back-off).
    next_allowed: Instant,
    crawl_delay: Duration,
}

/// Paces the requests to one host.
#[derive(Debug)]
pub struct Pacer {
    settings: PaceSettings,
    state: Mutex<State>,
}

impl Pacer {
    /// A pacer that allows a request right away.
    pub fn new(settings: PaceSettings) -> Self {
        let now = Instant::now();
        Self {
            settings,
            state: Mutex::new(State {
                tat: now,
                next_allowed: now,
                crawl_delay: Duration::ZERO,
            }),
        }
    }

    /// Reserves the next slot and returns when it starts (now or later).
    pub fn reserve(&self) -> Instant {
        let now = Instant::now();
        let mut st = match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let mut start = now.max(st.next_allowed);
        if self.settings.requests_per_minute > 0 {
            let interval =
                Duration::from_secs_f64(60.0 / f64::from(self.settings.requests_per_minute));
            let tolerance = interval * self.settings.burst.saturating_sub(1);
            let earliest = st.tat.checked_sub(tolerance).unwrap_or(now);
            start = start.max(earliest);
            st.tat = st.tat.max(start) + interval;
        }
        let jitter = if self.settings.jitter.is_zero() {
            Duration::ZERO
        } else {
            let ms = self.settings.jitter.as_millis().min(u128::from(u64::MAX)) as u64;
            Duration::from_millis(rand::rng().random_range(0..=ms))
        };
        st.next_allowed = start + self.settings.delay.max(st.crawl_delay) + jitter;
        start
    }

    /// Waits for the next slot.
    pub async fn acquire(&self) {
        let start = self.reserve();
        tokio::time::sleep_until(start).await;
    }

    /// Applies a robots.txt Crawl-delay (the larger of it and the configured delay wins).
    pub fn set_crawl_delay(&self, delay: Duration) {
        let mut st = match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        st.crawl_delay = delay;
    }

    /// Holds every request to this host until `wait` has passed (Retry-After, back-off).
    pub fn back_off(&self, wait: Duration) {
        let mut st = match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        st.next_allowed = st.next_allowed.max(Instant::now() + wait);
    }
}

/// Exponential back-off with full jitter: up to `base * 2^attempt`, capped.
pub fn backoff_delay(base: Duration, attempt: u32, cap: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.min(16));
    let max = exp.min(cap);
    let ms = max.as_millis().min(u128::from(u64::MAX)) as u64;
    if ms == 0 {
        return Duration::ZERO;
    }
    // Never less than half the exponential step, so retries do spread out.
    Duration::from_millis(rand::rng().random_range(ms / 2..=ms))
}

/// Parses `Retry-After` (delay seconds or an HTTP date), capped at `cap`.
pub fn parse_retry_after(value: &str, cap: Duration) -> Option<Duration> {
    let value = value.trim();
    let d = if let Ok(secs) = value.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
        let secs = (when.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_milliseconds();
        Duration::from_millis(u64::try_from(secs).unwrap_or(0))
    };
    Some(d.min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(rpm: u32, burst: u32, delay_ms: u64) -> PaceSettings {
        PaceSettings {
            requests_per_minute: rpm,
            burst,
            delay: Duration::from_millis(delay_ms),
            jitter: Duration::ZERO,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn token_bucket_allows_burst_then_spaces() {
        let p = Pacer::new(settings(600, 3, 0)); // one per 100 ms, burst 3
        let t0 = Instant::now();
        let starts: Vec<Duration> = (0..6).map(|_| p.reserve() - t0).collect();
        assert_eq!(starts[0], Duration::ZERO);
        assert_eq!(starts[1], Duration::ZERO);
        assert_eq!(starts[2], Duration::ZERO);
        assert_eq!(starts[3], Duration::from_millis(100));
        assert_eq!(starts[4], Duration::from_millis(200));
        assert_eq!(starts[5], Duration::from_millis(300));
    }

    #[tokio::test(start_paused = true)]
    async fn delay_and_crawl_delay_space_requests() {
        let p = Pacer::new(settings(0, 0, 50));
        let t0 = Instant::now();
        assert_eq!(p.reserve() - t0, Duration::ZERO);
        assert_eq!(p.reserve() - t0, Duration::from_millis(50));
        p.set_crawl_delay(Duration::from_millis(200));
        assert_eq!(p.reserve() - t0, Duration::from_millis(100));
        assert_eq!(p.reserve() - t0, Duration::from_millis(300));
    }

    #[tokio::test(start_paused = true)]
    async fn back_off_holds_the_host() {
        let p = Pacer::new(settings(0, 0, 0));
        let t0 = Instant::now();
        p.back_off(Duration::from_secs(2));
        assert_eq!(p.reserve() - t0, Duration::from_secs(2));
        p.acquire().await;
        assert!(Instant::now() - t0 >= Duration::from_secs(2));
    }

    #[test]
    fn retry_after_forms() {
        let cap = Duration::from_secs(60);
        assert_eq!(parse_retry_after("3", cap), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("99999", cap), Some(cap));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", cap),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", cap), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let b = Duration::from_millis(100);
        let cap = Duration::from_secs(1);
        for _ in 0..20 {
            let d0 = backoff_delay(b, 0, cap);
            assert!(d0 >= Duration::from_millis(50) && d0 <= b);
            let d5 = backoff_delay(b, 5, cap);
            assert!(d5 >= Duration::from_millis(500) && d5 <= cap);
        }
    }
}
