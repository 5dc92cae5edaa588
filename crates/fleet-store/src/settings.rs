//! Small operator preferences, one text value per key.

use rusqlite::{params, Connection, OptionalExtension};

use crate::clock::unix_now;
use crate::Result;

/// The stored value of `key`, if set.
///
/// # Errors
/// [`crate::Error::Sqlite`].
pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

/// Sets `key` to `value`, replacing any earlier value.
///
/// # Errors
/// [`crate::Error::Sqlite`].
pub fn set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![key, value, unix_now()],
    )?;
    Ok(())
}

/// A boolean setting (`"true"`/`"false"`), `default` when unset or unreadable.
///
/// # Errors
/// [`crate::Error::Sqlite`].
pub fn get_bool(conn: &Connection, key: &str, default: bool) -> Result<bool> {
    Ok(match get(conn, key)?.as_deref() {
        Some("true") => true,
        Some("false") => false,
        _ => default,
    })
}
