//! The crate's one error type. Messages are written for the person at the ATM: each says what
//! to do next, and none ever contains the pairing secret or a key.

use std::path::PathBuf;

use bunker_client::{Refusal, UriProblem};

use crate::camera::CameraError;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A stable, coarse classification of [`Error`] (the CLI maps it to an exit code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The seed URL, QR image, tags or another argument is unusable.
    InvalidInput,
    /// The state directory already holds a pairing (use `--replace`).
    AlreadyPaired,
    /// The state directory holds no pairing (run `pair` first).
    NotPaired,
    /// The state directory could not be read or written, or its files are damaged.
    Storage,
    /// No reply from the bunker in time.
    Timeout,
    /// No relay could be reached.
    Unreachable,
    /// The bunker refused the pairing secret (unknown, used, expired).
    SeedRefused,
    /// The bunker refused to sign: access revoked, never granted, or a kind outside the policy.
    NotAuthorized,
    /// The bunker answered with something unusable (wrong key, bad signature, odd reply).
    Protocol,
    /// Another `satmachine-atm serve` already runs on this state directory.
    AlreadyRunning,
}

impl ErrorKind {
    /// Every kind, for the wire mapping.
    const ALL: [Self; 10] = [
        Self::InvalidInput,
        Self::AlreadyPaired,
        Self::NotPaired,
        Self::Storage,
        Self::Timeout,
        Self::Unreachable,
        Self::SeedRefused,
        Self::NotAuthorized,
        Self::Protocol,
        Self::AlreadyRunning,
    ];

    /// The stable name used in `serve`'s error lines (`{"error":{"kind":…}}`).
    pub fn code(self) -> &'static str {
        match self {
            Self::InvalidInput => "invalid_input",
            Self::AlreadyPaired => "already_paired",
            Self::NotPaired => "not_paired",
            Self::Storage => "storage",
            Self::Timeout => "timeout",
            Self::Unreachable => "unreachable",
            Self::SeedRefused => "seed_refused",
            Self::NotAuthorized => "refused",
            Self::Protocol => "protocol",
            Self::AlreadyRunning => "already_running",
        }
    }

    /// The kind named by [`ErrorKind::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

/// Errors of the ATM client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The seed carries an `nsec`: the operator's private key must never reach an ATM.
    #[error(
        "this is the operator's private key: never give it to an ATM; ask the operator for a \
         pairing QR from Satmachine Operator (and treat that key as exposed)"
    )]
    OperatorPrivateKey,
    /// A legacy `npub…@relay` string (nsecbunkerd's admin string or an old-style pairing).
    #[error(
        "this is a legacy npub@relay connection string, not a pairing URL: ask the operator for \
         a pairing QR from Satmachine Operator"
    )]
    LegacySeed,
    /// The pairing URL has no `secret`, so there is nothing to redeem.
    #[error(
        "this bunker URL carries no pairing secret: ask the operator for a fresh pairing QR from \
         Satmachine Operator"
    )]
    MissingSecret,
    /// The URL's `secret` is not 64 hex characters, so it cannot be a pairing code.
    #[error(
        "the pairing code in this URL is damaged (its secret is not 64 hex characters): scan the \
         QR again or ask the operator for a new one"
    )]
    MalformedSecret,
    /// `pair` was given neither a URL nor a QR image.
    #[error("no pairing URL: give --seed-url, set SATMACHINE_SEED_URL, or give --qr-image")]
    MissingSeed,
    /// An argument is unusable.
    #[error("invalid argument: {0}")]
    InvalidArgument(&'static str),
    /// The seed is not a usable NIP-46 pairing URL.
    #[error("not a pairing URL: {0}")]
    InvalidSeed(UriProblem),
    /// The QR image could not be read.
    #[error("could not read the pairing QR: {0}")]
    Qr(#[from] CameraError),
    /// `--tags` is not a JSON array of string arrays, or a tag is invalid.
    #[error("invalid tags: {0}; expected a JSON array of string arrays, e.g. [[\"t\",\"atm\"]]")]
    InvalidTags(&'static str),
    /// The state directory already holds a pairing.
    #[error(
        "{} already holds a pairing: pass --replace to pair again (a new client key is made)",
        dir.display()
    )]
    AlreadyPaired {
        /// The state directory.
        dir: PathBuf,
    },
    /// The state directory holds no pairing.
    #[error("{} holds no pairing: run `pair` first", dir.display())]
    NotPaired {
        /// The state directory.
        dir: PathBuf,
    },
    /// A state file could not be read or written.
    #[error("state file {}: {reason}", path.display())]
    Storage {
        /// The file or directory.
        path: PathBuf,
        /// What the file system said.
        reason: String,
    },
    /// A state file exists but its contents are unusable.
    #[error("state file {} is damaged ({reason}): pair again with --replace", path.display())]
    CorruptState {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The bunker refused the pairing secret.
    #[error("the bunker refused the pairing: {0}")]
    SeedRefused(Refusal),
    /// The secret was redeemed earlier, and not by this machine's key (§4.2 item 5).
    #[error(
        "this pairing QR was already used by another machine (\"Token already redeemed\"): ask \
         the operator for a new pairing QR"
    )]
    SeedUsedElsewhere,
    /// The bunker answered `Not authorized` to a signing request.
    #[error("{}", not_authorized_message(*kind))]
    NotAuthorized {
        /// The event kind that was refused.
        kind: u16,
    },
    /// `get_public_key` named a different key than the pairing URL.
    #[error(
        "the bunker signs with a different key than the pairing URL names: do not use this \
         pairing; ask the operator to check the bunker"
    )]
    WrongSigner,
    /// Any other bunker or relay problem (timeouts, unreachable relays, odd replies).
    #[error("{0}")]
    Bunker(bunker_client::Error),
    /// No `--state-dir` was given.
    #[error("no state directory: give --state-dir DIR (before or after the subcommand)")]
    MissingStateDir,
    /// A request line sent to `serve` is unusable.
    #[error("invalid request: {0}")]
    InvalidRequest(&'static str),
    /// Another `serve` holds the state directory's lock.
    #[error(
        "another `satmachine-atm serve` is already running on {}: use it (sign sends through its \
         socket), or stop it first",
        dir.display()
    )]
    AlreadyServing {
        /// The state directory.
        dir: PathBuf,
    },
    /// The socket could not be created or used.
    #[error("socket {}: {reason}", path.display())]
    Socket {
        /// The socket path.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// An error reported by a running `serve`, as it reported it.
    #[error("{message}")]
    Daemon {
        /// The kind the daemon named.
        kind: ErrorKind,
        /// The daemon's one-line message.
        message: String,
    },
    /// A heartbeat could not be built.
    #[error("{0}")]
    Heartbeat(bunker_client::heartbeat::HeartbeatProblem),
    /// No relay accepted the heartbeat.
    #[error(
        "no relay accepted the heartbeat ({relays}): check that the relays are running and \
         reachable"
    )]
    HeartbeatNotPublished {
        /// The relays tried.
        relays: String,
    },
}

fn not_authorized_message(kind: u16) -> String {
    if kind == crate::ATM_KIND {
        "the bunker refused: this ATM's access was revoked or never granted; ask the operator to \
         re-pair"
            .to_owned()
    } else {
        format!(
            "the bunker refused to sign kind {kind}: an ATM pairing allows only kind {} (if that \
             is refused too, this ATM's access was revoked; ask the operator to re-pair)",
            crate::ATM_KIND
        )
    }
}

impl Error {
    /// The stable classification of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::OperatorPrivateKey
            | Self::LegacySeed
            | Self::MissingSecret
            | Self::MalformedSecret
            | Self::MissingSeed
            | Self::InvalidArgument(_)
            | Self::InvalidSeed(_)
            | Self::Qr(_)
            | Self::InvalidTags(_)
            | Self::MissingStateDir
            | Self::InvalidRequest(_) => ErrorKind::InvalidInput,
            Self::AlreadyServing { .. } => ErrorKind::AlreadyRunning,
            Self::Socket { .. } => ErrorKind::Storage,
            Self::Daemon { kind, .. } => *kind,
            Self::Heartbeat(_) => ErrorKind::Protocol,
            Self::HeartbeatNotPublished { .. } => ErrorKind::Unreachable,
            Self::AlreadyPaired { .. } => ErrorKind::AlreadyPaired,
            Self::NotPaired { .. } => ErrorKind::NotPaired,
            Self::Storage { .. } | Self::CorruptState { .. } => ErrorKind::Storage,
            Self::SeedRefused(_) | Self::SeedUsedElsewhere => ErrorKind::SeedRefused,
            Self::NotAuthorized { .. } => ErrorKind::NotAuthorized,
            Self::WrongSigner => ErrorKind::Protocol,
            Self::Bunker(e) => match e.kind() {
                bunker_client::ErrorKind::Timeout => ErrorKind::Timeout,
                bunker_client::ErrorKind::Unreachable | bunker_client::ErrorKind::Closed => {
                    ErrorKind::Unreachable
                }
                bunker_client::ErrorKind::InvalidInput => ErrorKind::InvalidInput,
                bunker_client::ErrorKind::Rejected => ErrorKind::NotAuthorized,
                _ => ErrorKind::Protocol,
            },
        }
    }

    /// Whether retrying the same command later may succeed (the bunker or relay was not
    /// reachable); a pairing interrupted this way can be resumed with the same QR.
    pub fn is_transient(&self) -> bool {
        matches!(self.kind(), ErrorKind::Timeout | ErrorKind::Unreachable)
    }

    pub(crate) fn socket(path: impl Into<PathBuf>, err: &std::io::Error) -> Self {
        Self::Socket {
            path: path.into(),
            reason: err.to_string(),
        }
    }

    pub(crate) fn storage(path: impl Into<PathBuf>, err: &std::io::Error) -> Self {
        Self::Storage {
            path: path.into(),
            reason: err.to_string(),
        }
    }

    /// Maps a seed-parsing failure to the ATM's words for it.
    pub(crate) fn from_seed(err: bunker_client::Error) -> Self {
        match err {
            bunker_client::Error::InvalidUri(UriProblem::PrivateKey) => Self::OperatorPrivateKey,
            bunker_client::Error::InvalidUri(UriProblem::LegacyAdminForm) => Self::LegacySeed,
            bunker_client::Error::InvalidUri(problem) => Self::InvalidSeed(problem),
            other => Self::Bunker(other),
        }
    }

    /// Maps a signing failure; `Not authorized` gets the re-pair advice (§3.5).
    pub(crate) fn from_sign(err: bunker_client::Error, kind: u16) -> Self {
        match err {
            bunker_client::Error::Refused(Refusal::NotAuthorized) => Self::NotAuthorized { kind },
            other => Self::Bunker(other),
        }
    }
}

impl From<bunker_client::Error> for Error {
    fn from(err: bunker_client::Error) -> Self {
        Self::Bunker(err)
    }
}
