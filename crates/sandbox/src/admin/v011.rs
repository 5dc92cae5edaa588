//! The admin methods 0.11 added (0.11 §2.3.12), with their observed texts and quirks:
//! `revoke_token` does not stop redemption, `grant_permission` clears `revokedAt` and replaces
//! the conditions, `rotate_key` copies revoked clients as active, `delete_key` and `rotate_key`
//! leave the old key's backend running.

use nostr::{FromBech32, Keys, PublicKey, ToBech32};
use serde::Serialize;
use serde_json::Value;

use super::{param, string_param, OK_LIST};
use crate::bunker::{HostedKey, Inner};
use crate::clock::{iso, now_ms};
use crate::js::{self, Thrown};
use crate::store::keys::{self as key_rows, KeyRow};
use crate::store::{policies, tokens, users};

/// The 0.11-only methods; `None` for any other method.
pub(super) async fn dispatch(
    inner: &Inner,
    method: &str,
    params: &[Value],
) -> Option<Result<String, Thrown>> {
    Some(match method {
        "get_key" => get_key(inner, params).await,
        "delete_key" => delete_key(inner, params).await,
        "rotate_key" => rotate_key(inner, params).await,
        "get_policy" => get_policy(inner, params).await,
        "delete_policy" => delete_policy(inner, params).await,
        "grant_permission" => grant_permission(inner, params).await,
        "revoke_permission" => revoke_permission(inner, params).await,
        "get_permissions" => get_permissions(inner, params).await,
        "get_token" => get_token(inner, params).await,
        "revoke_token" => revoke_token(inner, params).await,
        "validate_token" => validate_token(inner, params).await,
        _ => return None,
    })
}

fn json<T: Serialize>(value: &T) -> Result<String, Thrown> {
    serde_json::to_string(value).map_err(|e| Thrown::new(e.to_string()))
}

/// `parseInt(params[i])` of a numeric id named `what` (`policyId`, `tokenId`).
fn id_param(params: &[Value], i: usize, what: &str) -> Result<i64, Thrown> {
    match param(params, i) {
        None | Some(Value::Null) => Err(Thrown(format!("Invalid params: {what} required"))),
        v => js::parse_int(v)
            .ok_or_else(|| Thrown(format!("Invalid params: {what} must be a number"))),
    }
}

/// A client pubkey given as hex or npub, as hex.
fn user_hex(text: &str) -> Result<String, Thrown> {
    if text.starts_with("npub") {
        PublicKey::from_bech32(text)
            .map(|pk| pk.to_hex())
            .map_err(|_| Thrown::new("Invalid npub format"))
    } else {
        Ok(text.to_owned())
    }
}

#[derive(Serialize)]
struct KeyObject {
    name: String,
    npub: String,
    locked: bool,
    created_at: Option<String>,
    updated_at: Option<String>,
}

/// `get_key [keyName]`: timestamps only for keys with a `Key` row (V17, V48).
async fn get_key(inner: &Inner, params: &[Value]) -> Result<String, Thrown> {
    let name =
        string_param(params, 0).ok_or_else(|| Thrown::new("Invalid params: keyName required"))?;
    let not_found = Thrown(format!("Key '{name}' not found"));
    let (npub, locked) = {
        let ring = inner.ring();
        let Some(key) = ring.by_name(&name) else {
            return Err(not_found);
        };
        (
            key.keys.public_key().to_bech32().unwrap_or_default(),
            !ring.is_unlocked(&name),
        )
    };
    let lookup = name.clone();
    let record = inner
        .store
        .run(move |c| -> Result<_, Thrown> { Ok(key_rows::key_record(c, &lookup)?) })
        .await?;
    if record.is_some_and(|r| r.deleted_at.is_some()) {
        return Err(not_found);
    }
    json(&KeyObject {
        name,
        npub,
        locked,
        created_at: record.map(|r| iso(r.created_at)),
        updated_at: record.map(|r| iso(r.updated_at)),
    })
}

/// `delete_key [keyName]`: soft-deletes the `Key` row and the key's tokens; the backend keeps
/// answering (V49, V50).
async fn delete_key(inner: &Inner, params: &[Value]) -> Result<String, Thrown> {
    let name =
        string_param(params, 0).ok_or_else(|| Thrown::new("Invalid params: keyName required"))?;
    inner
        .store
        .run(move |c| -> Result<(), Thrown> {
            match key_rows::key_record(c, &name)? {
                None => Err(Thrown(format!("Key '{name}' not found"))),
                Some(r) if r.deleted_at.is_some() => {
                    Err(Thrown(format!("Key '{name}' is already deleted")))
                }
                Some(_) => {
                    key_rows::soft_delete_key_record(c, &name)?;
                    tokens::soft_delete_for_key(c, &name)?;
                    Ok(())
                }
            }
        })
        .await?;
    Ok(OK_LIST.to_owned())
}

#[derive(Serialize)]
struct Rotated {
    npub: String,
    name: String,
}

/// `rotate_key [old, new, passphrase]` (V51, V52, V74).
async fn rotate_key(inner: &Inner, params: &[Value]) -> Result<String, Thrown> {
    let (Some(old), Some(new), Some(passphrase)) = (
        string_param(params, 0),
        string_param(params, 1),
        string_param(params, 2),
    ) else {
        return Err(Thrown::new(
            "Invalid params: oldKeyName, newKeyName, and passphrase required",
        ));
    };
    let new_is_hosted = inner.ring().by_name(&new).is_some();
    let keys = Keys::generate();
    let row = KeyRow {
        name: new.clone(),
        secret_hex: keys.secret_key().to_secret_hex(),
        locked: true,
        passphrase: Some(passphrase.clone()),
    };
    let pubkey_hex = keys.public_key().to_hex();
    let (old_name, new_name) = (old.clone(), new.clone());
    inner
        .store
        .run(move |c| -> Result<(), Thrown> {
            match key_rows::key_record(c, &old_name)? {
                None => return Err(Thrown(format!("Key '{old_name}' not found"))),
                Some(r) if r.deleted_at.is_some() => {
                    return Err(Thrown(format!("Key '{old_name}' is already deleted")))
                }
                Some(_) => {}
            }
            if new_is_hosted || key_rows::key_record(c, &new_name)?.is_some() {
                return Err(Thrown(format!("Key '{new_name}' already exists")));
            }
            let tx = c.unchecked_transaction()?;
            key_rows::upsert_key(&tx, &row, &pubkey_hex)?;
            key_rows::upsert_key_record(&tx, &new_name)?;
            // Every KeyUser with its conditions; `revokedAt` is not copied (0.11 §2.3.12).
            for user in users::key_users(&tx, &old_name)? {
                let id = users::upsert_key_user(
                    &tx,
                    &new_name,
                    &user.user_pubkey,
                    user.description.as_deref(),
                )?;
                for cond in users::conditions(&tx, user.id)? {
                    if let Some(method) = cond.method.as_deref() {
                        users::add_condition(
                            &tx,
                            id,
                            method,
                            cond.kind.as_deref(),
                            cond.allowed.unwrap_or(false),
                        )?;
                    }
                }
            }
            key_rows::soft_delete_key_record(&tx, &old_name)?;
            tokens::soft_delete_for_key(&tx, &old_name)?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    let npub = keys
        .public_key()
        .to_bech32()
        .map_err(|e| Thrown(e.to_string()))?;
    {
        let mut ring = inner.ring_mut();
        ring.hosted.push(HostedKey {
            name: new.clone(),
            keys,
            passphrase,
        });
        ring.started.push(new.clone());
    }
    inner.listen_to_keys().await;
    json(&Rotated { npub, name: new })
}

#[derive(Serialize)]
struct RuleObject {
    id: i64,
    method: String,
    kind: Option<String>,
    max_usage_count: Option<i64>,
    current_usage_count: Option<i64>,
}

#[derive(Serialize)]
struct PolicyObject {
    id: i64,
    name: String,
    description: Option<String>,
    created_at: String,
    updated_at: String,
    expires_at: Option<String>,
    rules: Vec<RuleObject>,
}

/// `get_policy [policyId]`: like a `get_policies` item plus `rules[].id` (V21–V23).
async fn get_policy(inner: &Inner, params: &[Value]) -> Result<String, Thrown> {
    let id = id_param(params, 0, "policyId")?;
    let policy = inner
        .store
        .run(move |c| -> Result<PolicyObject, Thrown> {
            let p = policies::policy(c, id)?
                .ok_or_else(|| Thrown(format!("Policy with id '{id}' not found")))?;
            if p.deleted_at.is_some() {
                return Err(Thrown(format!("Policy with id '{id}' has been deleted")));
            }
            let rules = policies::rules(c, id)?
                .into_iter()
                .map(|r| RuleObject {
                    id: r.id,
                    method: r.method,
                    kind: r.kind,
                    max_usage_count: r.max_usage_count,
                    current_usage_count: r.current_usage_count,
                })
                .collect();
            Ok(PolicyObject {
                id: p.id,
                name: p.name,
                description: p.description,
                created_at: iso(p.created_at),
                updated_at: iso(p.updated_at),
                expires_at: p.expires_at.map(iso),
                rules,
            })
        })
        .await?;
    json(&policy)
}

/// `delete_policy [policyId]`: a soft delete that only `get_policy`, `delete_policy` and
/// `grant_permission` read (V23, V24).
async fn delete_policy(inner: &Inner, params: &[Value]) -> Result<String, Thrown> {
    let id = id_param(params, 0, "policyId")?;
    inner
        .store
        .run(move |c| -> Result<(), Thrown> {
            let p = policies::policy(c, id)?
                .ok_or_else(|| Thrown(format!("Policy with id '{id}' not found")))?;
            if p.deleted_at.is_some() {
                return Err(Thrown(format!("Policy with id '{id}' is already deleted")));
            }
            Ok(policies::soft_delete(c, id)?)
        })
        .await?;
    Ok(OK_LIST.to_owned())
}

#[derive(Serialize)]
struct Granted {
    id: i64,
    key_name: String,
    user_pubkey: String,
    created_at: String,
    description: Option<String>,
}

/// `grant_permission [keyName, userPubkey, policyId, description?]` (V41–V44): upserts the
/// KeyUser, clears `revokedAt`, replaces **all** its conditions with the policy's rules (no
/// `connect` unless the policy has one).
async fn grant_permission(inner: &Inner, params: &[Value]) -> Result<String, Thrown> {
    let missing = || Thrown::new("Invalid params: keyName, userPubkey, and policyId required");
    let (Some(key_name), Some(user)) = (string_param(params, 0), string_param(params, 1)) else {
        return Err(missing());
    };
    if !js::truthy(param(params, 2)) {
        return Err(missing());
    }
    let policy_id = id_param(params, 2, "policyId")?;
    let user = user_hex(&user)?;
    let description = string_param(params, 3);
    let granted = inner
        .store
        .run(move |c| -> Result<Granted, Thrown> {
            let p = policies::policy(c, policy_id)?
                .ok_or_else(|| Thrown(format!("Policy with id '{policy_id}' not found")))?;
            if p.deleted_at.is_some() {
                return Err(Thrown(format!(
                    "Policy with id '{policy_id}' has been deleted"
                )));
            }
            let tx = c.unchecked_transaction()?;
            let id = users::upsert_key_user(&tx, &key_name, &user, description.as_deref())?;
            users::regrant(&tx, id, description.as_deref())?;
            for rule in policies::rules(&tx, policy_id)? {
                users::add_condition(&tx, id, &rule.method, rule.kind.as_deref(), true)?;
            }
            tx.commit()?;
            let row =
                users::key_user_by_id(c, id)?.ok_or_else(|| Thrown::new("Key user not found"))?;
            Ok(Granted {
                id,
                key_name: row.key_name,
                user_pubkey: row.user_pubkey,
                created_at: iso(row.created_at),
                description: row.description,
            })
        })
        .await?;
    json(&granted)
}

/// `[keyName, userPubkey]` of `revoke_permission` / `get_permissions`, as (key, hex).
fn key_and_user(params: &[Value]) -> Result<(String, String), Thrown> {
    let (Some(key_name), Some(user)) = (string_param(params, 0), string_param(params, 1)) else {
        return Err(Thrown::new(
            "Invalid params: keyName and userPubkey required",
        ));
    };
    Ok((key_name, user_hex(&user)?))
}

/// `revoke_permission [keyName, userPubkey]`: `revoke_user` by pubkey (V40).
async fn revoke_permission(inner: &Inner, params: &[Value]) -> Result<String, Thrown> {
    let (key_name, user) = key_and_user(params)?;
    inner
        .store
        .run(move |c| -> Result<(), Thrown> {
            let row = users::key_user(c, &key_name, &user)?.ok_or_else(|| {
                Thrown(format!("Permission not found for user on key '{key_name}'"))
            })?;
            if row.revoked_at.is_some() {
                return Err(Thrown::new("Permission already revoked"));
            }
            users::revoke(c, row.id)?;
            Ok(())
        })
        .await?;
    Ok(OK_LIST.to_owned())
}

#[derive(Serialize)]
struct PermissionCondition {
    id: i64,
    method: Option<String>,
    kind: Option<String>,
    content: Option<String>,
    allowed: Option<bool>,
}

#[derive(Serialize)]
struct Permission {
    id: i64,
    key_name: String,
    user_pubkey: String,
    active: bool,
    created_at: String,
    updated_at: String,
    revoked_at: Option<String>,
    last_used_at: Option<String>,
    description: Option<String>,
    signing_conditions: Vec<PermissionCondition>,
}

/// `get_permissions [keyName, userPubkey]` (V38, V39): snake_case with explicit `null`s.
async fn get_permissions(inner: &Inner, params: &[Value]) -> Result<String, Thrown> {
    let (key_name, user) = key_and_user(params)?;
    let permission = inner
        .store
        .run(move |c| -> Result<Permission, Thrown> {
            let row = users::key_user(c, &key_name, &user)?.ok_or_else(|| {
                Thrown(format!("Permission not found for user on key '{key_name}'"))
            })?;
            let signing_conditions = users::conditions(c, row.id)?
                .into_iter()
                .map(|s| PermissionCondition {
                    id: s.id,
                    method: s.method,
                    kind: s.kind,
                    content: s.content,
                    allowed: s.allowed,
                })
                .collect();
            Ok(Permission {
                id: row.id,
                key_name: row.key_name,
                user_pubkey: row.user_pubkey,
                active: row.revoked_at.is_none(),
                created_at: iso(row.created_at),
                updated_at: iso(row.updated_at),
                revoked_at: row.revoked_at.map(iso),
                last_used_at: row.last_used_at.map(iso),
                description: row.description,
                signing_conditions,
            })
        })
        .await?;
    json(&permission)
}

#[derive(Serialize)]
struct TokenObject {
    id: i64,
    key_name: String,
    token: String,
    client_name: String,
    created_by: String,
    policy_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy_name: Option<String>,
    created_at: String,
    updated_at: String,
    expires_at: Option<String>,
    deleted_at: Option<String>,
    redeemed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redeemed_by: Option<String>,
    revoked: bool,
}

/// `get_token [tokenId]` (V27, V29): bare hex `token` for a key that is not loaded.
async fn get_token(inner: &Inner, params: &[Value]) -> Result<String, Thrown> {
    let id = id_param(params, 0, "tokenId")?;
    let row = inner
        .store
        .run(move |c| -> Result<_, Thrown> {
            let t = tokens::by_id(c, id)?
                .ok_or_else(|| Thrown(format!("Token with id '{id}' not found")))?;
            let (policy_name, redeemed_by) = tokens::listing_names(c, &t)?;
            Ok((t, policy_name, redeemed_by))
        })
        .await?;
    let (t, policy_name, redeemed_by) = row;
    let npub = {
        let ring = inner.ring();
        ring.by_name(&t.key_name)
            .filter(|k| ring.is_unlocked(&k.name))
            .and_then(|k| k.keys.public_key().to_bech32().ok())
    };
    json(&TokenObject {
        id: t.id,
        token: match npub {
            Some(npub) => format!("{npub}#{}", t.token),
            None => t.token.clone(),
        },
        key_name: t.key_name,
        client_name: t.client_name,
        created_by: t.created_by,
        policy_id: t.policy_id,
        policy_name,
        created_at: iso(t.created_at),
        updated_at: iso(t.updated_at),
        expires_at: t.expires_at.map(iso),
        deleted_at: t.deleted_at.map(iso),
        redeemed_at: t.redeemed_at.map(iso),
        redeemed_by,
        revoked: t.deleted_at.is_some(),
    })
}

/// `revoke_token [tokenId]`: sets `deletedAt`, which redemption never reads (V33–V35).
async fn revoke_token(inner: &Inner, params: &[Value]) -> Result<String, Thrown> {
    let id = id_param(params, 0, "tokenId")?;
    inner
        .store
        .run(move |c| -> Result<(), Thrown> {
            let t = tokens::by_id(c, id)?
                .ok_or_else(|| Thrown(format!("Token with id '{id}' not found")))?;
            if t.deleted_at.is_some() {
                return Err(Thrown(format!("Token with id '{id}' is already revoked")));
            }
            Ok(tokens::soft_delete(c, id)?)
        })
        .await?;
    Ok(OK_LIST.to_owned())
}

#[derive(Serialize)]
#[serde(untagged)]
enum Validity {
    Valid {
        valid: bool,
        key_name: String,
        client_name: String,
        expires_at: Option<String>,
        redeemed: bool,
    },
    Invalid {
        valid: bool,
        reason: &'static str,
    },
}

/// `validate_token [token]` (`npub…#hex` or hex): advisory only; revoked is checked before
/// expiry, redemption is not a reason (V30–V33, V69).
async fn validate_token(inner: &Inner, params: &[Value]) -> Result<String, Thrown> {
    let text =
        string_param(params, 0).ok_or_else(|| Thrown::new("Invalid params: token required"))?;
    let secret = match text.split_once('#') {
        Some((_, hex)) => hex.to_owned(),
        None => text,
    };
    let validity = inner
        .store
        .run(move |c| -> Result<Validity, Thrown> {
            let invalid = |reason| Validity::Invalid {
                valid: false,
                reason,
            };
            let Some(t) = tokens::by_secret(c, &secret)? else {
                return Ok(invalid("Token not found"));
            };
            if t.deleted_at.is_some() {
                return Ok(invalid("Token has been revoked"));
            }
            if t.expires_at.is_some_and(|e| e < now_ms()) {
                return Ok(invalid("Token has expired"));
            }
            Ok(Validity::Valid {
                valid: true,
                key_name: t.key_name,
                client_name: t.client_name,
                expires_at: t.expires_at.map(iso),
                redeemed: t.redeemed_at.is_some(),
            })
        })
        .await?;
    json(&validity)
}
