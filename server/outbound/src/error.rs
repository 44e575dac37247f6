//! [`OutboundError`]: everything that can stop an outbound request, each said so that the
//! operator reading the log knows what happened and what to change; [`OutboundError::kind`]
//! is the same thing as a short stable word for metrics.

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::ALLOW_SETTING;
use crate::ranges::Refusal;

/// Why an outbound request did not produce a response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutboundError {
    /// The URL (given, or a redirect's `Location`) cannot be called.
    #[error("bad URL {url}: {problem}")]
    BadUrl {
        /// The URL as given, without any user name or password it carried.
        url: String,
        problem: UrlProblem,
    },
    /// The destination is a special-use address (loopback, private, link-local...) that the
    /// allow list does not hold.
    #[error(
        "refused: {}; to permit it, add it or a network holding it to the `{ALLOW_SETTING}` setting",
        refused(.name.as_deref(), .address, .refusal)
    )]
    Refused {
        /// The host name that resolved to `address`; `None` when the URL gave the address.
        name: Option<String>,
        address: IpAddr,
        refusal: Refusal,
    },
    #[error("could not resolve {host}: {source}")]
    Resolve { host: String, source: io::Error },
    #[error("could not connect to {host} at {address}{}: {source}", others(*.tried))]
    Connect {
        host: String,
        /// The last address tried.
        address: SocketAddr,
        /// How many addresses were tried, each refusing or failing.
        tried: usize,
        source: io::Error,
    },
    /// The TLS handshake failed: most often a certificate that is expired, self-signed or
    /// for another name.
    #[error("the TLS handshake with {host} failed: {source}")]
    Tls { host: String, source: io::Error },
    #[error("timed out {phase} {host}: the {limit} ran out")]
    Timeout { host: String, phase: Phase, limit: TimeLimit },
    #[error("the response from {host} is larger than the limit of {limit} bytes{}", declared_length(*.declared))]
    BodyTooLarge {
        host: String,
        limit: usize,
        /// The `Content-Length` the response declared, when it declared one over the limit.
        declared: Option<u64>,
    },
    #[error("more than {limit} redirects; the last pointed to {location}")]
    TooManyRedirects { limit: u8, location: String },
    /// The server broke HTTP: closed early, sent a malformed or oversized head, and so on.
    #[error("HTTP failed {phase} {host}: {source}")]
    Protocol { host: String, phase: Phase, source: hyper::Error },
    /// The client cannot be built with this policy.
    #[error("invalid outbound policy: {0}")]
    InvalidPolicy(String),
}

impl OutboundError {
    /// A short, stable name of what went wrong, for metrics labels and log fields.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::BadUrl { .. } => "bad_url",
            Self::Refused { .. } => "refused",
            Self::Resolve { .. } => "resolve",
            Self::Connect { .. } => "connect",
            Self::Tls { .. } => "tls",
            Self::Timeout { .. } => "timeout",
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::TooManyRedirects { .. } => "too_many_redirects",
            Self::Protocol { .. } => "protocol",
            Self::InvalidPolicy(_) => "invalid_policy",
        }
    }
}

/// What is wrong with a URL.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlProblem {
    #[error("it is not an absolute URL ({0})")]
    NotAUrl(url::ParseError),
    #[error("the scheme {0}: is not allowed; only http and https are")]
    Scheme(String),
    #[error("it carries a user name or password (user:password@host), which is never sent")]
    Userinfo,
    #[error("it has no host")]
    NoHost,
    #[error("it cannot be written into an HTTP request")]
    Unsendable,
}

/// What the request was doing when it stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Resolving,
    Connecting,
    TlsHandshake,
    /// Sending the request and waiting for the response's status and headers.
    WaitingForResponse,
    ReadingBody,
}

impl fmt::Display for Phase {
    /// Said to be followed by the host: "waiting for the response from example.com".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Resolving => "resolving",
            Self::Connecting => "connecting to",
            Self::TlsHandshake => "in the TLS handshake with",
            Self::WaitingForResponse => "waiting for the response from",
            Self::ReadingBody => "reading the response body from",
        })
    }
}

/// Which of the policy's time limits ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeLimit {
    /// `connect_timeout`: resolving, connecting and the TLS handshake, for each hop.
    Connect(Duration),
    /// `total_timeout`: the whole exchange, redirects and reading the body included.
    Total(Duration),
}

impl fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connect(limit) => write!(f, "connect timeout ({limit:?}, for resolving, connecting and TLS)"),
            Self::Total(limit) => write!(f, "total timeout ({limit:?}, for the whole exchange)"),
        }
    }
}

fn refused(name: Option<&str>, address: &IpAddr, refusal: &Refusal) -> String {
    match name {
        Some(name) => format!("{name} resolves to {address}, {refusal}"),
        None => format!("{address} is {refusal}"),
    }
}

fn others(tried: usize) -> String {
    match tried {
        0 | 1 => String::new(),
        n => format!(" (and {} other addresses)", n - 1),
    }
}

fn declared_length(declared: Option<u64>) -> String {
    declared.map(|length| format!(" (it declared {length})")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ranges::refusal;

    #[test]
    fn a_refusal_names_the_address_its_range_and_the_setting_that_would_permit_it() {
        let address: IpAddr = "127.0.0.1".parse().unwrap();
        let error = OutboundError::Refused { name: None, address, refusal: refusal(address).unwrap() };
        assert_eq!(
            error.to_string(),
            "refused: 127.0.0.1 is a loopback address (127.0.0.0/8); to permit it, add it or a network holding it to the `outbound_allow` setting"
        );
        let error =
            OutboundError::Refused { name: Some("localhost".into()), address, refusal: refusal(address).unwrap() };
        assert!(error.to_string().starts_with("refused: localhost resolves to 127.0.0.1, a loopback address"));
        assert_eq!(error.kind(), "refused");
    }

    #[test]
    fn a_timeout_says_which_phase_and_which_limit() {
        let error = OutboundError::Timeout {
            host: "bot.example.com".into(),
            phase: Phase::WaitingForResponse,
            limit: TimeLimit::Total(Duration::from_secs(10)),
        };
        assert_eq!(
            error.to_string(),
            "timed out waiting for the response from bot.example.com: the total timeout (10s, for the whole exchange) ran out"
        );
        assert_eq!(error.kind(), "timeout");
    }
}
