//! One voice channel's call: its participants, and the wiring between them. Joining gives
//! the newcomer a subscription to every published track of everyone present (audio always;
//! a camera or screen once its publisher has sent it) and everyone present a subscription to
//! the newcomer's audio, then renegotiates both sides; a camera or screen published later is
//! added to everyone's subscriptions then; leaving undoes it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use webrtc::rtp_transceiver::rtp_transceiver_direction::RTCRtpTransceiverDirection;

use parley_core::Snowflake;

use super::Sfu;
use super::participant::Participant;
use crate::protocol::{TrackKind, frame, op};

#[derive(Debug)]
pub struct Room {
    pub channel_id: Snowflake,
    /// Joins and leaves run one at a time, so every pair is wired exactly once.
    participants: tokio::sync::Mutex<HashMap<Snowflake, Arc<Participant>>>,
}

impl Room {
    pub fn new(channel_id: Snowflake) -> Self {
        Self { channel_id, participants: tokio::sync::Mutex::default() }
    }

    pub async fn participant(&self, user: Snowflake) -> Option<Arc<Participant>> {
        self.participants.lock().await.get(&user).cloned()
    }

    pub async fn members(&self) -> Vec<Arc<Participant>> {
        self.participants.lock().await.values().cloned().collect()
    }

    /// Adds `newcomer` (replacing an earlier connection of the same user), wires them to
    /// everyone present and renegotiates those present. Returns who was there.
    pub async fn join(&self, sfu: &Sfu, newcomer: Arc<Participant>) -> Vec<Snowflake> {
        let mut participants = self.participants.lock().await;
        if let Some(old) = participants.remove(&newcomer.user_id) {
            // Out of the room here, so its own leave later finds nothing to count down.
            sfu.metrics.participants.dec();
            self.unwire(&old, participants.values()).await;
            old.end(crate::protocol::CloseCode::SessionNoLongerValid);
        }
        let present: Vec<Arc<Participant>> = participants.values().cloned().collect();
        for other in &present {
            for kind in TrackKind::ALL {
                // Video only once published (see `published`); audio always.
                if other.outlet(kind).live.load(Ordering::SeqCst) {
                    sfu.subscribe(&newcomer, other, kind).await;
                }
                if newcomer.outlet(kind).live.load(Ordering::SeqCst) {
                    sfu.subscribe(other, &newcomer, kind).await;
                }
            }
            other.send(frame(op::CLIENT_CONNECT, serde_json::json!({ "user_ids": [newcomer.user_id] })));
        }
        participants.insert(newcomer.user_id, newcomer.clone());
        sfu.metrics.participants.inc();
        drop(participants);
        // The newcomer's own first offer follows their READY (the caller sends both).
        for participant in &present {
            if let Err(e) = participant.negotiate().await {
                tracing::info!(user_id = %participant.user_id, error = %e, "voice offer failed");
            }
        }
        present.iter().map(|p| p.user_id).collect()
    }

    /// `publisher` started publishing `kind` (a camera or screen): everyone else in the call
    /// gets it, and a new offer.
    pub async fn published(&self, sfu: &Sfu, publisher: &Arc<Participant>, kind: TrackKind) {
        let participants = self.participants.lock().await;
        if !participants.get(&publisher.user_id).is_some_and(|p| Arc::ptr_eq(p, publisher)) {
            return;
        }
        let mut changed = Vec::new();
        for other in participants.values().filter(|p| p.user_id != publisher.user_id) {
            // A newcomer who joined after `live` was set is wired already.
            if other.subscription(publisher.user_id, kind).is_none() {
                sfu.subscribe(other, publisher, kind).await;
                changed.push(other.clone());
            }
        }
        drop(participants);
        for other in changed {
            if let Err(e) = other.negotiate().await {
                tracing::info!(user_id = %other.user_id, error = %e, "voice offer failed");
            }
        }
    }

    /// Takes `user` out (if `participant` is still theirs) and unwires them. Returns
    /// whether the room is now empty.
    pub async fn leave(&self, sfu: &Sfu, participant: &Arc<Participant>) -> bool {
        let mut participants = self.participants.lock().await;
        let current = participants.get(&participant.user_id).is_some_and(|p| Arc::ptr_eq(p, participant));
        if current {
            participants.remove(&participant.user_id);
            sfu.metrics.participants.dec();
            self.unwire(participant, participants.values()).await;
        }
        let empty = participants.is_empty();
        let others: Vec<_> = participants.values().cloned().collect();
        drop(participants);
        if current {
            for other in others {
                other.send(frame(op::CLIENT_DISCONNECT, serde_json::json!({ "user_id": participant.user_id })));
                if let Err(e) = other.negotiate().await {
                    tracing::info!(user_id = %other.user_id, error = %e, "voice offer failed");
                }
            }
        }
        empty
    }

    /// Removes every subscription between `leaving` and `others`.
    async fn unwire<'a>(&self, leaving: &Participant, others: impl Iterator<Item = &'a Arc<Participant>>) {
        for outlet in &leaving.outlets {
            outlet.close();
        }
        for other in others {
            for kind in TrackKind::ALL {
                if let Some(forwarder) = other.take_subscription(leaving.user_id, kind) {
                    forwarder.stop.cancel();
                    // Inactive until the next publisher of this kind takes it over.
                    forwarder.transceiver.set_direction(RTCRtpTransceiverDirection::Inactive).await;
                    other.keep_spare(forwarder);
                }
                other.outlet(kind).remove(leaving.user_id);
            }
        }
    }
}
