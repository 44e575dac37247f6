//! A JSON body extractor whose rejections are Parley errors rather than axum's plain text:
//! malformed JSON is 50109, a wrong or missing field is 50035 with the field named, and a
//! body over the size limit is 413 with code 40005.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use parley_core::{ErrorCode, FieldErrors};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::ApiError;

/// A JSON request body (or response: it serialises like `axum::Json`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim();
                mime.eq_ignore_ascii_case("application/json") || mime.to_ascii_lowercase().ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::with_message(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::InvalidJson,
                "Expected a JSON body with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::RequestTooLarge)
            } else {
                ApiError::with_message(StatusCode::BAD_REQUEST, ErrorCode::InvalidJson, rejection.body_text())
            }
        })?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidJson))?;
        if !value.is_object() {
            return Err(ApiError::with_message(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidJson,
                "The request body must be a JSON object.",
            ));
        }
        serde_path_to_error::deserialize(value).map(Json).map_err(|e| ApiError::Invalid(field_error(&e)))
    }
}

/// Turns a deserialisation failure into a field error at the path where it happened.
fn field_error(e: &serde_path_to_error::Error<serde_json::Error>) -> FieldErrors {
    let mut path: Vec<String> = e
        .path()
        .iter()
        .filter_map(|segment| match segment {
            serde_path_to_error::Segment::Map { key } => Some(key.clone()),
            serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
            serde_path_to_error::Segment::Enum { variant } => Some(variant.clone()),
            serde_path_to_error::Segment::Unknown => None,
        })
        .collect();
    let message = e.inner().to_string();
    let mut errors = FieldErrors::new();
    // serde reports a missing field at its parent, naming it in backticks.
    if let Some(field) = message.strip_prefix("missing field `").and_then(|rest| rest.strip_suffix('`')) {
        path.push(field.to_owned());
        errors.add_at(path, "BASE_TYPE_REQUIRED", "This field is required");
    } else {
        if path.is_empty() {
            path.push("_body".to_owned());
        }
        errors.add_at(path, "BASE_TYPE_INVALID", format!("Invalid value: {message}."));
    }
    errors
}

/// For PATCH bodies: tells an absent field (`None`) from an explicit `null` (`Some(None)`).
/// Use with `#[serde(default, deserialize_with = "nullable")]`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
