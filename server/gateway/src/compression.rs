//! zlib-stream transport compression: one zlib stream per connection, each message flushed
//! with a sync flush so it ends in `00 00 ff ff`, as Discord's libraries expect.

use flate2::{Compress, Compression, FlushCompress};

pub struct ZlibStream {
    compress: Compress,
}

impl std::fmt::Debug for ZlibStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZlibStream").finish_non_exhaustive()
    }
}

impl Default for ZlibStream {
    fn default() -> Self {
        Self { compress: Compress::new(Compression::fast(), true) }
    }
}

impl ZlibStream {
    /// The next message, compressed and flushed.
    pub fn compress(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() / 2 + 64);
        let mut input = text.as_bytes();
        loop {
            let before = self.compress.total_in();
            // Compression into a Vec cannot fail for in-memory input; a failure would be a
            // flate2 bug, and an empty frame is the least harmful answer.
            if self.compress.compress_vec(input, &mut out, FlushCompress::Sync).is_err() {
                return Vec::new();
            }
            input = &input[(self.compress.total_in() - before) as usize..];
            // The flush is complete once all input is taken and output space was left over.
            if input.is_empty() && out.len() < out.capacity() {
                return out;
            }
            out.reserve(out.capacity().max(64));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Decompress, FlushDecompress};

    #[test]
    fn each_message_ends_in_the_sync_marker_and_the_stream_inflates_back() {
        let mut stream = ZlibStream::default();
        let mut inflate = Decompress::new(true);
        for text in ["{\"op\":10}", &"x".repeat(100_000), "{\"op\":11}"] {
            let frame = stream.compress(text);
            assert!(frame.ends_with(&[0, 0, 0xff, 0xff]));
            let mut out = Vec::with_capacity(text.len() + 64);
            inflate.decompress_vec(&frame, &mut out, FlushDecompress::Sync).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), text);
        }
    }
}
