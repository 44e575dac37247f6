//! One WebSocket connection: HELLO, then IDENTIFY (a new session) or RESUME (an existing
//! one), heartbeats, presence, member requests, and every way a connection ends. The loop
//! is generic over the socket so tests can drive it with paused time.
//!
//! Timing: a client heartbeats every `heartbeat_interval`. If a quarter interval passes
//! beyond that with no heartbeat, the server asks for one (op 1); if the whole of a second
//! interval passes, the connection is closed with 4009. A connection must identify or
//! resume within one interval.
//!
//! Every write to the socket (a frame, a batch, the close frame, the final close) is bounded
//! by `write_timeout`: a client that stops reading cannot hold a connection (and its
//! buffers) open past it.

use std::collections::VecDeque;
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use bytes::Bytes;
use futures::{Sink, SinkExt, Stream, StreamExt};
use parley_app::auth::caller::authenticate;
use parley_app::trace_context::operation_span;
use parley_core::Snowflake;
use tokio::sync::mpsc;
use tokio::time::{Duration, Instant, sleep_until};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::Gateway;
use crate::compression::Transport;
use crate::intents::Intents;
use crate::presence::Status;
use crate::protocol::{self, CloseCode, Command, Identify, Resume};
use crate::ready::{self, DEFAULT_LARGE_THRESHOLD, MAX_LARGE_THRESHOLD};
use crate::session::{Attachment, Outgoing, ResumeError, SEQ_SHIFT, Session};

/// The user behind a token, as IDENTIFY and RESUME send it (bare, or with a scheme), and the
/// device session it belongs to (none for a bot token).
async fn user_for(gateway: &Gateway, token: &str) -> Result<(Snowflake, Option<Snowflake>), CloseCode> {
    let token = token.strip_prefix("Bearer ").or_else(|| token.strip_prefix("Bot ")).unwrap_or(token).trim();
    authenticate(&gateway.state, token)
        .await
        .map(|auth| (auth.user_id, auth.session.map(|s| s.id)))
        .map_err(|_| CloseCode::AuthenticationFailed)
}

/// Waits for one write to the socket, at most `timeout`; a failed or stalled write means the
/// client is gone.
async fn bounded<F>(timeout: Duration, write: F) -> Result<(), End>
where
    F: std::future::Future<Output = Result<(), axum::Error>>,
{
    match tokio::time::timeout(timeout, write).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(End::ClientLeft),
        Err(_) => Err(End::WriteTimedOut),
    }
}

/// The close a session queued behind the frames still waiting (those are dropped: the
/// connection is closing).
fn queued_close(outgoing: &mut mpsc::Receiver<Outgoing>) -> Option<CloseCode> {
    while let Ok(next) = outgoing.try_recv() {
        if let Outgoing::Close(code) = next {
            return Some(code);
        }
    }
    None
}

/// What the client asked for in the connection URL.
#[derive(Clone, Debug)]
pub struct ConnectParams {
    pub version_ok: bool,
    pub encoding_ok: bool,
    /// The URL's `compress`: `zlib-stream` or `zstd-stream` (anything else: plain text).
    pub compress: Option<String>,
    /// `resume_gateway_url` in READY.
    pub resume_url: String,
}

/// How a connection ended, for the log.
#[derive(Debug)]
enum End {
    ClientLeft,
    /// The client stopped reading: a write did not finish within `write_timeout`.
    WriteTimedOut,
    Closed(CloseCode),
    Draining,
}

struct Connection<S> {
    gateway: Gateway,
    socket: S,
    transport: Option<Transport>,
    params: ConnectParams,
    id: u64,
    sender: mpsc::Sender<Outgoing>,
    kick: CancellationToken,
    session: Option<Arc<Session>>,
    last_heartbeat: Instant,
    asked_for_heartbeat: bool,
    last_registry_touch: Instant,
    recent_commands: VecDeque<Instant>,
}

pub async fn run<S>(gateway: Gateway, socket: S, params: ConnectParams)
where
    S: Stream<Item = Result<Message, axum::Error>> + Sink<Message, Error = axum::Error> + Unpin + Send,
{
    let (sender, receiver) = mpsc::channel(gateway.config.session_queue.max(1));
    let _open = parley_app::metrics::GaugeGuard::hold(&gateway.metrics.connections);
    let mut connection = Connection {
        id: gateway.next_connection_id(),
        transport: Transport::for_query(params.compress.as_deref()),
        gateway,
        socket,
        params,
        sender,
        kick: CancellationToken::new(),
        session: None,
        last_heartbeat: Instant::now(),
        asked_for_heartbeat: false,
        last_registry_touch: Instant::now(),
        recent_commands: VecDeque::new(),
    };
    let end = connection.serve(receiver).await;
    let write_timeout = connection.gateway.config.write_timeout;
    match end {
        End::Closed(code) => {
            tracing::debug!(connection = connection.id, close_code = code.code(), "gateway connection closed")
        }
        End::WriteTimedOut => {
            tracing::info!(connection = connection.id, "dropped a gateway connection whose client stopped reading")
        }
        End::ClientLeft | End::Draining => {
            tracing::debug!(connection = connection.id, ?end, "gateway connection ended")
        }
    }
    if let Some(session) = &connection.session {
        session.detach(connection.id);
    }
    let _ = tokio::time::timeout(write_timeout, connection.socket.close()).await;
}

impl<S> Connection<S>
where
    S: Stream<Item = Result<Message, axum::Error>> + Sink<Message, Error = axum::Error> + Unpin + Send,
{
    async fn send(&mut self, text: String) -> Result<(), End> {
        self.send_bytes(Bytes::from(text)).await
    }

    /// Sends a frame's bytes as they are (shared with other sessions), or compressed.
    async fn send_bytes(&mut self, frame: Bytes) -> Result<(), End> {
        let message = self.message(frame)?;
        let timeout = self.gateway.config.write_timeout;
        bounded(timeout, self.socket.send(message)).await
    }

    fn message(&mut self, frame: Bytes) -> Result<Message, End> {
        Ok(match self.transport.as_mut() {
            Some(transport) => {
                Message::Binary(transport.compress(std::str::from_utf8(&frame).unwrap_or_default()).into())
            }
            // Frames are built from Strings; this check cannot fail, and costs no copy.
            None => Message::Text(Utf8Bytes::try_from(frame).map_err(|_| End::ClientLeft)?),
        })
    }

    /// Writes `first` and whatever else is already queued (up to a batch), then flushes
    /// once: under load, one write for many frames. Returns a close the queue asked for.
    async fn write_batch(
        &mut self,
        first: Bytes,
        outgoing: &mut mpsc::Receiver<Outgoing>,
    ) -> Result<Option<CloseCode>, End> {
        let timeout = self.gateway.config.write_timeout;
        let message = self.message(first)?;
        bounded(timeout, self.socket.feed(message)).await?;
        let mut close = None;
        for _ in 0..64 {
            match outgoing.try_recv() {
                Ok(Outgoing::Text(frame)) => {
                    let message = self.message(frame)?;
                    bounded(timeout, self.socket.feed(message)).await?;
                }
                Ok(Outgoing::Close(code)) => {
                    close = Some(code);
                    break;
                }
                Err(_) => break,
            }
        }
        bounded(timeout, self.socket.flush()).await?;
        Ok(close)
    }

    async fn close(&mut self, code: CloseCode) -> End {
        let frame = CloseFrame { code: code.code(), reason: code.reason().into() };
        let timeout = self.gateway.config.write_timeout;
        let _ = bounded(timeout, self.socket.send(Message::Close(Some(frame)))).await;
        End::Closed(code)
    }

    async fn serve(&mut self, mut outgoing: mpsc::Receiver<Outgoing>) -> End {
        let interval = self.gateway.config.heartbeat_interval;
        if !self.params.version_ok {
            return self.close(CloseCode::InvalidApiVersion).await;
        }
        if !self.params.encoding_ok {
            return self.close(CloseCode::DecodeError).await;
        }
        if self.send(protocol::hello(interval.as_millis() as u64)).await.is_err() {
            return End::ClientLeft;
        }
        // Made once and polled again each turn: registering a timer or a cancellation
        // waiter per frame would cost more than writing the frame.
        let shutdown = self.gateway.shutdown.clone();
        let kick = self.kick.clone();
        let mut shutdown_wait = std::pin::pin!(shutdown.cancelled());
        let mut kick_wait = std::pin::pin!(kick.cancelled());
        let mut armed = self.last_heartbeat + interval;
        let mut timer = std::pin::pin!(sleep_until(armed));
        loop {
            let deadline = if self.session.is_none() {
                self.last_heartbeat + interval
            } else if self.asked_for_heartbeat {
                self.last_heartbeat + interval * 2
            } else {
                self.last_heartbeat + interval + interval / 4
            };
            if deadline != armed {
                timer.as_mut().reset(deadline);
                armed = deadline;
            }
            let step = tokio::select! {
                biased;
                () = &mut shutdown_wait => {
                    // The node is draining: the client resumes elsewhere.
                    let _ = self.send(protocol::reconnect()).await;
                    let _ = self.close(CloseCode::UnknownError).await;
                    return End::Draining;
                }
                // The session let go of this connection: with the code it queued (4004 for an
                // ended sign-in), or as resumable (it fell behind).
                () = &mut kick_wait => Err(queued_close(&mut outgoing).unwrap_or(CloseCode::UnknownError)),
                out = outgoing.recv() => match out {
                    Some(Outgoing::Text(frame)) => match self.write_batch(frame, &mut outgoing).await {
                        Ok(None) => Ok(()),
                        Ok(Some(code)) => Err(code),
                        Err(end) => return end,
                    },
                    Some(Outgoing::Close(code)) => Err(code),
                    None => Err(CloseCode::UnknownError),
                },
                message = self.socket.next() => match message {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return End::ClientLeft,
                    Some(Ok(Message::Text(text))) => self.handle(text.as_str()).await,
                    Some(Ok(Message::Binary(bytes))) => match std::str::from_utf8(&bytes) {
                        Ok(text) => self.handle(text).await,
                        Err(_) => Err(CloseCode::DecodeError),
                    },
                    Some(Ok(_)) => Ok(()),
                },
                () = &mut timer => {
                    if self.session.is_none() || self.asked_for_heartbeat {
                        Err(CloseCode::SessionTimedOut)
                    } else {
                        self.asked_for_heartbeat = true;
                        match self.send(protocol::heartbeat_request()).await {
                            Ok(()) => Ok(()),
                            Err(end) => return end,
                        }
                    }
                }
            };
            if let Err(code) = step {
                return self.close(code).await;
            }
        }
    }

    /// Counts a command against the per-connection limit.
    fn within_rate_limit(&mut self) -> bool {
        let now = Instant::now();
        let window = Duration::from_secs(60);
        while self.recent_commands.front().is_some_and(|t| now.duration_since(*t) >= window) {
            self.recent_commands.pop_front();
        }
        self.recent_commands.push_back(now);
        self.recent_commands.len() <= self.gateway.config.commands_per_minute
    }

    async fn handle(&mut self, text: &str) -> Result<(), CloseCode> {
        if !self.within_rate_limit() {
            return Err(CloseCode::RateLimited);
        }
        let command = protocol::parse_command(text).map_err(|e| e.close_code())?;
        match command {
            Command::Heartbeat(seq) => {
                self.last_heartbeat = Instant::now();
                self.asked_for_heartbeat = false;
                if let (Some(session), Some(seq)) = (&self.session, seq) {
                    // The client has read this far: a resume never needs what came before.
                    session.confirm(seq);
                }
                if let Some(session) = &self.session
                    && self.gateway.registry.is_shared()
                    && self.last_registry_touch.elapsed() >= self.gateway.registry.refresh_every()
                {
                    self.gateway.registry.touch(&session.id).await;
                    self.last_registry_touch = Instant::now();
                }
                self.send(protocol::heartbeat_ack()).await.map_err(|_| CloseCode::UnknownError)
            }
            Command::Identify(identify) => {
                if self.session.is_some() {
                    return Err(CloseCode::AlreadyAuthenticated);
                }
                // Boxed: IDENTIFY and RESUME are rare and their futures large; every idle
                // connection would otherwise carry their size.
                Box::pin(self.identify(*identify)).instrument(operation_span("gateway.identify")).await
            }
            Command::Resume(resume) => {
                if self.session.is_some() {
                    return Err(CloseCode::AlreadyAuthenticated);
                }
                Box::pin(self.resume(resume)).instrument(operation_span("gateway.resume")).await
            }
            Command::PresenceUpdate(update) => {
                let session = self.session.clone().ok_or(CloseCode::NotAuthenticated)?;
                let status = Status::parse(&update.status).ok_or(CloseCode::DecodeError)?;
                if let Some(seen) = self.gateway.presences.set(session.user_id, status, update.activities) {
                    Box::pin(self.gateway.announce_presence(session.user_id, &seen))
                        .instrument(operation_span("gateway.presence_update"))
                        .await;
                }
                Ok(())
            }
            Command::RequestGuildMembers(request) => {
                let session = self.session.clone().ok_or(CloseCode::NotAuthenticated)?;
                Box::pin(crate::members::request(&self.gateway, &session, request))
                    .instrument(operation_span("gateway.request_guild_members"))
                    .await
            }
            Command::VoiceStateUpdate(update) => {
                let session = self.session.clone().ok_or(CloseCode::NotAuthenticated)?;
                Box::pin(crate::voice::update(&self.gateway, &session, update, &self.params.resume_url))
                    .instrument(operation_span("gateway.voice_state_update"))
                    .await
            }
        }
    }

    fn attachment(&self) -> Attachment {
        Attachment { id: self.id, sender: self.sender.clone(), kick: self.kick.clone() }
    }

    async fn identify(&mut self, identify: Identify) -> Result<(), CloseCode> {
        if identify.shard.is_some_and(|[id, count]| id != 0 || count != 1) {
            return Err(CloseCode::InvalidShard);
        }
        let intents = identify.intents.and_then(Intents::parse).ok_or(CloseCode::InvalidIntents)?;
        let (user_id, signed_in_with) = user_for(&self.gateway, &identify.token).await?;
        // Per account: how many sessions it holds here, and how often it starts them.
        let cap = self.gateway.config.sessions_per_account;
        if cap > 0 && self.gateway.hub.of_user(user_id).len() >= cap {
            tracing::info!(%user_id, cap, "IDENTIFY refused: the account holds as many sessions as it may");
            return Err(CloseCode::SessionLimit);
        }
        if let Err(wait) = self.gateway.state.rest_limits.identify(user_id).await {
            tracing::info!(%user_id, retry_after_ms = wait.as_millis() as u64, "IDENTIFY refused: too many session starts");
            return Err(CloseCode::IdentifyLimit);
        }
        let state = &self.gateway.state;
        let user = state.store.user_by_id(user_id).await.ok().flatten().ok_or(CloseCode::AuthenticationFailed)?;
        if user.bot {
            // Bots get privileged intents only once their owner switched them on.
            let flags = state.store.application(user_id).await.ok().flatten().map_or(0, |app| app.flags);
            if intents.0 & Intents::PRIVILEGED & !Intents::granted_by_application_flags(flags) != 0 {
                return Err(CloseCode::DisallowedIntents);
            }
        }
        let status = match &identify.presence {
            Some(p) => Some(Status::parse(&p.status).ok_or(CloseCode::DecodeError)?),
            None => None,
        };
        let large_threshold = identify
            .large_threshold
            .map_or(DEFAULT_LARGE_THRESHOLD, |t| (t as usize).clamp(DEFAULT_LARGE_THRESHOLD, MAX_LARGE_THRESHOLD));
        let guilds: Vec<Snowflake> = match state.store.guilds_of_member(user_id).await {
            Ok(guilds) => guilds.iter().map(|g| g.id).collect(),
            Err(e) => {
                tracing::warn!(error = %e, "IDENTIFY could not load guilds");
                return Err(CloseCode::UnknownError);
            }
        };
        let session_id = uuid::Uuid::new_v4().simple().to_string();
        let initial_seq = state.bus.latest_position() << SEQ_SHIFT;
        let session = Arc::new(
            Session::new(
                session_id.clone(),
                user_id,
                user.bot,
                intents,
                self.gateway.config.replay_buffer,
                initial_seq,
            )
            .signed_in_with(signed_in_with),
        );
        session.attach(self.attachment());
        // Registered before READY is built, so nothing that happens meanwhile is missed:
        // those dispatches wait in the session and follow READY. The cap is checked again as
        // the session is added: IDENTIFYs of one account in flight together all passed the
        // first check.
        if !self.gateway.hub.insert_within(session.clone(), &guilds, cap) {
            tracing::info!(%user_id, cap, "IDENTIFY refused: the account holds as many sessions as it may");
            return Err(CloseCode::SessionLimit);
        }
        // A sign-in that ended between the token check and now was announced before this
        // session could hear it: check once more, now that it would.
        if user_for(&self.gateway, &identify.token).await.is_err() {
            self.gateway.hub.remove(&session_id);
            return Err(CloseCode::AuthenticationFailed);
        }
        let built =
            ready::ready(&self.gateway, &user, &session_id, &guilds, &self.params.resume_url, large_threshold).await;
        let built = match built {
            Ok(built) => built,
            Err(e) => {
                tracing::warn!(error = %e, "IDENTIFY could not build READY");
                self.gateway.hub.remove(&session_id);
                return Err(CloseCode::UnknownError);
            }
        };
        let mut first = vec![("READY", built.ready)];
        if intents.has(Intents::GUILDS) {
            for (payload, shown) in built.guild_creates {
                for channel in shown {
                    session.know_channel(channel, true);
                }
                first.push(("GUILD_CREATE", payload));
            }
        }
        if !user.bot {
            // Calls going on in their DMs, as Discord tells its own clients.
            for call in crate::voice::private_calls(&self.gateway, user_id).await {
                first.push(("CALL_CREATE", Arc::from(call.to_string())));
            }
        }
        session.go_live(first);
        let recorded = self.gateway.registry.save(&session_id, &session.meta()).await;
        session.recorded.store(recorded, std::sync::atomic::Ordering::Relaxed);
        self.last_registry_touch = Instant::now();
        self.session = Some(session);
        self.gateway.metrics.identifies.inc();
        tracing::info!(%user_id, session_id, intents = intents.0, "gateway session identified");
        let activities = identify.presence.map(|p| p.activities).unwrap_or_default();
        if let Some(seen) = self.gateway.presences.connect(user_id, status, activities) {
            self.gateway.announce_presence(user_id, &seen).await;
        }
        Ok(())
    }

    async fn resume(&mut self, resume: Resume) -> Result<(), CloseCode> {
        let (user_id, signed_in_with) = user_for(&self.gateway, &resume.token).await?;
        // Only the sign-in that opened a session may continue it (another device of the same
        // person starts its own).
        let session = self
            .gateway
            .hub
            .get(&resume.session_id)
            .filter(|s| s.user_id == user_id && s.signed_in_with == signed_in_with);
        let Some(session) = session else {
            if self.gateway.hub.get(&resume.session_id).is_none()
                && self.resume_from_elsewhere(&resume, user_id, signed_in_with).await?
            {
                return Ok(());
            }
            // Unknown, expired or someone else's: start over with IDENTIFY.
            return self.send(protocol::invalid_session(false)).await.map_err(|_| CloseCode::UnknownError);
        };
        match session.resume(resume.seq, self.attachment()) {
            Ok((frames, previous)) => {
                if let Some(previous) = previous {
                    previous.kick.cancel();
                }
                for frame in frames {
                    self.send(frame).await.map_err(|_| CloseCode::UnknownError)?;
                }
                self.session = Some(session);
                self.gateway.metrics.resumes.inc();
                Ok(())
            }
            Err(ResumeError::FutureSeq) => Err(CloseCode::InvalidSeq),
            Err(ResumeError::TooFarBehind) => {
                self.gateway.end_session(&session.id).await;
                self.send(protocol::invalid_session(false)).await.map_err(|_| CloseCode::UnknownError)
            }
        }
    }

    /// RESUME of a session this node does not hold: another node had it (and may be gone).
    /// Its events since the client's `seq` come from the shared log, filtered for it as
    /// they would have been; then RESUMED, through the same queue so it follows them.
    /// `Ok(false)`: it cannot be resumed here (unknown, someone else's, or too far behind).
    async fn resume_from_elsewhere(
        &mut self,
        resume: &Resume,
        user_id: Snowflake,
        signed_in_with: Option<Snowflake>,
    ) -> Result<bool, CloseCode> {
        let gateway = self.gateway.clone();
        if !gateway.state.bus.is_shared() {
            return Ok(false);
        }
        // Each refusal is logged with its reason: a client told to start over after a node
        // drained is what an operator asks about.
        let Some(meta) = gateway.registry.load(&resume.session_id).await else {
            tracing::warn!(session_id = %resume.session_id, "RESUME of a session no node has recorded: unknown or expired");
            return Ok(false);
        };
        if meta.user_id != user_id || meta.signed_in_with != signed_in_with {
            tracing::warn!(session_id = %resume.session_id, "RESUME with another sign-in's token");
            return Ok(false);
        }
        if meta.only_here {
            tracing::warn!(session_id = %resume.session_id, "RESUME elsewhere of a session that got events outside the shared order");
            return Ok(false);
        }
        let guilds: Vec<Snowflake> = match gateway.state.store.guilds_of_member(user_id).await {
            Ok(guilds) => guilds.iter().map(|g| g.id).collect(),
            Err(_) => return Err(CloseCode::UnknownError),
        };
        let session = Arc::new(
            Session::new(
                resume.session_id.clone(),
                user_id,
                meta.bot,
                Intents(meta.intents),
                gateway.config.replay_buffer,
                resume.seq,
            )
            .signed_in_with(signed_in_with),
        );
        session.attach(self.attachment());
        // In the hub before the log is read: an event that reaches this node meanwhile is held
        // by the session (it is not live yet) rather than missed by both the replay and the
        // fan-out; one the replay also holds is dispatched once.
        gateway.hub.insert(session.clone(), &guilds);
        if user_for(&gateway, &resume.token).await.is_err() {
            gateway.hub.remove(&session.id);
            return Err(CloseCode::AuthenticationFailed);
        }
        // How far back the shared log is read for it: as far as its own replay buffer reaches
        // (the memory every session may hold anyway), not its queue. Every node's events are
        // in the log, most not for this session: a busy instance logs hundreds a second, and a
        // draining node's reader may have been behind. Bounding the read by the queue refused
        // such resumes (seen in the rolling-upgrade test). What is for it and does not fit its
        // queue closes the connection as resumable, and it resumes here from the replay
        // buffer: a second RESUME, never a lost session.
        let limit = gateway.config.replay_buffer.max(gateway.config.session_queue);
        let missed = match gateway.state.bus.replay_after(resume.seq >> SEQ_SHIFT, limit).await {
            Ok(Some(missed)) => missed,
            Ok(None) => {
                tracing::warn!(
                    session_id = %resume.session_id,
                    limit,
                    "RESUME elsewhere of a session whose missed events the shared log no longer holds in full"
                );
                gateway.hub.remove(&session.id);
                return Ok(false);
            }
            Err(e) => {
                gateway.hub.remove(&session.id);
                tracing::warn!(error = %e, "cannot replay a session from another node");
                return Ok(false);
            }
        };
        for event in &missed {
            crate::fanout::fan_out(&gateway, event, Some(&session)).await;
        }
        session.go_live(Vec::new());
        session.deliver("RESUMED", &Arc::from("{}"), None);
        let recorded = gateway.registry.save(&session.id, &session.meta()).await;
        session.recorded.store(recorded, std::sync::atomic::Ordering::Relaxed);
        self.last_registry_touch = Instant::now();
        if let Some(seen) = gateway.presences.connect(user_id, None, Vec::new()) {
            gateway.announce_presence(user_id, &seen).await;
        }
        tracing::info!(%user_id, session_id = %session.id, replayed = missed.len(), "gateway session resumed from another node");
        self.session = Some(session);
        gateway.metrics.resumes.inc();
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    //! Heartbeat timing, with tokio's clock paused so each deadline is exact.

    use std::pin::Pin;
    use std::task::{Context, Poll};

    use futures::channel::mpsc as chan;
    use parley_app::auth::{PasswordHasher, TokenIssuer};
    use parley_app::{AppConfig, AppState};
    use parley_core::SnowflakeGenerator;
    use parley_events::EventBus;
    use parley_store::{DatabaseUrl, Store, StoreOptions};
    use serde_json::Value;

    use super::*;
    use crate::GatewayConfig;
    use crate::registry::SessionRegistry;

    /// A socket made of two bounded channels: what the test sends in, and what the server
    /// writes (a full one fails the write, as a socket error would).
    struct FakeSocket {
        incoming: chan::Receiver<Result<Message, axum::Error>>,
        written: chan::Sender<Message>,
    }

    impl Stream for FakeSocket {
        type Item = Result<Message, axum::Error>;
        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            self.incoming.poll_next_unpin(cx)
        }
    }

    impl Sink<Message> for FakeSocket {
        type Error = axum::Error;
        fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }
        fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<(), Self::Error> {
            self.written.try_send(item).map_err(axum::Error::new)
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }
        fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }
    }

    const INTERVAL: Duration = Duration::from_secs(40);

    async fn gateway(dir: &tempfile::TempDir) -> Gateway {
        // The store is never queried here; a session is attached directly.
        let url = DatabaseUrl::parse(&format!("sqlite://{}/heartbeat.db", dir.path().display())).unwrap();
        let store = Store::connect(&url, &StoreOptions::default()).await.unwrap();
        let state = AppState::new(
            store,
            SnowflakeGenerator::new(0).unwrap(),
            TokenIssuer::new([7; 32], "test", 60_000),
            PasswordHasher::new(1024, 1, 1).unwrap(),
            AppConfig::default(),
            EventBus::in_process(16),
            std::sync::Arc::new(parley_objects::LocalStore::open(&dir.path().join("files")).await.unwrap()),
        );
        let config = GatewayConfig { heartbeat_interval: INTERVAL, ..GatewayConfig::default() };
        Gateway::new(state, config, SessionRegistry::local(), CancellationToken::new())
    }

    /// A connection whose session is already live, served on a fake socket.
    fn serve(
        gateway: Gateway,
        identified: bool,
    ) -> (chan::Sender<Result<Message, axum::Error>>, chan::Receiver<Message>) {
        let (to_server, incoming) = chan::channel(16);
        let (written, from_server) = chan::channel(16);
        let (sender, receiver) = mpsc::channel(16);
        let session = identified.then(|| {
            let session = Arc::new(Session::new("s".into(), Snowflake::new(1), false, Intents(Intents::KNOWN), 16, 0));
            session.go_live(Vec::new());
            session
        });
        let params = ConnectParams { version_ok: true, encoding_ok: true, compress: None, resume_url: String::new() };
        let mut connection = Connection {
            id: 1,
            transport: None,
            gateway,
            socket: FakeSocket { incoming, written },
            params,
            sender,
            kick: CancellationToken::new(),
            session,
            last_heartbeat: Instant::now(),
            asked_for_heartbeat: false,
            last_registry_touch: Instant::now(),
            recent_commands: VecDeque::new(),
        };
        tokio::spawn(async move { connection.serve(receiver).await });
        (to_server, from_server)
    }

    /// What the server wrote, as (op, close code).
    fn written(from_server: &mut chan::Receiver<Message>) -> Vec<(Option<u64>, Option<u16>)> {
        let mut seen = Vec::new();
        while let Ok(message) = from_server.try_recv() {
            seen.push(match message {
                Message::Text(text) => (serde_json::from_str::<Value>(text.as_str()).unwrap()["op"].as_u64(), None),
                Message::Close(frame) => (None, frame.map(|f| f.code)),
                _ => (None, None),
            });
        }
        seen
    }

    /// Lets the server's task run at the current (paused) instant.
    async fn settle() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn a_quiet_session_is_asked_for_a_heartbeat_then_closed_and_a_heartbeat_resets_the_clock() {
        let dir = tempfile::tempdir().unwrap();
        let gateway = gateway(&dir).await;
        // Paused once the store is open (its connections use real time to open).
        tokio::time::pause();
        let (mut to_server, mut from_server) = serve(gateway, true);
        settle().await;
        assert_eq!(written(&mut from_server), vec![(Some(protocol::op::HELLO), None)]);

        tokio::time::advance(INTERVAL + INTERVAL / 4 - Duration::from_millis(1)).await;
        settle().await;
        assert!(written(&mut from_server).is_empty(), "nothing before a quarter interval past due");
        tokio::time::advance(Duration::from_millis(2)).await;
        settle().await;
        assert_eq!(written(&mut from_server), vec![(Some(protocol::op::HEARTBEAT), None)], "the server asks");

        // The client answers: acknowledged, and the clock starts again from now.
        to_server.try_send(Ok(Message::Text("{\"op\":1,\"d\":null}".into()))).unwrap();
        settle().await;
        assert_eq!(written(&mut from_server), vec![(Some(protocol::op::HEARTBEAT_ACK), None)]);
        tokio::time::advance(INTERVAL).await;
        settle().await;
        assert!(written(&mut from_server).is_empty(), "a fresh heartbeat bought a full interval");

        tokio::time::advance(INTERVAL / 4 + Duration::from_millis(1)).await;
        settle().await;
        assert_eq!(written(&mut from_server), vec![(Some(protocol::op::HEARTBEAT), None)]);
        tokio::time::advance(INTERVAL * 3 / 4).await;
        settle().await;
        assert_eq!(written(&mut from_server), vec![(None, Some(4009))], "silent for two intervals: closed");
    }

    #[tokio::test]
    async fn a_connection_that_never_identifies_is_closed_after_one_interval() {
        let dir = tempfile::tempdir().unwrap();
        let gateway = gateway(&dir).await;
        tokio::time::pause();
        let (_to_server, mut from_server) = serve(gateway, false);
        settle().await;
        assert_eq!(written(&mut from_server), vec![(Some(protocol::op::HELLO), None)]);
        tokio::time::advance(INTERVAL - Duration::from_millis(1)).await;
        settle().await;
        assert!(written(&mut from_server).is_empty());
        tokio::time::advance(Duration::from_millis(2)).await;
        settle().await;
        assert_eq!(written(&mut from_server), vec![(None, Some(4009))]);
    }
}
