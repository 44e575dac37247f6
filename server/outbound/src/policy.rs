//! [`OutboundPolicy`]: where Parley may call and how much a call may cost (time, bytes,
//! redirects); and [`OutboundPolicy::check_url`], the same rules applied to a URL when it is
//! saved, before anything is called.

use std::net::IpAddr;
use std::time::Duration;

use http::HeaderValue;
use url::Url;

use crate::error::OutboundError;
use crate::network::Network;
use crate::ranges::{self, Refusal};
use crate::target::Target;

/// What the client may call, and the limits of each call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboundPolicy {
    /// Special-use networks that may be called all the same (a bot's endpoint on the
    /// operator's own network). Public addresses need no entry. Empty: only public addresses.
    pub allow: Vec<Network>,
    /// Resolving the host, connecting and the TLS handshake, for each hop.
    pub connect_timeout: Duration,
    /// The whole exchange: every hop of redirects, and reading the response body.
    pub total_timeout: Duration,
    /// The most bytes of response body read; a longer body is an error, not truncated.
    pub max_response_bytes: usize,
    /// Redirects followed before giving up; 0: none.
    pub max_redirects: u8,
    /// Sent as `User-Agent` unless the request sets its own.
    pub user_agent: String,
}

impl Default for OutboundPolicy {
    fn default() -> Self {
        Self {
            allow: Vec::new(),
            connect_timeout: Duration::from_secs(3),
            total_timeout: Duration::from_secs(10),
            max_response_bytes: 1024 * 1024,
            max_redirects: 3,
            user_agent: format!("Parley/{} (outbound)", env!("CARGO_PKG_VERSION")),
        }
    }
}

impl OutboundPolicy {
    /// The address to connect to for `ip` (an IPv4-mapped IPv6 address is its IPv4 address),
    /// or why it is refused: a special-use address no allow-list network holds.
    pub fn permits(&self, ip: IpAddr) -> Result<IpAddr, Refusal> {
        let ip = ranges::canonical(ip);
        match ranges::refusal(ip) {
            Some(refusal) if !self.allow.iter().any(|network| network.contains(ip)) => Err(refusal),
            _ => Ok(ip),
        }
    }

    /// Whether `url` may be called, as far as can be told without resolving it: http or https,
    /// no user name or password, and a host that is not a refused address. `localhost` and
    /// names under `.localhost` count as 127.0.0.1, as RFC 6761 has resolvers answer. Other
    /// names are checked when a request resolves them, every time. Returns the parsed URL.
    ///
    /// For configuration time: when a bot author saves an endpoint, say at once what is wrong.
    pub fn check_url(&self, url: &str) -> Result<Url, OutboundError> {
        let target = Target::parse(self, url)?;
        if let Some(name) = target.name().filter(|name| is_localhost(name)) {
            let address = IpAddr::from([127, 0, 0, 1]);
            if let Err(refusal) = self.permits(address) {
                return Err(OutboundError::Refused { name: Some(name.to_owned()), address, refusal });
            }
        }
        Ok(target.url)
    }

    /// The policy's own values are usable: a client built on them could make a request.
    pub(crate) fn validate(&self) -> Result<(), OutboundError> {
        let invalid = |problem: &str| Err(OutboundError::InvalidPolicy(problem.to_owned()));
        if self.connect_timeout.is_zero() || self.total_timeout.is_zero() {
            return invalid("connect_timeout and total_timeout must be longer than zero");
        }
        if self.max_response_bytes == 0 {
            return invalid("max_response_bytes must be at least 1");
        }
        if HeaderValue::from_str(&self.user_agent).is_err() {
            return invalid("user_agent must be printable ASCII, usable as a header value");
        }
        Ok(())
    }
}

fn is_localhost(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_allow_list_network_permits_the_special_use_addresses_it_holds_and_no_others() {
        let policy = OutboundPolicy {
            allow: vec!["127.0.0.0/8".parse().unwrap(), "fd00::/8".parse().unwrap()],
            ..Default::default()
        };
        for permitted in ["127.0.0.1", "127.9.9.9", "::ffff:127.0.0.1", "fd12::1", "8.8.8.8"] {
            assert!(policy.permits(permitted.parse().unwrap()).is_ok(), "{permitted}");
        }
        for refused in ["10.0.0.1", "::1", "169.254.169.254", "fc00::1", "64:ff9b::7f00:1"] {
            assert!(policy.permits(refused.parse().unwrap()).is_err(), "{refused}");
        }
        assert_eq!(policy.permits("::ffff:127.0.0.1".parse().unwrap()), Ok(IpAddr::from([127, 0, 0, 1])));
    }

    #[test]
    fn localhost_by_name_is_refused_when_saved_unless_loopback_is_allowed() {
        let error = OutboundPolicy::default().check_url("http://LocalHost.:8080/hook").unwrap_err();
        assert!(error.to_string().starts_with("refused: localhost. resolves to 127.0.0.1, a loopback"), "{error}");
        assert!(OutboundPolicy::default().check_url("http://api.localhost/").is_err());
        let policy = OutboundPolicy { allow: vec!["127.0.0.1".parse().unwrap()], ..Default::default() };
        assert!(policy.check_url("http://localhost:8080/hook").is_ok());
    }

    #[test]
    fn a_policy_with_no_time_no_bytes_or_an_unprintable_user_agent_is_refused() {
        assert!(OutboundPolicy::default().validate().is_ok());
        for policy in [
            OutboundPolicy { total_timeout: Duration::ZERO, ..Default::default() },
            OutboundPolicy { connect_timeout: Duration::ZERO, ..Default::default() },
            OutboundPolicy { max_response_bytes: 0, ..Default::default() },
            OutboundPolicy { user_agent: "bot\nX-Evil: 1".into(), ..Default::default() },
        ] {
            assert_eq!(policy.validate().map_err(|e| e.kind()), Err("invalid_policy"));
        }
    }
}
