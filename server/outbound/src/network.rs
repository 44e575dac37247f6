//! [`Network`]: an IPv4 or IPv6 network in CIDR form (`10.0.0.0/8`, `fd00::/8`), as the
//! allow list and the range table write them.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An address and a prefix length, with no bits set past the prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Network {
    base: IpAddr,
    prefix: u8,
}

/// Why a text is not a [`Network`], in words an operator can act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a network: {problem}")]
pub struct NetworkError {
    pub text: String,
    pub problem: String,
}

impl Network {
    /// `a.b.c.d/prefix`. For the range table; [`Network::new`] checks what this trusts.
    pub(crate) const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8) -> Self {
        Self { base: IpAddr::V4(Ipv4Addr::new(a, b, c, d)), prefix }
    }

    /// `segments/prefix`. For the range table; [`Network::new`] checks what this trusts.
    pub(crate) const fn v6(segments: [u16; 8], prefix: u8) -> Self {
        let [a, b, c, d, e, f, g, h] = segments;
        Self { base: IpAddr::V6(Ipv6Addr::new(a, b, c, d, e, f, g, h)), prefix }
    }

    /// The network of `prefix` bits starting at `base`. Refused: a prefix longer than the
    /// address, and bits set past the prefix (`10.1.2.3/8` is a typo for either `10.0.0.0/8`
    /// or `10.1.2.3/32`, and guessing which would widen or narrow what the operator allowed).
    pub fn new(base: IpAddr, prefix: u8) -> Result<Self, NetworkError> {
        let error = |problem: String| NetworkError { text: format!("{base}/{prefix}"), problem };
        let bits = match base {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        if prefix > bits {
            return Err(error(format!("the prefix /{prefix} is longer than the {bits} bits of {base}")));
        }
        let network = Self { base, prefix };
        let masked = network.first();
        if masked != base {
            return Err(error(format!(
                "{base} has bits set past the /{prefix} prefix; write {masked}/{prefix} for the network, or {base}/{bits} for the one address"
            )));
        }
        Ok(network)
    }

    /// A network holding just `ip` (`/32` or `/128`).
    pub fn host(ip: IpAddr) -> Self {
        let prefix = if ip.is_ipv4() { 32 } else { 128 };
        Self { base: ip, prefix }
    }

    /// The first address of the network.
    pub fn base(&self) -> IpAddr {
        self.base
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` is in this network. An IPv4 network holds no IPv6 address and the other
    /// way round: callers compare addresses in their canonical form (see `ranges::canonical`).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.base, ip) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                let mask = v4_mask(self.prefix);
                u32::from(base) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => {
                let mask = v6_mask(self.prefix);
                u128::from(base) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }

    /// The base with every bit past the prefix cleared.
    fn first(&self) -> IpAddr {
        match self.base {
            IpAddr::V4(base) => IpAddr::V4(Ipv4Addr::from(u32::from(base) & v4_mask(self.prefix))),
            IpAddr::V6(base) => IpAddr::V6(Ipv6Addr::from(u128::from(base) & v6_mask(self.prefix))),
        }
    }
}

/// The top `prefix` bits set; a prefix past 32 is treated as 32.
fn v4_mask(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix.min(32))).unwrap_or(0)
}

/// The top `prefix` bits set; a prefix past 128 is treated as 128.
fn v6_mask(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix.min(128))).unwrap_or(0)
}

impl FromStr for Network {
    type Err = NetworkError;

    /// `10.0.0.0/8`, `fd00::/8`, or a bare address for just that address.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let error = |problem: String| NetworkError { text: text.to_owned(), problem };
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let base: IpAddr = address
            .parse()
            .map_err(|_| error(format!("{address:?} is not an IPv4 or IPv6 address (like 10.0.0.0/8 or fd00::/8)")))?;
        match prefix {
            None => Ok(Self::host(base)),
            Some(prefix) => {
                let prefix =
                    prefix.parse().map_err(|_| error(format!("the prefix length {prefix:?} is not a whole number")))?;
                Self::new(base, prefix).map_err(|e| error(e.problem))
            }
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.base, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_network_parses_from_cidr_or_a_bare_address_and_prints_as_cidr() {
        for (text, shown) in [
            ("10.0.0.0/8", "10.0.0.0/8"),
            (" 192.168.1.0/24 ", "192.168.1.0/24"),
            ("127.0.0.1", "127.0.0.1/32"),
            ("0.0.0.0/0", "0.0.0.0/0"),
            ("fd00::/8", "fd00::/8"),
            ("::1", "::1/128"),
            ("::/0", "::/0"),
        ] {
            assert_eq!(text.parse::<Network>().map(|n| n.to_string()), Ok(shown.to_owned()), "{text}");
        }
    }

    #[test]
    fn a_network_with_host_bits_a_long_prefix_or_no_address_is_refused_with_the_fix() {
        let error = "10.1.2.3/8".parse::<Network>().unwrap_err();
        assert!(error.problem.contains("write 10.0.0.0/8") && error.problem.contains("10.1.2.3/32"), "{error}");
        for bad in ["10.0.0.0/33", "::/129", "10.0.0.0/x", "10.0.0.0/", "example.com/8", "", "10.0.0/8", "/8"] {
            assert!(bad.parse::<Network>().is_err(), "{bad}");
        }
    }

    #[test]
    fn containment_follows_the_prefix_and_never_crosses_address_families() {
        let cases = [
            ("10.0.0.0/8", "10.255.255.255", true),
            ("10.0.0.0/8", "11.0.0.0", false),
            ("172.16.0.0/12", "172.31.0.1", true),
            ("172.16.0.0/12", "172.32.0.1", false),
            ("0.0.0.0/0", "203.0.113.9", true),
            ("127.0.0.1/32", "127.0.0.1", true),
            ("127.0.0.1/32", "127.0.0.2", false),
            ("fe80::/10", "febf::1", true),
            ("fe80::/10", "fec0::1", false),
            ("::/0", "2001:db8::1", true),
            ("::/0", "10.0.0.1", false),
            ("0.0.0.0/0", "::ffff:10.0.0.1", false),
        ];
        for (network, address, inside) in cases {
            assert_eq!(network.parse::<Network>().unwrap().contains(ip(address)), inside, "{address} in {network}");
        }
    }
}
