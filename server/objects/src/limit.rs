//! A body's chunks, counted: the stream fails with [`ObjectError::TooLarge`] as soon as more
//! than the limit has come, so no backend stores (or buffers) past it.

use bytes::Bytes;
use futures::StreamExt;

use crate::{ByteStream, ObjectError};

/// Reads `body` one chunk at a time, failing once more than `limit` bytes have come.
pub(crate) struct Limited {
    body: ByteStream,
    limit: u64,
    pub(crate) read: u64,
}

impl Limited {
    pub(crate) fn new(body: ByteStream, limit: u64) -> Self {
        Self { body, limit, read: 0 }
    }

    /// The next chunk, `None` at the end.
    pub(crate) async fn next(&mut self) -> Result<Option<Bytes>, ObjectError> {
        match self.body.next().await {
            None => Ok(None),
            Some(Err(e)) => Err(ObjectError::Body(e)),
            Some(Ok(chunk)) => {
                self.read += chunk.len() as u64;
                if self.read > self.limit {
                    return Err(ObjectError::TooLarge { limit: self.limit });
                }
                Ok(Some(chunk))
            }
        }
    }
}
