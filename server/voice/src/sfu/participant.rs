//! One participant: their one peer connection, the three transceivers they publish on
//! (microphone, camera, screen), the outlets their packets go out from, their subscriptions
//! to everyone else, and the negotiation the server drives.
//!
//! Negotiation: only the server offers. A change (someone joins or leaves) while an offer is
//! unanswered is folded into one more offer after the answer, so the two sides never race.
//! The signalling socket can drop and come back (RESUME); the peer connection and its media
//! carry on meanwhile, and an unanswered offer is sent again to the new socket.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use parley_app::voice::grants::{MediaPolicy, VoiceGrant};
use parley_core::Snowflake;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use webrtc::ice_transport::ice_candidate::RTCIceCandidateInit;
use webrtc::peer_connection::RTCPeerConnection;
use webrtc::peer_connection::sdp::session_description::RTCSessionDescription;
use webrtc::rtp_transceiver::RTCRtpTransceiver;
use webrtc::rtp_transceiver::rtp_transceiver_direction::RTCRtpTransceiverDirection;

use super::forward::{Forwarder, Outlet};
use crate::protocol::{CloseCode, TrackKind, TrackSlot, frame, op};

/// Remote ICE candidates kept while no answer has arrived yet.
const PENDING_CANDIDATES: usize = 64;

/// Frames queued for a signalling socket; a socket that lets this many pile up is closed
/// (the participant stays, and the client may RESUME).
pub const SIGNAL_QUEUE: usize = 128;

/// The signalling socket currently attached, if any.
#[derive(Debug)]
struct Attachment {
    connection: u64,
    frames: mpsc::Sender<String>,
    kick: CancellationToken,
}

#[derive(Debug, Default)]
struct Negotiation {
    awaiting_answer: bool,
    again: bool,
    remote_set: bool,
    /// The unanswered offer's frame, to send again after a RESUME.
    last_offer: Option<String>,
}

#[derive(Debug)]
pub struct Participant {
    pub user_id: Snowflake,
    pub grant: Arc<VoiceGrant>,
    pub pc: Arc<RTCPeerConnection>,
    /// Recvonly transceivers, in [`TrackKind::ALL`] order.
    publish: [Arc<RTCRtpTransceiver>; 3],
    /// Where this participant's media goes out from, in [`TrackKind::ALL`] order.
    pub outlets: [Arc<Outlet>; 3],
    /// Everyone else's media, as this participant receives it.
    subscriptions: Mutex<HashMap<(Snowflake, TrackKind), Arc<Forwarder>>>,
    /// Retired forwarders whose (now inactive) transceivers the next publisher of their kind
    /// takes over.
    spare: Mutex<Vec<Arc<Forwarder>>>,
    /// The video codecs (MIME types, lower case) this participant's connection negotiated,
    /// once it answered: video in any other codec cannot be sent to them.
    video_codecs: Mutex<Option<Vec<String>>>,
    negotiation: tokio::sync::Mutex<Negotiation>,
    pending_candidates: Mutex<Vec<RTCIceCandidateInit>>,
    attachment: Mutex<Option<Attachment>>,
    /// Bumped on every attach and detach, so a resume timer knows if it is still current.
    attachments: AtomicU64,
    pub deafened: AtomicBool,
    /// Fires when the participant is gone for good.
    pub closed: CancellationToken,
    close_reason: OnceLock<CloseCode>,
}

impl Participant {
    pub fn new(
        grant: Arc<VoiceGrant>,
        pc: Arc<RTCPeerConnection>,
        publish: [Arc<RTCRtpTransceiver>; 3],
        outlets: [Arc<Outlet>; 3],
    ) -> Self {
        Self {
            user_id: grant.user_id,
            grant,
            pc,
            publish,
            outlets,
            subscriptions: Mutex::default(),
            spare: Mutex::default(),
            video_codecs: Mutex::default(),
            negotiation: tokio::sync::Mutex::default(),
            pending_candidates: Mutex::default(),
            attachment: Mutex::default(),
            attachments: AtomicU64::new(0),
            deafened: AtomicBool::new(false),
            closed: CancellationToken::new(),
            close_reason: OnceLock::new(),
        }
    }

    pub fn outlet(&self, kind: TrackKind) -> &Arc<Outlet> {
        &self.outlets[kind as usize]
    }

    /// Which kind a publishing transceiver carries.
    pub fn published_kind(&self, transceiver: &Arc<RTCRtpTransceiver>) -> Option<TrackKind> {
        let mid = transceiver.mid();
        self.publish
            .iter()
            .position(|t| Arc::ptr_eq(t, transceiver) || (mid.is_some() && t.mid() == mid))
            .map(|at| TrackKind::ALL[at])
    }

    // --- signalling -------------------------------------------------------------------

    /// Attaches a signalling socket (replacing, and closing, any other).
    pub fn attach(&self, connection: u64, frames: mpsc::Sender<String>, kick: CancellationToken) {
        let old =
            self.attachment.lock().unwrap_or_else(|p| p.into_inner()).replace(Attachment { connection, frames, kick });
        self.attachments.fetch_add(1, Ordering::SeqCst);
        if let Some(old) = old {
            old.kick.cancel();
        }
    }

    /// Detaches `connection` if it is still the attached one; returns the attachment
    /// generation a resume timer should compare against.
    pub fn detach(&self, connection: u64) -> Option<u64> {
        let mut attachment = self.attachment.lock().unwrap_or_else(|p| p.into_inner());
        if attachment.as_ref().is_some_and(|a| a.connection == connection) {
            *attachment = None;
            return Some(self.attachments.fetch_add(1, Ordering::SeqCst) + 1);
        }
        None
    }

    /// Still detached since generation `since`?
    pub fn still_detached(&self, since: u64) -> bool {
        self.attachments.load(Ordering::SeqCst) == since
    }

    /// Sends a frame on the attached socket, if any. A socket that cannot keep up is closed;
    /// the client resumes and gets the state again.
    pub fn send(&self, text: String) {
        let attachment = self.attachment.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(a) = attachment.as_ref()
            && a.frames.try_send(text).is_err()
        {
            a.kick.cancel();
        }
    }

    // --- negotiation ------------------------------------------------------------------

    /// Offers the current set of transceivers, now or right after the pending answer.
    pub async fn negotiate(&self) -> Result<(), webrtc::Error> {
        if self.closed.is_cancelled() {
            return Ok(());
        }
        let mut negotiation = self.negotiation.lock().await;
        if negotiation.awaiting_answer {
            negotiation.again = true;
            return Ok(());
        }
        let offer = self.pc.create_offer(None).await?;
        let sdp = offer.sdp.clone();
        self.pc.set_local_description(offer).await?;
        let slots = self.slots().await;
        let text = frame(op::SESSION_DESCRIPTION, serde_json::json!({ "type": "offer", "sdp": sdp, "tracks": slots }));
        negotiation.awaiting_answer = true;
        negotiation.last_offer = Some(text.clone());
        self.send(text);
        Ok(())
    }

    /// Takes the client's answer. `Err` means the media cannot work (the caller hangs up).
    pub async fn answer(&self, sdp: String) -> Result<(), CloseCode> {
        let answer = RTCSessionDescription::answer(sdp).map_err(|_| CloseCode::DecodeError)?;
        let again = {
            let mut negotiation = self.negotiation.lock().await;
            if !negotiation.awaiting_answer {
                tracing::debug!(user_id = %self.user_id, "voice answer without an offer ignored");
                return Ok(());
            }
            if let Err(e) = self.pc.set_remote_description(answer).await {
                tracing::info!(user_id = %self.user_id, error = %e, "voice answer refused");
                return Err(CloseCode::MediaFailed);
            }
            negotiation.awaiting_answer = false;
            negotiation.last_offer = None;
            negotiation.remote_set = true;
            if self.video_codecs.lock().unwrap_or_else(|p| p.into_inner()).is_none() {
                let negotiated =
                    self.publish[TrackKind::Camera as usize].receiver().await.get_parameters().await.codecs;
                let mimes = negotiated.iter().map(|c| c.capability.mime_type.to_lowercase()).collect();
                *self.video_codecs.lock().unwrap_or_else(|p| p.into_inner()) = Some(mimes);
            }
            std::mem::take(&mut negotiation.again)
        };
        let pending = std::mem::take(&mut *self.pending_candidates.lock().unwrap_or_else(|p| p.into_inner()));
        for candidate in pending {
            self.add_remote_candidate(candidate).await;
        }
        // New subscriptions start decoding at a keyframe.
        for forwarder in self.subscriptions().into_iter().filter(|f| f.kind.is_video()) {
            forwarder.request_keyframe().await;
        }
        if again && let Err(e) = self.negotiate().await {
            tracing::info!(user_id = %self.user_id, error = %e, "voice renegotiation failed");
            return Err(CloseCode::MediaFailed);
        }
        Ok(())
    }

    /// The unanswered offer, for a resumed socket.
    pub async fn unanswered_offer(&self) -> Option<String> {
        self.negotiation.lock().await.last_offer.clone()
    }

    /// A remote candidate; kept until the answer when it arrives early. `Err` when the
    /// client sends more early candidates than any real client gathers.
    pub async fn candidate(&self, candidate: RTCIceCandidateInit) -> Result<(), CloseCode> {
        if !self.negotiation.lock().await.remote_set {
            let mut pending = self.pending_candidates.lock().unwrap_or_else(|p| p.into_inner());
            if pending.len() >= PENDING_CANDIDATES {
                return Err(CloseCode::RateLimited);
            }
            pending.push(candidate);
            return Ok(());
        }
        self.add_remote_candidate(candidate).await;
        Ok(())
    }

    async fn add_remote_candidate(&self, candidate: RTCIceCandidateInit) {
        // A candidate this side cannot use (TCP, an unresolvable mDNS name) is not an
        // error: the others, or peer-reflexive discovery, still connect.
        if let Err(e) = self.pc.add_ice_candidate(candidate).await {
            tracing::debug!(user_id = %self.user_id, error = %e, "remote ICE candidate ignored");
        }
    }

    /// Which transceiver carries what, for the client.
    async fn slots(&self) -> Vec<TrackSlot> {
        let mut slots = Vec::new();
        for transceiver in self.pc.get_transceivers().await {
            let Some(mid) = transceiver.mid() else { continue };
            if let Some(kind) = self.published_kind(&transceiver) {
                slots.push(TrackSlot { mid: mid.to_string(), kind, user_id: None });
                continue;
            }
            // A freed transceiver waiting for reuse carries nobody.
            if transceiver.direction() == RTCRtpTransceiverDirection::Inactive {
                continue;
            }
            let Some(track) = transceiver.sender().await.track().await else { continue };
            if let Some((user, kind)) = parse_track_id(track.id()) {
                slots.push(TrackSlot { mid: mid.to_string(), kind, user_id: Some(user.to_string()) });
            }
        }
        slots
    }

    // --- subscriptions ----------------------------------------------------------------

    pub fn add_subscription(&self, forwarder: Arc<Forwarder>, publisher: Snowflake) {
        if forwarder.kind == TrackKind::Audio {
            forwarder.paused.store(self.deafened.load(Ordering::Relaxed), Ordering::Relaxed);
        }
        self.subscriptions.lock().unwrap_or_else(|p| p.into_inner()).insert((publisher, forwarder.kind), forwarder);
    }

    pub fn take_subscription(&self, publisher: Snowflake, kind: TrackKind) -> Option<Arc<Forwarder>> {
        self.subscriptions.lock().unwrap_or_else(|p| p.into_inner()).remove(&(publisher, kind))
    }

    pub fn subscription(&self, publisher: Snowflake, kind: TrackKind) -> Option<Arc<Forwarder>> {
        self.subscriptions.lock().unwrap_or_else(|p| p.into_inner()).get(&(publisher, kind)).cloned()
    }

    /// Whether video in `mime_type` can be sent to this participant (yes until they answered:
    /// their first answer says what their connection decodes).
    pub fn decodes(&self, mime_type: &str) -> bool {
        match &*self.video_codecs.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(codecs) => codecs.iter().any(|c| c.eq_ignore_ascii_case(mime_type)),
            None => true,
        }
    }

    /// Keeps a retired forwarder's transceiver for reuse.
    pub fn keep_spare(&self, forwarder: Arc<Forwarder>) {
        self.spare.lock().unwrap_or_else(|p| p.into_inner()).push(forwarder);
    }

    /// A retired forwarder of `kind` whose transceiver can be taken over.
    pub fn take_spare(&self, kind: TrackKind) -> Option<Arc<Forwarder>> {
        let mut spare = self.spare.lock().unwrap_or_else(|p| p.into_inner());
        let at = spare.iter().position(|f| f.kind == kind)?;
        Some(spare.swap_remove(at))
    }

    pub fn subscriptions(&self) -> Vec<Arc<Forwarder>> {
        self.subscriptions.lock().unwrap_or_else(|p| p.into_inner()).values().cloned().collect()
    }

    // --- policy and ending ------------------------------------------------------------

    /// Applies a media policy: what this participant's outlets let through, and whether
    /// they hear anyone.
    pub fn apply(&self, policy: MediaPolicy) {
        self.outlet(TrackKind::Audio).allowed.store(policy.forwards_audio(), Ordering::Relaxed);
        for kind in [TrackKind::Camera, TrackKind::Screen] {
            self.outlet(kind).allowed.store(policy.can_video, Ordering::Relaxed);
        }
        self.deafened.store(policy.deafened, Ordering::Relaxed);
        for forwarder in self.subscriptions() {
            if forwarder.kind == TrackKind::Audio {
                forwarder.paused.store(policy.deafened, Ordering::Relaxed);
            }
        }
    }

    /// Marks the participant as ending, with the close code its socket gets.
    pub fn end(&self, reason: CloseCode) {
        let _ = self.close_reason.set(reason);
        self.closed.cancel();
    }

    pub fn close_reason(&self) -> CloseCode {
        self.close_reason.get().copied().unwrap_or(CloseCode::Disconnected)
    }
}

/// Outgoing tracks are named `<publisher>-<kind>`, so an offer can say whose each is.
pub fn track_id(publisher: Snowflake, kind: TrackKind) -> String {
    format!("{publisher}-{}", kind.as_str())
}

pub fn parse_track_id(id: &str) -> Option<(Snowflake, TrackKind)> {
    let (user, kind) = id.split_once('-')?;
    let kind = TrackKind::ALL.into_iter().find(|k| k.as_str() == kind)?;
    Some((user.parse().ok()?, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn track_ids_name_the_publisher_and_kind() {
        let id = track_id(Snowflake::new(42), TrackKind::Screen);
        assert_eq!(id, "42-screen");
        assert_eq!(parse_track_id(&id), Some((Snowflake::new(42), TrackKind::Screen)));
        assert_eq!(parse_track_id("42-microwave"), None);
        assert_eq!(parse_track_id("x-audio"), None);
    }
}
