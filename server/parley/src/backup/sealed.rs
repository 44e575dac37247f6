//! The archive's encryption: a passphrase stretched by Argon2id into a ChaCha20-Poly1305 key,
//! and the plaintext sealed in 64 KiB chunks (the STREAM construction: each chunk's nonce
//! carries its number and whether it is the last, so chunks cannot be dropped, reordered or
//! cut off without the reader noticing).
//!
//! Layout: a 64-byte header (magic, format version, the Argon2 parameters and salt, the nonce
//! prefix), a 16-byte key check (the tag of an empty message under a nonce no chunk uses,
//! telling a wrong passphrase from a damaged file), then the chunks, each 16 bytes longer than
//! its plaintext. The header is every chunk's associated data, so it cannot be altered either.

use std::io::{self, BufRead, BufReader, Read, Write};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

use super::key::BackupKey;

const MAGIC: &[u8; 16] = b"PARLEY-BACKUP\0\0\0";
const FORMAT: u32 = 1;
const HEADER: usize = 64;
const TAG: usize = 16;
/// Plaintext per chunk.
pub const CHUNK: usize = 64 * 1024;

/// Argon2id's cost for new archives: 64 MiB and 3 passes, a fraction of a second here.
const MEMORY_KIB: u32 = 64 * 1024;
const PASSES: u32 = 3;
/// The most a header may ask of the reader, so a crafted file cannot exhaust memory or time.
const MAX_MEMORY_KIB: u32 = 256 * 1024;
const MAX_PASSES: u32 = 8;

/// Why an archive cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("this is not a Parley backup (it does not start as one)")]
    NotABackup,
    #[error("this backup is in format {0}, which this build of Parley cannot read; restore it with a newer Parley")]
    NewerFormat(u32),
    #[error("backup_key does not open this backup: it was made with another key")]
    WrongKey,
    #[error(
        "the backup is damaged: chunk {0} does not authenticate (the file was altered, corrupted, or cut short in its last chunk)"
    )]
    Damaged(u64),
    #[error("the backup is cut short: it ends before its last chunk (an interrupted copy?)")]
    Truncated,
    #[error("the backup's header asks for Argon2 parameters out of range")]
    BadParameters,
    #[error("cannot read the backup: {0}")]
    Io(#[from] io::Error),
}

impl From<OpenError> for io::Error {
    fn from(e: OpenError) -> Self {
        match e {
            OpenError::Io(e) => e,
            other => io::Error::new(io::ErrorKind::InvalidData, other),
        }
    }
}

fn cipher(key: &BackupKey, header: &[u8; HEADER]) -> Result<ChaCha20Poly1305, OpenError> {
    let memory = u32::from_be_bytes(header[20..24].try_into().expect("4 bytes"));
    let passes = u32::from_be_bytes(header[24..28].try_into().expect("4 bytes"));
    let lanes = u32::from_be_bytes(header[28..32].try_into().expect("4 bytes"));
    if memory > MAX_MEMORY_KIB || passes > MAX_PASSES || lanes != 1 {
        return Err(OpenError::BadParameters);
    }
    let params = Params::new(memory, passes, lanes, Some(32)).map_err(|_| OpenError::BadParameters)?;
    let mut derived = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(key.expose().as_bytes(), &header[32..48], &mut derived)
        .map_err(|_| OpenError::BadParameters)?;
    Ok(ChaCha20Poly1305::new(Key::from_slice(&derived)))
}

/// The nonce of chunk `counter`: the archive's 7-byte prefix, the counter, and 1 on the last.
fn nonce(prefix: &[u8], counter: u32, last: bool) -> [u8; 12] {
    let mut nonce = [0u8; 12];
    nonce[..7].copy_from_slice(prefix);
    nonce[7..11].copy_from_slice(&counter.to_be_bytes());
    nonce[11] = u8::from(last);
    nonce
}

/// The key check's nonce: flag 2, which no chunk uses.
fn check_nonce(prefix: &[u8]) -> [u8; 12] {
    let mut nonce = nonce(prefix, u32::MAX, false);
    nonce[11] = 2;
    nonce
}

/// Seals what is written to it into `inner`; [`SealedWriter::finish`] writes the last chunk.
pub struct SealedWriter<W: Write> {
    inner: W,
    cipher: ChaCha20Poly1305,
    header: [u8; HEADER],
    counter: u32,
    buffer: Vec<u8>,
}

impl<W: Write> SealedWriter<W> {
    pub fn new(mut inner: W, key: &BackupKey) -> io::Result<Self> {
        let mut header = [0u8; HEADER];
        header[..16].copy_from_slice(MAGIC);
        header[16..20].copy_from_slice(&FORMAT.to_be_bytes());
        header[20..24].copy_from_slice(&MEMORY_KIB.to_be_bytes());
        header[24..28].copy_from_slice(&PASSES.to_be_bytes());
        header[28..32].copy_from_slice(&1u32.to_be_bytes());
        crate::keys::random_fill(&mut header[32..55]).map_err(|e| io::Error::other(e.to_string()))?; // salt, then nonce prefix
        let cipher = cipher(key, &header).map_err(io::Error::from)?;
        let check = cipher
            .encrypt(Nonce::from_slice(&check_nonce(&header[48..55])), Payload { msg: &[], aad: &header })
            .map_err(|_| io::Error::other("cannot seal the key check"))?;
        inner.write_all(&header)?;
        inner.write_all(&check)?;
        Ok(Self { inner, cipher, header, counter: 0, buffer: Vec::with_capacity(CHUNK + TAG) })
    }

    fn seal(&mut self, last: bool) -> io::Result<()> {
        let take = self.buffer.len().min(CHUNK);
        let nonce = nonce(&self.header[48..55], self.counter, last);
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: &self.buffer[..take], aad: &self.header })
            .map_err(|_| io::Error::other("cannot seal a chunk"))?;
        self.inner.write_all(&sealed)?;
        self.buffer.drain(..take);
        self.counter = self.counter.checked_add(1).ok_or_else(|| io::Error::other("the backup is too large"))?;
        Ok(())
    }

    /// Seals what is left as the last chunk and returns the inner writer, flushed.
    pub fn finish(mut self) -> io::Result<W> {
        self.seal(true)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for SealedWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(data);
        // Only chunks known not to be the last: the last may be full, and is sealed in finish.
        while self.buffer.len() > CHUNK {
            self.seal(false)?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Opens a sealed archive: checks the header and the key, then reads the plaintext, failing
/// with [`OpenError`] (as an `io::Error` of kind `InvalidData`) on any damage.
pub struct SealedReader<R: Read> {
    inner: BufReader<R>,
    cipher: ChaCha20Poly1305,
    header: [u8; HEADER],
    counter: u32,
    plain: Vec<u8>,
    position: usize,
    done: bool,
}

impl<R: Read> SealedReader<R> {
    pub fn open(inner: R, key: &BackupKey) -> Result<Self, OpenError> {
        let mut inner = BufReader::with_capacity(CHUNK + TAG + 1, inner);
        let mut header = [0u8; HEADER];
        if read_full(&mut inner, &mut header)? != HEADER {
            return Err(OpenError::NotABackup);
        }
        if &header[..16] != MAGIC {
            return Err(OpenError::NotABackup);
        }
        let format = u32::from_be_bytes(header[16..20].try_into().expect("4 bytes"));
        if format != FORMAT {
            return Err(OpenError::NewerFormat(format));
        }
        let cipher = cipher(key, &header)?;
        let mut check = [0u8; TAG];
        if read_full(&mut inner, &mut check)? != TAG {
            return Err(OpenError::Truncated);
        }
        cipher
            .decrypt(Nonce::from_slice(&check_nonce(&header[48..55])), Payload { msg: &check, aad: &header })
            .map_err(|_| OpenError::WrongKey)?;
        Ok(Self { inner, cipher, header, counter: 0, plain: Vec::new(), position: 0, done: false })
    }

    fn next_chunk(&mut self) -> Result<(), OpenError> {
        let mut sealed = vec![0u8; CHUNK + TAG];
        let n = read_full(&mut self.inner, &mut sealed)?;
        sealed.truncate(n);
        // A short chunk must be the last; a full one is the last when nothing follows it.
        let last = n < CHUNK + TAG || self.inner.fill_buf()?.is_empty();
        if n < TAG {
            return Err(OpenError::Truncated);
        }
        let nonce = nonce(&self.header[48..55], self.counter, last);
        self.plain = match self.cipher.decrypt(Nonce::from_slice(&nonce), Payload { msg: &sealed, aad: &self.header }) {
            Ok(plain) => plain,
            // Did this chunk decrypt as a middle one? Then the file ends early.
            Err(_) if last && self.is_middle_chunk(&sealed) => return Err(OpenError::Truncated),
            Err(_) => return Err(OpenError::Damaged(u64::from(self.counter))),
        };
        self.position = 0;
        self.done = last;
        self.counter = self.counter.checked_add(1).ok_or(OpenError::Damaged(u64::from(self.counter)))?;
        Ok(())
    }

    fn is_middle_chunk(&self, sealed: &[u8]) -> bool {
        let nonce = nonce(&self.header[48..55], self.counter, false);
        self.cipher.decrypt(Nonce::from_slice(&nonce), Payload { msg: sealed, aad: &self.header }).is_ok()
    }
}

impl<R: Read> Read for SealedReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.position == self.plain.len() {
            if self.done {
                return Ok(0);
            }
            self.next_chunk()?;
        }
        let n = out.len().min(self.plain.len() - self.position);
        out[..n].copy_from_slice(&self.plain[self.position..self.position + n]);
        self.position += n;
        Ok(n)
    }
}

/// Reads until `buf` is full or the input ends; returns how much it read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> BackupKey {
        BackupKey::new(text.to_owned())
    }

    fn seal(plain: &[u8], with: &BackupKey) -> Vec<u8> {
        let mut writer = SealedWriter::new(Vec::new(), with).unwrap();
        // Odd-sized writes, so chunk edges fall inside them.
        for piece in plain.chunks(10_007) {
            writer.write_all(piece).unwrap();
        }
        writer.finish().unwrap()
    }

    fn open(sealed: &[u8], with: &BackupKey) -> Result<Vec<u8>, OpenError> {
        let mut reader = SealedReader::open(sealed, with)?;
        let mut plain = Vec::new();
        reader.read_to_end(&mut plain).map_err(|e| {
            match e.into_inner().map(|inner| inner.downcast::<OpenError>()) {
                Some(Ok(open)) => *open,
                other => panic!("{other:?}"),
            }
        })?;
        Ok(plain)
    }

    #[test]
    fn what_is_sealed_opens_unchanged_at_every_size_around_a_chunk_edge() {
        let k = key("correct horse battery staple");
        for size in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 5] {
            let plain: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
            let sealed = seal(&plain, &k);
            let chunks = size.div_ceil(CHUNK).max(1);
            assert_eq!(sealed.len(), HEADER + TAG + size + TAG * chunks, "size {size}");
            assert_eq!(open(&sealed, &k).unwrap(), plain, "size {size}");
        }
    }

    #[test]
    fn a_wrong_key_a_flipped_bit_a_cut_and_a_stranger_file_are_each_told_apart() {
        let k = key("correct horse battery staple");
        let plain = vec![42u8; 2 * CHUNK + 100];
        let sealed = seal(&plain, &k);
        assert!(matches!(open(&sealed, &key("another passphrase entirely")), Err(OpenError::WrongKey)));

        let mut flipped = sealed.clone();
        flipped[HEADER + TAG + CHUNK + 10] ^= 1;
        assert!(matches!(open(&flipped, &k), Err(OpenError::Damaged(0))));

        // Cut at a chunk boundary (the rest looks whole) and mid-chunk.
        let boundary = HEADER + TAG + CHUNK + TAG;
        assert!(matches!(open(&sealed[..boundary], &k), Err(OpenError::Truncated)));
        assert!(matches!(open(&sealed[..boundary + 100], &k), Err(OpenError::Damaged(1))));

        let mut header = sealed.clone();
        header[24] ^= 1; // the Argon2 passes: the key check fails, as it must
        assert!(matches!(open(&header, &k), Err(OpenError::WrongKey | OpenError::BadParameters)));
        assert!(matches!(
            open(b"PK\x03\x04 not ours at all, but long enough to have a header.......", &k),
            Err(OpenError::NotABackup)
        ));
    }
}
