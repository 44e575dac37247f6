//! The gateway benchmark: N real gateway sessions (users of one guild, identified with
//! tokens) on a real `parley serve`, messages sent through REST, and in the same run the
//! same client load against the WebSocket baseline (`ws_baseline`). Reports memory per
//! idle session, deliveries per second, send-to-receive latency percentiles, the time to
//! write one event to all N sessions, and the CPU split between server and client.
//!
//! Every message carries its send time in its content (`b:<kind>:<n>:<µs>`); receivers find
//! it with a substring search (no JSON parsing), so the client spends its CPU on reading.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::Backend;
use crate::servers::{RunDatabase, Server};

pub struct GatewayOptions {
    pub backend: Backend,
    pub sessions: usize,
    pub users: usize,
    pub senders: usize,
    pub duration: Duration,
    pub probes: usize,
    pub parley_bin: std::path::PathBuf,
    pub postgres_url: String,
}

/// Latency buckets of 100 µs up to 2 s; the last bucket holds anything slower.
const BUCKET_US: u64 = 100;
const BUCKETS: usize = 20_001;

struct Shared {
    start: Instant,
    delivered: AtomicU64,
    histogram: Vec<AtomicU64>,
    probe_received: Vec<AtomicU64>,
    probe_last_us: Vec<AtomicU64>,
    ready: AtomicU64,
    stop: AtomicBool,
}

impl Shared {
    fn new(probes: usize) -> Arc<Self> {
        Arc::new(Self {
            start: Instant::now(),
            delivered: AtomicU64::new(0),
            histogram: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            probe_received: (0..probes).map(|_| AtomicU64::new(0)).collect(),
            probe_last_us: (0..probes).map(|_| AtomicU64::new(0)).collect(),
            ready: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        })
    }

    fn now_us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }

    /// Reads `b:<kind>:<n>:<µs>` out of a frame and records it.
    fn record(&self, frame: &str) {
        let Some(at) = frame.find("\"b:") else { return };
        let mut parts = frame[at + 3..].splitn(4, [':', '"']);
        let (Some(kind), Some(n), Some(sent)) = (parts.next(), parts.next(), parts.next()) else { return };
        let (Ok(n), Ok(sent)) = (n.parse::<usize>(), sent.parse::<u64>()) else { return };
        let now = self.now_us();
        match kind {
            "p" if n < self.probe_received.len() => {
                self.probe_last_us[n].fetch_max(now, Ordering::Relaxed);
                self.probe_received[n].fetch_add(1, Ordering::Relaxed);
            }
            "l" => {
                let bucket = ((now.saturating_sub(sent)) / BUCKET_US).min(BUCKETS as u64 - 1) as usize;
                self.histogram[bucket].fetch_add(1, Ordering::Relaxed);
                self.delivered.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }

    fn percentile_ms(&self, p: f64) -> f64 {
        let counts: Vec<u64> = self.histogram.iter().map(|b| b.load(Ordering::Relaxed)).collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return f64::NAN;
        }
        let target = ((total as f64) * p).ceil() as u64;
        let mut seen = 0;
        for (i, c) in counts.iter().enumerate() {
            seen += c;
            if seen >= target {
                return ((i as u64 + 1) * BUCKET_US) as f64 / 1000.0;
            }
        }
        f64::NAN
    }
}

fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(4 * 1024).write_buffer_size(4 * 1024).max_message_size(Some(4 << 20))
}

/// One client connection: connects, identifies (Parley) and reads until told to stop,
/// heartbeating on time.
async fn session(url: String, identify: Option<String>, shared: Arc<Shared>) -> anyhow::Result<()> {
    let (mut socket, _) = tokio_tungstenite::connect_async_with_config(url, Some(ws_config()), false).await?;
    if let Some(identify) = identify {
        socket.send(Message::Text(identify.into())).await?;
    }
    let mut heartbeat = tokio::time::interval(Duration::from_secs(30));
    heartbeat.tick().await;
    let mut counted = false;
    loop {
        tokio::select! {
            frame = socket.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    if !counted && (text.contains("\"GUILD_CREATE\"") || text.contains("\"op\":10")) {
                        counted = true;
                        shared.ready.fetch_add(1, Ordering::Relaxed);
                    }
                    shared.record(&text);
                }
                Some(Ok(_)) => {}
                _ => break,
            },
            _ = heartbeat.tick() => {
                if shared.stop.load(Ordering::Relaxed) {
                    break;
                }
                socket.send(Message::Text("{\"op\":1,\"d\":null}".into())).await?;
            }
        }
        if shared.stop.load(Ordering::Relaxed) {
            break;
        }
    }
    let _ = socket.close(None).await;
    Ok(())
}

/// Server and client CPU seconds so far (utime + stime from /proc).
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // After the command name: state is field 0, utime 11, stime 12.
    (ticks(11) + ticks(12)) / 100.0
}

/// What one target (Parley or the baseline) measured.
struct Figures {
    idle_mib_per_1k: f64,
    connect_seconds: f64,
    fanout_p50_ms: f64,
    fanout_p99_ms: f64,
    fanout_max_ms: f64,
    deliveries_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    p999_ms: f64,
    server_cpu: f64,
    client_cpu: f64,
    rss_mib: f64,
    /// Messages accepted during the load.
    events: u64,
    /// Server CPU per message during the load, in ms (REST, publish and fan-out together).
    cpu_ms_per_event: f64,
    /// Parley only: mean time its fan-out took per event (`parley_gateway_fanout_seconds`),
    /// in µs; NaN for the baseline, which has no such metric.
    fanout_us_per_event: f64,
}

/// Sends one message: to Parley through REST as a member, to the baseline through /broadcast.
#[derive(Clone)]
enum Sender {
    Parley { url: String, tokens: Arc<Vec<String>> },
    Baseline { url: String },
}

impl Sender {
    async fn send(&self, client: &reqwest::Client, who: usize, content: String) -> bool {
        let request = match self {
            Sender::Parley { url, tokens } => {
                client.post(url).bearer_auth(&tokens[who % tokens.len()]).json(&json!({"content": content}))
            }
            Sender::Baseline { url } => client.post(url).json(&json!({"content": content})),
        };
        matches!(request.send().await, Ok(r) if r.status().is_success())
    }
}

async fn measure(
    options: &GatewayOptions,
    server: &Server,
    ws_url: &str,
    identifies: Option<Arc<Vec<String>>>,
    sender: Sender,
) -> anyhow::Result<Figures> {
    let shared = Shared::new(options.probes);
    let (before, _) = server.memory_mib();
    let connecting = Instant::now();
    let mut handles = Vec::with_capacity(options.sessions);
    for i in 0..options.sessions {
        let identify = identifies.as_ref().map(|all| all[i % all.len()].clone());
        handles.push(tokio::spawn(session(ws_url.to_owned(), identify, shared.clone())));
        // At most 64 handshakes in flight, so the listen backlog never overflows.
        while i >= 64 + shared_ready(&shared) as usize && connecting.elapsed() < Duration::from_secs(600) {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    while (shared.ready.load(Ordering::Relaxed) as usize) < options.sessions {
        if connecting.elapsed() > Duration::from_secs(600) {
            bail!("only {} of {} sessions became ready", shared.ready.load(Ordering::Relaxed), options.sessions);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let connect_seconds = connecting.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (idle, _) = server.memory_mib();
    let client = reqwest::Client::builder().pool_max_idle_per_host(options.senders.max(1)).build()?;

    // One event to everyone, one at a time.
    let mut fanouts = Vec::new();
    for probe in 0..options.probes {
        let sent = shared.now_us();
        if !sender.send(&client, 0, format!("b:p:{probe}:{sent}")).await {
            bail!("a probe message was refused");
        }
        let waiting = Instant::now();
        while (shared.probe_received[probe].load(Ordering::Relaxed) as usize) < options.sessions {
            if waiting.elapsed() > Duration::from_secs(10) {
                bail!(
                    "probe {probe} reached {} of {} sessions",
                    shared.probe_received[probe].load(Ordering::Relaxed),
                    options.sessions
                );
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        fanouts.push((shared.probe_last_us[probe].load(Ordering::Relaxed).saturating_sub(sent)) as f64 / 1000.0);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    fanouts.sort_by(|a, b| a.total_cmp(b));
    let pick = |p: f64| {
        fanouts.get(((fanouts.len() as f64 * p).ceil() as usize).saturating_sub(1)).copied().unwrap_or(f64::NAN)
    };

    // Sustained load: each sender sends its next message when the last one is accepted.
    let fanout_before = fanout_histogram(&server.url).await;
    let server_cpu_before = cpu_seconds(server.pid());
    let client_cpu_before = cpu_seconds(std::process::id());
    let accepted = Arc::new(AtomicU64::new(0));
    let delivered_before = shared.delivered.load(Ordering::Relaxed);
    let window = Instant::now();
    let deadline = window + options.duration;
    let mut senders = Vec::new();
    for who in 0..options.senders {
        let (client, sender, shared, accepted) = (client.clone(), sender.clone(), shared.clone(), accepted.clone());
        senders.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let content = format!("b:l:{n}:{}", shared.now_us());
                if sender.send(&client, who + 1, content).await {
                    accepted.fetch_add(1, Ordering::Relaxed);
                }
                n += 1;
            }
        }));
    }
    for s in senders {
        s.await?;
    }
    let elapsed = window.elapsed().as_secs_f64();
    // Let what was sent arrive (bounded queues keep this short).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let delivered = shared.delivered.load(Ordering::Relaxed) - delivered_before;
    let server_cpu_seconds = cpu_seconds(server.pid()) - server_cpu_before;
    let server_cpu = server_cpu_seconds / elapsed;
    let events = accepted.load(Ordering::Relaxed);
    let fanout_after = fanout_histogram(&server.url).await;
    let fanout_us_per_event = match (fanout_before, fanout_after) {
        (Some((sum0, count0)), Some((sum1, count1))) if count1 > count0 => {
            (sum1 - sum0) / (count1 - count0) as f64 * 1e6
        }
        _ => f64::NAN,
    };
    let client_cpu = (cpu_seconds(std::process::id()) - client_cpu_before) / elapsed;
    let (rss, _) = server.memory_mib();
    shared.stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.abort();
    }
    Ok(Figures {
        idle_mib_per_1k: (idle - before) / options.sessions as f64 * 1000.0,
        connect_seconds,
        fanout_p50_ms: pick(0.5),
        fanout_p99_ms: pick(0.99),
        fanout_max_ms: fanouts.last().copied().unwrap_or(f64::NAN),
        deliveries_per_second: delivered as f64 / elapsed,
        p50_ms: shared.percentile_ms(0.5),
        p99_ms: shared.percentile_ms(0.99),
        p999_ms: shared.percentile_ms(0.999),
        server_cpu,
        client_cpu,
        rss_mib: rss,
        events,
        cpu_ms_per_event: if events > 0 { server_cpu_seconds / events as f64 * 1000.0 } else { f64::NAN },
        fanout_us_per_event,
    })
}

/// The sum (seconds) and count of Parley's `parley_gateway_fanout_seconds` histogram, from
/// its /metrics (served to loopback clients); `None` where there is none (the baseline).
async fn fanout_histogram(base: &str) -> Option<(f64, u64)> {
    let text = reqwest::get(format!("{base}/metrics")).await.ok()?.text().await.ok()?;
    let value =
        |series: &str| text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.trim().parse::<f64>().ok());
    Some((value("parley_gateway_fanout_seconds_sum")?, value("parley_gateway_fanout_seconds_count")? as u64))
}

fn shared_ready(shared: &Shared) -> u64 {
    shared.ready.load(Ordering::Relaxed)
}

/// People registered for a benchmark, all members of one guild.
pub struct Community {
    /// Their access tokens, the guild owner's first.
    pub tokens: Vec<String>,
    pub guild_id: String,
    pub general: String,
}

/// Registers `users` people, one guild they all join.
pub async fn community(client: &reqwest::Client, base: &str, users: usize) -> anyhow::Result<Community> {
    let api = format!("{base}/api/v10");
    let mut tokens = Vec::with_capacity(users);
    let registered = futures::stream::iter(0..users)
        .map(|i| {
            let (client, api) = (client.clone(), api.clone());
            async move {
                let body = json!({"username": format!("gw{i}"), "password": "benchmark password"});
                let response = client.post(format!("{api}/auth/register")).json(&body).send().await?;
                let body: Value = response.json().await?;
                body["access_token"].as_str().map(str::to_owned).context("registration failed")
            }
        })
        .buffered(16)
        .collect::<Vec<anyhow::Result<String>>>()
        .await;
    for token in registered {
        tokens.push(token?);
    }
    let guild: Value = client
        .post(format!("{api}/guilds"))
        .bearer_auth(&tokens[0])
        .json(&json!({"name": "Gateway bench"}))
        .send()
        .await?
        .json()
        .await?;
    let guild_id = guild["id"].as_str().context("no guild")?.to_owned();
    let channels: Value =
        client.get(format!("{api}/guilds/{guild_id}/channels")).bearer_auth(&tokens[0]).send().await?.json().await?;
    let general = channels
        .as_array()
        .and_then(|list| list.iter().find(|c| c["name"] == "general"))
        .and_then(|c| c["id"].as_str())
        .context("no #general")?
        .to_owned();
    let invite: Value = client
        .post(format!("{api}/channels/{general}/invites"))
        .bearer_auth(&tokens[0])
        .json(&json!({"max_age": 0, "max_uses": 0}))
        .send()
        .await?
        .json()
        .await?;
    let code = invite["code"].as_str().context("no invite")?.to_owned();
    let joined = futures::stream::iter(tokens[1..].iter().cloned())
        .map(|token| {
            let (client, url) = (client.clone(), format!("{api}/invites/{code}"));
            async move { client.post(url).bearer_auth(token).send().await.map(|r| r.status().is_success()) }
        })
        .buffered(16)
        .collect::<Vec<_>>()
        .await;
    if joined.iter().any(|j| !matches!(j, Ok(true))) {
        bail!("not everyone could join the guild");
    }
    Ok(Community { tokens, guild_id, general })
}

pub async fn run(options: &GatewayOptions) -> anyhow::Result<()> {
    let db = RunDatabase::create(options.backend, &options.postgres_url).await?;
    let result = compare(options, &db.url, db.dir.path()).await;
    db.finish().await?;
    result
}

async fn compare(options: &GatewayOptions, database_url: &str, data_dir: &std::path::Path) -> anyhow::Result<()> {
    let extra = [
        ("PARLEY_PASSWORD_HASH_MEMORY_KIB", "64"),
        ("PARLEY_PASSWORD_HASH_ITERATIONS", "1"),
        ("PARLEY_EVENT_BUS_CAPACITY", "65536"),
    ];
    let parley = Server::parley_with(&options.parley_bin, database_url, data_dir, &extra)?;
    let client = reqwest::Client::new();
    let Community { tokens, general, .. } = community(&client, &parley.url, options.users).await?;
    let identifies: Vec<String> = tokens
        .iter()
        .map(|t| json!({"op": 2, "d": {"token": t, "intents": 513, "properties": {"os": "linux", "browser": "bench", "device": "bench"}}}).to_string())
        .collect();
    let ws = |http: &str| format!("{}/gateway?v=10&encoding=json", http.replacen("http://", "ws://", 1));
    let parley_figures = measure(
        options,
        &parley,
        &ws(&parley.url),
        Some(Arc::new(identifies)),
        Sender::Parley { url: format!("{}/api/v10/channels/{general}/messages", parley.url), tokens: Arc::new(tokens) },
    )
    .await?;
    drop(parley);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let baseline = Server::ws_baseline()?;
    let baseline_figures = measure(
        options,
        &baseline,
        &ws(&baseline.url),
        None,
        Sender::Baseline { url: format!("{}/broadcast", baseline.url) },
    )
    .await?;
    report(options, &parley_figures, &baseline_figures);
    Ok(())
}

fn report(options: &GatewayOptions, p: &Figures, b: &Figures) {
    let ratio = |x: f64, y: f64| if y > 0.0 { format!("{:.2}", x / y) } else { "-".into() };
    println!(
        "\nGateway: {} sessions ({} users of one guild), {} REST senders for {} s, {} one-event probes",
        options.sessions,
        options.users,
        options.senders,
        options.duration.as_secs(),
        options.probes
    );
    println!("\n| Figure | Parley | Baseline | Ratio |\n|---|---:|---:|---:|");
    // One table row: the figure for each side with `digits` decimals, and their ratio.
    let row = |label: &str, digits: usize, x: f64, y: f64| {
        println!("| {label} | {x:.digits$} | {y:.digits$} | {} |", ratio(x, y));
    };
    row("idle memory per 1,000 sessions (MiB)", 1, p.idle_mib_per_1k, b.idle_mib_per_1k);
    row("time to connect (and identify) all sessions (s)", 1, p.connect_seconds, b.connect_seconds);
    row("one event to all sessions, p50 (ms)", 1, p.fanout_p50_ms, b.fanout_p50_ms);
    row("one event to all sessions, p99 (ms)", 1, p.fanout_p99_ms, b.fanout_p99_ms);
    row("one event to all sessions, max (ms)", 1, p.fanout_max_ms, b.fanout_max_ms);
    row("deliveries per second", 0, p.deliveries_per_second, b.deliveries_per_second);
    row("send-to-receive p50 (ms)", 1, p.p50_ms, b.p50_ms);
    row("send-to-receive p99 (ms)", 1, p.p99_ms, b.p99_ms);
    row("send-to-receive p99.9 (ms)", 1, p.p999_ms, b.p999_ms);
    row("server RSS after the load (MiB)", 0, p.rss_mib, b.rss_mib);
    row("messages sent during the load", 0, p.events as f64, b.events as f64);
    row("server CPU per message (ms)", 2, p.cpu_ms_per_event, b.cpu_ms_per_event);
    println!(
        "\nFan-out per event (Parley's parley_gateway_fanout_seconds, mean over the load): {:.0} µs.",
        p.fanout_us_per_event
    );
    println!(
        "\nCPU during the load (cores of 2; client and server share the machine): Parley server {:.2} + client {:.2}; baseline server {:.2} + client {:.2}.",
        p.server_cpu, p.client_cpu, b.server_cpu, b.client_cpu
    );
    println!("100,000 idle sessions at this rate: about {:.0} MiB of server memory.", p.idle_mib_per_1k * 100.0);
}
