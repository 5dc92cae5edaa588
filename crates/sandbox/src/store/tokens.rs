//! `Token` (§3.1): one-shot connection secrets.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::clock::now_ms;

#[derive(Debug, Clone)]
pub(crate) struct TokenRow {
    pub id: i64,
    pub key_name: String,
    pub token: String,
    pub client_name: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub expires_at: Option<i64>,
    pub redeemed_at: Option<i64>,
    pub key_user_id: Option<i64>,
    pub policy_id: Option<i64>,
    /// 0.11: set by `revoke_token`, `delete_key`, `rotate_key`; never read by redemption.
    pub deleted_at: Option<i64>,
}

/// A token to insert.
pub(crate) struct NewToken<'a> {
    pub key_name: &'a str,
    pub token: &'a str,
    pub client_name: &'a str,
    pub created_by: &'a str,
    pub expires_at: Option<i64>,
    pub policy_id: i64,
}

const COLS: &str = "id, keyName, token, clientName, createdAt, updatedAt, expiresAt, redeemedAt, \
     keyUserId, policyId, createdBy, deletedAt";

fn token_row(r: &Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        id: r.get(0)?,
        key_name: r.get(1)?,
        token: r.get(2)?,
        client_name: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
        expires_at: r.get(6)?,
        redeemed_at: r.get(7)?,
        key_user_id: r.get(8)?,
        policy_id: r.get(9)?,
        created_by: r.get(10)?,
        deleted_at: r.get(11)?,
    })
}

pub(crate) fn create(conn: &Connection, t: &NewToken<'_>) -> rusqlite::Result<()> {
    let now = now_ms();
    conn.execute(
        "INSERT INTO Token (keyName, token, clientName, createdBy, createdAt, updatedAt, expiresAt, policyId)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7)",
        params![t.key_name, t.token, t.client_name, t.created_by, now, t.expires_at, t.policy_id],
    )?;
    Ok(())
}

pub(crate) fn tokens(conn: &Connection, key_name: &str) -> rusqlite::Result<Vec<TokenRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLS} FROM Token WHERE keyName = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([key_name], token_row)?;
    rows.collect()
}

pub(crate) fn by_secret(conn: &Connection, token: &str) -> rusqlite::Result<Option<TokenRow>> {
    conn.query_row(
        &format!("SELECT {COLS} FROM Token WHERE token = ?1"),
        [token],
        token_row,
    )
    .optional()
}

pub(crate) fn count(conn: &Connection, key_name: &str) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COUNT(*) FROM Token WHERE keyName = ?1",
        [key_name],
        |r| r.get(0),
    )
}

pub(crate) fn mark_redeemed(conn: &Connection, id: i64, key_user_id: i64) -> rusqlite::Result<()> {
    let now = now_ms();
    conn.execute(
        "UPDATE Token SET redeemedAt = ?1, updatedAt = ?1, keyUserId = ?2 WHERE id = ?3",
        params![now, key_user_id, id],
    )?;
    Ok(())
}

pub(crate) fn by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<TokenRow>> {
    conn.query_row(
        &format!("SELECT {COLS} FROM Token WHERE id = ?1"),
        [id],
        token_row,
    )
    .optional()
}

/// Sets `deletedAt` (0.11 `revoke_token`).
pub(crate) fn soft_delete(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    let now = now_ms();
    conn.execute(
        "UPDATE Token SET deletedAt = ?1, updatedAt = ?1 WHERE id = ?2",
        params![now, id],
    )?;
    Ok(())
}

/// Sets `deletedAt` on every live token of a key (0.11 `delete_key`, `rotate_key`).
pub(crate) fn soft_delete_for_key(conn: &Connection, key_name: &str) -> rusqlite::Result<()> {
    let now = now_ms();
    conn.execute(
        "UPDATE Token SET deletedAt = ?1, updatedAt = ?1 WHERE keyName = ?2 AND deletedAt IS NULL",
        params![now, key_name],
    )?;
    Ok(())
}

/// Moves `expiresAt` (test hook for V69: "expires_at moved into the past").
pub(crate) fn set_expiry(
    conn: &Connection,
    id: i64,
    expires_at: Option<i64>,
) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE Token SET expiresAt = ?1 WHERE id = ?2",
        params![expires_at, id],
    )
}

/// What the token listings show beside a token (§2.3.4, 0.11 `get_token`): its policy's name
/// (absent when empty or gone) and, once redeemed, the description of the client that redeemed it.
pub(crate) fn listing_names(
    conn: &Connection,
    t: &TokenRow,
) -> rusqlite::Result<(Option<String>, Option<String>)> {
    let policy_name = match t.policy_id {
        Some(id) => super::policies::policy(conn, id)?
            .map(|p| p.name)
            .filter(|n| !n.is_empty()),
        None => None,
    };
    let redeemed_by = match (t.redeemed_at, t.key_user_id) {
        (Some(_), Some(ku)) => super::users::key_user_by_id(conn, ku)?
            .and_then(|u| u.description)
            .filter(|d| !d.is_empty()),
        _ => None,
    };
    Ok((policy_name, redeemed_by))
}
