//! The ATM side of Satmachine pairing: what an ATM's provisioning script calls.
//!
//! An ATM redeems a pairing URL (`bunker://<operator key>?relay=…&secret=…`, shown as a QR by
//! Satmachine Operator) once, keeps only its own client key and the secret-less URL in a state
//! directory, and from then on asks the operator's bunker to sign kind-21000 events. The
//! operator's private key never reaches the ATM; the pairing secret is never stored or logged.
//! Contract: `protocol/nsecbunkerd.md` §4.2.
//!
//! ```no_run
//! # async fn demo() -> atm_client::Result<()> {
//! use std::path::Path;
//! use atm_client::{pair, sign, PairOptions, ATM_KIND};
//!
//! let dir = Path::new("/var/lib/satmachine");
//! let paired = pair(dir, "bunker://<64 hex>?relay=wss%3A%2F%2Frelay.example.com&secret=…",
//!     &PairOptions::default()).await?;
//! println!("paired, fingerprint {}", paired.pairing.fingerprint);
//! let event = sign(dir, ATM_KIND, "withdrawal 42", vec![], Default::default()).await?;
//! # Ok(()) }
//! ```
//!
//! Modules:
//! - [`pairing`] — [`pair`], [`pair_from_qr`], [`parse_seed`];
//! - [`signing`] — [`sign`], [`parse_tags`] (one connection per signature);
//! - [`warm`] — [`WarmSigner`], one long-lived connection for many signatures;
//! - [`serve`] — [`serve()`], the `satmachine-atm serve` daemon (Unix socket, heartbeat timer);
//! - [`heartbeat`] — [`publish_heartbeat`], the ATM's liveness event;
//! - [`status`] — [`status()`], [`check`];
//! - [`state`] — [`AtmState`], the files of the state directory;
//! - [`camera`] — reading the pairing QR from an image;
//! - [`cli`] — the `satmachine-atm` command line;
//! - [`error`] — [`Error`], [`ErrorKind`].
#![forbid(unsafe_code)]

pub mod camera;
pub mod cli;
pub mod error;
pub mod heartbeat;
pub mod pairing;
pub mod serve;
pub mod signing;
pub mod state;
pub mod status;
pub mod warm;

pub use bunker_client::fingerprint;
pub use error::{Error, ErrorKind, Result};
pub use heartbeat::publish_heartbeat;
pub use pairing::{pair, pair_from_qr, parse_seed, PairOptions, Paired};
pub use serve::{serve, sign_via_daemon, ServeOptions};
pub use signing::{parse_tags, sign, ATM_KIND};
pub use state::{AtmState, Pairing};
pub use status::{check, status, Reachability, Status};
pub use warm::{SignerHealth, WarmOptions, WarmSigner};
