//! Settings (admin key), admin npubs and hosted keys.

use rusqlite::{params, Connection, OptionalExtension};

use crate::clock::now_ms;

/// A hosted key as persisted.
#[derive(Clone)]
pub(crate) struct KeyRow {
    pub name: String,
    pub secret_hex: String,
    pub locked: bool,
    pub passphrase: Option<String>,
}

pub(crate) fn setting(conn: &Connection, name: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM Setting WHERE name = ?1", [name], |r| {
        r.get(0)
    })
    .optional()
}

pub(crate) fn set_setting(conn: &Connection, name: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO Setting (name, value) VALUES (?1, ?2)
         ON CONFLICT(name) DO UPDATE SET value = excluded.value",
        [name, value],
    )?;
    Ok(())
}

pub(crate) fn admins(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT pubkey FROM Admin ORDER BY rowid")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

pub(crate) fn add_admin(conn: &Connection, pubkey_hex: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO Admin (pubkey) VALUES (?1)",
        [pubkey_hex],
    )?;
    Ok(())
}

/// Inserts or replaces a key by name; its position (id) stays the same on update.
pub(crate) fn upsert_key(
    conn: &Connection,
    key: &KeyRow,
    pubkey_hex: &str,
) -> rusqlite::Result<()> {
    let now = now_ms();
    conn.execute(
        "INSERT INTO Key (keyName, createdAt, updatedAt, pubkey, secret, locked, passphrase)
         VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(keyName) DO UPDATE SET updatedAt = excluded.updatedAt, pubkey = excluded.pubkey,
           secret = excluded.secret, locked = excluded.locked, passphrase = excluded.passphrase",
        params![key.name, now, pubkey_hex, key.secret_hex, key.locked, key.passphrase],
    )?;
    Ok(())
}

/// All keys in creation order.
pub(crate) fn keys(conn: &Connection) -> rusqlite::Result<Vec<KeyRow>> {
    let mut stmt = conn.prepare(
        "SELECT keyName, secret, locked, passphrase FROM Key WHERE deletedAt IS NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(KeyRow {
            name: r.get(0)?,
            secret_hex: r.get(1)?,
            locked: r.get(2)?,
            passphrase: r.get(3)?,
        })
    })?;
    rows.collect()
}

/// 0.11's `Key` row of a key made by `create_new_key`/`rotate_key` (0.11 §2.3.12).
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyRecord {
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: Option<i64>,
}

pub(crate) fn key_record(conn: &Connection, name: &str) -> rusqlite::Result<Option<KeyRecord>> {
    conn.query_row(
        "SELECT createdAt, updatedAt, deletedAt FROM KeyRecord WHERE keyName = ?1",
        [name],
        |r| {
            Ok(KeyRecord {
                created_at: r.get(0)?,
                updated_at: r.get(1)?,
                deleted_at: r.get(2)?,
            })
        },
    )
    .optional()
}

/// Names of soft-deleted keys.
pub(crate) fn deleted_key_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT keyName FROM KeyRecord WHERE deletedAt IS NOT NULL")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// Prisma `upsert`: creates the row or bumps `updatedAt` and clears `deletedAt`.
pub(crate) fn upsert_key_record(conn: &Connection, name: &str) -> rusqlite::Result<()> {
    let now = now_ms();
    conn.execute(
        "INSERT INTO KeyRecord (keyName, createdAt, updatedAt) VALUES (?1, ?2, ?2)
         ON CONFLICT(keyName) DO UPDATE SET updatedAt = excluded.updatedAt, deletedAt = NULL",
        params![name, now],
    )?;
    Ok(())
}

/// Sets `deletedAt` on the key's row (the hosted key itself keeps running, 0.11 §2.3.12).
pub(crate) fn soft_delete_key_record(conn: &Connection, name: &str) -> rusqlite::Result<()> {
    let now = now_ms();
    conn.execute(
        "UPDATE KeyRecord SET deletedAt = ?1, updatedAt = ?1 WHERE keyName = ?2",
        params![now, name],
    )?;
    Ok(())
}
