//! Objects as files under a directory (`data_dir/files` by default). A body is written to
//! `.incoming/` first, flushed to disk, then renamed to its key's path, so a reader sees the
//! old object or the new one whole, never part of one; a failed body's file is removed.
//! Keys never start a segment with `.`, so `.incoming` is never an object.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use crate::limit::Limited;
use crate::{ByteRange, ByteStream, Object, ObjectError, ObjectKey, ObjectStore};

/// Bodies still being written, invisible as objects.
const INCOMING: &str = ".incoming";
/// A file left in `.incoming` this long is from a crashed upload (other nodes sharing the
/// directory may be writing the newer ones).
const ABANDONED_AFTER: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// Objects under `root`, made if missing (readable by this user only); uploads a crash
    /// left behind more than a day ago are removed.
    pub async fn open(root: &Path) -> Result<Self, ObjectError> {
        let incoming = root.join(INCOMING);
        tokio::fs::create_dir_all(&incoming)
            .await
            .map_err(|e| ObjectError::storage(&format!("cannot create {}", incoming.display()), e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let private = std::fs::Permissions::from_mode(0o700);
            tokio::fs::set_permissions(root, private)
                .await
                .map_err(|e| ObjectError::storage(&format!("cannot restrict {}", root.display()), e))?;
        }
        let mut entries = tokio::fs::read_dir(&incoming)
            .await
            .map_err(|e| ObjectError::storage(&format!("cannot read {}", incoming.display()), e))?;
        while let Ok(Some(entry)) = entries.next_entry().await {
            let old = entry.metadata().await.ok().and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok());
            if old.is_some_and(|age| age > ABANDONED_AFTER) {
                let _ = tokio::fs::remove_file(entry.path()).await;
            }
        }
        Ok(Self { root: root.to_owned() })
    }

    fn path(&self, key: &ObjectKey) -> PathBuf {
        self.root.join(key.as_str())
    }

    /// Writes `body` to `temp`, within `limit`, flushed to disk.
    async fn write(temp: &Path, body: ByteStream, limit: u64) -> Result<u64, ObjectError> {
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600);
        let mut file = options
            .open(temp)
            .await
            .map_err(|e| ObjectError::storage(&format!("cannot create {}", temp.display()), e))?;
        let mut body = Limited::new(body, limit);
        while let Some(chunk) = body.next().await? {
            file.write_all(&chunk)
                .await
                .map_err(|e| ObjectError::storage(&format!("cannot write {}", temp.display()), e))?;
        }
        file.sync_all().await.map_err(|e| ObjectError::storage(&format!("cannot flush {}", temp.display()), e))?;
        Ok(body.read)
    }
}

/// A file removed when this is dropped, if it is still there (after a rename it is not).
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn not_found_or(key: &ObjectKey, context: &str, e: std::io::Error) -> ObjectError {
    if e.kind() == std::io::ErrorKind::NotFound {
        ObjectError::NotFound(key.to_string())
    } else {
        ObjectError::storage(context, e)
    }
}

#[async_trait::async_trait]
impl ObjectStore for LocalStore {
    async fn put(&self, key: &ObjectKey, body: ByteStream, limit: u64) -> Result<u64, ObjectError> {
        let temp = self.root.join(INCOMING).join(uuid::Uuid::new_v4().simple().to_string());
        // Removes the file if this future is dropped mid-way (the client went, or shutdown).
        let _unfinished = RemoveOnDrop(temp.clone());
        let size = Self::write(&temp, body, limit).await?;
        let path = self.path(key);
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| ObjectError::storage(&format!("cannot create {}", dir.display()), e))?;
        }
        tokio::fs::rename(&temp, &path)
            .await
            .map_err(|e| ObjectError::storage(&format!("cannot move the upload to {}", path.display()), e))?;
        Ok(size)
    }

    async fn get(&self, key: &ObjectKey, range: Option<ByteRange>) -> Result<Object, ObjectError> {
        let path = self.path(key);
        let context = format!("cannot read {}", path.display());
        let mut file = tokio::fs::File::open(&path).await.map_err(|e| not_found_or(key, &context, e))?;
        let meta = file.metadata().await.map_err(|e| ObjectError::storage(&context, e))?;
        if !meta.is_file() {
            return Err(ObjectError::NotFound(key.to_string()));
        }
        let size = meta.len();
        let (first, last) = match range {
            Some(range) => range.within(size)?,
            None => (0, size.saturating_sub(1)),
        };
        file.seek(SeekFrom::Start(first)).await.map_err(|e| ObjectError::storage(&context, e))?;
        let length = if size == 0 { 0 } else { last - first + 1 };
        // 64 KiB reads: the default 4 KiB made a download cost five times the CPU (parley-bench files).
        let body = tokio_util::io::ReaderStream::with_capacity(file.take(length), 64 * 1024);
        Ok(Object { size, range: (first, last), body: Box::pin(body) })
    }

    async fn size(&self, key: &ObjectKey) -> Result<Option<u64>, ObjectError> {
        let path = self.path(key);
        match tokio::fs::metadata(&path).await {
            Ok(meta) if meta.is_file() => Ok(Some(meta.len())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ObjectError::storage(&format!("cannot read {}", path.display()), e)),
        }
    }

    async fn delete(&self, key: &ObjectKey) -> Result<(), ObjectError> {
        let path = self.path(key);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(ObjectError::storage(&format!("cannot remove {}", path.display()), e)),
        }
    }

    async fn check(&self) -> Result<(), ObjectError> {
        let incoming = self.root.join(INCOMING);
        tokio::fs::metadata(&incoming)
            .await
            .map(drop)
            .map_err(|e| ObjectError::storage(&format!("cannot reach {}", incoming.display()), e))
    }
}
