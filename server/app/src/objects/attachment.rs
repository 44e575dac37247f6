//! Attachment objects: a message's files as Discord shows them, each with a download URL
//! signed when the message is read (`files::signed_url`), good for `files_url_ttl_hours`; the
//! same signature opens the file's previews (`proxy_url`).

use parley_core::Snowflake;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::schema;
use crate::AppState;
use crate::files::upload::Upload;

/// What a message keeps of each file (its `attachments` column, as JSON).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredAttachment {
    pub id: Snowflake,
    pub filename: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub content_type: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

impl StoredAttachment {
    pub fn of(upload: &Upload, description: Option<String>) -> Self {
        Self {
            id: upload.id,
            filename: upload.filename.clone(),
            description,
            content_type: upload.kind.content_type().to_owned(),
            size: upload.size,
            width: upload.dimensions.map(|(w, _)| w),
            height: upload.dimensions.map(|(_, h)| h),
        }
    }
}

impl StoredAttachment {
    /// A file sent ahead of its message (Discord's two-step upload), as the ledger has it.
    pub fn of_waiting(upload: &parley_store::attachments::WaitingUpload, description: Option<String>) -> Self {
        let side = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok());
        Self {
            id: upload.id,
            filename: upload.filename.clone(),
            description,
            content_type: upload.content_type.clone(),
            size: u64::try_from(upload.size).unwrap_or(0),
            width: side(upload.width),
            height: side(upload.height),
        }
    }
}

/// The path a two-step upload's bytes are sent to (what its upload URL signs): the channel,
/// the uploader and the upload's id are in it, so none can be changed.
pub fn upload_path(channel_id: Snowflake, uploader: Snowflake, id: Snowflake, filename: &str) -> String {
    format!("/uploads/{channel_id}/{uploader}/{id}/{filename}")
}

/// A message's file, as Discord's attachment object.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AttachmentObject {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    /// The name it is kept and linked under: the uploader's, with anything but letters,
    /// digits, `.`, `_` and `-` made `_`. A `SPOILER_` prefix hides it until clicked.
    pub filename: String,
    /// Alt text, up to 1024 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The type its bytes show (never the one the uploader claimed).
    pub content_type: String,
    /// Bytes, as stored (an image's metadata stripped).
    pub size: u64,
    /// The download URL, signed and expiring (`ex`, `is`, `hm`).
    pub url: String,
    /// The same file through Parley's media proxy (`/media/attachments/...`, signed alike):
    /// add `width` and `height` and an image comes back as a thumbnail that fits them.
    pub proxy_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    pub ephemeral: bool,
}

/// The path a file is downloaded from (what its URL signs).
pub fn download_path(channel_id: Snowflake, id: Snowflake, filename: &str) -> String {
    format!("/attachments/{channel_id}/{id}/{filename}")
}

/// The files a message keeps in `json`, with URLs signed now.
pub fn attachment_objects(state: &AppState, channel_id: Snowflake, json: &str) -> Vec<AttachmentObject> {
    let stored: Vec<StoredAttachment> = serde_json::from_str(json).unwrap_or_default();
    if stored.is_empty() {
        return Vec::new();
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    // Signed at the start of the hour, so a message read twice within it has the same URLs
    // (a browser's cache keeps the file).
    let issued = now - now % 3600;
    let base = state.tokens.issuer().trim_end_matches('/');
    stored
        .into_iter()
        .map(|file| {
            let path = download_path(channel_id, file.id, &file.filename);
            let signed = state.file_urls.sign(&path, issued, state.config.files.url_ttl_secs + (now - issued));
            let query = signed.to_query();
            let url = format!("{base}{path}?{query}&");
            AttachmentObject {
                id: file.id,
                filename: file.filename,
                description: file.description,
                content_type: file.content_type,
                size: file.size,
                proxy_url: format!("{base}/media{path}?{query}&"),
                url,
                width: file.width,
                height: file.height,
                ephemeral: false,
            }
        })
        .collect()
}

/// The `attachments` column for these uploads.
pub fn stored_json(files: &[StoredAttachment]) -> String {
    serde_json::to_string(files).unwrap_or_else(|_| "[]".to_owned())
}
