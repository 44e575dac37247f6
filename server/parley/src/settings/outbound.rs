//! The outbound client's setting: `outbound_allow`, the special-use networks (private,
//! loopback, link-local...) it may call all the same, as `parley_outbound` networks.

use parley_outbound::{ALLOW_SETTING, Network};

use super::load::{ConfigError, Raw};
use super::spec::Value;

pub(super) fn outbound_allow(raw: &Raw) -> Result<Vec<Network>, ConfigError> {
    raw.get(ALLOW_SETTING, |v| match v {
        Value::List(items) => items.iter().map(|item| item.parse().ok()).collect(),
        _ => None,
    })
    .map_err(|error| {
        // Say which entry is wrong and how to write it (`10.1.2.3/8`: `10.0.0.0/8` or `/32`).
        let first_bad = error.value.split(',').find_map(|item| {
            let item = item.trim();
            (!item.is_empty()).then(|| item.parse::<Network>().err()).flatten()
        });
        match first_bad {
            Some(bad) => ConfigError { problem: format!("{}; {bad}", error.problem), ..error },
            None => error,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::Settings;
    use super::super::env_vars as env;

    #[test]
    fn outbound_allow_is_read_into_networks_from_the_environment_or_a_toml_array() {
        let s = Settings::load(None, Vec::new()).unwrap();
        assert!(s.api.outbound_allow.is_empty(), "by default, public addresses only");
        let s = Settings::load(None, env(&[("PARLEY_OUTBOUND_ALLOW", "10.0.0.0/8, fd00::/8,192.168.1.7")])).unwrap();
        let shown: Vec<String> = s.api.outbound_allow.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["10.0.0.0/8", "fd00::/8", "192.168.1.7/32"]);
        let file = "outbound_allow = [\"127.0.0.0/8\", \"::1\"]";
        let s = Settings::load(Some((std::path::Path::new("p.toml"), file)), Vec::new()).unwrap();
        assert_eq!(s.api.outbound_allow.len(), 2);
    }

    #[test]
    fn a_network_written_with_host_bits_is_refused_with_both_ways_to_write_it() {
        let e = Settings::load(None, env(&[("PARLEY_OUTBOUND_ALLOW", "10.0.0.0/8,10.1.2.3/8")])).unwrap_err();
        assert_eq!(e.key, "outbound_allow");
        assert_eq!(
            e.to_string(),
            "invalid setting PARLEY_OUTBOUND_ALLOW = \"10.0.0.0/8,10.1.2.3/8\": expected empty or comma-separated \
             networks like 10.0.0.0/8 or fd00::/8, or single addresses; \"10.1.2.3/8\" is not a network: 10.1.2.3 has \
             bits set past the /8 prefix; write 10.0.0.0/8 for the network, or 10.1.2.3/32 for the one address"
        );
    }
}
