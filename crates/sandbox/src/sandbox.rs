//! Relay + bunker together, for the CLI (`satop sandbox`), demo mode and tests.

use std::path::PathBuf;
use std::time::Duration;

use nostr::{PublicKey, SecretKey};

use crate::bunker::SandboxBunker;
use crate::config::{
    BunkerConfig, EncryptionMode, Flavour, PingReply, SandboxKey, DEFAULT_APPROVAL_TIMEOUT,
    DEFAULT_SELF_PING_INTERVAL,
};
use crate::error::Result;
use crate::relay::SandboxRelay;

/// Configuration of a [`Sandbox`]: a relay port plus the bunker knobs of [`BunkerConfig`].
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Relay port on 127.0.0.1; `None` picks a free one.
    pub port: Option<u16>,
    /// The bunker's state file.
    pub state_path: PathBuf,
    /// Admin npubs.
    pub admin_npubs: Vec<PublicKey>,
    /// Encryption mode.
    pub encryption: EncryptionMode,
    /// Approval timeout.
    pub approval_timeout: Duration,
    /// Admin ping answer.
    pub ping_reply: PingReply,
    /// Keys to host (default: one unlocked `operator` key, generated once).
    pub keys: Vec<SandboxKey>,
    /// Bunker admin secret (default: loaded or generated).
    pub admin_secret: Option<SecretKey>,
    /// `create_account` domains.
    pub domains: Vec<String>,
    /// Which daemon line to imitate (default 0.10).
    pub flavour: Flavour,
    /// 0.11 self-ping interval (default 20 s).
    pub self_ping_interval: Duration,
    /// 0.11: bad NIP-46 input kills the double; `None` = flavour default.
    pub crash_on_bad_nip46_input: Option<bool>,
    /// 0.11: deaf after a relay drop; `None` = flavour default.
    pub deaf_after_relay_drop: Option<bool>,
}

impl SandboxConfig {
    /// Stock defaults with the given state file.
    pub fn new(state_path: impl Into<PathBuf>) -> Self {
        Self {
            port: None,
            state_path: state_path.into(),
            admin_npubs: Vec::new(),
            encryption: EncryptionMode::default(),
            approval_timeout: DEFAULT_APPROVAL_TIMEOUT,
            ping_reply: PingReply::default(),
            keys: Vec::new(),
            admin_secret: None,
            domains: Vec::new(),
            flavour: Flavour::default(),
            self_ping_interval: DEFAULT_SELF_PING_INTERVAL,
            crash_on_bad_nip46_input: None,
            deaf_after_relay_drop: None,
        }
    }
}

/// A loopback relay with a bunker on it.
#[derive(Debug)]
pub struct Sandbox {
    /// The relay.
    pub relay: SandboxRelay,
    /// The bunker, connected to `relay`.
    pub bunker: SandboxBunker,
}

impl Sandbox {
    /// Starts the relay, then the bunker on it.
    pub async fn start(cfg: SandboxConfig) -> Result<Self> {
        let relay = SandboxRelay::start(cfg.port).await?;
        let bunker_cfg = BunkerConfig {
            admin_npubs: cfg.admin_npubs,
            encryption: cfg.encryption,
            approval_timeout: cfg.approval_timeout,
            ping_reply: cfg.ping_reply,
            keys: cfg.keys,
            admin_secret: cfg.admin_secret,
            domains: cfg.domains,
            flavour: cfg.flavour,
            self_ping_interval: cfg.self_ping_interval,
            crash_on_bad_nip46_input: cfg.crash_on_bad_nip46_input,
            deaf_after_relay_drop: cfg.deaf_after_relay_drop,
            ..BunkerConfig::new(cfg.state_path, vec![relay.url()])
        };
        match SandboxBunker::start(bunker_cfg).await {
            Ok(bunker) => Ok(Self { relay, bunker }),
            Err(e) => {
                relay.stop().await;
                Err(e)
            }
        }
    }

    /// Stops the bunker, then the relay.
    pub async fn shutdown(self) {
        self.bunker.shutdown().await;
        self.relay.stop().await;
    }
}
