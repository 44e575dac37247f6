//! Forwarding one published track to its subscribers: the outlet a publisher's packets
//! arrive at, and one forwarder per subscriber with its own outgoing track, bounded queue
//! and writer task, so a slow subscriber loses its own packets and never stalls the others.
//!
//! What is rewritten on the way: the SSRC and payload type (by the outgoing track, per
//! subscriber), the header extensions (dropped: their ids and meaning, such as the MID, are
//! the publisher's), and the sequence number, which closes the gaps the SFU makes on
//! purpose (a muted publisher, a paused or deafened subscriber) so the subscriber does not
//! ask for packets that were never meant for it. Gaps from real loss stay, so NACK works.
//!
//! A subscriber's transceiver outlives the publisher it carried: when someone leaves, their
//! transceivers in the others' connections go inactive and are kept; the next publisher of
//! that kind takes one over (so a long call's offers do not grow with everyone who ever
//! passed through). The sender's SSRC stays, so the new forwarder continues its sequence
//! numbers and timestamps from where the last one stopped, as one unbroken stream.

use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

use parley_core::Snowflake;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use webrtc::peer_connection::RTCPeerConnection;
use webrtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use webrtc::rtp::packet::Packet;
use webrtc::rtp_transceiver::RTCRtpTransceiver;
use webrtc::rtp_transceiver::rtp_codec::RTCRtpCodecCapability;
use webrtc::rtp_transceiver::rtp_sender::RTCRtpSender;
use webrtc::track::track_local::TrackLocalWriter;
use webrtc::track::track_local::track_local_static_rtp::TrackLocalStaticRTP;

use crate::metrics::VoiceMetrics;
use crate::protocol::TrackKind;

/// Packets a forwarder may hold for its subscriber: about a second of audio, or a few video
/// frames. Beyond it the newest packet is dropped (and counted) for that subscriber only.
pub const FORWARD_QUEUE: usize = 64;

/// Keyframe requests to one publisher's track are at most this frequent, however many
/// subscribers ask.
const KEYFRAME_INTERVAL: Duration = Duration::from_millis(300);

/// Where one publisher's track of one kind is delivered from.
#[derive(Debug)]
pub struct Outlet {
    pub publisher: Snowflake,
    pub kind: TrackKind,
    /// Whether the publisher's policy lets this kind through (SPEAK and not muted for audio,
    /// STREAM for video).
    pub allowed: AtomicBool,
    /// Whether the publisher has published this kind (video is offered to others from then).
    pub live: AtomicBool,
    /// The codec the publisher sends this kind in (known once it published), which each
    /// subscriber's copy carries too.
    pub codec: std::sync::Mutex<Option<RTCRtpCodecCapability>>,
    subscribers: RwLock<Vec<Arc<Forwarder>>>,
    /// The publisher's SSRC for this track, once its first packet arrived (0 before).
    ssrc: AtomicU32,
    publisher_pc: Weak<RTCPeerConnection>,
    last_keyframe_request: std::sync::Mutex<Option<Instant>>,
    metrics: VoiceMetrics,
}

impl Outlet {
    pub fn new(publisher: Snowflake, kind: TrackKind, pc: &Arc<RTCPeerConnection>, metrics: VoiceMetrics) -> Self {
        Self {
            publisher,
            kind,
            allowed: AtomicBool::new(false),
            live: AtomicBool::new(kind == TrackKind::Audio),
            codec: std::sync::Mutex::new(None),
            subscribers: RwLock::new(Vec::new()),
            ssrc: AtomicU32::new(0),
            publisher_pc: Arc::downgrade(pc),
            last_keyframe_request: std::sync::Mutex::new(None),
            metrics,
        }
    }

    /// What subscribers' copies of this track are sent as: the publisher's codec, else Opus
    /// for audio and VP8 for video (before anything was published).
    pub fn outgoing_codec(&self) -> RTCRtpCodecCapability {
        let known = self.codec.lock().unwrap_or_else(|p| p.into_inner()).clone();
        known
            .unwrap_or_else(|| if self.kind == TrackKind::Audio { crate::engine::opus() } else { crate::engine::vp8() })
    }

    pub fn add(&self, forwarder: Arc<Forwarder>) {
        self.subscribers.write().unwrap_or_else(|p| p.into_inner()).push(forwarder);
    }

    /// Takes out `subscriber`'s forwarder, stopping its writer.
    pub fn remove(&self, subscriber: Snowflake) -> Option<Arc<Forwarder>> {
        let mut subscribers = self.subscribers.write().unwrap_or_else(|p| p.into_inner());
        let at = subscribers.iter().position(|f| f.subscriber == subscriber)?;
        let forwarder = subscribers.swap_remove(at);
        forwarder.stop.cancel();
        Some(forwarder)
    }

    pub fn forwarder_for(&self, subscriber: Snowflake) -> Option<Arc<Forwarder>> {
        self.subscribers.read().unwrap_or_else(|p| p.into_inner()).iter().find(|f| f.subscriber == subscriber).cloned()
    }

    /// Stops every forwarder (the publisher left).
    pub fn close(&self) -> Vec<Arc<Forwarder>> {
        let forwarders = std::mem::take(&mut *self.subscribers.write().unwrap_or_else(|p| p.into_inner()));
        for forwarder in &forwarders {
            forwarder.stop.cancel();
        }
        forwarders
    }

    /// Hands one packet from the publisher to every subscriber's queue. Never waits.
    pub fn deliver(&self, packet: &Packet) {
        self.ssrc.store(packet.header.ssrc, Ordering::Relaxed);
        self.metrics.received(self.kind, packet.payload.len());
        // Padding-only packets are bandwidth probes for the publisher's own link.
        let meaningful = !packet.payload.is_empty();
        let allowed = meaningful && self.allowed.load(Ordering::Relaxed);
        for forwarder in self.subscribers.read().unwrap_or_else(|p| p.into_inner()).iter() {
            forwarder.offer(packet, allowed);
        }
    }

    /// Asks the publisher for a keyframe (a subscriber joined, resumed, or lost one).
    pub async fn request_keyframe(&self) {
        if !self.kind.is_video() {
            return;
        }
        let ssrc = self.ssrc.load(Ordering::Relaxed);
        let Some(pc) = self.publisher_pc.upgrade() else { return };
        if ssrc == 0 {
            return;
        }
        {
            let mut last = self.last_keyframe_request.lock().unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|at| at.elapsed() < KEYFRAME_INTERVAL) {
                return;
            }
            *last = Some(Instant::now());
        }
        self.metrics.keyframe_requests.inc();
        let pli = PictureLossIndication { sender_ssrc: 0, media_ssrc: ssrc };
        if let Err(e) = pc.write_rtcp(&[Box::new(pli)]).await {
            tracing::debug!(publisher = %self.publisher, error = %e, "keyframe request not sent");
        }
    }
}

/// One subscriber's copy of one published track.
#[derive(Debug)]
pub struct Forwarder {
    pub subscriber: Snowflake,
    pub kind: TrackKind,
    pub track: Arc<TrackLocalStaticRTP>,
    pub transceiver: Arc<RTCRtpTransceiver>,
    pub sender: Arc<RTCRtpSender>,
    /// Where the sender's stream stands, packed by [`pack`]: the sequence number and
    /// timestamp last written on it (by this forwarder, or the one it took over from).
    position: AtomicU64,
    /// The publisher's outlet this forwarder hangs from (weak: the outlet owns forwarders).
    outlet: Weak<Outlet>,
    /// The subscriber asked not to receive this (video it does not show), or is deafened
    /// (audio).
    pub paused: AtomicBool,
    /// Packets skipped on purpose so far, modulo 2^16: subtracted from sequence numbers.
    skipped: AtomicU16,
    queue: mpsc::Sender<(Packet, u16)>,
    pub stop: CancellationToken,
    metrics: VoiceMetrics,
}

impl Forwarder {
    /// A forwarder and the writer that must run for it (spawn it; it ends with `stop`).
    pub fn new(
        subscriber: Snowflake,
        kind: TrackKind,
        outgoing: Outgoing,
        outlet: &Arc<Outlet>,
        stop: CancellationToken,
        metrics: VoiceMetrics,
    ) -> (Arc<Self>, impl Future<Output = ()> + Send + 'static) {
        let (queue, packets) = mpsc::channel(FORWARD_QUEUE);
        let forwarder = Arc::new(Self {
            subscriber,
            kind,
            track: outgoing.track,
            transceiver: outgoing.transceiver,
            sender: outgoing.sender,
            position: AtomicU64::new(pack(outgoing.resume_from)),
            outlet: Arc::downgrade(outlet),
            paused: AtomicBool::new(false),
            skipped: AtomicU16::new(0),
            queue,
            stop,
            metrics,
        });
        let writer = write_loop(forwarder.clone(), packets);
        (forwarder, writer)
    }

    /// Where this forwarder's stream stands: the last sequence number and timestamp it
    /// wrote, or where it took over from.
    pub fn position(&self) -> Option<(u16, u32)> {
        let packed = self.position.load(Ordering::Acquire);
        (packed & WRITTEN != 0).then_some(((packed >> 32) as u16, packed as u32))
    }

    /// Asks this track's publisher for a keyframe, for this subscriber.
    pub async fn request_keyframe(&self) {
        if let Some(outlet) = self.outlet.upgrade() {
            outlet.request_keyframe().await;
        }
    }

    /// Queues `packet` for the subscriber, or skips it (closing the sequence gap) when the
    /// publisher may not send it or the subscriber paused it. Called by one pump only.
    fn offer(&self, packet: &Packet, allowed: bool) {
        if !allowed || self.paused.load(Ordering::Relaxed) {
            let skipped = self.skipped.load(Ordering::Relaxed).wrapping_add(1);
            self.skipped.store(skipped, Ordering::Relaxed);
            return;
        }
        let skipped = self.skipped.load(Ordering::Relaxed);
        if self.queue.try_send((packet.clone(), skipped)).is_err() {
            self.metrics.dropped.inc();
        }
    }
}

/// The outgoing side a forwarder writes to: a new transceiver, or one taken over (with where
/// its stream stood).
pub struct Outgoing {
    pub track: Arc<TrackLocalStaticRTP>,
    pub transceiver: Arc<RTCRtpTransceiver>,
    pub sender: Arc<RTCRtpSender>,
    pub resume_from: Option<(u16, u32)>,
}

/// Marks a packed position as set (a stream that never carried a packet has none).
const WRITTEN: u64 = 1 << 48;

/// A sequence number and timestamp in one word, for [`Forwarder::position`].
fn pack(position: Option<(u16, u32)>) -> u64 {
    position.map_or(0, |(seq, ts)| WRITTEN | (u64::from(seq) << 32) | u64::from(ts))
}

/// How far a taken-over stream's timestamp moves between the last packet of the old source
/// and the first of the new: one packet's worth (20 ms of Opus, a 30 fps video frame).
fn frame_step(kind: TrackKind) -> u32 {
    if kind == TrackKind::Audio { 960 } else { 3000 }
}

/// Writes queued packets to the subscriber's outgoing track until stopped.
async fn write_loop(forwarder: Arc<Forwarder>, mut packets: mpsc::Receiver<(Packet, u16)>) {
    // Offsets that continue a taken-over stream, fixed at the first packet.
    let mut offsets: Option<(u16, u32)> = None;
    loop {
        let (mut packet, skipped) = tokio::select! {
            () = forwarder.stop.cancelled() => return,
            next = packets.recv() => match next { Some(next) => next, None => return },
        };
        rewrite(&mut packet, skipped);
        // Before this forwarder's first write, its position is where it took over.
        let (seq_offset, ts_offset) = *offsets.get_or_insert_with(|| match forwarder.position() {
            Some((seq, ts)) => (
                seq.wrapping_add(1).wrapping_sub(packet.header.sequence_number),
                ts.wrapping_add(frame_step(forwarder.kind)).wrapping_sub(packet.header.timestamp),
            ),
            None => (0, 0),
        });
        packet.header.sequence_number = packet.header.sequence_number.wrapping_add(seq_offset);
        packet.header.timestamp = packet.header.timestamp.wrapping_add(ts_offset);
        forwarder
            .position
            .store(pack(Some((packet.header.sequence_number, packet.header.timestamp))), Ordering::Release);
        let bytes = packet.payload.len();
        match forwarder.track.write_rtp(&packet).await {
            Ok(_) => forwarder.metrics.forwarded(forwarder.kind, bytes),
            Err(e) => tracing::trace!(subscriber = %forwarder.subscriber, error = %e, "forwarded packet not written"),
        }
    }
}

/// What the subscriber gets of a publisher's packet: its own sequence space, no foreign
/// header extensions.
pub fn rewrite(packet: &mut Packet, skipped: u16) {
    packet.header.sequence_number = packet.header.sequence_number.wrapping_sub(skipped);
    packet.header.extension = false;
    packet.header.extensions.clear();
    packet.header.extension_profile = 0;
}

#[cfg(test)]
mod tests {
    use super::*;
    use webrtc::rtp::header::{Extension, Header};

    fn packet(seq: u16) -> Packet {
        Packet {
            header: Header {
                sequence_number: seq,
                extension: true,
                extension_profile: 0xBEDE,
                extensions: vec![Extension { id: 4, payload: bytes::Bytes::from_static(b"0") }],
                ..Default::default()
            },
            payload: bytes::Bytes::from_static(b"opus"),
        }
    }

    #[test]
    fn a_position_packs_and_unpacks_and_none_stays_none() {
        assert_eq!(pack(None), 0);
        let packed = pack(Some((u16::MAX, u32::MAX)));
        assert_eq!(((packed >> 32) as u16, packed as u32), (u16::MAX, u32::MAX));
        assert_ne!(packed & WRITTEN, 0);
    }

    #[test]
    fn skipped_packets_leave_no_gap_in_the_subscribers_sequence() {
        let mut p = packet(1000);
        rewrite(&mut p, 3);
        assert_eq!(p.header.sequence_number, 997);
    }

    #[test]
    fn sequence_numbers_wrap_like_rtps() {
        let mut p = packet(1);
        rewrite(&mut p, 3);
        assert_eq!(p.header.sequence_number, u16::MAX - 1);
    }

    #[test]
    fn the_publishers_header_extensions_are_not_forwarded() {
        let mut p = packet(5);
        rewrite(&mut p, 0);
        assert!(!p.header.extension);
        assert!(p.header.extensions.is_empty());
        assert_eq!(p.header.sequence_number, 5);
    }
}
