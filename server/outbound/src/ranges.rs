//! The special-use ranges: addresses that are not somebody's public server, and so are not
//! called unless the operator allow-lists them. Loopback, private and link-local addresses
//! reach Parley's own machine and network (a database, a cloud metadata service at
//! 169.254.169.254); the others are unroutable, reserved or not one host.
//!
//! IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by the
//! IPv4 address they carry, so `::ffff:127.0.0.1` is as loopback as `127.0.0.1`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::network::Network;

/// Why an address is refused: the special-use range it is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The range the address is in; for an IPv6 form that carries an IPv4 address, the
    /// IPv4 address's range.
    pub range: Network,
    /// What the range is, said with its article: "a loopback address".
    pub what: &'static str,
    /// The IPv6 form the address is, and the IPv4 address it carries, when it is one.
    pub carried_by: Option<(&'static str, Ipv4Addr)>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((form, v4)) = self.carried_by {
            write!(f, "{form} for {v4}, ")?;
        }
        write!(f, "{} ({})", self.what, self.range)
    }
}

/// One range of the table.
struct Range {
    network: Network,
    what: &'static str,
}

const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8, what: &'static str) -> Range {
    Range { network: Network::v4(a, b, c, d, prefix), what }
}

const fn v6(segments: [u16; 8], prefix: u8, what: &'static str) -> Range {
    Range { network: Network::v6(segments, prefix), what }
}

const PRIVATE: &str = "a private address";
const DOCUMENTATION: &str = "a documentation address";
const BENCHMARKING: &str = "a benchmarking address";

/// IPv4 special-use ranges (IANA's registry and RFC 6890), most specific first: the first
/// that holds an address names it.
const V4: &[Range] = &[
    v4(0, 0, 0, 0, 32, "the unspecified address"),
    v4(0, 0, 0, 0, 8, "a \"this network\" address"),
    v4(10, 0, 0, 0, 8, PRIVATE),
    v4(100, 64, 0, 0, 10, "a carrier-grade NAT (shared) address"),
    v4(127, 0, 0, 0, 8, "a loopback address"),
    v4(169, 254, 0, 0, 16, "a link-local address"),
    v4(172, 16, 0, 0, 12, PRIVATE),
    v4(192, 0, 0, 0, 24, "an IETF protocol assignment address"),
    v4(192, 0, 2, 0, 24, DOCUMENTATION),
    v4(192, 88, 99, 0, 24, "a 6to4 relay anycast address"),
    v4(192, 168, 0, 0, 16, PRIVATE),
    v4(198, 18, 0, 0, 15, BENCHMARKING),
    v4(198, 51, 100, 0, 24, DOCUMENTATION),
    v4(203, 0, 113, 0, 24, DOCUMENTATION),
    v4(224, 0, 0, 0, 4, "a multicast address"),
    v4(255, 255, 255, 255, 32, "the broadcast address"),
    v4(240, 0, 0, 0, 4, "a reserved address"),
];

/// IPv6 special-use ranges, most specific first. Checked before the forms that carry IPv4
/// addresses, so `::` and `::1` are named for what they are, not as IPv4-compatible forms.
const V6: &[Range] = &[
    v6([0, 0, 0, 0, 0, 0, 0, 0], 128, "the unspecified address"),
    v6([0, 0, 0, 0, 0, 0, 0, 1], 128, "a loopback address"),
    v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48, "a local-use NAT64 address"),
    v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64, "a discard-only address"),
    // Teredo addresses carry the client's IPv4 address obscured and reach it only through a
    // relay; no web server lives at one.
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 32, "a Teredo tunnel address"),
    v6([0x2001, 2, 0, 0, 0, 0, 0, 0], 48, BENCHMARKING),
    v6([0x2001, 0x10, 0, 0, 0, 0, 0, 0], 28, "an ORCHID address"),
    v6([0x2001, 0x20, 0, 0, 0, 0, 0, 0], 28, "an ORCHIDv2 address"),
    v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32, DOCUMENTATION),
    v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, DOCUMENTATION),
    v6([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16, "an SRv6 segment identifier"),
    v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, "a unique-local (private) address"),
    v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, "a link-local address"),
    v6([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10, "a site-local address"),
    v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "a multicast address"),
];

/// Every public IPv6 unicast address is in 2000::/3; an address outside it that no row above
/// names is refused too, so a range IANA assigns later is refused until it is understood.
const GLOBAL_UNICAST: Range = v6([0x2000, 0, 0, 0, 0, 0, 0, 0], 3, "an address outside IPv6 global unicast");

/// An IPv6 form that carries an IPv4 address, and where in it the IPv4 address is.
struct Carrier {
    network: Network,
    form: &'static str,
    /// The IPv4 address's first bit, counted from the top of the 128.
    offset: u32,
    /// Whether the form is a working route to a public IPv4 address (NAT64, 6to4), which is
    /// then called; the deprecated forms fall to the global unicast rule and are refused.
    routes: bool,
}

/// `::ffff:0:0/96` (mapped) is not here: [`canonical`] turns it into the IPv4 address itself,
/// which is where a connection to it goes.
const CARRIERS: &[Carrier] = &[
    Carrier {
        network: Network::v6([0, 0, 0, 0, 0, 0, 0, 0], 96),
        form: "an IPv4-compatible address",
        offset: 96,
        routes: false,
    },
    Carrier {
        network: Network::v6([0, 0, 0, 0, 0xffff, 0, 0, 0], 96),
        form: "an IPv4-translated address",
        offset: 96,
        routes: false,
    },
    Carrier {
        network: Network::v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96),
        form: "a NAT64 address",
        offset: 96,
        routes: true,
    },
    Carrier {
        network: Network::v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16),
        form: "a 6to4 address",
        offset: 16,
        routes: true,
    },
];

/// The address a connection to `ip` reaches: an IPv4-mapped IPv6 address is its IPv4 address.
pub fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

/// Why `ip` is refused, or `None` for a public address. The allow list is not consulted here
/// (see `OutboundPolicy::permits`).
pub fn refusal(ip: IpAddr) -> Option<Refusal> {
    match canonical(ip) {
        IpAddr::V4(v4) => v4_refusal(v4),
        IpAddr::V6(v6) => v6_refusal(v6),
    }
}

fn v4_refusal(ip: Ipv4Addr) -> Option<Refusal> {
    named(V4, IpAddr::V4(ip))
}

fn v6_refusal(ip: Ipv6Addr) -> Option<Refusal> {
    if let Some(refusal) = named(V6, IpAddr::V6(ip)) {
        return Some(refusal);
    }
    if let Some(carrier) = CARRIERS.iter().find(|c| c.network.contains(IpAddr::V6(ip))) {
        let v4 = carried(ip, carrier.offset);
        if let Some(refusal) = v4_refusal(v4) {
            return Some(Refusal { carried_by: Some((carrier.form, v4)), ..refusal });
        }
        if carrier.routes {
            return None;
        }
    }
    (!GLOBAL_UNICAST.network.contains(IpAddr::V6(ip))).then_some(Refusal {
        range: GLOBAL_UNICAST.network,
        what: GLOBAL_UNICAST.what,
        carried_by: None,
    })
}

/// The first row of `table` that holds `ip`.
fn named(table: &[Range], ip: IpAddr) -> Option<Refusal> {
    table.iter().find(|range| range.network.contains(ip)).map(|range| Refusal {
        range: range.network,
        what: range.what,
        carried_by: None,
    })
}

/// The 32 bits of `ip` from bit `offset` (counted from the top), as an IPv4 address.
fn carried(ip: Ipv6Addr, offset: u32) -> Ipv4Addr {
    let bits = u128::from(ip).checked_shr(96 - offset.min(96)).unwrap_or(0);
    // Truncation is the point: the low 32 bits after the shift are the IPv4 address.
    Ipv4Addr::from(bits as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each address, and the start of what its refusal says (`None`: public, called).
    const CASES: &[(&str, Option<&str>)] = &[
        // IPv4: each range at its edges, and its public neighbours.
        ("0.0.0.0", Some("the unspecified address (0.0.0.0/32)")),
        ("0.1.2.3", Some("a \"this network\" address (0.0.0.0/8)")),
        ("0.255.255.255", Some("a \"this network\" address")),
        ("1.0.0.0", None),
        ("9.255.255.255", None),
        ("10.0.0.0", Some("a private address (10.0.0.0/8)")),
        ("10.255.255.255", Some("a private address (10.0.0.0/8)")),
        ("11.0.0.0", None),
        ("100.63.255.255", None),
        ("100.64.0.0", Some("a carrier-grade NAT (shared) address (100.64.0.0/10)")),
        ("100.127.255.255", Some("a carrier-grade NAT")),
        ("100.128.0.0", None),
        ("126.255.255.255", None),
        ("127.0.0.1", Some("a loopback address (127.0.0.0/8)")),
        ("127.255.255.254", Some("a loopback address")),
        ("128.0.0.0", None),
        ("169.253.255.255", None),
        ("169.254.169.254", Some("a link-local address (169.254.0.0/16)")),
        ("169.255.0.0", None),
        ("172.15.255.255", None),
        ("172.16.0.0", Some("a private address (172.16.0.0/12)")),
        ("172.31.255.255", Some("a private address (172.16.0.0/12)")),
        ("172.32.0.0", None),
        ("192.0.0.8", Some("an IETF protocol assignment address (192.0.0.0/24)")),
        ("192.0.1.0", None),
        ("192.0.2.1", Some("a documentation address (192.0.2.0/24)")),
        ("192.0.3.0", None),
        ("192.88.99.1", Some("a 6to4 relay anycast address")),
        ("192.167.255.255", None),
        ("192.168.0.1", Some("a private address (192.168.0.0/16)")),
        ("192.168.255.255", Some("a private address (192.168.0.0/16)")),
        ("192.169.0.0", None),
        ("198.17.255.255", None),
        ("198.18.0.0", Some("a benchmarking address (198.18.0.0/15)")),
        ("198.19.255.255", Some("a benchmarking address (198.18.0.0/15)")),
        ("198.20.0.0", None),
        ("198.51.100.7", Some("a documentation address (198.51.100.0/24)")),
        ("203.0.113.200", Some("a documentation address (203.0.113.0/24)")),
        ("203.0.114.0", None),
        ("223.255.255.255", None),
        ("224.0.0.1", Some("a multicast address (224.0.0.0/4)")),
        ("239.255.255.250", Some("a multicast address (224.0.0.0/4)")),
        ("240.0.0.1", Some("a reserved address (240.0.0.0/4)")),
        ("255.255.255.254", Some("a reserved address (240.0.0.0/4)")),
        ("255.255.255.255", Some("the broadcast address (255.255.255.255/32)")),
        ("8.8.8.8", None),
        ("93.184.216.34", None),
        // IPv6.
        ("::", Some("the unspecified address (::/128)")),
        ("::1", Some("a loopback address (::1/128)")),
        ("::2", Some("an IPv4-compatible address for 0.0.0.2, a \"this network\" address")),
        ("fe80::1", Some("a link-local address (fe80::/10)")),
        ("febf:ffff::1", Some("a link-local address (fe80::/10)")),
        ("fec0::1", Some("a site-local address (fec0::/10)")),
        ("fc00::1", Some("a unique-local (private) address (fc00::/7)")),
        ("fd12:3456::1", Some("a unique-local (private) address (fc00::/7)")),
        ("fbff::1", Some("an address outside IPv6 global unicast (2000::/3)")),
        ("ff02::1", Some("a multicast address (ff00::/8)")),
        ("2001:db8::1", Some("a documentation address (2001:db8::/32)")),
        ("3fff:0fff::1", Some("a documentation address (3fff::/20)")),
        ("3fff:1000::1", None),
        ("2001::1", Some("a Teredo tunnel address (2001::/32)")),
        ("2001:2::1", Some("a benchmarking address (2001:2::/48)")),
        ("2001:2:1::1", None),
        ("2001:10::1", Some("an ORCHID address (2001:10::/28)")),
        ("2001:20::1", Some("an ORCHIDv2 address (2001:20::/28)")),
        ("5f00::1", Some("an SRv6 segment identifier (5f00::/16)")),
        ("100::1", Some("a discard-only address (100::/64)")),
        ("64:ff9b:1::1", Some("a local-use NAT64 address (64:ff9b:1::/48)")),
        ("1fff:ffff::1", Some("an address outside IPv6 global unicast (2000::/3)")),
        ("4000::1", Some("an address outside IPv6 global unicast (2000::/3)")),
        ("2001:4860:4860::8888", None),
        ("2606:4700:4700::1111", None),
        ("2a00:1450::1", None),
        // IPv6 forms of IPv4 addresses are judged by the IPv4 address.
        ("::ffff:127.0.0.1", Some("a loopback address (127.0.0.0/8)")),
        ("::ffff:10.1.2.3", Some("a private address (10.0.0.0/8)")),
        ("::ffff:169.254.169.254", Some("a link-local address")),
        ("::ffff:8.8.8.8", None),
        ("::127.0.0.1", Some("an IPv4-compatible address for 127.0.0.1, a loopback address (127.0.0.0/8)")),
        ("::8.8.8.8", Some("an address outside IPv6 global unicast (2000::/3)")),
        ("::ffff:0:10.0.0.1", Some("an IPv4-translated address for 10.0.0.1, a private address (10.0.0.0/8)")),
        ("64:ff9b::127.0.0.1", Some("a NAT64 address for 127.0.0.1, a loopback address (127.0.0.0/8)")),
        ("64:ff9b::a9fe:a9fe", Some("a NAT64 address for 169.254.169.254, a link-local address")),
        ("64:ff9b::8.8.8.8", None),
        ("2002:c0a8:0101::1", Some("a 6to4 address for 192.168.1.1, a private address (192.168.0.0/16)")),
        ("2002:7f00:1::", Some("a 6to4 address for 127.0.0.1, a loopback address")),
        ("2002:0808:0808::1", None),
    ];

    #[test]
    fn every_special_use_range_is_refused_at_its_edges_and_its_public_neighbours_are_not() {
        for (address, expected) in CASES {
            let said = refusal(address.parse().unwrap()).map(|r| r.to_string());
            match expected {
                None => assert_eq!(said, None, "{address} is public"),
                Some(start) => {
                    let said = said.unwrap_or_else(|| panic!("{address} is not refused"));
                    assert!(said.starts_with(start), "{address}: said {said:?}, expected {start:?}");
                }
            }
        }
    }

    #[test]
    fn the_rows_of_the_table_are_networks_an_operator_could_write() {
        for range in V4.iter().chain(V6).chain([&GLOBAL_UNICAST]) {
            let written = range.network.to_string();
            assert_eq!(written.parse(), Ok(range.network), "{written} has bits past its prefix");
        }
        for carrier in CARRIERS {
            assert_eq!(carrier.network.to_string().parse(), Ok(carrier.network));
        }
    }

    #[test]
    fn an_ipv4_mapped_address_is_the_ipv4_address_it_maps() {
        assert_eq!(canonical("::ffff:10.0.0.1".parse().unwrap()), "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(canonical("::1".parse().unwrap()), "::1".parse::<IpAddr>().unwrap());
        assert_eq!(canonical("64:ff9b::a00:1".parse().unwrap()), "64:ff9b::a00:1".parse::<IpAddr>().unwrap());
    }
}
