//! The bunker's own SQLite state (playing nsecbunkerd's `nsecbunker.json` + Prisma database):
//! tables mirror §3.1, plus the admin key, admin npubs and key secrets. Never the app's database.
//!
//! Every query is a plain sync function over `&Connection`; async code reaches them only through
//! [`Store::run`], which hops onto a blocking thread.

pub(crate) mod keys;
pub(crate) mod policies;
pub(crate) mod tokens;
pub(crate) mod users;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

/// The blocking side failed (poisoned lock, panicked or cancelled task).
#[derive(Debug)]
pub(crate) struct StoreFault(pub String);

/// Cheap-to-clone handle on the state file.
#[derive(Clone)]
pub(crate) struct Store {
    conn: Arc<Mutex<Connection>>,
}

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS Setting (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS Admin (pubkey TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS Key (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  keyName TEXT NOT NULL UNIQUE,
  createdAt INTEGER NOT NULL,
  updatedAt INTEGER NOT NULL,
  deletedAt INTEGER,
  pubkey TEXT NOT NULL,
  secret TEXT NOT NULL,
  locked INTEGER NOT NULL DEFAULT 0,
  passphrase TEXT
);
-- 0.11's Prisma `Key` row: only keys made by `create_new_key`/`rotate_key` have one (0.11 §3.1).
CREATE TABLE IF NOT EXISTS KeyRecord (
  keyName TEXT PRIMARY KEY,
  createdAt INTEGER NOT NULL,
  updatedAt INTEGER NOT NULL,
  deletedAt INTEGER
);
CREATE TABLE IF NOT EXISTS KeyUser (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  keyName TEXT NOT NULL,
  userPubkey TEXT NOT NULL,
  createdAt INTEGER NOT NULL,
  updatedAt INTEGER NOT NULL,
  revokedAt INTEGER,
  lastUsedAt INTEGER,
  description TEXT,
  UNIQUE (keyName, userPubkey)
);
CREATE TABLE IF NOT EXISTS SigningCondition (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  method TEXT,
  kind TEXT,
  content TEXT,
  keyUserKeyName TEXT,
  allowed INTEGER,
  keyUserId INTEGER REFERENCES KeyUser(id)
);
CREATE TABLE IF NOT EXISTS Policy (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  createdAt INTEGER NOT NULL,
  updatedAt INTEGER NOT NULL,
  expiresAt INTEGER,
  deletedAt INTEGER,
  description TEXT
);
CREATE TABLE IF NOT EXISTS PolicyRule (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  method TEXT NOT NULL,
  kind TEXT,
  maxUsageCount INTEGER,
  currentUsageCount INTEGER,
  policyId INTEGER REFERENCES Policy(id)
);
CREATE TABLE IF NOT EXISTS Token (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  keyName TEXT NOT NULL,
  token TEXT NOT NULL UNIQUE,
  clientName TEXT NOT NULL,
  createdBy TEXT NOT NULL,
  createdAt INTEGER NOT NULL,
  updatedAt INTEGER NOT NULL,
  deletedAt INTEGER,
  expiresAt INTEGER,
  redeemedAt INTEGER,
  keyUserId INTEGER,
  policyId INTEGER
);
"#;

impl Store {
    /// Opens (creating if needed) the state file in WAL mode.
    pub(crate) async fn open(path: PathBuf) -> crate::Result<Self> {
        let conn = tokio::task::spawn_blocking(move || -> crate::Result<Connection> {
            let conn = Connection::open(path)?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "foreign_keys", "ON")?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            conn.execute_batch(SCHEMA)?;
            Ok(conn)
        })
        .await
        .map_err(|e| crate::Error::Internal(e.to_string()))??;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` on a blocking thread with the connection.
    pub(crate) async fn run<F, R, E>(&self, f: F) -> Result<R, E>
    where
        F: FnOnce(&Connection) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<StoreFault> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let guard = conn.lock().map_err(|e| StoreFault(e.to_string()))?;
            f(&guard)
        })
        .await
        .map_err(|e| E::from(StoreFault(e.to_string())))?
    }
}

/// In-memory store with the schema, for unit tests of the SQL functions.
#[cfg(test)]
pub(crate) fn memory() -> Connection {
    let conn = Connection::open_in_memory().expect("in-memory sqlite");
    conn.execute_batch(SCHEMA).expect("schema");
    conn
}
