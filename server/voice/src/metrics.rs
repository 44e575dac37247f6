//! The voice server's Prometheus metrics: rooms, participants, tracks and peer connections
//! live now; packets
//! and bytes received from publishers and forwarded to subscribers, by track kind; packets
//! dropped for slow subscribers; NACKs and keyframe requests; and the loss and jitter that
//! subscribers report in their RTCP receiver reports.

use parley_app::metrics::register;
use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry};

use crate::protocol::TrackKind;

/// Fraction of packets lost per receiver report (0..1).
const LOSS_BUCKETS: &[f64] = &[0.0, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0];
/// Interarrival jitter in seconds.
const JITTER_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25];

/// Counters by kind, resolved once: the packet path must not look labels up.
#[derive(Clone, Debug)]
struct ByKind {
    packets: [IntCounter; 3],
    bytes: [IntCounter; 3],
}

impl ByKind {
    fn new(registry: &Registry, name: &str, help: &str) -> Self {
        let packets = register(
            registry,
            IntCounterVec::new(
                Opts::new(format!("{name}_packets_total"), format!("{help} packets, by track kind.")),
                &["kind"],
            ),
        );
        let bytes = register(
            registry,
            IntCounterVec::new(
                Opts::new(format!("{name}_bytes_total"), format!("{help} payload bytes, by track kind.")),
                &["kind"],
            ),
        );
        let each = |vec: &IntCounterVec| TrackKind::ALL.map(|kind| vec.with_label_values(&[kind.as_str()]));
        Self { packets: each(&packets), bytes: each(&bytes) }
    }

    fn count(&self, kind: TrackKind, bytes: usize) {
        let at = kind as usize;
        self.packets[at].inc();
        self.bytes[at].inc_by(bytes as u64);
    }
}

#[derive(Clone, Debug)]
pub struct VoiceMetrics {
    pub rooms: IntGauge,
    pub participants: IntGauge,
    pub tracks: IntGauge,
    pub connections: IntGauge,
    pub peer_connections: IntGauge,
    received: ByKind,
    forwarded: ByKind,
    pub dropped: IntCounter,
    pub nacks: IntCounter,
    pub keyframe_requests: IntCounter,
    pub loss: Histogram,
    pub jitter: Histogram,
}

impl VoiceMetrics {
    pub fn new(registry: &Registry) -> Self {
        let gauge = |name: &str, help: &str| register(registry, IntGauge::new(name, help));
        let counter = |name: &str, help: &str| register(registry, IntCounter::new(name, help));
        Self {
            rooms: gauge("parley_voice_rooms", "Voice channels with at least one participant on this node."),
            participants: gauge("parley_voice_participants", "Participants connected to this node's SFU."),
            tracks: gauge("parley_voice_tracks", "Tracks being published (audio, camera, screen)."),
            connections: gauge("parley_voice_connections", "Voice signalling WebSockets open now."),
            peer_connections: gauge(
                "parley_voice_peer_connections",
                "WebRTC peer connections open (one per participant; each is closed when they leave).",
            ),
            received: ByKind::new(registry, "parley_voice_received", "RTP received from publishers:"),
            forwarded: ByKind::new(registry, "parley_voice_forwarded", "RTP forwarded to subscribers:"),
            dropped: counter(
                "parley_voice_dropped_packets_total",
                "Packets dropped because a subscriber's queue was full (that subscriber only).",
            ),
            nacks: counter("parley_voice_nacks_total", "NACKs (retransmission requests) received from subscribers."),
            keyframe_requests: counter(
                "parley_voice_keyframe_requests_total",
                "Keyframe requests (PLI) sent to publishers.",
            ),
            loss: register(
                registry,
                Histogram::with_opts(
                    HistogramOpts::new(
                        "parley_voice_subscriber_loss_ratio",
                        "Fraction of packets lost, as subscribers report it per RTCP receiver report.",
                    )
                    .buckets(LOSS_BUCKETS.to_vec()),
                ),
            ),
            jitter: register(
                registry,
                Histogram::with_opts(
                    HistogramOpts::new(
                        "parley_voice_subscriber_jitter_seconds",
                        "Interarrival jitter subscribers report per RTCP receiver report.",
                    )
                    .buckets(JITTER_BUCKETS.to_vec()),
                ),
            ),
        }
    }

    pub fn received(&self, kind: TrackKind, bytes: usize) {
        self.received.count(kind, bytes);
    }

    pub fn forwarded(&self, kind: TrackKind, bytes: usize) {
        self.forwarded.count(kind, bytes);
    }
}
