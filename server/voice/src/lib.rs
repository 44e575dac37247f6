//! Parley's voice server: an SFU inside Parley, on the `webrtc` crate, with ICE for every
//! participant over one UDP port, and the voice WebSocket (`/voice`) that signals it.
//!
//! A member joins a voice channel on the gateway (op 4) and gets VOICE_SERVER_UPDATE with
//! a token and this endpoint; they open the voice WebSocket, IDENTIFY with the token, and
//! the server offers them one peer connection that publishes their microphone, camera and
//! screen and receives everyone else's.
//!
//! - [`protocol`]: opcodes, close codes, payloads.
//! - [`signalling`]: one voice WebSocket.
//! - [`sfu`]: rooms, participants, forwarding.
//! - [`engine`]: codecs, interceptors, the UDP mux.
//! - [`metrics`]: rooms, participants, tracks, packets, NACKs, keyframes, loss, jitter.
//! - `client` (feature `client`): a voice client on the same crate, for tests and the benchmark.

#[cfg(feature = "client")]
pub mod client;
pub mod engine;
pub mod metrics;
pub mod protocol;
pub mod sfu;
pub mod signalling;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::response::Response;
use axum::routing::get;
use parley_app::AppState;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::metrics::VoiceMetrics;
use crate::sfu::Sfu;

/// The voice server's settings (see `docs/configuration.md`).
#[derive(Clone, Debug)]
pub struct VoiceConfig {
    /// The one UDP socket all media uses.
    pub udp_bind: SocketAddr,
    /// The address clients reach that socket at, when it is not the bound one (NAT).
    pub public_ip: Option<IpAddr>,
    /// Sent in HELLO; clients heartbeat this often.
    pub heartbeat_interval: Duration,
    /// How long a call outlives its signalling socket, waiting for a RESUME.
    pub resume_window: Duration,
}

impl VoiceConfig {
    /// The defaults, which Parley's settings table takes as the `voice_*` settings' defaults.
    pub const DEFAULT: Self = Self {
        udp_bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 50_000),
        public_ip: None,
        heartbeat_interval: Duration::from_millis(13_750),
        resume_window: Duration::from_secs(20),
    };
}

impl Default for VoiceConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct VoiceServer(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub state: AppState,
    pub config: VoiceConfig,
    pub sfu: Arc<Sfu>,
    /// Where the media socket is actually bound (the port, when 0 was asked for).
    pub udp_addr: SocketAddr,
    pub tasks: TaskTracker,
    pub shutdown: CancellationToken,
    next_connection: AtomicU64,
}

impl std::ops::Deref for VoiceServer {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// Why the voice server could not start: the operator's setting to change is named.
#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    #[error("voice_udp_bind: cannot bind UDP {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("the WebRTC engine could not start: {0}")]
    Engine(#[from] webrtc::Error),
}

impl VoiceServer {
    /// Binds the media socket and builds the SFU. Its tasks stop when `shutdown` fires.
    pub async fn start(state: AppState, config: VoiceConfig, shutdown: CancellationToken) -> Result<Self, VoiceError> {
        let socket = tokio::net::UdpSocket::bind(config.udp_bind)
            .await
            .map_err(|source| VoiceError::Bind { addr: config.udp_bind, source })?;
        let udp_addr = socket.local_addr().map_err(|source| VoiceError::Bind { addr: config.udp_bind, source })?;
        let engine = engine::server_api(socket, config.public_ip)?;
        let metrics = VoiceMetrics::new(&state.metrics.registry);
        let tasks = TaskTracker::new();
        let sfu = Sfu::new(engine, metrics, tasks.clone(), shutdown.clone());
        tracing::info!(%udp_addr, public_ip = ?config.public_ip, "voice media socket bound");
        Ok(Self(Arc::new(Inner { state, config, sfu, udp_addr, tasks, shutdown, next_connection: AtomicU64::new(1) })))
    }

    /// The `/voice` WebSocket endpoint.
    pub fn router(&self) -> Router {
        Router::new().route("/voice", get(upgrade)).with_state(self.clone())
    }

    pub(crate) fn next_connection_id(&self) -> u64 {
        self.next_connection.fetch_add(1, Ordering::Relaxed)
    }

    /// Ends every call and waits (up to `grace`) for the SFU's tasks to stop.
    pub async fn stop(&self, grace: Duration) {
        self.shutdown.cancel();
        self.tasks.close();
        if tokio::time::timeout(grace, self.tasks.wait()).await.is_err() {
            tracing::warn!("voice tasks did not stop within the shutdown grace period");
        }
    }
}

async fn upgrade(State(server): State<VoiceServer>, ws: WebSocketUpgrade) -> Response {
    // SDP offers and answers with many transceivers run to tens of kilobytes.
    ws.read_buffer_size(8 * 1024)
        .write_buffer_size(8 * 1024)
        .max_write_buffer_size(1024 * 1024)
        .max_message_size(128 * 1024)
        .max_frame_size(128 * 1024)
        .on_upgrade(move |socket| signalling::run(server, socket))
}
