//! The one error type of fleet-store.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

/// Result alias for fleet-store.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong while opening or using the local database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database file was written by a newer version of the app; it was not modified.
    #[error(
        "this database has schema version {found}, but this version of Satmachine Operator only \
         knows up to {supported}: update the app to open it (the file was left untouched)"
    )]
    NewerDatabase {
        /// The schema version (`PRAGMA user_version`) found in the file.
        found: usize,
        /// The highest schema version this build knows.
        supported: usize,
    },
    /// The database file exists but is empty (0 bytes): it is NOT taken for a new fleet.
    #[error(
        "the database file {p} is empty (0 bytes), so the machines, bunker profile, audit log and \
         queued revokes it held are not in it; it was left untouched: restore it from a backup, or \
         move it aside (e.g. `mv {p} {p}.empty`) to start a new fleet",
        p = path.display()
    )]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },
    /// The file is not an SQLite database (another program's file, or overwritten).
    #[error(
        "{} is not a Satmachine Operator database (not an SQLite file); it was left untouched: \
         restore the right file from a backup, or move it aside to start a new fleet",
        path.display()
    )]
    NotADatabase {
        /// The file.
        path: PathBuf,
    },
    /// SQLite found the file damaged (truncated, overwritten in part).
    #[error(
        "the database file {} is damaged ({detail}): restore it from a backup, or move it aside \
         to start a new fleet",
        shown(path.as_deref())
    )]
    Damaged {
        /// The file, when known.
        path: Option<PathBuf>,
        /// What SQLite said.
        detail: String,
    },
    /// A write was refused because the file or its file system is read-only.
    #[error(
        "the database file {} is read-only (file permissions or a read-only mount) and this \
         command changes it: make the file and its directory writable, then try again (read-only \
         commands such as status, machine list, audit, outbox list and fee show still work)",
        shown(path.as_deref())
    )]
    ReadOnly {
        /// The file, when known.
        path: Option<PathBuf>,
    },
    /// A read-only database needs a schema migration, which cannot be written.
    #[error(
        "the database file {} is read-only and was written by an older version of the app: make \
         it writable once so it can be updated, then try again",
        path.display()
    )]
    ReadOnlyNeedsMigration {
        /// The file.
        path: PathBuf,
    },
    /// The disk holding the database is full.
    #[error(
        "the disk holding the database file {} is full: free some space, then try again \
         (the change was not saved)",
        shown(path.as_deref())
    )]
    DiskFull {
        /// The file, when known.
        path: Option<PathBuf>,
    },
    /// The database file could not be opened or read (permissions, I/O).
    #[error("cannot use the database file {}: {cause}: check the path, its permissions and the disk", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// What went wrong, in words.
        cause: String,
    },
    /// Another machine already has this name, ignoring case.
    #[error("a machine named \"{name}\" already exists (names ignore case): choose another name")]
    NameTaken {
        /// The rejected name, trimmed.
        name: String,
    },
    /// The machine name is empty or too long.
    #[error("machine name {problem}: use 1 to {max} characters", max = crate::MAX_NAME_CHARS)]
    NameInvalid {
        /// What is wrong with it ("is empty", "is 61 characters long").
        problem: String,
    },
    /// A row that the caller named by id does not exist (or is not in the required state).
    #[error("{what} {id} not found")]
    NotFound {
        /// What was looked for ("machine", "pending outbox item").
        what: &'static str,
        /// The id asked for.
        id: i64,
    },
    /// A stored value could not be read back (unknown enum text, malformed JSON).
    #[error("the database holds an unreadable value in {column}: {detail}")]
    Corrupt {
        /// `table.column` of the bad value.
        column: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// The directory for the database file could not be created.
    #[error("cannot create the directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: std::path::PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Applying the schema migrations failed; the transaction was rolled back.
    #[error("migrating the database failed: {0}")]
    Migration(#[source] rusqlite_migration::Error),
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// A JSON column could not be encoded.
    #[error("cannot encode {column} as JSON: {source}")]
    Json {
        /// `table.column` being written.
        column: &'static str,
        /// The serde error.
        #[source]
        source: serde_json::Error,
    },
    /// The blocking task running a database closure panicked or was cancelled.
    #[error("the database task did not finish: {0}")]
    Task(String),
}

fn shown(path: Option<&Path>) -> String {
    path.map_or_else(|| "(in use)".to_string(), |p| p.display().to_string())
}

/// SQLite's failures that have a cause an operator can act on become their own variants
/// (read-only, disk full, damaged); the rest stay [`Error::Sqlite`].
impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::ReadOnly) => Self::ReadOnly { path: None },
            Some(ErrorCode::DiskFull) => Self::DiskFull { path: None },
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Self::Damaged {
                path: None,
                detail: plain(&e),
            },
            _ => Self::Sqlite(e),
        }
    }
}

/// SQLite's own words for an error, without rusqlite's decoration.
fn plain(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(f, Some(msg)) if !msg.is_empty() => {
            format!("{msg}; {}", f.code_text())
        }
        rusqlite::Error::SqliteFailure(f, _) => f.code_text(),
        other => other.to_string(),
    }
}

trait CodeText {
    fn code_text(&self) -> String;
}

impl CodeText for rusqlite::ffi::Error {
    fn code_text(&self) -> String {
        match self.code {
            ErrorCode::DatabaseCorrupt => "the file is malformed".into(),
            ErrorCode::NotADatabase => "the file is not a database".into(),
            _ => self.to_string(),
        }
    }
}

impl Error {
    /// Names the database file in errors that SQLite raised without knowing it.
    #[must_use]
    pub(crate) fn at(self, at: &Path) -> Self {
        let file = Some(at.to_path_buf());
        match self {
            Self::ReadOnly { path: None } => Self::ReadOnly { path: file },
            Self::DiskFull { path: None } => Self::DiskFull { path: file },
            Self::Damaged { path: None, detail } => Self::Damaged { path: file, detail },
            Self::Migration(rusqlite_migration::Error::RusqliteError { query, err }) => {
                match Self::from(err) {
                    Self::Sqlite(err) => {
                        Self::Migration(rusqlite_migration::Error::RusqliteError { query, err })
                    }
                    classified => classified.at(at),
                }
            }
            Self::Sqlite(e) => match e.sqlite_error_code() {
                Some(
                    ErrorCode::CannotOpen
                    | ErrorCode::PermissionDenied
                    | ErrorCode::SystemIoFailure,
                ) => Self::Open {
                    path: at.to_path_buf(),
                    cause: plain(&e),
                },
                _ => Self::Sqlite(e),
            },
            other => other,
        }
    }

    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NewerDatabase { .. } => ErrorKind::NewerDatabase,
            Self::NameInvalid { .. } => ErrorKind::InvalidInput,
            Self::NameTaken { .. } => ErrorKind::Conflict,
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Corrupt { .. }
            | Self::EmptyFile { .. }
            | Self::NotADatabase { .. }
            | Self::Damaged { .. } => ErrorKind::Corrupt,
            Self::ReadOnly { .. } | Self::ReadOnlyNeedsMigration { .. } => ErrorKind::ReadOnly,
            Self::DiskFull { .. }
            | Self::Open { .. }
            | Self::CreateDir { .. }
            | Self::Migration(_)
            | Self::Sqlite(_)
            | Self::Json { .. }
            | Self::Task(_) => ErrorKind::Storage,
        }
    }
}

/// Stable classification of [`Error`]: the UI branches on this, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The database is from a newer app: the user must update.
    NewerDatabase,
    /// The caller's input breaks a rule (name empty or too long).
    InvalidInput,
    /// The input clashes with what is stored (name taken).
    Conflict,
    /// The named row does not exist.
    NotFound,
    /// The database content or file is damaged, empty, or was written by something else.
    Corrupt,
    /// The database is read-only and the command needs to write.
    ReadOnly,
    /// SQLite, the file system or the runtime failed.
    Storage,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: std::ffi::c_int) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn sqlite_failures_an_operator_can_act_on_get_words_and_the_file() {
        let file = Path::new("/data/fleet.sqlite3");
        let full = Error::from(sqlite(rusqlite::ffi::SQLITE_FULL)).at(file);
        assert!(matches!(full, Error::DiskFull { .. }), "{full:?}");
        assert!(
            full.to_string().contains("/data/fleet.sqlite3 is full"),
            "{full}"
        );
        assert!(full.to_string().contains("free some space"), "{full}");
        let ro = Error::from(sqlite(rusqlite::ffi::SQLITE_READONLY)).at(file);
        assert_eq!(ro.kind(), ErrorKind::ReadOnly);
        assert!(ro.to_string().contains("/data/fleet.sqlite3"), "{ro}");
        let bad = Error::from(sqlite(rusqlite::ffi::SQLITE_CORRUPT)).at(file);
        assert_eq!(bad.kind(), ErrorKind::Corrupt);
        assert!(
            bad.to_string().contains("restore it from a backup"),
            "{bad}"
        );
        let busy = Error::from(sqlite(rusqlite::ffi::SQLITE_BUSY));
        assert_eq!(busy.kind(), ErrorKind::Storage);
    }
}
