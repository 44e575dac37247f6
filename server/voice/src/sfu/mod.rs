//! The selective forwarding unit: rooms of participants, one peer connection each, every
//! published track forwarded to every other participant without transcoding.
//!
//! - [`participant`]: one peer connection, its publishing transceivers and subscriptions.
//! - [`room`]: one voice channel's participants and the wiring between them.
//! - [`forward`]: outlets and per-subscriber forwarders (bounded queues, rewriting).

pub mod forward;
pub mod participant;
pub mod room;

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use parley_app::voice::grants::VoiceGrant;
use parley_core::Snowflake;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use webrtc::api::API;
use webrtc::peer_connection::RTCPeerConnection;
use webrtc::peer_connection::configuration::RTCConfiguration;
use webrtc::peer_connection::peer_connection_state::RTCPeerConnectionState;
use webrtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use webrtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use webrtc::rtcp::receiver_report::ReceiverReport;
use webrtc::rtcp::transport_feedbacks::transport_layer_nack::TransportLayerNack;
use webrtc::rtp_transceiver::rtp_codec::RTPCodecType;
use webrtc::rtp_transceiver::rtp_sender::RTCRtpSender;
use webrtc::rtp_transceiver::rtp_transceiver_direction::RTCRtpTransceiverDirection;
use webrtc::rtp_transceiver::{RTCRtpTransceiver, RTCRtpTransceiverInit};
use webrtc::track::track_local::TrackLocal;
use webrtc::track::track_local::track_local_static_rtp::TrackLocalStaticRTP;
use webrtc::track::track_remote::TrackRemote;

use self::forward::{Forwarder, Outgoing, Outlet};
use self::participant::{Participant, track_id};
use self::room::Room;
use crate::metrics::VoiceMetrics;
use crate::protocol::{CloseCode, TrackKind, frame, op};

pub struct Sfu {
    engine: API,
    rooms: tokio::sync::Mutex<HashMap<Snowflake, Arc<Room>>>,
    pub metrics: VoiceMetrics,
    tasks: TaskTracker,
    /// Fires when the node drains: every participant ends.
    pub shutdown: CancellationToken,
}

impl std::fmt::Debug for Sfu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sfu").finish_non_exhaustive()
    }
}

/// Frames the participant's socket gets, attached when they connect.
pub struct Attach {
    pub connection: u64,
    pub frames: tokio::sync::mpsc::Sender<String>,
    pub kick: CancellationToken,
}

impl Sfu {
    pub fn new(engine: API, metrics: VoiceMetrics, tasks: TaskTracker, shutdown: CancellationToken) -> Arc<Self> {
        Arc::new(Self { engine, rooms: tokio::sync::Mutex::default(), metrics, tasks, shutdown })
    }

    /// Puts the grant's holder into their channel's call: a peer connection with three
    /// publishing transceivers, READY on the socket, then the first offer.
    pub async fn connect(
        self: &Arc<Self>,
        grant: Arc<VoiceGrant>,
        attach: Attach,
    ) -> Result<Arc<Participant>, CloseCode> {
        let participant = self.participant_for(grant).await.map_err(|e| {
            tracing::warn!(error = %e, "voice peer connection could not be created");
            CloseCode::MediaFailed
        })?;
        participant.attach(attach.connection, attach.frames, attach.kick);
        participant.apply(*participant.grant.policy().borrow());
        self.tasks.spawn(supervise(self.clone(), participant.clone()));
        let room = self.room(participant.grant.channel_id).await;
        let present = room.join(self, participant.clone()).await;
        participant.send(frame(
            op::READY,
            serde_json::json!({
                "user_id": participant.user_id,
                "server_id": participant.grant.server_id,
                "channel_id": participant.grant.channel_id,
                "user_ids": present,
            }),
        ));
        if let Err(e) = participant.negotiate().await {
            tracing::info!(user_id = %participant.user_id, error = %e, "voice offer failed");
            participant.end(CloseCode::MediaFailed);
        }
        Ok(participant)
    }

    async fn participant_for(self: &Arc<Self>, grant: Arc<VoiceGrant>) -> Result<Arc<Participant>, webrtc::Error> {
        let pc = Arc::new(self.engine.new_peer_connection(RTCConfiguration::default()).await?);
        let recvonly =
            || Some(RTCRtpTransceiverInit { direction: RTCRtpTransceiverDirection::Recvonly, send_encodings: vec![] });
        let transceivers = async {
            Ok::<_, webrtc::Error>([
                pc.add_transceiver_from_kind(RTPCodecType::Audio, recvonly()).await?,
                pc.add_transceiver_from_kind(RTPCodecType::Video, recvonly()).await?,
                pc.add_transceiver_from_kind(RTPCodecType::Video, recvonly()).await?,
            ])
        };
        let publish = match transceivers.await {
            Ok(publish) => publish,
            Err(e) => {
                // Closed here, so a half-built connection leaves no task or socket behind.
                let _ = pc.close().await;
                return Err(e);
            }
        };
        self.metrics.peer_connections.inc();
        let outlets = TrackKind::ALL.map(|kind| Arc::new(Outlet::new(grant.user_id, kind, &pc, self.metrics.clone())));
        let participant = Arc::new(Participant::new(grant, pc.clone(), publish, outlets));
        self.handle_events(&pc, &participant);
        Ok(participant)
    }

    /// Trickles local candidates, starts a pump per incoming track, and ends the
    /// participant when ICE fails for good.
    fn handle_events(self: &Arc<Self>, pc: &RTCPeerConnection, participant: &Arc<Participant>) {
        let weak = Arc::downgrade(participant);
        pc.on_ice_candidate(Box::new(move |candidate| {
            let weak = weak.clone();
            Box::pin(async move {
                let (Some(candidate), Some(participant)) = (candidate, weak.upgrade()) else { return };
                if let Ok(init) = candidate.to_json() {
                    participant.send(frame(op::ICE_CANDIDATE, init));
                }
            })
        }));
        let weak = Arc::downgrade(participant);
        let sfu = Arc::downgrade(self);
        pc.on_track(Box::new(move |track, _receiver, transceiver| {
            let (weak, sfu) = (weak.clone(), sfu.clone());
            Box::pin(async move {
                let (Some(participant), Some(sfu)) = (weak.upgrade(), sfu.upgrade()) else { return };
                let Some(kind) = published_kind(&participant, &transceiver) else { return };
                let outlet = participant.outlet(kind).clone();
                *outlet.codec.lock().unwrap_or_else(|p| p.into_inner()) = Some(track.codec().capability);
                sfu.tasks.spawn(pump(track, outlet.clone(), participant.closed.clone(), sfu.metrics.clone()));
                // Video is offered to the others only once it is published (most people never
                // share a screen), which keeps every offer small; audio is wired at join.
                if kind.is_video() && !outlet.live.swap(true, std::sync::atomic::Ordering::SeqCst) {
                    let room = sfu.rooms.lock().await.get(&participant.grant.channel_id).cloned();
                    if let Some(room) = room {
                        let sfu2 = sfu.clone();
                        sfu.tasks.spawn(async move { room.published(&sfu2, &participant, kind).await });
                    }
                }
            })
        }));
        let weak = Arc::downgrade(participant);
        pc.on_peer_connection_state_change(Box::new(move |state| {
            let weak = weak.clone();
            Box::pin(async move {
                if state == RTCPeerConnectionState::Failed
                    && let Some(participant) = weak.upgrade()
                {
                    tracing::info!(user_id = %participant.user_id, "voice media failed (ICE could not connect)");
                    participant.end(CloseCode::MediaFailed);
                }
            })
        }));
    }

    /// Gives `subscriber` a sendonly transceiver carrying `publisher`'s `kind`.
    pub(crate) async fn subscribe(&self, subscriber: &Arc<Participant>, publisher: &Arc<Participant>, kind: TrackKind) {
        let codec = publisher.outlet(kind).outgoing_codec();
        if kind.is_video() && !subscriber.decodes(&codec.mime_type) {
            // No transcoding: a subscriber whose connection did not negotiate the publisher's
            // codec does not get this video (they still hear them).
            tracing::info!(subscriber = %subscriber.user_id, publisher = %publisher.user_id, codec = %codec.mime_type, "video not sent: the subscriber's connection does not decode its codec");
            return;
        }
        let track =
            Arc::new(TrackLocalStaticRTP::new(codec, track_id(publisher.user_id, kind), publisher.user_id.to_string()));
        let Some(outgoing) = outgoing(subscriber, kind, track).await else { return };
        let sender = outgoing.sender.clone();
        let stop = subscriber.closed.child_token();
        let outlet = publisher.outlet(kind);
        let (forwarder, writer) =
            Forwarder::new(subscriber.user_id, kind, outgoing, outlet, stop.clone(), self.metrics.clone());
        self.tasks.spawn(writer);
        let clock_rate = if kind == TrackKind::Audio { 48_000.0 } else { 90_000.0 };
        self.tasks.spawn(read_rtcp(sender, Arc::downgrade(&forwarder), stop, self.metrics.clone(), clock_rate));
        subscriber.add_subscription(forwarder.clone(), publisher.user_id);
        outlet.add(forwarder);
    }

    async fn room(&self, channel_id: Snowflake) -> Arc<Room> {
        let mut rooms = self.rooms.lock().await;
        rooms
            .entry(channel_id)
            .or_insert_with(|| {
                self.metrics.rooms.inc();
                Arc::new(Room::new(channel_id))
            })
            .clone()
    }

    /// Takes a participant out of their call and closes their peer connection.
    async fn leave(&self, participant: &Arc<Participant>) {
        let mut rooms = self.rooms.lock().await;
        if let Some(room) = rooms.get(&participant.grant.channel_id).cloned()
            && room.leave(self, participant).await
        {
            rooms.remove(&participant.grant.channel_id);
            self.metrics.rooms.dec();
        }
        drop(rooms);
        if let Err(e) = participant.pc.close().await {
            tracing::debug!(user_id = %participant.user_id, error = %e, "voice peer connection did not close cleanly");
        }
        self.metrics.peer_connections.dec();
    }

    /// The participant `user` in `channel_id`, if connected.
    pub async fn participant(&self, channel_id: Snowflake, user: Snowflake) -> Option<Arc<Participant>> {
        let room = self.rooms.lock().await.get(&channel_id).cloned()?;
        room.participant(user).await
    }

    /// Everyone in `channel_id`'s call.
    pub async fn members(&self, channel_id: Snowflake) -> Vec<Arc<Participant>> {
        let room = self.rooms.lock().await.get(&channel_id).cloned();
        match room {
            Some(room) => room.members().await,
            None => Vec::new(),
        }
    }

    /// How many calls and participants this node holds.
    pub async fn census(&self) -> (usize, usize) {
        let rooms: Vec<_> = self.rooms.lock().await.values().cloned().collect();
        let mut participants = 0;
        for room in &rooms {
            participants += room.members().await.len();
        }
        (rooms.len(), participants)
    }
}

/// Where `subscriber` receives a new publisher's `kind`: a transceiver someone who left
/// freed (taken over, its stream continued), or a new one.
async fn outgoing(subscriber: &Participant, kind: TrackKind, track: Arc<TrackLocalStaticRTP>) -> Option<Outgoing> {
    while let Some(spare) = subscriber.take_spare(kind) {
        let taken = spare.sender.replace_track(Some(track.clone() as Arc<dyn TrackLocal + Send + Sync>)).await;
        match taken {
            Ok(()) => {
                spare.transceiver.set_direction(RTCRtpTransceiverDirection::Sendonly).await;
                return Some(Outgoing {
                    track,
                    transceiver: spare.transceiver.clone(),
                    sender: spare.sender.clone(),
                    resume_from: spare.position(),
                });
            }
            Err(e) => {
                tracing::debug!(user_id = %subscriber.user_id, error = %e, "a freed transceiver could not be reused")
            }
        }
    }
    let init = RTCRtpTransceiverInit { direction: RTCRtpTransceiverDirection::Sendonly, send_encodings: vec![] };
    match subscriber.pc.add_transceiver_from_track(track.clone(), Some(init)).await {
        Ok(transceiver) => {
            let sender = transceiver.sender().await;
            Some(Outgoing { track, transceiver, sender, resume_from: None })
        }
        Err(e) => {
            tracing::info!(user_id = %subscriber.user_id, error = %e, "voice subscription not added");
            None
        }
    }
}

fn published_kind(participant: &Participant, transceiver: &Arc<RTCRtpTransceiver>) -> Option<TrackKind> {
    participant.published_kind(transceiver)
}

/// Follows a participant's grant (policy changes, revocation) and the node's shutdown, and
/// takes them out of the call when any of them ends it.
async fn supervise(sfu: Arc<Sfu>, participant: Arc<Participant>) {
    let mut policy = participant.grant.policy();
    let revoked = participant.grant.revoked();
    loop {
        tokio::select! {
            () = participant.closed.cancelled() => break,
            () = revoked.cancelled() => participant.end(CloseCode::Disconnected),
            () = sfu.shutdown.cancelled() => participant.end(CloseCode::ServerShutdown),
            changed = policy.changed() => match changed {
                Ok(()) => {
                    let video_was = participant.outlet(TrackKind::Camera).allowed.load(std::sync::atomic::Ordering::Relaxed);
                    participant.apply(*policy.borrow_and_update());
                    // Video allowed again (STREAM given back): subscribers need a keyframe
                    // to start decoding from.
                    if !video_was && policy.borrow().can_video {
                        for kind in [TrackKind::Camera, TrackKind::Screen] {
                            participant.outlet(kind).request_keyframe().await;
                        }
                    }
                }
                Err(_) => participant.end(CloseCode::Disconnected),
            },
        }
    }
    sfu.leave(&participant).await;
}

/// Reads one published track and hands each packet to its outlet, until the track or the
/// participant ends.
async fn pump(track: Arc<TrackRemote>, outlet: Arc<Outlet>, closed: CancellationToken, metrics: VoiceMetrics) {
    let _live = parley_app::metrics::GaugeGuard::hold(&metrics.tracks);
    tracing::debug!(publisher = %outlet.publisher, kind = outlet.kind.as_str(), "voice track published");
    loop {
        tokio::select! {
            () = closed.cancelled() => return,
            read = track.read_rtp() => match read {
                Ok((packet, _)) => outlet.deliver(&packet),
                Err(_) => return,
            },
        }
    }
}

/// Reads what a subscriber says about one forwarded track: keyframe requests go to the
/// publisher, NACKs are counted (the NACK responder retransmits), loss and jitter observed.
/// Reading is also what lets the interceptors see these packets at all.
async fn read_rtcp(
    sender: Arc<RTCRtpSender>,
    forwarder: Weak<Forwarder>,
    stop: CancellationToken,
    metrics: VoiceMetrics,
    clock_rate: f64,
) {
    loop {
        let packets = tokio::select! {
            () = stop.cancelled() => return,
            read = sender.read_rtcp() => match read {
                Ok((packets, _)) => packets,
                Err(_) => return,
            },
        };
        for packet in packets {
            let any = packet.as_any();
            if any.is::<PictureLossIndication>() || any.is::<FullIntraRequest>() {
                if let Some(forwarder) = forwarder.upgrade() {
                    forwarder.request_keyframe().await;
                }
            } else if any.is::<TransportLayerNack>() {
                metrics.nacks.inc();
            } else if let Some(report) = any.downcast_ref::<ReceiverReport>() {
                for block in &report.reports {
                    metrics.loss.observe(f64::from(block.fraction_lost) / 256.0);
                    metrics.jitter.observe(f64::from(block.jitter) / clock_rate);
                }
            }
        }
    }
}
