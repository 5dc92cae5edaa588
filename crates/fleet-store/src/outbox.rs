//! The outbox: actions that need the network, queued in the same transaction as their local
//! effect and executed in order, each exactly once (DESIGN.md §3 "Offline and the outbox").

use std::fmt;
use std::str::FromStr;

use rusqlite::{params, Connection, Row, Transaction};

use crate::clock::unix_now;
use crate::{Error, Result};

/// Where an outbox item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxStatus {
    /// Waiting to run (maybe for a retry time).
    Pending,
    /// Claimed by a runner.
    Running,
    /// Done; kept as history.
    Done,
    /// Gave up; shown to the user.
    Failed,
}

impl OutboxStatus {
    /// The text stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }
}

impl fmt::Display for OutboxStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OutboxStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(Self::Pending),
            "running" => Ok(Self::Running),
            "done" => Ok(Self::Done),
            "failed" => Ok(Self::Failed),
            other => Err(format!("unknown outbox status {other:?}")),
        }
    }
}

/// An action to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutboxItem {
    /// What to do, e.g. `revoke`; the runner dispatches on it.
    pub action: String,
    /// The machine it concerns, if any.
    pub machine_id: Option<i64>,
    /// The action's arguments. Never a secret: the outbox is plain SQLite.
    pub payload: serde_json::Value,
}

/// A queued action.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    /// Row id; also the execution order.
    pub id: i64,
    /// What to do.
    pub action: String,
    /// The machine it concerns.
    pub machine_id: Option<i64>,
    /// The action's arguments.
    pub payload: serde_json::Value,
    /// Where it stands.
    pub status: OutboxStatus,
    /// How often a runner claimed it.
    pub attempts: u32,
    /// The error of the last failed attempt.
    pub last_error: Option<String>,
    /// Not to run before this time (unix seconds).
    pub next_attempt_at: i64,
    /// When it was queued (unix seconds).
    pub created_at: i64,
    /// When it last changed (unix seconds).
    pub updated_at: i64,
}

const COLUMNS: &str = "id, action, machine_id, payload, status, attempts, last_error,
                       next_attempt_at, created_at, updated_at";

/// Queues an action, due now. Takes a transaction so that the action and its local effect
/// (say, a machine turning `revoke_pending`) commit together or not at all.
///
/// # Errors
/// [`Error::Json`], [`Error::Sqlite`] (for instance an unknown `machine_id`).
pub fn enqueue(tx: &Transaction<'_>, item: &NewOutboxItem) -> Result<OutboxItem> {
    let payload = serde_json::to_string(&item.payload).map_err(|source| Error::Json {
        column: "outbox.payload",
        source,
    })?;
    let now = unix_now();
    tx.execute(
        "INSERT INTO outbox (action, machine_id, payload, status, attempts, next_attempt_at,
             created_at, updated_at)
         VALUES (?1, ?2, ?3, 'pending', 0, ?4, ?4, ?4)",
        params![item.action, item.machine_id, payload, now],
    )?;
    let id = tx.last_insert_rowid();
    get(tx, id)
}

/// Pending items due at `now`, oldest first (the order they must run in).
///
/// # Errors
/// [`Error::Sqlite`], [`Error::Corrupt`].
pub fn pending(conn: &Connection, now: i64) -> Result<Vec<OutboxItem>> {
    select(
        conn,
        &format!(
            "SELECT {COLUMNS} FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?1
             ORDER BY id"
        ),
        params![now],
    )
}

/// Every item not yet done (pending, running or failed), oldest first: what the UI shows.
///
/// # Errors
/// [`Error::Sqlite`], [`Error::Corrupt`].
pub fn unfinished(conn: &Connection) -> Result<Vec<OutboxItem>> {
    select(
        conn,
        &format!("SELECT {COLUMNS} FROM outbox WHERE status != 'done' ORDER BY id"),
        [],
    )
}

/// The item with this id.
///
/// # Errors
/// [`Error::NotFound`], [`Error::Sqlite`], [`Error::Corrupt`].
pub fn get(conn: &Connection, id: i64) -> Result<OutboxItem> {
    select(
        conn,
        &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"),
        params![id],
    )?
    .pop()
    .ok_or(Error::NotFound {
        what: "outbox item",
        id,
    })
}

/// Claims a pending item for a run and counts the attempt. Only a pending item can be claimed,
/// so two runners never execute the same item.
///
/// # Errors
/// [`Error::NotFound`] if no pending item has this id, [`Error::Sqlite`].
pub fn mark_running(conn: &Connection, id: i64) -> Result<()> {
    let changed = conn.execute(
        "UPDATE outbox SET status = 'running', attempts = attempts + 1, updated_at = ?2
         WHERE id = ?1 AND status = 'pending'",
        params![id, unix_now()],
    )?;
    one(changed, "pending outbox item", id)
}

/// Marks a running item done.
///
/// # Errors
/// [`Error::NotFound`] if no running item has this id, [`Error::Sqlite`].
pub fn mark_done(conn: &Connection, id: i64) -> Result<()> {
    let changed = conn.execute(
        "UPDATE outbox SET status = 'done', last_error = NULL, updated_at = ?2
         WHERE id = ?1 AND status = 'running'",
        params![id, unix_now()],
    )?;
    one(changed, "running outbox item", id)
}

/// Records a failed attempt of a running item. With `retry_at` it goes back to pending, due at
/// that time (the caller picks the backoff); without, it is failed for good.
///
/// `error` is shown to the user: never put a secret in it.
///
/// # Errors
/// [`Error::NotFound`] if no running item has this id, [`Error::Sqlite`].
pub fn mark_failed(conn: &Connection, id: i64, error: &str, retry_at: Option<i64>) -> Result<()> {
    let now = unix_now();
    let (status, next) = match retry_at {
        Some(at) => (OutboxStatus::Pending, at),
        None => (OutboxStatus::Failed, now),
    };
    let changed = conn.execute(
        "UPDATE outbox SET status = ?2, last_error = ?3, next_attempt_at = ?4, updated_at = ?5
         WHERE id = ?1 AND status = 'running'",
        params![id, status.as_str(), error, next, now],
    )?;
    one(changed, "running outbox item", id)
}

/// Puts items left `running` by a crash back to pending; call once at startup, before any runner.
/// Returns how many were recovered.
///
/// # Errors
/// [`Error::Sqlite`].
pub fn recover_running(conn: &Connection) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE outbox SET status = 'pending', updated_at = ?1 WHERE status = 'running'",
        params![unix_now()],
    )?)
}

/// Puts a failed item back to pending, due now (the operator asked to retry it).
///
/// # Errors
/// [`Error::NotFound`] if no failed item has this id, [`Error::Sqlite`].
pub fn retry(conn: &Connection, id: i64) -> Result<()> {
    let now = unix_now();
    let changed = conn.execute(
        "UPDATE outbox SET status = 'pending', next_attempt_at = ?2, updated_at = ?2
         WHERE id = ?1 AND status = 'failed'",
        params![id, now],
    )?;
    one(changed, "failed outbox item", id)
}

/// How many items are in each status.
///
/// # Errors
/// [`Error::Sqlite`].
pub fn counts(conn: &Connection) -> Result<Vec<(String, i64)>> {
    let mut stmt =
        conn.prepare("SELECT status, count(*) FROM outbox GROUP BY status ORDER BY status")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn one(changed: usize, what: &'static str, id: i64) -> Result<()> {
    if changed == 0 {
        Err(Error::NotFound { what, id })
    } else {
        Ok(())
    }
}

fn select(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> Result<Vec<OutboxItem>> {
    let mut stmt = conn.prepare(sql)?;
    let raw = stmt
        .query_map(args, RawItem::from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raw.into_iter().map(RawItem::decode).collect()
}

struct RawItem {
    id: i64,
    action: String,
    machine_id: Option<i64>,
    payload: String,
    status: String,
    attempts: u32,
    last_error: Option<String>,
    next_attempt_at: i64,
    created_at: i64,
    updated_at: i64,
}

impl RawItem {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            action: row.get(1)?,
            machine_id: row.get(2)?,
            payload: row.get(3)?,
            status: row.get(4)?,
            attempts: row.get(5)?,
            last_error: row.get(6)?,
            next_attempt_at: row.get(7)?,
            created_at: row.get(8)?,
            updated_at: row.get(9)?,
        })
    }

    fn decode(self) -> Result<OutboxItem> {
        Ok(OutboxItem {
            id: self.id,
            action: self.action,
            machine_id: self.machine_id,
            payload: serde_json::from_str(&self.payload).map_err(|e| Error::Corrupt {
                column: "outbox.payload",
                detail: e.to_string(),
            })?,
            status: self.status.parse().map_err(|detail| Error::Corrupt {
                column: "outbox.status",
                detail,
            })?,
            attempts: self.attempts,
            last_error: self.last_error,
            next_attempt_at: self.next_attempt_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}
