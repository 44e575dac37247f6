//! What uploads may be: the limits an operator sets (the `files_*` settings in
//! docs/configuration.md).

use super::image_scrub::ImageLimits;

#[derive(Clone, Debug)]
pub struct FilesConfig {
    /// The largest file, in bytes.
    pub max_file_bytes: u64,
    /// Files one message may carry (Discord's limit is 10).
    pub max_files_per_message: usize,
    /// What one user's files may take in all; `None`: no limit.
    pub user_quota_bytes: Option<i64>,
    /// What every file together may take; `None`: no limit.
    pub instance_quota_bytes: Option<i64>,
    /// Strip images' metadata (EXIF location and the like).
    pub strip_metadata: bool,
    /// What an image may declare.
    pub image: ImageLimits,
    /// How long a download URL works.
    pub url_ttl_secs: u64,
    /// How long a deleted message's files stay (a moderator's second look; caches).
    pub deleted_grace_secs: u64,
    /// Downloads are redirected to presigned URLs on this origin (the bucket's, as clients
    /// reach it; the web client's content security policy allows it); `None`: Parley streams
    /// them itself.
    pub download_origin: Option<String>,
}

impl FilesConfig {
    /// When files no message shows any more (deleted or dropped at `now`) leave storage.
    pub fn released_until(&self, now: parley_core::Timestamp) -> parley_core::Timestamp {
        now.plus_millis(i64::try_from(self.deleted_grace_secs.saturating_mul(1000)).unwrap_or(i64::MAX))
    }

    pub const DEFAULT: Self = Self {
        max_file_bytes: 100 * 1024 * 1024,
        max_files_per_message: 10,
        user_quota_bytes: Some(10 * 1024 * 1024 * 1024),
        instance_quota_bytes: None,
        strip_metadata: true,
        image: ImageLimits { max_pixels: 100_000_000, max_side: 32_768 },
        url_ttl_secs: 24 * 3600,
        deleted_grace_secs: 3600,
        download_origin: None,
    };
}

impl Default for FilesConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}
