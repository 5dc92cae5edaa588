//! fleet-store integration tests: one binary, a module per feature.
// Test helpers outside #[test] fns may panic too: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod db;
mod identity;
mod lifecycle;
mod machines;
mod migrations;
mod outbox;
mod profile;

use rusqlite::Connection;

/// A fresh in-memory connection with the full schema, for the sync table handles.
pub fn conn() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    fleet_store::MIGRATIONS.to_latest(&mut conn).unwrap();
    conn
}
