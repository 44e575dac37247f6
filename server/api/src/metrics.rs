//! Counters of security-relevant events, exposed in Prometheus text form at `/metrics`.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct AuthCounters {
    pub registrations: AtomicU64,
    pub logins: AtomicU64,
    pub login_failures: AtomicU64,
    pub lockouts: AtomicU64,
    pub refresh_reuse: AtomicU64,
    pub rate_limited: AtomicU64,
}

impl AuthCounters {
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of every counter.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, value: &AtomicU64| {
            let _ =
                writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}", value.load(Ordering::Relaxed));
        };
        counter("parley_registrations_total", "Accounts created through the API.", &self.registrations);
        counter("parley_logins_total", "Successful password logins.", &self.logins);
        counter("parley_login_failures_total", "Failed password logins.", &self.login_failures);
        counter("parley_account_lockouts_total", "Accounts locked after repeated failed logins.", &self.lockouts);
        counter(
            "parley_refresh_token_reuse_total",
            "Spent refresh tokens presented again (session revoked).",
            &self.refresh_reuse,
        );
        counter("parley_rate_limited_total", "Requests refused by a rate limit.", &self.rate_limited);
        out
    }
}
