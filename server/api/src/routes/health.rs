//! Probes for orchestrators: `/health` (the process is alive) and `/ready` (it can serve:
//! the database answers and its schema is one this build runs on; with Redis it also
//! reports the shared event log's link and backlog, in the parts only clients on this
//! machine see), and `/metrics` for Prometheus.
//!
//! `/metrics` tells a lot about an instance (its users, rooms, rates), so on the main port
//! it answers only clients on this machine that no proxy forwarded (a Prometheus beside
//! Parley); anyone else gets 404, as for any path that is not there. Deployments whose
//! Prometheus is elsewhere set `metrics_bind` and scrape that listener instead (the compose
//! bundle and the Helm chart do).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use parley_app::AppState;
use parley_app::auth::bootstrap::came_through_a_proxy;
use parley_store::migrations::schema_status;
use serde_json::{Value, json};

use crate::extract::Json;

/// The probes, with `/metrics` (for local clients only) unless it is served on its own
/// address.
pub fn router(with_metrics: bool) -> Router<AppState> {
    let router = Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .layer(axum::Extension(Arc::new(ReadyChecks::default())));
    if with_metrics { router.route("/metrics", get(local_metrics)) } else { router }
}

/// One readiness check at a time, shared: requests that arrive while a check runs wait for the
/// next one to start after them (so every answer is fresh), and a flood of `/ready` costs the
/// database one check at a time, not one per request.
#[derive(Default)]
struct ReadyChecks {
    last: tokio::sync::Mutex<Option<(Instant, bool, Value)>>,
}

impl ReadyChecks {
    async fn check(&self, state: &AppState) -> (bool, Value) {
        let asked = Instant::now();
        let mut last = self.last.lock().await;
        if let Some((started, ready, answer)) = &*last
            && *started >= asked
        {
            return (*ready, answer.clone());
        }
        let started = Instant::now();
        let (ready, answer) = readiness(state).await;
        *last = Some((started, ready, answer.clone()));
        (ready, answer)
    }
}

/// Whether a request came straight from this machine: a loopback peer, and no proxy header
/// saying it was forwarded for someone else.
fn from_this_machine(parts: &axum::http::request::Parts) -> bool {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    peer.is_some_and(|ip| ip.is_loopback()) && !came_through_a_proxy(&parts.headers)
}

async fn local_metrics(state: State<AppState>, request: axum::extract::Request) -> Response {
    let (parts, _) = request.into_parts();
    if !from_this_machine(&parts) {
        return crate::http::not_found().await.into_response();
    }
    metrics(state).await.into_response()
}

/// `/metrics` alone, for the separate metrics listener (`metrics_bind`).
pub fn metrics_router(state: AppState) -> Router {
    Router::new().route("/metrics", get(metrics)).with_state(state)
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// How long `/ready` waits for the database: probes time out in a second or two, and must see
/// the reason rather than time out themselves.
const READY_WAIT: std::time::Duration = std::time::Duration::from_millis(800);

async fn ready(
    State(state): State<AppState>,
    axum::Extension(checks): axum::Extension<Arc<ReadyChecks>>,
    request: axum::extract::Request,
) -> (StatusCode, Json<Value>) {
    let (ready, answer) = checks.check(&state).await;
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    // The parts (schema versions, Redis) are for the operator on this machine (or through
    // `kubectl port-forward`); a probe from elsewhere needs the status code, and anyone else
    // the one word.
    let (parts, _) = request.into_parts();
    if from_this_machine(&parts) {
        (status, Json(answer))
    } else {
        (status, Json(json!({ "status": answer["status"] })))
    }
}

/// Whether the node can serve, and the answer `/ready` gives (each part named).
async fn readiness(state: &AppState) -> (bool, Value) {
    // Both questions at once, each bounded: a pool waiting for a connection would otherwise
    // hold the answer for its whole acquire timeout, twice.
    let (database, schema, files) = tokio::join!(
        tokio::time::timeout(READY_WAIT, state.store.ping()),
        tokio::time::timeout(READY_WAIT, schema_status(&state.store)),
        tokio::time::timeout(READY_WAIT, state.objects.check()),
    );
    // Anyone may ask, so the answer names the problem but not the database's address or
    // error text; those go to the log, for the operator.
    let database = match database {
        Ok(Ok(())) => "ok".to_owned(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the database is unreachable (setting database_url)");
            "unreachable: see the server's log".to_owned()
        }
        Err(_) => format!("unreachable: no answer within {} ms", READY_WAIT.as_millis()),
    };
    let usable = matches!(&schema, Ok(Ok(s)) if s.is_usable());
    let schema = match schema {
        Ok(Ok(s)) if s.is_current() => "current".to_owned(),
        // An older release's node during a rolling upgrade: the new schema only added.
        Ok(Ok(s)) if s.is_usable() => {
            format!(
                "compatible: at version {}, newer than this build's {} by additions only",
                s.applied.unwrap_or_default(),
                s.required
            )
        }
        Ok(Ok(s)) if s.is_past_a_contract() => format!(
            "at version {:?}, past a contract migration ({}) newer than this build's {}",
            s.applied,
            s.contract.unwrap_or_default(),
            s.required
        ),
        Ok(Ok(s)) => format!("at version {:?}, need {}", s.applied, s.required),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the schema version could not be read");
            "unknown: see the server's log".to_owned()
        }
        Err(_) => "unknown: the database did not answer".to_owned(),
    };
    let ready = database == "ok" && usable;
    // Reported, never a reason to take the node out of service: without its file storage it
    // still carries messages, calls and the rest; only uploads and downloads wait.
    let files = match files {
        Ok(Ok(())) => "ok".to_owned(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the file storage is unreachable (settings files_storage, files_dir, s3_*)");
            "unreachable: see the server's log; uploads and downloads wait, the rest serves".to_owned()
        }
        Err(_) => format!("unreachable: no answer within {} ms", READY_WAIT.as_millis()),
    };
    let mut answer = json!({ "status": if ready { "ready" } else { "not_ready" }, "database": database,
                             "schema": schema, "files": files });
    if state.bus.is_shared() {
        // Reported, never a reason to take the node out of service: without Redis it still
        // serves its own clients (the other nodes hear of their events once it answers), and
        // a Redis outage must not take every node out at once.
        let metrics = state.bus.metrics();
        answer["redis"] = json!(if metrics.redis_up.get() == 1 {
            "ok"
        } else {
            "unreachable: this node serves its own clients; the others hear of them when Redis answers"
        });
        answer["bus_backlog"] = json!(metrics.backlog.get());
    }
    (ready, answer)
}

async fn metrics(State(state): State<AppState>) -> ([(&'static str, &'static str); 1], String) {
    state.metrics.database.observe(&state.store.pool_stats());
    // The same question /ready answers, for the readiness alert (at most READY_WAIT).
    state.metrics.health.ready.set(i64::from(readiness(&state).await.0));
    ([("content-type", "text/plain; version=0.0.4")], state.metrics.render())
}
