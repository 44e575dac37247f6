//! Thumbnails of attached images, for previews: what an attachment's `proxy_url` serves when
//! asked for `width` and `height` (as Discord's media proxy is). A few sizes only (powers of
//! two from 128 to 2048 on the longest side), so each is made once and kept, and a message
//! list of photos loads kilobytes rather than the photos.
//!
//! PNG, JPEG and still WebP images get them; GIFs and animated PNG or WebP are served as sent
//! (a thumbnail would stop them moving), and so is anything larger than [`MAX_PIXELS`] or
//! [`MAX_SOURCE_BYTES`], which would take too much memory to decode for a preview.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::image_asset::{AssetRefusal, VariantFormat};

/// The longest sides thumbnails are made at.
pub const SIZES: [u32; 5] = [128, 256, 512, 1024, 2048];
/// The most pixels an image may have to be thumbnailed: decoding it takes 4 bytes a pixel
/// (256 MiB here), and two are decoded at once at most.
pub const MAX_PIXELS: u64 = 64_000_000;
/// The largest file thumbnailed: it is read whole before it is decoded.
pub const MAX_SOURCE_BYTES: u64 = 32 * 1024 * 1024;

/// The size to thumbnail an image of `width` × `height` at to fill a `box_width` ×
/// `box_height` box (either may be missing: no bound that way), or `None` when nothing
/// smaller than the image would do (serve it as it is).
pub fn size_for(width: u32, height: u32, box_width: Option<u32>, box_height: Option<u32>) -> Option<u32> {
    let longest = width.max(height);
    if longest == 0 || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return None;
    }
    let scale =
        |wanted: Option<u32>, side: u32| wanted.map_or(f64::INFINITY, |w| f64::from(w.max(1)) / f64::from(side));
    let scale = scale(box_width, width.max(1)).min(scale(box_height, height.max(1)));
    if !scale.is_finite() || scale >= 1.0 {
        return None;
    }
    let wanted = (f64::from(longest) * scale).ceil() as u32;
    SIZES.into_iter().find(|&size| size >= wanted).filter(|&size| size < longest)
}

/// The format a thumbnail of an image of `content_type` is made in, or `None` if it gets none:
/// photos stay JPEG, anything else becomes PNG (lossless, as screenshots need).
pub fn format_for(content_type: &str) -> Option<VariantFormat> {
    match content_type {
        "image/jpeg" => Some(VariantFormat::Jpeg),
        "image/png" | "image/webp" => Some(VariantFormat::Png),
        _ => None,
    }
}

/// Whether an image moves (an APNG, or a WebP with its animation flag), which a thumbnail
/// would stop.
pub fn moves(bytes: &[u8], content_type: &str) -> bool {
    match content_type {
        // acTL comes before the first IDAT in an animated PNG.
        "image/png" => {
            let head = &bytes[..bytes.len().min(64 * 1024)];
            let find = |tag: &[u8]| head.windows(4).position(|w| w == tag);
            matches!((find(b"acTL"), find(b"IDAT")), (Some(a), Some(d)) if a < d)
        }
        // RIFF....WEBPVP8X, then the flags byte: 0x02 is animation.
        "image/webp" => bytes.len() > 20 && &bytes[12..16] == b"VP8X" && bytes[20] & 0x02 != 0,
        _ => false,
    }
}

/// A thumbnail of `bytes` (an image of `content_type`) fitting `side` × `side`, turned as its
/// EXIF orientation says, in `format` with 8 bits a channel (CPU work: run it off the async
/// threads). An image that moves is refused: it is served as sent.
pub fn render(bytes: &[u8], content_type: &str, side: u32, format: VariantFormat) -> Result<Vec<u8>, AssetRefusal> {
    if moves(bytes, content_type) {
        return Err(AssetRefusal::Undecodable("an animated image keeps moving: no thumbnail".to_owned()));
    }
    let source = match content_type {
        "image/jpeg" => ImageFormat::Jpeg,
        "image/png" => ImageFormat::Png,
        "image/webp" => ImageFormat::WebP,
        _ => return Err(AssetRefusal::NotAnImage),
    };
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4 + 64 * 1024 * 1024);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), source);
    reader.limits(limits);
    let undecodable = |e: image::ImageError| AssetRefusal::Undecodable(e.to_string());
    let mut decoder = reader.into_decoder().map_err(undecodable)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(AssetRefusal::Undecodable(format!("{width}×{height} is too many pixels to thumbnail")));
    }
    let orientation = decoder.orientation().map_err(undecodable)?;
    // Shrunk first (the box is square, so turning after fits it the same) and turned small:
    // no second full-size copy.
    let mut image = DynamicImage::from_decoder(decoder).map_err(undecodable)?.thumbnail(side, side);
    image.apply_orientation(orientation);
    let mut out = Cursor::new(Vec::new());
    let written = match format {
        VariantFormat::Jpeg => DynamicImage::ImageRgb8(image.to_rgb8()).write_to(&mut out, ImageFormat::Jpeg),
        _ if image.color().has_alpha() => {
            DynamicImage::ImageRgba8(image.to_rgba8()).write_to(&mut out, ImageFormat::Png)
        }
        _ => DynamicImage::ImageRgb8(image.to_rgb8()).write_to(&mut out, ImageFormat::Png),
    };
    written.map_err(|e| AssetRefusal::Undecodable(format!("encoding: {e}")))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_smaller_than_the_image_picks_the_next_size_up_and_a_larger_one_the_image_itself() {
        // 4000 × 3000 in a 400 × 300 box: 400 on the longest side, so 512.
        assert_eq!(size_for(4000, 3000, Some(400), Some(300)), Some(512));
        // The tighter bound wins: 300 high is 400 wide, whatever the width allowed.
        assert_eq!(size_for(4000, 3000, Some(2000), Some(300)), Some(512));
        assert_eq!(size_for(4000, 3000, Some(100), None), Some(128));
        assert_eq!(size_for(4000, 3000, Some(1), Some(1)), Some(128));
        // No box, a box as large as the image, or a size no smaller than it: the image.
        assert_eq!(size_for(4000, 3000, None, None), None);
        assert_eq!(size_for(4000, 3000, Some(4000), Some(3000)), None);
        assert_eq!(size_for(600, 400, Some(590), None), None, "1024 would not be smaller than the image");
        assert_eq!(size_for(300, 200, Some(100), Some(100)), Some(128));
        // Too large to decode for a preview.
        assert_eq!(size_for(10_000, 10_000, Some(100), Some(100)), None);
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbaImage::from_fn(width, height, |x, y| image::Rgba([x as u8, y as u8, 7, 255]));
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_thumbnail_fits_its_size_keeps_its_shape_and_takes_the_format_of_its_kind() {
        let made = render(&png(1000, 500), "image/png", 256, VariantFormat::Png).unwrap();
        let thumb = image::load_from_memory(&made).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (256, 128));
        assert_eq!(image::guess_format(&made).unwrap(), ImageFormat::Png);
        let photo = render(&png(300, 600), "image/png", 128, VariantFormat::Jpeg).unwrap();
        assert_eq!(image::guess_format(&photo).unwrap(), ImageFormat::Jpeg);
        assert_eq!(format_for("image/jpeg"), Some(VariantFormat::Jpeg));
        assert_eq!(format_for("image/gif"), None, "GIFs are served as sent");
        assert!(render(b"not an image", "image/png", 128, VariantFormat::Png).is_err());
    }

    #[test]
    fn a_sixteen_bit_png_comes_back_with_eight_bits_and_an_animated_one_is_refused() {
        let deep =
            image::ImageBuffer::<image::Rgb<u16>, _>::from_fn(600, 300, |x, _| image::Rgb([x as u16 * 100, 0, 9]));
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb16(deep).write_to(&mut out, ImageFormat::Png).unwrap();
        let made = render(&out.into_inner(), "image/png", 128, VariantFormat::Png).unwrap();
        assert_eq!(image::load_from_memory(&made).unwrap().color(), image::ColorType::Rgb8);
        let mut apng = png(400, 400);
        let at = apng.windows(4).position(|w| w == b"IDAT").unwrap() - 4;
        apng.splice(at..at, [0, 0, 0, 8, b'a', b'c', b'T', b'L', 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert!(render(&apng, "image/png", 128, VariantFormat::Png).is_err());
    }

    #[test]
    fn animated_pngs_and_webps_are_told_from_still_ones() {
        assert!(!moves(&png(4, 4), "image/png"));
        let mut apng = png(4, 4);
        let at = apng.windows(4).position(|w| w == b"IDAT").unwrap() - 4;
        apng.splice(at..at, [0, 0, 0, 8, b'a', b'c', b'T', b'L', 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert!(moves(&apng, "image/png"));
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
        assert!(!moves(&webp, "image/webp"));
        webp[20] = 0x02;
        assert!(moves(&webp, "image/webp"));
    }
}
