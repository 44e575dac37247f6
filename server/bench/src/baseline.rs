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

async fn refresh(axum::Json(body): axum::Json<Value>) -> axum::Json<Value> {
    let token = body["refresh_token"].as_str().unwrap_or_default().to_owned();
    axum::Json(json!({"access_token": token, "refresh_token": token, "user": user()}))
}

pub async fn serve() -> anyhow::Result<()> {
    let app = Router::new().route("/api/v10/users/@me", get(me)).route("/api/v10/auth/refresh", post(refresh));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("Baseline is running at http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
