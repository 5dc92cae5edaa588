//! Knobs of the bunker double (§6.1 of protocol/nsecbunkerd.md, §8.1 of
//! protocol/nsecbunkerd-0.11.md).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use nostr::{PublicKey, RelayUrl, SecretKey};

/// How long an undecided NIP-46 request waits for an admin's `acl` answer (§2.5: 10 s).
pub const DEFAULT_APPROVAL_TIMEOUT: Duration = Duration::from_secs(10);

/// Name of the key generated on first start when no key is configured or persisted.
pub const DEFAULT_KEY_NAME: &str = "operator";

/// Passphrase of a locked key whose [`SandboxKey::passphrase`] is `None`.
pub const DEFAULT_PASSPHRASE: &str = "sandbox-passphrase";

/// How often a 0.11 bunker sends itself the plaintext `ping` (0.11 §1.2, §6.1: 20 s).
pub const DEFAULT_SELF_PING_INTERVAL: Duration = Duration::from_secs(20);

/// Which nsecbunkerd line the double imitates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Flavour {
    /// Stock kind-0/nsecbunkerd 0.10.5 with NDK 2.8.1 (`protocol/nsecbunkerd.md`).
    #[default]
    V0_10,
    /// The 398ja fork, 0.11.2 with NDK 2.18.1 (`protocol/nsecbunkerd-0.11.md`): admin RPC on
    /// kind 24133 only, `pong`, both encryptions with one shared reply scheme per endpoint,
    /// self-ping, death on bad NIP-46 input, deaf after a relay drop, the new admin methods.
    V0_11,
}

impl Flavour {
    /// The flavour a test run asks for in `SANDBOX_FLAVOUR` (`0.10` or `0.11`; the default when
    /// unset). The README's test command runs the journeys once with each.
    ///
    /// # Errors
    /// [`crate::Error`] of kind `Config` when the variable names neither line: a typo must not
    /// silently test the default.
    pub fn from_env() -> Result<Self, crate::error::Error> {
        match std::env::var("SANDBOX_FLAVOUR") {
            Err(_) => Ok(Self::default()),
            Ok(text) => text.parse(),
        }
    }

    /// `true` for the 0.11 line.
    pub fn is_v0_11(self) -> bool {
        self == Self::V0_11
    }
}

impl fmt::Display for Flavour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V0_10 => "0.10",
            Self::V0_11 => "0.11",
        })
    }
}

impl FromStr for Flavour {
    type Err = crate::error::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "0.10" => Ok(Self::V0_10),
            "0.11" => Ok(Self::V0_11),
            other => Err(crate::error::Error::Config(format!(
                "unknown bunker flavour {other:?}: use 0.10 or 0.11"
            ))),
        }
    }
}

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
    /// Which daemon line to imitate. In [`Flavour::V0_11`] `encryption` and `ping_reply` are
    /// ignored (0.11 always accepts both schemes with a shared reply scheme and answers `pong`).
    pub flavour: Flavour,
    /// 0.11 only: how often the admin endpoint sends itself a plaintext `ping` (default 20 s).
    pub self_ping_interval: Duration,
    /// 0.11 only: an undecryptable or non-JSON kind-24133 event to a signing key kills the
    /// whole double (0.11 §1.6). `None` = the flavour's default (on in 0.11).
    pub crash_on_bad_nip46_input: Option<bool>,
    /// 0.11 only: once the relay connection drops, never answer again but keep running
    /// (0.11 §6.2). `None` = the flavour's default (on in 0.11).
    pub deaf_after_relay_drop: Option<bool>,
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
            flavour: Flavour::default(),
            self_ping_interval: DEFAULT_SELF_PING_INTERVAL,
            crash_on_bad_nip46_input: None,
            deaf_after_relay_drop: None,
        }
    }

    /// Whether bad NIP-46 input kills the double (0.11 §1.6).
    pub fn crashes_on_bad_nip46_input(&self) -> bool {
        self.flavour.is_v0_11() && self.crash_on_bad_nip46_input.unwrap_or(true)
    }

    /// Whether a relay drop makes the double deaf for good (0.11 §6.2).
    pub fn deaf_after_drop(&self) -> bool {
        self.flavour.is_v0_11() && self.deaf_after_relay_drop.unwrap_or(true)
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
            .field("flavour", &self.flavour)
            .field("self_ping_interval", &self.self_ping_interval)
            .field("crash_on_bad_nip46_input", &self.crash_on_bad_nip46_input)
            .field("deaf_after_relay_drop", &self.deaf_after_relay_drop)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flavour_parses_and_prints_its_version_and_defaults_to_0_10() {
        assert_eq!(Flavour::default(), Flavour::V0_10);
        for (text, flavour) in [("0.10", Flavour::V0_10), ("0.11", Flavour::V0_11)] {
            assert_eq!(text.parse::<Flavour>().unwrap(), flavour);
            assert_eq!(flavour.to_string(), text);
        }
        let err = "0.12".parse::<Flavour>().unwrap_err().to_string();
        assert!(
            err.contains("0.12") && err.contains("use 0.10 or 0.11"),
            "{err}"
        );
    }

    #[test]
    fn v0_11_knobs_default_on_and_never_apply_to_0_10() {
        let mut cfg = BunkerConfig::new("/tmp/x", Vec::new());
        assert!(!cfg.crashes_on_bad_nip46_input() && !cfg.deaf_after_drop());
        cfg.flavour = Flavour::V0_11;
        assert!(cfg.crashes_on_bad_nip46_input() && cfg.deaf_after_drop());
        cfg.crash_on_bad_nip46_input = Some(false);
        cfg.deaf_after_relay_drop = Some(false);
        assert!(!cfg.crashes_on_bad_nip46_input() && !cfg.deaf_after_drop());
    }
}
