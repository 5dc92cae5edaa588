//! The database handle: opening, per-connection settings, and the one door to SQLite.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use tokio::sync::Mutex;

use crate::migrate::{migrate, refuse_newer, MIGRATIONS};
use crate::{Error, Result};

/// How long a statement waits for another process's lock before failing with "busy".
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The first 16 bytes of every SQLite 3 database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// A cheap-to-clone handle to the open, migrated database.
///
/// One connection behind an async mutex: the app's writes are small and rare, and a single
/// connection makes "local effect + outbox row in one transaction" trivially serialised.
#[derive(Clone, Debug)]
pub struct Db(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    conn: Mutex<Connection>,
    path: Option<PathBuf>,
    read_only: bool,
}

impl Db {
    /// Opens (creating if needed) the database file at `path`, creating its parent directories,
    /// and migrates it to the current schema.
    ///
    /// Only a missing file means "new fleet": an empty (0-byte) file, a file that is not an
    /// SQLite database and a damaged one are refused and left untouched. A file SQLite can
    /// only read (permissions, read-only mount) is opened read-only when its schema is current:
    /// reads work, writes fail with [`Error::ReadOnly`].
    ///
    /// Transactions begun with `Connection::transaction` are `BEGIN IMMEDIATE`: a
    /// read-then-write transaction takes the write lock up front, so a concurrent process waits
    /// for it (up to the busy timeout) instead of failing with "database is locked".
    ///
    /// This blocks; call it at startup or from a blocking context.
    ///
    /// # Errors
    /// [`Error::NewerDatabase`] if the file was written by a newer app (the file is left
    /// untouched), [`Error::EmptyFile`], [`Error::NotADatabase`], [`Error::Damaged`],
    /// [`Error::ReadOnlyNeedsMigration`], [`Error::DiskFull`], [`Error::Open`],
    /// [`Error::CreateDir`], [`Error::Sqlite`], [`Error::Migration`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        check_existing(path)?;
        let opened = open_conn(path).map_err(|e| e.at(path))?;
        Ok(Self(Arc::new(Inner {
            conn: Mutex::new(opened.0),
            path: Some(path.to_path_buf()),
            read_only: opened.1,
        })))
    }

    /// Opens an existing database file read-only (no migration, no write of any kind).
    ///
    /// # Errors
    /// As [`Db::open`]; [`Error::ReadOnlyNeedsMigration`] when the schema is not current.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(Error::Open {
                path: path.to_path_buf(),
                cause: "there is no such file".into(),
            });
        }
        check_existing(path)?;
        let conn = read_only_conn(path).map_err(|e| e.at(path))?;
        Ok(Self(Arc::new(Inner {
            conn: Mutex::new(conn),
            path: Some(path.to_path_buf()),
            read_only: true,
        })))
    }

    /// Opens a fresh, migrated in-memory database (tests, demo mode).
    ///
    /// # Errors
    /// [`Error::Sqlite`], [`Error::Migration`].
    pub fn open_in_memory() -> Result<Self> {
        let mut conn = Connection::open_in_memory()?;
        configure(&mut conn, false)?;
        migrate(&mut conn)?;
        Ok(Self(Arc::new(Inner {
            conn: Mutex::new(conn),
            path: None,
            read_only: false,
        })))
    }

    /// Whether the database was opened read-only (the file or its file system is not writable).
    pub fn is_read_only(&self) -> bool {
        self.0.read_only
    }

    /// The database file (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.0.path.as_deref()
    }

    /// Runs `f` with exclusive use of the connection on a blocking thread: the only way async
    /// code touches SQLite, so the runtime never blocks on disk I/O.
    ///
    /// # Errors
    /// Whatever `f` returns (read-only, disk-full and damage errors name the file), or
    /// [`Error::Task`] if `f` panicked.
    pub async fn interact<F, R>(&self, f: F) -> Result<R>
    where
        F: FnOnce(&mut Connection) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let inner = Arc::clone(&self.0);
        tokio::task::spawn_blocking(move || {
            let mut conn = inner.conn.blocking_lock();
            let result = f(&mut conn);
            match &inner.path {
                Some(path) => result.map_err(|e| e.at(path)),
                None => result,
            }
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?
    }
}

/// Refuses an existing file that cannot be this app's database, without writing to it: only a
/// missing file may become a new database.
fn check_existing(path: &Path) -> Result<()> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(Error::Open {
                path: path.to_path_buf(),
                cause: e.to_string(),
            })
        }
    };
    if meta.is_dir() {
        return Err(Error::Open {
            path: path.to_path_buf(),
            cause: "it is a directory".into(),
        });
    }
    if meta.len() == 0 {
        return Err(Error::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    let mut header = [0u8; 16];
    let read = std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => Error::NotADatabase {
                path: path.to_path_buf(),
            },
            _ => Error::Open {
                path: path.to_path_buf(),
                cause: e.to_string(),
            },
        });
    read?;
    if &header != SQLITE_HEADER {
        return Err(Error::NotADatabase {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Opens read-write (SQLite falls back to read-only by itself when the OS refuses writing) and
/// migrates; a read-only result is kept only when no migration is needed. `true` = read-only.
fn open_conn(path: &Path) -> Result<(Connection, bool)> {
    let mut conn = Connection::open(path)?;
    // The OS refused writing, so SQLite opened the file read-only by itself.
    if conn.is_readonly(rusqlite::MAIN_DB)? {
        drop(conn);
        return Ok((read_only_conn(path)?, true));
    }
    // SQLite reads lazily: make it read the schema now so damage shows here, not later.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    // Before any PRAGMA: journal_mode=WAL is written into the file header.
    refuse_newer(&conn)?;
    match configure(&mut conn, true).and_then(|()| migrate(&mut conn)) {
        Ok(()) => Ok((conn, false)),
        // Writable to the OS (e.g. root on a 0444 file) but not to SQLite (a read-only mount).
        Err(Error::ReadOnly { .. }) => {
            drop(conn);
            Ok((read_only_conn(path)?, true))
        }
        Err(Error::Migration(rusqlite_migration::Error::RusqliteError { err, .. }))
            if err.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly) =>
        {
            drop(conn);
            Ok((read_only_conn(path)?, true))
        }
        Err(e) => Err(e),
    }
}

/// A read-only connection to a database whose schema must already be current.
///
/// A WAL database in a directory this process cannot write has no `-shm` file to share, so
/// SQLite refuses even to read it; it is then opened `immutable` (no locking, no change
/// detection), which is right for a file nobody here can change.
fn read_only_conn(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let probe = |conn: &Connection| {
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
    };
    let mut conn = Connection::open_with_flags(path, flags)?;
    if let Err(e) = probe(&conn) {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen) => {
                drop(conn);
                conn = Connection::open_with_flags(immutable_uri(path), flags)?;
                probe(&conn)?;
            }
            _ => return Err(e.into()),
        }
    }
    refuse_newer(&conn)?;
    if MIGRATIONS
        .pending_migrations(&conn)
        .map_err(Error::Migration)?
        != 0
    {
        return Err(Error::ReadOnlyNeedsMigration {
            path: path.to_path_buf(),
        });
    }
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Per-connection settings; none of them belong in a migration (foreign_keys and busy_timeout
/// are not persistent, and WAL must not be switched inside a transaction).
fn configure(conn: &mut Connection, file: bool) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Every `transaction()` takes the write lock at BEGIN, where the busy timeout applies; a
    // deferred transaction that reads and then writes would get SQLITE_BUSY at once when
    // another process wrote in between.
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    if file {
        // The PRAGMA answers with the mode it ended up in. Some file systems (network shares)
        // cannot do WAL; SQLite then keeps its rollback journal, slower but correct, so the
        // answer is not an error.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    }
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// `file:<path>?immutable=1`, the path percent-encoded where a URI needs it.
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    uri
}
