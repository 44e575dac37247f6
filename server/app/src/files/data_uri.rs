//! Images sent inline as Discord does for avatars, icons, banners and emoji:
//! `data:image/png;base64,...`. Parsed at the edge into bytes, within a size limit checked
//! before decoding (the encoded length says how large the bytes will be).

use base64::Engine;

/// Why a data URI is refused, with the message a person reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataUriRefusal {
    /// Not `data:image/...;base64,...`.
    Malformed,
    /// Its bytes would be larger than the limit.
    TooLarge { limit: usize },
}

impl DataUriRefusal {
    pub fn message(&self) -> String {
        match self {
            Self::Malformed => {
                "Must be an image as a data URI: data:image/png;base64,... (PNG, JPEG, GIF or WebP).".to_owned()
            }
            Self::TooLarge { limit } => {
                format!("The image must be at most {}.", super::upload::size_words(*limit as u64))
            }
        }
    }
}

/// The bytes of `data:image/<type>;base64,<data>`, at most `limit` of them. The type the URI
/// claims is not trusted (the bytes are sniffed later); it need only name an image.
pub fn image_bytes(uri: &str, limit: usize) -> Result<Vec<u8>, DataUriRefusal> {
    let rest = uri.strip_prefix("data:").ok_or(DataUriRefusal::Malformed)?;
    let (media, data) = rest.split_once(',').ok_or(DataUriRefusal::Malformed)?;
    let media = media.to_ascii_lowercase();
    let Some(kind) = media.strip_suffix(";base64") else { return Err(DataUriRefusal::Malformed) };
    if !kind.starts_with("image/") {
        return Err(DataUriRefusal::Malformed);
    }
    let data = data.trim_end();
    // Every 4 characters are 3 bytes: refuse before decoding what would be too large.
    if data.len() / 4 * 3 > limit + 3 {
        return Err(DataUriRefusal::TooLarge { limit });
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(data).map_err(|_| DataUriRefusal::Malformed)?;
    if bytes.len() > limit {
        return Err(DataUriRefusal::TooLarge { limit });
    }
    if bytes.is_empty() {
        return Err(DataUriRefusal::Malformed);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_data_uri_gives_its_bytes() {
        assert_eq!(image_bytes("data:image/png;base64,iVBORw0KGgo=", 100), Ok(b"\x89PNG\r\n\x1a\n".to_vec()));
        assert_eq!(image_bytes("data:IMAGE/JPEG;BASE64,/9j/", 100), Ok(vec![0xff, 0xd8, 0xff]));
    }

    #[test]
    fn anything_but_a_base64_image_data_uri_is_refused() {
        for bad in [
            "",
            "iVBORw0KGgo=",
            "data:text/html;base64,PGI+",
            "data:image/png,plain",
            "data:image/png;base64,not base64!",
            "data:image/png;base64,",
            "https://example.com/a.png",
        ] {
            assert_eq!(image_bytes(bad, 100), Err(DataUriRefusal::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn bytes_past_the_limit_are_refused_before_and_after_decoding() {
        let big = format!("data:image/png;base64,{}", "A".repeat(4000));
        assert_eq!(image_bytes(&big, 100), Err(DataUriRefusal::TooLarge { limit: 100 }));
        // 102 bytes encode to 136 characters: just past a 100-byte limit.
        let just_over =
            format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode([7u8; 102]));
        assert_eq!(image_bytes(&just_over, 100), Err(DataUriRefusal::TooLarge { limit: 100 }));
        let fits = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode([7u8; 100]));
        assert_eq!(image_bytes(&fits, 100).map(|b| b.len()), Ok(100));
    }
}
