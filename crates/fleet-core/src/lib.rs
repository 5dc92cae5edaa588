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
//! - [`dashboard`]: counts by state, what needs attention and the fix for each, bunker, relays
//!   and outbox health, offline "as of" the last sync.
//! - [`secrets`]: where the console keys live (OS keyring, encrypted file, memory).
//! - [`identity`]: the console identity (admin key) and the console session key.
//! - [`qr`]: pairing QR codes, self-checked.
//! - [`migration`]: the migration status checklist and the legacy import from LNbits.
//! - [`machines`]: add and list the fleet's machines.
//! - [`liveness`]: when each ATM was last seen (heartbeats, NIP-46 requests); silent machines.
//! - [`watch`]: while the app runs, the ATMs' live NIP-46 traffic and heartbeats into `last_seen_at`.
//! - [`pairing`]: pair an ATM: mint a kind-21000 token, show it, watch the redemption, burn on cancel.
//! - [`lifecycle`]: the machine states (`unpaired` … `revoke pending`, `revoked`, `legacy`) and
//!   their transitions.
//! - [`revoke`]: revoke a machine (offline: `revoke pending` until the bunker is reachable).
//! - [`bulk`]: select machines by name or site; revoke them all with one typed confirmation.
//! - [`repair_queue`]: machines to pair again at the next visit.
//! - [`term`]: the 30-day access term: expiring machines, re-pair, revoke at the end.
//! - [`reconcile`]: compare the cache with the bunker's clients and tokens.
//! - [`outbox`]: run queued network actions in order, exactly once, with backoff.
//! - [`sync`]: terms, outbox, reconcile in one go (`satop sync`, the app's Sync now).
//! - [`audit`]: read and export the append-only audit log.
//! - [`operator_events`]: roster, super-fee policy, app config as bunker-signed kind 30078.
//! - [`codes`]: prepared pairing codes: mint ahead online, show offline, settle at sync.
//! - [`rules`]: input rules both fronts call (names, sites, relays, passphrases).
#![forbid(unsafe_code)]

pub mod audit;
pub mod bulk;
mod clock;
pub mod codes;
pub mod connect;
pub mod dashboard;
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
pub mod repair_queue;
pub mod revoke;
pub mod rules;
pub mod secrets;
pub mod status;
pub mod sync;
pub mod term;
pub mod watch;

pub use clock::unix_now;
pub use error::{Error, ErrorKind, Result};
pub use fleet::{Fleet, DB_FILE};
