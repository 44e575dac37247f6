//! The live state every route, gateway session and voice connection shares: the store, the
//! caches, the limiters, the bus and the voice registries, with the configuration beside them.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use parley_core::SnowflakeGenerator;
use parley_events::{Event, EventBus};
use parley_store::Store;

use crate::auth::{PasswordHasher, TokenIssuer};
use crate::cache::GuildCache;
use crate::config::AppConfig;
use crate::limits::window::RateLimiter;
use crate::metrics::Metrics;

/// The per-purpose rate limiters.
#[derive(Debug)]
pub struct Limits {
    pub auth_ip: RateLimiter,
    pub login_account: RateLimiter,
    /// Checks of applications' interactions endpoints, per application.
    pub endpoint_checks: RateLimiter,
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
    pub config: AppConfig,
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
    pub rest_limits: Arc<crate::limits::rest::RestLimits>,
    /// Who is online on this node (the gateway keeps it), for presence counts.
    pub online: crate::online::OnlineUsers,
    /// Who each guild's public widget shows online, briefly remembered.
    pub widgets: crate::public_widget::WidgetCache,
    /// The one hardened client for URLs users and bots chose (see `parley_outbound`), with
    /// the time Discord gives an interactions endpoint to answer.
    pub outbound: parley_outbound::OutboundClient,
    /// Where uploaded files' bytes are kept (`files_storage`): a directory or an S3 bucket.
    pub objects: Arc<dyn parley_objects::ObjectStore>,
    /// Signs and checks file download URLs (the same key on every node).
    pub file_urls: crate::files::UrlSigner,
    /// Avatars, icons, banners and emoji in `objects`, and their variants.
    pub images: crate::files::ImageAssets,
    /// When this process's state was made (its uptime, for the admin overview).
    pub started_at: parley_core::Timestamp,
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
        config: AppConfig,
        bus: EventBus,
        objects: Arc<dyn parley_objects::ObjectStore>,
    ) -> Self {
        let limits = crate::limits::rest::RestLimits::local(config.rest_limits);
        Self::with_limits(store, ids, tokens, passwords, config, bus, limits, objects)
    }

    /// [`AppState::new`] with REST limits made elsewhere (shared through Redis).
    #[allow(clippy::too_many_arguments)]
    pub fn with_limits(
        store: Store,
        ids: SnowflakeGenerator,
        tokens: TokenIssuer,
        passwords: PasswordHasher,
        config: AppConfig,
        bus: EventBus,
        rest_limits: crate::limits::rest::RestLimits,
        objects: Arc<dyn parley_objects::ObjectStore>,
    ) -> Self {
        let minute = Duration::from_secs(60);
        let limits = Limits {
            auth_ip: RateLimiter::new("auth", config.auth_ip_limit_per_minute, minute, RATE_LIMIT_KEYS),
            login_account: RateLimiter::new("login", config.login_account_limit_per_minute, minute, RATE_LIMIT_KEYS),
            endpoint_checks: RateLimiter::new("interactions_endpoint", 10, 60 * minute, RATE_LIMIT_KEYS),
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
        if bus.is_shared() {
            for collector in bus_metrics.shared() {
                metrics.registry.register(collector).expect("the bus's Redis metrics register once");
            }
        }
        let outbound = crate::interactions::endpoint::client(&config);
        let file_urls = crate::files::UrlSigner::new(tokens.derived_secret(crate::files::signed_url::PURPOSE));
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
            online: Default::default(),
            widgets: Default::default(),
            outbound,
            images: crate::files::ImageAssets::new(objects.clone()),
            objects,
            file_urls,
            started_at: parley_core::Timestamp::now(),
        }))
    }
}

impl AppState {
    /// Publishes a state change; never waits (see `parley_events::bus`). The local cache
    /// forgets what the event changed first, so this node never reads its own change stale.
    ///
    /// Debug builds check that the event's typed keys say what its payload says, so the whole
    /// test suite proves every publisher's keys (a mismatch would leave a cache stale or an
    /// event with the wrong people).
    pub fn publish(&self, event: Event) {
        #[cfg(debug_assertions)]
        if let Some((given, stated)) = event.keys_disagree() {
            panic!("{} was published with keys {given:?} but its payload states {stated:?}", event.name.as_str());
        }
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
