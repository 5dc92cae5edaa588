//! The bunker's clients (KeyUsers) as last seen by reconcile: a snapshot replaced wholesale, so
//! clients the app does not know about stay visible offline.

use std::fmt;
use std::str::FromStr;

use rusqlite::{params, Connection, Row};

use crate::{Error, Result};

/// What a bunker client is to this app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientRole {
    /// The current client key of a machine.
    Machine,
    /// An earlier client key of a machine (before a re-pair), or a leftover of one.
    Stale,
    /// This console's own NIP-46 session (operator-authored events).
    Console,
    /// A throwaway key that burned an unredeemed token.
    Burned,
    /// Nothing this app knows: shown to the operator, never hidden.
    Unknown,
}

impl ClientRole {
    /// The text stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Machine => "machine",
            Self::Stale => "stale",
            Self::Console => "console",
            Self::Burned => "burned",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ClientRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ClientRole {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Self::Machine,
            Self::Stale,
            Self::Console,
            Self::Burned,
            Self::Unknown,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
        .ok_or_else(|| format!("unknown client role {s:?}"))
    }
}

/// One bunker client as last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BunkerClient {
    /// The bunker's KeyUser id.
    pub id: i64,
    /// Client pubkey (hex).
    pub pubkey: String,
    /// The description (token client name at redemption).
    pub description: Option<String>,
    /// The bunker's revocation time (ISO-8601), if revoked.
    pub revoked_at: Option<String>,
    /// The machine it belongs to, if any.
    pub machine_id: Option<i64>,
    /// What it is to this app.
    pub role: ClientRole,
    /// When reconcile saw it (unix seconds).
    pub seen_at: i64,
}

/// Replaces the whole snapshot with `clients`. Call inside the reconcile transaction.
///
/// # Errors
/// [`Error::Sqlite`].
pub fn replace_all(conn: &Connection, clients: &[BunkerClient]) -> Result<()> {
    conn.execute("DELETE FROM bunker_clients", [])?;
    let mut stmt = conn.prepare(
        "INSERT INTO bunker_clients (id, pubkey, description, revoked_at, machine_id, role, seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for c in clients {
        stmt.execute(params![
            c.id,
            c.pubkey,
            c.description,
            c.revoked_at,
            c.machine_id,
            c.role.as_str(),
            c.seen_at
        ])?;
    }
    Ok(())
}

/// Every client in the snapshot, by KeyUser id.
///
/// # Errors
/// [`Error::Sqlite`], [`Error::Corrupt`].
pub fn list(conn: &Connection) -> Result<Vec<BunkerClient>> {
    let mut stmt = conn.prepare(
        "SELECT id, pubkey, description, revoked_at, machine_id, role, seen_at
         FROM bunker_clients ORDER BY id",
    )?;
    let rows = stmt
        .query_map([], raw)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(c, role)| {
            Ok(BunkerClient {
                role: role.parse().map_err(|detail| Error::Corrupt {
                    column: "bunker_clients.role",
                    detail,
                })?,
                ..c
            })
        })
        .collect()
}

fn raw(row: &Row<'_>) -> rusqlite::Result<(BunkerClient, String)> {
    Ok((
        BunkerClient {
            id: row.get(0)?,
            pubkey: row.get(1)?,
            description: row.get(2)?,
            revoked_at: row.get(3)?,
            machine_id: row.get(4)?,
            role: ClientRole::Unknown,
            seen_at: row.get(6)?,
        },
        row.get(5)?,
    ))
}
