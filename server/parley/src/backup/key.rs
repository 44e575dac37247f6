//! The passphrase backups are sealed with (the `backup_key` setting), kept out of logs.

/// `backup_key`: never printed, not even by `{:?}`.
#[derive(Clone)]
pub struct BackupKey(String);

impl BackupKey {
    pub fn new(passphrase: String) -> Self {
        Self(passphrase)
    }

    /// The passphrase itself, for the key derivation only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for BackupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BackupKey(hidden)")
    }
}
