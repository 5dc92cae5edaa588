//! The one error type of fleet-store.

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
    Sqlite(#[from] rusqlite::Error),
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
    /// The database content is damaged or was written by something else.
    Corrupt,
    /// SQLite, the file system or the runtime failed.
    Storage,
}

impl Error {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NewerDatabase { .. } => ErrorKind::NewerDatabase,
            Self::NameInvalid { .. } => ErrorKind::InvalidInput,
            Self::NameTaken { .. } => ErrorKind::Conflict,
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Corrupt { .. } => ErrorKind::Corrupt,
            Self::CreateDir { .. }
            | Self::Migration(_)
            | Self::Sqlite(_)
            | Self::Json { .. }
            | Self::Task(_) => ErrorKind::Storage,
        }
    }
}
