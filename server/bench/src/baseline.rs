//! The baseline: what the same HTTP stack does with no auth, validation or storage. It
//! answers the same routes with bodies of the same shape, so a ratio against it isolates
//! what Parley's own work costs; for files, a plain handler that streams a body to disk and
//! back.

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn user() -> Value {
    json!({
        "id": "1574419847981301760", "username": "bench", "discriminator": "0", "global_name": null,
        "avatar": null, "bot": false, "system": false, "mfa_enabled": false, "verified": false,
        "email": null, "flags": 0, "public_flags": 0, "premium_type": 0, "locale": "en-US", "instance_admin": false
    })
}

async fn me(headers: HeaderMap) -> axum::Json<Value> {
    // Read the header as Parley must, but trust it.
    let _token = headers.get("authorization").map(|v| v.len());
    axum::Json(user())
}

fn message(id: u64, content: &str) -> Value {
    json!({
        "id": id.to_string(), "channel_id": "1574419847981301761", "guild_id": "1574419847981301762",
        "author": {"id": "1574419847981301760", "username": "bench", "discriminator": "0", "global_name": null, "avatar": null, "bot": false},
        "content": content, "timestamp": "2026-11-23T14:00:00.000Z", "edited_timestamp": null, "tts": false,
        "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
        "pinned": false, "type": 0
    })
}

async fn send(axum::Json(body): axum::Json<Value>) -> axum::Json<Value> {
    axum::Json(message(1, body["content"].as_str().unwrap_or_default()))
}

async fn history() -> axum::Json<Value> {
    axum::Json(Value::Array((0..100).map(|i| message(i, "a message of about the usual length, for history")).collect()))
}

async fn refresh(axum::Json(body): axum::Json<Value>) -> axum::Json<Value> {
    let token = body["refresh_token"].as_str().unwrap_or_default().to_owned();
    axum::Json(json!({"access_token": token, "refresh_token": token, "user": user()}))
}

/// Where the baseline keeps upload `n` (the benchmark removes them with [`remove_files`]).
fn upload_path(pid: u32, n: usize) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("parley-bench-baseline-{pid}-{n}"))
}

/// Streams a request body to a file, flushed to disk as Parley's local storage does; answers
/// the bytes written.
async fn upload(Path(n): Path<usize>, body: Body) -> Result<String, StatusCode> {
    let fail = |_| StatusCode::INTERNAL_SERVER_ERROR;
    let mut file = tokio::fs::File::create(upload_path(std::process::id(), n)).await.map_err(fail)?;
    let mut stream = body.into_data_stream();
    let mut written = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| StatusCode::BAD_REQUEST)?;
        file.write_all(&chunk).await.map_err(fail)?;
        written += chunk.len();
    }
    file.sync_all().await.map_err(fail)?;
    Ok(written.to_string())
}

/// Streams upload `n` back.
async fn download(Path(n): Path<usize>) -> Result<Body, StatusCode> {
    let file = tokio::fs::File::open(upload_path(std::process::id(), n)).await.map_err(|_| StatusCode::NOT_FOUND)?;
    let chunks = futures::stream::unfold(file, |mut file| async move {
        let mut buffer = vec![0u8; 64 * 1024];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from(buffer)), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    });
    Ok(Body::from_stream(chunks))
}

/// Removes what the baseline server `pid` stored.
pub fn remove_files(pid: u32) {
    let prefix = format!("parley-bench-baseline-{pid}-");
    for entry in std::fs::read_dir(std::env::temp_dir()).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

pub async fn serve() -> anyhow::Result<()> {
    let app = Router::new()
        .route("/upload/{n}", post(upload))
        .route("/download/{n}", get(download))
        .route("/api/v10/users/@me", get(me))
        .route("/api/v10/auth/refresh", post(refresh))
        .route("/api/v10/channels/{channel_id}/messages", post(send).get(history))
        .layer(DefaultBodyLimit::disable());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("Baseline is running at http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
