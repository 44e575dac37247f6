//! Transport compression, as the connection URL's `compress` asks: `zlib-stream` (one zlib
//! stream per connection, each message ending in a sync flush, `00 00 ff ff`) or
//! `zstd-stream` (one zstd frame per connection, each message a flushed block, which
//! discord.py asks for whenever zstandard is importable, as it is in Python 3.14's standard
//! library). Anything else is sent uncompressed, as text frames, which every library reads.

use flate2::{Compress, Compression, FlushCompress};
use zstd::stream::raw::{CParameter, Encoder, InBuffer, Operation, OutBuffer};

/// A connection's compressor.
pub enum Transport {
    Zlib(Compress),
    Zstd(Box<Encoder<'static>>),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Zlib(_) => "Transport::Zlib",
            Self::Zstd(_) => "Transport::Zstd",
        })
    }
}

/// zstd's window: 64 KiB, so a connection's compressor stays a few hundred KiB (the default
/// window would cost megabytes per connection) while still spanning many messages.
const ZSTD_WINDOW_LOG: u32 = 16;

impl Transport {
    /// The compressor `compress` names, or `None` for plain text frames.
    pub fn for_query(compress: Option<&str>) -> Option<Self> {
        match compress {
            Some("zlib-stream") => Some(Self::Zlib(Compress::new(Compression::fast(), true))),
            Some("zstd-stream") => {
                let mut encoder = Encoder::new(1).ok()?;
                encoder.set_parameter(CParameter::WindowLog(ZSTD_WINDOW_LOG)).ok()?;
                Some(Self::Zstd(Box::new(encoder)))
            }
            _ => None,
        }
    }

    /// The next message, compressed and flushed so the client can read all of it now.
    /// Compressing into memory cannot fail short of a bug in the codec; the empty frame it
    /// would then give is the least harmful answer.
    pub fn compress(&mut self, text: &str) -> Vec<u8> {
        match self {
            Self::Zlib(zlib) => zlib_message(zlib, text).unwrap_or_default(),
            Self::Zstd(zstd) => zstd_message(zstd, text).unwrap_or_default(),
        }
    }
}

fn zlib_message(compress: &mut Compress, text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 2 + 64);
    let mut input = text.as_bytes();
    loop {
        let before = compress.total_in();
        compress.compress_vec(input, &mut out, FlushCompress::Sync).ok()?;
        input = &input[(compress.total_in() - before) as usize..];
        // The flush is complete once all input is taken and output space was left over.
        if input.is_empty() && out.len() < out.capacity() {
            return Some(out);
        }
        out.reserve(out.capacity().max(64));
    }
}

fn zstd_message(encoder: &mut Encoder<'static>, text: &str) -> Option<Vec<u8>> {
    let mut out = vec![0u8; zstd::zstd_safe::compress_bound(text.len()) + 64];
    let mut written = 0;
    let mut input = InBuffer::around(text.as_bytes());
    while input.pos() < text.len() {
        let mut output = OutBuffer::around_pos(&mut out, written);
        encoder.run(&mut input, &mut output).ok()?;
        written = output.pos();
        if written == out.len() {
            out.resize(out.len() * 2, 0);
        }
    }
    loop {
        let mut output = OutBuffer::around_pos(&mut out, written);
        let left = encoder.flush(&mut output).ok()?;
        written = output.pos();
        if left == 0 {
            break;
        }
        out.resize(out.len() * 2, 0);
    }
    out.truncate(written);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Decompress, FlushDecompress};

    const MESSAGES: [&str; 3] = ["{\"op\":10}", "{\"op\":0,\"t\":\"READY\"}", "{\"op\":11}"];

    fn messages() -> Vec<String> {
        let big = "x".repeat(100_000);
        MESSAGES.iter().map(|m| (*m).to_owned()).chain([big, "{\"op\":11}".into()]).collect()
    }

    #[test]
    fn each_zlib_message_ends_in_the_sync_marker_and_the_stream_inflates_back() {
        let mut stream = Transport::for_query(Some("zlib-stream")).unwrap();
        let mut inflate = Decompress::new(true);
        for text in messages() {
            let frame = stream.compress(&text);
            assert!(frame.ends_with(&[0, 0, 0xff, 0xff]));
            let mut out = Vec::with_capacity(text.len() + 64);
            inflate.decompress_vec(&frame, &mut out, FlushDecompress::Sync).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), text);
        }
    }

    #[test]
    fn each_zstd_message_decompresses_whole_as_it_arrives_from_one_stream() {
        let mut stream = Transport::for_query(Some("zstd-stream")).unwrap();
        // As discord.py reads it: one streaming decompressor, fed one message at a time, must
        // give back exactly that message each time.
        let mut decoder = zstd::stream::raw::Decoder::new().unwrap();
        let mut sizes = Vec::new();
        for text in messages() {
            let frame = stream.compress(&text);
            sizes.push(frame.len());
            let mut out = vec![0u8; text.len() + 1024];
            let mut input = InBuffer::around(&frame);
            let mut output = OutBuffer::around(&mut out);
            while input.pos() < frame.len() {
                zstd::stream::raw::Operation::run(&mut decoder, &mut input, &mut output).unwrap();
            }
            let n = output.pos();
            assert_eq!(std::str::from_utf8(&out[..n]).unwrap(), text);
        }
        assert!(sizes[3] < 1_000, "100 KB of one letter compresses: {sizes:?}");
    }

    #[test]
    fn other_compressions_are_answered_in_plain_text() {
        assert!(Transport::for_query(None).is_none());
        assert!(Transport::for_query(Some("brotli")).is_none());
    }
}
