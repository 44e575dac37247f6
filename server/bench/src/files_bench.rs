//! Large files: N people each send a message with one file of M MiB at the same moment
//! (multipart, as Discord's libraries send it, streamed: the client never holds a file
//! either), then all download their files at once through the signed links. The baseline is a
//! plain axum handler that streams the same bodies to disk and back, with nothing else to do.
//! Reported: throughput in MiB/s, each file's time (p50 / p99 / worst), and server memory
//! idle and at its peak. Parley streams through its sniffer and image scrubber into storage,
//! so its peak should stay near its idle memory whatever the file size.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use futures::StreamExt;
use serde_json::Value;

use crate::Backend;
use crate::scenarios::{guild_for, register_users};
use crate::servers::{RunDatabase, Server};

pub struct FilesOptions {
    pub backend: Backend,
    /// Files sent (and then downloaded) at once, one per person.
    pub uploads: usize,
    pub size_mib: u64,
    pub parley_bin: PathBuf,
    pub postgres_url: String,
}

const BOUNDARY: &str = "parley-bench-boundary";
/// The body is sent in pieces of this size (what a client's socket writes at a time).
const PIECE: usize = 64 * 1024;
static PIECE_BYTES: [u8; PIECE] = [b'Z'; PIECE];

/// One round of transfers: each file's time, and the round's wall time.
struct Round {
    times: Vec<Duration>,
    wall: Duration,
    bytes: u64,
}

impl Round {
    fn mib_per_second(&self) -> f64 {
        self.bytes as f64 / (1024.0 * 1024.0) / self.wall.as_secs_f64()
    }
    fn seconds(&self, q: f64) -> f64 {
        let index = ((self.times.len().saturating_sub(1)) as f64 * q).round() as usize;
        self.times.get(index).map_or(f64::NAN, Duration::as_secs_f64)
    }
}

/// A multipart body of `size` bytes of file, produced as it is sent.
fn form_body(size: u64) -> reqwest::Body {
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"payload_json\"\r\nContent-Type: application/json\r\n\r\n{{\"content\":\"a large file\"}}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"large.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    );
    let tail = format!("\r\n--{BOUNDARY}--\r\n");
    let pieces = size / PIECE as u64;
    let last = (size % PIECE as u64) as usize;
    let file = futures::stream::iter(0..pieces)
        .map(|_| Bytes::from_static(&PIECE_BYTES))
        .chain(futures::stream::iter((last > 0).then(|| Bytes::from_static(&PIECE_BYTES[..last]))));
    let stream = futures::stream::once(async move { Bytes::from(head) })
        .chain(file)
        .chain(futures::stream::once(async move { Bytes::from(tail) }))
        .map(Ok::<_, std::io::Error>);
    reqwest::Body::wrap_stream(stream)
}

/// `size` bytes, produced as they are sent (what the baseline takes: the bytes alone).
fn raw_body(size: u64) -> reqwest::Body {
    let pieces = size / PIECE as u64;
    let last = (size % PIECE as u64) as usize;
    let stream = futures::stream::iter(0..pieces)
        .map(|_| Bytes::from_static(&PIECE_BYTES))
        .chain(futures::stream::iter((last > 0).then(|| Bytes::from_static(&PIECE_BYTES[..last]))))
        .map(Ok::<_, std::io::Error>);
    reqwest::Body::wrap_stream(stream)
}

/// Runs `transfer(i)` for every file at once; each returns the bytes it moved.
async fn round<F, Fut>(count: usize, transfer: F) -> anyhow::Result<Round>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = anyhow::Result<u64>> + Send + 'static,
{
    let start = Instant::now();
    let tasks: Vec<_> = (0..count)
        .map(|i| {
            let work = transfer(i);
            tokio::spawn(async move {
                let sent = Instant::now();
                work.await.map(|bytes| (sent.elapsed(), bytes))
            })
        })
        .collect();
    let mut times = Vec::with_capacity(count);
    let mut bytes = 0;
    for task in tasks {
        let (time, moved) = task.await.context("transfer task")??;
        times.push(time);
        bytes += moved;
    }
    times.sort_unstable();
    Ok(Round { times, wall: start.elapsed(), bytes })
}

/// Reads a download to its end; the bytes read.
async fn drain(response: reqwest::Response) -> anyhow::Result<u64> {
    if !response.status().is_success() {
        bail!("a download answered {}", response.status());
    }
    let mut body = response.bytes_stream();
    let mut read = 0;
    while let Some(chunk) = body.next().await {
        read += chunk?.len() as u64;
    }
    Ok(read)
}

pub async fn run(options: &FilesOptions) -> anyhow::Result<()> {
    let db = RunDatabase::create(options.backend, &options.postgres_url).await?;
    let outcome = measure(options, &db.url, db.dir.path()).await;
    db.finish().await?;
    outcome
}

async fn measure(options: &FilesOptions, database_url: &str, data_dir: &std::path::Path) -> anyhow::Result<()> {
    let limit = options.size_mib.max(1).to_string();
    let settings = [("PARLEY_FILES_MAX_UPLOAD_MIB", limit.as_str()), ("PARLEY_FILES_USER_QUOTA_MIB", "0")];
    let parley = Server::parley_with(&options.parley_bin, database_url, data_dir, &settings)?;
    let baseline = Server::baseline()?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(options.uploads).build()?;
    let users = register_users(&client, &parley.url, options.uploads).await?;
    let general = guild_for(&client, &parley.url, &users).await?;
    let tokens: Vec<String> = users.iter().map(|u| u["access_token"].as_str().unwrap_or_default().to_owned()).collect();
    let size = options.size_mib * 1024 * 1024;
    let (idle_parley, _) = parley.memory_mib();
    let (idle_baseline, _) = baseline.memory_mib();

    // Uploads: Parley's message route, and the baseline's handler.
    let (links_tx, links_rx) = std::sync::mpsc::channel::<(usize, String)>();
    let parley_up = round(options.uploads, |i| {
        let (client, token, links) = (client.clone(), tokens[i].clone(), links_tx.clone());
        let url = format!("{}/api/v10/channels/{general}/messages", parley.url);
        let base = parley.url.clone();
        async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
                .body(form_body(size))
                .send()
                .await?;
            let status = response.status();
            let sent: Value = response.json().await?;
            if !status.is_success() {
                bail!("an upload answered {status}: {sent}");
            }
            // The link names the public URL; here it is this server.
            let url = sent["attachments"][0]["url"].as_str().context("no attachment url")?;
            let path = &url[url.find("/attachments/").context("not an attachment url")?..];
            links.send((i, format!("{base}{path}")))?;
            Ok(sent["attachments"][0]["size"].as_u64().unwrap_or(0))
        }
    })
    .await?;
    drop(links_tx);
    let baseline_up = round(options.uploads, |i| {
        let (client, url) = (client.clone(), format!("{}/upload/{i}", baseline.url));
        async move {
            let response = client.post(url).body(raw_body(size)).send().await?;
            if !response.status().is_success() {
                bail!("a baseline upload answered {}", response.status());
            }
            Ok(response.text().await?.trim().parse()?)
        }
    })
    .await?;

    // Downloads, all at once.
    let mut links: Vec<(usize, String)> = links_rx.iter().collect();
    links.sort();
    let parley_down = round(links.len(), |i| {
        let (client, url) = (client.clone(), links[i].1.clone());
        async move { drain(client.get(url).send().await?).await }
    })
    .await?;
    let baseline_down = round(options.uploads, |i| {
        let (client, url) = (client.clone(), format!("{}/download/{i}", baseline.url));
        async move { drain(client.get(url).send().await?).await }
    })
    .await?;

    let (_, peak_parley) = parley.memory_mib();
    let (_, peak_baseline) = baseline.memory_mib();
    crate::baseline::remove_files(baseline.pid());
    println!(
        "\nFiles: {} people each send one file of {} MiB at once, then download them at once (Parley on {}; {} cores)\n",
        options.uploads,
        options.size_mib,
        match options.backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        },
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "| Transfer | Parley MiB/s | Baseline MiB/s | Ratio | Parley per file p50 / p99 / worst s | Baseline per file p50 / p99 / worst s |"
    );
    println!("|---|---:|---:|---:|---|---|");
    for (name, p, b) in [
        ("upload (multipart send)", &parley_up, &baseline_up),
        ("download (signed link)", &parley_down, &baseline_down),
    ] {
        println!(
            "| {name} | {:.0} | {:.0} | {:.2} | {:.2} / {:.2} / {:.2} | {:.2} / {:.2} / {:.2} |",
            p.mib_per_second(),
            b.mib_per_second(),
            p.mib_per_second() / b.mib_per_second(),
            p.seconds(0.5),
            p.seconds(0.99),
            p.seconds(1.0),
            b.seconds(0.5),
            b.seconds(0.99),
            b.seconds(1.0),
        );
    }
    println!(
        "\n| Memory (RSS) | Parley MiB | Baseline MiB | Ratio |\n|---|---:|---:|---:|\n| idle, after setup | {idle_parley:.1} | {idle_baseline:.1} | {:.2} |\n| peak | {peak_parley:.1} | {peak_baseline:.1} | {:.2} |\n| peak less idle | {:.1} | {:.1} | |",
        idle_parley / idle_baseline,
        peak_parley / peak_baseline,
        peak_parley - idle_parley,
        peak_baseline - idle_baseline,
    );
    let total = size * options.uploads as u64;
    for (name, round) in [
        ("Parley's uploads", &parley_up),
        ("Parley's downloads", &parley_down),
        ("the baseline's uploads", &baseline_up),
        ("the baseline's downloads", &baseline_down),
    ] {
        if round.bytes != total {
            bail!("{name} moved {} bytes, not {total}", round.bytes);
        }
    }
    Ok(())
}
