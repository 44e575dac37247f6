//! Parley's configuration: one typed [`Settings`] struct, loaded from built-in defaults, then
//! an optional TOML file, then `PARLEY_*` environment variables (each later source wins).
//!
//! Every setting is declared once in [`SETTINGS`], with its default and its documentation;
//! `docs/configuration.md` and `parley.env.example` are generated from that table (a test
//! keeps them in step). A value that does not parse stops start-up with a message naming
//! the setting, where the value came from, and what a valid value looks like.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use parley_app::voice::turn::TurnConfig;
use parley_app::{AppConfig, GuildCreation, RegistrationMode};
use parley_gateway::GatewayConfig;
use parley_store::DatabaseUrl;
use parley_store::users::LockoutPolicy;
use parley_voice::VoiceConfig;

use crate::telemetry::TelemetrySettings;
use crate::tls::{AcmeSettings, TlsMode, TlsSettings};

/// One setting: its key (TOML key; the env var is `PARLEY_` + upper case), default, and doc.
pub struct SettingSpec {
    pub key: &'static str,
    pub default: &'static str,
    pub doc: &'static str,
}

impl SettingSpec {
    pub fn env_var(&self) -> String {
        format!("PARLEY_{}", self.key.to_ascii_uppercase())
    }
}

/// Every setting Parley reads. Defaults may refer to `{data_dir}`.
pub const SETTINGS: &[SettingSpec] = &[
    SettingSpec {
        key: "bind",
        default: "127.0.0.1:8080",
        doc: "Address and port the HTTP server listens on. Use 0.0.0.0:8080 in a container.",
    },
    SettingSpec {
        key: "public_url",
        default: "http://localhost:8080",
        doc: "The URL people and bots use to reach Parley. An https URL turns on Strict-Transport-Security.",
    },
    SettingSpec {
        key: "data_dir",
        default: "./data",
        doc: "Directory for the SQLite database, uploaded files and generated keys. Created if missing.",
    },
    SettingSpec {
        key: "database_url",
        default: "sqlite://{data_dir}/parley.db",
        doc: "sqlite://PATH (embedded, the default) or postgres://USER:PASSWORD@HOST:PORT/DB. With PostgreSQL, run `parley migrate` before `parley serve`, or pass --migrate.",
    },
    SettingSpec {
        key: "database_max_connections",
        default: "16",
        doc: "Most database connections this process opens (1-1000).",
    },
    SettingSpec {
        key: "worker_id",
        default: "0",
        doc: "This node's id (0-1022), stamped into every id it creates; every node of a cluster needs its own. auto: lease a free one from Redis at start (needs redis_url), for replicas started from one template. 1023 is kept for command-line tools.",
    },
    SettingSpec {
        key: "registration",
        default: "invite_only",
        doc: "Who may create an account: open, invite_only (needs an instance invite from an admin) or closed (admins create accounts with `parley admin create-user`). Unless closed, the very first account needs no invite and becomes the instance admin.",
    },
    SettingSpec {
        key: "guild_creation",
        default: "anyone",
        doc: "Who may create guilds: anyone with an account, or admins (instance admins only).",
    },
    SettingSpec {
        key: "signing_key_file",
        default: "{data_dir}/keys/access-token.ed25519",
        doc: "File holding the Ed25519 key that signs access tokens; generated on first start. Every node of a cluster must share it.",
    },
    SettingSpec {
        key: "refresh_token_ttl_days",
        default: "30",
        doc: "Days a refresh token stays valid if unused (1-365). Each use issues a new one.",
    },
    SettingSpec {
        key: "password_hash_memory_kib",
        default: "19456",
        doc: "Argon2id memory cost per password hash, in KiB (OWASP recommends 19456). Lower only for tests.",
    },
    SettingSpec { key: "password_hash_iterations", default: "2", doc: "Argon2id passes per password hash (1-10)." },
    SettingSpec {
        key: "password_hash_concurrency",
        default: "2",
        doc: "Most password hashes computed at once; the rest wait. Bounds memory: this times password_hash_memory_kib.",
    },
    SettingSpec {
        key: "login_lockout_threshold",
        default: "10",
        doc: "Failed logins within the window that lock an account (1-1000).",
    },
    SettingSpec {
        key: "login_lockout_window_secs",
        default: "900",
        doc: "The window, in seconds, in which failed logins are counted.",
    },
    SettingSpec {
        key: "login_lockout_secs",
        default: "900",
        doc: "How long, in seconds, a locked account stays locked.",
    },
    SettingSpec {
        key: "auth_rate_limit_per_minute",
        default: "30",
        doc: "Requests per minute each client address may make to register, login and refresh (0 disables).",
    },
    SettingSpec {
        key: "login_rate_limit_per_minute",
        default: "10",
        doc: "Login attempts per minute for each account name, from any address (0 disables).",
    },
    SettingSpec {
        key: "rest_global_per_second",
        default: "50",
        doc: "API requests each account (or, without a token, each client address) may make per second, all routes together (Discord's global limit is 50); over it, 429 with global: true. 0 disables. Shared by every node through Redis when redis_url is set.",
    },
    SettingSpec {
        key: "rest_messages_per_5s",
        default: "5",
        doc: "Messages each account may send per 5 seconds in one channel (Discord's limit); over it, 429 with retry_after. 0 disables.",
    },
    SettingSpec {
        key: "rest_guild_creates_per_hour",
        default: "10",
        doc: "Guilds each account may create per hour. 0 disables.",
    },
    SettingSpec {
        key: "rest_route_per_10s",
        default: "50",
        doc: "Requests each account may make per 10 seconds to any other one route (per channel or guild it acts in, as Discord's buckets are). 0 disables.",
    },
    SettingSpec {
        key: "max_body_bytes",
        default: "1048576",
        doc: "Largest JSON request body accepted, in bytes; larger ones get 413.",
    },
    SettingSpec {
        key: "cors_origins",
        default: "",
        doc: "Comma-separated origins (https://chat.example.com) allowed to call the API from other sites' pages. Empty: same origin only.",
    },
    SettingSpec {
        key: "trust_forwarded_for",
        default: "false",
        doc: "Take the client address from X-Forwarded-For. Turn on only behind a reverse proxy that sets it (nginx, an ingress).",
    },
    SettingSpec {
        key: "event_bus_capacity",
        default: "4096",
        doc: "Events the in-process bus holds for its slowest subscriber; a subscriber further behind is told it lagged (a gateway session is then closed as resumable). 16-1000000.",
    },
    SettingSpec {
        key: "redis_url",
        default: "",
        doc: "redis://[:PASSWORD@]HOST:PORT[/DB] to run several Parley nodes as one: events travel between them through a Redis stream, and a gateway session can resume on any node. Empty: one node, everything in process.",
    },
    SettingSpec {
        key: "redis_key_prefix",
        default: "parley",
        doc: "Prefix of every key Parley uses in Redis, so several deployments can share one Redis.",
    },
    SettingSpec {
        key: "redis_event_log_length",
        default: "100000",
        doc: "About how many recent events the Redis stream keeps: how far back a session resuming on another node can catch up. 1000-10000000.",
    },
    SettingSpec {
        key: "gateway_url",
        default: "",
        doc: "The WebSocket URL clients and bots are told to connect to, e.g. wss://chat.example.com/gateway. Empty: ws:// (wss:// when public_url is https) plus the host the client used, then /gateway.",
    },
    SettingSpec {
        key: "gateway_heartbeat_interval_ms",
        default: "41250",
        doc: "How often gateway clients heartbeat (sent in HELLO). A connection silent for a quarter interval longer is asked for a heartbeat; one silent for two intervals is closed (4009). 1000-600000.",
    },
    SettingSpec {
        key: "gateway_session_queue",
        default: "256",
        doc: "Dispatches a gateway connection may have waiting to be written; a connection further behind is closed as resumable (it resumes from the replay buffer, which must hold at least twice this many). 16-65536.",
    },
    SettingSpec {
        key: "gateway_replay_buffer",
        default: "1024",
        doc: "Most dispatches kept per gateway session for RESUME; a client that missed more must identify again. Those a client confirmed with a heartbeat are let go sooner, so a session that keeps up holds few. At least twice gateway_session_queue: a connection closed for a full queue must be able to resume with the queue and what was still in flight. Each costs about 40 bytes per session (payloads are shared). 32-200000.",
    },
    SettingSpec {
        key: "gateway_resume_window_secs",
        default: "120",
        doc: "How long a gateway session outlives its connection, waiting to be resumed. 1-3600.",
    },
    SettingSpec {
        key: "gateway_commands_per_minute",
        default: "120",
        doc: "Commands a gateway connection may send per minute before it is closed with 4008 (Discord's limit is 120). 10-100000.",
    },
    SettingSpec {
        key: "gateway_identifies_per_5s",
        default: "2",
        doc: "Gateway IDENTIFYs each account may make per 5 seconds (advertised as session_start_limit.max_concurrency); more is closed with 4008. 0 disables.",
    },
    SettingSpec {
        key: "gateway_identifies_per_day",
        default: "1000",
        doc: "Gateway IDENTIFYs each account may make per day (advertised as session_start_limit.total, with what remains); more is closed with 4008. 0 disables.",
    },
    SettingSpec {
        key: "gateway_sessions_per_account",
        default: "100",
        doc: "Live gateway sessions one account may hold on a node at once; another IDENTIFY is closed with 4008 until one ends. 0 disables.",
    },
    SettingSpec {
        key: "gateway_write_timeout_secs",
        default: "10",
        doc: "Longest a single write to a gateway client may take (a batch of frames, the close frame); a client that stops reading for that long is dropped, its session kept for a resume. 1-300.",
    },
    SettingSpec {
        key: "metrics_bind",
        default: "",
        doc: "Address and port for a second listener that serves only /metrics, e.g. 0.0.0.0:9100, so metrics need not be public. Empty: /metrics is served on bind, but only to clients on this machine that no proxy forwarded (a Prometheus beside Parley); everyone else gets 404.",
    },
    SettingSpec {
        key: "log_format",
        default: "text",
        doc: "text (readable) or json (one object per line, for log collectors).",
    },
    SettingSpec {
        key: "log_level",
        default: "info",
        doc: "Log filter, e.g. info, or parley=debug,sqlx=warn (tracing's EnvFilter syntax).",
    },
    SettingSpec {
        key: "tls_mode",
        default: "off",
        doc: "off (plain HTTP; a proxy such as nginx terminates TLS), files (serve HTTPS on bind with tls_cert_file and tls_key_file) or acme (serve HTTPS on bind with certificates obtained automatically for tls_acme_domains; bind must be reachable on port 443). Any mode but off turns on HSTS.",
    },
    SettingSpec {
        key: "tls_cert_file",
        default: "",
        doc: "With tls_mode = files: the PEM certificate chain, leaf first. Re-read within a minute when it changes.",
    },
    SettingSpec {
        key: "tls_key_file",
        default: "",
        doc: "With tls_mode = files: the PEM private key (PKCS#8, PKCS#1 or SEC1).",
    },
    SettingSpec {
        key: "tls_acme_domains",
        default: "",
        doc: "With tls_mode = acme: comma-separated domain names for the certificate, e.g. chat.example.com. Each must resolve to this server.",
    },
    SettingSpec {
        key: "tls_acme_contact",
        default: "",
        doc: "With tls_mode = acme: an email address the CA may write to about expiry or policy (optional, recommended).",
    },
    SettingSpec {
        key: "tls_acme_directory",
        default: "https://acme-v02.api.letsencrypt.org/directory",
        doc: "With tls_mode = acme: the ACME directory URL. Let's Encrypt's staging directory is https://acme-staging-v02.api.letsencrypt.org/directory.",
    },
    SettingSpec {
        key: "tls_acme_ca_file",
        default: "",
        doc: "With tls_mode = acme: PEM roots to trust for the ACME directory's own HTTPS (private ACME servers such as step-ca). Empty: the public web roots.",
    },
    SettingSpec {
        key: "tls_redirect_bind",
        default: "",
        doc: "With TLS on: an address for a plain-HTTP listener that redirects every request to public_url over HTTPS, e.g. 0.0.0.0:80. Empty: none.",
    },
    SettingSpec {
        key: "turn_secret",
        default: "",
        doc: "The secret shared with coturn (its static-auth-secret, with use-auth-secret), from which Parley makes short-lived TURN credentials for voice. Empty: no TURN; clients only get the STUN servers.",
    },
    SettingSpec {
        key: "turn_urls",
        default: "",
        doc: "Comma-separated TURN URLs given to clients with a credential, e.g. turn:turn.example.com:3478?transport=udp,turn:turn.example.com:3478?transport=tcp.",
    },
    SettingSpec {
        key: "stun_urls",
        default: "",
        doc: "Comma-separated STUN URLs given to clients, e.g. stun:turn.example.com:3478.",
    },
    SettingSpec {
        key: "turn_credential_ttl_secs",
        default: "3600",
        doc: "How long a TURN credential is valid, 60-86400 seconds. Clients ask for a new one before it runs out.",
    },
    SettingSpec {
        key: "voice_udp_bind",
        default: "127.0.0.1:50000",
        doc: "The one UDP address and port all voice and video media uses (ICE over a single port). Use 0.0.0.0:50000 in a container, and open this UDP port in the firewall.",
    },
    SettingSpec {
        key: "voice_public_ip",
        default: "",
        doc: "The IP address clients reach voice_udp_bind at, when Parley is behind NAT (a container, a cloud VM): it is the address advertised in ICE candidates. Empty: the bound address (every interface's when bound to 0.0.0.0).",
    },
    SettingSpec {
        key: "voice_endpoint",
        default: "",
        doc: "Where clients open the voice WebSocket, as host and path without a scheme (e.g. voice.example.com/voice), when one node carries every call for several API nodes. Empty: beside the address the client reached the gateway at.",
    },
    SettingSpec {
        key: "voice_resume_window_secs",
        default: "20",
        doc: "How long a call outlives a dropped voice WebSocket, waiting for the client to resume it (media keeps flowing meanwhile). 1-300.",
    },
    SettingSpec {
        key: "otlp_endpoint",
        default: "",
        doc: "Base URL of an OpenTelemetry (OTLP/HTTP, protobuf) receiver such as Tempo or a collector, e.g. http://tempo:4318; /v1/traces is appended. Empty: no spans are exported (log lines still carry trace ids).",
    },
    SettingSpec {
        key: "otlp_sample_ratio",
        default: "1.0",
        doc: "Share of new traces that are exported, 0.0-1.0. A request whose traceparent says its caller sampled it is always exported, and one that says not is never.",
    },
    SettingSpec {
        key: "loki_url",
        default: "",
        doc: "Base URL of Loki, e.g. http://loki:3100, to push log lines to (as JSON, labelled service=\"parley\" and level). Empty: logs go to stdout only.",
    },
    SettingSpec {
        key: "shutdown_grace_secs",
        default: "30",
        doc: "On SIGTERM or SIGINT, how long in-flight requests may take to finish before the server stops anyway.",
    },
];

/// The parsed configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub bind: SocketAddr,
    /// `None`: `/metrics` is on `bind`; otherwise only on this address.
    pub metrics_bind: Option<SocketAddr>,
    pub public_url: String,
    pub data_dir: PathBuf,
    pub database_url: DatabaseUrl,
    pub database_max_connections: u32,
    pub worker_id: WorkerId,
    pub signing_key_file: PathBuf,
    pub password_hash_memory_kib: u32,
    pub password_hash_iterations: u32,
    pub password_hash_concurrency: usize,
    /// Log format and level, and where traces and logs are exported.
    pub telemetry: TelemetrySettings,
    pub tls: TlsSettings,
    pub shutdown_grace: Duration,
    pub event_bus_capacity: usize,
    pub api: AppConfig,
    pub gateway: GatewayConfig,
    pub voice: VoiceConfig,
    /// `None`: one node, in-process bus.
    pub redis_url: Option<String>,
    pub redis_key_prefix: String,
    pub redis_event_log_length: usize,
    /// `PARLEY_*` variables that name no setting: probably typos, reported by `config check`.
    pub unknown_env: Vec<String>,
}

/// Which worker id this node stamps into the ids it makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerId {
    Fixed(u32),
    /// Leased from Redis at start (see `worker_lease`).
    Auto,
}

impl WorkerId {
    /// The id a one-off command uses: a fixed id as given; with `auto`, the one never leased.
    pub fn for_command_line(self) -> u32 {
        match self {
            Self::Fixed(id) => id,
            Self::Auto => crate::worker_lease::COMMAND_LINE_WORKER,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

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
struct Raw {
    values: BTreeMap<&'static str, (String, Source)>,
}

impl Raw {
    fn parse<T>(
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
    fn refuse(&self, key: &'static str, value: &str, problem: &str) -> ConfigError {
        ConfigError {
            key: key.to_owned(),
            source: self.values[key].1.clone(),
            value: value.to_owned(),
            problem: problem.to_owned(),
        }
    }

    fn number<T: std::str::FromStr + PartialOrd + fmt::Display + Copy>(
        &self,
        key: &'static str,
        min: T,
        max: T,
    ) -> Result<T, ConfigError> {
        self.parse(key, &format!("expected a whole number from {min} to {max}"), |v| {
            v.parse::<T>().ok().filter(|n| *n >= min && *n <= max)
        })
    }

    fn text(&self, key: &'static str) -> String {
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

/// The `tls_*` settings; each mode's required settings are checked here, at start-up.
fn tls_settings(raw: &Raw, data_dir: &std::path::Path) -> Result<TlsSettings, ConfigError> {
    let path = |v: &str| Some((!v.is_empty()).then(|| PathBuf::from(v)));
    let cert: Option<PathBuf> = raw.parse("tls_cert_file", "expected a file path", path)?;
    let key: Option<PathBuf> = raw.parse("tls_key_file", "expected a file path", path)?;
    let domains: Vec<String> =
        raw.parse("tls_acme_domains", "expected comma-separated domain names like chat.example.com", |v| {
            let domains: Vec<String> =
                v.split(',').map(str::trim).filter(|d| !d.is_empty()).map(str::to_ascii_lowercase).collect();
            domains.iter().all(|d| is_domain_name(d)).then_some(domains)
        })?;
    let mode = raw.parse("tls_mode", "expected off, files or acme", |v| {
        ["off", "files", "acme"].contains(&v).then(|| v.to_owned())
    })?;
    let mode = match (mode.as_str(), cert, key) {
        ("files", Some(cert), Some(key)) => TlsMode::Files { cert, key },
        ("files", _, _) => {
            return Err(raw.refuse("tls_mode", "files", "tls_mode = files needs both tls_cert_file and tls_key_file"));
        }
        ("acme", _, _) if domains.is_empty() => {
            return Err(raw.refuse("tls_mode", "acme", "tls_mode = acme needs tls_acme_domains"));
        }
        ("acme", _, _) => TlsMode::Acme(AcmeSettings {
            domains,
            contact: raw.parse("tls_acme_contact", "expected empty or an email address", |v| {
                if v.is_empty() {
                    Some(None)
                } else {
                    (v.contains('@') && !v.contains(' ')).then(|| Some(v.to_owned()))
                }
            })?,
            directory: raw.parse("tls_acme_directory", "expected an https:// URL", |v| {
                v.starts_with("https://").then(|| v.to_owned())
            })?,
            directory_ca: raw.parse("tls_acme_ca_file", "expected a file path", path)?,
            cache_dir: data_dir.join("acme"),
        }),
        _ => TlsMode::Off,
    };
    let redirect_bind =
        raw.parse("tls_redirect_bind", "expected empty or an address and port like 0.0.0.0:80", |v| {
            if v.is_empty() { Some(None) } else { v.parse().ok().map(Some) }
        })?;
    Ok(TlsSettings { mode, redirect_bind })
}

/// The `turn_*` and `stun_urls` settings: TURN needs both a secret and URLs.
fn turn_settings(raw: &Raw) -> Result<Option<TurnConfig>, ConfigError> {
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

fn is_domain_name(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
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

/// `docs/configuration.md`, generated from [`SETTINGS`].
pub fn configuration_markdown() -> String {
    let mut out = String::from(
        "# Configuration\n\n\
         <!-- Generated by `parley config docs` from server/parley/src/settings.rs; a test keeps it in step. -->\n\n\
         Parley reads its settings from built-in defaults, then an optional TOML file (`--config FILE` or \
         `PARLEY_CONFIG=FILE`), then environment variables; later sources win. In the file a setting is \
         written by its key (`bind = \"0.0.0.0:8080\"`); in the environment as `PARLEY_` and the key in \
         upper case (`PARLEY_BIND=0.0.0.0:8080`). Lists are comma-separated in the environment and TOML \
         arrays in the file.\n\n\
         With no configuration at all Parley runs embedded: SQLite in `./data`, files under `./data`, an \
         in-process event bus, and its signing key generated into `./data/keys` on first start.\n\n\
         `parley config check` loads the configuration exactly as `serve` would and reports every problem, \
         naming the setting. A `PARLEY_` variable that names no setting is reported as a likely typo. \
         An example environment file with every setting is `parley.env.example`.\n\n\
         | Setting | Environment variable | Default | Meaning |\n|---|---|---|---|\n",
    );
    for s in SETTINGS {
        let default = if s.default.is_empty() { "(empty)".to_owned() } else { format!("`{}`", s.default) };
        out.push_str(&format!("| `{}` | `{}` | {} | {} |\n", s.key, s.env_var(), default, s.doc.replace('|', "\\|")));
    }
    out
}

/// `parley.env.example`, generated from [`SETTINGS`]: every setting, commented out at its default.
pub fn example_env() -> String {
    let mut out = String::from(
        "# Parley settings. Every line shows the default; uncomment to change it.\n# Generated by `parley config example-env`; see docs/configuration.md.\n",
    );
    for s in SETTINGS {
        out.push_str(&format!("\n# {}\n# {}={}\n", s.doc, s.env_var(), s.default));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

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
    fn tls_modes_name_the_settings_they_need() {
        let error = Settings::load(None, env(&[("PARLEY_TLS_MODE", "files")])).unwrap_err();
        assert_eq!(error.key, "tls_mode");
        assert!(error.problem.contains("tls_cert_file and tls_key_file"), "{error}");
        let error = Settings::load(None, env(&[("PARLEY_TLS_MODE", "acme")])).unwrap_err();
        assert!(error.problem.contains("tls_acme_domains"), "{error}");
        let error =
            Settings::load(None, env(&[("PARLEY_TLS_MODE", "acme"), ("PARLEY_TLS_ACME_DOMAINS", "bad_name.example")]))
                .unwrap_err();
        assert_eq!(error.key, "tls_acme_domains");
        let s = Settings::load(
            None,
            env(&[("PARLEY_TLS_MODE", "acme"), ("PARLEY_TLS_ACME_DOMAINS", "Chat.Example.com, b.example.com")]),
        )
        .unwrap();
        match &s.tls.mode {
            TlsMode::Acme(acme) => {
                assert_eq!(acme.domains, ["chat.example.com", "b.example.com"]);
                assert_eq!(acme.directory, "https://acme-v02.api.letsencrypt.org/directory");
                assert!(acme.cache_dir.ends_with("acme"));
            }
            other => panic!("{other:?}"),
        }
        assert!(s.api.hsts, "serving TLS turns on HSTS");
        let error = Settings::load(None, env(&[("PARLEY_LOKI_URL", "https://loki")])).unwrap_err();
        assert_eq!(error.key, "loki_url");
        let error = Settings::load(None, env(&[("PARLEY_OTLP_SAMPLE_RATIO", "1.5")])).unwrap_err();
        assert_eq!(error.key, "otlp_sample_ratio");
    }

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

    #[test]
    fn the_committed_configuration_docs_and_example_env_match_the_settings_table() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let docs = std::fs::read_to_string(root.join("docs/configuration.md")).unwrap_or_default();
        let example = std::fs::read_to_string(root.join("parley.env.example")).unwrap_or_default();
        assert!(
            docs == configuration_markdown() && example == example_env(),
            "docs/configuration.md or parley.env.example is out of date: run \
             `cargo run -p parley -- config docs > docs/configuration.md && cargo run -p parley -- config example-env > parley.env.example`"
        );
    }
}
