//! Where uploaded files' bytes live: attachments, avatars, icons and emoji are objects under
//! a key, in one [`ObjectStore`] with two backends, the local filesystem under `data_dir` (the
//! embedded default) and S3-compatible object storage. Whatever the backend:
//!
//! - a body is streamed in, never held whole: at most one part (S3) is in memory at a time;
//! - a write is atomic: the object appears whole or not at all, and a body that fails or
//!   exceeds its limit leaves nothing behind (no temporary file, no open multipart upload);
//! - reads stream too, a byte range at a time when asked.
//!
//! Modules:
//! - [`key`]: [`ObjectKey`], a checked object name (no path tricks).
//! - [`store`]: the [`ObjectStore`] trait, [`ByteStream`], [`Object`], [`ByteRange`] and
//!   [`Presign`].
//! - [`local`]: [`LocalStore`], files under a directory, written beside and renamed.
//! - [`s3`]: [`S3Store`] and [`S3Config`], any S3-compatible endpoint, multipart for large
//!   bodies.
//! - [`error`]: [`ObjectError`], what went wrong.
//! - `limit`: a body cut off past its byte limit.

pub mod error;
pub mod key;
mod limit;
pub mod local;
pub mod s3;
pub mod store;

pub use error::ObjectError;
pub use key::ObjectKey;
pub use local::LocalStore;
pub use s3::{S3Config, S3Store};
pub use store::{ByteRange, ByteStream, Object, ObjectStore, Presign};
