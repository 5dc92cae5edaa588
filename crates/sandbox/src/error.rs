//! The crate's one error type.

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why starting or driving the sandbox failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bunker's SQLite state file could not be opened, migrated or queried.
    #[error("sandbox state: {0}")]
    State(#[from] rusqlite::Error),
    /// The loopback relay could not bind or start.
    #[error("sandbox relay: {0}")]
    Relay(String),
    /// The bunker could not connect to any of its relays in time.
    #[error("sandbox bunker could not reach its relays")]
    Unreachable,
    /// A key could not be parsed, generated or used to sign.
    #[error("sandbox key: {0}")]
    Key(String),
    /// The configuration is contradictory (e.g. no relays).
    #[error("sandbox config: {0}")]
    Config(String),
    /// A background task failed or panicked.
    #[error("sandbox internal: {0}")]
    Internal(String),
}

/// Stable, matchable category of an [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`Error::State`].
    State,
    /// See [`Error::Relay`].
    Relay,
    /// See [`Error::Unreachable`].
    Unreachable,
    /// See [`Error::Key`].
    Key,
    /// See [`Error::Config`].
    Config,
    /// See [`Error::Internal`].
    Internal,
}

impl Error {
    /// The stable category of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::State(_) => ErrorKind::State,
            Self::Relay(_) => ErrorKind::Relay,
            Self::Unreachable => ErrorKind::Unreachable,
            Self::Key(_) => ErrorKind::Key,
            Self::Config(_) => ErrorKind::Config,
            Self::Internal(_) => ErrorKind::Internal,
        }
    }
}

impl From<crate::store::StoreFault> for Error {
    fn from(fault: crate::store::StoreFault) -> Self {
        Self::Internal(fault.0)
    }
}
