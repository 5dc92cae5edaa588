//! The one error type of fleet-core and its stable kinds.

use crate::secrets::SecretError;

/// Result alias for fleet-core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong in a use case. Messages say what to do; none contains a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The user's input breaks a rule; the message says which and how to fix it.
    #[error("{0}")]
    InvalidInput(String),
    /// There is no console key yet.
    #[error("this console has no key yet: run `satop init` first")]
    NoConsole,
    /// No bunker has been connected yet.
    #[error("no bunker is configured: run `satop connect <admin connection string> --key NAME --atm-relay URL` first")]
    NotConnected,
    /// The bunker has no key with the configured name.
    #[error("the bunker has no key named {name:?}; it has: {}", if available.is_empty() { "none".to_string() } else { available.join(", ") })]
    UnknownKey {
        /// The key name asked for.
        name: String,
        /// The key names the bunker listed.
        available: Vec<String>,
    },
    /// The bunker does not list this console in `admin.npubs`.
    #[error("the bunker does not accept this console as an administrator: add \"{npub}\" to admin.npubs in nsecbunker.json, restart the bunker, then connect again")]
    NotAdmin {
        /// The console npub to add.
        npub: String,
    },
    /// The operator key is locked in the bunker.
    #[error("the bunker key {name:?} is locked: unlock it on the bunker (nsecbunkerd `unlock_key` or the admin UI), then try again")]
    KeyLocked {
        /// The key name.
        name: String,
    },
    /// Talking to the bunker failed.
    #[error(transparent)]
    Bunker(#[from] bunker_client::Error),
    /// The local cache failed.
    #[error(transparent)]
    Store(#[from] fleet_store::Error),
    /// The secret store failed.
    #[error(transparent)]
    Secrets(#[from] SecretError),
    /// No machine has this name.
    #[error("no machine is named {name:?}: add it with `satop machine add NAME` (see `satop machine list`)")]
    MachineNotFound {
        /// The name asked for.
        name: String,
    },
    /// The ATM did not redeem the pairing code within the redeem window.
    #[error("machine {machine:?} did not redeem its pairing code in time; {}", if *burned { "the code was burned and no longer works: pair again" } else { "the code had already expired: pair again" })]
    PairingTimedOut {
        /// The machine's name.
        machine: String,
        /// Whether the token was burned now (false: the bunker had already expired it).
        burned: bool,
    },
    /// The operator cancelled the pairing; the token was burned.
    #[error(
        "pairing of machine {machine:?} cancelled; the pairing code was burned and no longer works"
    )]
    PairingCancelled {
        /// The machine's name.
        machine: String,
    },
    /// `create_new_token` said `ok` but `get_key_tokens` does not list the token (§5 item 11).
    #[error("the bunker accepted the pairing token but does not list it for key {key:?}: the key is probably locked on the bunker; unlock it, then pair again")]
    TokenNotListed {
        /// The bunker key name.
        key: String,
    },
    /// The token was redeemed, but the bunker shows no matching, unrevoked client.
    #[error("the pairing code of machine {machine:?} was redeemed, but the bunker lists no active client for it: it may have been burned or revoked meanwhile; pair again")]
    RedeemerNotFound {
        /// The machine's name.
        machine: String,
    },
    /// The redeeming client did not get kind-21000 signing (the policy was changed on the bunker?).
    #[error("the client that redeemed the pairing code of machine {machine:?} was not granted kind-21000 signing: check the ATM policy on the bunker, then pair again")]
    NotScoped {
        /// The machine's name.
        machine: String,
    },
    /// The machine cannot be revoked in its current state (never paired, legacy, already revoked).
    #[error("machine {machine:?} is {state}: there is no bunker access to revoke")]
    RevokeNotPossible {
        /// The machine's name.
        machine: String,
        /// Its state, as shown.
        state: String,
    },
    /// The bunker accepted `revoke_user` but does not list the client as revoked yet.
    #[error("the bunker accepted the revoke of KeyUser {key_user_ids} but does not list it as revoked yet; it is checked again at the next sync")]
    RevokeUnconfirmed {
        /// The KeyUser ids (`#3, #4`).
        key_user_ids: String,
    },
    /// The machine has no bunker client to renew.
    #[error("machine {machine:?} is {state}: only a paired machine (active, expiring, expired) can be re-paired; pair it with `satop pair` instead")]
    RepairNotPossible {
        /// The machine's name.
        machine: String,
        /// Its state, as shown.
        state: String,
    },
    /// A bunker-signed operator event failed verification; nothing was published.
    #[error("the bunker-signed {d_tag} event {problem}; it was not published")]
    EventNotVerified {
        /// The event's `d` tag.
        d_tag: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A roster read from the relays was refused as a whole; nothing local changed.
    #[error("the fleet roster on the relays was refused: {reason}; nothing was changed here")]
    RosterRefused {
        /// What is wrong with it, and what to do.
        reason: String,
    },
    /// No relay accepted the operator event.
    #[error("no relay accepted the event ({relays}); it stays queued")]
    NotPublished {
        /// The relays tried.
        relays: String,
    },
    /// Another process is pairing this machine right now.
    #[error("machine {machine:?} is being paired by another satop or app window right now: finish or cancel that pairing first (Ctrl-C there burns its code)")]
    PairingInProgress {
        /// The machine's name.
        machine: String,
    },
    /// A lock file in the data directory (outbox runner, pairing claim) could not be used.
    #[error("cannot {action} the lock file {}: {source}: check the data directory's permissions and free space", path.display())]
    LockFile {
        /// The lock file.
        path: std::path::PathBuf,
        /// `open` or `lock`.
        action: &'static str,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The pairing QR could not be rendered.
    #[error("could not render the pairing QR: {0}")]
    Qr(#[from] crate::qr::QrError),
    /// The LNbits database (migration checks, legacy import) could not be read.
    #[error("LNbits database: {0}")]
    Lnbits(#[from] lnbits_source::Error),
}

/// Stable classification of [`Error`]: the CLI and UI branch on this, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Bad input from the user.
    InvalidInput,
    /// Something must be set up first (`init`, `connect`).
    NotInitialized,
    /// No reply in time.
    Timeout,
    /// Relay or bunker not reachable.
    Unreachable,
    /// The console is not an admin of the bunker.
    NotAdmin,
    /// The operator key is locked (or missing) in the bunker.
    KeyLocked,
    /// The bunker refused the request.
    Rejected,
    /// The bunker answered something this app does not understand.
    Protocol,
    /// The local database failed.
    Storage,
    /// The secret store failed.
    SecretStore,
    /// The operator cancelled the operation.
    Cancelled,
    /// Another process is doing the same thing right now (pairing the same machine).
    Busy,
    /// A local file other than the database (a lock file) could not be opened or locked.
    LocalFile,
    /// The local database is read-only here: reading works, changes need a writable file.
    ReadOnly,
    /// The local database was written by a newer version of this app.
    NewerDatabase,
}

impl Error {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        use bunker_client::ErrorKind as B;
        match self {
            Self::InvalidInput(_) => ErrorKind::InvalidInput,
            Self::NoConsole | Self::NotConnected => ErrorKind::NotInitialized,
            Self::UnknownKey { .. } | Self::KeyLocked { .. } => ErrorKind::KeyLocked,
            Self::NotAdmin { .. } => ErrorKind::NotAdmin,
            Self::Bunker(e) => match e.kind() {
                // A signer that does not answer is like a bunker that does not: the action
                // waits in the outbox. A person's refusal is a refusal.
                B::Timeout | B::SignerTimeout => ErrorKind::Timeout,
                B::Unreachable | B::Closed | B::SignerUnreachable => ErrorKind::Unreachable,
                B::SignerRefused => ErrorKind::Rejected,
                B::NotAdmin => ErrorKind::NotAdmin,
                B::KeyLocked => ErrorKind::KeyLocked,
                B::Rejected | B::Unsupported | B::BunkerFault => ErrorKind::Rejected,
                B::InvalidInput => ErrorKind::InvalidInput,
                _ => ErrorKind::Protocol,
            },
            Self::Store(e) => match e.kind() {
                fleet_store::ErrorKind::InvalidInput | fleet_store::ErrorKind::Conflict => {
                    ErrorKind::InvalidInput
                }
                fleet_store::ErrorKind::ReadOnly => ErrorKind::ReadOnly,
                fleet_store::ErrorKind::NewerDatabase => ErrorKind::NewerDatabase,
                _ => ErrorKind::Storage,
            },
            Self::Secrets(_) => ErrorKind::SecretStore,
            Self::MachineNotFound { .. } | Self::Qr(_) => ErrorKind::InvalidInput,
            Self::PairingTimedOut { .. } => ErrorKind::Timeout,
            Self::PairingCancelled { .. } => ErrorKind::Cancelled,
            Self::PairingInProgress { .. } => ErrorKind::Busy,
            Self::LockFile { .. } => ErrorKind::LocalFile,
            Self::TokenNotListed { .. } => ErrorKind::KeyLocked,
            Self::RedeemerNotFound { .. } | Self::NotScoped { .. } => ErrorKind::Rejected,
            Self::RevokeNotPossible { .. } | Self::RepairNotPossible { .. } => {
                ErrorKind::InvalidInput
            }
            Self::RevokeUnconfirmed { .. } => ErrorKind::Timeout,
            Self::EventNotVerified { .. } | Self::RosterRefused { .. } => ErrorKind::Rejected,
            Self::NotPublished { .. } => ErrorKind::Unreachable,
            Self::Lnbits(e) => match e.kind() {
                lnbits_source::ErrorKind::InvalidInput | lnbits_source::ErrorKind::NotFound => {
                    ErrorKind::InvalidInput
                }
                lnbits_source::ErrorKind::Unreachable => ErrorKind::Unreachable,
                _ => ErrorKind::Storage,
            },
        }
    }
}
