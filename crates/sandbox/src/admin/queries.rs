//! Read-only admin methods and their exact JSON shapes (§2.3.2–§2.3.5): keys in the real
//! daemon's order, falsy optional fields omitted, dates as ISO strings with milliseconds.

use nostr::ToBech32;
use serde::Serialize;
use serde_json::Value;

use super::string_param;
use crate::bunker::Inner;
use crate::clock::{iso, now_ms};
use crate::js::Thrown;
use crate::store::keys as key_rows;
use crate::store::{policies, tokens, users};

fn json<T: Serialize>(value: &T) -> Result<String, Thrown> {
    serde_json::to_string(value).map_err(|e| Thrown::new(e.to_string()))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KeyItem {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    npub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_count: Option<i64>,
}

/// §2.3.2: unlocked keys in start order with counts (all users, all tokens), then locked keys
/// as `{"name"}`.
pub(super) async fn get_keys(inner: &Inner) -> Result<String, Thrown> {
    let (unlocked, locked): (Vec<(String, String)>, Vec<String>) = {
        let ring = inner.ring();
        let unlocked = ring
            .started
            .iter()
            .filter_map(|n| ring.by_name(n))
            .map(|k| {
                (
                    k.name.clone(),
                    k.keys.public_key().to_bech32().unwrap_or_default(),
                )
            })
            .collect();
        let locked = ring
            .hosted
            .iter()
            .filter(|k| !ring.is_unlocked(&k.name))
            .map(|k| k.name.clone())
            .collect();
        (unlocked, locked)
    };
    let v011 = inner.v011();
    let items = inner
        .store
        .run(move |c| -> Result<Vec<KeyItem>, Thrown> {
            // 0.11 §2.3.2: keys soft-deleted by `delete_key`/`rotate_key` are left out.
            let deleted = if v011 {
                key_rows::deleted_key_names(c)?
            } else {
                Vec::new()
            };
            let unlocked = unlocked.into_iter().filter(|(n, _)| !deleted.contains(n));
            let locked: Vec<String> = locked
                .into_iter()
                .filter(|n| !deleted.contains(n))
                .collect();
            let mut items = Vec::new();
            for (name, npub) in unlocked {
                let user_count = users::count_users(c, &name)?;
                let token_count = tokens::count(c, &name)?;
                items.push(KeyItem {
                    name,
                    npub: Some(npub),
                    user_count: Some(user_count),
                    token_count: Some(token_count),
                });
            }
            items.extend(locked.into_iter().map(|name| KeyItem {
                name,
                npub: None,
                user_count: None,
                token_count: None,
            }));
            Ok(items)
        })
        .await?;
    json(&items)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConditionItem {
    id: i64,
    method: Option<String>,
    kind: Option<String>,
    content: Option<String>,
    key_user_key_name: Option<String>,
    allowed: Option<bool>,
    key_user_id: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KeyUserItem {
    id: i64,
    /// The KEY name, not the client's (§2.3.3).
    name: String,
    pubkey: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_used_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revoked_at: Option<String>,
    /// 0.11 only (0.11 §2.3.3): `revokedAt` unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    active: Option<bool>,
    signing_conditions: Vec<ConditionItem>,
}

/// §2.3.3; `[]` for an unknown key.
pub(super) async fn get_key_users(inner: &Inner, params: &[Value]) -> Result<String, Thrown> {
    let key_name = string_param(params, 0).unwrap_or_default();
    let v011 = inner.v011();
    let items = inner
        .store
        .run(move |c| -> Result<Vec<KeyUserItem>, Thrown> {
            let mut items = Vec::new();
            for u in users::key_users(c, &key_name)? {
                let signing_conditions = users::conditions(c, u.id)?
                    .into_iter()
                    .map(|s| ConditionItem {
                        id: s.id,
                        method: s.method,
                        kind: s.kind,
                        content: s.content,
                        key_user_key_name: s.key_user_key_name,
                        allowed: s.allowed,
                        key_user_id: s.key_user_id,
                    })
                    .collect();
                items.push(KeyUserItem {
                    id: u.id,
                    name: u.key_name,
                    pubkey: u.user_pubkey,
                    description: u.description.filter(|d| !d.is_empty()),
                    created_at: iso(u.created_at),
                    last_used_at: u.last_used_at.map(iso),
                    revoked_at: u.revoked_at.map(iso),
                    active: v011.then_some(u.revoked_at.is_none()),
                    signing_conditions,
                });
            }
            Ok(items)
        })
        .await?;
    json(&items)
}

#[derive(Serialize)]
struct TokenItem {
    id: i64,
    key_name: String,
    /// 0.11 only (0.11 §2.3.4).
    #[serde(skip_serializing_if = "Option::is_none")]
    key_npub: Option<String>,
    client_name: String,
    token: String,
    policy_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy_name: Option<String>,
    created_at: String,
    updated_at: String,
    expires_at: Option<String>,
    redeemed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redeemed_by: Option<String>,
    time_until_expiration: Option<f64>,
    /// 0.11 only: `Token.deletedAt` set (0.11 §2.3.4).
    #[serde(skip_serializing_if = "Option::is_none")]
    revoked: Option<bool>,
}

/// §2.3.4: `[]` for an unknown **or locked** key; otherwise every token of the key.
pub(super) async fn get_key_tokens(inner: &Inner, params: &[Value]) -> Result<String, Thrown> {
    let key_name = string_param(params, 0).unwrap_or_default();
    let npub = {
        let ring = inner.ring();
        match ring.by_name(&key_name) {
            Some(k) if ring.is_unlocked(&k.name) => {
                k.keys.public_key().to_bech32().unwrap_or_default()
            }
            _ => return Ok("[]".to_owned()),
        }
    };
    let v011 = inner.v011();
    let items = inner
        .store
        .run(move |c| -> Result<Vec<TokenItem>, Thrown> {
            // 0.11: `[]` for a soft-deleted key too.
            if v011 && key_rows::key_record(c, &key_name)?.is_some_and(|k| k.deleted_at.is_some()) {
                return Ok(Vec::new());
            }
            let now = now_ms();
            let mut items = Vec::new();
            for t in tokens::tokens(c, &key_name)? {
                let (policy_name, redeemed_by) = tokens::listing_names(c, &t)?;
                items.push(TokenItem {
                    id: t.id,
                    key_name: t.key_name,
                    key_npub: v011.then(|| npub.clone()),
                    client_name: t.client_name,
                    token: format!("{npub}#{}", t.token),
                    policy_id: t.policy_id,
                    policy_name,
                    created_at: iso(t.created_at),
                    updated_at: iso(t.updated_at),
                    expires_at: t.expires_at.map(iso),
                    redeemed_at: t.redeemed_at.map(iso),
                    redeemed_by,
                    // Precision loss only beyond 2^53 ms, far outside any real date.
                    #[allow(clippy::cast_precision_loss)]
                    time_until_expiration: t.expires_at.map(|e| (e - now) as f64 / 1000.0),
                    revoked: v011.then_some(t.deleted_at.is_some()),
                });
            }
            Ok(items)
        })
        .await?;
    json(&items)
}

#[derive(Serialize)]
struct RuleItem {
    method: String,
    kind: Option<String>,
    max_usage_count: Option<i64>,
    current_usage_count: Option<i64>,
}

#[derive(Serialize)]
struct PolicyItem {
    id: i64,
    name: String,
    description: Option<String>,
    created_at: String,
    updated_at: String,
    expires_at: Option<String>,
    rules: Vec<RuleItem>,
}

/// §2.3.5: every policy (no `deletedAt` filter), `description` always `null`.
pub(super) async fn get_policies(inner: &Inner) -> Result<String, Thrown> {
    let items = inner
        .store
        .run(move |c| -> Result<Vec<PolicyItem>, Thrown> {
            let mut items = Vec::new();
            for p in policies::policies(c)? {
                let rules = policies::rules(c, p.id)?
                    .into_iter()
                    .map(|r| RuleItem {
                        method: r.method,
                        kind: r.kind,
                        max_usage_count: r.max_usage_count,
                        current_usage_count: r.current_usage_count,
                    })
                    .collect();
                items.push(PolicyItem {
                    id: p.id,
                    name: p.name,
                    description: p.description,
                    created_at: iso(p.created_at),
                    updated_at: iso(p.updated_at),
                    expires_at: p.expires_at.map(iso),
                    rules,
                });
            }
            Ok(items)
        })
        .await?;
    json(&items)
}
