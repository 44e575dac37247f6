//! One voice WebSocket: HELLO, then IDENTIFY (join the call with the gateway's token) or
//! RESUME (re-attach to a call whose socket dropped), then answers, ICE candidates,
//! speaking, video subscriptions and heartbeats, until the member leaves, the socket goes,
//! or the node drains.
//!
//! Bad input never reaches the SFU as anything but a close: undecodable frames 4002, unknown
//! opcodes 4001, commands before IDENTIFY 4003, a token that is not this member's 4004, more
//! than [`COMMANDS_PER_MINUTE`] commands 4008, a missed heartbeat 4009, an SDP answer the
//! peer connection refuses 4015 (and the participant is taken out, so nothing leaks).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message};
use futures::{Sink, SinkExt, Stream, StreamExt};
use parley_app::voice::grants::VoiceGrant;
use parley_core::Snowflake;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};
use tokio_util::sync::CancellationToken;
use webrtc::ice_transport::ice_candidate::RTCIceCandidateInit;

use crate::VoiceServer;
use crate::protocol::{
    Answer, ClientFrame, CloseCode, Identify, Resume, Speaking, TrackKind, VideoSubscription, frame, op,
};
use crate::sfu::Attach;
use crate::sfu::participant::{Participant, SIGNAL_QUEUE};

/// Commands a connection may send per minute: a negotiation trickles a few dozen ICE
/// candidates, so this is generous for a client and tight for a flood.
pub const COMMANDS_PER_MINUTE: usize = 600;

/// How long IDENTIFY waits for a token issued on another node to arrive here.
const GRANT_ARRIVAL: Duration = Duration::from_secs(1);

/// Discord's priority-speaker bit of SPEAKING.
const SPEAKING_PRIORITY: u8 = 4;

/// The longest ICE candidate line accepted (real ones are under 200 bytes).
const MAX_CANDIDATE: usize = 1024;

/// How a connection ended.
enum End {
    ClientLeft,
    Close(CloseCode),
}

pub async fn run<S>(server: VoiceServer, mut socket: S)
where
    S: Stream<Item = Result<Message, axum::Error>> + Sink<Message, Error = axum::Error> + Unpin + Send,
{
    let _open = parley_app::metrics::GaugeGuard::hold(&server.sfu.metrics.connections);
    let connection = server.next_connection_id();
    let (frames, mut outgoing) = mpsc::channel::<String>(SIGNAL_QUEUE);
    let kick = CancellationToken::new();
    let mut state = Connection {
        server: server.clone(),
        connection,
        frames,
        kick: kick.clone(),
        participant: None,
        window_start: Instant::now(),
        commands: 0,
    };
    let interval = server.config.heartbeat_interval;
    let hello = frame(op::HELLO, serde_json::json!({ "heartbeat_interval": interval.as_millis() as u64 }));
    let end = if socket.send(Message::Text(hello.into())).await.is_err() {
        End::ClientLeft
    } else {
        state.serve(&mut socket, &mut outgoing, interval).await
    };
    if let End::Close(code) = end {
        let _ = socket.send(Message::Close(Some(CloseFrame { code: code.code(), reason: code.reason().into() }))).await;
        tracing::debug!(connection, close_code = code.code(), "voice connection closed");
        // Finish the closing handshake: read (and discard) what the client still sends until
        // its Close, so unread frames do not make the kernel reset the connection and lose
        // the close code on the way.
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            while let Some(Ok(message)) = socket.next().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
    let _ = socket.close().await;
    if let Some(participant) = state.participant.take() {
        // The call goes on without its socket for a while: media flows over UDP, and the
        // client may RESUME. If it does not, the participant leaves.
        if let Some(generation) = participant.detach(connection) {
            let window = server.config.resume_window;
            server.tasks.spawn(async move {
                tokio::select! {
                    () = participant.closed.cancelled() => {}
                    () = tokio::time::sleep(window) => {
                        if participant.still_detached(generation) {
                            tracing::debug!(user_id = %participant.user_id, "voice connection not resumed in time");
                            participant.end(CloseCode::SessionTimeout);
                        }
                    }
                }
            });
        }
    }
}

struct Connection {
    server: VoiceServer,
    connection: u64,
    frames: mpsc::Sender<String>,
    kick: CancellationToken,
    participant: Option<Arc<Participant>>,
    window_start: Instant,
    commands: usize,
}

impl Connection {
    async fn serve<S>(&mut self, socket: &mut S, outgoing: &mut mpsc::Receiver<String>, interval: Duration) -> End
    where
        S: Stream<Item = Result<Message, axum::Error>> + Sink<Message, Error = axum::Error> + Unpin + Send,
    {
        let mut deadline = Instant::now() + interval * 2;
        loop {
            let closed = self.participant.as_ref().map(|p| p.closed.clone()).unwrap_or_default();
            tokio::select! {
                () = self.server.shutdown.cancelled() => return End::Close(CloseCode::ServerShutdown),
                () = self.kick.cancelled() => {
                    // Replaced by a resumed socket, or too slow to read its frames.
                    return End::Close(CloseCode::SessionTimeout);
                }
                () = closed.cancelled(), if self.participant.is_some() => {
                    let reason = self.participant.take().map(|p| p.close_reason()).unwrap_or(CloseCode::Disconnected);
                    return End::Close(reason);
                }
                () = sleep_until(deadline) => return End::Close(CloseCode::SessionTimeout),
                Some(text) = outgoing.recv() => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        return End::ClientLeft;
                    }
                }
                incoming = socket.next() => {
                    let text = match incoming {
                        None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return End::ClientLeft,
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Binary(_))) => return End::Close(CloseCode::DecodeError),
                        Some(Ok(_)) => continue,
                    };
                    if let Err(code) = self.limit() {
                        return End::Close(code);
                    }
                    match self.handle(&text).await {
                        Ok(Some(reply)) => {
                            deadline = Instant::now() + interval * 2;
                            if socket.send(Message::Text(reply.into())).await.is_err() {
                                return End::ClientLeft;
                            }
                        }
                        Ok(None) => {}
                        Err(code) => return End::Close(code),
                    }
                }
            }
        }
    }

    fn limit(&mut self) -> Result<(), CloseCode> {
        if self.window_start.elapsed() >= Duration::from_secs(60) {
            self.window_start = Instant::now();
            self.commands = 0;
        }
        self.commands += 1;
        if self.commands > COMMANDS_PER_MINUTE { Err(CloseCode::RateLimited) } else { Ok(()) }
    }

    /// Handles one frame; `Ok(Some(reply))` is a heartbeat ACK (which also feeds the
    /// deadline).
    async fn handle(&mut self, text: &str) -> Result<Option<String>, CloseCode> {
        let frame_in: ClientFrame = serde_json::from_str(text).map_err(|_| CloseCode::DecodeError)?;
        match frame_in.op {
            op::HEARTBEAT => return Ok(Some(frame(op::HEARTBEAT_ACK, frame_in.d))),
            op::IDENTIFY => self.identify(decode(frame_in.d)?).await?,
            op::RESUME => self.resume(decode(frame_in.d)?).await?,
            op::ANSWER => {
                let answer: Answer = decode(frame_in.d)?;
                let participant = self.joined()?;
                if let Err(code) = participant.answer(answer.sdp).await {
                    participant.end(code);
                    return Err(code);
                }
            }
            op::ICE_CANDIDATE => {
                let candidate: RTCIceCandidateInit = decode(frame_in.d)?;
                if candidate.candidate.len() > MAX_CANDIDATE {
                    return Err(CloseCode::DecodeError);
                }
                let participant = self.joined()?;
                // An empty candidate is the browser's end-of-candidates marker.
                if !candidate.candidate.is_empty() {
                    participant.candidate(candidate).await?;
                }
            }
            op::SPEAKING => {
                let speaking: Speaking = decode(frame_in.d)?;
                let participant = self.joined()?.clone();
                let policy = *participant.grant.policy().borrow();
                // Not heard: never speaking. The priority bit needs PRIORITY_SPEAKER.
                let speaking = match (policy.forwards_audio(), policy.priority) {
                    (false, _) => 0,
                    (true, true) => speaking.speaking,
                    (true, false) => speaking.speaking & !SPEAKING_PRIORITY,
                };
                let text =
                    frame(op::SPEAKING, serde_json::json!({ "user_id": participant.user_id, "speaking": speaking }));
                for other in self.server.sfu.members(participant.grant.channel_id).await {
                    if other.user_id != participant.user_id {
                        other.send(text.clone());
                    }
                }
            }
            op::VIDEO_SUBSCRIPTION => {
                let request: VideoSubscription = decode(frame_in.d)?;
                let publisher: Snowflake = request.user_id.parse().map_err(|_| CloseCode::DecodeError)?;
                if request.kind == TrackKind::Audio {
                    return Err(CloseCode::DecodeError);
                }
                let participant = self.joined()?;
                if let Some(forwarder) = participant.subscription(publisher, request.kind) {
                    forwarder.paused.store(request.paused, std::sync::atomic::Ordering::Relaxed);
                    if !request.paused {
                        forwarder.request_keyframe().await;
                    }
                }
            }
            _ => return Err(CloseCode::UnknownOpcode),
        }
        Ok(None)
    }

    fn joined(&self) -> Result<&Arc<Participant>, CloseCode> {
        self.participant.as_ref().ok_or(CloseCode::NotAuthenticated)
    }

    fn attach(&self) -> Attach {
        Attach { connection: self.connection, frames: self.frames.clone(), kick: self.kick.clone() }
    }

    async fn identify(&mut self, identify: Identify) -> Result<(), CloseCode> {
        if self.participant.is_some() {
            return Err(CloseCode::AlreadyAuthenticated);
        }
        let grant = self.redeem_soon(&identify.token).await.ok_or(CloseCode::AuthenticationFailed)?;
        let matches = grant.server_id.to_string() == identify.server_id
            && grant.user_id.to_string() == identify.user_id
            && grant.session_id == identify.session_id;
        if !matches {
            return Err(CloseCode::AuthenticationFailed);
        }
        let participant = self.server.sfu.connect(grant, self.attach()).await?;
        self.participant = Some(participant);
        Ok(())
    }

    /// The grant behind `token`, waiting up to [`GRANT_ARRIVAL`] for it: a grant issued on
    /// another node reaches this one over the bus, which can be a moment behind the client
    /// that was given its token.
    async fn redeem_soon(&self, token: &str) -> Option<Arc<VoiceGrant>> {
        let deadline = Instant::now() + GRANT_ARRIVAL;
        loop {
            if let Some(grant) = self.server.state.voice_grants.redeem(token) {
                return Some(grant);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn resume(&mut self, resume: Resume) -> Result<(), CloseCode> {
        if self.participant.is_some() {
            return Err(CloseCode::AlreadyAuthenticated);
        }
        let grant = self.server.state.voice_grants.redeem(&resume.token).ok_or(CloseCode::SessionNoLongerValid)?;
        if grant.server_id.to_string() != resume.server_id || grant.session_id != resume.session_id {
            return Err(CloseCode::AuthenticationFailed);
        }
        let participant = self
            .server
            .sfu
            .participant(grant.channel_id, grant.user_id)
            .await
            .filter(|p| p.grant.token == grant.token && !p.closed.is_cancelled())
            .ok_or(CloseCode::SessionNoLongerValid)?;
        let attach = self.attach();
        participant.attach(attach.connection, attach.frames, attach.kick);
        participant.send(frame(op::RESUMED, serde_json::Value::Null));
        if let Some(offer) = participant.unanswered_offer().await {
            participant.send(offer);
        }
        self.participant = Some(participant);
        Ok(())
    }
}

fn decode<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, CloseCode> {
    serde_json::from_value(value).map_err(|_| CloseCode::DecodeError)
}
