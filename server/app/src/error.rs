//! The API layer's one error type and its JSON form: Discord's `{code, message, errors?}`.
//!
//! Store and internal failures become a 500 (or 503 when the database is unreachable) that
//! reveals nothing; their cause is logged with the request's span, which carries the
//! request id the client also received in `X-Request-Id`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use parley_core::{ErrorCode, FieldErrors};
use parley_store::StoreError;
use serde_json::{Value, json};

use crate::limits::window::RateLimited;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A client error: status, stable code and a message for the user.
    #[error("{status} {code:?}: {message}")]
    Client { status: StatusCode, code: ErrorCode, message: String },
    /// Invalid fields (400, code 50035) with Discord's nested `errors` object.
    #[error("invalid form body")]
    Invalid(FieldErrors),
    #[error("rate limited")]
    RateLimited(RateLimited),
    /// Slowmode: 429 with Discord's code 20016 and the same headers as other limits.
    #[error("slowmode")]
    SlowmodeLimited(RateLimited),
    #[error("database unavailable: {0}")]
    Unavailable(#[source] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(status: StatusCode, code: ErrorCode) -> Self {
        Self::Client { status, code, message: code.message().to_owned() }
    }
    pub fn with_message(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Client { status, code, message: message.into() }
    }
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized)
    }
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorCode::MissingPermissions)
    }
    pub fn field(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(FieldErrors::single(field, code, message))
    }
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }
    /// 403 (90003): too many failed password checks, until `until_ms`; the same answer for
    /// every login name (and for a password check on `PATCH /users/@me`).
    pub fn locked(until_ms: i64, now: parley_core::Timestamp) -> Self {
        let minutes = ((until_ms - now.unix_millis()) as f64 / 60_000.0).ceil().max(1.0) as i64;
        Self::with_message(
            StatusCode::FORBIDDEN,
            ErrorCode::AccountLocked,
            format!("Too many failed logins. This account is locked for {minutes} more minute(s); try again later."),
        )
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Client { status, .. } => *status,
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::RateLimited(_) | Self::SlowmodeLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn body(&self) -> Value {
        match self {
            Self::Client { code, message, .. } => json!({ "code": code, "message": message }),
            Self::Invalid(errors) => json!({
                "code": ErrorCode::InvalidFormBody,
                "message": ErrorCode::InvalidFormBody.message(),
                "errors": errors.to_json(),
            }),
            Self::RateLimited(limited) => json!({
                "code": ErrorCode::RateLimited,
                "message": ErrorCode::RateLimited.message(),
                "retry_after": limited.retry_after.as_secs_f64(),
                "global": limited.global,
            }),
            Self::SlowmodeLimited(limited) => json!({
                "code": ErrorCode::SlowmodeRateLimited,
                "message": ErrorCode::SlowmodeRateLimited.message(),
                "retry_after": limited.retry_after.as_secs_f64(),
                "global": false,
            }),
            Self::Unavailable(_) => json!({
                "code": ErrorCode::ServiceUnavailable,
                "message": "The server cannot reach its database right now; try again shortly.",
            }),
            Self::Internal(_) => json!({ "code": ErrorCode::General, "message": "500: Internal Server Error" }),
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        Self::Invalid(errors)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => Self::Unavailable(e),
            StoreError::UploadGone(id) => Self::field(
                "attachments",
                "UPLOAD_GONE",
                format!("The upload {id} is no longer waiting for a message (uploads wait an hour); upload it again."),
            ),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            Self::Internal(cause) => tracing::error!(%cause, "request failed"),
            Self::Unavailable(cause) => tracing::error!(%cause, "database unavailable"),
            Self::Client { status, code, .. }
                if *status == StatusCode::UNAUTHORIZED || *status == StatusCode::FORBIDDEN =>
            {
                tracing::info!(status = status.as_u16(), code = code.number(), "request refused")
            }
            _ => tracing::debug!(status = self.status().as_u16(), "client error"),
        }
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        if let Self::RateLimited(limited) | Self::SlowmodeLimited(limited) = &self {
            limited.write_headers(response.headers_mut());
        }
        if self.status() == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
