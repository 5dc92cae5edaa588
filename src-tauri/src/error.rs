//! The shell's one error type, and the `{kind, message}` shape the UI receives.

use serde::Serialize;
use specta::Type;

/// What went wrong in a command. Messages say what to do; none contains a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A fleet-core use case failed.
    #[error(transparent)]
    Core(#[from] fleet_core::Error),
    /// The embedded sandbox could not start.
    #[error("the SANDBOX bunker could not start: {0}")]
    Sandbox(#[from] sandbox::Error),
    /// The environment does not say where data or secrets live.
    #[error("{0}")]
    Setup(String),
    /// The pairing is not on screen any more (finished, cancelled or never started).
    #[error("this pairing is over: start a new one")]
    NoSuchPairing,
    /// A file the app writes (an export) could not be written.
    #[error("cannot write {path}: {reason}; check the disk space and the folder's permissions")]
    File {
        /// The file.
        path: String,
        /// What the OS said.
        reason: String,
    },
    /// The typed confirmation is not the machine's name (a guard against revoking the wrong one).
    #[error("type the machine's name exactly, \"{machine}\", to confirm")]
    ConfirmMismatch {
        /// The machine's name as stored.
        machine: String,
    },
}

/// What the UI branches on; it never matches message strings (STYLE.md item 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// Bad input: the message says which field and how to fix it.
    InvalidInput,
    /// The console has no key or no bunker yet.
    NotInitialized,
    /// No reply in time.
    Timeout,
    /// The relay or bunker cannot be reached.
    Unreachable,
    /// The console is not in the bunker's `admin.npubs`.
    NotAdmin,
    /// The operator key is locked or missing on the bunker.
    KeyLocked,
    /// The bunker refused.
    Rejected,
    /// The bunker answered something this app does not understand.
    Protocol,
    /// The local database failed.
    Storage,
    /// The secret store (keyring or key file) failed.
    SecretStore,
    /// The operator cancelled.
    Cancelled,
    /// The embedded sandbox failed.
    Sandbox,
    /// Another satop or app window is doing the same thing right now (pairing this machine).
    Busy,
    /// A local file other than the database (a lock file) could not be opened or locked.
    LocalFile,
    /// The local database is read-only (or read-only and too old): writing needs write access.
    ReadOnly,
    /// The local database was written by a newer version of the app: update the app.
    NewerDatabase,
    /// Something this version of the app does not classify yet.
    Other,
}

/// An error as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct Failure {
    /// What kind of failure (stable).
    pub kind: FailureKind,
    /// What happened and what to do, for the user.
    pub message: String,
}

impl Error {
    /// The stable kind of this error.
    pub fn kind(&self) -> FailureKind {
        match self {
            Self::Core(e) => core_kind(e.kind()),
            Self::Sandbox(_) => FailureKind::Sandbox,
            Self::Setup(_) => FailureKind::NotInitialized,
            Self::NoSuchPairing => FailureKind::Cancelled,
            Self::ConfirmMismatch { .. } => FailureKind::InvalidInput,
            Self::File { .. } => FailureKind::Storage,
        }
    }
}

/// Every core kind has its own app kind: the match has no catch-all, so a new core kind does
/// not compile until it is mapped here.
fn core_kind(kind: fleet_core::ErrorKind) -> FailureKind {
    use fleet_core::ErrorKind as K;
    match kind {
        K::InvalidInput => FailureKind::InvalidInput,
        K::NotInitialized => FailureKind::NotInitialized,
        K::Timeout => FailureKind::Timeout,
        K::Unreachable => FailureKind::Unreachable,
        K::NotAdmin => FailureKind::NotAdmin,
        K::KeyLocked => FailureKind::KeyLocked,
        K::Rejected => FailureKind::Rejected,
        K::Protocol => FailureKind::Protocol,
        K::Storage => FailureKind::Storage,
        K::SecretStore => FailureKind::SecretStore,
        K::Cancelled => FailureKind::Cancelled,
        K::Busy => FailureKind::Busy,
        K::LocalFile => FailureKind::LocalFile,
        K::ReadOnly => FailureKind::ReadOnly,
        K::NewerDatabase => FailureKind::NewerDatabase,
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

impl From<fleet_core::Error> for Failure {
    fn from(e: fleet_core::Error) -> Self {
        Error::Core(e).into()
    }
}

impl From<sandbox::Error> for Failure {
    fn from(e: sandbox::Error) -> Self {
        Error::Sandbox(e).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_serialises_as_kind_and_message() {
        let f: Failure = Error::Core(fleet_core::Error::NoConsole).into();
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["kind"], "not_initialized");
        assert!(
            json["message"].as_str().unwrap().contains("no key"),
            "the message is fleet-core's: {json}"
        );
    }

    #[test]
    fn not_admin_keeps_its_own_kind() {
        let f: Failure = fleet_core::Error::NotAdmin {
            npub: "npub1x".into(),
        }
        .into();
        assert_eq!(f.kind, FailureKind::NotAdmin);
        assert!(
            f.message.contains("npub1x"),
            "the UI shows which npub to add"
        );
    }

    #[test]
    fn a_machine_paired_elsewhere_is_busy_not_other() {
        let f: Failure = fleet_core::Error::PairingInProgress {
            machine: "Lobby".into(),
        }
        .into();
        assert_eq!(f.kind, FailureKind::Busy);
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["kind"], "busy");
        assert!(f.message.contains("being paired"), "{}", f.message);
    }

    #[test]
    fn a_lock_file_failure_is_local_file() {
        let f: Failure = fleet_core::Error::LockFile {
            path: "/data/outbox.lock".into(),
            action: "lock",
            source: std::io::Error::other("denied"),
        }
        .into();
        assert_eq!(f.kind, FailureKind::LocalFile);
        assert_eq!(serde_json::to_value(&f).unwrap()["kind"], "local_file");
    }

    #[test]
    fn a_read_only_database_keeps_its_own_kind() {
        for e in [
            fleet_store::Error::ReadOnly { path: None },
            fleet_store::Error::ReadOnlyNeedsMigration {
                path: "/data/fleet.sqlite3".into(),
            },
        ] {
            let f: Failure = fleet_core::Error::Store(e).into();
            assert_eq!(f.kind, FailureKind::ReadOnly);
            assert!(f.message.contains("writable"), "{}", f.message);
        }
    }

    #[test]
    fn every_core_kind_maps_to_its_own_app_kind() {
        use fleet_core::ErrorKind as K;
        let all = [
            (K::InvalidInput, FailureKind::InvalidInput),
            (K::NotInitialized, FailureKind::NotInitialized),
            (K::Timeout, FailureKind::Timeout),
            (K::Unreachable, FailureKind::Unreachable),
            (K::NotAdmin, FailureKind::NotAdmin),
            (K::KeyLocked, FailureKind::KeyLocked),
            (K::Rejected, FailureKind::Rejected),
            (K::Protocol, FailureKind::Protocol),
            (K::Storage, FailureKind::Storage),
            (K::SecretStore, FailureKind::SecretStore),
            (K::Cancelled, FailureKind::Cancelled),
            (K::Busy, FailureKind::Busy),
            (K::LocalFile, FailureKind::LocalFile),
            (K::ReadOnly, FailureKind::ReadOnly),
            (K::NewerDatabase, FailureKind::NewerDatabase),
        ];
        for (core, app) in all {
            assert_eq!(core_kind(core), app, "{core:?}");
            assert_ne!(core_kind(core), FailureKind::Other, "{core:?}");
        }
    }
}
