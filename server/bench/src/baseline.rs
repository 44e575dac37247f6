//! The baseline: what the same HTTP stack does with no auth, validation or storage. It
//! answers the same routes with bodies of the same shape, so a ratio against it isolates
//! what Parley's own work costs.

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use serde_json::{Value, json};

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

pub async fn serve() -> anyhow::Result<()> {
    let app = Router::new()
        .route("/api/v10/users/@me", get(me))
        .route("/api/v10/auth/refresh", post(refresh))
        .route("/api/v10/channels/{channel_id}/messages", post(send).get(history));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("Baseline is running at http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
