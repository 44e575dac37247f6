//! A JSON body extractor whose rejections are Parley errors rather than axum's plain text:
//! malformed JSON is 50109, a wrong or missing field is 50035 with the field named, and a
//! body over the size limit is 413 with code 40005. [`JsonArray`] is the same for array bodies.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use parley_app::error::AppError;
use parley_app::text::{NUL_CODE, NUL_MESSAGE};
use parley_core::{ErrorCode, FieldErrors};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Where the first string or key holding U+0000 is (shared with answers read elsewhere).
pub use parley_app::text::nul_at;

/// A JSON request body (or response: it serialises like `axum::Json`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let value = read_json(req, state).await?;
        if !value.is_object() {
            return Err(AppError::with_message(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidJson,
                "The request body must be a JSON object.",
            ));
        }
        typed(value).map(Json)
    }
}

/// A checked JSON object as `T`, a wrong or missing field answered as 50035 naming it.
pub(crate) fn typed<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, AppError> {
    serde_path_to_error::deserialize(value).map_err(|e| AppError::Invalid(field_error(&e)))
}

/// A JSON array body (bulk endpoints such as reordering), with the same errors as [`Json`].
#[derive(Debug, Clone, Default)]
pub struct JsonArray<T>(pub Vec<T>);

/// Most entries a bulk body may carry.
pub const MAX_ARRAY_ITEMS: usize = 1000;

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonArray<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let value = read_json(req, state).await?;
        match value.as_array() {
            Some(items) if items.len() <= MAX_ARRAY_ITEMS => {}
            Some(_) => {
                return Err(AppError::field(
                    "_body",
                    "BASE_TYPE_MAX_LENGTH",
                    format!("At most {MAX_ARRAY_ITEMS} entries."),
                ));
            }
            None => {
                return Err(AppError::with_message(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::InvalidJson,
                    "The request body must be a JSON array.",
                ));
            }
        }
        serde_path_to_error::deserialize(value).map(JsonArray).map_err(|e| AppError::Invalid(field_error(&e)))
    }
}

/// Reads a JSON body: right content type, within the size limit, well-formed.
async fn read_json<S: Send + Sync>(req: Request, state: &S) -> Result<serde_json::Value, AppError> {
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
        return Err(AppError::with_message(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::InvalidJson,
            "Expected a JSON body with Content-Type: application/json",
        ));
    }
    let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::RequestTooLarge)
        } else {
            AppError::with_message(StatusCode::BAD_REQUEST, ErrorCode::InvalidJson, rejection.body_text())
        }
    })?;
    json_value(&bytes)
}

/// A JSON object's bytes read as a value, with the same checks as a JSON body (a multipart
/// form's `payload_json` is one).
pub(crate) fn json_value(bytes: &[u8]) -> Result<serde_json::Value, AppError> {
    let mut value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| AppError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidJson))?;
    whole_numbers_as_integers(&mut value);
    if let Some(path) = nul_at(&value).map(|path| if path.is_empty() { vec!["_body".to_owned()] } else { path }) {
        let mut errors = FieldErrors::new();
        errors.add_at(path, NUL_CODE, NUL_MESSAGE);
        return Err(AppError::Invalid(errors));
    }
    Ok(value)
}

/// `30.0` is the number 30 to JSON (and to JSON Schema's `integer`), so a whole number
/// written with a fraction is read as the integer it is; `30.5` stays a fraction, and an
/// integer field refuses it.
fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(number) if !number.is_i64() && !number.is_u64() => {
            let Some(float) = number.as_f64() else { return };
            // 2^64 and -2^63 are exact in f64; whole numbers between them are integers.
            if float.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&float) {
                *number = serde_json::Number::from(float as u64);
            } else if float.fract() == 0.0 && (-9_223_372_036_854_775_808.0..0.0).contains(&float) {
                *number = serde_json::Number::from(float as i64);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        serde_json::Value::Object(map) => map.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
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

#[cfg(test)]
mod tests {
    use super::{nul_at, whole_numbers_as_integers};

    #[test]
    fn whole_numbers_written_with_a_fraction_are_read_as_integers() {
        let mut value = serde_json::json!({"user_limit": 30.0, "nested": [-2.0, 0.5, 1e300], "big": 1e19, "n": 7});
        whole_numbers_as_integers(&mut value);
        assert_eq!(value["user_limit"].as_i64(), Some(30));
        assert_eq!(value["nested"][0].as_i64(), Some(-2));
        assert_eq!(value["nested"][1].as_f64(), Some(0.5), "a fraction stays one");
        assert!(value["nested"][2].as_u64().is_none(), "beyond any integer field, so refused there");
        assert_eq!(value["big"].as_u64(), Some(10_000_000_000_000_000_000));
        assert_eq!(value["n"].as_i64(), Some(7));
    }

    #[test]
    fn a_large_whole_number_written_with_a_fraction_is_read_exactly_from_the_body() {
        // Parsed from text, as a request body is: without exact float parsing this came out
        // as 2135913847266260.8 and an integer field refused a valid body (found by schemathesis).
        let mut value: serde_json::Value = serde_json::from_str(r#"{"position": 2135913847266261.0}"#).unwrap();
        whole_numbers_as_integers(&mut value);
        assert_eq!(value["position"].as_i64(), Some(2_135_913_847_266_261));
    }

    #[test]
    fn text_holding_nul_is_found_wherever_it_is() {
        let value = serde_json::json!({"content": "fine", "embeds": [{"title": "a\u{0}b"}]});
        assert_eq!(nul_at(&value), Some(vec!["embeds".into(), "0".into(), "title".into()]));
        assert_eq!(nul_at(&serde_json::json!({"name": "plain", "n": 3})), None);
        assert_eq!(nul_at(&serde_json::json!("\u{0}")), Some(Vec::<String>::new()), "the body itself");
        assert_eq!(nul_at(&serde_json::json!({"ok": {"a\u{0}": 1}})), Some(vec!["ok".to_owned()]), "a key");
    }
}
