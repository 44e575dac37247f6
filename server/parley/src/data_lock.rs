//! The data directory's lock file: every `parley serve` holds it shared while it runs (several
//! nodes may share a data directory), and `parley restore` needs it alone, so a restore never
//! writes under a server that would go on with its old signing key and a database replaced
//! beneath it.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::Context;

const NAME: &str = "serve.lock";

fn path_in(data_dir: &Path) -> PathBuf {
    data_dir.join(NAME)
}

fn open(data_dir: &Path) -> anyhow::Result<File> {
    crate::private_files::private_dir(data_dir, "data_dir")?;
    let path = path_in(data_dir);
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))
}

/// Held by a running server; dropping it (the process ending, however) releases the lock.
pub struct Serving(#[allow(dead_code)] File);

/// Takes the shared lock for `parley serve`. A data directory that cannot hold a lock file
/// (read-only) is no reason not to serve: `None`, with a warning.
pub fn serving(data_dir: &Path) -> Option<Serving> {
    let taken = open(data_dir).and_then(|file| {
        file.lock_shared().context("cannot lock it")?;
        Ok(file)
    });
    match taken {
        Ok(file) => Some(Serving(file)),
        Err(e) => {
            tracing::warn!(
                error = format!("{e:#}"),
                "no lock on data_dir: `parley restore` cannot tell that this server runs"
            );
            None
        }
    }
}

/// Held by `parley restore` while it writes.
pub struct Restoring(#[allow(dead_code)] File);

/// Takes the lock alone, or says which server holds it.
pub fn restoring(data_dir: &Path) -> anyhow::Result<Restoring> {
    let file = open(data_dir)?;
    match file.try_lock() {
        Ok(()) => Ok(Restoring(file)),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "a Parley server is running on this data_dir ({} is held): stop it first, or it would go on \
             with its old signing key over a database replaced beneath it",
            path_in(data_dir).display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path_in(data_dir).display()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restore_waits_for_no_server_and_servers_share_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let first = serving(dir.path()).expect("a lock");
        let second = serving(dir.path()).expect("two servers may share a data directory");
        let refused = restoring(dir.path()).err().expect("refused while serving").to_string();
        assert!(refused.contains("a Parley server is running"), "{refused}");
        drop((first, second));
        let restore = restoring(dir.path()).expect("free once they stop");
        let file = open(dir.path()).unwrap();
        assert!(file.try_lock_shared().is_err(), "a server cannot start under a restore");
        drop(restore);
    }
}
