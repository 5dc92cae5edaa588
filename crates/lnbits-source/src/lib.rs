//! A strictly read-only reader of an LNbits database, for the migration checklist and the legacy
//! import of Satmachine Operator (issue #6).
//!
//! Before the bunker, LNbits accounts could keep their Nostr private key in `accounts.prvkey` and
//! the satmachineadmin extension's `dca_machines` table listed the ATMs. This crate answers two
//! questions about such a database without ever writing to it and without ever reading a key
//! value out of it: which accounts that own machines still hold a private key, and which machines
//! exist.
//!
//! ```no_run
//! # fn demo() -> Result<(), lnbits_source::Error> {
//! use lnbits_source::LnbitsSource;
//!
//! let source = LnbitsSource::open("/var/lib/lnbits/data")?; // or "postgres://…"
//! for owner in source.machine_owners()? {
//!     println!("{}: prvkey stored: {}", owner.account_id, owner.has_prvkey);
//! }
//! # Ok(()) }
//! ```
//!
//! - [`source`]: [`LnbitsSource`], opening a spec (directory, file or `postgres://` URL).
//! - [`schema`]: the tables and columns relied upon, and the [`Missing`] outcome.
//! - [`model`]: what is read ([`Owner`], [`LegacyMachine`]).
#![forbid(unsafe_code)]

mod error;
pub mod model;
mod pg;
pub mod schema;
pub mod source;
mod sqlite;

pub use error::{Error, ErrorKind, Result};
pub use model::{LegacyMachine, Owner, REMOTE_BUNKER_SIGNER};
pub use schema::{Missing, SchemaReport, TableReport};
pub use source::LnbitsSource;
