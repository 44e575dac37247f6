//! What an uploaded file is, from its first bytes: never from the name or the type the client
//! sent, which anyone can set. The answer decides how the file is served: media Parley shows
//! inline (images, video, audio), everything else as a download.

/// How many leading bytes [`sniff`] looks at.
pub const SNIFF_LEN: usize = 512;

/// A file's kind, as its bytes show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniffed {
    Png,
    Jpeg,
    Gif,
    Webp,
    Mp4,
    Webm,
    Mp3,
    Ogg,
    Wav,
    Flac,
    Pdf,
    Zip,
    Gzip,
    /// UTF-8 text with no NUL: HTML and SVG included, which are text here and never markup.
    Text,
    /// Anything else.
    Binary,
}

impl Sniffed {
    /// The type it is served as.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
            Self::Mp4 => "video/mp4",
            Self::Webm => "video/webm",
            Self::Mp3 => "audio/mpeg",
            Self::Ogg => "audio/ogg",
            Self::Wav => "audio/wav",
            Self::Flac => "audio/flac",
            Self::Pdf => "application/pdf",
            Self::Zip => "application/zip",
            Self::Gzip => "application/gzip",
            Self::Text => "text/plain; charset=utf-8",
            Self::Binary => "application/octet-stream",
        }
    }

    /// Whether a browser may show it in place (`Content-Disposition: inline`): images, video
    /// and audio. Anything else is a download, text too (an HTML file is text here, and is
    /// never rendered); the web client previews text itself.
    pub fn inline(self) -> bool {
        matches!(
            self,
            Self::Png
                | Self::Jpeg
                | Self::Gif
                | Self::Webp
                | Self::Mp4
                | Self::Webm
                | Self::Mp3
                | Self::Ogg
                | Self::Wav
                | Self::Flac
        )
    }

    /// Whether it is an image Parley reads the dimensions of (and strips of metadata).
    pub fn is_image(self) -> bool {
        matches!(self, Self::Png | Self::Jpeg | Self::Gif | Self::Webp)
    }

    /// The kind a stored content type names (what [`Self::content_type`] gave it).
    pub fn from_content_type(content_type: &str) -> Self {
        [
            Self::Png,
            Self::Jpeg,
            Self::Gif,
            Self::Webp,
            Self::Mp4,
            Self::Webm,
            Self::Mp3,
            Self::Ogg,
            Self::Wav,
            Self::Flac,
            Self::Pdf,
            Self::Zip,
            Self::Gzip,
            Self::Text,
        ]
        .into_iter()
        .find(|kind| kind.content_type() == content_type)
        .unwrap_or(Self::Binary)
    }
}

/// The kind of a file that starts with `head` (its first [`SNIFF_LEN`] bytes, or all of it
/// when shorter).
pub fn sniff(head: &[u8]) -> Sniffed {
    let starts = |magic: &[u8]| head.starts_with(magic);
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    if starts(b"\x89PNG\r\n\x1a\n") {
        Sniffed::Png
    } else if starts(b"\xff\xd8\xff") {
        Sniffed::Jpeg
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Sniffed::Gif
    } else if starts(b"RIFF") && at(8, b"WEBP") {
        Sniffed::Webp
    } else if starts(b"RIFF") && at(8, b"WAVE") {
        Sniffed::Wav
    } else if at(4, b"ftyp") {
        Sniffed::Mp4
    } else if starts(b"\x1a\x45\xdf\xa3") {
        Sniffed::Webm
    } else if starts(b"ID3") || (head.len() > 1 && head[0] == 0xff && head[1] & 0xe0 == 0xe0) {
        Sniffed::Mp3
    } else if starts(b"OggS") {
        Sniffed::Ogg
    } else if starts(b"fLaC") {
        Sniffed::Flac
    } else if starts(b"%PDF-") {
        Sniffed::Pdf
    } else if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        Sniffed::Zip
    } else if starts(b"\x1f\x8b") {
        Sniffed::Gzip
    } else if is_text(head) {
        Sniffed::Text
    } else {
        Sniffed::Binary
    }
}

/// UTF-8 with no NUL, allowing a character cut off at the end of the sniffed head.
fn is_text(head: &[u8]) -> bool {
    if head.is_empty() || head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bytes_decide_the_kind_whatever_the_name_says() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Sniffed::Png);
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF"), Sniffed::Jpeg);
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), Sniffed::Gif);
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Sniffed::Webp);
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), Sniffed::Wav);
        assert_eq!(sniff(b"\0\0\0\x20ftypisom"), Sniffed::Mp4);
        assert_eq!(sniff(b"%PDF-1.7\n"), Sniffed::Pdf);
        assert_eq!(sniff(b"hello, world\n"), Sniffed::Text);
        assert_eq!(sniff("caf\u{e9}".as_bytes()), Sniffed::Text);
        assert_eq!(sniff(b"\0\x01\x02binary"), Sniffed::Binary);
        assert_eq!(sniff(b""), Sniffed::Binary);
    }

    #[test]
    fn html_and_svg_are_plain_text_never_markup() {
        for markup in [&b"<!doctype html><script>alert(1)</script>"[..], b"<svg xmlns='http://www.w3.org/2000/svg'/>"] {
            let kind = sniff(markup);
            assert_eq!(kind, Sniffed::Text);
            assert_eq!(kind.content_type(), "text/plain; charset=utf-8");
        }
    }

    #[test]
    fn a_character_cut_at_the_end_of_the_head_is_still_text() {
        let text = "é".repeat(SNIFF_LEN);
        assert_eq!(sniff(&text.as_bytes()[..SNIFF_LEN - 1]), Sniffed::Text);
        assert_eq!(sniff(b"ok \xff\xfe more"), Sniffed::Binary, "invalid UTF-8 in the middle");
    }

    #[test]
    fn downloads_are_what_a_browser_could_misuse() {
        assert!(Sniffed::Png.inline() && Sniffed::Mp4.inline() && Sniffed::Flac.inline());
        assert!(
            !Sniffed::Text.inline() && !Sniffed::Pdf.inline() && !Sniffed::Zip.inline() && !Sniffed::Binary.inline()
        );
        for kind in [Sniffed::Png, Sniffed::Text, Sniffed::Zip, Sniffed::Binary] {
            assert_eq!(Sniffed::from_content_type(kind.content_type()), kind);
        }
        assert_eq!(Sniffed::from_content_type("text/html"), Sniffed::Binary);
    }
}
