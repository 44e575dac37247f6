//! A voice client on the same `webrtc` crate as the SFU, for the integration tests and the
//! benchmark: it opens the voice WebSocket, identifies with a gateway token, answers the
//! server's offers, publishes synthetic Opus (and optionally VP8) packets, and counts what
//! it receives from each participant.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode as WsCloseCode;
use tokio_util::sync::CancellationToken;
use webrtc::ice_transport::ice_candidate::RTCIceCandidateInit;
use webrtc::ice_transport::ice_server::RTCIceServer;
use webrtc::peer_connection::RTCPeerConnection;
use webrtc::peer_connection::configuration::RTCConfiguration;
use webrtc::peer_connection::policy::ice_transport_policy::RTCIceTransportPolicy;
use webrtc::peer_connection::sdp::session_description::RTCSessionDescription;
use webrtc::rtp::header::Header;
use webrtc::rtp::packet::Packet;
use webrtc::rtp_transceiver::RTCRtpTransceiverInit;
use webrtc::rtp_transceiver::rtp_codec::RTCRtpCodecParameters;
use webrtc::rtp_transceiver::rtp_transceiver_direction::RTCRtpTransceiverDirection;
use webrtc::track::track_local::TrackLocalWriter;
use webrtc::track::track_local::track_local_static_rtp::TrackLocalStaticRTP;

use crate::engine;
use crate::protocol::{TrackKind, TrackSlot, op};

/// What VOICE_SERVER_UPDATE and the gateway session gave the client.
#[derive(Clone, Debug)]
pub struct Join {
    /// `ws://host/voice` (the endpoint with a scheme).
    pub url: String,
    pub server_id: String,
    pub user_id: String,
    pub session_id: String,
    pub token: String,
}

/// Options for a client.
#[derive(Clone, Debug, Default)]
pub struct ClientOptions {
    /// Publish a camera track as well as audio.
    pub video: bool,
    /// Publish the camera in H.264 (only H.264 is offered for it) rather than VP8.
    pub h264: bool,
    /// ICE servers, and whether to use only relayed candidates.
    pub ice_servers: Vec<RTCIceServer>,
    pub relay_only: bool,
}

/// Packets and bytes received from one participant's track, and its codec.
#[derive(Debug, Default)]
pub struct Counter {
    pub packets: AtomicU64,
    pub bytes: AtomicU64,
    pub codec: Mutex<String>,
}

type Counters = Arc<Mutex<HashMap<(String, TrackKind), Arc<Counter>>>>;

pub struct VoiceClient {
    pub pc: Arc<RTCPeerConnection>,
    audio: Arc<TrackLocalStaticRTP>,
    video: Option<Arc<TrackLocalStaticRTP>>,
    counters: Counters,
    outgoing: mpsc::Sender<String>,
    /// Frames from the server other than offers, candidates and heartbeat ACKs.
    pub events: tokio::sync::Mutex<mpsc::Receiver<Value>>,
    /// The close code the server sent, once it closed.
    pub closed: watch::Receiver<Option<u16>>,
    stop: CancellationToken,
    sequence: AtomicU64,
    /// Whether `start_media`'s loop sends (the benchmark pauses it to take its readings).
    sending: std::sync::atomic::AtomicBool,
}

impl VoiceClient {
    /// Connects, identifies, and starts answering offers. Media flows once ICE connects.
    pub async fn connect(join: &Join, options: ClientOptions) -> anyhow::Result<Arc<Self>> {
        let api = engine::client_api()?;
        let config = RTCConfiguration {
            ice_servers: options.ice_servers.clone(),
            ice_transport_policy: if options.relay_only {
                RTCIceTransportPolicy::Relay
            } else {
                RTCIceTransportPolicy::All
            },
            ..Default::default()
        };
        let pc = Arc::new(api.new_peer_connection(config).await?);
        let sendonly =
            || Some(RTCRtpTransceiverInit { direction: RTCRtpTransceiverDirection::Sendonly, send_encodings: vec![] });
        // Added before the first offer, these take the server's publishing m-lines (the
        // first recvonly audio and video ones).
        let audio = Arc::new(TrackLocalStaticRTP::new(engine::opus(), "audio".into(), "local".into()));
        pc.add_transceiver_from_track(audio.clone(), sendonly()).await?;
        let video = if options.video {
            let codec = if options.h264 { engine::h264() } else { engine::vp8() };
            let video = Arc::new(TrackLocalStaticRTP::new(codec.clone(), "camera".into(), "local".into()));
            let transceiver = pc.add_transceiver_from_track(video.clone(), sendonly()).await?;
            if options.h264 {
                let only = RTCRtpCodecParameters { capability: codec, payload_type: 102, ..Default::default() };
                transceiver.set_codec_preferences(vec![only]).await?;
            }
            Some(video)
        } else {
            None
        };

        let (socket, _) = tokio_tungstenite::connect_async(&join.url).await.context("voice WebSocket")?;
        let (mut sink, mut stream) = socket.split();
        let (outgoing, mut to_send) = mpsc::channel::<String>(256);
        let (events_tx, events) = mpsc::channel(256);
        let (closed_tx, closed) = watch::channel(None);
        let stop = CancellationToken::new();
        let counters: Counters = Arc::default();
        let slots: Arc<Mutex<HashMap<String, TrackSlot>>> = Arc::default();

        let trickle = outgoing.clone();
        pc.on_ice_candidate(Box::new(move |candidate| {
            let trickle = trickle.clone();
            Box::pin(async move {
                if let Some(candidate) = candidate
                    && let Ok(init) = candidate.to_json()
                {
                    let _ = trickle.send(json!({ "op": op::ICE_CANDIDATE, "d": init }).to_string()).await;
                }
            })
        }));
        let (track_slots, track_counters) = (slots.clone(), counters.clone());
        let track_stop = stop.clone();
        pc.on_track(Box::new(move |track, _receiver, transceiver| {
            let slot = transceiver.mid().and_then(|mid| track_slots.lock().unwrap().get(mid.as_str()).cloned());
            let counters = track_counters.clone();
            let stop = track_stop.clone();
            Box::pin(async move {
                let Some(TrackSlot { user_id: Some(user), kind, .. }) = slot else { return };
                let counter = counters.lock().unwrap().entry((user, kind)).or_default().clone();
                *counter.codec.lock().unwrap() = track.codec().capability.mime_type;
                tokio::spawn(async move {
                    loop {
                        tokio::select! {
                            () = stop.cancelled() => return,
                            read = track.read_rtp() => match read {
                                Ok((packet, _)) => {
                                    counter.packets.fetch_add(1, Ordering::Relaxed);
                                    counter.bytes.fetch_add(packet.payload.len() as u64, Ordering::Relaxed);
                                }
                                Err(_) => return,
                            },
                        }
                    }
                });
            })
        }));

        let identify = json!({ "op": op::IDENTIFY, "d": {
            "server_id": join.server_id, "user_id": join.user_id,
            "session_id": join.session_id, "token": join.token,
        }});
        sink.send(Message::Text(identify.to_string().into())).await?;

        // Writer: queued frames and heartbeats.
        let writer_stop = stop.clone();
        let heartbeat = Arc::new(AtomicU64::new(13_750));
        let writer_heartbeat = heartbeat.clone();
        tokio::spawn(async move {
            let mut nonce = 0u64;
            loop {
                let every = Duration::from_millis(writer_heartbeat.load(Ordering::Relaxed).max(100));
                tokio::select! {
                    () = writer_stop.cancelled() => { let _ = sink.close().await; return }
                    () = tokio::time::sleep(every) => {
                        nonce += 1;
                        let beat = json!({ "op": op::HEARTBEAT, "d": nonce }).to_string();
                        if sink.send(Message::Text(beat.into())).await.is_err() { return }
                    }
                    next = to_send.recv() => match next {
                        Some(text) => if sink.send(Message::Text(text.into())).await.is_err() { return },
                        None => return,
                    },
                }
            }
        });

        // Reader: offers are answered here, everything else goes to `events`.
        let reader_pc = pc.clone();
        let answers = outgoing.clone();
        let reader_stop = stop.clone();
        tokio::spawn(async move {
            loop {
                let message = tokio::select! {
                    () = reader_stop.cancelled() => return,
                    message = stream.next() => message,
                };
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(frame))) => {
                        let code = frame.map(|f| u16::from(f.code)).unwrap_or(u16::from(WsCloseCode::Status));
                        let _ = closed_tx.send(Some(code));
                        return;
                    }
                    Some(Ok(_)) => continue,
                    None | Some(Err(_)) => {
                        let _ = closed_tx.send(Some(u16::from(WsCloseCode::Abnormal)));
                        return;
                    }
                };
                let Ok(frame) = serde_json::from_str::<Value>(&text) else { continue };
                let d = frame["d"].clone();
                match frame["op"].as_u64().map(|o| o as u8) {
                    Some(op::HELLO) => {
                        if let Some(ms) = d["heartbeat_interval"].as_u64() {
                            heartbeat.store(ms, Ordering::Relaxed);
                        }
                    }
                    Some(op::SESSION_DESCRIPTION) => {
                        if let Ok(tracks) = serde_json::from_value::<Vec<TrackSlot>>(d["tracks"].clone()) {
                            let mut map = slots.lock().unwrap();
                            for slot in tracks {
                                map.insert(slot.mid.clone(), slot);
                            }
                        }
                        let sdp = d["sdp"].as_str().unwrap_or_default().to_owned();
                        match answer(&reader_pc, sdp).await {
                            Ok(sdp) => {
                                let _ =
                                    answers.send(json!({ "op": op::ANSWER, "d": { "sdp": sdp } }).to_string()).await;
                            }
                            Err(e) => tracing::warn!(error = %e, "test client could not answer"),
                        }
                    }
                    Some(op::ICE_CANDIDATE) => {
                        if let Ok(candidate) = serde_json::from_value::<RTCIceCandidateInit>(d) {
                            let _ = reader_pc.add_ice_candidate(candidate).await;
                        }
                    }
                    Some(op::HEARTBEAT_ACK) => {}
                    _ => {
                        let _ = events_tx.try_send(frame);
                    }
                }
            }
        });

        Ok(Arc::new(Self {
            pc,
            audio,
            video,
            counters,
            outgoing,
            events: tokio::sync::Mutex::new(events),
            closed,
            stop,
            sequence: AtomicU64::new(0),
            sending: std::sync::atomic::AtomicBool::new(true),
        }))
    }

    /// Sends a raw frame (for tests of bad input).
    pub async fn send_raw(&self, text: String) {
        let _ = self.outgoing.send(text).await;
    }

    /// Sends op 5.
    pub async fn speaking(&self, speaking: u8) {
        self.send_raw(json!({ "op": op::SPEAKING, "d": { "speaking": speaking } }).to_string()).await;
    }

    /// Pauses or resumes one participant's video.
    pub async fn video_subscription(&self, user_id: &str, kind: TrackKind, paused: bool) {
        self.send_raw(
            json!({ "op": op::VIDEO_SUBSCRIPTION, "d": { "user_id": user_id, "kind": kind, "paused": paused } })
                .to_string(),
        )
        .await;
    }

    /// Writes one 20 ms Opus-sized packet (and, with video, one VP8-sized packet).
    pub async fn send_media(&self) {
        let n = self.sequence.fetch_add(1, Ordering::Relaxed);
        let packet = |payload_type: u8, clock_step: u64, size: usize| Packet {
            header: Header {
                version: 2,
                payload_type,
                sequence_number: n as u16,
                timestamp: (n * clock_step) as u32,
                marker: true,
                ..Default::default()
            },
            payload: Bytes::from(vec![0x78u8; size]),
        };
        let _ = self.audio.write_rtp(&packet(111, 960, 80)).await;
        if let Some(video) = &self.video {
            let _ = video.write_rtp(&packet(96, 3000, 1000)).await;
        }
    }

    /// Publishes media every 20 ms until the client closes.
    pub fn start_media(self: &Arc<Self>) {
        let client = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            loop {
                tokio::select! {
                    () = client.stop.cancelled() => return,
                    _ = tick.tick() => if client.sending.load(Ordering::Relaxed) { client.send_media().await },
                }
            }
        });
    }

    /// How many transceivers (m-lines) the server's offers have made.
    pub async fn transceivers(&self) -> usize {
        self.pc.get_transceivers().await.len()
    }

    /// Pauses (or resumes) the media `start_media` sends.
    pub fn set_sending(&self, sending: bool) {
        self.sending.store(sending, Ordering::Relaxed);
    }

    /// Media packets sent so far (one audio packet, and one video packet with video, each).
    pub fn sent(&self) -> u64 {
        self.sequence.load(Ordering::Relaxed)
    }

    /// Packets received so far from everyone, of `kind`, by sender.
    pub fn received_by_sender(&self, kind: TrackKind) -> HashMap<String, u64> {
        self.counters
            .lock()
            .unwrap()
            .iter()
            .filter(|((_, k), _)| *k == kind)
            .map(|((user, _), c)| (user.clone(), c.packets.load(Ordering::Relaxed)))
            .collect()
    }

    /// The codec (MIME type) `user`'s `kind` arrives in, once it arrived.
    pub fn codec_of(&self, user: &str, kind: TrackKind) -> Option<String> {
        let counters = self.counters.lock().unwrap();
        counters.get(&(user.to_owned(), kind)).map(|c| c.codec.lock().unwrap().clone()).filter(|c| !c.is_empty())
    }

    /// Packets received so far from `user`'s `kind`.
    pub fn received(&self, user: &str, kind: TrackKind) -> u64 {
        self.counters
            .lock()
            .unwrap()
            .get(&(user.to_owned(), kind))
            .map(|c| c.packets.load(Ordering::Relaxed))
            .unwrap_or(0)
    }

    /// Waits for the next event frame with opcode `op`, up to `within`.
    pub async fn next_event(&self, op: u8, within: Duration) -> Option<Value> {
        let mut events = self.events.lock().await;
        tokio::time::timeout(within, async {
            while let Some(frame) = events.recv().await {
                if frame["op"].as_u64() == Some(u64::from(op)) {
                    return Some(frame);
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
    }

    /// Waits for the server to close the socket; its close code.
    pub async fn close_code(&self, within: Duration) -> Option<u16> {
        let mut closed = self.closed.clone();
        tokio::time::timeout(within, closed.wait_for(Option::is_some)).await.ok()?.ok().and_then(|c| *c)
    }

    /// Hangs up: the socket and the peer connection close.
    pub async fn close(&self) {
        self.stop.cancel();
        let _ = self.pc.close().await;
    }
}

/// An answer to `offer` from a fresh peer connection with the client's engine, closed
/// again at once (for tests that need a real answer to mangle).
pub async fn answer_to(offer: &str) -> anyhow::Result<String> {
    let pc = engine::client_api()?.new_peer_connection(RTCConfiguration::default()).await?;
    let answered = answer(&pc, offer.to_owned()).await;
    pc.close().await?;
    answered
}

async fn answer(pc: &RTCPeerConnection, sdp: String) -> anyhow::Result<String> {
    pc.set_remote_description(RTCSessionDescription::offer(sdp)?).await?;
    let answer = pc.create_answer(None).await?;
    let sdp = answer.sdp.clone();
    pc.set_local_description(answer).await?;
    Ok(sdp)
}
