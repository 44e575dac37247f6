//! Database URLs: `sqlite://path` (or `sqlite::memory:`) and `postgres://...`.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        })
    }
}

/// A database URL whose scheme names a backend Parley supports.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    backend: Backend,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unsupported database URL scheme: use sqlite://PATH or postgres://USER@HOST/DB")]
pub struct UnsupportedDatabaseUrl;

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, UnsupportedDatabaseUrl> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(UnsupportedDatabaseUrl);
        };
        Ok(Self { url: url.to_owned(), backend })
    }
    pub fn backend(&self) -> Backend {
        self.backend
    }
    pub fn as_str(&self) -> &str {
        &self.url
    }
    /// The SQLite file path, for the migration runner (rusqlite wants a path, not a URL)
    /// and for keeping the file private.
    pub fn sqlite_path(&self) -> Option<&str> {
        let rest = self.url.strip_prefix("sqlite://").or_else(|| self.url.strip_prefix("sqlite:"))?;
        Some(rest.split('?').next().unwrap_or(rest))
    }
    /// The SQLite database's file, when there is one (not `:memory:`): what migrations and
    /// backups open directly.
    pub fn sqlite_file(&self) -> Option<&str> {
        self.sqlite_path().filter(|p| !p.is_empty() && !p.starts_with(":memory:"))
    }
    /// The URL with any password replaced, safe for logs and error messages.
    pub fn redacted(&self) -> String {
        match (self.url.find("://"), self.url.rfind('@')) {
            (Some(scheme_end), Some(at)) if at > scheme_end => {
                let credentials = &self.url[scheme_end + 3..at];
                match credentials.split_once(':') {
                    Some((user, _)) => format!("{}{user}:***{}", &self.url[..scheme_end + 3], &self.url[at..]),
                    None => self.url.clone(),
                }
            }
            _ => self.url.clone(),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_backend() {
        assert_eq!(DatabaseUrl::parse("sqlite://data/parley.db").unwrap().backend(), Backend::Sqlite);
        assert_eq!(DatabaseUrl::parse("postgresql://u@h/db").unwrap().backend(), Backend::Postgres);
        assert!(DatabaseUrl::parse("mysql://u@h/db").is_err());
    }

    #[test]
    fn passwords_never_appear_in_the_printed_url() {
        let url = DatabaseUrl::parse("postgres://parley:hunter2@db:5432/parley").unwrap();
        assert_eq!(url.redacted(), "postgres://parley:***@db:5432/parley");
        assert!(!format!("{url:?}").contains("hunter2"));
    }

    #[test]
    fn sqlite_paths_drop_the_scheme_and_query() {
        let url = DatabaseUrl::parse("sqlite://data/parley.db?mode=rwc").unwrap();
        assert_eq!(url.sqlite_path(), Some("data/parley.db"));
    }
}
