//! The voice server's settings ([`VoiceConfig`]), and the STUN and TURN servers handed to
//! voice clients (`turn_*`, `stun_urls`).

use parley_app::voice::turn::TurnConfig;
use parley_voice::VoiceConfig;

use super::load::{ConfigError, Raw};

pub(super) fn voice_config(raw: &Raw) -> Result<VoiceConfig, ConfigError> {
    Ok(VoiceConfig {
        udp_bind: raw.address("voice_udp_bind")?,
        public_ip: raw.optional_ip("voice_public_ip")?,
        resume_window: raw.duration("voice_resume_window_secs")?,
        ..VoiceConfig::DEFAULT
    })
}

/// The `turn_*` and `stun_urls` settings: TURN needs both a secret and URLs.
pub(super) fn turn_config(raw: &Raw) -> Result<Option<TurnConfig>, ConfigError> {
    let turn_urls = raw.list("turn_urls")?;
    let stun_urls = raw.list("stun_urls")?;
    let ttl = raw.duration("turn_credential_ttl_secs")?;
    // Empty, or long enough: the spec checks it, and never repeats it in an error.
    let secret = raw.text("turn_secret")?;
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
