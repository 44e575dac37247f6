//! What went wrong with an object: the caller's fault (too large, not there, a bad range or
//! key) or the storage's (unreachable, refused), each with its cause in words.

/// An object store's error.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// The body passed its byte limit; nothing was stored.
    #[error("the body is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    /// No object under that key.
    #[error("no object {0}")]
    NotFound(String),
    /// The range asked for does not lie within the object.
    #[error("the range {start}-{end:?} is not within the object's {size} bytes")]
    Unsatisfiable { start: u64, end: Option<u64>, size: u64 },
    /// Not a key this store accepts.
    #[error("{0}")]
    BadKey(String),
    /// The body the caller streamed in failed (the client went away, say); nothing was stored.
    #[error("the upload's body failed: {0}")]
    Body(std::io::Error),
    /// The storage itself failed: a disk error, or S3 unreachable or refusing.
    #[error("object storage failed: {0}")]
    Storage(String),
}

impl ObjectError {
    pub(crate) fn storage(context: &str, cause: impl std::fmt::Display) -> Self {
        ObjectError::Storage(format!("{context}: {cause}"))
    }
}
