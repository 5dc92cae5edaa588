//! The database handle: opening, per-connection settings, and the one door to SQLite.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::Mutex;

use crate::migrate::{migrate, refuse_newer};
use crate::{Error, Result};

/// How long a statement waits for another process's lock before failing with "busy".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A cheap-to-clone handle to the open, migrated database.
///
/// One connection behind an async mutex: the app's writes are small and rare, and a single
/// connection makes "local effect + outbox row in one transaction" trivially serialised.
#[derive(Clone, Debug)]
pub struct Db(Arc<Mutex<Connection>>);

impl Db {
    /// Opens (creating if needed) the database file at `path`, creating its parent directories,
    /// and migrates it to the current schema.
    ///
    /// This blocks; call it at startup or from a blocking context.
    ///
    /// # Errors
    /// [`Error::NewerDatabase`] if the file was written by a newer app (the file is left
    /// untouched), [`Error::CreateDir`], [`Error::Sqlite`], [`Error::Migration`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let mut conn = Connection::open(path)?;
        // Before any PRAGMA: journal_mode=WAL is written into the file header.
        refuse_newer(&conn)?;
        configure(&conn, true)?;
        migrate(&mut conn)?;
        Ok(Self(Arc::new(Mutex::new(conn))))
    }

    /// Opens a fresh, migrated in-memory database (tests, demo mode).
    ///
    /// # Errors
    /// [`Error::Sqlite`], [`Error::Migration`].
    pub fn open_in_memory() -> Result<Self> {
        let mut conn = Connection::open_in_memory()?;
        configure(&conn, false)?;
        migrate(&mut conn)?;
        Ok(Self(Arc::new(Mutex::new(conn))))
    }

    /// Runs `f` with exclusive use of the connection on a blocking thread: the only way async
    /// code touches SQLite, so the runtime never blocks on disk I/O.
    ///
    /// # Errors
    /// Whatever `f` returns, or [`Error::Task`] if `f` panicked.
    pub async fn interact<F, R>(&self, f: F) -> Result<R>
    where
        F: FnOnce(&mut Connection) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let mut conn = Arc::clone(&self.0).lock_owned().await;
        tokio::task::spawn_blocking(move || f(&mut conn))
            .await
            .map_err(|e| Error::Task(e.to_string()))?
    }
}

/// Per-connection settings; none of them belong in a migration (foreign_keys and busy_timeout
/// are not persistent, and WAL must not be switched inside a transaction).
fn configure(conn: &Connection, file: bool) -> Result<()> {
    if file {
        // The PRAGMA answers with the mode it ended up in. Some file systems (network shares)
        // cannot do WAL; SQLite then keeps its rollback journal, slower but correct, so the
        // answer is not an error.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    }
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(())
}
