//! Machines queued for re-pair (issue 14 item 3): after a site is revoked, or when the operator
//! plans a visit, the machines to pair again with a new ATM key. Kept in the `settings` table
//! (one row per machine, key `repair_queue.<machine id>`, value the unix time it was queued and
//! the ATM key the machine had then, space-separated), so it needs no migration. A machine that
//! has another ATM key now was re-paired: the caller compares [`Queued::atm_pubkey`] with the
//! machine's key (a time comparison cannot tell a pairing in the same second).

use rusqlite::{params, Connection};

use crate::clock::unix_now;
use crate::Result;

const PREFIX: &str = "repair_queue.";
/// The first key after every `repair_queue.*` key (`/` follows `.` in every collation SQLite uses
/// for TEXT), so the range scan below stays on the primary key.
const PREFIX_END: &str = "repair_queue/";

/// A machine waiting to be re-paired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// The machine's row id.
    pub machine_id: i64,
    /// When it was queued (unix seconds).
    pub queued_at: i64,
    /// The ATM client key (hex) it had when queued, if any.
    pub atm_pubkey: Option<String>,
}

/// Queues `machine_id` at `at`, noting its current ATM key; a machine already queued keeps
/// its entry. `true` when it was not queued before.
///
/// # Errors
/// [`crate::Error::Sqlite`].
pub fn add(conn: &Connection, machine_id: i64, at: i64, atm_pubkey: Option<&str>) -> Result<bool> {
    let value = match atm_pubkey {
        Some(key) => format!("{at} {key}"),
        None => at.to_string(),
    };
    let changed = conn.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO NOTHING",
        params![format!("{PREFIX}{machine_id}"), value, unix_now()],
    )?;
    Ok(changed > 0)
}

/// Takes `machine_id` off the queue; `true` when it was queued.
///
/// # Errors
/// [`crate::Error::Sqlite`].
pub fn remove(conn: &Connection, machine_id: i64) -> Result<bool> {
    let changed = conn.execute(
        "DELETE FROM settings WHERE key = ?1",
        [format!("{PREFIX}{machine_id}")],
    )?;
    Ok(changed > 0)
}

/// Every queued machine, oldest first. Rows whose key or time cannot be read are skipped.
///
/// # Errors
/// [`crate::Error::Sqlite`].
pub fn all(conn: &Connection) -> Result<Vec<Queued>> {
    let mut stmt = conn.prepare("SELECT key, value FROM settings WHERE key >= ?1 AND key < ?2")?;
    let rows = stmt.query_map([PREFIX, PREFIX_END], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (key, value) = row?;
        let id = key.strip_prefix(PREFIX).and_then(|id| id.parse().ok());
        let mut parts = value.split_whitespace();
        let at = parts.next().and_then(|t| t.parse().ok());
        if let (Some(machine_id), Some(queued_at)) = (id, at) {
            out.push(Queued {
                machine_id,
                queued_at,
                atm_pubkey: parts.next().map(str::to_string),
            });
        }
    }
    out.sort_by_key(|q| (q.queued_at, q.machine_id));
    Ok(out)
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

    #[test]
    fn a_machine_is_queued_once_keeps_its_first_time_and_can_be_taken_off() {
        let conn = db();
        assert!(add(&conn, 7, 200, Some("ab")).unwrap());
        assert!(!add(&conn, 7, 300, None).unwrap(), "already queued");
        assert!(add(&conn, 3, 250, None).unwrap());
        crate::settings::set(&conn, "repair_queueX", "1").unwrap(); // not in the queue
        crate::settings::set(&conn, "repair_queue.oops", "1").unwrap(); // unreadable: skipped
        assert_eq!(
            all(&conn).unwrap(),
            vec![
                Queued {
                    machine_id: 7,
                    queued_at: 200,
                    atm_pubkey: Some("ab".into()),
                },
                Queued {
                    machine_id: 3,
                    queued_at: 250,
                    atm_pubkey: None,
                },
            ]
        );
        assert!(remove(&conn, 7).unwrap());
        assert!(!remove(&conn, 7).unwrap());
        assert_eq!(all(&conn).unwrap().len(), 1);
    }
}
