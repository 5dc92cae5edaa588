//! The one error type of lnbits-source.

use std::path::PathBuf;

use crate::schema::Missing;

/// Result alias for lnbits-source.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong while reading an LNbits database.
///
/// No variant ever carries a value read from the database's key columns, and PostgreSQL URLs are
/// shown with their password redacted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The spec is neither an existing path nor a `postgres://` / `postgresql://` URL.
    #[error("{0}")]
    InvalidSpec(String),
    /// The path does not exist, or a directory holds no LNbits database file.
    #[error("no LNbits database at {path}: {why}")]
    NotFound {
        /// The path given.
        path: PathBuf,
        /// What was looked for.
        why: String,
    },
    /// A table or column the question depends on does not exist: the answer is unknown.
    #[error("{0}")]
    Missing(Missing),
    /// SQLite refused to open or read the file (not a database, locked, damaged).
    #[error("cannot read the SQLite database {path}: {source}")]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The PostgreSQL server could not be reached or refused a query.
    #[error("cannot read the PostgreSQL database {url}: {source}")]
    Postgres {
        /// The URL, password redacted.
        url: String,
        /// The driver's error.
        #[source]
        source: postgres::Error,
    },
}

/// Stable classification of [`Error`]: callers branch on this, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The spec given by the user is malformed.
    InvalidInput,
    /// Nothing to read at that path.
    NotFound,
    /// The database lacks a table or column: the check's answer is unknown.
    SchemaMissing,
    /// The database could not be opened or read.
    Unreadable,
    /// The database server could not be reached.
    Unreachable,
}

impl Error {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidSpec(_) => ErrorKind::InvalidInput,
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Missing(_) => ErrorKind::SchemaMissing,
            Self::Sqlite { .. } => ErrorKind::Unreadable,
            Self::Postgres { source, .. } => {
                if source.as_db_error().is_some() {
                    ErrorKind::Unreadable
                } else {
                    ErrorKind::Unreachable
                }
            }
        }
    }

    /// The missing table or column, when that is what went wrong.
    pub fn missing(&self) -> Option<&Missing> {
        match self {
            Self::Missing(m) => Some(m),
            _ => None,
        }
    }
}
