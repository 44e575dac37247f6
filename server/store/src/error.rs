//! The store's one error type. Callers match on the variants they can act on (conflicts,
//! unavailability); everything else is an internal failure logged with its cause.

/// A unique constraint that an insert or update ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conflict {
    Username,
    Email,
    InviteCode,
    /// An application already has a command of this name and type there.
    CommandName,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0:?} is already taken")]
    Conflict(Conflict),
    #[error("the database did not answer in time (pool exhausted or unreachable)")]
    Unavailable(#[source] sqlx::Error),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("registration on this instance needs an invite code")]
    InviteRequired,
    #[error("the invite code is unknown, expired or used up")]
    InviteUnusable,
    #[error("migration error: {0}")]
    Migration(String),
    /// A message named an upload that is no longer waiting for one (swept, or taken).
    #[error("upload {0} is no longer waiting for a message")]
    UploadGone(i64),
    /// Taking or loading a backup's copy of the database went wrong; the text says how.
    #[error("{0}")]
    Snapshot(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => StoreError::Unavailable(e),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                // PostgreSQL names the constraint; SQLite names the column in the message.
                let hint = format!("{} {}", db.constraint().unwrap_or_default(), db.message());
                if hint.contains("username") {
                    StoreError::Conflict(Conflict::Username)
                } else if hint.contains("email") {
                    StoreError::Conflict(Conflict::Email)
                } else if hint.contains("application_commands") {
                    StoreError::Conflict(Conflict::CommandName)
                } else if hint.contains("instance_invites") || hint.contains("guild_invites") {
                    StoreError::Conflict(Conflict::InviteCode)
                } else {
                    StoreError::Database(e)
                }
            }
            _ => StoreError::Database(e),
        }
    }
}
