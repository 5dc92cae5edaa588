//! The access term asked for with a pairing in progress, kept until the pairing ends, so that a
//! redemption seen later (reconcile, after the app was closed) records the term the operator
//! chose rather than a default. One row per machine in `settings` (`pairing.access_term.<id>`,
//! whole seconds); it holds no secret.

use rusqlite::{params, Connection};

use crate::{settings, Result};

fn key(machine_id: i64) -> String {
    format!("pairing.access_term.{machine_id}")
}

/// Remembers the access term (seconds) of machine `machine_id`'s pairing in progress.
///
/// # Errors
/// [`crate::Error::Sqlite`].
pub fn set(conn: &Connection, machine_id: i64, term_secs: i64) -> Result<()> {
    settings::set(conn, &key(machine_id), &term_secs.to_string())
}

/// The access term (seconds) of the machine's pairing in progress, if one was remembered.
///
/// # Errors
/// [`crate::Error::Sqlite`].
pub fn get(conn: &Connection, machine_id: i64) -> Result<Option<i64>> {
    Ok(settings::get(conn, &key(machine_id))?.and_then(|v| v.trim().parse().ok()))
}

/// Forgets it once the pairing has ended (recorded, cancelled, timed out, failed).
///
/// # Errors
/// [`crate::Error::Sqlite`].
pub fn clear(conn: &Connection, machine_id: i64) -> Result<()> {
    conn.execute(
        "DELETE FROM settings WHERE key = ?1",
        params![key(machine_id)],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_pairing_term_is_kept_per_machine_until_cleared() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrate::migrate(&mut conn).unwrap();
        set(&conn, 1, 7 * 86_400).unwrap();
        set(&conn, 2, 90 * 86_400).unwrap();
        assert_eq!(get(&conn, 1).unwrap(), Some(7 * 86_400));
        clear(&conn, 1).unwrap();
        assert_eq!(get(&conn, 1).unwrap(), None);
        assert_eq!(get(&conn, 2).unwrap(), Some(90 * 86_400));
    }
}
