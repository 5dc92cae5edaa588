//! `Policy` and `PolicyRule` (§3.1).

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::clock::now_ms;

#[derive(Debug, Clone)]
pub(crate) struct PolicyRow {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub expires_at: Option<i64>,
    pub description: Option<String>,
    pub deleted_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub(crate) struct RuleRow {
    pub id: i64,
    pub method: String,
    pub kind: Option<String>,
    pub max_usage_count: Option<i64>,
    pub current_usage_count: Option<i64>,
}

fn policy_row(r: &Row<'_>) -> rusqlite::Result<PolicyRow> {
    Ok(PolicyRow {
        id: r.get(0)?,
        name: r.get(1)?,
        created_at: r.get(2)?,
        updated_at: r.get(3)?,
        expires_at: r.get(4)?,
        description: r.get(5)?,
        deleted_at: r.get(6)?,
    })
}

const POLICY_COLS: &str = "id, name, createdAt, updatedAt, expiresAt, description, deletedAt";

pub(crate) fn create_policy(
    conn: &Connection,
    name: &str,
    expires_at: Option<i64>,
) -> rusqlite::Result<i64> {
    let now = now_ms();
    conn.execute(
        "INSERT INTO Policy (name, createdAt, updatedAt, expiresAt) VALUES (?1, ?2, ?2, ?3)",
        params![name, now, expires_at],
    )?;
    Ok(conn.last_insert_rowid())
}

pub(crate) fn add_rule(
    conn: &Connection,
    policy_id: i64,
    method: &str,
    kind: Option<&str>,
    max_usage_count: Option<i64>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO PolicyRule (method, kind, maxUsageCount, currentUsageCount, policyId)
         VALUES (?1, ?2, ?3, 0, ?4)",
        params![method, kind, max_usage_count, policy_id],
    )?;
    Ok(())
}

pub(crate) fn policies(conn: &Connection) -> rusqlite::Result<Vec<PolicyRow>> {
    let mut stmt = conn.prepare(&format!("SELECT {POLICY_COLS} FROM Policy ORDER BY id"))?;
    let rows = stmt.query_map([], policy_row)?;
    rows.collect()
}

pub(crate) fn policy(conn: &Connection, id: i64) -> rusqlite::Result<Option<PolicyRow>> {
    conn.query_row(
        &format!("SELECT {POLICY_COLS} FROM Policy WHERE id = ?1"),
        [id],
        policy_row,
    )
    .optional()
}

pub(crate) fn rules(conn: &Connection, policy_id: i64) -> rusqlite::Result<Vec<RuleRow>> {
    let mut stmt = conn.prepare(
        "SELECT id, method, kind, maxUsageCount, currentUsageCount FROM PolicyRule WHERE policyId = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([policy_id], |r| {
        Ok(RuleRow {
            id: r.get(0)?,
            method: r.get(1)?,
            kind: r.get(2)?,
            max_usage_count: r.get(3)?,
            current_usage_count: r.get(4)?,
        })
    })?;
    rows.collect()
}

/// Sets `deletedAt` (0.11 `delete_policy`: a soft delete nothing else reads).
pub(crate) fn soft_delete(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    let now = now_ms();
    conn.execute(
        "UPDATE Policy SET deletedAt = ?1, updatedAt = ?1 WHERE id = ?2",
        params![now, id],
    )?;
    Ok(())
}
