//! Downloads: `GET /attachments/{channel}/{attachment}/{filename}?ex=&is=&hm=`, Discord's CDN
//! path and signed query, and previews: the same under `/media/` (an attachment's
//! `proxy_url`, as Discord's media proxy), which also takes `width` and `height` and answers
//! an image with a thumbnail that fits them. The signature is the permission: it is issued
//! only inside message objects, to whoever may read the message, and expires
//! (`files_url_ttl_hours`); so the routes take no token, and `<img src>`, a bot's HTTP client
//! or a shared link all work. A link that is forged, altered or expired, or whose message was
//! deleted, is 404.
//!
//! Served safely whatever was uploaded: the type the bytes showed (never the uploader's),
//! `X-Content-Type-Options: nosniff`, a sandboxing content security policy, and anything not
//! media or plain text as a download. Single byte ranges (seeking in a video) and
//! `If-None-Match` (a file never changes) are answered. With `s3_presigned_downloads`, a
//! checked download is instead redirected to a presigned URL on the bucket (another origin,
//! so what it serves cannot run in Parley's).

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use parley_app::AppState;
use parley_app::error::{AppError, AppResult};
use parley_app::files::sniff::Sniffed;
use parley_app::files::{AssetError, SignedQuery, thumbnail};
use parley_app::objects::attachment::download_path;
use parley_core::{ErrorCode, Snowflake};
use parley_objects::{ByteRange, ObjectError, ObjectKey, Presign};
use parley_store::attachments::StoredFile;
use serde::Deserialize;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/attachments/{channel_id}/{attachment_id}/{filename}", get(download))
        .route("/media/attachments/{channel_id}/{attachment_id}/{filename}", get(preview))
}

#[derive(Debug, Deserialize)]
struct LinkQuery {
    ex: Option<String>,
    is: Option<String>,
    hm: Option<String>,
    /// The preview's box (`/media/` only): a thumbnail fits it.
    width: Option<String>,
    height: Option<String>,
}

/// What a file is served with besides its bytes: nothing in it may run in Parley's origin.
const SANDBOX: &str = "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'";
/// The widest box a preview may ask for.
const MAX_BOX_SIDE: u32 = 16_384;
/// Presigned URLs are made for windows of this long, and each works this much longer than its
/// window: URLs made within a window are the same (browsers keep what they fetched), each
/// works for at least 5 minutes, and a file whose message goes stops opening through one
/// within 15 minutes (Parley's own links stop at once).
const PRESIGN_WINDOW_SECS: u64 = 600;
const PRESIGNED_FOR: Duration = Duration::from_secs(900);

fn gone() -> AppError {
    AppError::with_message(
        StatusCode::NOT_FOUND,
        ErrorCode::UnknownFile,
        "This file is not available: the link expired or was altered, or its message was deleted. Open the message again for a fresh link.",
    )
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

async fn download(
    State(state): State<AppState>,
    Path((channel_id, attachment_id, filename)): Path<(String, String, String)>,
    Query(link): Query<LinkQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let file = checked_file(&state, &channel_id, &attachment_id, &filename, &link).await?;
    serve_file(&state, &file, &filename, &headers).await
}

async fn preview(
    State(state): State<AppState>,
    Path((channel_id, attachment_id, filename)): Path<(String, String, String)>,
    Query(link): Query<LinkQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let wanted = (box_side("width", link.width.as_deref())?, box_side("height", link.height.as_deref())?);
    let file = checked_file(&state, &channel_id, &attachment_id, &filename, &link).await?;
    let side = match (file.width, file.height) {
        (Some(w), Some(h)) if thumbnail::format_for(&file.content_type).is_some() => {
            let side = |v: i64| u32::try_from(v).unwrap_or(0);
            thumbnail::size_for(side(w), side(h), wanted.0, wanted.1)
        }
        _ => None,
    };
    if let Some(side) = side
        && let Some(response) = serve_thumbnail(&state, &file, side, &headers).await?
    {
        return Ok(response);
    }
    serve_file(&state, &file, &filename, &headers).await
}

/// A preview box's side: a whole number of pixels, 1 to [`MAX_BOX_SIDE`].
fn box_side(field: &str, raw: Option<&str>) -> AppResult<Option<u32>> {
    let Some(raw) = raw else { return Ok(None) };
    match raw.parse::<u32>() {
        Ok(side) if (1..=MAX_BOX_SIDE).contains(&side) => Ok(Some(side)),
        _ => Err(AppError::field(
            field,
            "NUMBER_TYPE_INVALID",
            format!("Must be a whole number from 1 to {MAX_BOX_SIDE}."),
        )),
    }
}

/// The file a signed link names, if its signature holds and a message still shows it.
async fn checked_file(
    state: &AppState,
    channel_id: &str,
    attachment_id: &str,
    filename: &str,
    link: &LinkQuery,
) -> AppResult<StoredFile> {
    let (Ok(channel_id), Ok(attachment_id)) = (channel_id.parse::<Snowflake>(), attachment_id.parse::<Snowflake>())
    else {
        return Err(gone());
    };
    let path = download_path(channel_id, attachment_id, filename);
    let checked = SignedQuery::parse(link.ex.as_deref(), link.is.as_deref(), link.hm.as_deref())
        .and_then(|query| state.file_urls.verify(&path, &query, now_secs()));
    if let Err(refusal) = checked {
        tracing::info!(%refusal, %path, "refused a file link");
        return Err(gone());
    }
    state.store.shown_file(channel_id, attachment_id).await?.ok_or_else(gone)
}

/// Whether a cached copy tagged `etag` is still good.
fn still_fresh(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag))
}

/// A thumbnail of an attached image at `side`, made once and kept; `None` when there is none
/// to give (an animated image, or one too large to decode, or no longer stored): the caller
/// serves the file (or its 404).
async fn serve_thumbnail(
    state: &AppState,
    file: &StoredFile,
    side: u32,
    headers: &HeaderMap,
) -> AppResult<Option<Response>> {
    let Some(format) = thumbnail::format_for(&file.content_type) else { return Ok(None) };
    let etag = format!("\"{}-{side}\"", file.id);
    let response = Response::builder()
        .header(header::CONTENT_TYPE, format.content_type())
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CONTENT_SECURITY_POLICY, SANDBOX)
        .header(header::ETAG, &etag)
        .header(header::CACHE_CONTROL, "private, max-age=3600, immutable");
    if still_fresh(headers, &etag) {
        return response.status(StatusCode::NOT_MODIFIED).body(Body::empty()).map(Some).map_err(AppError::internal);
    }
    let source = ObjectKey::parse(&file.object_key).map_err(AppError::internal)?;
    let bytes = match state.images.thumbnail(file.id, source, &file.content_type, side).await {
        Ok(Some(bytes)) => bytes,
        // None to give (it moves, is too large, or will not decode): the file itself.
        Ok(None) => return Ok(None),
        Err(AssetError::Busy) => return Err(parley_app::files::assets::busy()),
        Err(error) => return Err(AppError::internal(format!("making a thumbnail of {}: {error}", file.id))),
    };
    response.header(header::CONTENT_LENGTH, bytes.len()).body(Body::from(bytes)).map(Some).map_err(AppError::internal)
}

/// The file itself: streamed (whole, or the byte range asked for), or, with presigned
/// downloads, a redirect to the bucket.
async fn serve_file(state: &AppState, file: &StoredFile, filename: &str, headers: &HeaderMap) -> AppResult<Response> {
    let etag = format!("\"{}\"", file.id);
    let kind = Sniffed::from_content_type(&file.content_type);
    let disposition = format!(
        "{}; filename=\"{}\"",
        if kind.inline() { "inline" } else { "attachment" },
        // Linked names are letters, digits, '.', '_' and '-' only, so they need no quoting.
        filename
    );
    let key = ObjectKey::parse(&file.object_key).map_err(AppError::internal)?;
    if state.config.files.download_origin.is_some() {
        let now = now_secs();
        let presign = Presign {
            issued: UNIX_EPOCH + Duration::from_secs(now - now % PRESIGN_WINDOW_SECS),
            valid_for: PRESIGNED_FOR,
            content_type: file.content_type.clone(),
            content_disposition: disposition.clone(),
            cache_control: "private, max-age=600, immutable".to_owned(),
        };
        match state.objects.presigned_get(&key, &presign).await {
            Ok(Some(url)) => {
                return Response::builder()
                    .status(StatusCode::TEMPORARY_REDIRECT)
                    .header(header::LOCATION, url)
                    // Kept by the browser a minute at most: the link is checked again after.
                    .header(header::CACHE_CONTROL, "private, max-age=60")
                    .body(Body::empty())
                    .map_err(AppError::internal);
            }
            Ok(None) => {}
            Err(error) => return Err(AppError::internal(format!("presigning a file download: {error}"))),
        }
    }
    let mut response = Response::builder()
        .header(header::CONTENT_TYPE, &file.content_type)
        .header(header::CONTENT_DISPOSITION, disposition)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CONTENT_SECURITY_POLICY, SANDBOX)
        .header(header::ETAG, &etag)
        .header(header::ACCEPT_RANGES, "bytes")
        // The URL is a capability that expires: private caches only.
        .header(header::CACHE_CONTROL, "private, max-age=3600, immutable");
    if still_fresh(headers, &etag) {
        return response.status(StatusCode::NOT_MODIFIED).body(Body::empty()).map_err(AppError::internal);
    }
    let range = match headers.get(header::RANGE).map(|v| v.to_str().map(parse_range)) {
        None => None,
        Some(Ok(Some(range))) => Some(range),
        // A range Parley does not serve (several, or another unit): the whole file.
        Some(_) => None,
    };
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
