//! The SFU baseline: Debian's Janus (its videoroom plugin) started for the run on loopback
//! with a configuration of its own, and driven over its HTTP API with the same load as
//! Parley: rooms of participants who each publish Opus and subscribe to everyone else in
//! their room, from clients on the same `webrtc` crate. In Janus a participant is two peer
//! connections: a publisher, and a subscriber to the room's other feeds.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use webrtc::peer_connection::RTCPeerConnection;
use webrtc::peer_connection::sdp::session_description::RTCSessionDescription;
use webrtc::rtp::header::Header;
use webrtc::rtp::packet::Packet;
use webrtc::rtp_transceiver::RTCRtpTransceiverInit;
use webrtc::rtp_transceiver::rtp_transceiver_direction::RTCRtpTransceiverDirection;
use webrtc::track::track_local::TrackLocalWriter;
use webrtc::track::track_local::track_local_static_rtp::TrackLocalStaticRTP;

use crate::servers::rss_mib;
use crate::voice_bench::{Endpoint, SfuFigures, VoiceOptions, measure, wait_until_wired};

const JANUS: &str = "/usr/bin/janus";
const LIBS: &str = "/usr/lib/x86_64-linux-gnu/janus";

/// Janus running with its own configuration; killed when dropped.
struct Janus {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Janus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every `.so` in `folder` but `keep`, for Janus's `disable` lists.
fn all_but(folder: &str, keep: &str) -> String {
    std::fs::read_dir(Path::new(LIBS).join(folder))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|name| name.ends_with(".so") && name != keep)
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

async fn start() -> anyhow::Result<Janus> {
    if !Path::new(JANUS).exists() {
        bail!("Debian's janus is not installed (apt-get install janus)");
    }
    let dir = tempfile::tempdir()?;
    let port = free_port()?;
    let rtp = free_port()?.clamp(20_000, 60_000);
    let configs = dir.path().display().to_string();
    std::fs::write(
        dir.path().join("janus.jcfg"),
        format!(
            "general: {{\n configs_folder = \"{configs}\"\n plugins_folder = \"{LIBS}/plugins\"\n \
             transports_folder = \"{LIBS}/transports\"\n events_folder = \"{LIBS}/events\"\n \
             loggers_folder = \"{LIBS}/loggers\"\n debug_level = {}\n}}\n\
             media: {{\n rtp_port_range = \"{rtp}-{}\"\n}}\n\
             plugins: {{\n disable = \"{}\"\n}}\n\
             transports: {{\n disable = \"{}\"\n}}\n\
             events: {{\n broadcast = false\n}}\n",
            std::env::var("PARLEY_BENCH_JANUS_DEBUG").map_or(2, |_| 4),
            rtp + 4000,
            all_but("plugins", "libjanus_videoroom.so"),
            all_but("transports", "libjanus_http.so"),
        ),
    )?;
    std::fs::write(
        dir.path().join("janus.transport.http.jcfg"),
        format!(
            "general: {{\n json = \"plain\"\n base_path = \"/janus\"\n http = true\n port = {port}\n \
             ip = \"127.0.0.1\"\n https = false\n}}\nadmin: {{\n admin_http = false\n}}\n"
        ),
    )?;
    std::fs::write(dir.path().join("janus.plugin.videoroom.jcfg"), "general: {\n}\n")?;
    let child = Command::new(JANUS)
        .arg("-C")
        .arg(dir.path().join("janus.jcfg"))
        .arg("-F")
        .arg(dir.path())
        .args(["-o", "-i", "127.0.0.1"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .context("cannot start janus")?;
    let janus = Janus { child, url: format!("http://127.0.0.1:{port}/janus"), _dir: dir };
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client.get(format!("{}/info", janus.url)).send().await.is_ok_and(|r| r.status().is_success()) {
            return Ok(janus);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("janus did not answer on {}", janus.url)
}

/// One Janus API session: requests, and its events from a long poll.
struct Session {
    client: reqwest::Client,
    url: String,
    events: tokio::sync::Mutex<mpsc::Receiver<Value>>,
    poll: tokio::task::JoinHandle<()>,
    next: AtomicU64,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.poll.abort();
    }
}

impl Session {
    async fn create(base: &str) -> anyhow::Result<Arc<Self>> {
        let client = reqwest::Client::new();
        let created: Value =
            client.post(base).json(&json!({"janus": "create", "transaction": "c"})).send().await?.json().await?;
        let id = created["data"]["id"].as_u64().context("janus created no session")?;
        let url = format!("{base}/{id}");
        let (tx, rx) = mpsc::channel(256);
        let poll = {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move {
                loop {
                    let Ok(response) = client.get(format!("{url}?maxev=10")).send().await else { return };
                    let Ok(body) = response.json::<Value>().await else { return };
                    let events =
                        if body.is_array() { body.as_array().cloned().unwrap_or_default() } else { vec![body] };
                    for event in events {
                        if event["janus"] != "keepalive" && tx.send(event).await.is_err() {
                            return;
                        }
                    }
                }
            })
        };
        Ok(Arc::new(Self { client, url, events: tokio::sync::Mutex::new(rx), poll, next: AtomicU64::new(1) }))
    }

    async fn post(&self, path: &str, mut body: Value) -> anyhow::Result<Value> {
        body["transaction"] = json!(format!("t{}", self.next.fetch_add(1, Ordering::Relaxed)));
        let answer: Value = self.client.post(format!("{}{path}", self.url)).json(&body).send().await?.json().await?;
        if answer["janus"] == "error" {
            bail!("janus refused {body}: {answer}");
        }
        Ok(answer)
    }

    async fn attach(&self) -> anyhow::Result<u64> {
        let attached = self.post("", json!({"janus": "attach", "plugin": "janus.plugin.videoroom"})).await?;
        attached["data"]["id"].as_u64().context("janus attached no handle")
    }

    /// Waits for Janus's `kind` notice about `handle` (such as `webrtcup`).
    async fn notice(&self, handle: u64, kind: &str) -> anyhow::Result<()> {
        let mut events = self.events.lock().await;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let event = tokio::time::timeout_at(deadline.into(), events.recv())
                .await
                .with_context(|| format!("no {kind} from janus"))?
                .context("janus session closed")?;
            if event["sender"].as_u64() == Some(handle) && event["janus"] == kind {
                return Ok(());
            }
        }
    }

    /// A plugin message on `handle`; returns its event (the one with the plugin's answer).
    async fn message(&self, handle: u64, body: Value, jsep: Option<Value>) -> anyhow::Result<Value> {
        let mut request = json!({"janus": "message", "body": body});
        if let Some(jsep) = jsep {
            request["jsep"] = jsep;
        }
        let answer = self.post(&format!("/{handle}"), request).await?;
        if answer["janus"] == "success" {
            return Ok(answer);
        }
        let mut events = self.events.lock().await;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let event = tokio::time::timeout_at(deadline.into(), events.recv())
                .await
                .context("no answer from janus")?
                .context("janus session closed")?;
            if event["sender"].as_u64() == Some(handle) && event["janus"] == "event" {
                if event["plugindata"]["data"]["error"].is_string() {
                    bail!("janus: {}", event["plugindata"]["data"]["error"]);
                }
                return Ok(event);
            }
        }
    }
}

/// A participant in a Janus room: their publisher and subscriber peer connections.
struct JanusEndpoint {
    feed: String,
    _session: Arc<Session>,
    publisher: Arc<RTCPeerConnection>,
    subscriber: Mutex<Option<(Arc<RTCPeerConnection>, Arc<Session>)>>,
    sending: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
    received: Arc<Mutex<HashMap<String, Arc<AtomicU64>>>>,
}

impl Endpoint for JanusEndpoint {
    fn set_sending(&self, sending: bool) {
        self.sending.store(sending, Ordering::Relaxed);
    }
    fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
    fn received(&self) -> HashMap<String, u64> {
        self.received.lock().unwrap().iter().map(|(k, v)| (k.clone(), v.load(Ordering::Relaxed))).collect()
    }
    fn id(&self) -> &str {
        &self.feed
    }
}

/// Clients on this machine's own IPv4 addresses: Janus (libnice) does not gather on
/// loopback, so neither side would reach the other there. The traffic still never leaves
/// the machine.
fn client_api() -> anyhow::Result<webrtc::api::API> {
    Ok(parley_voice::engine::client_api_on(|ip| ip.is_ipv4() && !ip.is_unspecified())?)
}

/// The local description once ICE gathering is done (Janus takes candidates in the SDP).
async fn gathered(pc: &RTCPeerConnection) -> anyhow::Result<String> {
    let mut done = pc.gathering_complete_promise().await;
    let _ = done.recv().await;
    Ok(pc.local_description().await.context("no local description")?.sdp)
}

async fn publish(janus: &str, room: u64, name: &str) -> anyhow::Result<JanusEndpoint> {
    let session = Session::create(janus).await?;
    let handle = session.attach().await?;
    let api = client_api()?;
    let publisher = Arc::new(api.new_peer_connection(Default::default()).await?);
    let audio = Arc::new(TrackLocalStaticRTP::new(parley_voice::engine::opus(), "audio".into(), name.into()));
    let sendonly = RTCRtpTransceiverInit { direction: RTCRtpTransceiverDirection::Sendonly, send_encodings: vec![] };
    publisher.add_transceiver_from_track(audio.clone(), Some(sendonly)).await?;
    let offer = publisher.create_offer(None).await?;
    publisher.set_local_description(offer).await?;
    let sdp = gathered(&publisher).await?;
    let joined = session
        .message(
            handle,
            json!({"request": "joinandconfigure", "room": room, "ptype": "publisher", "display": name, "audio": true, "video": false}),
            Some(json!({"type": "offer", "sdp": sdp})),
        )
        .await?;
    let feed = joined["plugindata"]["data"]["id"].as_u64().context("janus gave no feed id")?;
    let answer = joined["jsep"]["sdp"].as_str().context("janus sent no answer")?;
    if std::env::var("PARLEY_BENCH_JANUS_DEBUG").is_ok() {
        eprintln!("OFFER {sdp}\nANSWER {answer}");
    }
    publisher.set_remote_description(RTCSessionDescription::answer(answer.to_owned())?).await?;
    // A feed can be subscribed to once its media is up.
    session.notice(handle, "webrtcup").await?;
    let (sending, sent) = (Arc::new(AtomicBool::new(true)), Arc::new(AtomicU64::new(0)));
    tokio::spawn(send_audio(audio.clone(), sending.clone(), sent.clone()));
    Ok(JanusEndpoint {
        feed: feed.to_string(),
        _session: session,
        publisher,
        subscriber: Mutex::new(None),
        sending,
        sent,
        received: Arc::default(),
    })
}

/// The same packets Parley's benchmark client sends: 80-byte Opus-sized payloads, 20 ms apart.
async fn send_audio(track: Arc<TrackLocalStaticRTP>, sending: Arc<AtomicBool>, sent: Arc<AtomicU64>) {
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    loop {
        tick.tick().await;
        // The endpoint holds the other reference: gone with it, this stops.
        if Arc::strong_count(&sending) == 1 {
            return;
        }
        if !sending.load(Ordering::Relaxed) {
            continue;
        }
        let n = sent.fetch_add(1, Ordering::Relaxed);
        let packet = Packet {
            header: Header {
                version: 2,
                payload_type: 111,
                sequence_number: n as u16,
                timestamp: (n * 960) as u32,
                marker: true,
                ..Default::default()
            },
            payload: Bytes::from(vec![0x78u8; 80]),
        };
        let _ = track.write_rtp(&packet).await;
    }
}

/// Subscribes `who` to `feeds` on a second handle and peer connection.
async fn subscribe(janus: &str, room: u64, who: &JanusEndpoint, feeds: &[String]) -> anyhow::Result<()> {
    let session = Session::create(janus).await?;
    let handle = session.attach().await?;
    let streams: Vec<Value> = feeds.iter().map(|f| json!({"feed": f.parse::<u64>().unwrap_or(0)})).collect();
    let attached = session
        .message(handle, json!({"request": "join", "room": room, "ptype": "subscriber", "streams": streams}), None)
        .await?;
    let offer = attached["jsep"]["sdp"].as_str().context("janus offered nothing")?.to_owned();
    let mids: HashMap<String, String> = attached["plugindata"]["data"]["streams"]
        .as_array()
        .context("janus listed no streams")?
        .iter()
        .filter_map(|s| Some((s["mid"].as_str()?.to_owned(), s["feed_id"].as_u64()?.to_string())))
        .collect();
    let api = client_api()?;
    let pc = Arc::new(api.new_peer_connection(Default::default()).await?);
    let received = who.received.clone();
    pc.on_track(Box::new(move |track, _receiver, transceiver| {
        let feed = transceiver.mid().and_then(|mid| mids.get(mid.as_str()).cloned());
        let received = received.clone();
        Box::pin(async move {
            let Some(feed) = feed else { return };
            let counter = received.lock().unwrap().entry(feed).or_default().clone();
            tokio::spawn(async move {
                while track.read_rtp().await.is_ok() {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            });
        })
    }));
    pc.set_remote_description(RTCSessionDescription::offer(offer)?).await?;
    let answer = pc.create_answer(None).await?;
    pc.set_local_description(answer).await?;
    let sdp = gathered(&pc).await?;
    session.message(handle, json!({"request": "start"}), Some(json!({"type": "answer", "sdp": sdp}))).await?;
    *who.subscriber.lock().unwrap() = Some((pc, session));
    Ok(())
}

/// The same load as Parley's, through Janus; its figures.
pub async fn measure_janus(options: &VoiceOptions) -> anyhow::Result<SfuFigures> {
    let janus = start().await?;
    let pid = janus.child.id();
    let idle = rss_mib(pid);
    let started = Instant::now();
    let control = Session::create(&janus.url).await?;
    let admin = control.attach().await?;
    let mut rooms: Vec<Vec<Arc<dyn Endpoint>>> = Vec::new();
    let mut janus_rooms: Vec<Vec<Arc<JanusEndpoint>>> = Vec::new();
    for r in 0..options.rooms {
        let room = 1000 + r as u64;
        control
            .message(
                admin,
                json!({"request": "create", "room": room, "publishers": options.participants + 1, "audiocodec": "opus", "notify_joining": false}),
                None,
            )
            .await?;
        let mut endpoints = Vec::new();
        for p in 0..options.participants {
            endpoints.push(Arc::new(publish(&janus.url, room, &format!("p{r}-{p}")).await?));
        }
        for endpoint in &endpoints {
            let others: Vec<String> =
                endpoints.iter().filter(|e| e.feed != endpoint.feed).map(|e| e.feed.clone()).collect();
            subscribe(&janus.url, room, endpoint, &others).await?;
        }
        rooms.push(endpoints.iter().map(|e| e.clone() as Arc<dyn Endpoint>).collect());
        janus_rooms.push(endpoints);
    }
    wait_until_wired(&rooms, Duration::from_secs(60)).await?;
    let setup_seconds = started.elapsed().as_secs_f64();
    let mut figures = measure(&rooms, pid, options.duration).await;
    figures.setup_seconds = setup_seconds;
    figures.idle_rss_mib = idle;
    figures.loaded_rss_mib = rss_mib(pid);
    for endpoint in janus_rooms.iter().flatten() {
        let _ = endpoint.publisher.close().await;
        let subscriber = endpoint.subscriber.lock().unwrap().take();
        if let Some((pc, _session)) = subscriber {
            let _ = pc.close().await;
        }
    }
    Ok(figures)
}
