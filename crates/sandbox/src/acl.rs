//! Access control of NIP-46 requests (§3.3) and the admin approval flow for undecided ones
//! (§2.5, §3.6).

use std::collections::HashMap;
use std::sync::Mutex;

use nostr::PublicKey;
use rand::Rng;
use rusqlite::Connection;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::oneshot;

use crate::bunker::{Endpoint, Inner};
use crate::js::Thrown;
use crate::store::users;
use crate::wire::{self, Message, Scheme, KIND_ADMIN, KIND_NIP46};

/// Outcome of `checkIfPubkeyAllowed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Allow,
    Deny,
    Undecided,
}

/// §3.3. `kind` only matters for `sign_event` (string compare, `"all"` is the wildcard).
pub(crate) fn check(
    conn: &Connection,
    key_name: &str,
    client_hex: &str,
    method: &str,
    kind: Option<&str>,
) -> rusqlite::Result<Verdict> {
    let Some(user) = users::key_user(conn, key_name, client_hex)? else {
        return Ok(Verdict::Undecided);
    };
    let conditions = users::conditions(conn, user.id)?;
    if conditions
        .iter()
        .any(|c| c.method.as_deref() == Some("*") && c.allowed == Some(false))
    {
        return Ok(Verdict::Deny);
    }
    let matching = conditions.iter().find(|c| {
        c.method.as_deref() == Some(method)
            && (method != "sign_event"
                || matches!(c.kind.as_deref(), Some(k) if Some(k) == kind || k == "all"))
    });
    Ok(match matching.and_then(|c| c.allowed) {
        None => Verdict::Undecided,
        Some(true) if user.revoked_at.is_some() => Verdict::Deny,
        Some(true) => Verdict::Allow,
        Some(false) => Verdict::Deny,
    })
}

/// An `acl` prompt waiting for an admin's answer.
struct Pending {
    key_name: String,
    client_hex: String,
    method: String,
    done: oneshot::Sender<()>,
}

/// Open `acl` prompts by request id.
#[derive(Default)]
pub(crate) struct Approvals(Mutex<HashMap<String, Pending>>);

impl Approvals {
    fn insert(&self, id: String, pending: Pending) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, pending);
    }

    fn remove(&self, id: &str) -> Option<Pending> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(id)
    }
}

/// The request the handler asks permission for.
pub(crate) struct Ask<'a> {
    pub key_name: &'a str,
    pub client: &'a PublicKey,
    pub method: &'a str,
    /// The event kind, for `sign_event`.
    pub kind: Option<String>,
    /// `param` of the `acl` prompt: the token for `connect`, the event JSON for `sign_event`.
    pub param: Option<String>,
}

/// ACL check; undecided requests go to the admins (§3.3 → §3.6). `true` = allowed.
pub(crate) async fn permit(inner: &Inner, ask: Ask<'_>) -> bool {
    let (key_name, client_hex, method, kind) = (
        ask.key_name.to_owned(),
        ask.client.to_hex(),
        ask.method.to_owned(),
        ask.kind.clone(),
    );
    let verdict = inner
        .store
        .run(move |c| -> Result<_, Thrown> {
            Ok(check(c, &key_name, &client_hex, &method, kind.as_deref())?)
        })
        .await;
    match verdict {
        Ok(Verdict::Allow) => true,
        Ok(Verdict::Deny) => false,
        Ok(Verdict::Undecided) => ask_admins(inner, ask).await,
        Err(Thrown(e)) => {
            tracing::warn!("sandbox bunker: ACL check failed: {e}");
            false
        }
    }
}

/// `params[0]` of an `acl` prompt (§2.5), keys in this order, falsy ones omitted.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AclParams<'a> {
    key_name: &'a str,
    remote_pubkey: &'a str,
    method: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    param: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
}

/// Sends an `acl` request (kind 24134, NIP-04, from the admin key) to every admin and waits
/// `approval_timeout` for an `always` answer (§2.5).
async fn ask_admins(inner: &Inner, ask: Ask<'_>) -> bool {
    let client_hex = ask.client.to_hex();
    let (k, c) = (ask.key_name.to_owned(), client_hex.clone());
    let description = inner
        .store
        .run(move |conn| -> Result<_, Thrown> {
            Ok(users::key_user(conn, &k, &c)?.and_then(|u| u.description))
        })
        .await
        .ok()
        .flatten()
        .filter(|d| !d.is_empty());
    let params = serde_json::to_string(&AclParams {
        key_name: ask.key_name,
        remote_pubkey: &client_hex,
        method: ask.method,
        param: ask.param.as_deref(),
        description: description.as_deref(),
    })
    .unwrap_or_default();
    let id = request_id();
    let (done, approved) = oneshot::channel();
    inner.approvals.insert(
        id.clone(),
        Pending {
            key_name: ask.key_name.to_owned(),
            client_hex,
            method: ask.method.to_owned(),
            done,
        },
    );
    let prompt = wire::request(&id, "acl", &[params]);
    for admin in inner.admin_list() {
        // 0.11 §2.5: kind 24133, in the admin endpoint's current scheme.
        let (kind, scheme) = if inner.v011() {
            (KIND_NIP46, inner.scheme_now(&Endpoint::Admin))
        } else {
            (KIND_ADMIN, Scheme::Nip04)
        };
        inner
            .publish(&inner.admin, kind, &admin, &prompt, scheme)
            .await;
    }
    let outcome = tokio::time::timeout(inner.approval_timeout, approved).await;
    inner.approvals.remove(&id);
    matches!(outcome, Ok(Ok(())))
}

/// An admin answered a prompt (§2.5): `["always", desc, {"kind":"21000"}]` persists a condition
/// and approves; a numeric kind approves without persisting (Prisma throws inside a caught
/// block); anything else is ignored and the prompt keeps waiting.
pub(crate) async fn on_admin_reply(inner: &Inner, msg: &Message) {
    let Some(id) = msg.id.as_str() else { return };
    let Some(Value::String(result)) = &msg.result else {
        return;
    };
    let Ok(Value::Array(answer)) = serde_json::from_str::<Value>(result) else {
        return;
    };
    if answer.first().and_then(Value::as_str) != Some("always") {
        return;
    }
    let Some(pending) = inner.approvals.remove(id) else {
        return;
    };
    let description = answer.get(1).and_then(Value::as_str).map(str::to_owned);
    let kind = answer.get(2).and_then(|o| o.get("kind")).cloned();
    let persist_kind = match kind {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(k)) => Some(Some(k)),
        Some(_) => None,
    };
    if let Some(kind) = persist_kind {
        let Pending {
            key_name,
            client_hex,
            method,
            ..
        } = &pending;
        let (key_name, client_hex, method) = (key_name.clone(), client_hex.clone(), method.clone());
        let stored = inner
            .store
            .run(move |c| -> Result<(), Thrown> {
                let id = users::upsert_key_user(c, &key_name, &client_hex, description.as_deref())?;
                users::add_condition(c, id, &method, kind.as_deref(), true)?;
                Ok(())
            })
            .await;
        if let Err(Thrown(e)) = stored {
            tracing::warn!("sandbox bunker: cannot persist an approval: {e}");
        }
    }
    let _ = pending.done.send(());
}

/// NDK-style request id: a few random base-36 characters (§1.3).
fn request_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::thread_rng();
    (0..8)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{memory, users};

    #[test]
    fn sign_event_kind_matches_as_string_or_all() {
        let conn = memory();
        let id = users::upsert_key_user(&conn, "fleet", "aa", None).unwrap();
        users::add_condition(&conn, id, "sign_event", Some("21000"), true).unwrap();
        assert_eq!(
            check(&conn, "fleet", "aa", "sign_event", Some("21000")).unwrap(),
            Verdict::Allow
        );
        assert_eq!(
            check(&conn, "fleet", "aa", "sign_event", Some("1")).unwrap(),
            Verdict::Undecided
        );
        users::add_condition(&conn, id, "sign_event", Some("all"), true).unwrap();
        assert_eq!(
            check(&conn, "fleet", "aa", "sign_event", Some("1")).unwrap(),
            Verdict::Allow
        );
    }

    #[test]
    fn revoked_user_is_denied_only_where_a_rule_allows() {
        let conn = memory();
        let id = users::upsert_key_user(&conn, "fleet", "aa", None).unwrap();
        users::add_condition(&conn, id, "connect", None, true).unwrap();
        users::revoke(&conn, id).unwrap();
        assert_eq!(
            check(&conn, "fleet", "aa", "connect", None).unwrap(),
            Verdict::Deny
        );
        assert_eq!(
            check(&conn, "fleet", "aa", "ping", None).unwrap(),
            Verdict::Undecided
        );
        assert_eq!(
            check(&conn, "other", "aa", "connect", None).unwrap(),
            Verdict::Undecided
        );
    }
}
