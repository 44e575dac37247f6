//! The `turn_*` and `stun_urls` settings: STUN and TURN servers handed to voice clients.

use std::time::Duration;

use parley_app::voice::turn::TurnConfig;

use super::load::{ConfigError, Raw};

/// The `turn_*` and `stun_urls` settings: TURN needs both a secret and URLs.
pub(super) fn turn_settings(raw: &Raw) -> Result<Option<TurnConfig>, ConfigError> {
    let urls = |schemes: &'static [&'static str]| {
        move |v: &str| {
            let urls: Vec<String> = v.split(',').map(str::trim).filter(|u| !u.is_empty()).map(str::to_owned).collect();
            urls.iter().all(|u| schemes.iter().any(|s| u.starts_with(s) && u.len() > s.len())).then_some(urls)
        }
    };
    let turn_urls =
        raw.parse("turn_urls", "expected comma-separated turn: or turns: URLs", urls(&["turn:", "turns:"]))?;
    let stun_urls =
        raw.parse("stun_urls", "expected comma-separated stun: or stuns: URLs", urls(&["stun:", "stuns:"]))?;
    let ttl = Duration::from_secs(raw.number("turn_credential_ttl_secs", 60, 86_400)?);
    let secret = raw.text("turn_secret");
    if secret.is_empty() {
        if !turn_urls.is_empty() {
            return Err(raw.refuse(
                "turn_secret",
                "",
                "turn_urls is set but turn_secret is empty: coturn would refuse every credential",
            ));
        }
        return Ok((!stun_urls.is_empty()).then_some(TurnConfig { secret, stun_urls, turn_urls, ttl }));
    }
    if secret.len() < 16 {
        return Err(raw.refuse(
            "turn_secret",
            "(hidden)",
            "expected at least 16 characters (openssl rand -hex 24 makes a good one)",
        ));
    }
    Ok(Some(TurnConfig { secret, stun_urls, turn_urls, ttl }))
}

#[cfg(test)]
mod tests {
    use super::super::Settings;
    use super::super::env_vars as env;

    #[test]
    fn turn_needs_a_long_enough_secret_and_well_formed_urls() {
        let error = Settings::load(None, env(&[("PARLEY_TURN_URLS", "turn:t.example:3478")])).unwrap_err();
        assert_eq!(error.key, "turn_secret");
        let error =
            Settings::load(None, env(&[("PARLEY_TURN_SECRET", "short"), ("PARLEY_TURN_URLS", "turn:t.example")]))
                .unwrap_err();
        assert_eq!((error.key.as_str(), error.value.as_str()), ("turn_secret", "(hidden)"), "the secret is not echoed");
        let error = Settings::load(None, env(&[("PARLEY_TURN_URLS", "http://t.example")])).unwrap_err();
        assert_eq!(error.key, "turn_urls");
        let s = Settings::load(
            None,
            env(&[
                ("PARLEY_TURN_SECRET", "0123456789abcdef0123"),
                ("PARLEY_TURN_URLS", "turn:t.example:3478?transport=udp, turns:t.example:5349"),
                ("PARLEY_STUN_URLS", "stun:t.example:3478"),
            ]),
        )
        .unwrap();
        let turn = s.api.turn.expect("TURN is configured");
        assert_eq!(turn.turn_urls, ["turn:t.example:3478?transport=udp", "turns:t.example:5349"]);
        assert_eq!(turn.ttl.as_secs(), 3600);
    }
}
