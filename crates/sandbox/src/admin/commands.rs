//! Mutating admin methods (§2.3.6–§2.3.11), with the real daemon's error texts and half-applied
//! failures.

use nostr::{FromBech32, Keys, SecretKey, ToBech32};
use rand::RngCore;
use serde::Serialize;
use serde_json::Value;

use super::{param, string_param, INVALID_PARAMS, OK_LIST};
use crate::bunker::{HostedKey, Inner};
use crate::clock::{now_ms, parse_iso};
use crate::js::{self, Thrown};
use crate::store::keys::{self as key_rows, KeyRow};
use crate::store::{policies, tokens, users};

/// Where the real daemon's sources live inside its Docker image; Prisma quotes them.
const NBD_SRC: &str = "/app/src/daemon/admin/commands";

/// The JSON type name Prisma reports for a provided value.
fn prisma_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "Int",
        Value::Number(_) => "Float",
        Value::String(_) => "String",
        Value::Array(_) => "List",
        Value::Object(_) => "Object",
    }
}

/// A Prisma client validation error naming one argument.
fn prisma_invalid(
    call: &str,
    file: &str,
    arg: &str,
    expected: &str,
    provided: Option<&Value>,
) -> Thrown {
    let detail = match provided {
        None => format!("Argument `{arg}` is missing."),
        Some(v) => format!(
            "Argument `{arg}`: Invalid value provided. Expected {expected}, provided {}.",
            prisma_type(v)
        ),
    };
    Thrown(format!(
        "\nInvalid `prisma.{call}()` invocation in\n{NBD_SRC}/{file}\n\n{detail}"
    ))
}

/// §2.3.6: `[policyJson]` → `["ok"]`. Not atomic: the Policy row exists even when a rule fails
/// (A9, A10).
pub(super) async fn create_new_policy(inner: &Inner, params: &[Value]) -> Result<String, Thrown> {
    let Some(text) = string_param(params, 0) else {
        return Err(Thrown::new(INVALID_PARAMS));
    };
    if let Some(error) = js::json_parse_error(&text) {
        return Err(Thrown(error));
    }
    let policy: Value = serde_json::from_str(&text).map_err(|e| Thrown(e.to_string()))?;
    let file = "create_new_policy.ts:12:45";
    let name = match policy.get("name") {
        Some(Value::String(n)) => n.clone(),
        other => {
            return Err(prisma_invalid(
                "policy.create",
                file,
                "name",
                "String",
                other.filter(|v| !v.is_null()),
            ))
        }
    };
    let expires_at = match policy.get("expires_at") {
        v if !js::truthy(v) => None,
        Some(Value::String(s)) => match parse_iso(s) {
            Some(ms) => Some(ms),
            None => return Err(Thrown(format!("\nInvalid `prisma.policy.create()` invocation in\n{NBD_SRC}/{file}\n\nInvalid value for argument `expiresAt`: Provided Date object is invalid. Expected Date."))),
        },
        other => return Err(prisma_invalid("policy.create", file, "expiresAt", "DateTime or Null", other)),
    };
    let rules = policy.get("rules").cloned();
    let v011 = inner.v011();
    inner
        .store
        .run(move |c| -> Result<(), Thrown> {
            let id = policies::create_policy(c, &name, expires_at)?;
            let items: Vec<Value> = match rules {
                Some(Value::Array(items)) => items,
                // A string is iterable in JS: each character is a rule without a kind.
                Some(Value::String(s)) => {
                    s.chars().map(|ch| Value::String(ch.to_string())).collect()
                }
                _ => return Err(Thrown::new("policy.rules is not iterable")),
            };
            for rule in items {
                if rule.is_null() {
                    return Err(Thrown::new(
                        "Cannot read properties of null (reading 'kind')",
                    ));
                }
                let kind = match rule.get("kind") {
                    // 0.11 §2.3.6: a rule without a kind is stored with `kind: null`.
                    None | Some(Value::Null) if v011 => None,
                    None => {
                        return Err(Thrown::new(
                            "Cannot read properties of undefined (reading 'toString')",
                        ))
                    }
                    Some(Value::Null) => {
                        return Err(Thrown::new(
                            "Cannot read properties of null (reading 'toString')",
                        ))
                    }
                    Some(k) => Some(js::to_js_string(Some(k))),
                };
                let rule_file = "create_new_policy.ts:21:45";
                let method = match rule.get("method") {
                    Some(Value::String(m)) => m.clone(),
                    // 0.11 §2.3.6: `method` defaults to `sign_event`.
                    None | Some(Value::Null) if v011 => "sign_event".to_owned(),
                    other => {
                        let other = other.filter(|v| !v.is_null());
                        return Err(prisma_invalid(
                            "policyRule.create",
                            rule_file,
                            "method",
                            "String",
                            other,
                        ));
                    }
                };
                let max_usage = match rule.get("use_count") {
                    None | Some(Value::Null) => None,
                    Some(Value::Number(n)) if n.is_i64() => n.as_i64(),
                    other => {
                        return Err(prisma_invalid(
                            "policyRule.create",
                            rule_file,
                            "maxUsageCount",
                            "Int or Null",
                            other,
                        ))
                    }
                };
                policies::add_rule(c, id, &method, kind.as_deref(), max_usage)?;
            }
            Ok(())
        })
        .await?;
    Ok(OK_LIST.to_owned())
}

/// §2.3.7: `[keyName, clientName, policyId, durationInHours?]` → `["ok"]`; the token itself is
/// only visible through `get_key_tokens`.
pub(super) async fn create_new_token(
    inner: &Inner,
    params: &[Value],
    admin_hex: &str,
) -> Result<String, Thrown> {
    let (key_name, client_name, policy_id, duration) = (
        param(params, 0).cloned(),
        param(params, 1).cloned(),
        param(params, 2).cloned(),
        param(params, 3).cloned(),
    );
    if !js::truthy(client_name.as_ref()) || !js::truthy(policy_id.as_ref()) {
        return Err(Thrown::new(INVALID_PARAMS));
    }
    // A CSPRNG, unlike the real daemon's Math.random() (§1.8).
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let admin_hex = admin_hex.to_owned();
    let v011 = inner.v011();
    inner
        .store
        .run(move |c| -> Result<(), Thrown> {
            let file = "create_new_token.ts:17:45";
            let Some(lookup_id) = js::parse_int(policy_id.as_ref()) else {
                // 0.11 passes `parseInt(policyId)` = NaN, which Prisma reports as missing.
                let provided = if v011 { None } else { Some(&Value::Null) };
                return Err(prisma_invalid("policy.findUnique", file, "id", "Int", provided));
            };
            if policies::policy(c, lookup_id)?.is_none() {
                return Err(Thrown::new("Policy not found"));
            }
            let expires_at = if js::truthy(duration.as_ref()) {
                match js::parse_int(duration.as_ref()) {
                    Some(hours) => Some(now_ms().saturating_add(hours.saturating_mul(3_600_000))),
                    None => {
                        return Err(Thrown(format!(
                            "\nInvalid `prisma.token.create()` invocation in\n{NBD_SRC}/create_new_token.ts:28:24\n\nInvalid value for argument `expiresAt`: Provided Date object is invalid. Expected Date."
                        )))
                    }
                }
            } else {
                None
            };
            // `policyId` goes into prisma.token.create() raw: only a JSON integer passes (§0.3 #6).
            // 0.11 stores `parseInt(policyId)`, so `"2"` works (0.11 §2.3.7).
            let stored_policy = match &policy_id {
                _ if v011 => Some(lookup_id),
                Some(Value::Number(n)) if n.is_i64() => n.as_i64(),
                _ => None,
            };
            let (Some(Value::String(key_name)), Some(Value::String(client_name)), Some(policy)) =
                (&key_name, &client_name, stored_policy)
            else {
                // Appendix C: the real daemon leaks the whole invocation, including its file path
                // and the freshly generated token. Clients must filter this text.
                return Err(Thrown(token_create_leak(&key_name, &client_name, &policy_id, &admin_hex, &token)));
            };
            tokens::create(
                c,
                &tokens::NewToken {
                    key_name,
                    token: &token,
                    client_name,
                    created_by: &admin_hex,
                    expires_at,
                    policy_id: policy,
                },
            )?;
            Ok(())
        })
        .await?;
    Ok(OK_LIST.to_owned())
}

/// The text of a failed `prisma.token.create()`, in Prisma 5's shape.
fn token_create_leak(
    key_name: &Option<Value>,
    client_name: &Option<Value>,
    policy_id: &Option<Value>,
    admin_hex: &str,
    token: &str,
) -> String {
    let show = |v: &Option<Value>| {
        v.as_ref()
            .map_or_else(|| "undefined".to_owned(), Value::to_string)
    };
    let (arg, expected, provided) = match (key_name, client_name, policy_id) {
        (Some(Value::String(_)), Some(Value::String(_)), p) => ("policyId", "Int or Null", p),
        (Some(Value::String(_)), c, _) => ("clientName", "String", c),
        (k, _, _) => ("keyName", "String", k),
    };
    let detail = match provided {
        None => format!("Argument `{arg}` is missing."),
        Some(v) => format!(
            "Argument `{arg}`: Invalid value provided. Expected {expected}, provided {}.",
            prisma_type(v)
        ),
    };
    format!(
        "\nInvalid `prisma.token.create()` invocation in\n{NBD_SRC}/create_new_token.ts:28:24\n\n  25     data.expiresAt = new Date(Date.now() + (durationInHours * 60 * 60 * 1000));\n  26   }}\n  27 \n→ 28   await prisma.token.create({{\n         data: {{\n           keyName: {},\n           clientName: {},\n           policyId: {},\n           createdBy: \"{admin_hex}\",\n           token: \"{token}\"\n         }}\n       }})\n\n{detail}",
        show(key_name),
        show(client_name),
        show(policy_id),
    )
}

/// §2.3.8: `[keyUserId]` (string or number) → `["ok"]`; repeating moves `revokedAt`.
pub(super) async fn revoke_user(inner: &Inner, params: &[Value]) -> Result<String, Thrown> {
    let Some(id) = js::parse_int(param(params, 0)) else {
        return Err(Thrown::new(INVALID_PARAMS));
    };
    inner
        .store
        .run(move |c| -> Result<(), Thrown> {
            if users::revoke(c, id)? == 0 {
                // Prisma P2025 (text per Prisma 5; UNVERIFIED in §2.3.8).
                return Err(Thrown(format!(
                    "\nInvalid `prisma.keyUser.update()` invocation in\n{NBD_SRC}/revoke_user.ts:14:26\n\nAn operation failed because it depends on one or more records that were required but not found. Record to update not found."
                )));
            }
            Ok(())
        })
        .await?;
    Ok(OK_LIST.to_owned())
}

/// §2.3.9: `[clientPubkeyHex, newDescription]`; renames the first KeyUser with that pubkey.
pub(super) async fn rename_key_user(inner: &Inner, params: &[Value]) -> Result<String, Thrown> {
    let (Some(pubkey), Some(description)) = (string_param(params, 0), string_param(params, 1))
    else {
        return Err(Thrown::new(INVALID_PARAMS));
    };
    inner
        .store
        .run(move |c| -> Result<(), Thrown> {
            if users::rename_first(c, &pubkey, &description)? == 0 {
                return Err(Thrown::new("Key user not found"));
            }
            Ok(())
        })
        .await?;
    Ok(OK_LIST.to_owned())
}

#[derive(Serialize)]
struct UnlockResult<'a> {
    success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

/// §2.3.10: `[keyName, passphrase]` → always a success envelope.
///
/// Unlocking an already unlocked key answers `{"success":true}` and does **not** start a second
/// backend (the real daemon would duplicate it and answer every request twice).
pub(super) fn unlock_key(inner: &Inner, params: &[Value]) -> Result<String, Thrown> {
    let (Some(name), Some(passphrase)) = (string_param(params, 0), string_param(params, 1)) else {
        return Err(Thrown::new(INVALID_PARAMS));
    };
    let outcome = {
        let mut ring = inner.ring_mut();
        match ring.by_name(&name).map(|k| k.passphrase == passphrase) {
            // Texts depend on Node/OpenSSL in the real daemon (UNVERIFIED); these are Node 20's.
            None => Err("Cannot destructure property 'iv' of 'keyData' as it is undefined."),
            Some(false) => Err("error:1C800064:Provider routines::bad decrypt"),
            Some(true) => {
                if !ring.is_unlocked(&name) {
                    ring.started.push(name.clone());
                } else if inner.v011() {
                    // 0.11 §2.3.10: a second backend starts; every reply comes twice (V47).
                    inner.duplicate(&name);
                }
                Ok(())
            }
        }
    };
    let result = match outcome {
        Ok(()) => UnlockResult {
            success: true,
            error: None,
        },
        Err(error) => UnlockResult {
            success: false,
            error: Some(error),
        },
    };
    serde_json::to_string(&result).map_err(|e| Thrown(e.to_string()))
}

/// §2.3.10: `[keyName, passphrase, nsec?]` → `{"npub":"npub1…"}`; the key starts at once and,
/// stored "encrypted" with the passphrase, is locked again after a restart. An existing entry is
/// overwritten. Unlike the real daemon, a generated key publishes **no** profile events anywhere
/// (§5 item 25), and re-creating a running key does not duplicate its backend.
pub(super) async fn create_new_key(inner: &Inner, params: &[Value]) -> Result<String, Thrown> {
    let (Some(name), Some(passphrase)) = (string_param(params, 0), string_param(params, 1)) else {
        return Err(Thrown::new(INVALID_PARAMS));
    };
    let secret = match string_param(params, 2) {
        Some(nsec) => SecretKey::from_bech32(&nsec).map_err(|e| Thrown(e.to_string()))?,
        None => SecretKey::generate(),
    };
    let keys = Keys::new(secret);
    let row = KeyRow {
        name: name.clone(),
        secret_hex: keys.secret_key().to_secret_hex(),
        locked: true,
        passphrase: Some(passphrase.clone()),
    };
    let pubkey_hex = keys.public_key().to_hex();
    let v011 = inner.v011();
    inner
        .store
        .run(move |c| -> Result<(), Thrown> {
            key_rows::upsert_key(c, &row, &pubkey_hex)?;
            if v011 {
                // 0.11 §2.3.10: also upserts a `Key` row (timestamps, clears `deletedAt`).
                key_rows::upsert_key_record(c, &row.name)?;
            }
            Ok(())
        })
        .await?;
    let npub = keys
        .public_key()
        .to_bech32()
        .map_err(|e| Thrown(e.to_string()))?;
    {
        let mut ring = inner.ring_mut();
        let hosted = HostedKey {
            name: name.clone(),
            keys,
            passphrase,
        };
        match ring.hosted.iter_mut().find(|k| k.name == name) {
            Some(existing) => *existing = hosted,
            None => ring.hosted.push(hosted),
        }
        if !ring.is_unlocked(&name) {
            ring.started.push(name);
        } else if inner.v011() {
            // 0.11 §2.3.10: over a running key name, a second backend starts.
            inner.duplicate(&name);
        }
    }
    inner.listen_to_keys().await;
    serde_json::to_string(&serde_json::json!({ "npub": npub })).map_err(|e| Thrown(e.to_string()))
}

/// §2.3.11 validation; `Some(error)` to send with the request's kind. A valid request goes to
/// the approval flow in the real daemon and, without `baseUrl`, never gets an answer; the
/// sandbox likewise stays silent.
pub(super) fn create_account(inner: &Inner, params: &[Value]) -> Option<String> {
    if inner.domains.is_empty() {
        return Some("no domains available".to_owned());
    }
    let domain = string_param(params, 1).unwrap_or_else(|| inner.domains[0].clone());
    if !inner.domains.contains(&domain) {
        return Some("domain not available".to_owned());
    }
    let username = string_param(params, 0).unwrap_or_default();
    if ["admin", "root", "_", "administrator", "__"].contains(&username.as_str()) {
        return Some("username not available".to_owned());
    }
    tracing::info!(
        "sandbox bunker: create_account for {username}@{domain} left unanswered (no baseUrl)"
    );
    None
}
