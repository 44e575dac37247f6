//! Pushing log lines to Loki: `POST /loki/api/v1/push` with a snappy-compressed protobuf
//! `PushRequest`, one stream per level, labelled only `service="parley"` and `level` (labels
//! are an index; anything that varies per line belongs in the line).
//!
//! Bounded all the way: lines wait in a queue of [`QUEUE`] entries and are dropped (and
//! counted) when it is full; a batch that Loki refuses or cannot take is retried a few times,
//! then dropped. A slow or absent Loki never grows memory nor slows a request.
//!
//! DESIGN.md names `tracing-loki` for this. It was tried: its send queue has no limit
//! (`SendQueue::push`, "TODO: Add limit" in 0.2.7), which breaks our bounded-buffer rule
//! during a Loki outage, and its lines cannot carry the OpenTelemetry trace id.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use anyhow::bail;
use prost::Message;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::Level;

/// Lines waiting to be pushed; beyond this they are dropped.
pub const QUEUE: usize = 8192;
/// Lines per push at most.
const BATCH: usize = 1000;
/// How long a line may wait for companions before its batch is pushed.
const LINGER: Duration = Duration::from_secs(1);
/// Attempts per batch (with 0.5 s, 1 s, 2 s between them) before it is dropped.
const ATTEMPTS: u32 = 4;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The loggers' end: never blocks.
#[derive(Clone)]
pub struct Sender {
    queue: mpsc::Sender<Line>,
    dropped: Arc<AtomicU64>,
}

impl Sender {
    pub fn send(&self, level: Level, at: SystemTime, text: String) {
        if self.queue.try_send(Line { level, at, text }).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

struct Line {
    level: Level,
    at: SystemTime,
    text: String,
}

/// The pushing end: created with the subscriber, started on the runtime, stopped last.
pub struct Shipper {
    push_url: String,
    queue: Option<mpsc::Receiver<Line>>,
    dropped: Arc<AtomicU64>,
    stop: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl Shipper {
    pub fn new(base_url: &str) -> anyhow::Result<(Self, Sender)> {
        if !base_url.starts_with("http://") {
            bail!("loki_url must be an http:// URL (push to a local Loki or agent that forwards over TLS)");
        }
        let (queue, receiver) = mpsc::channel(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let shipper = Self {
            push_url: format!("{}/loki/api/v1/push", base_url.trim_end_matches('/')),
            queue: Some(receiver),
            dropped: dropped.clone(),
            stop: CancellationToken::new(),
            task: None,
        };
        Ok((shipper, Sender { queue, dropped }))
    }

    pub fn start(&mut self, runtime: &tokio::runtime::Handle) {
        if let Some(queue) = self.queue.take() {
            let client = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().expect("an HTTP client builds");
            let run = run(client, self.push_url.clone(), queue, self.dropped.clone(), self.stop.clone());
            self.task = Some(runtime.spawn(run));
        }
    }

    /// Pushes what is queued, for at most `timeout`, then stops.
    pub async fn stop(self, timeout: Duration) {
        self.stop.cancel();
        if let Some(task) = self.task
            && tokio::time::timeout(timeout, task).await.is_err()
        {
            eprintln!("warning: log lines still queued for Loki after {timeout:?} were dropped at shutdown");
        }
    }
}

async fn run(
    client: reqwest::Client,
    url: String,
    mut queue: mpsc::Receiver<Line>,
    dropped: Arc<AtomicU64>,
    stop: CancellationToken,
) {
    let mut batch: Vec<Line> = Vec::with_capacity(BATCH);
    let mut reported_drops = 0;
    loop {
        let deadline = tokio::time::sleep(LINGER);
        tokio::pin!(deadline);
        // Gather until the batch is full, the linger time is up, or we are asked to stop.
        let stopping = loop {
            tokio::select! {
                () = stop.cancelled() => break true,
                () = &mut deadline => break false,
                line = queue.recv() => match line {
                    Some(line) => {
                        batch.push(line);
                        if batch.len() >= BATCH {
                            break false;
                        }
                    }
                    None => break true,
                },
            }
        };
        if stopping {
            // Whatever is still queued goes out in the last batches.
            while let Ok(line) = queue.try_recv() {
                batch.push(line);
                if batch.len() >= BATCH {
                    push(&client, &url, &mut batch, &dropped, None).await;
                }
            }
            push(&client, &url, &mut batch, &dropped, None).await;
            return;
        }
        push(&client, &url, &mut batch, &dropped, Some(&stop)).await;
        let now_dropped = dropped.load(Ordering::Relaxed);
        if now_dropped > reported_drops {
            tracing::warn!(
                dropped = now_dropped - reported_drops,
                "log lines were not delivered to Loki (queue full or Loki unreachable; setting loki_url)"
            );
            reported_drops = now_dropped;
        }
    }
}

/// Pushes and empties `batch`, retrying on failure unless `stop` fires (at shutdown, once).
async fn push(
    client: &reqwest::Client,
    url: &str,
    batch: &mut Vec<Line>,
    dropped: &AtomicU64,
    stop: Option<&CancellationToken>,
) {
    if batch.is_empty() {
        return;
    }
    let body = encode(batch);
    let attempts = if stop.is_some() { ATTEMPTS } else { 1 };
    let mut wait = Duration::from_millis(500);
    for attempt in 1..=attempts {
        let result = client
            .post(url)
            .header("content-type", "application/x-protobuf")
            .body(body.clone())
            .send()
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| if r.status().is_success() { Ok(()) } else { Err(format!("Loki answered {}", r.status())) });
        match result {
            Ok(()) => {
                batch.clear();
                return;
            }
            Err(e) if attempt == attempts => {
                eprintln!("warning: {} log lines could not be pushed to Loki at {url}: {e}", batch.len());
            }
            Err(_) => {
                let Some(stop) = stop else { break };
                tokio::select! {
                    () = stop.cancelled() => break,
                    () = tokio::time::sleep(wait) => wait *= 2,
                }
            }
        }
    }
    dropped.fetch_add(batch.len() as u64, Ordering::Relaxed);
    batch.clear();
}

/// The snappy-compressed (block format) protobuf body of one push: a stream per level.
fn encode(batch: &[Line]) -> Vec<u8> {
    let mut streams: Vec<(Level, proto::Stream)> = Vec::new();
    for line in batch {
        let entry = proto::Entry { timestamp: Some(prost_types::Timestamp::from(line.at)), line: line.text.clone() };
        match streams.iter_mut().find(|(level, _)| *level == line.level) {
            Some((_, stream)) => stream.entries.push(entry),
            None => {
                let labels = format!("{{service=\"parley\", level=\"{}\"}}", line.level.as_str().to_ascii_lowercase());
                streams.push((line.level, proto::Stream { labels, entries: vec![entry], hash: 0 }));
            }
        }
    }
    let request = proto::PushRequest { streams: streams.into_iter().map(|(_, stream)| stream).collect() };
    snap::raw::Encoder::new().compress_vec(&request.encode_to_vec()).expect("snappy compresses any input")
}

/// The messages of Loki's `push.proto` (package logproto) that a push needs.
mod proto {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct PushRequest {
        #[prost(message, repeated, tag = "1")]
        pub streams: Vec<Stream>,
    }

    /// `StreamAdapter`: a label set and its entries, oldest first.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Stream {
        #[prost(string, tag = "1")]
        pub labels: String,
        #[prost(message, repeated, tag = "2")]
        pub entries: Vec<Entry>,
        #[prost(uint64, tag = "3")]
        pub hash: u64,
    }

    /// `EntryAdapter`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Entry {
        #[prost(message, optional, tag = "1")]
        pub timestamp: Option<prost_types::Timestamp>,
        #[prost(string, tag = "2")]
        pub line: String,
    }
}
