//! Fixed-window rate limits keyed by client address or account, with Discord's headers.
//!
//! Each limiter keeps at most `max_keys` windows: expired windows are dropped first, and if
//! every window is live (an attacker cycling addresses) the oldest tenth is dropped. Memory
//! stays bounded either way; the per-account limit and lockout still protect accounts.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderValue};

/// A request over the limit, with when to come back.
#[derive(Clone, Debug)]
pub struct RateLimited {
    pub bucket: std::borrow::Cow<'static, str>,
    pub limit: u32,
    pub retry_after: Duration,
    /// The account's global budget, not one bucket's, ran out.
    pub global: bool,
}

impl RateLimited {
    /// `Retry-After` (whole seconds, rounded up) and Discord's `X-RateLimit-*` headers.
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        let retry_secs = self.retry_after.as_secs_f64();
        let mut set = |name: &'static str, value: String| {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(name, v);
            }
        };
        set("retry-after", (retry_secs.ceil() as u64).max(1).to_string());
        set("x-ratelimit-limit", self.limit.to_string());
        set("x-ratelimit-remaining", "0".to_owned());
        set("x-ratelimit-reset-after", format!("{retry_secs:.3}"));
        set("x-ratelimit-reset", format!("{:.3}", unix_now_secs() + retry_secs));
        set("x-ratelimit-bucket", self.bucket.to_string());
        // Discord's scopes: "global" for the account's global budget, "user" for one bucket.
        set("x-ratelimit-scope", if self.global { "global" } else { "user" }.to_owned());
        if self.global {
            set("x-ratelimit-global", "true".to_owned());
        }
    }
}

fn unix_now_secs() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

#[derive(Debug)]
struct Window {
    started: Instant,
    count: u32,
}

#[derive(Debug)]
pub struct RateLimiter {
    bucket: &'static str,
    limit: u32,
    window: Duration,
    max_keys: usize,
    // A std Mutex: the critical section is a hash lookup and never awaits.
    windows: Mutex<HashMap<String, Window>>,
}

impl RateLimiter {
    /// `limit` requests per `window` for each key. A limit of 0 disables the limiter.
    pub fn new(bucket: &'static str, limit: u32, window: Duration, max_keys: usize) -> Self {
        Self { bucket, limit, window, max_keys: max_keys.max(16), windows: Mutex::new(HashMap::new()) }
    }

    /// Counts one request for `key`; refuses it if the key's window is already full.
    pub fn check(&self, key: &str) -> Result<(), RateLimited> {
        self.check_at(key, Instant::now())
    }

    pub fn check_at(&self, key: &str, now: Instant) -> Result<(), RateLimited> {
        if self.limit == 0 {
            return Ok(());
        }
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() >= self.max_keys && !windows.contains_key(key) {
            self.make_room(&mut windows, now);
        }
        let window = windows.entry(key.to_owned()).or_insert(Window { started: now, count: 0 });
        if now.duration_since(window.started) >= self.window {
            *window = Window { started: now, count: 0 };
        }
        if window.count >= self.limit {
            let retry_after = self.window.saturating_sub(now.duration_since(window.started));
            return Err(RateLimited { bucket: self.bucket.into(), limit: self.limit, retry_after, global: false });
        }
        window.count += 1;
        Ok(())
    }

    fn make_room(&self, windows: &mut HashMap<String, Window>, now: Instant) {
        windows.retain(|_, w| now.duration_since(w.started) < self.window);
        if windows.len() >= self.max_keys {
            let mut starts: Vec<Instant> = windows.values().map(|w| w.started).collect();
            starts.sort();
            let cutoff = starts[starts.len() / 10];
            windows.retain(|_, w| w.started > cutoff);
            tracing::warn!(bucket = self.bucket, "rate limiter full of live windows; dropped the oldest");
        }
    }

    pub fn tracked_keys(&self) -> usize {
        self.windows.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_after_the_limit_is_refused_until_the_window_ends() {
        let limiter = RateLimiter::new("t", 3, Duration::from_secs(60), 100);
        let start = Instant::now();
        for _ in 0..3 {
            limiter.check_at("a", start).unwrap();
        }
        let refused = limiter.check_at("a", start + Duration::from_secs(20)).unwrap_err();
        assert_eq!(refused.retry_after, Duration::from_secs(40));
        assert!(limiter.check_at("b", start).is_ok(), "other keys have their own window");
        assert!(limiter.check_at("a", start + Duration::from_secs(60)).is_ok());
    }

    #[test]
    fn the_number_of_tracked_keys_never_exceeds_the_cap() {
        let limiter = RateLimiter::new("t", 5, Duration::from_secs(60), 100);
        let start = Instant::now();
        for i in 0..10_000u32 {
            limiter.check_at(&i.to_string(), start + Duration::from_millis(i as u64)).unwrap();
            assert!(limiter.tracked_keys() <= 100);
        }
    }

    #[test]
    fn refusals_carry_retry_after_and_discord_headers() {
        let limited =
            RateLimited { bucket: "auth".into(), limit: 5, retry_after: Duration::from_millis(1500), global: false };
        let mut headers = HeaderMap::new();
        limited.write_headers(&mut headers);
        assert_eq!(headers["retry-after"], "2");
        assert_eq!(headers["x-ratelimit-remaining"], "0");
        assert_eq!(headers["x-ratelimit-reset-after"], "1.500");
        assert_eq!(headers["x-ratelimit-bucket"], "auth");
    }
}
