//! Cached runs of the migration status checklist (issue #6), so the last answer can be shown
//! offline with the time it was produced.

use rusqlite::{params, Connection, OptionalExtension};

use crate::{Error, Result};

/// One stored checklist run.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckRun {
    /// Row id.
    pub id: i64,
    /// When the checklist ran (unix seconds).
    pub run_at: i64,
    /// The checklist as JSON (fleet-core's `Checklist`); never holds a secret.
    pub result: serde_json::Value,
}

/// Stores a run.
///
/// # Errors
/// [`Error::Json`], [`Error::Sqlite`].
pub fn insert(conn: &Connection, run_at: i64, result: &serde_json::Value) -> Result<i64> {
    let text = serde_json::to_string(result).map_err(|source| Error::Json {
        column: "migration_checks.result",
        source,
    })?;
    conn.execute(
        "INSERT INTO migration_checks (run_at, result) VALUES (?1, ?2)",
        params![run_at, text],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The most recent run, if any.
///
/// # Errors
/// [`Error::Sqlite`], [`Error::Corrupt`] when the stored JSON cannot be read back.
pub fn latest(conn: &Connection) -> Result<Option<CheckRun>> {
    let row = conn
        .query_row(
            "SELECT id, run_at, result FROM migration_checks ORDER BY run_at DESC, id DESC LIMIT 1",
            [],
            |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?, row.get::<_, String>(2)?)),
        )
        .optional()?;
    row.map(|(id, run_at, text)| {
        let result = serde_json::from_str(&text).map_err(|e| Error::Corrupt {
            column: "migration_checks.result",
            detail: e.to_string(),
        })?;
        Ok(CheckRun { id, run_at, result })
    })
    .transpose()
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
    fn latest_run_is_the_newest_and_round_trips() {
        let conn = db();
        assert!(latest(&conn).unwrap().is_none());
        insert(&conn, 100, &serde_json::json!({"checks": [1]})).unwrap();
        let id = insert(&conn, 200, &serde_json::json!({"checks": [2]})).unwrap();
        insert(&conn, 150, &serde_json::json!({"checks": [3]})).unwrap();
        let run = latest(&conn).unwrap().unwrap();
        assert_eq!((run.id, run.run_at), (id, 200));
        assert_eq!(run.result, serde_json::json!({"checks": [2]}));
    }
}
