//! The SFU benchmark: `rooms` voice channels of `participants` people each, everyone
//! publishing Opus (20 ms packets) and receiving everyone else in their room, from clients
//! on the same `webrtc` crate in this process, against a real `parley serve`; and in the
//! same run the same load through Janus's videoroom (Debian's `janus`, see [`crate::janus`])
//! as the baseline. Reports forwarded streams, server CPU per forwarded stream, packet loss
//! and server memory per participant for both, and Parley's as ratios of Janus's.
//!
//! Loss is counted exactly: publishers pause, the counters are read, the load runs, the
//! publishers pause again and the in-flight packets drain before the second reading; every
//! packet a publisher sent in between should reach each of its `participants - 1` listeners.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::{SinkExt, StreamExt};
use parley_voice::client::{ClientOptions, Join, VoiceClient};
use parley_voice::protocol::TrackKind;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::Backend;
use crate::gateway_bench::{Community, community, cpu_seconds};
use crate::servers::{RunDatabase, Server};

/// Whether the run measures Janus too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Baseline {
    Skip,
    /// If it cannot run (janus not installed), say why and report Parley alone.
    Try,
    /// Fail the run if it cannot (CI's smoke run, so a broken baseline is seen).
    Require,
}

pub struct VoiceOptions {
    pub backend: Backend,
    pub rooms: usize,
    pub participants: usize,
    pub duration: Duration,
    pub parley_bin: std::path::PathBuf,
    pub postgres_url: String,
    /// Whether to measure the Janus baseline too.
    pub janus: Baseline,
}

/// What one SFU (Parley or Janus) measured under the load.
#[derive(Debug, Default)]
pub struct SfuFigures {
    pub streams: usize,
    pub setup_seconds: f64,
    pub server_cpu: f64,
    pub client_cpu: f64,
    pub expected: u64,
    pub received: u64,
    pub idle_rss_mib: f64,
    pub loaded_rss_mib: f64,
    pub participants: usize,
    /// UDP datagrams the kernel dropped during the load because a socket's buffer was full
    /// (anyone's: the SFU's or the clients').
    pub udp_drops: u64,
    /// Packets the SFU itself dropped for subscribers that could not keep up (Parley only).
    pub sfu_drops: Option<u64>,
    /// Packets the SFU wrote to subscribers' tracks (Parley only): with `expected`, where
    /// any loss happened (before the SFU's sockets, or after).
    pub sfu_forwarded: Option<u64>,
}

impl SfuFigures {
    pub fn streams_per_core(&self) -> f64 {
        if self.server_cpu > 0.0 { self.streams as f64 / self.server_cpu } else { f64::NAN }
    }
    pub fn loss(&self) -> f64 {
        if self.expected == 0 { f64::NAN } else { 1.0 - self.received as f64 / self.expected as f64 }
    }
    pub fn kib_per_participant(&self) -> f64 {
        (self.loaded_rss_mib - self.idle_rss_mib) * 1024.0 / self.participants as f64
    }
}

/// One participant's side of the load, whichever SFU carries it.
pub trait Endpoint: Send + Sync {
    fn set_sending(&self, sending: bool);
    /// Audio packets sent so far.
    fn sent(&self) -> u64;
    /// Audio packets received so far, by sender id.
    fn received(&self) -> HashMap<String, u64>;
    fn id(&self) -> &str;
}

struct ParleyEndpoint {
    user_id: String,
    voice: Arc<VoiceClient>,
    // Kept open: the voice state lives as long as the gateway session.
    _gateway: tokio::task::JoinHandle<()>,
}

impl Endpoint for ParleyEndpoint {
    fn set_sending(&self, sending: bool) {
        self.voice.set_sending(sending);
    }
    fn sent(&self) -> u64 {
        self.voice.sent()
    }
    fn received(&self) -> HashMap<String, u64> {
        self.voice.received_by_sender(TrackKind::Audio)
    }
    fn id(&self) -> &str {
        &self.user_id
    }
}

/// Identifies on the gateway, joins `channel`, and keeps the session alive (heartbeats)
/// in a task; returns the voice join and that task.
async fn join_voice(
    base: &str,
    token: &str,
    guild: &str,
    channel: &str,
) -> anyhow::Result<(Join, tokio::task::JoinHandle<()>)> {
    let url = format!("{}/gateway?v=10&encoding=json", base.replacen("http://", "ws://", 1));
    let (socket, _) = tokio_tungstenite::connect_async(url).await.context("gateway")?;
    let (mut sink, mut stream) = socket.split();
    let mut next = async || -> anyhow::Result<Value> {
        loop {
            match stream.next().await {
                Some(Ok(Message::Text(text))) => return Ok(serde_json::from_str(&text)?),
                Some(Ok(_)) => continue,
                _ => bail!("the gateway closed"),
            }
        }
    };
    let hello = next().await?;
    let interval = hello["d"]["heartbeat_interval"].as_u64().unwrap_or(41_250);
    // GUILDS | GUILD_VOICE_STATES
    let identify = json!({"op": 2, "d": {"token": token, "intents": 129, "properties": {"os": "linux", "browser": "bench", "device": "bench"}}});
    sink.send(Message::Text(identify.to_string().into())).await?;
    let (mut user_id, mut session_id) = (String::new(), String::new());
    loop {
        let frame = next().await?;
        if frame["t"] == "READY" {
            user_id = frame["d"]["user"]["id"].as_str().unwrap_or_default().to_owned();
            session_id = frame["d"]["session_id"].as_str().unwrap_or_default().to_owned();
            let join = json!({"op": 4, "d": {"guild_id": guild, "channel_id": channel, "self_mute": false, "self_deaf": false}});
            sink.send(Message::Text(join.to_string().into())).await?;
        }
        if frame["t"] == "VOICE_SERVER_UPDATE" {
            let join = Join {
                url: format!("ws://{}", frame["d"]["endpoint"].as_str().context("no endpoint")?),
                server_id: guild.to_owned(),
                user_id,
                session_id,
                token: frame["d"]["token"].as_str().context("no token")?.to_owned(),
            };
            let keep_alive = tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_millis(interval));
                let mut sequence = Value::Null;
                loop {
                    tokio::select! {
                        _ = tick.tick() => {
                            let beat = json!({"op": 1, "d": sequence}).to_string();
                            if sink.send(Message::Text(beat.into())).await.is_err() { return }
                        }
                        frame = stream.next() => match frame {
                            Some(Ok(Message::Text(text))) => {
                                if let Ok(v) = serde_json::from_str::<Value>(&text) && v["s"].is_u64() { sequence = v["s"].clone(); }
                            }
                            Some(Ok(_)) => {}
                            _ => return,
                        },
                    }
                }
            });
            return Ok((join, keep_alive));
        }
    }
}

/// Joins every participant to Parley's voice channels (one channel per room).
async fn parley_endpoints(parley: &Server, options: &VoiceOptions) -> anyhow::Result<Vec<Vec<Arc<dyn Endpoint>>>> {
    let client = reqwest::Client::new();
    let people = options.rooms * options.participants;
    let Community { tokens, guild_id, .. } = community(&client, &parley.url, people).await?;
    let api = format!("{}/api/v10", parley.url);
    let mut rooms = Vec::new();
    for room in 0..options.rooms {
        let channel: Value = client
            .post(format!("{api}/guilds/{guild_id}/channels"))
            .bearer_auth(&tokens[0])
            .json(&json!({"name": format!("room {room}"), "type": 2}))
            .send()
            .await?
            .json()
            .await?;
        let channel_id = channel["id"].as_str().context("no voice channel")?.to_owned();
        let mut endpoints: Vec<Arc<dyn Endpoint>> = Vec::new();
        for token in &tokens[room * options.participants..(room + 1) * options.participants] {
            let (join, gateway) = join_voice(&parley.url, token, &guild_id, &channel_id).await?;
            let voice = VoiceClient::connect(&join, ClientOptions::default()).await?;
            voice.start_media();
            endpoints.push(Arc::new(ParleyEndpoint { user_id: join.user_id.clone(), voice, _gateway: gateway }));
        }
        rooms.push(endpoints);
    }
    Ok(rooms)
}

/// Waits until everyone hears everyone else in their room.
pub async fn wait_until_wired(rooms: &[Vec<Arc<dyn Endpoint>>], within: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    loop {
        let wired = rooms.iter().all(|room| {
            room.iter().all(|listener| {
                let heard = listener.received();
                room.iter().filter(|s| s.id() != listener.id()).all(|s| heard.get(s.id()).copied().unwrap_or(0) > 0)
            })
        });
        if wired {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("not everyone heard everyone else within {within:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Sent and received so far, with publishers paused and in-flight packets drained.
async fn reading(rooms: &[Vec<Arc<dyn Endpoint>>]) -> (HashMap<String, u64>, Vec<HashMap<String, u64>>) {
    for endpoint in rooms.iter().flatten() {
        endpoint.set_sending(false);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = rooms.iter().flatten().map(|e| (e.id().to_owned(), e.sent())).collect();
    let received = rooms.iter().flatten().map(|e| e.received()).collect();
    (sent, received)
}

/// Runs the load for `duration` and measures it. `server_pid` is the SFU's process.
pub async fn measure(rooms: &[Vec<Arc<dyn Endpoint>>], server_pid: u32, duration: Duration) -> SfuFigures {
    let (sent_before, received_before) = reading(rooms).await;
    let udp_before = udp_drops();
    let (server_before, client_before) = (cpu_seconds(server_pid), cpu_seconds(std::process::id()));
    let started = Instant::now();
    for endpoint in rooms.iter().flatten() {
        endpoint.set_sending(true);
    }
    tokio::time::sleep(duration).await;
    let elapsed = started.elapsed().as_secs_f64();
    let (server_cpu, client_cpu) =
        (cpu_seconds(server_pid) - server_before, cpu_seconds(std::process::id()) - client_before);
    let (sent_after, received_after) = reading(rooms).await;
    let udp_drops = udp_drops().saturating_sub(udp_before);
    let listeners = rooms.first().map_or(0, |r| r.len().saturating_sub(1)) as u64;
    let expected: u64 =
        sent_after.iter().map(|(id, n)| (n - sent_before.get(id).copied().unwrap_or(0)) * listeners).sum();
    let mut received = 0;
    for (after, before) in received_after.iter().zip(&received_before) {
        received += after.iter().map(|(id, n)| n - before.get(id).copied().unwrap_or(0)).sum::<u64>();
    }
    let participants = rooms.iter().map(Vec::len).sum::<usize>();
    SfuFigures {
        streams: rooms.iter().map(|r| r.len() * r.len().saturating_sub(1)).sum(),
        server_cpu: server_cpu / elapsed,
        client_cpu: client_cpu / elapsed,
        expected,
        received,
        participants,
        udp_drops,
        ..Default::default()
    }
}

/// UDP datagrams the kernel has dropped for full socket buffers, machine-wide
/// (`RcvbufErrors` and `SndbufErrors` of /proc/net/snmp).
fn udp_drops() -> u64 {
    let snmp = std::fs::read_to_string("/proc/net/snmp").unwrap_or_default();
    let mut rows = snmp.lines().filter(|l| l.starts_with("Udp: "));
    let (Some(names), Some(values)) = (rows.next(), rows.next()) else { return 0 };
    names
        .split_whitespace()
        .zip(values.split_whitespace())
        .filter(|(name, _)| matches!(*name, "RcvbufErrors" | "SndbufErrors"))
        .filter_map(|(_, value)| value.parse::<u64>().ok())
        .sum()
}

/// One counter of Parley's /metrics.
async fn parley_counter(base: &str, series: &str) -> u64 {
    let text = match reqwest::get(format!("{base}/metrics")).await {
        Ok(response) => response.text().await.unwrap_or_default(),
        Err(_) => return 0,
    };
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse::<f64>().ok()).map_or(0, |v| v as u64)
}

pub async fn run(options: &VoiceOptions) -> anyhow::Result<()> {
    let db = RunDatabase::create(options.backend, &options.postgres_url).await?;
    let result = compare(options, &db.url, db.dir.path()).await;
    db.finish().await?;
    result
}

async fn compare(options: &VoiceOptions, database_url: &str, data_dir: &std::path::Path) -> anyhow::Result<()> {
    let extra = [("PARLEY_PASSWORD_HASH_MEMORY_KIB", "64"), ("PARLEY_PASSWORD_HASH_ITERATIONS", "1")];
    let parley = Server::parley_with(&options.parley_bin, database_url, data_dir, &extra)?;
    let idle = parley.memory_mib().0;
    let started = Instant::now();
    let rooms = parley_endpoints(&parley, options).await?;
    wait_until_wired(&rooms, Duration::from_secs(60)).await?;
    let setup_seconds = started.elapsed().as_secs_f64();
    let (dropped, forwarded) =
        ("parley_voice_dropped_packets_total", "parley_voice_forwarded_packets_total{kind=\"audio\"}");
    let (dropped_before, forwarded_before) =
        (parley_counter(&parley.url, dropped).await, parley_counter(&parley.url, forwarded).await);
    let mut figures = measure(&rooms, parley.pid(), options.duration).await;
    figures.sfu_drops = Some(parley_counter(&parley.url, dropped).await.saturating_sub(dropped_before));
    figures.sfu_forwarded = Some(parley_counter(&parley.url, forwarded).await.saturating_sub(forwarded_before));
    figures.setup_seconds = setup_seconds;
    figures.idle_rss_mib = idle;
    figures.loaded_rss_mib = parley.memory_mib().0;
    drop(rooms);
    drop(parley);
    let janus = match options.janus {
        Baseline::Skip => None,
        Baseline::Try | Baseline::Require => match crate::janus::measure_janus(options).await {
            Ok(figures) => Some(figures),
            Err(e) if options.janus == Baseline::Try => {
                println!("\nThe Janus baseline could not run here: {e:#}");
                None
            }
            Err(e) => return Err(e.context("the Janus baseline (required) failed")),
        },
    };
    report(options, &figures, janus.as_ref());
    Ok(())
}

fn report(options: &VoiceOptions, p: &SfuFigures, j: Option<&SfuFigures>) {
    println!(
        "\nVoice: {} rooms of {} people, everyone publishing Opus (50 packets/s) and hearing the others, {} s",
        options.rooms,
        options.participants,
        options.duration.as_secs()
    );
    println!("\n| Figure | Parley | Janus videoroom | Ratio |\n|---|---:|---:|---:|");
    let row = |label: &str, digits: usize, x: f64, y: Option<f64>| match y {
        Some(y) => {
            let ratio = if y != 0.0 && y.is_finite() { format!("{:.2}", x / y) } else { "-".into() };
            println!("| {label} | {x:.digits$} | {y:.digits$} | {ratio} |");
        }
        None => println!("| {label} | {x:.digits$} | - | - |"),
    };
    row("forwarded Opus streams", 0, p.streams as f64, j.map(|j| j.streams as f64));
    row("time to connect everyone (s)", 1, p.setup_seconds, j.map(|j| j.setup_seconds));
    row("server CPU (cores)", 2, p.server_cpu, j.map(|j| j.server_cpu));
    row("forwarded streams per server core", 0, p.streams_per_core(), j.map(SfuFigures::streams_per_core));
    row("packet loss (%)", 3, p.loss() * 100.0, j.map(|j| j.loss() * 100.0));
    row("server memory per participant (KiB)", 0, p.kib_per_participant(), j.map(SfuFigures::kib_per_participant));
    row("UDP datagrams the kernel dropped (full socket buffers)", 0, p.udp_drops as f64, j.map(|j| j.udp_drops as f64));
    println!(
        "\nPackets: Parley delivered {} of {} expected{}. Client CPU (same machine): Parley run {:.2} cores{}.",
        p.received,
        p.expected,
        j.map(|j| format!(", Janus {} of {}", j.received, j.expected)).unwrap_or_default(),
        p.client_cpu,
        j.map(|j| format!(", Janus run {:.2}", j.client_cpu)).unwrap_or_default(),
    );
    println!("Parley uses one peer connection per participant; Janus's videoroom two (a publisher and a subscriber).");
    if let (Some(drops), Some(forwarded)) = (p.sfu_drops, p.sfu_forwarded) {
        println!(
            "Parley's SFU forwarded {forwarded} of the {} expected and dropped {drops} for subscribers that fell behind (its own queues); the rest of any loss is on the way from its socket to the clients.",
            p.expected
        );
    }
}
