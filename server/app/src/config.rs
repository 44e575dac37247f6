//! The application's settings (registration, lockout, limits, CORS, voice, URLs), as
//! Parley's configuration gives them; what the settings mean is in docs/configuration.md.

use std::time::Duration;

use axum::http::HeaderMap;
use parley_store::users::LockoutPolicy;

/// Who may create an account through the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationMode {
    /// Anyone may register.
    Open,
    /// Registration needs an instance invite code from an admin.
    InviteOnly,
    /// Nobody may register; admins create accounts with `parley admin create-user`.
    Closed,
}

impl RegistrationMode {
    /// The word the `registration` setting uses for this mode.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InviteOnly => "invite_only",
            Self::Closed => "closed",
        }
    }
}

impl std::str::FromStr for RegistrationMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "open" => Ok(Self::Open),
            "invite_only" => Ok(Self::InviteOnly),
            "closed" => Ok(Self::Closed),
            _ => Err("expected one of: open, invite_only, closed".to_owned()),
        }
    }
}

/// Who may create guilds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GuildCreation {
    Anyone,
    Admins,
}

impl GuildCreation {
    /// The word the `guild_creation` setting uses for this rule.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Anyone => "anyone",
            Self::Admins => "admins",
        }
    }
}

impl std::str::FromStr for GuildCreation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "anyone" => Ok(Self::Anyone),
            "admins" => Ok(Self::Admins),
            _ => Err("expected anyone or admins".to_owned()),
        }
    }
}

/// The application's settings, taken from Parley's configuration (see `docs/configuration.md`).
#[derive(Clone, Debug)]
pub struct AppConfig {
    pub registration: RegistrationMode,
    pub guild_creation: GuildCreation,
    pub refresh_token_ttl: Duration,
    pub lockout: LockoutPolicy,
    /// Requests per minute per client address on register, login and refresh.
    pub auth_ip_limit_per_minute: u32,
    /// Login attempts per minute per account name.
    pub login_account_limit_per_minute: u32,
    pub max_body_bytes: usize,
    /// Origins allowed to call the API from a browser; empty means same-origin only.
    pub cors_origins: Vec<String>,
    pub trust_forwarded_for: bool,
    /// Send `Strict-Transport-Security` (when clients reach Parley over HTTPS).
    pub hsts: bool,
    /// The gateway URL given to clients; empty: derived from the request's Host.
    pub gateway_url: String,
    /// `/metrics` is served on its own listener (`metrics_bind`), not with the API.
    pub metrics_elsewhere: bool,
    /// WebSocket origins the web client may connect to besides its own (a `gateway_url` or
    /// `voice_endpoint` on another host), for the content security policy.
    pub socket_origins: Vec<String>,
    /// STUN and TURN for voice; `None` without a TURN secret.
    pub turn: Option<crate::voice::turn::TurnConfig>,
    /// Per-account REST and IDENTIFY limits (see `rest_limits`).
    pub rest_limits: crate::limits::rest::RestLimitConfig,
    /// Special-use networks (private, loopback, link-local...) Parley may call all the same
    /// (`outbound_allow`): where bots' HTTP interactions endpoints live on the operator's own
    /// network. Empty: public addresses only.
    pub outbound_allow: Vec<parley_outbound::Network>,
    /// Others can reach this instance (it listens beyond loopback, or `public_url` is not a
    /// localhost URL): the first admin needs the bootstrap token (`auth::bootstrap`).
    pub admin_bootstrap: bool,
    /// What uploads may be.
    pub files: crate::files::FilesConfig,
}

impl AppConfig {
    /// The defaults. Parley's settings table takes its defaults for these settings from here,
    /// so each is written once.
    pub const DEFAULT: Self = Self {
        registration: RegistrationMode::InviteOnly,
        guild_creation: GuildCreation::Anyone,
        refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
        lockout: LockoutPolicy { threshold: 10, window_ms: 15 * 60_000, lock_ms: 15 * 60_000 },
        auth_ip_limit_per_minute: 30,
        login_account_limit_per_minute: 10,
        max_body_bytes: 1024 * 1024,
        turn: None,
        cors_origins: Vec::new(),
        trust_forwarded_for: false,
        hsts: false,
        gateway_url: String::new(),
        metrics_elsewhere: false,
        socket_origins: Vec::new(),
        rest_limits: crate::limits::rest::RestLimitConfig::DEFAULT,
        outbound_allow: Vec::new(),
        admin_bootstrap: false,
        files: crate::files::FilesConfig::DEFAULT,
    };
}

impl Default for AppConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl AppConfig {
    /// The gateway's URL: the `gateway_url` setting, or `ws://` (`wss://` behind an https public
    /// URL or with TLS on) plus the host the client used, then `/gateway`. HTTP/2 requests carry
    /// the host as the URI's authority rather than a `Host` header, so `authority` is the fallback.
    pub fn gateway_url(&self, headers: &HeaderMap, authority: Option<&str>) -> String {
        if !self.gateway_url.is_empty() {
            return self.gateway_url.clone();
        }
        let host = headers.get("host").and_then(|h| h.to_str().ok()).or(authority).unwrap_or("localhost");
        format!("{}://{host}/gateway", if self.hsts { "wss" } else { "ws" })
    }
}
