//! Avatars, guild icons and banners, and custom emoji: images set whole (by data URI), not
//! attached to messages. Each is decoded (within pixel limits, so a decompression bomb is
//! refused before it is expanded), shrunk to the most it is ever shown at, and re-encoded as
//! PNG, which leaves no metadata behind; an animated GIF is kept as sent, once its first
//! frames decode. It is then named by a hash of its bytes, as Discord names them, so its URL
//! never needs to change and caches may keep it forever.
//!
//! Served at Discord's CDN paths in any size (a power of two) and format asked for: a
//! [`Variant`], rendered from the kept image once and kept beside it.

use std::io::Cursor;

use image::{AnimationDecoder, DynamicImage, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

use super::sniff::{Sniffed, sniff};

/// Which kind of image, which decides its limits and where it is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssetKind {
    Avatar,
    GuildIcon,
    GuildBanner,
    Emoji,
}

impl AssetKind {
    /// The folder in object storage, and the first segment of its CDN path.
    pub fn folder(self) -> &'static str {
        match self {
            Self::Avatar => "avatars",
            Self::GuildIcon => "icons",
            Self::GuildBanner => "banners",
            Self::Emoji => "emojis",
        }
    }

    /// The largest image accepted, in bytes (Discord's: 10 MiB; 256 KiB for emoji).
    pub fn max_upload_bytes(self) -> usize {
        match self {
            Self::Emoji => 256 * 1024,
            _ => 10 * 1024 * 1024,
        }
    }

    /// The longest side a sent image may have: decoding is refused past it, before any pixels
    /// are expanded (an emoji's 256 KiB could otherwise declare 8192² of one colour).
    fn max_side(self) -> u32 {
        match self {
            Self::Emoji => 2048,
            Self::Avatar | Self::GuildIcon => 4096,
            Self::GuildBanner => MAX_SIDE,
        }
    }

    /// The longest side it is kept at: the most it is ever shown at (emoji are shown at 128).
    fn kept_side(self) -> u32 {
        match self {
            Self::Avatar | Self::GuildIcon => 1024,
            Self::GuildBanner => 2048,
            Self::Emoji => 128,
        }
    }
}

/// The longest side any image may have. Decoding is refused past it, before any pixels are
/// expanded; 8192² RGBA is 256 MiB, the decoders' allocation limit below.
const MAX_SIDE: u32 = 8192;
/// An animated image's frames, at most, and the pixels of all its frames together: what every
/// client that shows it must decode.
const MAX_FRAMES: usize = 250;
const MAX_ANIMATED_PIXELS: u64 = 64 * 1024 * 1024;
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

/// Why an image is refused, with the message a person reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssetRefusal {
    /// Its bytes are not PNG, JPEG, GIF or WebP.
    NotAnImage,
    /// It declares more pixels than its kind allows (`max` a side).
    TooLarge { width: u32, height: u32, max: u32 },
    /// An animated image larger than it is kept at, or with too many frames.
    AnimationTooLarge { max_side: u32 },
    /// It claims to be an image but does not decode.
    Undecodable(String),
}

impl AssetRefusal {
    pub fn message(&self) -> String {
        match self {
            Self::NotAnImage => "Must be a PNG, JPEG, GIF or WebP image.".to_owned(),
            Self::TooLarge { width, height, max } => {
                format!("The image is {width}×{height} pixels; at most {max} pixels on each side.")
            }
            Self::AnimationTooLarge { max_side } => format!(
                "An animated image may be at most {max_side}×{max_side} pixels and {MAX_FRAMES} frames; shrink it and send it again."
            ),
            Self::Undecodable(_) => "The image could not be read; it may be damaged.".to_owned(),
        }
    }
}

/// An image ready to keep: its bytes, whether it moves, and its hash.
#[derive(Clone, Debug)]
pub struct PreparedImage {
    pub bytes: Vec<u8>,
    pub animated: bool,
    /// Discord's shape: 32 hex digits, `a_` first when animated.
    pub hash: String,
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

fn reader(bytes: &[u8], format: ImageFormat) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    reader
}

fn format_of(kind: Sniffed) -> Option<ImageFormat> {
    match kind {
        Sniffed::Png => Some(ImageFormat::Png),
        Sniffed::Jpeg => Some(ImageFormat::Jpeg),
        Sniffed::Gif => Some(ImageFormat::Gif),
        Sniffed::Webp => Some(ImageFormat::WebP),
        _ => None,
    }
}

/// Decodes `bytes` (of `format`), refusing dimensions past `max` a side (or none) before
/// decoding.
fn decode(bytes: &[u8], format: ImageFormat, max: u32) -> Result<DynamicImage, AssetRefusal> {
    let (width, height) = reader(bytes, format).into_dimensions().map_err(|e| refusal_of(e, bytes, format, max))?;
    if width > max || height > max {
        return Err(AssetRefusal::TooLarge { width, height, max });
    }
    if width == 0 || height == 0 {
        return Err(AssetRefusal::Undecodable("an image without pixels".to_owned()));
    }
    reader(bytes, format).decode().map_err(|e| refusal_of(e, bytes, format, max))
}

/// A decoder's error as a refusal: a limit is "too large", with the declared size if the
/// header can be read without limits; anything else, undecodable.
fn refusal_of(error: image::ImageError, bytes: &[u8], format: ImageFormat, max: u32) -> AssetRefusal {
    if let image::ImageError::Limits(_) = error {
        let declared = ImageReader::with_format(Cursor::new(bytes), format).into_dimensions();
        let (width, height) = declared.unwrap_or((u32::MAX, u32::MAX));
        return AssetRefusal::TooLarge { width, height, max };
    }
    AssetRefusal::Undecodable(error.to_string())
}

/// Whether a GIF moves (more than one frame). One that does is checked whole, since it is
/// kept as sent: its canvas at most `kept_side` a side, and its frames within [`MAX_FRAMES`]
/// and [`MAX_ANIMATED_PIXELS`], each decoding.
fn gif_moves(bytes: &[u8], kept_side: u32) -> Result<bool, AssetRefusal> {
    let refuse = |e| refusal_of(e, bytes, ImageFormat::Gif, MAX_SIDE);
    let (width, height) = reader(bytes, ImageFormat::Gif).into_dimensions().map_err(refuse)?;
    if width == 0 || height == 0 {
        return Err(AssetRefusal::Undecodable("an image without pixels".to_owned()));
    }
    let mut decoder = image::codecs::gif::GifDecoder::new(Cursor::new(bytes)).map_err(refuse)?;
    image::ImageDecoder::set_limits(&mut decoder, limits()).map_err(refuse)?;
    let mut frames = decoder.into_frames();
    let (mut count, mut pixels) = (0usize, 0u64);
    for frame in frames.by_ref() {
        let frame = frame.map_err(refuse)?;
        count += 1;
        if count == 2 && (width > kept_side || height > kept_side) {
            return Err(AssetRefusal::AnimationTooLarge { max_side: kept_side });
        }
        pixels += u64::from(frame.buffer().width()) * u64::from(frame.buffer().height());
        if count > MAX_FRAMES || pixels > MAX_ANIMATED_PIXELS {
            return Err(AssetRefusal::AnimationTooLarge { max_side: kept_side });
        }
    }
    Ok(count > 1)
}

/// `image` shrunk to fit within `side` × `side` (never enlarged).
fn fit(image: DynamicImage, side: u32) -> DynamicImage {
    if image.width() <= side && image.height() <= side {
        return image;
    }
    // A box filter in integers: no floating-point copy of the image beside it, and fast.
    image.thumbnail(side, side)
}

fn encode(image: &DynamicImage, format: VariantFormat) -> Result<Vec<u8>, AssetRefusal> {
    let mut out = Cursor::new(Vec::new());
    // JPEG has no alpha; WebP's encoder takes 8-bit RGB(A) only.
    let written = match format {
        VariantFormat::Jpeg => DynamicImage::ImageRgb8(image.to_rgb8()).write_to(&mut out, ImageFormat::Jpeg),
        VariantFormat::Webp => DynamicImage::ImageRgba8(image.to_rgba8()).write_to(&mut out, ImageFormat::WebP),
        VariantFormat::Gif => {
            // Quantising at speed 30 rather than the slowest (1): a still image as GIF is rare
            // and small, and must not cost seconds.
            let frame = image::Frame::new(image.to_rgba8());
            image::codecs::gif::GifEncoder::new_with_speed(&mut out, 30).encode_frame(frame)
        }
        VariantFormat::Png => image.write_to(&mut out, ImageFormat::Png),
    };
    written.map_err(|e| AssetRefusal::Undecodable(format!("encoding: {e}")))?;
    Ok(out.into_inner())
}

fn hash_of(bytes: &[u8], animated: bool) -> String {
    let digest = Sha256::digest(bytes);
    format!("{}{}", if animated { "a_" } else { "" }, hex::encode(&digest[..16]))
}

/// Checks and prepares a sent image for keeping (CPU work: run it off the async threads).
pub fn prepare(kind: AssetKind, bytes: &[u8]) -> Result<PreparedImage, AssetRefusal> {
    let Some(format) = format_of(sniff(bytes)) else { return Err(AssetRefusal::NotAnImage) };
    if format == ImageFormat::Gif && gif_moves(bytes, kind.kept_side())? {
        // Kept as sent (re-encoding every frame would cost more than it saves), once it is
        // known to be no larger than it is shown and within its frame budget.
        return Ok(PreparedImage { hash: hash_of(bytes, true), bytes: bytes.to_vec(), animated: true });
    }
    let image = fit(decode(bytes, format, kind.max_side())?, kind.kept_side());
    let png = encode(&image, VariantFormat::Png)?;
    Ok(PreparedImage { hash: hash_of(&png, false), bytes: png, animated: false })
}

/// A format a kept image is served in, named by its CDN path's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariantFormat {
    Png,
    Jpeg,
    Webp,
    Gif,
}

impl VariantFormat {
    pub fn from_extension(extension: &str) -> Option<Self> {
        match extension.to_ascii_lowercase().as_str() {
            "png" => Some(Self::Png),
            "jpg" | "jpeg" => Some(Self::Jpeg),
            "webp" => Some(Self::Webp),
            "gif" => Some(Self::Gif),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
            Self::Gif => "gif",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
            Self::Gif => "image/gif",
        }
    }
}

/// Sizes a CDN URL may ask for: Discord's, powers of two from 16 to 4096.
pub fn size_allowed(size: u32) -> bool {
    size.is_power_of_two() && (16..=4096).contains(&size)
}

/// What a CDN request asks for: a format, and the longest side (`None`: as kept).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Variant {
    pub format: VariantFormat,
    pub size: Option<u32>,
}

/// Renders `variant` of a kept image (CPU work: run it off the async threads). An animated
/// image asked for as GIF is served as kept, whatever the size; as anything else, its first
/// frame.
pub fn render(kept: &[u8], animated: bool, variant: Variant) -> Result<Vec<u8>, AssetRefusal> {
    if animated && variant.format == VariantFormat::Gif {
        return Ok(kept.to_vec());
    }
    let format = if animated { ImageFormat::Gif } else { ImageFormat::Png };
    let image = decode(kept, format, MAX_SIDE)?;
    let image = match variant.size {
        Some(side) => fit(image, side),
        None => image,
    };
    encode(&image, variant.format)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbaImage::from_fn(width, height, |x, y| image::Rgba([x as u8, y as u8, 7, 255]));
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgba8(image).write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn dimensions(bytes: &[u8]) -> (u32, u32) {
        ImageReader::new(Cursor::new(bytes)).with_guessed_format().unwrap().into_dimensions().unwrap()
    }

    #[test]
    fn a_large_avatar_is_kept_at_1024_and_an_emoji_at_128_as_png() {
        let avatar = prepare(AssetKind::Avatar, &png(2048, 1024)).unwrap();
        assert_eq!(dimensions(&avatar.bytes), (1024, 512));
        assert!(!avatar.animated);
        assert_eq!(avatar.hash.len(), 32);
        let emoji = prepare(AssetKind::Emoji, &png(300, 300)).unwrap();
        assert_eq!(dimensions(&emoji.bytes), (128, 128));
        assert_eq!(sniff(&emoji.bytes), Sniffed::Png);
    }

    #[test]
    fn the_same_image_gets_the_same_hash_and_another_another() {
        let a = prepare(AssetKind::Avatar, &png(10, 10)).unwrap();
        assert_eq!(a.hash, prepare(AssetKind::Avatar, &png(10, 10)).unwrap().hash);
        assert_ne!(a.hash, prepare(AssetKind::Avatar, &png(11, 10)).unwrap().hash);
    }

    #[test]
    fn what_is_not_an_image_is_refused() {
        assert_eq!(
            prepare(AssetKind::Avatar, b"<svg xmlns='http://www.w3.org/2000/svg'/>").unwrap_err(),
            AssetRefusal::NotAnImage
        );
        assert_eq!(prepare(AssetKind::Avatar, b"hello").unwrap_err(), AssetRefusal::NotAnImage);
        let mut truncated = png(64, 64);
        truncated.truncate(60);
        assert!(matches!(prepare(AssetKind::Avatar, &truncated), Err(AssetRefusal::Undecodable(_))));
    }

    #[test]
    fn a_png_declaring_enormous_dimensions_is_refused_before_decoding() {
        // A valid 1×1 PNG whose header claims 100000×100000 (the CRC is fixed up).
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(
            prepare(AssetKind::Avatar, &bomb).unwrap_err(),
            AssetRefusal::TooLarge { width: 100_000, height: 100_000, max: 4096 }
        );
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn variants_come_in_each_format_at_the_size_asked_and_never_larger_than_kept() {
        let kept = prepare(AssetKind::Avatar, &png(512, 256)).unwrap();
        for (format, sniffed) in [
            (VariantFormat::Png, Sniffed::Png),
            (VariantFormat::Jpeg, Sniffed::Jpeg),
            (VariantFormat::Webp, Sniffed::Webp),
            (VariantFormat::Gif, Sniffed::Gif),
        ] {
            let small = render(&kept.bytes, false, Variant { format, size: Some(64) }).unwrap();
            assert_eq!(sniff(&small), sniffed, "{format:?}");
            assert_eq!(dimensions(&small), (64, 32), "{format:?}");
        }
        let big = render(&kept.bytes, false, Variant { format: VariantFormat::Png, size: Some(4096) }).unwrap();
        assert_eq!(dimensions(&big), (512, 256));
    }

    #[test]
    fn an_animated_gif_is_kept_as_sent_and_served_still_in_other_formats() {
        let mut gif = Cursor::new(Vec::new());
        {
            let mut encoder = image::codecs::gif::GifEncoder::new(&mut gif);
            for shade in [0u8, 200] {
                let frame = image::RgbaImage::from_pixel(8, 8, image::Rgba([shade, 0, 0, 255]));
                encoder.encode_frame(image::Frame::new(frame)).unwrap();
            }
        }
        let gif = gif.into_inner();
        let kept = prepare(AssetKind::Emoji, &gif).unwrap();
        assert!(kept.animated && kept.hash.starts_with("a_"));
        assert_eq!(kept.bytes, gif);
        assert_eq!(render(&kept.bytes, true, Variant { format: VariantFormat::Gif, size: Some(16) }).unwrap(), gif);
        let still = render(&kept.bytes, true, Variant { format: VariantFormat::Png, size: None }).unwrap();
        assert_eq!(sniff(&still), Sniffed::Png);
    }

    fn gif_of(side: u32, frames: usize) -> Vec<u8> {
        let mut gif = Cursor::new(Vec::new());
        {
            let mut encoder = image::codecs::gif::GifEncoder::new_with_speed(&mut gif, 30);
            for n in 0..frames {
                let frame = image::RgbaImage::from_pixel(side, side, image::Rgba([n as u8, 0, 0, 255]));
                encoder.encode_frame(image::Frame::new(frame)).unwrap();
            }
        }
        gif.into_inner()
    }

    #[test]
    fn an_animated_image_larger_than_it_is_shown_or_with_too_many_frames_is_refused() {
        assert_eq!(
            prepare(AssetKind::Emoji, &gif_of(200, 2)).unwrap_err(),
            AssetRefusal::AnimationTooLarge { max_side: 128 }
        );
        assert_eq!(
            prepare(AssetKind::Emoji, &gif_of(8, MAX_FRAMES + 1)).unwrap_err(),
            AssetRefusal::AnimationTooLarge { max_side: 128 }
        );
        assert!(prepare(AssetKind::Emoji, &gif_of(8, MAX_FRAMES)).unwrap().animated);
        // A still GIF of any size is shrunk like any other image.
        assert!(!prepare(AssetKind::Emoji, &gif_of(200, 1)).unwrap().animated);
    }

    #[test]
    fn only_discords_sizes_may_be_asked_for() {
        assert!(size_allowed(16) && size_allowed(128) && size_allowed(4096));
        assert!(!size_allowed(8) && !size_allowed(100) && !size_allowed(8192) && !size_allowed(0));
    }
}
