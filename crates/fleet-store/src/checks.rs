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
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(2)?,
                ))
            },
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

/// One text value stored in the cache, for the secret scan of the migration checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextCell {
    /// The table.
    pub table: String,
    /// The column.
    pub column: String,
    /// The value.
    pub value: String,
}

/// Every text value in every table of the cache (the secret scan reads them all, whatever
/// tables later migrations add).
///
/// # Errors
/// [`Error::Sqlite`].
pub fn text_cells(conn: &Connection) -> Result<Vec<TextCell>> {
    let mut tables_stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )?;
    let tables = tables_stmt
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::new();
    for table in tables {
        let mut stmt =
            conn.prepare(&format!("SELECT * FROM \"{}\"", table.replace('"', "\"\"")))?;
        let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            for (i, column) in columns.iter().enumerate() {
                if let rusqlite::types::ValueRef::Text(bytes) = row.get_ref(i)? {
                    out.push(TextCell {
                        table: table.clone(),
                        column: column.clone(),
                        value: String::from_utf8_lossy(bytes).into_owned(),
                    });
                }
            }
        }
    }
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

    #[test]
    fn text_cells_cover_every_table() {
        let conn = db();
        insert(&conn, 1, &serde_json::json!({"x": "y"})).unwrap();
        let cells = text_cells(&conn).unwrap();
        assert!(cells
            .iter()
            .any(|c| c.table == "migration_checks" && c.column == "result"));
    }
}
