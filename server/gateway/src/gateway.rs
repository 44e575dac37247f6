//! The gateway as a whole: its settings, the WebSocket endpoint (`/gateway`), and the
//! background work (fan-out from the bus, expiring sessions that were not resumed in time).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use parley_app::AppState;
use parley_core::Snowflake;
use parley_events::{Audience, Event, EventName, Keys};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::connection::{self, ConnectParams};
use crate::hub::Hub;
use crate::metrics::GatewayMetrics;
use crate::presence::{Presences, Seen, presence_payload};
use crate::registry::SessionRegistry;

/// The gateway's settings (see `docs/configuration.md`).
#[derive(Clone, Debug)]
pub struct GatewayConfig {
    /// Sent in HELLO; clients heartbeat this often.
    pub heartbeat_interval: Duration,
    /// Dispatches a connection may have queued before it is closed as too slow (resumable).
    pub session_queue: usize,
    /// Dispatches kept per session for RESUME, at most; those the client confirmed with a
    /// heartbeat are let go sooner. At least twice `session_queue` (settings check it), so a
    /// connection closed for a full queue can resume with what was also still in flight.
    pub replay_buffer: usize,
    /// How long a session outlives its connection, waiting for a RESUME.
    pub resume_window: Duration,
    /// Commands a connection may send per minute (Discord: 120).
    pub commands_per_minute: usize,
    /// The longest one write to a client may take (a frame, a batch, the close frame);
    /// a client that does not read for that long is dropped.
    pub write_timeout: Duration,
    /// Live sessions one account may hold on this node (0: no limit).
    pub sessions_per_account: usize,
    /// The voice endpoint VOICE_SERVER_UPDATE names, when not beside the gateway.
    pub voice_endpoint: Option<String>,
}

impl GatewayConfig {
    /// The defaults, which Parley's settings table takes as the `gateway_*` settings' defaults.
    pub const DEFAULT: Self = Self {
        heartbeat_interval: Duration::from_millis(41_250),
        session_queue: 256,
        replay_buffer: 1024,
        resume_window: Duration::from_secs(120),
        commands_per_minute: 120,
        write_timeout: Duration::from_secs(10),
        sessions_per_account: 100,
        voice_endpoint: None,
    };
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[derive(Debug)]
pub struct GatewayInner {
    pub state: AppState,
    pub config: GatewayConfig,
    pub hub: Hub,
    pub presences: Presences,
    pub metrics: GatewayMetrics,
    pub registry: SessionRegistry,
    /// Fires when the node drains: every connection sends RECONNECT and closes.
    pub shutdown: CancellationToken,
    next_connection: AtomicU64,
}

/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct Gateway(Arc<GatewayInner>);

impl std::ops::Deref for Gateway {
    type Target = GatewayInner;
    fn deref(&self) -> &GatewayInner {
        &self.0
    }
}

#[derive(Debug, Deserialize)]
struct ConnectQuery {
    v: Option<String>,
    encoding: Option<String>,
    compress: Option<String>,
}

impl Gateway {
    pub fn new(state: AppState, config: GatewayConfig, registry: SessionRegistry, shutdown: CancellationToken) -> Self {
        let metrics = GatewayMetrics::new(&state.metrics.registry);
        Self(Arc::new(GatewayInner {
            state,
            config,
            registry,
            hub: Hub::default(),
            presences: Presences::default(),
            metrics,
            shutdown,
            next_connection: AtomicU64::new(1),
        }))
    }

    /// The `/gateway` WebSocket endpoint, also with a trailing slash (twilight appends
    /// `/?v=10` to the URL it is given).
    pub fn router(&self) -> Router {
        Router::new().route("/gateway", get(upgrade)).route("/gateway/", get(upgrade)).with_state(self.clone())
    }

    /// A WebSocket upgrade that arrived somewhere else (at `/`, where Discord's gateway
    /// lives): served as if it came to `/gateway`.
    pub async fn upgrade_request(&self, request: axum::extract::Request) -> Response {
        use axum::extract::FromRequestParts;
        use axum::response::IntoResponse;
        let (mut parts, _) = request.into_parts();
        let query = match Query::<ConnectQuery>::from_request_parts(&mut parts, &()).await {
            Ok(query) => query,
            Err(rejection) => return rejection.into_response(),
        };
        let ws = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
            Ok(ws) => ws,
            Err(rejection) => return rejection.into_response(),
        };
        upgrade(State(self.clone()), query, parts.headers, ws).await
    }

    /// Starts fan-out from the bus and the expiry of abandoned sessions; both stop when the
    /// gateway's shutdown token fires.
    pub fn start(&self, tasks: &TaskTracker) {
        let events = self.state.bus.subscribe();
        tasks.spawn(crate::fanout::run(self.clone(), events));
        tasks.spawn(expire_sessions(self.clone()));
        if self.registry.is_shared() {
            tasks.spawn(record_when_redis_returns(self.clone()));
        }
    }

    pub(crate) fn next_connection_id(&self) -> u64 {
        self.next_connection.fetch_add(1, Ordering::Relaxed)
    }

    /// The URL clients connect (and resume) to.
    pub fn url_for(&self, headers: &HeaderMap) -> String {
        // The WebSocket upgrade is HTTP/1.1, so the Host header is there.
        self.state.config.gateway_url(headers, None)
    }

    /// Tells everyone who shares a guild with `user` how they look now.
    pub(crate) async fn announce_presence(&self, user: Snowflake, seen: &Seen) {
        // Every change others see passes here: the REST API's presence counts follow it.
        self.state.online.set(user, seen.status != crate::presence::Status::Offline);
        let Ok(guilds) = self.state.store.guilds_of_member(user).await else { return };
        for guild in guilds {
            self.state.publish(Event::new(
                EventName::PresenceUpdate,
                Audience::Guild { guild_id: guild.id, channel_id: None },
                Keys::guild(guild.id).user(user),
                &presence_payload(user, Some(guild.id), seen),
            ));
        }
    }
}

async fn upgrade(
    State(gateway): State<Gateway>,
    Query(query): Query<ConnectQuery>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let params = ConnectParams {
        version_ok: query.v.as_deref().is_none_or(|v| v == "10"),
        encoding_ok: query.encoding.as_deref().is_none_or(|e| e == "json"),
        compress: query.compress.clone(),
        resume_url: gateway.url_for(&headers),
    };
    // Small buffers: an idle session should cost kilobytes, not the library's defaults.
    ws.read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .max_write_buffer_size(1024 * 1024)
        .max_message_size(64 * 1024)
        .max_frame_size(64 * 1024)
        .on_upgrade(move |socket| connection::run(gateway, socket, params))
}

/// When the shared log is reachable again after an outage: records the sessions made
/// meanwhile (so they can fail over to another node), and marks those that got events outside
/// the shared order as resumable only here.
async fn record_when_redis_returns(gateway: Gateway) {
    let mut up = gateway.state.bus.shared_up();
    loop {
        tokio::select! {
            () = gateway.shutdown.cancelled() => return,
            changed = up.changed() => if changed.is_err() { return },
        }
        if !*up.borrow_and_update() {
            continue;
        }
        // The registry's own connection may take a moment longer to come back: a session not
        // recorded yet is tried again, while Redis stays up.
        let mut waiting: Vec<_> = gateway
            .hub
            .all()
            .into_iter()
            .filter(|s| !s.recorded.load(Ordering::Relaxed) || s.only_here.load(Ordering::Relaxed))
            .collect();
        let mut recorded = 0;
        for attempt in 0..20 {
            if attempt > 0 {
                tokio::select! {
                    () = gateway.shutdown.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_millis(250)) => {}
                }
            }
            if !*up.borrow() {
                break;
            }
            let mut failed = Vec::new();
            for session in waiting {
                if gateway.registry.save(&session.id, &session.meta()).await {
                    session.recorded.store(true, Ordering::Relaxed);
                    recorded += 1;
                } else {
                    failed.push(session);
                }
            }
            waiting = failed;
            if waiting.is_empty() {
                break;
            }
        }
        if recorded > 0 {
            tracing::info!(recorded, "recorded this node's sessions in Redis again after an outage");
        }
    }
}

/// Forgets sessions whose connection went away and that were not resumed in time.
async fn expire_sessions(gateway: Gateway) {
    let window = gateway.config.resume_window;
    let mut tick = tokio::time::interval((window / 4).max(Duration::from_millis(250)));
    loop {
        tokio::select! {
            () = gateway.shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        for session in gateway.hub.all() {
            if session.detached_since().is_some_and(|since| since.elapsed() >= window) {
                gateway.end_session(&session.id).await;
            }
        }
    }
}

impl Gateway {
    /// Removes a session for good (expired, invalidated, or replaced), updating presence.
    pub async fn end_session(&self, session_id: &str) {
        if let Some(session) = self.hub.remove(session_id) {
            tracing::debug!(session_id, user_id = %session.user_id, "gateway session ended");
            self.registry.remove(session_id).await;
            crate::voice::session_ended(self, session_id).await;
            if let Some(seen) = self.presences.disconnect(session.user_id) {
                self.announce_presence(session.user_id, &seen).await;
            }
        }
    }
}
