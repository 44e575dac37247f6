//! Where avatars, icons, banners and emoji are kept, and their variants made: the image work
//! of [`image_asset`](super::image_asset) run off the async threads, a few at a time, against
//! object storage.
//!
//! Keys: `{folder}/{owner}/{hash}/kept` for the image as kept, and
//! `{folder}/{owner}/{hash}/{size}.{ext}` for each variant, made on its first request. A hash
//! names its bytes, so nothing under a key ever changes. Attached images' thumbnails are made
//! the same way, under `thumbnails/{attachment}/{size}.{ext}`.

use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use parley_core::Snowflake;
use parley_objects::{ObjectError, ObjectKey, ObjectStore};
use tokio::sync::Semaphore;

use super::image_asset::{self, AssetKind, AssetRefusal, PreparedImage, Variant, VariantFormat};
use super::thumbnail;

/// Images decoded or encoded at once: each may hold up to 256 MiB of pixels while it works,
/// and CPU is better spent answering requests.
const AT_ONCE: usize = 2;
/// How long a request waits for its turn before it is told to come back (503): the queue of
/// waiting requests holds nothing large, and is bounded in time.
const WAIT_FOR_TURN: std::time::Duration = std::time::Duration::from_secs(10);

/// What went wrong keeping or serving an image.
#[derive(Debug, thiserror::Error)]
pub enum AssetError {
    /// The image itself is refused (the person's to fix).
    #[error("{}", .0.message())]
    Refused(AssetRefusal),
    #[error("object storage: {0}")]
    Storage(#[from] ObjectError),
    #[error("image work stopped: {0}")]
    Interrupted(String),
    /// Every place for image work stayed taken for [`WAIT_FOR_TURN`].
    #[error("image work is busy")]
    Busy,
}

/// One image as its CDN path names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetRef {
    pub kind: AssetKind,
    /// The user (avatar), guild (icon, banner) or emoji it belongs to.
    pub owner: Snowflake,
    pub hash: String,
}

impl AssetRef {
    /// An emoji's image, named by its id alone (as Discord's `/emojis/{id}.png`).
    pub fn emoji(id: Snowflake, animated: bool) -> Self {
        Self { kind: AssetKind::Emoji, owner: id, hash: format!("{}{id}", if animated { "a_" } else { "" }) }
    }

    pub fn animated(&self) -> bool {
        self.hash.starts_with("a_")
    }

    fn folder(&self) -> String {
        format!("{}/{}/{}", self.kind.folder(), self.owner, self.hash)
    }

    fn kept_key(&self) -> Result<ObjectKey, ObjectError> {
        ObjectKey::parse(&format!("{}/kept", self.folder()))
    }

    fn variant_key(&self, variant: Variant) -> Result<ObjectKey, ObjectError> {
        let size = variant.size.map_or_else(|| "full".to_owned(), |s| s.to_string());
        ObjectKey::parse(&format!("{}/{size}.{}", self.folder(), variant.format.extension()))
    }
}

/// Hashes are 32 hex digits, `a_` first when animated; emoji "hashes" are their ids. Anything
/// else in a CDN path names nothing.
pub fn hash_is_well_formed(hash: &str) -> bool {
    let digits = hash.strip_prefix("a_").unwrap_or(hash);
    !digits.is_empty() && digits.len() <= 32 && digits.bytes().all(|b| b.is_ascii_hexdigit())
}

#[derive(Debug, Clone)]
pub struct ImageAssets {
    objects: Arc<dyn ObjectStore>,
    work: Arc<Semaphore>,
}

impl ImageAssets {
    pub fn new(objects: Arc<dyn ObjectStore>) -> Self {
        Self { objects, work: Arc::new(Semaphore::new(AT_ONCE)) }
    }

    /// A place among [`AT_ONCE`], waited for at most [`WAIT_FOR_TURN`]. Owned, so it goes
    /// with the work it was taken for: a request that goes away does not free it while its
    /// work still runs.
    async fn turn(&self) -> Result<tokio::sync::OwnedSemaphorePermit, AssetError> {
        match tokio::time::timeout(WAIT_FOR_TURN, self.work.clone().acquire_owned()).await {
            Ok(Ok(place)) => Ok(place),
            Ok(Err(closed)) => Err(AssetError::Interrupted(closed.to_string())),
            Err(_) => Err(AssetError::Busy),
        }
    }

    /// Runs image work on the blocking pool once a place is free, holding the place until the
    /// work ends (whether or not anyone still waits for it).
    async fn off_thread<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> Result<T, AssetRefusal> + Send + 'static,
    ) -> Result<T, AssetError> {
        let place = self.turn().await?;
        tokio::task::spawn_blocking(move || {
            let _place = place;
            job()
        })
        .await
        .map_err(|e| AssetError::Interrupted(e.to_string()))?
        .map_err(AssetError::Refused)
    }

    /// Checks, prepares and keeps a sent image of `kind` for `owner`; returns its hash.
    /// (`bytes` were parsed from a data URI within the kind's limit.)
    pub async fn keep(&self, kind: AssetKind, owner: Snowflake, bytes: Vec<u8>) -> Result<AssetRef, AssetError> {
        let prepared: PreparedImage = self.off_thread(move || image_asset::prepare(kind, &bytes)).await?;
        let asset = AssetRef { kind, owner, hash: prepared.hash.clone() };
        self.put(&asset.kept_key()?, prepared.bytes).await?;
        Ok(asset)
    }

    /// Keeps a sent emoji image under the emoji's id; returns whether it moves.
    pub async fn keep_emoji(&self, id: Snowflake, bytes: Vec<u8>) -> Result<AssetRef, AssetError> {
        let prepared = self.off_thread(move || image_asset::prepare(AssetKind::Emoji, &bytes)).await?;
        let asset = AssetRef::emoji(id, prepared.animated);
        self.put(&asset.kept_key()?, prepared.bytes).await?;
        Ok(asset)
    }

    async fn put(&self, key: &ObjectKey, bytes: Vec<u8>) -> Result<(), ObjectError> {
        let length = bytes.len() as u64;
        let body = futures::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(bytes)) });
        self.objects.put(key, Box::pin(body), length).await?;
        Ok(())
    }

    async fn read(&self, key: &ObjectKey) -> Result<Option<Bytes>, ObjectError> {
        let object = match self.objects.get(key, None).await {
            Ok(object) => object,
            Err(ObjectError::NotFound(_)) => return Ok(None),
            Err(error) => return Err(error),
        };
        let chunks: Vec<Bytes> =
            object.body.try_collect().await.map_err(|e| ObjectError::Storage(format!("reading {key}: {e}")))?;
        Ok(Some(chunks.concat().into()))
    }

    /// Removes the image and every variant a CDN URL could have made of it (the sizes and
    /// formats are few and known). Failures are logged: what is left is unreachable, since
    /// nothing names it any more.
    pub async fn forget(&self, asset: &AssetRef) {
        let sizes = std::iter::once(None).chain((4..=12).map(|power| Some(1u32 << power)));
        let formats = [VariantFormat::Png, VariantFormat::Jpeg, VariantFormat::Webp, VariantFormat::Gif];
        let mut keys = vec![asset.kept_key()];
        for size in sizes {
            keys.extend(formats.iter().map(|&format| asset.variant_key(Variant { format, size })));
        }
        for key in keys {
            let removed = match key {
                Ok(key) => self.objects.delete(&key).await,
                Err(error) => Err(error),
            };
            if let Err(error) = removed {
                tracing::warn!(%error, hash = %asset.hash, "could not remove an image from storage");
            }
        }
    }

    /// `variant` of `asset`, made and kept on its first request; `None` if there is no such
    /// image.
    pub async fn variant(&self, asset: &AssetRef, variant: Variant) -> Result<Option<Bytes>, AssetError> {
        let animated = asset.animated();
        self.made_once(asset.variant_key(variant)?, asset.kept_key()?, u64::MAX, move |kept| {
            image_asset::render(&kept, animated, variant)
        })
        .await
    }

    /// A thumbnail of the attached image under `source` (of `content_type`) at `side`, made
    /// and kept on its first request under [`thumbnail_key`]; `None` when it gets none (no
    /// such file, one over [`thumbnail::MAX_SOURCE_BYTES`], or one that moves or will not
    /// decode: the file itself will do). A refusal is remembered (an empty object under the
    /// key), so a file that cannot be thumbnailed is read and decoded once, not on every
    /// request.
    pub async fn thumbnail(
        &self,
        attachment: Snowflake,
        source: ObjectKey,
        content_type: &str,
        side: u32,
    ) -> Result<Option<Bytes>, AssetError> {
        let Some(format) = thumbnail::format_for(content_type) else { return Ok(None) };
        let key = thumbnail_key(attachment, side, format)?;
        let kind = content_type.to_owned();
        let made = self
            .made_once(key.clone(), source, thumbnail::MAX_SOURCE_BYTES, move |bytes| {
                thumbnail::render(&bytes, &kind, side, format)
            })
            .await;
        match made {
            Ok(Some(made)) if made.is_empty() => Ok(None),
            Err(AssetError::Refused(refusal)) => {
                tracing::debug!(?refusal, %attachment, "no thumbnail; the file is served instead");
                self.put(&key, Vec::new()).await?;
                Ok(None)
            }
            other => other,
        }
    }

    /// Removes every thumbnail an attachment may have had (the sizes are few and known).
    pub async fn forget_thumbnails(&self, attachment: Snowflake, content_type: &str) {
        let Some(format) = thumbnail::format_for(content_type) else { return };
        for side in thumbnail::SIZES {
            let removed = match thumbnail_key(attachment, side, format) {
                Ok(key) => self.objects.delete(&key).await,
                Err(error) => Err(error),
            };
            if let Err(error) = removed {
                tracing::warn!(%error, %attachment, "could not remove a thumbnail from storage");
            }
        }
    }

    /// What `render` makes of the object under `source`, kept under `key`: read from there
    /// if made already, else made now. The making runs as a task of its own, holding its place
    /// until the result is stored, so a request that goes away still leaves it made; requests
    /// for something being made wait their turn and then find it kept. `None`: no source, or
    /// one larger than `max_bytes`.
    async fn made_once(
        &self,
        key: ObjectKey,
        source: ObjectKey,
        max_bytes: u64,
        render: impl FnOnce(Bytes) -> Result<Vec<u8>, AssetRefusal> + Send + 'static,
    ) -> Result<Option<Bytes>, AssetError> {
        if let Some(made) = self.read(&key).await? {
            return Ok(Some(made));
        }
        let place = self.turn().await?;
        let assets = self.clone();
        let making = tokio::spawn(async move {
            let _place = place;
            // Made while this request waited for its turn.
            if let Some(made) = assets.read(&key).await? {
                return Ok(Some(made));
            }
            if max_bytes < u64::MAX && assets.objects.size(&source).await?.is_none_or(|size| size > max_bytes) {
                return Ok(None);
            }
            let Some(source) = assets.read(&source).await? else { return Ok(None) };
            let made = tokio::task::spawn_blocking(move || render(source))
                .await
                .map_err(|e| AssetError::Interrupted(e.to_string()))?
                .map_err(AssetError::Refused)?;
            let made = Bytes::from(made);
            assets.put(&key, made.to_vec()).await?;
            Ok(Some(made))
        });
        making.await.map_err(|e| AssetError::Interrupted(e.to_string()))?
    }
}

/// Where an attachment's thumbnail at `side` is kept: beside no other file, so the sweeper
/// can remove each by its name.
fn thumbnail_key(attachment: Snowflake, side: u32, format: VariantFormat) -> Result<ObjectKey, ObjectError> {
    ObjectKey::parse(&format!("thumbnails/{attachment}/{side}.{}", format.extension()))
}

/// 503 for image work that could not get its turn: the person tries again shortly.
pub fn busy() -> crate::error::AppError {
    crate::error::AppError::with_message(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        parley_core::ErrorCode::ServiceUnavailable,
        "The server is busy with other images; try again in a few seconds.",
    )
}

/// The largest request body a route that takes one image as a data URI reads: the largest
/// image, base64-encoded (4 characters per 3 bytes), with room for the rest of the JSON.
pub const DATA_URI_BODY_BYTES: usize = 10 * 1024 * 1024 / 3 * 4 + 64 * 1024;

/// Keeps the image a request's `field` sent as a data URI, as `kind` for `owner`; a refusal
/// is the field's error (400, 50035) with a message the person can act on.
pub async fn keep_data_uri(
    state: &crate::AppState,
    field: &str,
    kind: AssetKind,
    owner: Snowflake,
    uri: &str,
) -> crate::error::AppResult<AssetRef> {
    use super::data_uri::{DataUriRefusal, image_bytes};
    use crate::error::AppError;
    let bytes = image_bytes(uri, kind.max_upload_bytes()).map_err(|refusal| {
        let code = match refusal {
            DataUriRefusal::TooLarge { .. } => "BINARY_TYPE_MAX_SIZE",
            DataUriRefusal::Malformed => "IMAGE_INVALID",
        };
        AppError::field(field, code, refusal.message())
    })?;
    let kept = match kind {
        AssetKind::Emoji => state.images.keep_emoji(owner, bytes).await,
        _ => state.images.keep(kind, owner, bytes).await,
    };
    kept.map_err(|error| match error {
        AssetError::Refused(refusal) => AppError::field(field, "IMAGE_INVALID", refusal.message()),
        AssetError::Busy => busy(),
        other => AppError::internal(format!("keeping a {}: {other}", kind.folder())),
    })
}
