//! The archive's contents: a zstd-compressed tar inside the sealed stream, with the database
//! copy under `database/`, the secrets under `secrets/`, uploaded files (once Parley keeps
//! any) under `files/`, and `manifest.json` last, listing every other entry with its size and
//! SHA-256, the Parley version and the schema version.
//!
//! Extraction trusts nothing it reads: only regular files, only under those folders, no `..`,
//! and the result must match the manifest exactly, entry for entry.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use parley_store::snapshot::SnapshotInfo;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::key::BackupKey;
use super::sealed::{SealedReader, SealedWriter};

/// The archive layout this build writes and reads.
pub const FORMAT: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
/// The folders an entry may be in.
const FOLDERS: [&str; 3] = ["database", "secrets", "files"];
/// Room for [`MAX_ENTRIES`] entries of the longest paths the writer takes.
const MAX_MANIFEST_BYTES: u64 = 512 * 1024 * 1024;
/// The most entries an archive holds, written or read (a million uploaded files; more belong
/// in S3, whose files stay out of archives).
pub const MAX_ENTRIES: usize = 1_000_000;
/// Folders an entry's path may go below its top folder (object keys are at most this deep).
const MAX_DEPTH: usize = 16;

/// What the archive says about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The Parley that wrote it.
    pub parley_version: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub database: SnapshotInfo,
    pub entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// Why an archive's contents are refused.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    #[error(transparent)]
    Open(#[from] super::sealed::OpenError),
    #[error("the backup holds an entry Parley never writes: {0}")]
    Unexpected(String),
    #[error("the backup has no manifest, or entries after it: it was not written by `parley backup`")]
    NoManifest,
    #[error("the backup's manifest is unreadable: {0}")]
    BadManifest(String),
    #[error("the backup is in layout {0}, which this build of Parley cannot read; restore it with a newer Parley")]
    NewerFormat(u32),
    #[error("the backup's {0} does not match its manifest (size or checksum)")]
    Mismatch(String),
    #[error("the backup's manifest lists {0}, which the backup does not hold")]
    Missing(String),
    #[error("cannot read the backup: {0}")]
    Io(#[from] io::Error),
}

/// Writes entries into a new archive at a path.
pub struct ArchiveWriter {
    tar: tar::Builder<zstd::Encoder<'static, SealedWriter<File>>>,
    entries: Vec<Entry>,
}

impl ArchiveWriter {
    pub fn create(file: File, key: &BackupKey) -> io::Result<Self> {
        let sealed = SealedWriter::new(file, key)?;
        let mut tar = tar::Builder::new(zstd::Encoder::new(sealed, 3)?);
        tar.mode(tar::HeaderMode::Deterministic);
        Ok(Self { tar, entries: Vec::new() })
    }

    /// Adds the file at `from` as `path` (which must be in one of the archive's folders).
    pub fn add_file(&mut self, path: &str, from: &Path) -> io::Result<()> {
        let file = File::open(from)?;
        let size = file.metadata()?.len();
        let mut hashing = Hashing { inner: file.take(size), hasher: Sha256::new(), size: 0 };
        self.append(path, size, &mut hashing)?;
        if hashing.size != size {
            return Err(io::Error::other(format!("{} changed size while it was archived", from.display())));
        }
        self.entries.push(Entry { path: path.to_owned(), size, sha256: hex::encode(hashing.hasher.finalize()) });
        Ok(())
    }

    /// Adds `bytes` as `path`.
    pub fn add_bytes(&mut self, path: &str, bytes: &[u8]) -> io::Result<()> {
        self.append(path, bytes.len() as u64, &mut &bytes[..])?;
        self.entries.push(Entry {
            path: path.to_owned(),
            size: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(bytes)),
        });
        Ok(())
    }

    fn append(&mut self, path: &str, size: u64, data: &mut impl Read) -> io::Result<()> {
        // What restore would refuse is refused here, so no archive is written that cannot be
        // restored.
        if allowed(path).is_none() {
            return Err(io::Error::other(format!("{path} is not a name a backup may hold")));
        }
        if self.entries.len() >= MAX_ENTRIES {
            return Err(io::Error::other(format!(
                "a backup holds at most {MAX_ENTRIES} entries; keep this many uploaded files in S3 (files_storage = s3)"
            )));
        }
        let mut header = tar::Header::new_gnu();
        header.set_size(size);
        header.set_mode(0o600);
        header.set_entry_type(tar::EntryType::Regular);
        self.tar.append_data(&mut header, path, data)
    }

    /// Writes the manifest (listing what was added) last, and seals the archive.
    pub fn finish(mut self, database: SnapshotInfo, created_at: String) -> io::Result<(File, Manifest)> {
        let manifest = Manifest {
            format: FORMAT,
            parley_version: env!("CARGO_PKG_VERSION").to_owned(),
            created_at,
            database,
            entries: std::mem::take(&mut self.entries),
        };
        let json = serde_json::to_vec(&manifest).map_err(io::Error::other)?;
        if json.len() as u64 > MAX_MANIFEST_BYTES {
            return Err(io::Error::other(format!(
                "the backup's manifest would be larger than restore reads ({MAX_MANIFEST_BYTES} bytes); keep this many uploaded files in S3 (files_storage = s3)"
            )));
        }
        let mut header = tar::Header::new_gnu();
        header.set_size(json.len() as u64);
        header.set_mode(0o600);
        self.tar.append_data(&mut header, MANIFEST, &json[..])?;
        let file = self.tar.into_inner()?.finish()?.finish()?;
        file.sync_all()?;
        Ok((file, manifest))
    }
}

/// The path an entry named `name` may be written to under the staging folder; `None` for a
/// name Parley never writes.
fn allowed(name: &str) -> Option<PathBuf> {
    let path = Path::new(name);
    let mut parts = path.components();
    let Some(Component::Normal(first)) = parts.next() else { return None };
    if !FOLDERS.iter().any(|f| first == *f) || name.len() > 1024 {
        return None;
    }
    let rest: Vec<_> = parts.collect();
    if rest.is_empty() || rest.len() > MAX_DEPTH || !rest.iter().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    Some(path.to_owned())
}

/// Opens the archive in `file` with `key`, writes its entries under `into` (an empty private
/// folder) and returns its manifest, having checked every entry against it.
pub fn extract(file: File, key: &BackupKey, into: &Path) -> Result<Manifest, ContentError> {
    let sealed = SealedReader::open(file, key)?;
    let mut tar = tar::Archive::new(zstd::Decoder::new(sealed)?);
    let mut seen: Vec<Entry> = Vec::new();
    let mut names = std::collections::HashSet::new();
    let mut manifest: Option<Manifest> = None;
    for entry in tar.entries()? {
        let mut entry = entry.map_err(unwrap_open)?;
        let name = entry.path().map_err(unwrap_open)?.to_string_lossy().into_owned();
        if manifest.is_some() {
            return Err(ContentError::NoManifest);
        }
        if entry.header().entry_type() != tar::EntryType::Regular {
            return Err(ContentError::Unexpected(name));
        }
        if name == MANIFEST {
            if entry.size() > MAX_MANIFEST_BYTES {
                return Err(ContentError::BadManifest("it is larger than any Parley writes".into()));
            }
            let mut json = Vec::new();
            entry.read_to_end(&mut json).map_err(unwrap_open)?;
            manifest = Some(serde_json::from_slice(&json).map_err(|e| ContentError::BadManifest(e.to_string()))?);
            continue;
        }
        let relative = allowed(&name).ok_or_else(|| ContentError::Unexpected(name.clone()))?;
        if seen.len() >= MAX_ENTRIES || !names.insert(name.clone()) {
            return Err(ContentError::Unexpected(name));
        }
        let target = into.join(&relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut out = crate::private_files::create_new_private(&target)?;
        let mut hashing = Hashing { inner: &mut entry, hasher: Sha256::new(), size: 0 };
        io::copy(&mut hashing, &mut out).map_err(unwrap_open)?;
        out.sync_all()?;
        seen.push(Entry { path: name, size: hashing.size, sha256: hex::encode(hashing.hasher.finalize()) });
    }
    // Read to the sealed stream's end, so its last chunk authenticates too (what follows the
    // tar's end must not go unchecked).
    let mut decoder = tar.into_inner();
    io::copy(&mut decoder, &mut io::sink()).map_err(unwrap_open)?;
    io::copy(&mut decoder.finish(), &mut io::sink()).map_err(unwrap_open)?;
    let manifest = manifest.ok_or(ContentError::NoManifest)?;
    if manifest.format != FORMAT {
        return Err(ContentError::NewerFormat(manifest.format));
    }
    for listed in &manifest.entries {
        match seen.iter().find(|e| e.path == listed.path) {
            Some(found) if found == listed => {}
            Some(_) => return Err(ContentError::Mismatch(listed.path.clone())),
            None => return Err(ContentError::Missing(listed.path.clone())),
        }
    }
    if let Some(extra) = seen.iter().find(|e| !manifest.entries.iter().any(|l| l.path == e.path)) {
        return Err(ContentError::Unexpected(extra.path.clone()));
    }
    Ok(manifest)
}

/// An archive error surfaced through `io::Error` by the decompressor or tar reader, turned
/// back into what it was.
fn unwrap_open(e: io::Error) -> ContentError {
    if e.get_ref().is_some_and(|inner| inner.is::<super::sealed::OpenError>()) {
        let inner = e.into_inner().expect("checked above");
        return ContentError::Open(*inner.downcast::<super::sealed::OpenError>().expect("checked above"));
    }
    ContentError::Io(e)
}

/// Counts and hashes what passes through.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    size: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_archive_of_many_files_is_written_and_restored_and_a_path_restore_would_refuse_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let key = BackupKey::new("a passphrase for the archive test".into());
        let path = dir.path().join("many.backup");
        let mut writer = ArchiveWriter::create(File::create(&path).unwrap(), &key).unwrap();
        for n in 0..2_000 {
            writer.add_bytes(&format!("files/attachments/{n}/{n}/file-{n}.bin"), b"x").unwrap();
        }
        let too_deep = format!("files/{}", ["a"; MAX_DEPTH + 1].join("/"));
        assert!(writer.add_bytes(&too_deep, b"x").is_err(), "deeper than restore reads");
        let info = SnapshotInfo {
            backend: parley_store::Backend::Sqlite,
            schema_version: 1,
            files: Vec::new(),
            tables: Vec::new(),
        };
        writer.finish(info, "2026-12-07T00:00:00Z".into()).unwrap();
        let into = dir.path().join("out");
        std::fs::create_dir(&into).unwrap();
        let manifest = extract(File::open(&path).unwrap(), &key, &into).unwrap();
        assert_eq!(manifest.entries.len(), 2_000);
        assert!(into.join("files/attachments/1999/1999/file-1999.bin").is_file());
    }
}
