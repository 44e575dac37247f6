//! Loading: each setting's default, then the TOML file's value, then the `PARLEY_*`
//! variable's; then every value parsed into [`Settings`], or a [`ConfigError`] naming it.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use parley_app::{AppConfig, GuildCreation, RegistrationMode};
use parley_gateway::GatewayConfig;
use parley_store::DatabaseUrl;
use parley_store::users::LockoutPolicy;
use parley_voice::VoiceConfig;

use super::tls::tls_settings;
use super::turn::turn_settings;
use super::{LogFormat, SETTINGS, Settings, WorkerId};
use crate::telemetry::TelemetrySettings;
use crate::tls::TlsMode;

/// Where a value came from, so an error can say where to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Default,
    File(PathBuf),
    Env,
}

/// A setting that could not be used.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub key: String,
    pub source: Source,
    pub value: String,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match &self.source {
            Source::Env => format!("PARLEY_{}", self.key.to_ascii_uppercase()),
            Source::File(path) => format!("`{}` in {}", self.key, path.display()),
            Source::Default => format!("{} (default)", self.key),
        };
        write!(f, "invalid setting {name} = {:?}: {}", self.value, self.problem)
    }
}

impl std::error::Error for ConfigError {}

/// Raw values gathered from every source before parsing.
pub(super) struct Raw {
    pub(super) values: BTreeMap<&'static str, (String, Source)>,
}

impl Raw {
    pub(super) fn parse<T>(
        &self,
        key: &'static str,
        problem: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, ConfigError> {
        let (value, source) = &self.values[key];
        parse(value.trim()).ok_or_else(|| ConfigError {
            key: key.to_owned(),
            source: source.clone(),
            value: value.clone(),
            problem: problem.to_owned(),
        })
    }

    /// An error for a value that parses but cannot be used, as it stands with the others.
    pub(super) fn refuse(&self, key: &'static str, value: &str, problem: &str) -> ConfigError {
        ConfigError {
            key: key.to_owned(),
            source: self.values[key].1.clone(),
            value: value.to_owned(),
            problem: problem.to_owned(),
        }
    }

    pub(super) fn number<T: std::str::FromStr + PartialOrd + fmt::Display + Copy>(
        &self,
        key: &'static str,
        min: T,
        max: T,
    ) -> Result<T, ConfigError> {
        self.parse(key, &format!("expected a whole number from {min} to {max}"), |v| {
            v.parse::<T>().ok().filter(|n| *n >= min && *n <= max)
        })
    }

    pub(super) fn text(&self, key: &'static str) -> String {
        self.values[key].0.trim().to_owned()
    }
}

impl Settings {
    /// Loads settings from an optional TOML file's text and the process environment.
    pub fn load(
        file: Option<(&std::path::Path, &str)>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut raw =
            Raw { values: SETTINGS.iter().map(|s| (s.key, (s.default.to_owned(), Source::Default))).collect() };
        if let Some((path, text)) = file {
            read_toml(&mut raw, path, text)?;
        }
        let mut unknown_env = Vec::new();
        for (name, value) in env {
            let Some(key) = name.strip_prefix("PARLEY_") else { continue };
            match SETTINGS.iter().find(|s| s.key.eq_ignore_ascii_case(key)) {
                Some(spec) => {
                    raw.values.insert(spec.key, (value, Source::Env));
                }
                // PARLEY_CONFIG names the file; PARLEY_TEST_* belong to the test suite.
                None if key == "CONFIG" || key.starts_with("TEST_") => {}
                None => unknown_env.push(name),
            }
        }
        Self::from_raw(raw, unknown_env)
    }

    fn from_raw(raw: Raw, unknown_env: Vec<String>) -> Result<Self, ConfigError> {
        let data_dir =
            raw.parse("data_dir", "expected a directory path", |v| (!v.is_empty()).then(|| PathBuf::from(v)))?;
        let with_data_dir = |v: &str| v.replace("{data_dir}", &data_dir.to_string_lossy());
        let database_url = raw.parse("database_url", "expected sqlite://PATH or postgres://USER@HOST/DB", |v| {
            DatabaseUrl::parse(&with_data_dir(v)).ok()
        })?;
        let public_url = raw.parse("public_url", "expected an http:// or https:// URL", |v| {
            (v.starts_with("http://") || v.starts_with("https://")).then(|| v.trim_end_matches('/').to_owned())
        })?;
        let registration =
            raw.parse("registration", "expected open, invite_only or closed", |v| v.parse::<RegistrationMode>().ok())?;
        let guild_creation =
            raw.parse("guild_creation", "expected anyone or admins", |v| v.parse::<GuildCreation>().ok())?;
        let cors_origins =
            raw.parse("cors_origins", "expected comma-separated origins like https://chat.example.com", |v| {
                let origins: Vec<String> =
                    v.split(',').map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect();
                origins
                    .iter()
                    .all(|o| (o.starts_with("http://") || o.starts_with("https://")) && !o.ends_with('/'))
                    .then_some(origins)
            })?;
        let lockout_threshold: i64 = raw.number("login_lockout_threshold", 1, 1000)?;
        let lockout_window: i64 = raw.number("login_lockout_window_secs", 1, 86_400)?;
        let lockout_secs: i64 = raw.number("login_lockout_secs", 1, 86_400 * 7)?;
        let metrics_bind: Option<SocketAddr> =
            raw.parse("metrics_bind", "expected empty or an address and port like 0.0.0.0:9100", |v| {
                if v.is_empty() { Some(None) } else { v.parse().ok().map(Some) }
            })?;
        let log_format = raw.parse("log_format", "expected text or json", |v| match v {
            "text" => Some(LogFormat::Text),
            "json" => Some(LogFormat::Json),
            _ => None,
        })?;
        let log_level = raw.parse("log_level", "expected a filter like info or parley=debug,sqlx=warn", |v| {
            tracing_subscriber::EnvFilter::try_new(v).ok().map(|_| v.to_owned())
        })?;
        let tls = tls_settings(&raw, &data_dir)?;
        let worker_id = raw.parse("worker_id", "expected auto or a number from 0 to 1022", |v| match v {
            "auto" => Some(WorkerId::Auto),
            n => n.parse().ok().filter(|n| *n < crate::worker_lease::COMMAND_LINE_WORKER).map(WorkerId::Fixed),
        })?;
        if worker_id == WorkerId::Auto && raw.text("redis_url").is_empty() {
            return Err(raw.refuse(
                "worker_id",
                "auto",
                "worker_id = auto leases ids from Redis: set redis_url too, or give a number",
            ));
        }
        let (session_queue, replay_buffer) = (
            raw.number::<usize>("gateway_session_queue", 16, 65_536)?,
            raw.number::<usize>("gateway_replay_buffer", 32, 200_000)?,
        );
        if replay_buffer < 2 * session_queue {
            // A connection is closed when its queue is full; its client can resume only if the
            // replay buffer still holds the queue and what was in flight before it.
            return Err(raw.refuse(
                "gateway_replay_buffer",
                &replay_buffer.to_string(),
                &format!(
                    "must be at least twice gateway_session_queue ({session_queue}), so a connection closed for a full queue can resume; raise it to {} or more, or lower gateway_session_queue",
                    2 * session_queue
                ),
            ));
        }
        let voice_endpoint: Option<String> = raw.parse(
            "voice_endpoint",
            "expected empty or a host and path without a scheme, like voice.example.com/voice",
            |v| match v {
                "" => Some(None),
                v if v.contains("://") || v.contains(char::is_whitespace) || !v.contains('/') => None,
                v => Some(Some(v.to_owned())),
            },
        )?;
        let gateway_url: String = raw.parse("gateway_url", "expected empty or a ws:// or wss:// URL", |v| {
            (v.is_empty() || v.starts_with("ws://") || v.starts_with("wss://"))
                .then(|| v.trim_end_matches('/').to_owned())
        })?;
        let api = AppConfig {
            socket_origins: socket_origins(&gateway_url, voice_endpoint.as_deref()),
            registration,
            guild_creation,
            refresh_token_ttl: Duration::from_secs(86_400 * raw.number::<u64>("refresh_token_ttl_days", 1, 365)?),
            lockout: LockoutPolicy {
                threshold: lockout_threshold,
                window_ms: lockout_window * 1000,
                lock_ms: lockout_secs * 1000,
            },
            auth_ip_limit_per_minute: raw.number("auth_rate_limit_per_minute", 0, 100_000)?,
            login_account_limit_per_minute: raw.number("login_rate_limit_per_minute", 0, 100_000)?,
            max_body_bytes: raw.number("max_body_bytes", 1024, 64 * 1024 * 1024)?,
            hsts: public_url.starts_with("https://") || tls.mode != TlsMode::Off,
            cors_origins,
            trust_forwarded_for: raw.parse("trust_forwarded_for", "expected true or false", parse_bool)?,
            gateway_url,
            metrics_elsewhere: metrics_bind.is_some(),
            rest_limits: parley_app::limits::rest::RestLimitConfig {
                global_per_second: raw.number("rest_global_per_second", 0, 1_000_000)?,
                messages_per_5s: raw.number("rest_messages_per_5s", 0, 1_000_000)?,
                guild_creates_per_hour: raw.number("rest_guild_creates_per_hour", 0, 1_000_000)?,
                route_per_10s: raw.number("rest_route_per_10s", 0, 1_000_000)?,
                identifies_per_5s: raw.number("gateway_identifies_per_5s", 0, 1_000_000)?,
                identifies_per_day: raw.number("gateway_identifies_per_day", 0, 100_000_000)?,
            },
            turn: turn_settings(&raw)?,
        };
        Ok(Self {
            bind: raw.parse("bind", "expected an address and port like 127.0.0.1:8080", |v| v.parse().ok())?,
            metrics_bind,
            public_url,
            signing_key_file: PathBuf::from(with_data_dir(&raw.text("signing_key_file"))),
            data_dir,
            database_url,
            database_max_connections: raw.number("database_max_connections", 1, 1000)?,
            worker_id,
            password_hash_memory_kib: raw.number("password_hash_memory_kib", 64, 4 * 1024 * 1024)?,
            password_hash_iterations: raw.number("password_hash_iterations", 1, 10)?,
            password_hash_concurrency: raw.number("password_hash_concurrency", 1, 256)?,
            telemetry: TelemetrySettings {
                log_format,
                log_level,
                otlp_endpoint: raw.parse(
                    "otlp_endpoint",
                    "expected empty or an http:// URL like http://tempo:4318",
                    optional_http_url,
                )?,
                sample_ratio: raw.number("otlp_sample_ratio", 0.0, 1.0)?,
                loki_url: raw.parse(
                    "loki_url",
                    "expected empty or an http:// URL like http://loki:3100",
                    optional_http_url,
                )?,
            },
            shutdown_grace: Duration::from_secs(raw.number("shutdown_grace_secs", 0, 3600)?),
            event_bus_capacity: raw.number("event_bus_capacity", 16, 1_000_000)?,
            redis_url: raw.parse("redis_url", "expected empty, or redis://HOST:PORT (rediss:// for TLS)", |v| {
                if v.is_empty() {
                    Some(None)
                } else if v.starts_with("redis://") || v.starts_with("rediss://") {
                    Some(Some(v.to_owned()))
                } else {
                    None
                }
            })?,
            redis_key_prefix: raw.parse("redis_key_prefix", "expected letters, digits, ':', '_' or '-'", |v| {
                (!v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || ":_-".contains(c)))
                    .then(|| v.to_owned())
            })?,
            redis_event_log_length: raw.number("redis_event_log_length", 1000, 10_000_000)?,
            gateway: GatewayConfig {
                heartbeat_interval: Duration::from_millis(raw.number(
                    "gateway_heartbeat_interval_ms",
                    1000,
                    600_000,
                )?),
                session_queue,
                replay_buffer,
                resume_window: Duration::from_secs(raw.number("gateway_resume_window_secs", 1, 3600)?),
                commands_per_minute: raw.number("gateway_commands_per_minute", 10, 100_000)?,
                write_timeout: Duration::from_secs(raw.number("gateway_write_timeout_secs", 1, 300)?),
                sessions_per_account: raw.number("gateway_sessions_per_account", 0, 1_000_000)?,
                voice_endpoint: voice_endpoint.clone(),
            },
            voice: VoiceConfig {
                udp_bind: raw.parse("voice_udp_bind", "expected a UDP address and port like 0.0.0.0:50000", |v| {
                    v.parse().ok()
                })?,
                public_ip: raw.parse("voice_public_ip", "expected empty or an IP address like 203.0.113.7", |v| {
                    if v.is_empty() { Some(None) } else { v.parse().ok().map(Some) }
                })?,
                resume_window: Duration::from_secs(raw.number("voice_resume_window_secs", 1, 300)?),
                ..VoiceConfig::default()
            },
            api,
            tls,
            unknown_env,
        })
    }
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

/// Empty (not set) or an `http://` base URL without a trailing slash. HTTPS exporters are not
/// supported yet: the bundle's collectors are on the private network.
fn optional_http_url(v: &str) -> Option<Option<String>> {
    if v.is_empty() {
        Some(None)
    } else if v.starts_with("http://") && v.len() > "http://".len() {
        Some(Some(v.trim_end_matches('/').to_owned()))
    } else {
        None
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn read_toml(raw: &mut Raw, path: &std::path::Path, text: &str) -> Result<(), ConfigError> {
    let file = || Source::File(path.to_owned());
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| ConfigError {
        key: "(file)".to_owned(),
        source: file(),
        value: String::new(),
        problem: format!("not valid TOML: {}", e.message()),
    })?;
    for (key, value) in table {
        let Some(spec) = SETTINGS.iter().find(|s| s.key == key) else {
            return Err(ConfigError {
                key,
                source: file(),
                value: value.to_string(),
                problem: "no such setting (see docs/configuration.md)".to_owned(),
            });
        };
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Array(items) => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned).unwrap_or_else(|| item.to_string()))
                .collect::<Vec<_>>()
                .join(","),
            other => {
                return Err(ConfigError {
                    key,
                    source: file(),
                    value: other.to_string(),
                    problem: "expected a string, number, boolean or list".to_owned(),
                });
            }
        };
        raw.values.insert(spec.key, (text, file()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use parley_app::RegistrationMode;

    use super::super::env_vars as env;
    use super::super::{SETTINGS, Settings, WorkerId};

    #[test]
    fn with_no_configuration_parley_runs_embedded_on_loopback() {
        let s = Settings::load(None, Vec::new()).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database_url.as_str(), "sqlite://./data/parley.db");
        assert_eq!(s.signing_key_file, PathBuf::from("./data/keys/access-token.ed25519"));
        assert_eq!(s.api.registration, RegistrationMode::InviteOnly);
        assert!(!s.api.hsts);
    }

    #[test]
    fn environment_variables_override_the_file_which_overrides_defaults() {
        let file =
            "bind = \"0.0.0.0:9000\"\nworker_id = 7\ncors_origins = [\"https://a.example\", \"https://b.example\"]\n";
        let s =
            Settings::load(Some((std::path::Path::new("p.toml"), file)), env(&[("PARLEY_WORKER_ID", "9")])).unwrap();
        assert_eq!(s.bind.to_string(), "0.0.0.0:9000");
        assert_eq!(s.worker_id, WorkerId::Fixed(9));
        assert_eq!(s.api.cors_origins, vec!["https://a.example", "https://b.example"]);
    }

    #[test]
    fn an_invalid_value_names_the_setting_its_source_and_what_is_expected() {
        let e = Settings::load(None, env(&[("PARLEY_WORKER_ID", "2000")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid setting PARLEY_WORKER_ID = \"2000\": expected auto or a number from 0 to 1022"
        );
        let e = Settings::load(Some((std::path::Path::new("/etc/parley.toml"), "bind = \"nope\"")), Vec::new())
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid setting `bind` in /etc/parley.toml = \"nope\": expected an address and port like 127.0.0.1:8080"
        );
        let e = Settings::load(None, env(&[("PARLEY_DATABASE_URL", "mysql://x")])).unwrap_err();
        assert!(e.to_string().contains("PARLEY_DATABASE_URL"));
        let e = Settings::load(None, env(&[("PARLEY_REGISTRATION", "sometimes")])).unwrap_err();
        assert!(e.to_string().contains("expected open, invite_only or closed"));
    }

    #[test]
    fn an_unknown_key_in_the_file_is_an_error_and_an_unknown_variable_is_reported() {
        let e = Settings::load(Some((std::path::Path::new("p.toml"), "bnid = \"x\"")), Vec::new()).unwrap_err();
        assert_eq!(e.key, "bnid");
        let s =
            Settings::load(None, env(&[("PARLEY_BNID", "x"), ("PARLEY_TEST_POSTGRES_URL", "x"), ("HOME", "/root")]))
                .unwrap();
        assert_eq!(s.unknown_env, vec!["PARLEY_BNID"]);
    }

    #[test]
    fn the_replay_buffer_must_cover_twice_the_session_queue() {
        let s = Settings::load(None, Vec::new()).unwrap();
        assert!(s.gateway.replay_buffer >= 2 * s.gateway.session_queue, "the defaults hold the rule");
        let e = Settings::load(
            None,
            env(&[("PARLEY_GATEWAY_SESSION_QUEUE", "512"), ("PARLEY_GATEWAY_REPLAY_BUFFER", "256")]),
        )
        .unwrap_err();
        assert_eq!(e.key, "gateway_replay_buffer");
        assert!(e.problem.contains("twice gateway_session_queue (512)") && e.problem.contains("1024"), "{e}");
        let s = Settings::load(
            None,
            env(&[("PARLEY_GATEWAY_SESSION_QUEUE", "512"), ("PARLEY_GATEWAY_REPLAY_BUFFER", "1024")]),
        )
        .unwrap();
        assert_eq!((s.gateway.session_queue, s.gateway.replay_buffer), (512, 1024));
    }

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
    fn the_voice_endpoint_is_a_host_and_path_without_a_scheme() {
        let s = Settings::load(None, Vec::new()).unwrap();
        assert_eq!(s.gateway.voice_endpoint, None, "empty: beside the gateway");
        let s = Settings::load(None, env(&[("PARLEY_VOICE_ENDPOINT", "voice.example.com/voice")])).unwrap();
        assert_eq!(s.gateway.voice_endpoint.as_deref(), Some("voice.example.com/voice"));
        for bad in ["wss://voice.example.com/voice", "voice.example.com", "a b/voice"] {
            let e = Settings::load(None, env(&[("PARLEY_VOICE_ENDPOINT", bad)])).unwrap_err();
            assert_eq!(e.key, "voice_endpoint", "{bad}");
            assert!(e.problem.contains("without a scheme"), "{e}");
        }
    }

    #[test]
    fn worker_id_auto_needs_redis_and_1023_is_kept_for_the_command_line() {
        let error = Settings::load(None, env(&[("PARLEY_WORKER_ID", "auto")])).unwrap_err();
        assert_eq!(error.key, "worker_id");
        assert!(error.problem.contains("redis_url"), "{error}");
        let error = Settings::load(None, env(&[("PARLEY_WORKER_ID", "1023")])).unwrap_err();
        assert_eq!(error.key, "worker_id");
        let s =
            Settings::load(None, env(&[("PARLEY_WORKER_ID", "auto"), ("PARLEY_REDIS_URL", "redis://r:6379")])).unwrap();
        assert_eq!((s.worker_id, s.worker_id.for_command_line()), (WorkerId::Auto, 1023));
    }

    #[test]
    fn an_https_public_url_turns_on_hsts() {
        let s = Settings::load(None, env(&[("PARLEY_PUBLIC_URL", "https://chat.example.com/")])).unwrap();
        assert!(s.api.hsts);
        assert_eq!(s.public_url, "https://chat.example.com");
    }

    #[test]
    fn every_default_parses() {
        // Each default on its own, through the same parser operators' values go through.
        for spec in SETTINGS {
            let s = Settings::load(None, env(&[(&spec.env_var(), spec.default)]));
            assert!(s.is_ok(), "default of {} does not parse: {:?}", spec.key, s.err());
        }
    }
}
