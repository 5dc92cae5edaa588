//! The SQLite cache of Satmachine Operator: the bunker profile, the machines, the outbox of work
//! that needs the network, and the append-only audit log; also the settings, the bunker's
//! clients as last seen ([`clients`]) and the last published operator events ([`published`]).
//!
//! Nothing secret is ever stored here (DESIGN.md §1). The async side reaches SQLite only through
//! [`Db::interact`], which runs a closure on a blocking thread; the table handles are plain sync
//! functions over a `&Connection`, so they are tested directly on in-memory databases.
//!
//! ```no_run
//! # async fn demo() -> Result<(), fleet_store::Error> {
//! use fleet_store::{machines, Db, NewMachine};
//!
//! let db = Db::open("/tmp/satop/fleet.sqlite3")?;
//! let atm = db
//!     .interact(|conn| machines::insert(conn, &NewMachine::new("Lobby ATM")))
//!     .await?;
//! assert_eq!(atm.name, "Lobby ATM");
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod audit;
pub mod checks;
pub mod clients;
mod clock;
pub mod codes;
mod db;
mod error;
pub mod liveness;
pub mod machines;
mod migrate;
pub mod outbox;
pub mod pairing_terms;
pub mod profile;
pub mod published;
pub mod repair_queue;
pub mod settings;

pub use audit::{AuditEntry, NewAuditEntry};
pub use clients::{BunkerClient, ClientRole};
pub use db::Db;
pub use error::{Error, ErrorKind, Result};
pub use machines::{Machine, MachineState, NewMachine, Pairing, MAX_NAME_CHARS};
pub use migrate::{MIGRATIONS, MIGRATION_DIR};
pub use outbox::{NewOutboxItem, OutboxItem, OutboxStatus};
pub use profile::{BunkerProfile, Encryption};
pub use published::PublishedEvent;
/// The connection and transaction types the table handles take, so callers can name them.
pub use rusqlite::{Connection, Transaction};
