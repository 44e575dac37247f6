//! Reads an uploaded image's dimensions from its header while it streams to storage, refuses
//! one that declares more pixels than Parley will ever decode (a decompression bomb: a small
//! file claiming enormous dimensions), and, by default, strips the metadata a camera or phone
//! writes (EXIF with GPS location, XMP, IPTC, text chunks), without touching the pixel data:
//! the image decodes to exactly the same pixels.
//!
//! It works on the container alone (PNG chunks, JPEG segments, WebP RIFF chunks), holding at
//! most one JPEG segment (64 KiB) at a time, so a 100 MiB image costs no more memory than a
//! small one. A JPEG's EXIF orientation is kept (as a minimal EXIF block of that one tag), or
//! photos taken sideways would show sideways. WebP metadata chunks are overwritten in place
//! (renamed and zeroed, so the RIFF sizes in the header stay true). GIF dimensions are read and
//! checked; GIF comments pass through.

use super::sniff::Sniffed;

/// The most pixels, and the longest side, an image may declare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageLimits {
    pub max_pixels: u64,
    pub max_side: u32,
}

/// Why an image is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageRefusal {
    /// It declares more than the limits allow.
    TooLarge { width: u32, height: u32 },
    /// Its container is broken (a chunk or segment that cannot be).
    Malformed(&'static str),
}

impl std::fmt::Display for ImageRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLarge { width, height } => write!(f, "the image declares {width}×{height} pixels"),
            Self::Malformed(what) => write!(f, "the image is malformed: {what}"),
        }
    }
}

/// The ancillary PNG chunks stripping keeps: those that change how the pixels look (colour,
/// transparency, density) or move (APNG frames).
const PNG_KEEP: [&[u8; 4]; 16] = [
    b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"bKGD", b"pHYs", b"hIST", b"sPLT", b"acTL", b"fcTL",
    b"fdAT", b"cICP", b"mDCv", b"cLLi",
];
/// A JPEG segment may be at most this long (its length field is 16 bits), with its marker.
const JPEG_SEGMENT_MAX: usize = 2 + 65_535;
/// WebP's extended-format flags for EXIF and XMP chunks.
const WEBP_FLAG_EXIF: u8 = 0x08;
const WEBP_FLAG_XMP: u8 = 0x04;

#[derive(Debug)]
enum State {
    /// Waiting for the fixed header (PNG signature, JPEG SOI, GIF screen, RIFF header).
    Header,
    /// Between chunks or segments.
    Next,
    /// Passing this many bytes through.
    Copy(u64),
    /// Dropping this many bytes.
    Skip(u64),
    /// Writing zeros in place of this many bytes.
    Zero(u64),
    /// Passing everything else through (JPEG after its first scan, GIF after its header).
    Rest,
    /// A JPEG scan's compressed pixels, when stripping: passed through up to the next marker
    /// (the next segment, or the image's end, after which anything appended is dropped).
    Scan,
    /// Dropping everything else: what follows the image's end (a phone's second picture with
    /// its own EXIF, a motion photo's video), when stripping.
    Drop,
}

/// The streaming filter: push the upload through it in chunks, then finish.
#[derive(Debug)]
pub struct ImageScrubber {
    kind: Sniffed,
    limits: ImageLimits,
    strip: bool,
    state: State,
    /// Bytes received and not yet passed on, at most one chunk header or JPEG segment.
    pending: Vec<u8>,
    /// Whether what follows the bytes being copied passes through whole (a JPEG's first
    /// scan header is followed by its compressed pixels).
    rest_after: bool,
    /// Whether everything after the bytes being copied is dropped (a PNG's IEND chunk).
    drop_after: bool,
    /// Whether a JPEG scan follows the bytes being copied (its header), when stripping.
    scan_after: bool,
    /// In a scan, the last byte seen was 0xFF, held back until the next byte tells whether it
    /// starts a marker.
    scan_ff: bool,
    size: Option<(u32, u32)>,
}

impl ImageScrubber {
    /// A filter for an image of `kind` (one [`Sniffed::is_image`] accepts; any other kind
    /// passes through untouched).
    pub fn new(kind: Sniffed, limits: ImageLimits, strip: bool) -> Self {
        let state = if kind.is_image() { State::Header } else { State::Rest };
        Self {
            kind,
            limits,
            strip,
            state,
            pending: Vec::new(),
            rest_after: false,
            drop_after: false,
            scan_after: false,
            scan_ff: false,
            size: None,
        }
    }

    /// Filters `input` into `out`.
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), ImageRefusal> {
        let left = self.pass(input, out);
        if left.is_empty() {
            return Ok(());
        }
        // Parsed from one buffer with a moving start, compacted once per push: an image of
        // many tiny pieces (fill bytes, empty chunks) costs no more than a plain one.
        let mut buf = std::mem::take(&mut self.pending);
        buf.extend_from_slice(left);
        let mut at = 0;
        while at < buf.len() {
            if matches!(self.state, State::Header | State::Next) {
                let Some(used) = self.step(&buf[at..], out)? else { break };
                at += used;
            } else {
                at = buf.len() - self.pass(&buf[at..], out).len();
            }
        }
        buf.drain(..at);
        self.pending = buf;
        Ok(())
    }

    /// Passes `input` through the copy, skip, zero or rest state it is in; what is left once
    /// the state wants parsing again.
    fn pass<'a>(&mut self, mut input: &'a [u8], out: &mut Vec<u8>) -> &'a [u8] {
        loop {
            let n = match self.state {
                State::Rest => {
                    out.extend_from_slice(input);
                    return &[];
                }
                State::Drop => return &[],
                State::Scan => return self.scan(input, out),
                State::Header | State::Next => return input,
                State::Copy(n) | State::Skip(n) | State::Zero(n) => n,
            };
            let take = usize::try_from(n).unwrap_or(usize::MAX).min(input.len());
            match self.state {
                State::Copy(_) => out.extend_from_slice(&input[..take]),
                State::Zero(_) => out.resize(out.len() + take, 0),
                _ => {}
            }
            input = &input[take..];
            let left = n - take as u64;
            self.state = match self.state {
                _ if left == 0 && self.drop_after => State::Drop,
                _ if left == 0 && self.scan_after => State::Scan,
                _ if left == 0 && self.rest_after => State::Rest,
                _ if left == 0 => State::Next,
                State::Copy(_) => State::Copy(left),
                State::Zero(_) => State::Zero(left),
                _ => State::Skip(left),
            };
            if input.is_empty() {
                return input;
            }
        }
    }

    /// Passes a scan's bytes through up to a marker (0xFF then anything but a stuffed 0x00, a
    /// restart marker or fill), which is left for the segment parser.
    fn scan<'a>(&mut self, input: &'a [u8], out: &mut Vec<u8>) -> &'a [u8] {
        let mut i = 0;
        loop {
            if self.scan_ff {
                let Some(&b) = input.get(i) else { return &[] };
                if b == 0xff {
                    out.push(0xff);
                    i += 1;
                    continue;
                }
                self.scan_ff = false;
                if b == 0x00 || (0xd0..=0xd7).contains(&b) {
                    out.extend_from_slice(&[0xff, b]);
                    i += 1;
                    continue;
                }
                // A marker: the scan is over, and the parser takes it from its 0xFF: the byte
                // before it here, or (held from the last input) put back first.
                self.state = State::Next;
                if i > 0 {
                    return &input[i - 1..];
                }
                self.pending.push(0xff);
                return input;
            }
            match input[i..].iter().position(|&b| b == 0xff) {
                None => {
                    out.extend_from_slice(&input[i..]);
                    return &[];
                }
                Some(at) => {
                    out.extend_from_slice(&input[i..i + at]);
                    i += at + 1;
                    self.scan_ff = true;
                }
            }
        }
    }

    /// The end of the upload: its dimensions, if its header gave them.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<Option<(u32, u32)>, ImageRefusal> {
        if matches!(self.state, State::Header) {
            return Err(ImageRefusal::Malformed("it ends inside its header"));
        }
        // A trailing partial chunk passes on as it is (some encoders pad their files), unless
        // stripping: it could be the start of metadata.
        if !self.strip {
            out.append(&mut self.pending);
        }
        Ok(self.size)
    }

    /// One header, chunk or segment start from `pending`: how many bytes it used (written to
    /// `out` or dropped), or `None` when more are needed.
    fn step(&mut self, p: &[u8], out: &mut Vec<u8>) -> Result<Option<usize>, ImageRefusal> {
        match self.kind {
            Sniffed::Png => self.png(p, out),
            Sniffed::Jpeg => self.jpeg(p, out),
            Sniffed::Gif => self.gif(p, out),
            Sniffed::Webp => self.webp(p, out),
            _ => {
                self.state = State::Rest;
                Ok(Some(0))
            }
        }
    }

    fn png(&mut self, p: &[u8], out: &mut Vec<u8>) -> Result<Option<usize>, ImageRefusal> {
        if matches!(self.state, State::Header) {
            if p.len() < 8 {
                return Ok(None);
            }
            out.extend_from_slice(&p[..8]);
            self.state = State::Next;
            return Ok(Some(8));
        }
        if p.len() < 8 {
            return Ok(None);
        }
        let length = u32::from_be_bytes([p[0], p[1], p[2], p[3]]);
        if length > 0x7fff_ffff {
            return Err(ImageRefusal::Malformed("a PNG chunk longer than PNG allows"));
        }
        let kind: [u8; 4] = [p[4], p[5], p[6], p[7]];
        if &kind == b"IHDR" {
            if p.len() < 16 {
                return Ok(None);
            }
            let width = u32::from_be_bytes([p[8], p[9], p[10], p[11]]);
            let height = u32::from_be_bytes([p[12], p[13], p[14], p[15]]);
            check(self.limits, &mut self.size, width, height)?;
        }
        // The chunk's data and its CRC follow its 8-byte header. Stripping keeps the chunks
        // that draw the image (critical ones, and the ancillary ones that shape its colours
        // or animation) and drops every other: text, EXIF, times, provenance, unknown.
        let body = u64::from(length) + 4;
        let ancillary = kind[0].is_ascii_lowercase();
        if self.strip && ancillary && !PNG_KEEP.contains(&&kind) {
            self.state = State::Skip(body);
        } else {
            out.extend_from_slice(&p[..8]);
            self.state = State::Copy(body);
            // After its end, nothing: a trailer could carry anything.
            self.drop_after = self.strip && &kind == b"IEND";
        }
        Ok(Some(8))
    }

    fn jpeg(&mut self, p: &[u8], out: &mut Vec<u8>) -> Result<Option<usize>, ImageRefusal> {
        if matches!(self.state, State::Header) {
            if p.len() < 2 {
                return Ok(None);
            }
            out.extend_from_slice(&p[..2]);
            self.state = State::Next;
            return Ok(Some(2));
        }
        if p.len() < 2 {
            return Ok(None);
        }
        if p[0] != 0xff {
            return Err(ImageRefusal::Malformed("a JPEG segment that does not start with a marker"));
        }
        let marker = p[1];
        if marker == 0xff {
            // Fill bytes before a marker.
            out.push(0xff);
            return Ok(Some(1));
        }
        if (0xd0..=0xd7).contains(&marker) || marker == 0x01 || marker == 0xd8 {
            out.extend_from_slice(&p[..2]);
            return Ok(Some(2));
        }
        if marker == 0xd9 {
            out.extend_from_slice(&p[..2]);
            self.state = if self.strip { State::Drop } else { State::Rest };
            return Ok(Some(2));
        }
        if p.len() < 4 {
            return Ok(None);
        }
        let length = usize::from(u16::from_be_bytes([p[2], p[3]]));
        if length < 2 {
            return Err(ImageRefusal::Malformed("a JPEG segment shorter than its length field"));
        }
        let whole = 2 + length;
        let start_of_frame = (0xc0..=0xcf).contains(&marker) && ![0xc4, 0xc8, 0xcc].contains(&marker);
        // Stripping keeps APP0 (JFIF), APP2 (the ICC colour profile) and APP14 (Adobe's colour
        // transform); every other APPn (EXIF, XMP, IPTC, C2PA...) and comments go.
        let metadata =
            self.strip && ((0xe1..=0xef).contains(&marker) && ![0xe2, 0xee].contains(&marker) || marker == 0xfe);
        if start_of_frame || metadata {
            debug_assert!(whole <= JPEG_SEGMENT_MAX);
            if p.len() < whole {
                return Ok(None);
            }
            if start_of_frame {
                if length < 7 {
                    return Err(ImageRefusal::Malformed("a JPEG frame header too short for its size"));
                }
                let height = u32::from(u16::from_be_bytes([p[5], p[6]]));
                let width = u32::from(u16::from_be_bytes([p[7], p[8]]));
                check(self.limits, &mut self.size, width, height)?;
                out.extend_from_slice(&p[..whole]);
            } else if marker == 0xe1
                && let Some(orientation) = exif_orientation(&p[4..whole])
                && orientation != 1
            {
                out.extend_from_slice(&minimal_exif(orientation));
            }
            return Ok(Some(whole));
        }
        out.extend_from_slice(&p[..4]);
        // After the first scan's header come the compressed pixels: passed through whole.
        // Stripping reads on through the scans to the image's end (what a phone appends after
        // it, a second picture with its own EXIF, is dropped); otherwise all passes through.
        self.rest_after = marker == 0xda && !self.strip;
        self.scan_after = marker == 0xda && self.strip;
        self.state = State::Copy(length as u64 - 2);
        Ok(Some(4))
    }

    fn gif(&mut self, p: &[u8], out: &mut Vec<u8>) -> Result<Option<usize>, ImageRefusal> {
        if p.len() < 10 {
            return Ok(None);
        }
        let width = u32::from(u16::from_le_bytes([p[6], p[7]]));
        let height = u32::from(u16::from_le_bytes([p[8], p[9]]));
        check(self.limits, &mut self.size, width, height)?;
        out.extend_from_slice(&p[..10]);
        self.state = State::Rest;
        Ok(Some(10))
    }

    fn webp(&mut self, p: &[u8], out: &mut Vec<u8>) -> Result<Option<usize>, ImageRefusal> {
        if matches!(self.state, State::Header) {
            if p.len() < 12 {
                return Ok(None);
            }
            out.extend_from_slice(&p[..12]);
            self.state = State::Next;
            return Ok(Some(12));
        }
        if p.len() < 8 {
            return Ok(None);
        }
        let fourcc: [u8; 4] = [p[0], p[1], p[2], p[3]];
        let size = u32::from_le_bytes([p[4], p[5], p[6], p[7]]);
        // Chunks are padded to an even length.
        let body = u64::from(size) + u64::from(size & 1);
        let wanted = 8 + (size as usize).min(10);
        if p.len() < wanted {
            return Ok(None);
        }
        let data = &p[8..wanted];
        let mut head = p[..wanted].to_vec();
        match &fourcc {
            b"VP8X" if data.len() >= 10 => {
                let width = 1 + u32::from_le_bytes([data[4], data[5], data[6], 0]);
                let height = 1 + u32::from_le_bytes([data[7], data[8], data[9], 0]);
                check(self.limits, &mut self.size, width, height)?;
                if self.strip {
                    head[8] &= !(WEBP_FLAG_EXIF | WEBP_FLAG_XMP);
                }
            }
            b"VP8 " if data.len() >= 10 => {
                let width = u32::from(u16::from_le_bytes([data[6], data[7]]) & 0x3fff);
                let height = u32::from(u16::from_le_bytes([data[8], data[9]]) & 0x3fff);
                check(self.limits, &mut self.size, width, height)?;
            }
            b"VP8L" if data.len() >= 5 => {
                let bits = u32::from_le_bytes([data[1], data[2], data[3], data[4]]);
                check(self.limits, &mut self.size, (bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1)?;
            }
            b"EXIF" | b"XMP " if self.strip => {
                // Overwritten in place: renamed to a chunk every reader passes over, zeroed.
                head[..4].copy_from_slice(b"PRLY");
                head[8..].fill(0);
                out.extend_from_slice(&head);
                self.state = State::Zero(body - (wanted as u64 - 8));
                return Ok(Some(wanted));
            }
            _ => {}
        }
        out.extend_from_slice(&head);
        self.state = State::Copy(body - (wanted as u64 - 8));
        Ok(Some(wanted))
    }
}

/// Refuses dimensions past `limits`; records them in `size` otherwise.
fn check(limits: ImageLimits, size: &mut Option<(u32, u32)>, width: u32, height: u32) -> Result<(), ImageRefusal> {
    let pixels = u64::from(width) * u64::from(height);
    if width > limits.max_side || height > limits.max_side || pixels > limits.max_pixels {
        return Err(ImageRefusal::TooLarge { width, height });
    }
    *size = Some((width, height));
    Ok(())
}

/// The orientation (1-8) in a JPEG APP1 segment's payload, if it is EXIF and has one.
fn exif_orientation(payload: &[u8]) -> Option<u16> {
    let tiff = payload.strip_prefix(b"Exif\0\0")?;
    let big_endian = match tiff.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| {
        let b = tiff.get(at..at + 2)?;
        Some(if big_endian { u16::from_be_bytes([b[0], b[1]]) } else { u16::from_le_bytes([b[0], b[1]]) })
    };
    let u32_at = |at: usize| {
        let b = tiff.get(at..at + 4)?;
        Some(if big_endian {
            u32::from_be_bytes([b[0], b[1], b[2], b[3]])
        } else {
            u32::from_le_bytes([b[0], b[1], b[2], b[3]])
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    (0..count.min(256)).find_map(|i| {
        let entry = ifd + 2 + i * 12;
        // Tag 0x0112, type SHORT, one value.
        (u16_at(entry)? == 0x0112 && u16_at(entry + 2)? == 3)
            .then(|| u16_at(entry + 8))
            .flatten()
            .filter(|o| (1..=8).contains(o))
    })
}

/// An APP1 segment of EXIF holding the orientation alone.
fn minimal_exif(orientation: u16) -> Vec<u8> {
    let mut segment = vec![0xff, 0xe1, 0, 34];
    segment.extend_from_slice(b"Exif\0\0MM\0\x2a\0\0\0\x08");
    segment.extend_from_slice(&[0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    segment.extend_from_slice(&orientation.to_be_bytes());
    segment.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    segment
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use image::{ImageFormat, RgbImage};
    use proptest::prelude::*;

    use super::*;
    use crate::files::sniff::sniff;

    const LIMITS: ImageLimits = ImageLimits { max_pixels: 50_000_000, max_side: 20_000 };
    const GPS: &[u8] = b"GPSLatitude 51.5007 N GPSLongitude 0.1246 W";

    fn picture() -> RgbImage {
        RgbImage::from_fn(37, 23, |x, y| image::Rgb([(x * 7) as u8, (y * 11) as u8, ((x ^ y) * 5) as u8]))
    }

    fn encoded(format: ImageFormat) -> Vec<u8> {
        let mut bytes = Cursor::new(Vec::new());
        picture().write_to(&mut bytes, format).unwrap();
        bytes.into_inner()
    }

    /// EXIF (little-endian, orientation 6 and a GPS-looking string), XMP and a comment,
    /// after a JPEG's SOI.
    fn jpeg_with_metadata() -> Vec<u8> {
        let plain = encoded(ImageFormat::Jpeg);
        let mut tiff = b"II\x2a\0\x08\0\0\0".to_vec();
        tiff.extend_from_slice(&[1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]);
        tiff.extend_from_slice(GPS);
        let mut exif = b"Exif\0\0".to_vec();
        exif.extend_from_slice(&tiff);
        let mut segments = Vec::new();
        for (marker, payload) in
            [(0xe1, exif), (0xe1, [b"http://ns.adobe.com/xap/1.0/\0".as_slice(), GPS].concat()), (0xfe, GPS.to_vec())]
        {
            segments.extend_from_slice(&[0xff, marker]);
            segments.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
            segments.extend_from_slice(&payload);
        }
        // And what phones append after the end: a second picture with its own EXIF.
        [&plain[..2], &segments, &plain[2..], b"\xff\xd8\xff\xe1", GPS].concat()
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
        chunk.extend_from_slice(kind);
        chunk.extend_from_slice(data);
        let crc = crc32(&chunk[4..]);
        chunk.extend_from_slice(&crc.to_be_bytes());
        chunk
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    /// A tEXt, an eXIf and a provenance (caBX) chunk after IHDR, and a trailer after IEND.
    fn png_with_metadata() -> Vec<u8> {
        let plain = encoded(ImageFormat::Png);
        let after_ihdr = 8 + 8 + 13 + 4;
        let metadata = [
            png_chunk(b"tEXt", &[b"Location\0".as_slice(), GPS].concat()),
            png_chunk(b"eXIf", GPS),
            png_chunk(b"caBX", GPS),
        ]
        .concat();
        [&plain[..after_ihdr], &metadata, &plain[after_ihdr..], GPS].concat()
    }

    /// An extended WebP (VP8X with the EXIF flag) with an EXIF chunk after the image.
    fn webp_with_metadata() -> Vec<u8> {
        let simple = encoded(ImageFormat::WebP);
        let image_chunk = &simple[12..];
        let mut vp8x = vec![WEBP_FLAG_EXIF, 0, 0, 0];
        vp8x.extend_from_slice(&(37u32 - 1).to_le_bytes()[..3]);
        vp8x.extend_from_slice(&(23u32 - 1).to_le_bytes()[..3]);
        let chunk = |fourcc: &[u8; 4], data: &[u8]| {
            let mut c = fourcc.to_vec();
            c.extend_from_slice(&(data.len() as u32).to_le_bytes());
            c.extend_from_slice(data);
            if data.len() % 2 == 1 {
                c.push(0);
            }
            c
        };
        let body = [b"WEBP".as_slice(), &chunk(b"VP8X", &vp8x), image_chunk, &chunk(b"EXIF", GPS)].concat();
        [b"RIFF".as_slice(), &(body.len() as u32).to_le_bytes(), &body].concat()
    }

    /// The bytes passed on, and the dimensions read.
    type Scrubbed = Result<(Vec<u8>, Option<(u32, u32)>), ImageRefusal>;

    fn scrub_in_pieces(bytes: &[u8], piece: usize, strip: bool) -> Scrubbed {
        let mut scrubber = ImageScrubber::new(sniff(bytes), LIMITS, strip);
        let mut out = Vec::new();
        for part in bytes.chunks(piece.max(1)) {
            scrubber.push(part, &mut out)?;
        }
        let size = scrubber.finish(&mut out)?;
        Ok((out, size))
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    fn pixels(bytes: &[u8]) -> Vec<u8> {
        image::load_from_memory(bytes).unwrap().to_rgba8().into_raw()
    }

    proptest! {
        #[test]
        fn stripping_removes_the_metadata_and_keeps_every_pixel_however_the_upload_is_cut(piece in 1usize..600) {
            for (original, format) in [(jpeg_with_metadata(), "jpeg"), (png_with_metadata(), "png"), (webp_with_metadata(), "webp")] {
                let (scrubbed, size) = scrub_in_pieces(&original, piece, true).unwrap();
                prop_assert_eq!(size, Some((37, 23)), "{}", format);
                prop_assert!(contains(&original, GPS) && !contains(&scrubbed, GPS), "{}: the location is gone", format);
                prop_assert_eq!(pixels(&scrubbed), pixels(&original), "{}: the same pixels", format);
                if format == "webp" {
                    prop_assert_eq!(scrubbed.len(), original.len(), "webp metadata is overwritten in place");
                    prop_assert_eq!(scrubbed[20] & WEBP_FLAG_EXIF, 0, "and no longer announced");
                }
            }
        }

        #[test]
        fn without_stripping_an_image_passes_through_byte_for_byte(piece in 1usize..600) {
            for original in [jpeg_with_metadata(), png_with_metadata(), webp_with_metadata(), encoded(ImageFormat::Gif)] {
                let (same, size) = scrub_in_pieces(&original, piece, false).unwrap();
                prop_assert_eq!(size, Some((37, 23)));
                prop_assert!(same == original);
            }
        }
    }

    #[test]
    fn a_jpeg_keeps_its_orientation_in_a_minimal_exif_block() {
        let (scrubbed, _) = scrub_in_pieces(&jpeg_with_metadata(), 4096, true).unwrap();
        let at = scrubbed.windows(6).position(|w| w == b"Exif\0\0").expect("an EXIF block");
        assert_eq!(exif_orientation(&scrubbed[at..]), Some(6));
        let plain = encoded(ImageFormat::Jpeg);
        let (unrotated, _) = scrub_in_pieces(&plain, 4096, true).unwrap();
        assert_eq!(unrotated, plain, "a JPEG with nothing to strip is unchanged");
    }

    #[test]
    fn an_image_declaring_more_pixels_than_the_limits_is_refused_from_its_header() {
        // A PNG header claiming 100000 × 100000 (the pixel flood), and a GIF claiming 65535².
        let mut flood = b"\x89PNG\r\n\x1a\n".to_vec();
        flood.extend_from_slice(&png_chunk(b"IHDR", &[0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0, 8, 2, 0, 0, 0]));
        assert_eq!(scrub_in_pieces(&flood, 7, true), Err(ImageRefusal::TooLarge { width: 100_000, height: 100_000 }));
        let gif = b"GIF89a\xff\xff\xff\xff\0\0\0;";
        assert_eq!(scrub_in_pieces(gif, 3, true), Err(ImageRefusal::TooLarge { width: 65_535, height: 65_535 }));
        let square = ImageLimits { max_pixels: 100, max_side: 20_000 };
        let mut scrubber = ImageScrubber::new(Sniffed::Png, square, true);
        assert!(matches!(
            scrubber.push(&encoded(ImageFormat::Png), &mut Vec::new()),
            Err(ImageRefusal::TooLarge { .. })
        ));
    }

    #[test]
    fn a_broken_container_is_refused_and_a_cut_header_too() {
        let refused = |kind: Sniffed, bytes: &[u8]| {
            let mut scrubber = ImageScrubber::new(kind, LIMITS, true);
            let mut out = Vec::new();
            scrubber.push(bytes, &mut out).and_then(|()| scrubber.finish(&mut out).map(|_| ()))
        };
        let mut jpeg = encoded(ImageFormat::Jpeg);
        jpeg[2] = 0x00;
        assert!(matches!(refused(Sniffed::Jpeg, &jpeg), Err(ImageRefusal::Malformed(_))));
        assert!(matches!(refused(Sniffed::Png, b"\x89PNG\r\n"), Err(ImageRefusal::Malformed(_))));
        assert_eq!(refused(Sniffed::Text, b"not an image"), Ok(()), "other kinds pass through");
    }
}
