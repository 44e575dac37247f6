//! What the API's routes answer besides the application's objects: session tokens, the
//! signed-in devices, and the responses every route may give (401, 503, 413/415, 429) with the
//! error body they carry, for the OpenAPI document.

use parley_core::{Snowflake, Timestamp};
use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

pub use parley_app::objects::{CurrentUser, PublicUser, schema};

/// Tokens for a new or refreshed session.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// The access token again, under the name Discord's login response uses.
    pub token: String,
    /// An Ed25519-signed JWT; send it as `Authorization: Bearer <token>`.
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Single use: spend it at `POST /auth/refresh` for new tokens. Presenting it a second
    /// time revokes the session.
    pub refresh_token: String,
    #[schema(value_type = schema::Snowflake)]
    pub session_id: Snowflake,
    /// Send it back as `X-Parley-Device-Id` on later logins from this device.
    pub device_id: String,
    #[schema(value_type = schema::Snowflake)]
    pub user_id: Snowflake,
    pub user: CurrentUser,
}

/// One signed-in device.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    pub device_id: String,
    pub device_name: String,
    pub user_agent: String,
    pub ip: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub last_seen_at: Timestamp,
    /// Whether this is the session making the request.
    pub current: bool,
}

/// What every route that takes a token may answer before it does anything: the token is
/// checked (401) against its session in the database (503 while the database is out of reach).
/// Listed in each such route's `responses(...)`.
#[derive(Debug, IntoResponses)]
pub enum SignedIn {
    /// No valid token.
    #[response(
        status = 401,
        description = "No valid token (40001): none sent, malformed, expired, or its session or bot token was revoked"
    )]
    Unauthorized(ErrorBody),
    /// The session could not be checked.
    #[response(status = 503, description = "The database cannot be reached (90008); try again shortly")]
    Unavailable(ErrorBody),
}

/// 503 alone, for routes that need no token but read the database.
#[derive(Debug, IntoResponses)]
pub enum Unavailable {
    /// The database is out of reach.
    #[response(status = 503, description = "The database cannot be reached (90008); try again shortly")]
    Unavailable(ErrorBody),
}

/// What every route that takes a JSON body may answer before reading it: the body must be sent
/// as JSON and fit the size limit (malformed JSON and wrong fields are each route's 400).
#[derive(Debug, IntoResponses)]
pub enum JsonBody {
    /// Over `max_body_bytes`.
    #[response(status = 413, description = "The body is larger than the server's max_body_bytes (40005)")]
    TooLarge(ErrorBody),
    /// Not `application/json`.
    #[response(
        status = 415,
        description = "The body was not sent with Content-Type: application/json (or another +json type) (50109)"
    )]
    NotJson(ErrorBody),
}

/// 429 from the REST rate limits every API route is under (per account, or per address
/// without a token): the route's bucket, or the account's global budget.
#[derive(Debug, IntoResponses)]
pub enum TooManyRequests {
    /// Over a limit.
    #[response(
        status = 429,
        description = "Over a REST rate limit (90006): this route's bucket, or with `global: true` the account's \
                       overall budget; wait `retry_after` seconds",
        headers(("Retry-After" = u64, description = "Whole seconds to wait"))
    )]
    Limited(ErrorBody),
}

/// The JSON error body of every failed request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable numeric code; see the error table in docs/api.md.
    pub code: u32,
    pub message: String,
    /// For code 50035: field errors, nested by field, each `{"_errors": [{code, message}]}`.
    #[schema(value_type = Option<Object>)]
    pub errors: Option<serde_json::Value>,
    /// For 429: seconds to wait.
    pub retry_after: Option<f64>,
    /// For 429: whether the account's global limit (rather than the route's) was reached.
    pub global: Option<bool>,
}
