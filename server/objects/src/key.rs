//! An object's key: a relative path of plain segments (letters, digits, `.`, `_`, `-`), so a
//! key can never climb out of the local store's directory or name something odd in a bucket.

use crate::ObjectError;

/// The longest key accepted, in bytes (S3 allows 1024).
pub const MAX_KEY_LEN: usize = 512;
/// The most segments a key has (what a backup archive takes below its `files/` folder).
pub const MAX_SEGMENTS: usize = 16;

/// A checked object key, such as `attachments/1234/5678/photo.png`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ObjectKey(String);

impl ObjectKey {
    pub fn parse(key: &str) -> Result<Self, ObjectError> {
        let bad = |why: &str| Err(ObjectError::BadKey(format!("object key {key:?} {why}")));
        if key.is_empty() || key.len() > MAX_KEY_LEN {
            return bad(&format!("must be 1 to {MAX_KEY_LEN} bytes"));
        }
        if key.split('/').count() > MAX_SEGMENTS {
            return bad(&format!("has more than {MAX_SEGMENTS} segments"));
        }
        for segment in key.split('/') {
            if segment.is_empty() || segment == "." || segment == ".." || segment.starts_with('.') {
                return bad("has an empty, dot or hidden segment");
            }
            if !segment.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) {
                return bad("may hold only letters, digits, '.', '_', '-' and '/'");
            }
        }
        Ok(Self(key.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_are_keys_and_tricks_are_not() {
        assert!(ObjectKey::parse("attachments/1/2/photo.png").is_ok());
        for bad in ["", "/abs", "a//b", "../up", "a/../b", "a/./b", ".hidden", "a/.tmp", "sp ace", "a\\b", "é", "a/"] {
            assert!(ObjectKey::parse(bad).is_err(), "{bad:?} is refused");
        }
        assert!(ObjectKey::parse(&"a".repeat(MAX_KEY_LEN + 1)).is_err());
        assert!(ObjectKey::parse(&["a"; MAX_SEGMENTS].join("/")).is_ok());
        assert!(ObjectKey::parse(&["a"; MAX_SEGMENTS + 1].join("/")).is_err());
    }
}
