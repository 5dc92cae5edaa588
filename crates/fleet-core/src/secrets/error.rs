//! The error type of the secret stores and the console identity.
//!
//! No variant carries key material, a passphrase, or a stored value: only names, paths and the
//! stores' own descriptions.

use std::path::PathBuf;

/// What went wrong while reading or writing a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The store did not answer in time (a locked keyring waiting on a prompt, usually).
    #[error(
        "the {store} did not answer a {op} within {} s: if it is locked or shows a prompt, unlock \
         it and retry",
        millis.div_ceil(1000)
    )]
    Timeout {
        /// "read", "write" or "delete".
        op: &'static str,
        /// The store's description.
        store: String,
        /// The timeout in milliseconds.
        millis: u64,
    },
    /// The OS keyring is locked or refused access.
    #[error("the OS keyring refused access (is it locked?): unlock it and retry ({detail})")]
    Locked {
        /// The platform's reason.
        detail: String,
    },
    /// The OS keyring is not reachable or failed.
    #[error(
        "the OS keyring is not available ({detail}): start a Secret Service (e.g. gnome-keyring) \
         or use an encrypted key file (SATOP_PASSPHRASE)"
    )]
    Unavailable {
        /// The platform's reason.
        detail: String,
    },
    /// The passphrase does not decrypt the key file.
    #[error("the passphrase does not open {}: check SATOP_PASSPHRASE", path.display())]
    WrongPassphrase {
        /// The key file.
        path: PathBuf,
    },
    /// The passphrase does not decrypt an imported `ncryptsec`.
    #[error(
        "the passphrase does not open this ncryptsec: use the passphrase it was exported with"
    )]
    WrongImportPassphrase,
    /// The text is not an `ncryptsec1…` encrypted key.
    #[error("not an encrypted key: expected text starting with ncryptsec1 ({detail})")]
    InvalidNcryptsec {
        /// What the parser said (never the text itself).
        detail: String,
    },
    /// A stored value is not a secret key, or the key file is malformed.
    #[error("{location} holds an unreadable key entry {name:?}: {detail}")]
    Corrupt {
        /// The store's description.
        location: String,
        /// Entry name, or "" for the whole file.
        name: String,
        /// What is wrong (never the value).
        detail: String,
    },
    /// The key file has a version this app does not know.
    #[error("{} has format version {found}; this app knows version 1: update the app", path.display())]
    UnsupportedFileVersion {
        /// The key file.
        path: PathBuf,
        /// The version found.
        found: u64,
    },
    /// Reading or writing the key file failed.
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        /// "read", "write", …
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Encrypting a key failed (NIP-49).
    #[error("encrypting the key failed: {0}")]
    Encrypt(String),
    /// A console key already exists; creating another would orphan its admin rights.
    #[error("this console already has a key ({npub}): keep it, or import with replace to swap it")]
    IdentityExists {
        /// The existing key's npub.
        npub: String,
    },
    /// Import would replace a different console key.
    #[error(
        "this console already has a different key ({existing}); importing {imported} would replace \
         it and the bunker would no longer know this console: pass replace to do it anyway"
    )]
    DifferentIdentity {
        /// npub of the key in the store.
        existing: String,
        /// npub of the key being imported.
        imported: String,
    },
    /// The blocking task running a store call panicked.
    #[error("the secret store task did not finish: {0}")]
    Task(String),
}

/// Stable classification of [`SecretError`]: the UI branches on this, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecretErrorKind {
    /// The store did not answer in time.
    Timeout,
    /// The keyring is locked: ask the user to unlock it.
    Locked,
    /// No usable store: offer the file store.
    Unavailable,
    /// The passphrase is wrong.
    WrongPassphrase,
    /// The user's input is not usable (not an ncryptsec).
    InvalidInput,
    /// The action would replace or duplicate an identity.
    Conflict,
    /// Stored data is damaged or from a newer app.
    Corrupt,
    /// File system or runtime failure.
    Io,
}

impl SecretError {
    /// The stable kind of this error.
    pub fn kind(&self) -> SecretErrorKind {
        match self {
            Self::Timeout { .. } => SecretErrorKind::Timeout,
            Self::Locked { .. } => SecretErrorKind::Locked,
            Self::Unavailable { .. } => SecretErrorKind::Unavailable,
            Self::WrongPassphrase { .. } | Self::WrongImportPassphrase => {
                SecretErrorKind::WrongPassphrase
            }
            Self::InvalidNcryptsec { .. } => SecretErrorKind::InvalidInput,
            Self::IdentityExists { .. } | Self::DifferentIdentity { .. } => {
                SecretErrorKind::Conflict
            }
            Self::Corrupt { .. } | Self::UnsupportedFileVersion { .. } => SecretErrorKind::Corrupt,
            Self::Io { .. } | Self::Encrypt(_) | Self::Task(_) => SecretErrorKind::Io,
        }
    }
}
