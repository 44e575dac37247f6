//! The state every handler shares, and the API's settings.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use parley_core::SnowflakeGenerator;
use parley_events::{Event, EventBus};
use parley_store::Store;
use parley_store::users::LockoutPolicy;

use crate::auth::{PasswordHasher, TokenIssuer};
use crate::cache::GuildCache;
use crate::metrics::Metrics;
use crate::rate_limit::RateLimiter;

/// Who may create an account through the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationMode {
    /// Anyone may register.
    Open,
    /// Registration needs an instance invite code from an admin.
    InviteOnly,
    /// Nobody may register; admins create accounts with `parley admin create-user`.
    Closed,
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuildCreation {
    Anyone,
    Admins,
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

/// The API's settings, taken from Parley's configuration (see `docs/configuration.md`).
#[derive(Clone, Debug)]
pub struct ApiConfig {
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
    pub rest_limits: crate::rest_limits::RestLimitConfig,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
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
            rest_limits: crate::rest_limits::RestLimitConfig::default(),
        }
    }
}

/// The per-purpose rate limiters.
#[derive(Debug)]
pub struct Limits {
    pub auth_ip: RateLimiter,
    pub login_account: RateLimiter,
}

/// Cheap to clone: everything lives behind one `Arc`.
#[derive(Clone, Debug)]
pub struct AppState(Arc<AppInner>);

#[derive(Debug)]
pub struct AppInner {
    pub store: Store,
    pub ids: SnowflakeGenerator,
    pub tokens: TokenIssuer,
    pub passwords: PasswordHasher,
    pub config: ApiConfig,
    pub limits: Limits,
    pub metrics: Metrics,
    /// Where every state change is published (the gateway and caches subscribe).
    pub bus: EventBus,
    pub cache: GuildCache,
    /// Voice tokens the gateway issued and the voice server redeems.
    pub voice_grants: crate::voice::grants::VoiceGrants,
    /// Who is in which voice channel, across the nodes (see `voice::states`).
    pub voice_states: crate::voice::states::VoiceStates,
    /// Per-account REST and IDENTIFY limits, in this process or shared through Redis.
    pub rest_limits: Arc<crate::rest_limits::RestLimits>,
}

/// Most guilds and members the permission cache holds.
const GUILDS_CACHED: usize = 10_000;
const MEMBERS_CACHED: usize = 200_000;

/// At most this many distinct addresses or accounts are tracked per limiter.
const RATE_LIMIT_KEYS: usize = 100_000;

impl AppState {
    pub fn new(
        store: Store,
        ids: SnowflakeGenerator,
        tokens: TokenIssuer,
        passwords: PasswordHasher,
        config: ApiConfig,
        bus: EventBus,
    ) -> Self {
        let limits = crate::rest_limits::RestLimits::local(config.rest_limits);
        Self::with_limits(store, ids, tokens, passwords, config, bus, limits)
    }

    /// [`AppState::new`] with REST limits made elsewhere (shared through Redis).
    pub fn with_limits(
        store: Store,
        ids: SnowflakeGenerator,
        tokens: TokenIssuer,
        passwords: PasswordHasher,
        config: ApiConfig,
        bus: EventBus,
        rest_limits: crate::rest_limits::RestLimits,
    ) -> Self {
        let minute = Duration::from_secs(60);
        let limits = Limits {
            auth_ip: RateLimiter::new("auth", config.auth_ip_limit_per_minute, minute, RATE_LIMIT_KEYS),
            login_account: RateLimiter::new("login", config.login_account_limit_per_minute, minute, RATE_LIMIT_KEYS),
        };
        let metrics = Metrics::new();
        metrics.registry.register(Box::new(store.query_histogram())).expect("the query histogram registers once");
        let bus_metrics = bus.metrics();
        for collector in [
            Box::new(bus_metrics.published.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(bus_metrics.received.clone()),
            Box::new(bus_metrics.position.clone()),
        ] {
            metrics.registry.register(collector).expect("the bus metrics register once");
        }
        Self(Arc::new(AppInner {
            store,
            ids,
            tokens,
            passwords,
            config,
            limits,
            metrics,
            bus,
            cache: GuildCache::new(GUILDS_CACHED, MEMBERS_CACHED),
            voice_grants: Default::default(),
            voice_states: Default::default(),
            rest_limits: Arc::new(rest_limits),
        }))
    }
}

impl AppState {
    /// Publishes a state change; never waits (see `parley_events::bus`). The local cache
    /// forgets what the event changed first, so this node never reads its own change stale.
    pub fn publish(&self, event: Event) {
        self.cache.observe(&event);
        self.bus.publish(event);
    }
}

impl Deref for AppState {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}
