//! The access-token signing key: 32 random bytes (an Ed25519 seed), hex-encoded in a file
//! that only the server's user can read. Generated on first start if the file is missing.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};

/// Reads the key at `path`, creating it first if it does not exist.
pub fn load_or_create_signing_key(path: &Path) -> anyhow::Result<[u8; 32]> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            parse_key(text.trim()).with_context(|| format!("the signing key file {} is damaged", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            random_fill(&mut seed)?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                crate::private_files::private_dir(dir, "signing_key_file")?;
            }
            match write_private(path, &hex(&seed)) {
                Ok(()) => {
                    tracing::info!(path = %path.display(), "generated a new access-token signing key");
                    Ok(seed)
                }
                // Another node on the same volume made it first, whole: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read the signing key file {}", path.display()))?;
                    parse_key(text.trim())
                        .with_context(|| format!("the signing key file {} is damaged", path.display()))
                }
                Err(e) => Err(e).with_context(|| format!("cannot write the signing key to {}", path.display())),
            }
        }
        Err(e) => Err(e).with_context(|| format!("cannot read the signing key file {}", path.display())),
    }
}

/// The signing key file's text, checked, for a backup.
pub fn read_signing_key(path: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the signing key file {}", path.display()))?;
    parse_key(text.trim()).with_context(|| format!("the signing key file {} is damaged", path.display()))?;
    Ok(text)
}

/// A restored signing key written beside its place, not yet in it.
#[must_use = "commit or discard it"]
pub struct StagedKey {
    staged: std::path::PathBuf,
    path: std::path::PathBuf,
}

/// Writes a restored signing key beside `path` (proving the place is writable) without
/// touching the key there now; [`StagedKey::commit`] renames it over, so a crash leaves one
/// key or the other, never half of one.
pub fn stage_signing_key(path: &Path, text: &str) -> anyhow::Result<StagedKey> {
    parse_key(text.trim()).context("the backup's signing key is damaged")?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::private_files::private_dir(dir, "signing_key_file")?;
    }
    let staged = path.with_extension("restoring");
    let _ = std::fs::remove_file(&staged);
    write_private(&staged, text.trim()).with_context(|| format!("cannot write {}", staged.display()))?;
    Ok(StagedKey { staged, path: path.to_owned() })
}

impl StagedKey {
    pub fn commit(self) -> anyhow::Result<()> {
        std::fs::rename(&self.staged, &self.path)
            .with_context(|| format!("cannot put the signing key at {}", self.path.display()))
    }

    pub fn discard(self) {
        let _ = std::fs::remove_file(&self.staged);
    }
}

fn parse_key(text: &str) -> anyhow::Result<[u8; 32]> {
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("expected 64 hexadecimal characters");
    }
    let mut seed = [0u8; 32];
    for (i, byte) in seed.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[i * 2..i * 2 + 2], 16)?;
    }
    Ok(seed)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Fills `buf` from the kernel's random source.
pub fn random_fill(buf: &mut [u8]) -> anyhow::Result<()> {
    let mut f = std::fs::File::open("/dev/urandom").context("cannot open /dev/urandom")?;
    std::io::Read::read_exact(&mut f, buf).context("cannot read /dev/urandom")
}

/// Writes a file readable by its owner only, whole, where none exists: written beside it,
/// then hard-linked into place, which fails with `AlreadyExists` if another node starting at
/// once on a shared volume got there first (and then its file is whole too).
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    // A random name: two containers on one volume may both be process 1.
    let mut tag = [0u8; 8];
    random_fill(&mut tag).map_err(std::io::Error::other)?;
    let draft = path.with_extension(format!("new-{}", hex(&tag)));
    let written = (|| {
        let mut file = crate::private_files::create_new_private(&draft)?;
        file.write_all(contents.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        std::fs::hard_link(&draft, path)
    })();
    let _ = std::fs::remove_file(&draft);
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_starting_at_once_on_one_volume_all_get_the_same_key() {
        let dir = std::env::temp_dir().join(format!("parley-key-race-{}", std::process::id()));
        let path = dir.join("k");
        let keys: Vec<[u8; 32]> = std::thread::scope(|s| {
            let starts: Vec<_> = (0..8).map(|_| s.spawn(|| load_or_create_signing_key(&path).unwrap())).collect();
            starts.into_iter().map(|t| t.join().unwrap()).collect()
        });
        assert!(keys.iter().all(|k| *k == keys[0]), "one key for all");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no drafts left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_key_is_generated_once_then_read_back_unchanged() {
        let dir = std::env::temp_dir().join(format!("parley-key-test-{}", std::process::id()));
        let path = dir.join("keys/k");
        let first = load_or_create_signing_key(&path).unwrap();
        let second = load_or_create_signing_key(&path).unwrap();
        assert_eq!(first, second);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(&path, "not hex").unwrap();
        assert!(load_or_create_signing_key(&path).unwrap_err().to_string().contains("damaged"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
