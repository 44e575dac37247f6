//! Probes for orchestrators: `/health` (the process is alive) and `/ready` (it can serve:
//! the database answers and its schema is the one this build needs), and `/metrics` for
//! Prometheus.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use parley_store::migrations::schema_status;
use serde_json::{Value, json};

use crate::AppState;
use crate::extract::Json;

/// The probes, with `/metrics` unless it is served on its own address.
pub fn router(with_metrics: bool) -> Router<AppState> {
    let router = Router::new().route("/health", get(health)).route("/ready", get(ready));
    if with_metrics { router.route("/metrics", get(metrics)) } else { router }
}

/// `/metrics` alone, for the separate metrics listener (`metrics_bind`).
pub fn metrics_router(state: AppState) -> Router {
    Router::new().route("/metrics", get(metrics)).with_state(state)
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let database = match state.store.ping().await {
        Ok(()) => "ok".to_owned(),
        Err(e) => format!("unreachable: {e}"),
    };
    let schema = match schema_status(&state.store).await {
        Ok(s) if s.is_current() => "current".to_owned(),
        Ok(s) => format!("at version {:?}, need {}", s.applied, s.required),
        Err(e) => format!("unknown: {e}"),
    };
    let ready = database == "ok" && schema == "current";
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (
        status,
        Json(json!({ "status": if ready { "ready" } else { "not_ready" }, "database": database, "schema": schema })),
    )
}

async fn metrics(State(state): State<AppState>) -> ([(&'static str, &'static str); 1], String) {
    state.metrics.database.observe(&state.store.pool_stats());
    ([("content-type", "text/plain; version=0.0.4")], state.metrics.render())
}
