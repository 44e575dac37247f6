//! Backups on a schedule: each named `parley-<UTC time>.backup` in one folder, so their names
//! sort by age, and only the newest `keep` kept.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::Written;
use crate::settings::Settings;

const PREFIX: &str = "parley-";
const SUFFIX: &str = ".backup";

/// `parley-20261207T063000Z.backup` for that instant.
pub fn file_name(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{PREFIX}{:04}{:02}{:02}T{:02}{:02}{:02}Z{SUFFIX}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// The dated backups in `dir`, oldest first.
pub fn backups_in(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(PREFIX) && name.ends_with(SUFFIX) && entry.file_type()?.is_file() {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

/// Writes a dated backup into `dir`, then deletes all but the newest `keep` (0: keeps every
/// one). Older archives go only after the new one is complete.
pub async fn write_into(settings: &Settings, dir: &Path, keep: usize) -> anyhow::Result<(Written, Vec<PathBuf>)> {
    crate::private_files::private_dir(dir, "--dir")?;
    let mut path = dir.join(file_name(time::OffsetDateTime::now_utc()));
    // Two backups within a second (a manual one beside the schedule): wait for the next name.
    while path.exists() {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        path = dir.join(file_name(time::OffsetDateTime::now_utc()));
    }
    let written = super::write(settings, &path).await?;
    let mut removed = Vec::new();
    if keep > 0 {
        let all = backups_in(dir)?;
        for old in &all[..all.len().saturating_sub(keep)] {
            std::fs::remove_file(old).with_context(|| format!("cannot delete the old backup {}", old.display()))?;
            removed.push(old.clone());
        }
    }
    Ok((written, removed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_time_and_only_dated_backups_are_counted() {
        let earlier = file_name(time::macros::datetime!(2026-12-07 06:30:00 UTC));
        let later = file_name(time::macros::datetime!(2026-12-07 07:05:09 +01:00));
        assert_eq!(earlier, "parley-20261207T063000Z.backup");
        assert_eq!(later, "parley-20261207T060509Z.backup", "in UTC, whatever the offset");
        let dir = tempfile::tempdir().unwrap();
        for name in [&earlier, &later, "notes.txt", "parley-x.backup.partial"] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        let found = backups_in(dir.path()).unwrap();
        assert_eq!(found, [dir.path().join(&later), dir.path().join(&earlier)]);
    }
}
