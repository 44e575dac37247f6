//! Counters of security-relevant events: accounts, logins, lockouts, refresh-token reuse and
//! rate-limit refusals. Alerts on abuse read these.

use prometheus::{IntCounter, Registry};

#[derive(Clone, Debug)]
pub struct AuthCounters {
    pub registrations: IntCounter,
    pub logins: IntCounter,
    pub login_failures: IntCounter,
    pub lockouts: IntCounter,
    pub refresh_reuse: IntCounter,
    pub rate_limited: IntCounter,
}

impl AuthCounters {
    pub fn new(registry: &Registry) -> Self {
        let counter = |name: &str, help: &str| super::register(registry, IntCounter::new(name, help));
        Self {
            registrations: counter("parley_registrations_total", "Accounts created through the API."),
            logins: counter("parley_logins_total", "Successful password logins."),
            login_failures: counter("parley_login_failures_total", "Failed password logins."),
            lockouts: counter("parley_account_lockouts_total", "Accounts locked after repeated failed logins."),
            refresh_reuse: counter(
                "parley_refresh_token_reuse_total",
                "Spent refresh tokens presented again (the session is revoked).",
            ),
            rate_limited: counter(
                "parley_auth_rate_limited_total",
                "Sign-in and registration requests refused by a rate limit.",
            ),
        }
    }
}
