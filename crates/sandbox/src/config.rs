//! Knobs of the bunker double (§6.1 of protocol/nsecbunkerd.md).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use nostr::{PublicKey, RelayUrl, SecretKey};

/// How long an undecided NIP-46 request waits for an admin's `acl` answer (§2.5: 10 s).
pub const DEFAULT_APPROVAL_TIMEOUT: Duration = Duration::from_secs(10);

/// Name of the key generated on first start when no key is configured or persisted.
pub const DEFAULT_KEY_NAME: &str = "operator";

/// Passphrase of a locked key whose [`SandboxKey::passphrase`] is `None`.
pub const DEFAULT_PASSPHRASE: &str = "sandbox-passphrase";

/// Which encryption the bunker accepts (§1.2, §6.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum EncryptionMode {
    /// Stock 0.10.5: NIP-04 only. A NIP-44 admin request is ignored; a NIP-44 NIP-46 request
    /// kills the daemon (N19).
    #[default]
    Nip04Only,
    /// NDK ≥ 2.10.6 style: answer in the scheme of each request (N20).
    Auto,
}

/// What the admin `ping` answers (§2.3.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum PingReply {
    /// Stock 0.10.5: the bare string `ok`.
    #[default]
    Ok,
    /// The `398ja` fork: `pong`.
    Pong,
}

/// A signing key hosted by the bunker.
#[derive(Clone)]
pub struct SandboxKey {
    /// The key's name (`keyName` in every admin method).
    pub name: String,
    /// The key's secret; stored in the sandbox's own state file.
    pub secret: SecretKey,
    /// A locked key is known to the bunker but gets no NIP-46 backend until `unlock_key` (N18).
    pub locked: bool,
    /// Passphrase that `unlock_key` accepts; `None` means [`DEFAULT_PASSPHRASE`].
    pub passphrase: Option<String>,
}

impl SandboxKey {
    /// An unlocked key.
    pub fn unlocked(name: impl Into<String>, secret: SecretKey) -> Self {
        Self {
            name: name.into(),
            secret,
            locked: false,
            passphrase: None,
        }
    }

    /// A locked key that `unlock_key [name, passphrase]` unlocks.
    pub fn locked(
        name: impl Into<String>,
        secret: SecretKey,
        passphrase: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            secret,
            locked: true,
            passphrase: Some(passphrase.into()),
        }
    }

    /// The passphrase `unlock_key` accepts for this key.
    pub fn effective_passphrase(&self) -> &str {
        self.passphrase.as_deref().unwrap_or(DEFAULT_PASSPHRASE)
    }
}

impl fmt::Debug for SandboxKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxKey")
            .field("name", &self.name)
            .field("secret", &"<redacted>")
            .field("locked", &self.locked)
            .field(
                "passphrase",
                &self.passphrase.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Configuration of one [`crate::SandboxBunker`].
#[derive(Clone)]
pub struct BunkerConfig {
    /// The bunker's own SQLite file; state (keys, tokens, users, revocations) survives restarts.
    pub state_path: PathBuf,
    /// Relays the bunker listens and answers on. In the sandbox the admin relays and the
    /// NIP-46 (`nostr.relays`) relays are the same list.
    pub relays: Vec<RelayUrl>,
    /// Accepted encryption.
    pub encryption: EncryptionMode,
    /// How long an undecided request waits for an admin (default 10 s; tests use ~300 ms).
    pub approval_timeout: Duration,
    /// Admin `ping` answer.
    pub ping_reply: PingReply,
    /// Pubkeys allowed to use the admin RPC; merged with the ones persisted in `state_path`.
    pub admin_npubs: Vec<PublicKey>,
    /// Keys to host; merged with the keys persisted in `state_path` (configured ones win).
    pub keys: Vec<SandboxKey>,
    /// The bunker admin key; `None` loads it from state or generates and persists one.
    pub admin_secret: Option<SecretKey>,
    /// nsecbunkerd's `baseUrl`. The sandbox never emits `auth_url` (§1.7): undecided requests
    /// always go through the admin `acl` flow; the value is kept only for completeness.
    pub base_url: Option<String>,
    /// Domains for `create_account` (§2.3.11); empty answers `no domains available`.
    pub domains: Vec<String>,
}

impl BunkerConfig {
    /// Defaults of stock nsecbunkerd 0.10.5 for the given state file and relays.
    pub fn new(state_path: impl Into<PathBuf>, relays: Vec<RelayUrl>) -> Self {
        Self {
            state_path: state_path.into(),
            relays,
            encryption: EncryptionMode::default(),
            approval_timeout: DEFAULT_APPROVAL_TIMEOUT,
            ping_reply: PingReply::default(),
            admin_npubs: Vec::new(),
            keys: Vec::new(),
            admin_secret: None,
            base_url: None,
            domains: Vec::new(),
        }
    }
}

impl fmt::Debug for BunkerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BunkerConfig")
            .field("state_path", &self.state_path)
            .field("relays", &self.relays)
            .field("encryption", &self.encryption)
            .field("approval_timeout", &self.approval_timeout)
            .field("ping_reply", &self.ping_reply)
            .field("admin_npubs", &self.admin_npubs)
            .field("keys", &self.keys)
            .field(
                "admin_secret",
                &self.admin_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("base_url", &self.base_url)
            .field("domains", &self.domains)
            .finish()
    }
}
