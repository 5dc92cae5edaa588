//! The use cases of Satmachine Operator, free of any UI: connect to a bunker as its
//! administrator, keep the console identity in a secret store, report status, render pairing QRs.
//!
//! Everything goes through one cheap-to-clone handle, [`Fleet`]:
//!
//! ```no_run
//! # async fn demo() -> Result<(), fleet_core::Error> {
//! use fleet_core::{secrets::Secrets, Fleet};
//!
//! let fleet = Fleet::open(std::path::Path::new("/tmp/satop"), Secrets::memory())?;
//! let (console, _created) = fleet.init_console().await?;
//! println!("add {} to the bunker's admin.npubs", console.npub());
//! # Ok(()) }
//! ```
//!
//! - [`connect`]: probe a bunker and store its profile.
//! - [`status`]: what is stored, offline.
//! - [`secrets`]: where the console keys live (OS keyring, encrypted file, memory).
//! - [`identity`]: the console identity (admin key) and the console session key.
//! - [`qr`]: pairing QR codes, self-checked.
//! - [`migration`]: the migration status checklist and the legacy import from LNbits.
//! - [`machines`]: add and list the fleet's machines.
//! - [`liveness`]: when each ATM was last seen (heartbeats, NIP-46 requests); silent machines.
//! - [`pairing`]: pair an ATM: mint a kind-21000 token, show it, watch the redemption, burn on cancel.
//! - [`lifecycle`]: the machine states (`unpaired` … `revoke pending`, `revoked`, `legacy`) and
//!   their transitions.
//! - [`revoke`]: revoke a machine (offline: `revoke pending` until the bunker is reachable).
//! - [`term`]: the 30-day access term: expiring machines, re-pair, revoke at the end.
//! - [`reconcile`]: compare the cache with the bunker's clients and tokens.
//! - [`outbox`]: run queued network actions in order, exactly once, with backoff.
//! - [`sync`]: terms, outbox, reconcile in one go (`satop sync`, the app's Sync now).
//! - [`audit`]: read and export the append-only audit log.
//! - [`operator_events`]: super-fee policy, app config as bunker-signed kind 30078.
//! - [`roster`]: the fleet roster, the fleet's shared record on the relays: publish, merge
//!   (several consoles), restore.
//! - [`codes`]: prepared pairing codes: mint ahead online, show offline, settle at sync.
//! - [`rules`]: input rules both fronts call (names, sites, relays, passphrases).
#![forbid(unsafe_code)]

pub mod audit;
mod clock;
pub mod codes;
pub mod connect;
mod error;
mod fleet;
pub mod identity;
pub mod lifecycle;
pub mod liveness;
pub mod machines;
pub mod migration;
pub mod operator_events;
pub mod outbox;
pub mod pairing;
pub mod qr;
pub mod reconcile;
pub mod revoke;
pub mod roster;
pub mod rules;
pub mod secrets;
pub mod status;
pub mod sync;
pub mod term;

pub use clock::unix_now;
pub use error::{Error, ErrorKind, Result};
pub use fleet::{Fleet, DB_FILE};
