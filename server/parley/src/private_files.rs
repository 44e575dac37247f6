//! Parley's files are its own: the data directory (and every directory Parley makes in it)
//! is 0700 and the files that hold secrets or data (the SQLite database and its WAL and
//! shared-memory files, the signing key, the ACME account key and certificates) are 0600,
//! whatever the umask. A data directory left more open by an earlier version is tightened at
//! start, with a log line saying so.

use std::path::Path;

use anyhow::Context;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Makes `dir` (and missing parents) readable by this user only; an existing directory with
/// access for others is tightened.
pub fn private_dir(dir: &Path, setting: &str) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder
        .create(dir)
        .with_context(|| format!("cannot create the directory {} (setting {setting})", dir.display()))?;
    tighten(dir, 0o700)
}

/// Creates an empty file readable by this user only, if none is there (SQLite then creates
/// its WAL and shared-memory files with the database file's own mode); an existing file is
/// tightened.
pub fn private_file(path: &Path) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path).with_context(|| format!("cannot create {}", path.display()))?;
    tighten(path, 0o600)
}

/// Creates a new file readable by its owner only, for writing; never opens one that exists
/// (or a link someone left in its place).
pub fn create_new_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path)
}

/// Tightens every file directly in `dir` to 0600 (what a library wrote there with its own
/// modes, such as the ACME cache).
pub fn private_files_in(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            tighten(&entry.path(), 0o600).map_err(std::io::Error::other)?;
        }
    }
    Ok(())
}

/// The SQLite database at `path` and its companion files (those that exist), 0600.
pub fn private_database(path: &Path) -> anyhow::Result<()> {
    private_file(path)?;
    for suffix in ["-wal", "-shm", "-journal"] {
        let companion =
            path.with_file_name(format!("{}{suffix}", path.file_name().unwrap_or_default().to_string_lossy()));
        if companion.exists() {
            tighten(&companion, 0o600)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn tighten(path: &Path, mode: u32) -> anyhow::Result<()> {
    let metadata = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    let current = metadata.permissions().mode() & 0o777;
    if current & !mode != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot restrict {} to its owner", path.display()))?;
        tracing::info!(path = %path.display(), from = format!("{current:o}"), to = format!("{mode:o}"), "restricted to Parley's user");
    }
    Ok(())
}

#[cfg(not(unix))]
fn tighten(_: &Path, _: u32) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_data_directory_and_database_are_the_owners_alone_and_an_open_one_is_tightened() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        private_dir(&data, "data_dir").unwrap();
        assert_eq!(mode(&data), 0o700);
        let db = data.join("parley.db");
        private_database(&db).unwrap();
        assert_eq!(mode(&db), 0o600);

        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::write(data.join("parley.db-wal"), b"").unwrap();
        std::fs::set_permissions(data.join("parley.db-wal"), std::fs::Permissions::from_mode(0o644)).unwrap();
        private_dir(&data, "data_dir").unwrap();
        private_database(&db).unwrap();
        assert_eq!((mode(&data), mode(&db), mode(&data.join("parley.db-wal"))), (0o700, 0o600, 0o600));
        assert!(std::fs::read(&db).unwrap().is_empty(), "an existing database is never truncated");
    }
}
