//! Envelopes on the wire: kinds, the NIP-04/NIP-44 choice (§1.2) and JSON-RPC payloads (§1.3).

use nostr::nips::{nip04, nip44};
use nostr::{Event, EventBuilder, Keys, Kind, PublicKey, Tag};
use serde::Serialize;
use serde_json::Value;

/// NIP-46 requests and responses; also admin error replies (§2.1); in 0.11 every admin event.
pub(crate) const KIND_NIP46: u16 = 24133;
/// Admin success replies and the bunker's `acl` prompts (§2.1, §2.5).
pub(crate) const KIND_ADMIN: u16 = 24134;

/// Encryption scheme of one payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    Nip04,
    Nip44,
}

impl Scheme {
    /// The `?iv=` heuristic (§1.2, V3).
    pub(crate) fn of(content: &str) -> Self {
        if content.contains("?iv=") {
            Self::Nip04
        } else {
            Self::Nip44
        }
    }
}

pub(crate) fn decrypt(
    keys: &Keys,
    from: &PublicKey,
    content: &str,
    scheme: Scheme,
) -> Option<String> {
    match scheme {
        Scheme::Nip04 => nip04::decrypt(keys.secret_key(), from, content).ok(),
        Scheme::Nip44 => nip44::decrypt(keys.secret_key(), from, content).ok(),
    }
}

/// NDK 2.18.1's `parseEvent` (0.11 §1.2): pick the scheme by the `?iv=` heuristic, and on a
/// decryption failure try the other one. Returns the scheme the endpoint is left with and the
/// plaintext, if either scheme worked.
pub(crate) fn decrypt_either(
    keys: &Keys,
    from: &PublicKey,
    content: &str,
) -> (Scheme, Option<String>) {
    let first = Scheme::of(content);
    if let Some(plain) = decrypt(keys, from, content, first) {
        return (first, Some(plain));
    }
    let other = match first {
        Scheme::Nip04 => Scheme::Nip44,
        Scheme::Nip44 => Scheme::Nip04,
    };
    match decrypt(keys, from, content, other) {
        Some(plain) => (other, Some(plain)),
        None => (first, None),
    }
}

pub(crate) fn encrypt(
    keys: &Keys,
    to: &PublicKey,
    plaintext: &str,
    scheme: Scheme,
) -> Option<String> {
    match scheme {
        Scheme::Nip04 => nip04::encrypt(keys.secret_key(), to, plaintext).ok(),
        Scheme::Nip44 => nip44::encrypt(keys.secret_key(), to, plaintext, nip44::Version::V2).ok(),
    }
}

/// A signed event of `kind` from `author` to `to` (only tag: `["p", to]`, §1.1).
pub(crate) fn envelope(author: &Keys, kind: u16, to: &PublicKey, content: String) -> Option<Event> {
    EventBuilder::new(Kind::from(kind), content)
        .tag(Tag::public_key(*to))
        .allow_self_tagging()
        .sign_with_keys(author)
        .ok()
}

/// A decrypted JSON-RPC message: a request if `method` is truthy, else a response (§2.1).
#[derive(Debug, Clone)]
pub(crate) struct Message {
    pub id: Value,
    pub method: Option<String>,
    pub params: Vec<Value>,
    pub result: Option<Value>,
}

impl Message {
    pub(crate) fn parse(plaintext: &str) -> Option<Self> {
        let v: Value = serde_json::from_str(plaintext).ok()?;
        let obj = v.as_object()?;
        let method = match obj.get("method") {
            Some(Value::String(m)) if !m.is_empty() => Some(m.clone()),
            _ => None,
        };
        let params = match obj.get("params") {
            Some(Value::Array(items)) => items.clone(),
            _ => Vec::new(),
        };
        Some(Self {
            id: obj.get("id").cloned().unwrap_or(Value::Null),
            method,
            params,
            result: obj.get("result").cloned(),
        })
    }
}

/// Response plaintext `{"id","result"[,"error"]}` in this key order (§1.3).
#[derive(Serialize)]
struct Reply<'a> {
    id: &'a Value,
    result: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

/// `{"id":…,"result":…}`.
pub(crate) fn ok_reply(id: &Value, result: &str) -> String {
    serde_json::to_string(&Reply {
        id,
        result,
        error: None,
    })
    .unwrap_or_default()
}

/// `{"id":…,"result":"error","error":…}` (§1.3, §2.2 variant B).
pub(crate) fn error_reply(id: &Value, error: &str) -> String {
    serde_json::to_string(&Reply {
        id,
        result: "error",
        error: Some(error),
    })
    .unwrap_or_default()
}

/// A request plaintext `{"id","method","params"}` (the bunker's own `acl` prompts).
pub(crate) fn request(id: &str, method: &str, params: &[String]) -> String {
    #[derive(Serialize)]
    struct Request<'a> {
        id: &'a str,
        method: &'a str,
        params: &'a [String],
    }
    serde_json::to_string(&Request { id, method, params }).unwrap_or_default()
}
