//! `KeyUser` and `SigningCondition` (§3.1).

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::clock::now_ms;

#[derive(Debug, Clone)]
pub(crate) struct KeyUserRow {
    pub id: i64,
    pub key_name: String,
    pub user_pubkey: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct ConditionRow {
    pub id: i64,
    pub method: Option<String>,
    pub kind: Option<String>,
    pub content: Option<String>,
    pub key_user_key_name: Option<String>,
    pub allowed: Option<bool>,
    pub key_user_id: Option<i64>,
}

const USER_COLS: &str =
    "id, keyName, userPubkey, createdAt, revokedAt, lastUsedAt, description, updatedAt";

fn user(r: &Row<'_>) -> rusqlite::Result<KeyUserRow> {
    Ok(KeyUserRow {
        id: r.get(0)?,
        key_name: r.get(1)?,
        user_pubkey: r.get(2)?,
        created_at: r.get(3)?,
        revoked_at: r.get(4)?,
        last_used_at: r.get(5)?,
        description: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

pub(crate) fn key_user(
    conn: &Connection,
    key_name: &str,
    pubkey: &str,
) -> rusqlite::Result<Option<KeyUserRow>> {
    conn.query_row(
        &format!("SELECT {USER_COLS} FROM KeyUser WHERE keyName = ?1 AND userPubkey = ?2"),
        [key_name, pubkey],
        user,
    )
    .optional()
}

pub(crate) fn key_user_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<KeyUserRow>> {
    conn.query_row(
        &format!("SELECT {USER_COLS} FROM KeyUser WHERE id = ?1"),
        [id],
        user,
    )
    .optional()
}

pub(crate) fn key_users(conn: &Connection, key_name: &str) -> rusqlite::Result<Vec<KeyUserRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {USER_COLS} FROM KeyUser WHERE keyName = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([key_name], user)?;
    rows.collect()
}

pub(crate) fn count_users(conn: &Connection, key_name: &str) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COUNT(*) FROM KeyUser WHERE keyName = ?1",
        [key_name],
        |r| r.get(0),
    )
}

/// Prisma `upsert` with `update: {}`: an existing row (description, revokedAt) stays untouched.
pub(crate) fn upsert_key_user(
    conn: &Connection,
    key_name: &str,
    pubkey: &str,
    description: Option<&str>,
) -> rusqlite::Result<i64> {
    let now = now_ms();
    conn.execute(
        "INSERT INTO KeyUser (keyName, userPubkey, createdAt, updatedAt, description)
         VALUES (?1, ?2, ?3, ?3, ?4) ON CONFLICT(keyName, userPubkey) DO NOTHING",
        params![key_name, pubkey, now, description],
    )?;
    conn.query_row(
        "SELECT id FROM KeyUser WHERE keyName = ?1 AND userPubkey = ?2",
        [key_name, pubkey],
        |r| r.get(0),
    )
}

/// Sets `revokedAt = now`; returns the number of rows changed (0 = no such KeyUser).
pub(crate) fn revoke(conn: &Connection, id: i64) -> rusqlite::Result<usize> {
    let now = now_ms();
    conn.execute(
        "UPDATE KeyUser SET revokedAt = ?1, updatedAt = ?1 WHERE id = ?2",
        params![now, id],
    )
}

/// Renames the **first** KeyUser with that pubkey across all keys (§2.3.9).
pub(crate) fn rename_first(
    conn: &Connection,
    pubkey: &str,
    description: &str,
) -> rusqlite::Result<usize> {
    let now = now_ms();
    conn.execute(
        "UPDATE KeyUser SET description = ?1, updatedAt = ?2
         WHERE id = (SELECT id FROM KeyUser WHERE userPubkey = ?3 ORDER BY id LIMIT 1)",
        params![description, now, pubkey],
    )
}

pub(crate) fn add_condition(
    conn: &Connection,
    key_user_id: i64,
    method: &str,
    kind: Option<&str>,
    allowed: bool,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO SigningCondition (method, kind, allowed, keyUserId) VALUES (?1, ?2, ?3, ?4)",
        params![method, kind, allowed, key_user_id],
    )?;
    Ok(())
}

const COND_COLS: &str = "id, method, kind, content, keyUserKeyName, allowed, keyUserId";

fn condition(r: &Row<'_>) -> rusqlite::Result<ConditionRow> {
    Ok(ConditionRow {
        id: r.get(0)?,
        method: r.get(1)?,
        kind: r.get(2)?,
        content: r.get(3)?,
        key_user_key_name: r.get(4)?,
        allowed: r.get(5)?,
        key_user_id: r.get(6)?,
    })
}

pub(crate) fn conditions(
    conn: &Connection,
    key_user_id: i64,
) -> rusqlite::Result<Vec<ConditionRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COND_COLS} FROM SigningCondition WHERE keyUserId = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([key_user_id], condition)?;
    rows.collect()
}

/// 0.11 `grant_permission`: clears `revokedAt`, sets the description when one is given and
/// deletes **all** conditions (the caller copies the policy's rules afterwards).
pub(crate) fn regrant(
    conn: &Connection,
    id: i64,
    description: Option<&str>,
) -> rusqlite::Result<()> {
    let now = now_ms();
    conn.execute(
        "UPDATE KeyUser SET revokedAt = NULL, updatedAt = ?1, description = COALESCE(?2, description)
         WHERE id = ?3",
        params![now, description, id],
    )?;
    conn.execute("DELETE FROM SigningCondition WHERE keyUserId = ?1", [id])?;
    Ok(())
}
