//! The admin RPC (§2): transport, authorisation and the method switch.

mod commands;
mod queries;
mod v011;

use nostr::Event;
use serde_json::Value;

use crate::acl;
use crate::bunker::{Endpoint, Inner};
use crate::config::EncryptionMode;
use crate::js::{self, Thrown};
use crate::wire::{self, Message, Scheme, KIND_ADMIN, KIND_NIP46};

/// §2.1: thrown by `validateRequestFromAdmin` for every method but `create_account`.
const NOT_ADMIN: &str = "You are not designated to administrate this bunker";
/// The admin UI's check and nsecbunkerd's handlers share this text.
pub(crate) const INVALID_PARAMS: &str = "Invalid params";
/// `["ok"]`, the result of every mutating method.
pub(crate) const OK_LIST: &str = r#"["ok"]"#;

/// Handles one event addressed to the bunker admin pubkey.
pub(crate) async fn handle(inner: &Inner, event: &Event) {
    let v011 = inner.v011();
    let scheme = Scheme::of(&event.content);
    let plain = if v011 {
        // 0.11 §1.2: both schemes; the admin endpoint's shared scheme follows every parsed
        // event. An undecryptable event is caught and logged (V8).
        inner.open_shared(Endpoint::Admin, &inner.admin, event)
    } else {
        // NDK 2.8.1's `NDKNostrRpc` only speaks NIP-04; a NIP-44 admin request is dropped by a
        // try/catch and the daemon keeps running (§1.2, A5).
        if scheme == Scheme::Nip44 && inner.encryption == EncryptionMode::Nip04Only {
            return;
        }
        wire::decrypt(&inner.admin, &event.pubkey, &event.content, scheme)
    };
    let Some(msg) = plain.and_then(|plain| Message::parse(&plain)) else {
        return;
    };
    let Some(method) = msg.method.clone() else {
        // Not a request: maybe an admin's answer to one of our `acl` prompts (§2.5).
        if inner.is_admin(&event.pubkey) {
            acl::on_admin_reply(inner, &msg).await;
        }
        return;
    };
    let request_kind = event.kind.as_u16();
    let reply_scheme = match inner.encryption {
        EncryptionMode::Nip04Only => Scheme::Nip04,
        EncryptionMode::Auto => scheme,
    };
    let send = |kind: u16, body: String| async move {
        // 0.11: the endpoint's scheme at the time of sending (0.11 §1.2).
        let scheme = if v011 {
            inner.scheme_now(&Endpoint::Admin)
        } else {
            reply_scheme
        };
        inner
            .publish(&inner.admin, kind, &event.pubkey, &body, scheme)
            .await;
    };
    // 0.10: success replies are kind 24134 (§2.1); 0.11: everything is kind 24133 (0.11 §2.1).
    let success_kind = if v011 { KIND_NIP46 } else { KIND_ADMIN };

    if method == "create_account" {
        // §2.3.11: any pubkey; validation errors use the request's kind (variant D).
        if let Some(error) = commands::create_account(inner, &msg.params) {
            send(request_kind, wire::error_reply(&msg.id, &error)).await;
        }
        return;
    }
    if !inner.is_admin(&event.pubkey) {
        send(KIND_NIP46, wire::error_reply(&msg.id, NOT_ADMIN)).await;
        return;
    }
    match dispatch(inner, &method, &msg.params, &event.pubkey.to_hex()).await {
        // Success paths reply with an explicit kind 24134 (§2.1); 24133 in 0.11.
        Some(Ok(result)) => send(success_kind, wire::ok_reply(&msg.id, &result)).await,
        // The generic error path falls back to NDK's default kind 24133 (§0.3 #3).
        Some(Err(Thrown(error))) => send(KIND_NIP46, wire::error_reply(&msg.id, &error)).await,
        // Variant C: no `error` field, request's kind (§2.2).
        None => {
            let result = serde_json::to_string(&["error", &format!("Unknown method {method}")])
                .unwrap_or_default();
            send(request_kind, wire::ok_reply(&msg.id, &result)).await;
        }
    }
}

/// The method switch (§2.3); `None` for an unknown method.
async fn dispatch(
    inner: &Inner,
    method: &str,
    params: &[Value],
    admin_hex: &str,
) -> Option<Result<String, Thrown>> {
    if inner.v011() {
        if let Some(outcome) = v011::dispatch(inner, method, params).await {
            return Some(outcome);
        }
    }
    Some(match method {
        "ping" if inner.v011() => Ok("pong".to_owned()),
        "ping" => Ok(match inner.ping_reply {
            crate::PingReply::Ok => "ok".to_owned(),
            crate::PingReply::Pong => "pong".to_owned(),
        }),
        "get_keys" => queries::get_keys(inner).await,
        "get_key_users" => queries::get_key_users(inner, params).await,
        "get_key_tokens" => queries::get_key_tokens(inner, params).await,
        "get_policies" => queries::get_policies(inner).await,
        "create_new_policy" => commands::create_new_policy(inner, params).await,
        "create_new_token" => commands::create_new_token(inner, params, admin_hex).await,
        "revoke_user" => commands::revoke_user(inner, params).await,
        "rename_key_user" => commands::rename_key_user(inner, params).await,
        "unlock_key" => commands::unlock_key(inner, params),
        "create_new_key" => commands::create_new_key(inner, params).await,
        _ => return None,
    })
}

/// A param as the handlers see it after JS destructuring.
pub(crate) fn param(params: &[Value], i: usize) -> Option<&Value> {
    params.get(i)
}

/// `String(param)` for a truthy param, else `None`.
pub(crate) fn string_param(params: &[Value], i: usize) -> Option<String> {
    let v = param(params, i);
    js::truthy(v).then(|| js::to_js_string(v))
}
