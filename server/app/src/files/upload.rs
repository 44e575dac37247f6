//! Receiving one uploaded file: a ledger row first (so a node that stops mid-upload leaves
//! something the sweeper finds), then the bytes, streamed through [`Inspector`] into the
//! object store within the per-file limit and what the uploader's quota has left, then the
//! charge to the uploader's and the instance's quotas. Any failure leaves nothing stored and
//! nothing charged.

use axum::http::StatusCode;
use parley_core::{ErrorCode, Snowflake, Timestamp};
use parley_objects::{ByteStream, ObjectError, ObjectKey};
use parley_store::attachments::{Arrived, INSTANCE, NewUpload, OverQuota, Quotas};

use super::image_scrub::ImageRefusal;
use super::inspect::Inspector;
use super::sniff::Sniffed;
use crate::AppState;
use crate::error::{AppError, AppResult};

/// How long an upload may take to arrive before the sweeper may remove it (a node that
/// stopped mid-upload leaves its row): long enough for the largest upload on a slow uplink.
const ARRIVING_SECS: i64 = 6 * 3600;
/// How long a whole upload may wait for its message before the sweeper removes it.
const UNCLAIMED_SECS: i64 = 3600;
/// The longest name a file keeps.
const MAX_NAME_CHARS: usize = 128;
const MIB: u64 = 1024 * 1024;

/// A file whole in storage and charged to its uploader, waiting for its message.
#[derive(Clone, Debug)]
pub struct Upload {
    pub id: Snowflake,
    /// Its name as stored and in its URL (see [`stored_name`]).
    pub filename: String,
    pub kind: Sniffed,
    pub size: u64,
    /// An image's width and height.
    pub dimensions: Option<(u32, u32)>,
    pub key: ObjectKey,
}

/// The name a file is kept under and linked by: the client's, with anything but letters,
/// digits, `.`, `_` and `-` made `_` (spaces too, as Discord does), no leading dot, at most
/// 128 characters (the extension kept), never empty.
pub fn stored_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut safe: String =
        base.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' }).collect();
    while safe.starts_with('.') {
        safe.remove(0);
    }
    if safe.len() > MAX_NAME_CHARS {
        let extension = safe.rfind('.').map(|at| safe[at..].to_owned()).filter(|e| e.len() <= 16).unwrap_or_default();
        safe.truncate(MAX_NAME_CHARS - extension.len());
        safe.push_str(&extension);
    }
    if safe.is_empty() || safe.chars().all(|c| c == '_') { "file".to_owned() } else { safe }
}

/// Streams one file (`field`, as the form named it, for errors) into storage for `channel_id`,
/// as upload `id` (new, or the one a two-step upload's URL named).
pub async fn receive(
    state: &AppState,
    channel_id: Snowflake,
    uploader: Snowflake,
    id: Snowflake,
    field: &str,
    name: &str,
    body: ByteStream,
) -> AppResult<Upload> {
    let config = &state.config.files;
    let filename = stored_name(name);
    let key = ObjectKey::parse(&format!("attachments/{channel_id}/{id}/{filename}")).map_err(AppError::internal)?;
    let now = Timestamp::now();
    let reserved = state
        .store
        .reserve_upload(&NewUpload {
            id,
            channel_id,
            uploader_id: uploader,
            object_key: key.to_string(),
            filename: filename.clone(),
            now,
            sweep_at: now.plus_millis(ARRIVING_SECS * 1000),
        })
        .await?;
    if !reserved {
        return Err(AppError::with_message(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownFile,
            "This upload URL was used already; ask for a new one.",
        ));
    }
    // The most it may be: the per-file limit, or what the uploader's quota or the instance's
    // has left, whichever is least (charged for real, atomically, once it is whole).
    let left = async |quota: Option<i64>, user: Snowflake| -> AppResult<Option<u64>> {
        Ok(match quota {
            Some(quota) => Some(u64::try_from(quota - state.store.file_usage(user).await?).unwrap_or(0)),
            None => None,
        })
    };
    let user_left = left(config.user_quota_bytes, uploader).await?;
    let instance_left = left(config.instance_quota_bytes, Snowflake::new(INSTANCE as u64)).await?;
    let limit = [Some(config.max_file_bytes), user_left, instance_left].into_iter().flatten().min().unwrap_or(0);
    let over = if instance_left == Some(limit) { OverQuota::Instance } else { OverQuota::User { used: 0 } };
    let (inspector, findings) = Inspector::new(body, config.image, config.strip_metadata, limit);
    let stored = state.objects.put(&key, Box::pin(inspector), limit).await;
    let findings = findings.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let size = match stored {
        Ok(size) => size,
        Err(error) => {
            state.store.forget_files(&[id]).await?;
            // Too large by what came in (the inspector's count) or by what was stored.
            let error = if findings.too_large { ObjectError::TooLarge { limit } } else { error };
            let outcome = match (&error, findings.refusal) {
                (_, Some(_)) => "bad_image",
                (ObjectError::TooLarge { .. }, _) if limit < config.max_file_bytes => "over_quota",
                (ObjectError::TooLarge { .. }, _) => "too_large",
                (ObjectError::Body(_), _) => "cut_off",
                _ => "failed",
            };
            state.metrics.files.outcome(outcome);
            return Err(match (error, findings.refusal) {
                (_, Some(refusal)) => image_refused(field, refusal),
                (ObjectError::TooLarge { .. }, _) if limit < config.max_file_bytes => {
                    over_quota(state, uploader, over).await?
                }
                (ObjectError::TooLarge { .. }, _) => AppError::with_message(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::RequestTooLarge,
                    format!("{name} is larger than the {} a file may be.", size_words(config.max_file_bytes)),
                ),
                (ObjectError::Body(cause), _) => AppError::field(
                    field,
                    "UPLOAD_CUT_OFF",
                    format!("The upload of {name} was cut off ({cause}); nothing was kept."),
                ),
                (error, _) => AppError::internal(format!("storing an upload: {error}")),
            });
        }
    };
    let kind = findings.kind.unwrap_or(Sniffed::Binary);
    let quotas = Quotas { per_user: config.user_quota_bytes, instance: config.instance_quota_bytes };
    let until = Timestamp::now().plus_millis(UNCLAIMED_SECS * 1000);
    let size_i64 = i64::try_from(size).unwrap_or(i64::MAX);
    let charged = match state
        .store
        .charge_upload(
            id,
            uploader,
            Arrived { size: size_i64, content_type: kind.content_type(), dimensions: findings.size },
            quotas,
            until,
        )
        .await
    {
        Ok(charged) => charged,
        Err(error) => {
            // Its row is gone (swept while it arrived) or the database failed: the object
            // must not stay behind uncounted.
            if let Err(cause) = state.objects.delete(&key).await {
                tracing::warn!(error = %cause, %key, "could not remove an upload that could not be charged");
            }
            return Err(error.into());
        }
    };
    if let Err(over) = charged {
        discard(state, &[(id, key)]).await;
        state.metrics.files.outcome("over_quota");
        return Err(over_quota(state, uploader, over).await?);
    }
    state.metrics.files.outcome("stored");
    state.metrics.files.stored_bytes.inc_by(size);
    Ok(Upload { id, filename, kind, size, dimensions: findings.size, key })
}

/// Removes uploads no message will take (the send or edit failed): their rows first,
/// refunding them, then their objects. One a message took after all (the failure came after
/// the message was stored) is left alone. A failure is logged; what is left is the sweeper's.
pub async fn discard(state: &AppState, uploads: &[(Snowflake, ObjectKey)]) {
    let ids: Vec<Snowflake> = uploads.iter().map(|(id, _)| *id).collect();
    let forgotten = match state.store.forget_files(&ids).await {
        Ok(forgotten) => forgotten,
        Err(error) => {
            tracing::warn!(%error, "could not forget uploads no message took; the sweeper will");
            return;
        }
    };
    for (id, key) in uploads.iter().filter(|(id, _)| forgotten.contains(id)) {
        if let Err(error) = state.objects.delete(key).await {
            tracing::error!(%error, %key, upload = %id, "could not remove an upload no message took after forgetting it: it is left there (remove it by hand)");
        }
    }
}

fn image_refused(field: &str, refusal: ImageRefusal) -> AppError {
    match refusal {
        ImageRefusal::TooLarge { width, height } => AppError::field(
            field,
            "IMAGE_TOO_LARGE",
            format!(
                "The image is {width}×{height} pixels, more than this server accepts; scale it down and send it again."
            ),
        ),
        ImageRefusal::Malformed(what) => {
            AppError::field(field, "IMAGE_INVALID", format!("The file looks like an image but is broken ({what})."))
        }
    }
}

async fn over_quota(state: &AppState, uploader: Snowflake, over: OverQuota) -> AppResult<AppError> {
    let config = &state.config.files;
    let message = match over {
        OverQuota::User { .. } => {
            let used = state.store.file_usage(uploader).await?;
            format!(
                "Your files take {} of the {} each person may keep here; delete some messages with files, or ask an admin for more.",
                size_words(u64::try_from(used).unwrap_or(0)),
                size_words(u64::try_from(config.user_quota_bytes.unwrap_or(0)).unwrap_or(0)),
            )
        }
        OverQuota::Instance => "This server's file storage is full; ask an admin.".to_owned(),
    };
    Ok(AppError::with_message(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::RequestTooLarge, message))
}

/// `25 MiB`, `1.5 GiB`, `300 KiB`.
pub fn size_words(bytes: u64) -> String {
    let (value, unit) = match bytes {
        b if b >= 1024 * MIB => (b as f64 / (1024 * MIB) as f64, "GiB"),
        b if b >= MIB => (b as f64 / MIB as f64, "MiB"),
        b => (b as f64 / 1024.0, "KiB"),
    };
    let text = format!("{value:.1}");
    format!("{} {unit}", text.strip_suffix(".0").unwrap_or(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_name_is_plain_and_keeps_its_extension() {
        assert_eq!(stored_name("holiday photo.jpg"), "holiday_photo.jpg");
        assert_eq!(stored_name("../../etc/passwd"), "passwd");
        assert_eq!(stored_name("C:\\Users\\me\\report.pdf"), "report.pdf");
        assert_eq!(stored_name(".bashrc"), "bashrc");
        assert_eq!(stored_name("résumé.txt"), "r_sum_.txt");
        assert_eq!(stored_name(""), "file");
        assert_eq!(stored_name("日本"), "file");
        let long = format!("{}.png", "a".repeat(300));
        assert_eq!(stored_name(&long).len(), MAX_NAME_CHARS);
        assert!(stored_name(&long).ends_with(".png"));
        assert!(ObjectKey::parse(&format!("attachments/1/2/{}", stored_name("SPOILER_cat.gif"))).is_ok());
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_words(25 * MIB), "25 MiB");
        assert_eq!(size_words(1536 * MIB), "1.5 GiB");
        assert_eq!(size_words(300 * 1024), "300 KiB");
    }
}
