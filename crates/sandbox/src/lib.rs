//! A loopback Nostr relay and a bunker that behaves like **stock nsecbunkerd 0.10.5 (NDK 2.8.1)**
//! on the wire — or, with [`Flavour::V0_11`], like the 398ja fork 0.11.2 (NDK 2.18.1) — for
//! tests, benchmarks and the desktop app's demo mode. Never used against real funds: secrets
//! live unencrypted in the sandbox's own SQLite file.
//!
//! The contracts are `protocol/nsecbunkerd.md` and `protocol/nsecbunkerd-0.11.md`; comments cite
//! their sections (e.g. §2.3.7, "0.11 §1.2") where the sandbox reproduces a quirk on purpose.
//!
//! ```no_run
//! # async fn demo() -> Result<(), sandbox::Error> {
//! use sandbox::{Sandbox, SandboxConfig};
//! let admin = nostr::Keys::generate();
//! let mut cfg = SandboxConfig::new("/tmp/sandbox-state.sqlite");
//! cfg.admin_npubs.push(admin.public_key());
//! let sandbox = Sandbox::start(cfg).await?;
//! println!("{}", sandbox.bunker.admin_connection_string());
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod acl;
mod admin;
pub mod atm;
mod bunker;
mod clock;
mod config;
mod error;
mod js;
mod liveness;
mod nip46;
mod reconnect;
mod relay;
mod sandbox;
mod store;
mod wire;

pub use crate::atm::AtmSimulator;
pub use crate::bunker::SandboxBunker;
pub use crate::config::{
    BunkerConfig, EncryptionMode, Flavour, PingReply, SandboxKey, DEFAULT_APPROVAL_TIMEOUT,
    DEFAULT_KEY_NAME, DEFAULT_PASSPHRASE, DEFAULT_SELF_PING_INTERVAL,
};
pub use crate::error::{Error, ErrorKind, Result};
pub use crate::relay::SandboxRelay;
pub use crate::sandbox::{Sandbox, SandboxConfig};
