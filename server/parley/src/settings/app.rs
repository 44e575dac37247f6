//! The settings of [`AppConfig`], which the API and the gateway share: accounts, login lockout,
//! rate limits, CORS, the gateway URL, the web client's socket origins, TURN and upload limits.

use parley_app::AppConfig;
use parley_app::files::FilesConfig;
use parley_app::files::image_scrub::ImageLimits;
use parley_app::limits::rest::RestLimitConfig;
use parley_store::users::LockoutPolicy;

use super::load::{ConfigError, Raw};
use super::spec::Value;
use super::voice::turn_config;

/// What the application's settings take from other settings.
pub(super) struct Context<'a> {
    /// Clients reach Parley over HTTPS: an https `public_url`, or TLS served by Parley itself.
    pub hsts: bool,
    /// `metrics_bind` is set.
    pub metrics_elsewhere: bool,
    /// The `voice_endpoint` setting, if set.
    pub voice_endpoint: Option<&'a str>,
    /// Others can reach the instance (`bind` beyond loopback, or a non-localhost `public_url`).
    pub reachable_by_others: bool,
}

pub(super) fn app_config(raw: &Raw, context: Context<'_>) -> Result<AppConfig, ConfigError> {
    let gateway_url = raw.text("gateway_url")?.trim_end_matches('/').to_owned();
    Ok(AppConfig {
        outbound_allow: super::outbound::outbound_allow(raw)?,
        socket_origins: socket_origins(&gateway_url, context.voice_endpoint),
        registration: raw.word("registration")?,
        guild_creation: raw.word("guild_creation")?,
        refresh_token_ttl: raw.duration("refresh_token_ttl_days")?,
        lockout: LockoutPolicy {
            threshold: raw.integer("login_lockout_threshold")?,
            window_ms: millis(raw, "login_lockout_window_secs")?,
            lock_ms: millis(raw, "login_lockout_secs")?,
        },
        auth_ip_limit_per_minute: raw.integer("auth_rate_limit_per_minute")?,
        login_account_limit_per_minute: raw.integer("login_rate_limit_per_minute")?,
        max_body_bytes: raw.integer("max_body_bytes")?,
        hsts: context.hsts,
        cors_origins: raw.list("cors_origins")?,
        trust_forwarded_for: raw.bool("trust_forwarded_for")?,
        gateway_url,
        metrics_elsewhere: context.metrics_elsewhere,
        rest_limits: RestLimitConfig {
            global_per_second: raw.integer("rest_global_per_second")?,
            messages_per_5s: raw.integer("rest_messages_per_5s")?,
            guild_creates_per_hour: raw.integer("rest_guild_creates_per_hour")?,
            exports_per_hour: raw.integer("rest_exports_per_hour")?,
            route_per_10s: raw.integer("rest_route_per_10s")?,
            identifies_per_5s: raw.integer("gateway_identifies_per_5s")?,
            identifies_per_day: raw.integer("gateway_identifies_per_day")?,
        },
        turn: turn_config(raw)?,
        admin_bootstrap: context.reachable_by_others,
        files: files_config(raw)?,
    })
}

/// What uploads may be (the `files_*` limits).
fn files_config(raw: &Raw) -> Result<FilesConfig, ConfigError> {
    const MIB: u64 = 1024 * 1024;
    let quota = |bytes: u64| (bytes > 0).then(|| i64::try_from(bytes).unwrap_or(i64::MAX));
    Ok(FilesConfig {
        max_file_bytes: raw.integer::<u64>("files_max_upload_mib")? * MIB,
        max_files_per_message: raw.integer("files_per_message")?,
        user_quota_bytes: quota(raw.integer::<u64>("files_user_quota_mib")? * MIB),
        instance_quota_bytes: quota(raw.integer::<u64>("files_instance_quota_gib")? * 1024 * MIB),
        strip_metadata: raw.bool("files_strip_metadata")?,
        image: ImageLimits {
            max_pixels: raw.integer::<u64>("files_image_max_megapixels")? * 1_000_000,
            max_side: FilesConfig::DEFAULT.image.max_side,
        },
        url_ttl_secs: raw.integer::<u64>("files_url_ttl_hours")? * 3600,
        deleted_grace_secs: raw.integer::<u64>("files_deleted_grace_mins")? * 60,
        // Set with the storage it depends on (settings::files::download_origin).
        download_origin: None,
    })
}

/// A duration setting in milliseconds, as [`LockoutPolicy`] keeps it.
fn millis(raw: &Raw, key: &'static str) -> Result<i64, ConfigError> {
    raw.get(key, |v| match v {
        Value::Duration(d) => i64::try_from(d.as_millis()).ok(),
        _ => None,
    })
}

/// The WebSocket origins the web client may open besides its own (the policy's
/// `connect-src`): the gateway's, when `gateway_url` puts it elsewhere, and the voice
/// endpoint's (with either scheme: the client picks the page's).
fn socket_origins(gateway_url: &str, voice_endpoint: Option<&str>) -> Vec<String> {
    let mut origins = Vec::new();
    if let Some((scheme, rest)) = gateway_url.split_once("://") {
        origins.push(format!("{scheme}://{}", rest.split('/').next().unwrap_or(rest)));
    }
    if let Some(endpoint) = voice_endpoint {
        let host = endpoint.split('/').next().unwrap_or(endpoint);
        origins.push(format!("wss://{host}"));
        origins.push(format!("ws://{host}"));
    }
    origins
}

#[cfg(test)]
mod tests {
    use super::super::Settings;
    use super::super::env_vars as env;

    #[test]
    fn the_web_client_may_open_sockets_only_to_itself_and_to_a_gateway_or_voice_host_named_in_settings() {
        let s = Settings::load(None, Vec::new()).unwrap();
        assert!(s.api.socket_origins.is_empty(), "by default, its own origin only");
        let s = Settings::load(
            None,
            env(&[
                ("PARLEY_GATEWAY_URL", "wss://gateway.example.com/gateway"),
                ("PARLEY_VOICE_ENDPOINT", "voice.example.com:8443/voice"),
            ]),
        )
        .unwrap();
        assert_eq!(
            s.api.socket_origins,
            ["wss://gateway.example.com", "wss://voice.example.com:8443", "ws://voice.example.com:8443"]
        );
    }

    #[test]
    fn lockout_durations_are_kept_in_milliseconds_and_every_registration_word_is_a_mode() {
        let s = Settings::load(None, env(&[("PARLEY_LOGIN_LOCKOUT_WINDOW_SECS", "60")])).unwrap();
        assert_eq!((s.api.lockout.window_ms, s.api.lockout.lock_ms), (60_000, 900_000));
        for (word, mode) in [
            ("open", parley_app::RegistrationMode::Open),
            ("invite_only", parley_app::RegistrationMode::InviteOnly),
            ("closed", parley_app::RegistrationMode::Closed),
        ] {
            let s = Settings::load(None, env(&[("PARLEY_REGISTRATION", word)])).unwrap();
            assert_eq!(s.api.registration, mode);
        }
        for word in ["anyone", "admins"] {
            assert!(Settings::load(None, env(&[("PARLEY_GUILD_CREATION", word)])).is_ok(), "{word}");
        }
    }
}
