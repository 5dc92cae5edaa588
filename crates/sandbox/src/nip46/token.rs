//! `Backend.applyToken` (§3.2): token → KeyUser + SigningConditions, single use.

use rusqlite::Connection;

use crate::clock::now_ms;
use crate::js::Thrown;
use crate::store::{policies, tokens, users};

/// Redeems `secret` for `client_hex`. The token's own `keyName` decides which key the
/// permissions apply to (N22). Errors carry the real daemon's exact messages.
pub(super) fn apply(conn: &Connection, client_hex: &str, secret: &str) -> Result<(), Thrown> {
    let token = tokens::by_secret(conn, secret)?.ok_or_else(|| Thrown::new("Token not found"))?;
    if token.redeemed_at.is_some() {
        return Err(Thrown::new("Token already redeemed"));
    }
    let policy = match token.policy_id {
        Some(id) => policies::policy(conn, id)?,
        None => None,
    }
    .ok_or_else(|| Thrown::new("Policy not found"))?;
    if token.expires_at.is_some_and(|e| e < now_ms()) {
        return Err(Thrown::new("Token expired"));
    }
    let tx = conn.unchecked_transaction()?;
    // Upsert with `update: {}`: an existing (even revoked) KeyUser stays as it is (N17).
    let user = users::upsert_key_user(&tx, &token.key_name, client_hex, Some(&token.client_name))?;
    users::add_condition(&tx, user, "connect", None, true)?;
    for rule in policies::rules(&tx, policy.id)? {
        let kind = rule.kind.as_deref().filter(|k| !k.is_empty());
        users::add_condition(&tx, user, &rule.method, kind, true)?;
    }
    tokens::mark_redeemed(&tx, token.id, user)?;
    tx.commit()?;
    Ok(())
}
