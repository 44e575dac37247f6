//! What is measured, each against its baseline in the same run:
//!
//! - `GET /users/@me`: an authenticated read (token check, session check, user lookup)
//!   against the baseline's unauthenticated answer of the same shape.
//! - `POST /auth/refresh`: the write path (spend one token, store the next, in a
//!   transaction) against the baseline's JSON echo.
//! - `POST /auth/login`: dominated by Argon2id by design; its baseline is the raw rate of
//!   Argon2id verifications with the same parameters and concurrency, in this process.
//! - `POST /channels/{id}/messages`: every client a member of one guild, all sending to
//!   #general (permission check, insert, event) against the baseline's same-shaped answer.
//! - `GET /channels/{id}/messages?limit=100`: a full history page against a baseline page of
//!   100 same-shaped messages.
//! - `POST /auth/login` with a wrong password for an existing account, against the same for a
//!   name that has no account: both must cost the same (one Argon2id check each, and one
//!   write), or the time would tell who has an account. The ratio should be 1.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::Backend;
use crate::load::{self, Stats};
use crate::servers::{RunDatabase, Server};

pub struct Options {
    pub backend: Backend,
    pub duration: Duration,
    pub concurrency: usize,
    pub parley_bin: PathBuf,
    pub postgres_url: String,
}

struct Row {
    name: &'static str,
    parley: Stats,
    baseline: Stats,
}

/// Parley's default password hashing: Argon2id, 19 MiB, 2 passes, 2 at a time.
const HASH_MEMORY_KIB: u32 = 19_456;
const HASH_ITERATIONS: u32 = 2;
const HASH_CONCURRENCY: usize = 2;

pub async fn run_all(options: &Options) -> anyhow::Result<()> {
    let db = RunDatabase::create(options.backend, &options.postgres_url).await?;
    let result = measure(options, &db.url, db.dir.path()).await;
    db.finish().await?;
    result
}

async fn measure(options: &Options, database_url: &str, data_dir: &std::path::Path) -> anyhow::Result<()> {
    let parley = Server::parley(&options.parley_bin, database_url, data_dir)?;
    let baseline = Server::baseline()?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(options.concurrency).build()?;
    let users = register_users(&client, &parley.url, options.concurrency).await?;
    let (idle_parley, _) = parley.memory_mib();
    let (idle_baseline, _) = baseline.memory_mib();
    let mut rows = Vec::new();

    // Authenticated read.
    let tokens: Arc<Vec<String>> =
        Arc::new(users.iter().map(|u| u["access_token"].as_str().unwrap_or_default().to_owned()).collect());
    let read = |base: String| {
        let (client, tokens) = (client.clone(), tokens.clone());
        move |i: usize| {
            let (client, tokens, url) = (client.clone(), tokens.clone(), format!("{base}/api/v10/users/@me"));
            async move { matches!(client.get(url).bearer_auth(&tokens[i]).send().await, Ok(r) if r.status().is_success()) }
        }
    };
    let parley_read = load::run(options.concurrency, options.duration, read(parley.url.clone())).await;
    let baseline_read = load::run(options.concurrency, options.duration, read(baseline.url.clone())).await;
    rows.push(Row { name: "GET /users/@me", parley: parley_read, baseline: baseline_read });

    // Token refresh: each client walks its own chain of refresh tokens.
    let chains: Arc<Vec<Mutex<String>>> = Arc::new(
        users.iter().map(|u| Mutex::new(u["refresh_token"].as_str().unwrap_or_default().to_owned())).collect(),
    );
    let refresh = |base: String| {
        let (client, chains) = (client.clone(), chains.clone());
        move |i: usize| {
            let (client, chains, url) = (client.clone(), chains.clone(), format!("{base}/api/v10/auth/refresh"));
            async move {
                let mut token = chains[i].lock().await;
                let Ok(response) = client.post(url).json(&json!({"refresh_token": *token})).send().await else {
                    return false;
                };
                if !response.status().is_success() {
                    return false;
                }
                match response.json::<Value>().await {
                    Ok(body) => {
                        *token = body["refresh_token"].as_str().unwrap_or_default().to_owned();
                        true
                    }
                    Err(_) => false,
                }
            }
        }
    };
    let parley_refresh = load::run(options.concurrency, options.duration, refresh(parley.url.clone())).await;
    let baseline_refresh = load::run(options.concurrency, options.duration, refresh(baseline.url.clone())).await;
    rows.push(Row { name: "POST /auth/refresh", parley: parley_refresh, baseline: baseline_refresh });

    // Messages: everyone joins one guild and talks in #general.
    let general = guild_for(&client, &parley.url, &users).await?;
    let send = |base: String, channel: String| {
        let (client, tokens) = (client.clone(), tokens.clone());
        move |i: usize| {
            let (client, tokens, url) =
                (client.clone(), tokens.clone(), format!("{base}/api/v10/channels/{channel}/messages"));
            async move {
                let body = json!({"content": "a message of about the usual length, for the benchmark"});
                matches!(client.post(url).bearer_auth(&tokens[i]).json(&body).send().await, Ok(r) if r.status().is_success())
            }
        }
    };
    let parley_send = load::run(options.concurrency, options.duration, send(parley.url.clone(), general.clone())).await;
    let baseline_send =
        load::run(options.concurrency, options.duration, send(baseline.url.clone(), general.clone())).await;
    rows.push(Row { name: "POST /channels/{id}/messages", parley: parley_send, baseline: baseline_send });
    let read = |base: String, channel: String| {
        let (client, tokens) = (client.clone(), tokens.clone());
        move |i: usize| {
            let (client, tokens, url) =
                (client.clone(), tokens.clone(), format!("{base}/api/v10/channels/{channel}/messages?limit=100"));
            async move {
                match client.get(url).bearer_auth(&tokens[i]).send().await {
                    Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                    _ => false,
                }
            }
        }
    };
    let parley_history =
        load::run(options.concurrency, options.duration, read(parley.url.clone(), general.clone())).await;
    let baseline_history = load::run(options.concurrency, options.duration, read(baseline.url.clone(), general)).await;
    rows.push(Row {
        name: "GET /channels/{id}/messages?limit=100",
        parley: parley_history,
        baseline: baseline_history,
    });

    // Password login against raw Argon2id.
    let login = {
        let (client, url) = (client.clone(), format!("{}/api/v10/auth/login", parley.url));
        move |i: usize| {
            let (client, url) = (client.clone(), url.clone());
            async move {
                let body = json!({"login": format!("bench{i}"), "password": password(i)});
                matches!(client.post(url).json(&body).send().await, Ok(r) if r.status().is_success())
            }
        }
    };
    let parley_login = load::run(options.concurrency, options.duration, login).await;
    let argon_baseline = argon2_rate(options.duration).await?;
    rows.push(Row { name: "POST /auth/login", parley: parley_login, baseline: argon_baseline });

    // Failed logins: an existing account against a name with no account. Both are answered
    // with the same 400 (and, after the lockout threshold, the same 403).
    let failed = |known: bool| {
        let (client, url) = (client.clone(), format!("{}/api/v10/auth/login", parley.url));
        move |i: usize| {
            let (client, url) = (client.clone(), url.clone());
            let login = if known { format!("bench{i}") } else { format!("nobody{i}") };
            async move {
                let body = json!({"login": login, "password": "not the password"});
                matches!(client.post(url).json(&body).send().await, Ok(r) if r.status() == 400 || r.status() == 403)
            }
        }
    };
    // Both at once, half the clients each, so they share the machine's state exactly.
    let half = (options.concurrency / 2).max(1);
    let (known_failed, unknown_failed) =
        tokio::join!(load::run(half, options.duration, failed(true)), load::run(half, options.duration, failed(false)));
    rows.push(Row {
        name: "POST /auth/login, wrong password: an account (baseline: a name with none)",
        parley: known_failed,
        baseline: unknown_failed,
    });

    let (_, peak_parley) = parley.memory_mib();
    let (_, peak_baseline) = baseline.memory_mib();
    print_report(options, &rows, (idle_parley, peak_parley), (idle_baseline, peak_baseline));
    for row in &rows {
        if row.parley.errors > 0 {
            bail!("{}: {} requests failed", row.name, row.parley.errors);
        }
    }
    Ok(())
}

fn password(i: usize) -> String {
    format!("benchmark password {i}")
}

pub(crate) async fn register_users(client: &reqwest::Client, base: &str, count: usize) -> anyhow::Result<Vec<Value>> {
    let mut users = Vec::with_capacity(count);
    for i in 0..count {
        let response = client
            .post(format!("{base}/api/v10/auth/register"))
            .json(&json!({"username": format!("bench{i}"), "password": password(i)}))
            .send()
            .await
            .context("registering a benchmark user")?;
        if !response.status().is_success() {
            bail!("registering bench{i} failed: {}", response.text().await.unwrap_or_default());
        }
        users.push(response.json().await?);
    }
    Ok(users)
}

/// A guild owned by the first user with every other user joined by invite; returns the id
/// of its #general.
pub(crate) async fn guild_for(client: &reqwest::Client, base: &str, users: &[Value]) -> anyhow::Result<String> {
    let token = |u: &Value| u["access_token"].as_str().unwrap_or_default().to_owned();
    let owner = token(&users[0]);
    let guild: Value = client
        .post(format!("{base}/api/v10/guilds"))
        .bearer_auth(&owner)
        .json(&json!({"name": "Bench"}))
        .send()
        .await?
        .json()
        .await?;
    let guild_id = guild["id"].as_str().context("guild creation failed")?.to_owned();
    let channels: Value = client
        .get(format!("{base}/api/v10/guilds/{guild_id}/channels"))
        .bearer_auth(&owner)
        .send()
        .await?
        .json()
        .await?;
    let general = channels
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["name"] == "general"))
        .and_then(|c| c["id"].as_str())
        .context("no #general")?
        .to_owned();
    let invite: Value = client
        .post(format!("{base}/api/v10/channels/{general}/invites"))
        .bearer_auth(&owner)
        .json(&json!({"max_age": 0}))
        .send()
        .await?
        .json()
        .await?;
    let code = invite["code"].as_str().context("invite creation failed")?;
    for user in &users[1..] {
        let joined = client.post(format!("{base}/api/v10/invites/{code}")).bearer_auth(token(user)).send().await?;
        if !joined.status().is_success() {
            bail!("joining the bench guild failed: {}", joined.text().await.unwrap_or_default());
        }
    }
    Ok(general)
}

/// Argon2id verifications per second, `HASH_CONCURRENCY` at a time, as Parley runs them.
async fn argon2_rate(duration: Duration) -> anyhow::Result<Stats> {
    let params = argon2::Params::new(HASH_MEMORY_KIB, HASH_ITERATIONS, 1, None).map_err(|e| anyhow::anyhow!("{e}"))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let hash = Arc::new(argon.hash_password(b"benchmark password").map_err(|e| anyhow::anyhow!("{e}"))?.to_string());
    let argon = Arc::new(argon);
    Ok(load::run(HASH_CONCURRENCY, duration, move |_| {
        let (argon, hash) = (argon.clone(), hash.clone());
        async move {
            tokio::task::spawn_blocking(move || {
                let parsed = PasswordHash::new(&hash).expect("hash parses");
                argon.verify_password(b"benchmark password", &parsed).is_ok()
            })
            .await
            .unwrap_or(false)
        }
    })
    .await)
}

fn print_report(options: &Options, rows: &[Row], parley_mem: (f64, f64), baseline_mem: (f64, f64)) {
    println!(
        "\nParley {} backend, {} clients, {} s per measurement, {} cores\n",
        match options.backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        },
        options.concurrency,
        options.duration.as_secs(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "| Scenario | Parley req/s | Baseline req/s | Ratio | Parley p50 / p99 / p99.9 ms | Baseline p50 / p99 / p99.9 ms |"
    );
    println!("|---|---:|---:|---:|---|---|");
    for row in rows {
        let p = &row.parley;
        let b = &row.baseline;
        println!(
            "| {} | {:.0} | {:.0} | {:.2} | {:.2} / {:.2} / {:.2} | {:.2} / {:.2} / {:.2} |",
            row.name,
            p.throughput(),
            b.throughput(),
            p.throughput() / b.throughput(),
            p.percentile_ms(0.5),
            p.percentile_ms(0.99),
            p.percentile_ms(0.999),
            b.percentile_ms(0.5),
            b.percentile_ms(0.99),
            b.percentile_ms(0.999),
        );
    }
    println!(
        "\n| Memory (RSS) | Parley MiB | Baseline MiB | Ratio |\n|---|---:|---:|---:|\n| idle, after setup | {:.1} | {:.1} | {:.2} |\n| peak | {:.1} | {:.1} | {:.2} |",
        parley_mem.0,
        baseline_mem.0,
        parley_mem.0 / baseline_mem.0,
        parley_mem.1,
        baseline_mem.1,
        parley_mem.1 / baseline_mem.1
    );
    println!("\nThe login baseline is raw Argon2id verification (19 MiB, 2 passes, 2 at a time) in the bench process.");
    println!(
        "The failed-login row compares an existing account with a name that has none, both in Parley: a ratio near 1 (throughput and percentiles) means the time does not tell them apart."
    );
}
