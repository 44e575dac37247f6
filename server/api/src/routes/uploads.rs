//! Discord's two-step upload: `POST /channels/{channel_id}/attachments` asks for upload URLs
//! (one per file, for someone who may attach files there), the client `PUT`s each file's bytes
//! to its URL, then sends a message naming them by `uploaded_filename`. Each file gets its own
//! request, so a client can show a progress bar per file and cancel one alone.
//!
//! An upload URL (`/uploads/{channel}/{uploader}/{id}/{filename}?ex=&is=&hm=`, not under
//! `/api`) is signed as download links are, for an hour, and names the channel, the uploader
//! and the upload's id, so it can be used for nothing else. Its bytes go through everything a
//! multipart file does: the size limit, the quota, sniffing and image checks; the upload then
//! waits an hour for its message before the sweeper removes it.

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::put;
use futures::TryStreamExt;
use parley_app::AppState;
use parley_app::channel_access::ChannelAccess;
use parley_app::error::{AppError, AppResult};
use parley_app::files::SignedQuery;
use parley_app::files::upload::{receive, size_words, stored_name};
use parley_app::objects::attachment::upload_path;
use parley_core::{ErrorCode, FieldErrors, Permissions, Snowflake};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};

/// How long an upload URL works.
const UPLOAD_URL_SECS: u64 = 3600;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(request_uploads))
}

/// The upload URLs' own route (outside `/api`: the signature is the permission).
pub fn upload_router() -> Router<AppState> {
    Router::new().route("/uploads/{channel_id}/{uploader_id}/{upload_id}/{filename}", put(upload))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UploadRequest {
    /// The files to send: at least one, at most `files_per_message` (10 unless the operator
    /// changed it; the document states the default).
    #[schema(min_items = 1, max_items = 10)]
    pub files: Vec<UploadFile>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UploadFile {
    /// The client's own id for it (digits, or a number), given back with its URL.
    #[schema(value_type = Option<schema::Snowflake>)]
    pub id: Option<serde_json::Value>,
    /// 1-1024 characters (kept as letters, digits, `.`, `_` and `-`; anything else becomes `_`).
    #[schema(min_length = 1, max_length = 1024)]
    pub filename: String,
    /// Its size in bytes, at most `files_max_upload_mib` (checked again as the bytes arrive;
    /// the document states the default, 100 MiB).
    #[schema(minimum = 0, maximum = 104857600)]
    pub file_size: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadTarget {
    /// The client's id for the file, as sent (`null` if none).
    #[schema(value_type = Option<schema::Snowflake>)]
    pub id: serde_json::Value,
    /// Where to `PUT` the file's bytes (no token; good for an hour).
    pub upload_url: String,
    /// What a message names the file by (`attachments[].uploaded_filename`).
    pub upload_filename: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadTargets {
    pub attachments: Vec<UploadTarget>,
}

/// Ask for upload URLs for files to send in this channel (SEND_MESSAGES and ATTACH_FILES).
#[utoipa::path(post, path = "/channels/{channel_id}/attachments", tag = "messages", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path)), request_body = UploadRequest,
    responses(
        (status = 200, description = "OK", body = UploadTargets),
        (status = 400, description = "No files, too many, or a bad name (50035); malformed JSON (50109)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing SEND_MESSAGES or ATTACH_FILES (50013), or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        (status = 413, description = "A file larger than files_max_upload_mib (40005)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn request_uploads(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(channel_id): Path<Snowflake>,
    Json(body): Json<UploadRequest>,
) -> AppResult<Json<UploadTargets>> {
    let channel = ChannelAccess::open(&state, channel_id, auth.user_id).await?;
    channel.require_text()?;
    channel.require(Permissions::SEND_MESSAGES | Permissions::ATTACH_FILES)?;
    let config = &state.config.files;
    let mut errors = FieldErrors::new();
    if body.files.is_empty() || body.files.len() > config.max_files_per_message {
        errors.add(
            "files",
            "BASE_TYPE_BAD_LENGTH",
            format!("Must be between 1 and {} in length.", config.max_files_per_message),
        );
    }
    for (i, file) in body.files.iter().enumerate() {
        let id_fits = match &file.id {
            None | Some(serde_json::Value::Null) => true,
            Some(serde_json::Value::Number(n)) => n.is_u64(),
            Some(serde_json::Value::String(s)) => (1..=19).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()),
            Some(_) => false,
        };
        if !id_fits {
            errors.add(&format!("files.{i}.id"), "NUMBER_TYPE_COERCE", "Must be a whole number, or its digits.");
        }
        if file.filename.is_empty() || file.filename.chars().count() > 1024 {
            errors.add(&format!("files.{i}.filename"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 1024 in length.");
        }
    }
    errors.into_result()?;
    if let Some(large) = body.files.iter().find(|f| f.file_size > config.max_file_bytes) {
        return Err(AppError::with_message(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::RequestTooLarge,
            format!("{} is larger than the {} a file may be.", large.filename, size_words(config.max_file_bytes)),
        ));
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let base = state.tokens.issuer().trim_end_matches('/').to_owned();
    let attachments = body
        .files
        .into_iter()
        .map(|file| {
            let id = state.ids.next();
            let filename = stored_name(&file.filename);
            let path = upload_path(channel.id(), auth.user_id, id, &filename);
            let signed = state.file_urls.sign(&path, now, UPLOAD_URL_SECS);
            UploadTarget {
                id: file.id.unwrap_or(serde_json::Value::Null),
                upload_url: format!("{base}{path}?{}", signed.to_query()),
                upload_filename: format!("{id}/{filename}"),
            }
        })
        .collect();
    Ok(Json(UploadTargets { attachments }))
}

#[derive(Debug, Deserialize)]
struct Signature {
    ex: Option<String>,
    is: Option<String>,
    hm: Option<String>,
}

fn unusable() -> AppError {
    AppError::with_message(
        StatusCode::NOT_FOUND,
        ErrorCode::UnknownFile,
        "This upload URL does not work: it expired, was altered or was used already. Ask for a new one.",
    )
}

/// A file's bytes, sent to its upload URL.
async fn upload(
    State(state): State<AppState>,
    axum::extract::Path((channel_id, uploader_id, upload_id, filename)): axum::extract::Path<(
        String,
        String,
        String,
        String,
    )>,
    Query(signature): Query<Signature>,
    body: Body,
) -> AppResult<StatusCode> {
    let ids = (channel_id.parse::<Snowflake>(), uploader_id.parse::<Snowflake>(), upload_id.parse::<Snowflake>());
    let (Ok(channel_id), Ok(uploader), Ok(id)) = ids else { return Err(unusable()) };
    let path = upload_path(channel_id, uploader, id, &filename);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let checked = SignedQuery::parse(signature.ex.as_deref(), signature.is.as_deref(), signature.hm.as_deref())
        .and_then(|query| state.file_urls.verify(&path, &query, now));
    if let Err(refusal) = checked {
        tracing::info!(%refusal, %path, "refused an upload URL");
        return Err(unusable());
    }
    if state.store.upload_exists(id).await? {
        return Err(unusable());
    }
    // Whoever was given the URL may still attach files there (a ban or a changed role since
    // ends it).
    let channel = ChannelAccess::open(&state, channel_id, uploader).await?;
    channel.require(Permissions::SEND_MESSAGES | Permissions::ATTACH_FILES)?;
    let stream = body.into_data_stream().map_err(std::io::Error::other);
    receive(&state, channel_id, uploader, id, "file", &filename, Box::pin(stream)).await?;
    Ok(StatusCode::OK)
}
