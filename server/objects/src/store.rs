//! The one interface every backend gives: put a streamed body under a key (atomically, within
//! a byte limit), get it back whole or a range of it, learn its size, delete it; and, where the
//! backend can, a presigned URL to fetch it from directly.

use std::pin::Pin;

use bytes::Bytes;
use futures::Stream;

use crate::{ObjectError, ObjectKey};

/// A body streamed in or out, chunk by chunk.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// Bytes `start..=end` of an object (`end` `None`: to its end), as an HTTP `Range` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: Option<u64>,
}

impl ByteRange {
    /// The first and last byte this range takes of an object of `size` bytes.
    pub fn within(&self, size: u64) -> Result<(u64, u64), ObjectError> {
        let last = self.end.map_or(size.saturating_sub(1), |e| e.min(size.saturating_sub(1)));
        if size == 0 || self.start > last {
            return Err(ObjectError::Unsatisfiable { start: self.start, end: self.end, size });
        }
        Ok((self.start, last))
    }
}

/// An object being read: its whole size, the bytes sent (all, or the range asked for), and
/// the body.
pub struct Object {
    pub size: u64,
    /// First and last byte of `body` within the object.
    pub range: (u64, u64),
    pub body: ByteStream,
}

impl std::fmt::Debug for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Object").field("size", &self.size).field("range", &self.range).finish()
    }
}

/// What a presigned download URL answers with and for how long it works.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Presign {
    /// When its validity starts (a whole hour, say, so URLs made within it are the same and
    /// browsers' caches keep what they fetched).
    pub issued: std::time::SystemTime,
    pub valid_for: std::time::Duration,
    pub content_type: String,
    pub content_disposition: String,
    pub cache_control: String,
}

#[async_trait::async_trait]
pub trait ObjectStore: Send + Sync + std::fmt::Debug {
    /// Streams `body` into `key`, replacing what was there; returns the bytes stored. The
    /// object appears only once the body is whole; past `limit` bytes it fails with
    /// [`ObjectError::TooLarge`], and any failure leaves nothing behind.
    async fn put(&self, key: &ObjectKey, body: ByteStream, limit: u64) -> Result<u64, ObjectError>;

    /// The object under `key`, or the bytes `range` takes of it.
    async fn get(&self, key: &ObjectKey, range: Option<ByteRange>) -> Result<Object, ObjectError>;

    /// The object's size, or `None` if there is none.
    async fn size(&self, key: &ObjectKey) -> Result<Option<u64>, ObjectError>;

    /// Removes the object; removing one that is not there is not an error.
    async fn delete(&self, key: &ObjectKey) -> Result<(), ObjectError>;

    /// A URL the object can be fetched from directly, without credentials, as `presign` says;
    /// `None` where the backend has no such URLs (local files).
    async fn presigned_get(&self, _key: &ObjectKey, _presign: &Presign) -> Result<Option<String>, ObjectError> {
        Ok(None)
    }

    /// Whether the storage answers (for `/ready`).
    async fn check(&self) -> Result<(), ObjectError>;
}
