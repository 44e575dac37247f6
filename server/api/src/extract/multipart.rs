//! Bodies that may carry files: JSON, or `multipart/form-data` with the JSON in a
//! `payload_json` part and each file in a `files[n]` part, as discord.py, discord.js and
//! serenity send them. The extractor only recognises the form; its parts are read by
//! [`FileForm::receive`] once the handler has checked the caller may send files here, so no
//! byte of a refused upload is stored. Files stream to storage one at a time
//! (`parley_app::files::upload`), never held whole.

use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::{StreamExt, TryStreamExt};
use parley_app::AppState;
use parley_app::error::{AppError, AppResult};
use parley_app::files::upload::{self, Upload};
use parley_core::{ErrorCode, Snowflake};
use serde::de::DeserializeOwned;

use super::json::{Json, json_value, typed};

/// A JSON body, or a form with files still to be read.
pub enum WithFiles<T> {
    Json(T),
    Form(FileForm),
}

/// A `multipart/form-data` body, not yet read.
pub struct FileForm {
    form: multer::Multipart<'static>,
    /// Bytes of parts' contents handed to Parley so far (see [`UNDELIVERED_MOST`]).
    delivered: Arc<AtomicU64>,
}

/// The most bytes of a body that may arrive without being handed on as a part's contents:
/// the preamble, boundaries and part headers, and what the parser holds back while it looks
/// for the next boundary. A body past it (an endless preamble or header, which the parser
/// would hold and search again and again) is refused.
const UNDELIVERED_MOST: u64 = 4 * 1024 * 1024;

/// A file of the form, whole in storage, with the index its part named (`files[n]`).
#[derive(Debug)]
pub struct FormFile {
    pub index: u64,
    pub upload: Upload,
}

impl<T: DeserializeOwned> FromRequest<AppState> for WithFiles<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !content_type.to_ascii_lowercase().starts_with("multipart/form-data") {
            return Json::<T>::from_request(req, state).await.map(|Json(body)| WithFiles::Json(body));
        }
        let boundary = multer::parse_boundary(content_type).map_err(|_| {
            AppError::with_message(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidFormBody,
                "A multipart/form-data body needs a boundary in its Content-Type.",
            )
        })?;
        let delivered = Arc::new(AtomicU64::new(0));
        let seen = delivered.clone();
        let mut pulled = 0u64;
        let stream = req.into_body().into_data_stream().map(move |chunk| {
            let chunk = chunk.map_err(std::io::Error::other)?;
            pulled += chunk.len() as u64;
            if pulled.saturating_sub(seen.load(Ordering::Relaxed)) > UNDELIVERED_MOST {
                return Err(std::io::Error::other("the form's headers or preamble are too large"));
            }
            Ok(chunk)
        });
        // The whole body: every file at its largest, and the JSON, with room for the form's
        // own lines.
        let files = &state.config.files;
        let whole = files.max_file_bytes * files.max_files_per_message as u64
            + state.config.max_body_bytes as u64
            + UNDELIVERED_MOST;
        let constraints = multer::Constraints::new().size_limit(multer::SizeLimit::new().whole_stream(whole));
        Ok(WithFiles::Form(FileForm {
            form: multer::Multipart::with_constraints(stream, boundary, constraints),
            delivered,
        }))
    }
}

/// `files[3]` is file 3; Discord's older single `file` part is file 0.
fn file_index(name: &str) -> Option<u64> {
    if name == "file" {
        return Some(0);
    }
    name.strip_prefix("files[")?.strip_suffix(']')?.parse().ok()
}

impl FileForm {
    /// Reads every part: `payload_json` as `T` (an empty object when there is none), each file
    /// into storage for `channel_id`, at most `files_per_message` of them. On any failure the
    /// files already stored are removed before the error is returned.
    pub async fn receive<T: DeserializeOwned>(
        mut self,
        state: &AppState,
        channel_id: Snowflake,
        uploader: Snowflake,
    ) -> AppResult<(T, Vec<FormFile>)> {
        let mut files = Vec::new();
        let outcome = self.read(state, channel_id, uploader, &mut files).await;
        if outcome.is_err() {
            discard(state, &files).await;
        }
        Ok((outcome?, files))
    }

    async fn read<T: DeserializeOwned>(
        &mut self,
        state: &AppState,
        channel_id: Snowflake,
        uploader: Snowflake,
        files: &mut Vec<FormFile>,
    ) -> AppResult<T> {
        let most = state.config.files.max_files_per_message;
        let mut payload = None;
        while let Some(field) = self.form.next_field().await.map_err(malformed)? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "payload_json" {
                if payload.is_some() {
                    return Err(AppError::field("payload_json", "DUPLICATE", "Send payload_json once."));
                }
                let bytes = read_limited(field, state.config.max_body_bytes).await?;
                self.delivered.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                payload = Some(json_value(&bytes)?);
                continue;
            }
            let Some(index) = file_index(&name) else {
                return Err(AppError::field(
                    "_form",
                    "UNKNOWN_PART",
                    format!("Unexpected form part {name:?}: send payload_json and files[0], files[1], ..."),
                ));
            };
            if files.iter().any(|f| f.index == index) {
                return Err(AppError::field(&name, "DUPLICATE", format!("{name} was sent twice.")));
            }
            if files.len() >= most {
                return Err(AppError::field(
                    "files",
                    "BASE_TYPE_MAX_LENGTH",
                    format!("A message may carry at most {most} files."),
                ));
            }
            let filename = field.file_name().unwrap_or("file").to_owned();
            let delivered = self.delivered.clone();
            let body = Box::pin(field.map_err(|e| std::io::Error::other(e.to_string())).map_ok(move |chunk| {
                delivered.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                chunk
            }));
            let upload = upload::receive(state, channel_id, uploader, state.ids.next(), &name, &filename, body).await?;
            files.push(FormFile { index, upload });
        }
        typed(payload.unwrap_or_else(|| serde_json::json!({})))
    }
}

/// Removes files a message did not take.
pub async fn discard(state: &AppState, files: &[FormFile]) {
    let kept: Vec<_> = files.iter().map(|f| (f.upload.id, f.upload.key.clone())).collect();
    upload::discard(state, &kept).await;
}

/// A form part's bytes, at most `limit`.
async fn read_limited(mut field: multer::Field<'static>, limit: usize) -> AppResult<Vec<u8>> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        if bytes.len() + chunk.len() > limit {
            return Err(AppError::with_message(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::RequestTooLarge,
                format!("payload_json is larger than {limit} bytes."),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn malformed(error: multer::Error) -> AppError {
    AppError::with_message(
        StatusCode::BAD_REQUEST,
        ErrorCode::InvalidFormBody,
        format!("The multipart/form-data body is malformed or cut off: {error}."),
    )
}

#[cfg(test)]
mod tests {
    use super::file_index;

    #[test]
    fn file_parts_are_numbered_as_discords_libraries_number_them() {
        assert_eq!(file_index("files[0]"), Some(0));
        assert_eq!(file_index("files[12]"), Some(12));
        assert_eq!(file_index("file"), Some(0));
        assert_eq!(file_index("files[x]"), None);
        assert_eq!(file_index("payload_json"), None);
    }
}
