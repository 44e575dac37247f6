//! Applications that take their interactions over HTTP, as Discord allows: Parley POSTs each
//! interaction to the application's `interactions_endpoint_url`, signed with an Ed25519 key of
//! the application's own (its public half is the application's `verify_key`), and the answer
//! in the HTTP response is the interaction's callback. Every call goes through the one
//! hardened outbound client (`parley_outbound`: no private, loopback or link-local
//! destinations unless `outbound_allow` says so; time and size limits; redirects re-checked).
//!
//! An endpoint is checked when it is saved, as Discord checks it: it must answer a signed PING
//! with a PONG, and refuse (401) a PING whose signature is wrong.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signer, SigningKey};
use parley_core::Snowflake;
use parley_outbound::{HeaderName, HeaderValue, OutboundClient, OutboundPolicy, OutboundRequest};
use serde::Serialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::config::AppConfig;
use crate::error::{AppError, AppResult};

/// Discord's time for an endpoint to answer an interaction.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(3);
/// What an endpoint may answer with (a message with its embeds and components fits easily).
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// The outbound client, with the allowed networks from `outbound_allow`.
pub fn client(config: &AppConfig) -> OutboundClient {
    let policy = OutboundPolicy {
        allow: config.outbound_allow.clone(),
        total_timeout: ANSWER_WITHIN,
        max_response_bytes: MAX_ANSWER_BYTES,
        // A signed interaction (with its token) goes where it was sent and nowhere else, as
        // Discord sends it: no redirects.
        max_redirects: 0,
        ..OutboundPolicy::default()
    };
    OutboundClient::new(policy).unwrap_or_else(|_| {
        // Only an invalid policy fails, and the timeouts above are valid: keep the defaults.
        OutboundClient::new(OutboundPolicy::default()).expect("the default outbound policy is valid")
    })
}

/// The application's signing key: derived from the instance's key, the same on every node.
fn signing_key(state: &AppState, application_id: Snowflake) -> SigningKey {
    let purpose = format!("interactions {application_id}");
    SigningKey::from_bytes(&state.tokens.derived_secret(purpose.as_bytes()))
}

/// The application's `verify_key`: the hex of the public key its interactions are signed with.
pub fn verify_key(state: &AppState, application_id: Snowflake) -> String {
    hex::encode(signing_key(state, application_id).verifying_key().as_bytes())
}

/// Why an endpoint did not answer as an interactions endpoint must.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("{0}")]
    Outbound(#[from] parley_outbound::OutboundError),
    #[error("it answered HTTP {0}, not 200")]
    Status(u16),
    #[error("its answer is not JSON: {0}")]
    NotJson(serde_json::Error),
}

impl EndpointError {
    /// What the bot author is told: what to fix, without what Parley learned about networks
    /// it may not call (which names resolve to which private addresses, which ports answer).
    /// The log has the whole cause.
    pub fn for_author(&self) -> String {
        match self {
            Self::Status(status) => format!("it answered HTTP {status}"),
            Self::NotJson(_) => "its answer is not JSON".into(),
            Self::Outbound(e) => match e.kind() {
                "bad_url" => "it is not an http(s) URL Parley can call".into(),
                "refused" => "Parley may not call that address (a private, loopback or other special-use network; \
                              an operator can allow networks with the outbound_allow setting)"
                    .into(),
                "timeout" => "it did not answer within 3 seconds".into(),
                "tls" => "its TLS handshake or certificate failed".into(),
                "resolve" | "connect" => "nothing answered at that address".into(),
                _ => "its answer was not a usable HTTP answer".into(),
            },
        }
    }

    /// A short word for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Outbound(e) => e.kind(),
            Self::Status(_) => "status",
            Self::NotJson(_) => "not_json",
        }
    }
}

fn now_seconds() -> String {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default().to_string()
}

/// POSTs `payload` to `url`, signed by `key`, and returns the status and body.
async fn post(
    client: &OutboundClient,
    url: &str,
    key: &SigningKey,
    payload: &impl Serialize,
) -> Result<(u16, Vec<u8>), EndpointError> {
    let body = serde_json::to_vec(payload).unwrap_or_default();
    let timestamp = now_seconds();
    let mut signed = timestamp.clone().into_bytes();
    signed.extend_from_slice(&body);
    let signature = hex::encode(key.sign(&signed).to_bytes());
    let header = |text: &str| HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""));
    let request = OutboundRequest::post(url, HeaderValue::from_static("application/json"), body)
        .header(HeaderName::from_static("x-signature-ed25519"), header(&signature))
        .header(HeaderName::from_static("x-signature-timestamp"), header(&timestamp));
    let response = client.send(request).await?;
    Ok((response.status.as_u16(), response.body.to_vec()))
}

/// Sends an interaction to the application's endpoint and returns its answer (a callback
/// body: `{type, data}`).
pub async fn deliver(
    state: &AppState,
    application_id: Snowflake,
    url: &str,
    payload: &impl Serialize,
) -> Result<Value, EndpointError> {
    let (status, body) = post(&state.outbound, url, &signing_key(state, application_id), payload).await?;
    if status != 200 {
        return Err(EndpointError::Status(status));
    }
    serde_json::from_slice(&body).map_err(EndpointError::NotJson)
}

fn invalid(reason: impl std::fmt::Display) -> AppError {
    AppError::field(
        "interactions_endpoint_url",
        "APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID",
        format!("The specified interactions endpoint url could not be verified: {reason}"),
    )
}

/// The refusal for a failed call, with the cause in the log.
fn unreachable(application_id: Snowflake, e: EndpointError) -> AppError {
    tracing::info!(%application_id, kind = e.kind(), error = %e, "an interactions endpoint failed its check");
    invalid(e.for_author())
}

/// Checks an endpoint before it is saved: an address Parley may call, a PONG to a signed
/// PING, and a 401 to a PING signed with another key (an endpoint that does not check
/// signatures would take interactions from anyone). At most 10 checks per application an
/// hour: each is two requests Parley makes where its author says.
pub async fn verify_endpoint(state: &AppState, application_id: Snowflake, url: &str) -> AppResult<()> {
    state.limits.endpoint_checks.check(&application_id.to_string()).map_err(AppError::RateLimited)?;
    state.outbound.check_url(url).map_err(|e| unreachable(application_id, e.into()))?;
    let ping = |id: Snowflake| {
        json!({"id": id, "application_id": application_id, "type": 1, "token": "ping", "version": 1,
               "entitlements": [], "authorizing_integration_owners": {}})
    };
    let key = signing_key(state, application_id);
    let (status, body) =
        post(&state.outbound, url, &key, &ping(state.ids.next())).await.map_err(|e| unreachable(application_id, e))?;
    let pong: Option<Value> = serde_json::from_slice(&body).ok();
    if status != 200 || pong.as_ref().and_then(|p| p["type"].as_i64()) != Some(1) {
        return Err(invalid(format!("a signed PING was answered HTTP {status}, not 200 with {{\"type\": 1}}")));
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("the operating system's random source failed");
    let stranger = SigningKey::from_bytes(&seed);
    let (status, _) = post(&state.outbound, url, &stranger, &ping(state.ids.next()))
        .await
        .map_err(|e| unreachable(application_id, e))?;
    if status != 401 {
        return Err(invalid(format!(
            "a PING with a wrong signature was answered HTTP {status}; an endpoint must refuse it with 401"
        )));
    }
    Ok(())
}
