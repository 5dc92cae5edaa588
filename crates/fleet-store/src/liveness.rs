//! When each machine was last seen on the ATM relays (migration 05): its newest verified
//! heartbeat or NIP-46 request. Public metadata only. [`record`] never moves a machine's
//! `last_seen_at` backwards.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::clock::unix_now;
use crate::Result;

/// The settings key holding when the relays were last read for liveness (unix seconds): the
/// "as of" of every `last_seen_at` shown offline.
pub const CHECKED_AT_SETTING: &str = "liveness.checked_at";

/// How a machine was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeenBy {
    /// Its signed heartbeat (kind 30078).
    Heartbeat,
    /// A NIP-46 request it sent (kind 24133).
    Nip46,
}

impl SeenBy {
    /// The text stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Heartbeat => "heartbeat",
            Self::Nip46 => "nip46",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "nip46" {
            Self::Nip46
        } else {
            Self::Heartbeat
        }
    }
}

/// A sighting of a machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The machine's row id.
    pub machine_id: i64,
    /// The event's `created_at` (unix seconds).
    pub last_seen_at: i64,
    /// What the event was.
    pub seen_by: SeenBy,
    /// The ATM client key (hex) that signed it.
    pub atm_pubkey: String,
    /// The software the heartbeat named, if it was a heartbeat.
    pub software: Option<String>,
    /// The status the heartbeat gave (`ok`, `refused`, `unreachable`), if it was a heartbeat.
    pub status: Option<String>,
}

/// Stores `seen` unless the machine was already seen at or after `seen.last_seen_at`;
/// `true` when the row changed.
///
/// # Errors
/// [`crate::Error::Sqlite`].
pub fn record(conn: &Connection, seen: &Seen) -> Result<bool> {
    let changed = conn.execute(
        "INSERT INTO machine_liveness
             (machine_id, last_seen_at, seen_by, atm_pubkey, software, status, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (machine_id) DO UPDATE SET
             last_seen_at = excluded.last_seen_at, seen_by = excluded.seen_by,
             atm_pubkey = excluded.atm_pubkey, software = excluded.software,
             status = excluded.status, updated_at = excluded.updated_at
         WHERE excluded.last_seen_at > machine_liveness.last_seen_at",
        params![
            seen.machine_id,
            seen.last_seen_at,
            seen.seen_by.as_str(),
            seen.atm_pubkey,
            seen.software,
            seen.status,
            unix_now()
        ],
    )?;
    Ok(changed > 0)
}

/// The sighting of machine `machine_id`, if any.
///
/// # Errors
/// [`crate::Error::Sqlite`].
pub fn get(conn: &Connection, machine_id: i64) -> Result<Option<Seen>> {
    Ok(conn
        .query_row(
            "SELECT machine_id, last_seen_at, seen_by, atm_pubkey, software, status
             FROM machine_liveness WHERE machine_id = ?1",
            [machine_id],
            from_row,
        )
        .optional()?)
}

/// Every sighting, by machine id.
///
/// # Errors
/// [`crate::Error::Sqlite`].
pub fn all(conn: &Connection) -> Result<Vec<Seen>> {
    let mut stmt = conn.prepare(
        "SELECT machine_id, last_seen_at, seen_by, atm_pubkey, software, status
         FROM machine_liveness ORDER BY machine_id",
    )?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// When the relays were last read for liveness (unix seconds), if ever.
///
/// # Errors
/// [`crate::Error::Sqlite`].
pub fn checked_at(conn: &Connection) -> Result<Option<i64>> {
    Ok(crate::settings::get(conn, CHECKED_AT_SETTING)?.and_then(|v| v.parse().ok()))
}

/// Notes that the relays were read for liveness at `at`.
///
/// # Errors
/// [`crate::Error::Sqlite`].
pub fn set_checked_at(conn: &Connection, at: i64) -> Result<()> {
    crate::settings::set(conn, CHECKED_AT_SETTING, &at.to_string())
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Seen> {
    let seen_by: String = r.get(2)?;
    Ok(Seen {
        machine_id: r.get(0)?,
        last_seen_at: r.get(1)?,
        seen_by: SeenBy::parse(&seen_by),
        atm_pubkey: r.get(3)?,
        software: r.get(4)?,
        status: r.get(5)?,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrate::migrate(&mut conn).unwrap();
        conn
    }

    fn seen(at: i64, by: SeenBy) -> Seen {
        Seen {
            machine_id: 3,
            last_seen_at: at,
            seen_by: by,
            atm_pubkey: "ab".repeat(32),
            software: (by == SeenBy::Heartbeat).then(|| "satmachine-atm 0.1.0".to_owned()),
            status: (by == SeenBy::Heartbeat).then(|| "ok".to_owned()),
        }
    }

    #[test]
    fn last_seen_never_moves_backwards() {
        let conn = db();
        assert!(get(&conn, 3).unwrap().is_none());
        assert!(record(&conn, &seen(200, SeenBy::Heartbeat)).unwrap());
        assert!(!record(&conn, &seen(100, SeenBy::Nip46)).unwrap());
        assert!(!record(&conn, &seen(200, SeenBy::Nip46)).unwrap());
        assert_eq!(get(&conn, 3).unwrap(), Some(seen(200, SeenBy::Heartbeat)));
        assert!(record(&conn, &seen(300, SeenBy::Nip46)).unwrap());
        assert_eq!(all(&conn).unwrap(), vec![seen(300, SeenBy::Nip46)]);
    }

    #[test]
    fn checked_at_round_trips() {
        let conn = db();
        assert_eq!(checked_at(&conn).unwrap(), None);
        set_checked_at(&conn, 1_700_000_000).unwrap();
        assert_eq!(checked_at(&conn).unwrap(), Some(1_700_000_000));
    }
}
