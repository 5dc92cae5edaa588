//! NIP-46 backend of one unlocked key, as NDK 2.8.1's `NDKNip46Backend` + nsecbunkerd's
//! permission callback (§1.4, §3.2, §3.3).

mod sign;
mod token;

use nostr::nips::{nip04, nip44};
use nostr::{Event, PublicKey};
use serde_json::Value;

use crate::acl::{self, Ask};
use crate::bunker::{Endpoint, HostedKey, Inner};
use crate::config::EncryptionMode;
use crate::js::{self, Thrown};
use crate::wire::{self, Message, Scheme, KIND_NIP46};

const NOT_AUTHORIZED: &str = "Not authorized";

/// Handles one event addressed to `key`.
pub(crate) async fn handle(inner: &Inner, key: &HostedKey, event: &Event) {
    if inner.v011() {
        return handle_v011(inner, key, event).await;
    }
    let scheme = Scheme::of(&event.content);
    let nip04_only = inner.encryption == EncryptionMode::Nip04Only;
    // §0.3 #2 / N19: NDK 2.8.1 decrypts with NIP-04 inside an async handler; the rejection is
    // unhandled and Node exits, taking the admin RPC and every key down with it.
    if nip04_only && scheme == Scheme::Nip44 {
        inner.kill("NIP-44 NIP-46 request (Error: join.decode input should be string)");
        return;
    }
    let Some(msg) = wire::decrypt(&key.keys, &event.pubkey, &event.content, scheme)
        .and_then(|p| Message::parse(&p))
    else {
        if nip04_only {
            inner.kill("undecryptable NIP-46 request (unhandled rejection in parseEvent)");
        }
        return;
    };
    let scheme = if nip04_only { Scheme::Nip04 } else { scheme };
    answer(inner, key, &event.pubkey, &msg, Some(scheme)).await;
}

/// 0.11 (NDK 2.18.1): both schemes, one shared reply scheme per key backend (0.11 §1.2), and an
/// undecryptable or non-JSON event is an unhandled rejection that kills the daemon (0.11 §1.6).
async fn handle_v011(inner: &Inner, key: &HostedKey, event: &Event) {
    let endpoint = Endpoint::Key(key.name.clone());
    let Some(plain) = inner.open_shared(endpoint, &key.keys, event) else {
        if inner.crash_on_bad_input {
            inner.kill("undecryptable NIP-46 event (unhandled rejection in parseEvent)");
        }
        return;
    };
    if serde_json::from_str::<Value>(&plain).is_err() {
        if inner.crash_on_bad_input {
            inner.kill("non-JSON NIP-46 event (SyntaxError in parseEvent)");
        }
        return;
    }
    let Some(msg) = Message::parse(&plain) else {
        return;
    };
    answer(inner, key, &event.pubkey, &msg, None).await;
}

/// Runs the request and sends the reply (or the double reply of a thrown handler). `scheme` is
/// the 0.10 reply scheme; `None` means the key endpoint's scheme at send time (0.11).
async fn answer(
    inner: &Inner,
    key: &HostedKey,
    client: &PublicKey,
    msg: &Message,
    scheme: Option<Scheme>,
) {
    let v011 = inner.v011();
    let client = *client;
    let Some(method) = msg.method.as_deref() else {
        return;
    };
    let outcome = match method {
        "connect" => connect(inner, key, &client, &msg.params).await,
        "sign_event" => sign::sign_event(inner, key, &client, &msg.params).await,
        // Never access-controlled (§1.4, N1, N16).
        "get_public_key" => Ok(Some(key.keys.public_key().to_hex())),
        "ping" => Ok(allowed(inner, key, &client, "ping", None)
            .await
            .then(|| "pong".to_owned())),
        // NDK 2.18.1 checks the method's own name (0.11 §1.4, V64, V65).
        "nip04_encrypt" | "nip04_decrypt" | "nip44_encrypt" | "nip44_decrypt" if v011 => {
            crypt(inner, key, &client, &msg.params, method).await
        }
        // NDK 2.8.1 checks `encrypt`/`decrypt`, not `nip04_*` (§1.4, N13).
        "nip04_encrypt" => crypt(inner, key, &client, &msg.params, "encrypt").await,
        "nip04_decrypt" => crypt(inner, key, &client, &msg.params, "decrypt").await,
        // No handler registered: NDK answers "Not authorized" (§1.4, N12).
        _ => Ok(None),
    };
    let endpoint = Endpoint::Key(key.name.clone());
    let endpoint = &endpoint;
    let send = |body: String| async move {
        // A duplicated backend (0.11 §2.3.10) answers every request a second time.
        let copies = if inner.is_duplicated(&key.name) { 2 } else { 1 };
        for _ in 0..copies {
            let scheme = scheme.unwrap_or_else(|| inner.scheme_now(endpoint));
            inner
                .publish(&key.keys, KIND_NIP46, &client, &body, scheme)
                .await;
        }
    };
    match outcome {
        Ok(Some(result)) => send(wire::ok_reply(&msg.id, &result)).await,
        Ok(None) => send(wire::error_reply(&msg.id, NOT_AUTHORIZED)).await,
        // A thrown handler yields two responses with the same id (§1.3, N2).
        Err(Thrown(error)) => {
            send(wire::error_reply(&msg.id, &error)).await;
            send(wire::error_reply(&msg.id, NOT_AUTHORIZED)).await;
        }
    }
}

async fn allowed(
    inner: &Inner,
    key: &HostedKey,
    client: &PublicKey,
    method: &str,
    param: Option<String>,
) -> bool {
    acl::permit(
        inner,
        Ask {
            key_name: &key.name,
            client,
            method,
            kind: None,
            param,
        },
    )
    .await
}

/// §3.2: redeem a truthy token, then check `connect` on the key that received the request.
async fn connect(
    inner: &Inner,
    key: &HostedKey,
    client: &PublicKey,
    params: &[Value],
) -> Result<Option<String>, Thrown> {
    let token = params.get(1);
    let param = js::truthy(token).then(|| js::to_js_string(token));
    if let Some(secret) = param.clone() {
        let client_hex = client.to_hex();
        inner
            .store
            .run(move |c| token::apply(c, &client_hex, &secret))
            .await?;
    }
    Ok(allowed(inner, key, client, "connect", param)
        .await
        .then(|| "ack".to_owned()))
}

async fn crypt(
    inner: &Inner,
    key: &HostedKey,
    client: &PublicKey,
    params: &[Value],
    acl_method: &str,
) -> Result<Option<String>, Thrown> {
    let text = js::to_js_string(params.get(1));
    if !allowed(inner, key, client, acl_method, Some(text.clone())).await {
        return Ok(None);
    }
    let peer = PublicKey::from_hex(&js::to_js_string(params.first()))
        .map_err(|e| Thrown(e.to_string()))?;
    let secret = key.keys.secret_key();
    let out = match acl_method {
        "encrypt" | "nip04_encrypt" => {
            nip04::encrypt(secret, &peer, text).map_err(|e| e.to_string())
        }
        "decrypt" | "nip04_decrypt" => {
            nip04::decrypt(secret, &peer, text).map_err(|e| e.to_string())
        }
        "nip44_encrypt" => {
            nip44::encrypt(secret, &peer, text, nip44::Version::V2).map_err(|e| e.to_string())
        }
        _ => nip44::decrypt(secret, &peer, text).map_err(|e| e.to_string()),
    };
    out.map(Some).map_err(Thrown)
}
