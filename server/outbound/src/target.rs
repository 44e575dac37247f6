//! [`Target`]: a URL that passed the checks that need no network (http or https, no
//! credentials, a host, and a host address the policy permits), with what a hop needs from it:
//! where to connect, the `Host` header, the request target.
//!
//! Every hop is a `Target`: the URL given and each redirect's `Location` pass through here.

use std::net::IpAddr;

use url::{Host, Position, Url};

use crate::error::{OutboundError, UrlProblem};
use crate::policy::OutboundPolicy;

/// Where a hop connects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Destination {
    /// The URL gave an address, and the policy permits it (already canonical: an
    /// IPv4-mapped address is its IPv4 address).
    Address(IpAddr),
    /// A host name, to be resolved and each address checked.
    Name(String),
}

/// A URL that may be called, as far as can be told before resolving it.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    pub url: Url,
    pub destination: Destination,
    pub port: u16,
}

impl Target {
    /// Parses `text` as an absolute URL and checks it.
    pub fn parse(policy: &OutboundPolicy, text: &str) -> Result<Self, OutboundError> {
        let url = Url::parse(text)
            .map_err(|e| OutboundError::BadUrl { url: redacted_text(text), problem: UrlProblem::NotAUrl(e) })?;
        Self::check(policy, url)
    }

    /// Checks a parsed URL. The `url` crate has already turned the odd ways of writing an
    /// IPv4 address (`2130706433`, `0x7f.1`, `127.1`) into the address, so they are checked
    /// as the address they are.
    pub fn check(policy: &OutboundPolicy, url: Url) -> Result<Self, OutboundError> {
        let bad = |url: &Url, problem| Err(OutboundError::BadUrl { url: redacted(url), problem });
        if !matches!(url.scheme(), "http" | "https") {
            return bad(&url, UrlProblem::Scheme(url.scheme().to_owned()));
        }
        // Credentials in a URL would be sent to whoever the URL (or a redirect) names, and
        // logged wherever the URL is; an endpoint that needs them takes a header instead.
        if !url.username().is_empty() || url.password().is_some() {
            return bad(&url, UrlProblem::Userinfo);
        }
        let Some(port) = url.port_or_known_default() else { return bad(&url, UrlProblem::NoHost) };
        let destination = match url.host() {
            None => return bad(&url, UrlProblem::NoHost),
            Some(Host::Domain(name)) => Destination::Name(name.to_owned()),
            Some(Host::Ipv4(ip)) => Destination::Address(literal(policy, ip.into())?),
            Some(Host::Ipv6(ip)) => Destination::Address(literal(policy, ip.into())?),
        };
        Ok(Self { url, destination, port })
    }

    /// The host name, when the URL gave a name rather than an address.
    pub fn name(&self) -> Option<&str> {
        match &self.destination {
            Destination::Name(name) => Some(name),
            Destination::Address(_) => None,
        }
    }

    pub fn is_https(&self) -> bool {
        self.url.scheme() == "https"
    }

    /// The host and, unless it is the scheme's default, the port: the `Host` header, and how
    /// errors name the server.
    pub fn authority(&self) -> &str {
        &self.url[Position::BeforeHost..Position::AfterPort]
    }

    /// The path and query, as the request line carries them; the fragment is not sent.
    pub fn path_and_query(&self) -> &str {
        &self.url[Position::BeforePath..Position::AfterQuery]
    }
}

/// A literal address the policy permits, canonical, or the refusal.
fn literal(policy: &OutboundPolicy, address: IpAddr) -> Result<IpAddr, OutboundError> {
    policy.permits(address).map_err(|refusal| OutboundError::Refused { name: None, address, refusal })
}

/// The URL without a user name or password, as errors may repeat it.
pub(crate) fn redacted(url: &Url) -> String {
    let mut shown = url.clone();
    // Both fail only for URLs that cannot have credentials, which then have none to hide.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// Text that did not parse as a URL, without what looks like credentials (`user:pw@`).
fn redacted_text(text: &str) -> String {
    match (text.find("://"), text.rfind('@')) {
        (Some(start), Some(at)) if at > start => format!("{}(hidden)@{}", &text[..start + 3], &text[at + 1..]),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str) -> Result<Target, OutboundError> {
        Target::parse(&OutboundPolicy::default(), url)
    }

    #[test]
    fn the_odd_ways_of_writing_a_loopback_address_are_each_refused_as_loopback() {
        for url in [
            "http://127.0.0.1/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0x7f000001/",
            "http://017700000001/",
            "http://127.1/",
            "http://0177.0.0.1/",
            "http://127.0.0.1./",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[::1]/",
            "http://[0:0:0:0:0:0:0:1]/",
            "http://[64:ff9b::127.0.0.1]/",
            "https://%31%32%37.0.0.1/",
        ] {
            let error = check(url).err().unwrap_or_else(|| panic!("{url} was let through"));
            assert!(
                matches!(&error, OutboundError::Refused { refusal, .. } if refusal.what == "a loopback address"),
                "{url}: {error}"
            );
        }
    }

    #[test]
    fn private_link_local_and_unspecified_literals_are_refused() {
        for url in [
            "http://0.0.0.0/",
            "http://0/",
            "http://10.0.0.1:8080/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[fe80::1]/",
            "http://[fd00::1]/",
            "http://[::]/",
            "http://100.64.0.1/",
            "http://[::ffff:a9fe:a9fe]/",
        ] {
            assert_eq!(check(url).err().map(|e| e.kind()), Some("refused"), "{url}");
        }
    }

    #[test]
    fn a_hop_knows_its_destination_host_header_and_request_target() {
        let target = check("https://Bot.Example.com:8443/hook?x=1#frag").unwrap();
        assert_eq!(target.destination, Destination::Name("bot.example.com".into()));
        assert_eq!(
            (target.authority(), target.path_and_query(), target.port),
            ("bot.example.com:8443", "/hook?x=1", 8443)
        );
        let target = check("http://[2606:4700::1111]/").unwrap();
        assert_eq!(target.destination, Destination::Address("2606:4700::1111".parse().unwrap()));
        assert_eq!((target.authority(), target.port), ("[2606:4700::1111]", 80));
        assert_eq!(check("https://93.184.216.34").unwrap().path_and_query(), "/");
    }

    #[test]
    fn an_error_never_repeats_the_credentials_a_url_carried() {
        let error = check("https://bot:s3cret@example.com/hook").unwrap_err();
        assert!(matches!(error, OutboundError::BadUrl { problem: UrlProblem::Userinfo, .. }));
        assert!(!error.to_string().contains("s3cret"), "{error}");
        let error = check("https://bot:s3cret@exa mple.com/").unwrap_err();
        assert!(!error.to_string().contains("s3cret"), "{error}");
    }
}
