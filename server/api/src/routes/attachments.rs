//! Downloads: `GET /attachments/{channel}/{attachment}/{filename}?ex=&is=&hm=`, Discord's CDN
//! path and signed query. The signature is the permission: it is issued only inside message
//! objects, to whoever may read the message, and expires (`files_url_ttl_hours`); so the
//! route takes no token, and `<img src>`, a bot's HTTP client or a shared link all work. A
//! link that is forged, altered or expired, or whose message was deleted, is 404.
//!
//! Served safely whatever was uploaded: the type the bytes showed (never the uploader's),
//! `X-Content-Type-Options: nosniff`, a sandboxing content security policy, and anything not
//! media or plain text as a download. Single byte ranges (seeking in a video) and
//! `If-None-Match` (a file never changes) are answered.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use parley_app::AppState;
use parley_app::error::{AppError, AppResult};
use parley_app::files::SignedQuery;
use parley_app::files::sniff::Sniffed;
use parley_app::objects::attachment::download_path;
use parley_core::{ErrorCode, Snowflake};
use parley_objects::{ByteRange, ObjectError, ObjectKey};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/attachments/{channel_id}/{attachment_id}/{filename}", get(download))
}

#[derive(Debug, Deserialize)]
struct Signature {
    ex: Option<String>,
    is: Option<String>,
    hm: Option<String>,
}

/// What a file is served with besides its bytes: nothing in it may run in Parley's origin.
const SANDBOX: &str = "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'";

fn gone() -> AppError {
    AppError::with_message(
        StatusCode::NOT_FOUND,
        ErrorCode::UnknownFile,
        "This file is not available: the link expired or was altered, or its message was deleted. Open the message again for a fresh link.",
    )
}

async fn download(
    State(state): State<AppState>,
    Path((channel_id, attachment_id, filename)): Path<(String, String, String)>,
    Query(signature): Query<Signature>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (Ok(channel_id), Ok(attachment_id)) = (channel_id.parse::<Snowflake>(), attachment_id.parse::<Snowflake>())
    else {
        return Err(gone());
    };
    let path = download_path(channel_id, attachment_id, &filename);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let checked = SignedQuery::parse(signature.ex.as_deref(), signature.is.as_deref(), signature.hm.as_deref())
        .and_then(|query| state.file_urls.verify(&path, &query, now));
    if let Err(refusal) = checked {
        tracing::info!(%refusal, %path, "refused a file link");
        return Err(gone());
    }
    let Some(file) = state.store.shown_file(channel_id, attachment_id).await? else { return Err(gone()) };
    let etag = format!("\"{}\"", file.id);
    let kind = Sniffed::from_content_type(&file.content_type);
    let disposition = format!(
        "{}; filename=\"{}\"",
        if kind.inline() { "inline" } else { "attachment" },
        // Linked names are letters, digits, '.', '_' and '-' only, so they need no quoting.
        filename
    );
    let mut response = Response::builder()
        .header(header::CONTENT_TYPE, &file.content_type)
        .header(header::CONTENT_DISPOSITION, disposition)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CONTENT_SECURITY_POLICY, SANDBOX)
        .header(header::ETAG, &etag)
        .header(header::ACCEPT_RANGES, "bytes")
        // The URL is a capability that expires: private caches only.
        .header(header::CACHE_CONTROL, "private, max-age=3600, immutable");
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag))
    {
        return response.status(StatusCode::NOT_MODIFIED).body(Body::empty()).map_err(AppError::internal);
    }
    let range = match headers.get(header::RANGE).map(|v| v.to_str().map(parse_range)) {
        None => None,
        Some(Ok(Some(range))) => Some(range),
        // A range Parley does not serve (several, or another unit): the whole file.
        Some(_) => None,
    };
    let key = ObjectKey::parse(&file.object_key).map_err(AppError::internal)?;
    let object = match state.objects.get(&key, range).await {
        Ok(object) => object,
        Err(ObjectError::Unsatisfiable { size, .. }) => {
            return response
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{size}"))
                .body(Body::empty())
                .map_err(AppError::internal);
        }
        Err(ObjectError::NotFound(_)) => return Err(gone()),
        Err(error) => return Err(AppError::internal(format!("reading a file from storage: {error}"))),
    };
    let (first, last) = object.range;
    let length = if object.size == 0 { 0 } else { last - first + 1 };
    response = response.header(header::CONTENT_LENGTH, length);
    if range.is_some() {
        response = response
            .status(StatusCode::PARTIAL_CONTENT)
            .header(header::CONTENT_RANGE, format!("bytes {first}-{last}/{}", object.size));
    }
    let mut response = response.body(Body::from_stream(object.body)).map_err(AppError::internal)?;
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("Range"));
    Ok(response.into_response())
}

/// `bytes=FIRST-LAST` or `bytes=FIRST-` (one range; a suffix range gets the whole file).
fn parse_range(value: &str) -> Option<ByteRange> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    match (start.trim(), end.trim()) {
        ("", _) => None,
        (start, "") => Some(ByteRange { start: start.parse().ok()?, end: None }),
        (start, end) => {
            let (start, end): (u64, u64) = (start.parse().ok()?, end.parse().ok()?);
            (end >= start).then_some(ByteRange { start, end: Some(end) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_byte_ranges_are_read_and_others_get_the_whole_file() {
        assert_eq!(parse_range("bytes=0-99"), Some(ByteRange { start: 0, end: Some(99) }));
        assert_eq!(parse_range("bytes=100-"), Some(ByteRange { start: 100, end: None }));
        for whole in ["bytes=-500", "bytes=0-1,5-6", "items=0-1", "bytes=9-3", "bytes=x-"] {
            assert_eq!(parse_range(whole), None, "{whole}");
        }
    }
}
