//! Settings that load but will not work as the operator means them: said by `parley config
//! check` and logged by `parley serve` at start, without refusing to run (a test or a
//! private network may mean them).

use std::net::IpAddr;

use super::Settings;

/// Each piece of advice for these settings, naming the setting to change.
pub fn advice(settings: &Settings) -> Vec<String> {
    let mut said = Vec::new();
    if let Some(advice) = voice_address(settings) {
        said.push(advice);
    }
    said
}

/// Voice media goes to the address Parley advertises in ICE candidates: `voice_public_ip`, else
/// the bound one. Behind a public URL, a private or loopback address is one nobody outside
/// reaches, and voice would not connect (a container's address, an empty `PUBLIC_IP`).
fn voice_address(settings: &Settings) -> Option<String> {
    // Voice elsewhere (voice_endpoint), or kept to this machine on purpose (the default
    // loopback bind, as on pods that do not carry calls): nothing to advise.
    let local_on_purpose = settings.voice.public_ip.is_none() && settings.voice.udp_bind.ip().is_loopback();
    if !public_host(&settings.public_url) || settings.gateway.voice_endpoint.is_some() || local_on_purpose {
        return None;
    }
    let advertised = settings.voice.public_ip.unwrap_or(settings.voice.udp_bind.ip());
    let reason = if advertised.is_unspecified() {
        "every interface's own address, which behind NAT or in a container is a private one"
    } else if advertised.is_loopback() {
        "a loopback address"
    } else if is_private(advertised) {
        "a private address"
    } else {
        return None;
    };
    Some(format!(
        "voice would advertise {advertised} ({reason}) while public_url ({}) is public: clients outside will not \
         reach voice. Set voice_public_ip (PARLEY_VOICE_PUBLIC_IP) to the address they reach this host at",
        settings.public_url
    ))
}

/// Whether `url`'s host is one the internet reaches: a public address, or a dotted name that is
/// not localhost nor a name for a home or company network (`.lan`, `.local`, `.internal`,
/// `.home.arpa`).
fn public_host(url: &str) -> bool {
    let host = parley_app::auth::bootstrap::url_host(url);
    match host.parse::<IpAddr>() {
        Ok(ip) => !ip.is_loopback() && !ip.is_unspecified() && !is_private(ip),
        Err(_) => {
            let private = [".localhost", ".lan", ".local", ".internal", ".home.arpa"];
            host.contains('.') && !private.iter().any(|suffix| host.ends_with(suffix))
        }
    }
}

/// RFC 1918, carrier-grade NAT, link-local, and IPv6 unique-local and link-local addresses.
fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private() || v4.is_link_local() || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_private(IpAddr::V4(v4)) || v4.is_loopback(),
            None => {
                let first = v6.segments()[0];
                (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(extra: &[(&str, &str)]) -> Settings {
        let env = extra.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
        Settings::load(None, env).unwrap()
    }

    #[test]
    fn a_public_url_with_a_private_or_unset_voice_address_is_advised_against() {
        let public = ("PARLEY_PUBLIC_URL", "https://chat.example.org");
        for (ip, says) in [("", "every interface"), ("172.18.0.5", "a private address"), ("127.0.0.1", "loopback")] {
            let mut extra = vec![public, ("PARLEY_VOICE_UDP_BIND", "0.0.0.0:50000")];
            if !ip.is_empty() {
                extra.push(("PARLEY_VOICE_PUBLIC_IP", ip));
            }
            let advice = advice(&settings(&extra));
            assert!(
                advice.len() == 1 && advice[0].contains(says) && advice[0].contains("voice_public_ip"),
                "{advice:?}"
            );
        }
        let fine = settings(&[public, ("PARLEY_VOICE_PUBLIC_IP", "203.0.113.7")]);
        assert!(advice(&fine).is_empty());
        let mapped = settings(&[public, ("PARLEY_VOICE_PUBLIC_IP", "::ffff:10.0.0.5")]);
        assert_eq!(advice(&mapped).len(), 1, "an IPv4-mapped private address");
        // The defaults (voice on loopback, as on a pod that carries no calls), or voice
        // elsewhere: nothing to say.
        assert!(advice(&settings(&[public])).is_empty());
        let elsewhere = settings(&[
            public,
            ("PARLEY_VOICE_UDP_BIND", "0.0.0.0:50000"),
            ("PARLEY_VOICE_ENDPOINT", "voice.example.org/voice"),
        ]);
        assert!(advice(&elsewhere).is_empty());
    }

    #[test]
    fn a_local_or_private_public_url_needs_no_public_voice_address() {
        for url in [
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://192.168.1.5:8080",
            "http://parley.localhost",
            "http://chat.lan",
            "http://parley.home.arpa",
            "http://intranet",
        ] {
            assert!(
                advice(&settings(&[("PARLEY_PUBLIC_URL", url), ("PARLEY_VOICE_UDP_BIND", "0.0.0.0:50000")])).is_empty(),
                "{url}"
            );
        }
    }
}
