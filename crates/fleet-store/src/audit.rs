//! The audit log: what the operator did and how it went. Append-only; triggers in the schema
//! refuse UPDATE and DELETE, so history cannot be rewritten through this app's database.

use rusqlite::{params, Connection, Row};

use crate::clock::unix_now;
use crate::Result;

/// An entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// What was done, e.g. `pair`, `revoke`.
    pub action: String,
    /// The machine it concerned.
    pub machine_id: Option<i64>,
    /// How it went, e.g. `ok`, `failed`, `queued`.
    pub outcome: String,
    /// Human-readable detail. Never a secret.
    pub detail: Option<String>,
}

/// A recorded entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Row id, increasing with time.
    pub id: i64,
    /// When (unix seconds).
    pub at: i64,
    /// What was done.
    pub action: String,
    /// The machine it concerned.
    pub machine_id: Option<i64>,
    /// How it went.
    pub outcome: String,
    /// Detail.
    pub detail: Option<String>,
    /// The console that acted (npub); `None` for entries written before consoles were named
    /// (migration 06).
    pub console: Option<String>,
}

/// Settings key holding this console's npub, which [`append`] stamps on each entry.
pub const CONSOLE_SETTING: &str = "console_npub";

/// Appends an entry stamped now and returns it.
///
/// # Errors
/// [`crate::Error::Sqlite`].
/// The entry names this console (the npub stored under [`CONSOLE_SETTING`]) as the actor.
pub fn append(conn: &Connection, entry: &NewAuditEntry) -> Result<AuditEntry> {
    let here = crate::settings::get(conn, CONSOLE_SETTING)?;
    append_by(conn, entry, here.as_deref())
}

/// Appends an entry stamped now, naming `console` (npub) as the console that acted: for a
/// change another console made, learnt from the roster.
///
/// # Errors
/// [`crate::Error::Sqlite`].
pub fn append_by(
    conn: &Connection,
    entry: &NewAuditEntry,
    console: Option<&str>,
) -> Result<AuditEntry> {
    let at = unix_now();
    conn.execute(
        "INSERT INTO audit_log (at, action, machine_id, outcome, detail, console)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            at,
            entry.action,
            entry.machine_id,
            entry.outcome,
            entry.detail,
            console
        ],
    )?;
    Ok(AuditEntry {
        id: conn.last_insert_rowid(),
        at,
        action: entry.action.clone(),
        machine_id: entry.machine_id,
        outcome: entry.outcome.clone(),
        detail: entry.detail.clone(),
        console: console.map(str::to_owned),
    })
}

/// The newest `limit` entries, newest first.
///
/// # Errors
/// [`crate::Error::Sqlite`].
pub fn list(conn: &Connection, limit: usize) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT id, at, action, machine_id, outcome, detail, console FROM audit_log ORDER BY id DESC LIMIT ?1",
    )?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let entries = stmt
        .query_map([limit], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(entries)
}

/// Entries after `after_id`, oldest first, at most `limit`: for exports and incremental reads.
///
/// # Errors
/// [`crate::Error::Sqlite`].
pub fn list_after(conn: &Connection, after_id: i64, limit: usize) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT id, at, action, machine_id, outcome, detail, console FROM audit_log WHERE id > ?1
         ORDER BY id LIMIT ?2",
    )?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let entries = stmt
        .query_map(params![after_id, limit], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(entries)
}

/// The newest `limit` entries of one machine, newest first.
///
/// # Errors
/// [`crate::Error::Sqlite`].
pub fn list_for_machine(
    conn: &Connection,
    machine_id: i64,
    limit: usize,
) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT id, at, action, machine_id, outcome, detail, console FROM audit_log WHERE machine_id = ?1
         ORDER BY id DESC LIMIT ?2",
    )?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let entries = stmt
        .query_map(params![machine_id, limit], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(entries)
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        id: row.get(0)?,
        at: row.get(1)?,
        action: row.get(2)?,
        machine_id: row.get(3)?,
        outcome: row.get(4)?,
        detail: row.get(5)?,
        console: row.get(6)?,
    })
}
