//! The two nsecbunkerd lines against scripted bunkers that answer as 0.10 and 0.11 do
//! (protocol/nsecbunkerd-0.11.md §5, §8 C11–C15).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bunker_client::{
    AdminClient, AdminConnection, BunkerLine, BunkerUri, ClientOptions, Encryption, ErrorKind,
    Sensitive, SignerClient, TokenAdvice,
};
use nostr::nips::nip19::ToBech32;
use nostr::{Keys, PublicKey, RelayUrl};

use crate::support::{fast_options, start_relay, Out, Responder, Seen};

const K24133: u16 = 24133;
const K24134: u16 = 24134;

fn key_list(npub: &str) -> String {
    format!(r#"[{{"name":"fleet","npub":"{npub}","userCount":0,"tokenCount":0}}]"#)
}

/// A scripted 0.10 admin interface: requests on either kind, NIP-04 only (a NIP-44 request is
/// dropped), successes on 24134, `ok` for ping.
async fn bunker_0_10(url: &RelayUrl, signing: PublicKey) -> Responder {
    let npub = signing.to_bech32().unwrap();
    Responder::start(url, Keys::generate(), &[K24133, K24134], move |r: &Seen| {
        if r.encryption == Encryption::Nip44 {
            return vec![];
        }
        match r.method.as_str() {
            "ping" => vec![Out::result(K24134, &r.id, "ok")],
            "get_keys" => vec![Out::result(K24134, &r.id, &key_list(&npub))],
            m => vec![Out::result(
                K24134,
                &r.id,
                &format!("[\"error\",\"Unknown method {m}\"]"),
            )],
        }
    })
    .await
    .unwrap()
}

/// A scripted 0.11 admin interface: kind 24133 only, both schemes, everything on 24133.
async fn bunker_0_11(url: &RelayUrl, signing: PublicKey) -> Responder {
    let npub = signing.to_bech32().unwrap();
    Responder::start(url, Keys::generate(), &[K24133], move |r: &Seen| {
        match r.method.as_str() {
            "ping" => vec![Out::result(K24133, &r.id, "pong")],
            "get_keys" => vec![Out::result(K24133, &r.id, &key_list(&npub))],
            "validate_token" => vec![Out::result(
                K24133,
                &r.id,
                r#"{"valid":false,"reason":"Token has been revoked"}"#,
            )],
            _ => vec![],
        }
    })
    .await
    .unwrap()
}

/// A signing key that answers `get_public_key` in the request's scheme and records everything.
async fn signing_key(url: &RelayUrl) -> Responder {
    Responder::start(url, Keys::generate(), &[K24133], |r: &Seen| {
        vec![Out::result(K24133, &r.id, &r.author.to_hex())]
    })
    .await
    .unwrap()
}

async fn admin(bunker: &Responder, url: &RelayUrl, opts: ClientOptions) -> AdminClient {
    let conn = AdminConnection {
        admin: bunker.keys.public_key(),
        relays: vec![url.clone()],
    };
    AdminClient::connect(Keys::generate(), &conn, opts)
        .await
        .unwrap()
}

fn uri(signer: &Responder, url: &RelayUrl) -> BunkerUri {
    BunkerUri {
        signer: signer.keys.public_key(),
        relays: vec![url.clone()],
        secret: None,
    }
}

#[tokio::test]
async fn c12_probe_finds_0_10_and_never_sends_nip44_to_its_signing_key() {
    let (_relay, url) = start_relay().await.unwrap();
    let signer_bunker = signing_key(&url).await;
    let bunker = bunker_0_10(&url, signer_bunker.keys.public_key()).await;
    let admin = admin(&bunker, &url, fast_options()).await;

    let found = admin.detect_line().await.unwrap();
    assert_eq!(found.line, BunkerLine::V0_10);
    assert!(found.nip44.is_none(), "0.10 gives no NIP-44 proof");
    let probe = &bunker.seen()[0];
    assert_eq!(
        (probe.method.as_str(), probe.kind, probe.encryption),
        ("ping", K24133, Encryption::Nip04),
        "the probe is a NIP-04 ping on kind 24133"
    );

    admin.get_keys().await.unwrap();
    let after = bunker.seen().last().cloned().unwrap();
    assert_eq!(
        (after.kind, after.encryption),
        (K24134, Encryption::Nip04),
        "0.10 is then spoken on kind 24134 in NIP-04"
    );
    // The NIP-44 probe of the admin key goes unanswered on 0.10: no proof.
    assert!(admin.probe_nip44().await.unwrap().is_none());

    let signer = SignerClient::new(Keys::generate(), &uri(&signer_bunker, &url), fast_options())
        .await
        .unwrap();
    signer.get_public_key().await.unwrap();
    assert!(
        signer_bunker
            .raw_events()
            .iter()
            .all(|e| Encryption::of_payload(&e.content) == Encryption::Nip04),
        "a 0.10 signing key never receives NIP-44"
    );
}

#[tokio::test]
async fn c12_probe_finds_0_11_then_speaks_nip44_on_24133_and_proves_its_keys() {
    let (_relay, url) = start_relay().await.unwrap();
    let signer_bunker = signing_key(&url).await;
    let bunker = bunker_0_11(&url, signer_bunker.keys.public_key()).await;
    let admin = admin(&bunker, &url, fast_options()).await;

    let found = admin.detect_line().await.unwrap();
    assert_eq!(found.line, BunkerLine::V0_11);
    assert_eq!(admin.line(), Some(BunkerLine::V0_11));
    assert_eq!(
        found.line.description(),
        "nsecbunkerd 0.11 · admin kind 24133 · NIP-44"
    );
    let seen = bunker.seen();
    assert_eq!(
        (seen[0].kind, seen[0].encryption),
        (K24133, Encryption::Nip04),
        "the probe itself is NIP-04"
    );
    assert!(
        seen[1..]
            .iter()
            .all(|s| s.kind == K24133 && s.encryption == Encryption::Nip44),
        "after detection 0.11 is spoken in NIP-44 on kind 24133"
    );

    let proof = found.nip44.expect("0.11 proves NIP-44 for its keys");
    let mut signer =
        SignerClient::new(Keys::generate(), &uri(&signer_bunker, &url), fast_options())
            .await
            .unwrap();
    signer.use_nip44(&proof).unwrap();
    signer.get_public_key().await.unwrap();
    assert_eq!(
        signer_bunker.seen()[0].encryption,
        Encryption::Nip44,
        "a 0.11 signing key may get NIP-44 through the proof"
    );
}

#[tokio::test]
async fn answers_that_fit_neither_line_are_a_typed_error_naming_what_was_seen() {
    for (kind, answer) in [(K24133, "ok"), (K24134, "pong"), (K24133, "hello")] {
        let (_relay, url) = start_relay().await.unwrap();
        let bunker = Responder::start(
            &url,
            Keys::generate(),
            &[K24133, K24134],
            move |r: &Seen| vec![Out::result(kind, &r.id, answer)],
        )
        .await
        .unwrap();
        let admin = admin(&bunker, &url, fast_options()).await;
        let err = admin.detect_line().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{answer} on {kind}");
        let text = err.to_string();
        assert!(
            text.contains(&format!("\"{answer}\" on kind {kind}")),
            "the error names what was seen: {text}"
        );
        assert_eq!(admin.line(), None, "nothing is taken from a bad answer");
    }
}

#[tokio::test]
async fn c11_nip44_reply_to_a_nip04_request_and_a_nip44_acl_prompt_are_both_read() {
    let (_relay, url) = start_relay().await.unwrap();
    let client = Keys::generate().public_key();
    let npub = Keys::generate().public_key().to_bech32().unwrap();
    let bunker = Responder::start(&url, Keys::generate(), &[K24133], move |r: &Seen| {
        // Right after a self-ping the 0.11 admin endpoint is NIP-44 (0.11 doc §1.2, V11/V13).
        let result = match r.method.as_str() {
            "ping" => "pong".to_owned(),
            _ => key_list(&npub),
        };
        vec![
            Out::acl(K24133, &client).in_scheme(Encryption::Nip44),
            Out::result(K24133, &r.id, &result).in_scheme(Encryption::Nip44),
        ]
    })
    .await
    .unwrap();
    let admin = admin(&bunker, &url, fast_options()).await;
    let mut prompts = admin.acl_requests();

    let found = admin.detect_line().await.unwrap();
    assert_eq!(found.line, BunkerLine::V0_11);
    assert_eq!(bunker.seen()[0].encryption, Encryption::Nip04);
    let prompt = tokio::time::timeout(Duration::from_secs(5), prompts.recv())
        .await
        .expect("the NIP-44 acl prompt must be surfaced")
        .unwrap();
    assert_eq!(prompt.client, client);
    assert_eq!(prompt.method, "sign_event");
}

#[tokio::test]
async fn c14_a_duplicated_reply_is_taken_once_and_counted_once() {
    let (_relay, url) = start_relay().await.unwrap();
    let npub = Keys::generate().public_key().to_bech32().unwrap();
    let bunker = Responder::start(&url, Keys::generate(), &[K24133], move |r: &Seen| {
        // A re-unlocked 0.11 key answers everything twice with the same id (V47).
        let reply = match r.method.as_str() {
            "ping" => "pong".to_owned(),
            _ => key_list(&npub),
        };
        vec![
            Out::result(K24133, &r.id, &reply),
            Out::result(K24133, &r.id, &reply),
        ]
    })
    .await
    .unwrap();
    let admin = admin(&bunker, &url, fast_options()).await;
    admin.use_line(BunkerLine::V0_11, false);
    let keys = admin.get_keys().await.unwrap();
    assert_eq!(keys.len(), 1, "one list, not two");
    let keys = admin.get_keys().await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(admin.requests_sent(), 2, "two calls, two requests");
    assert_eq!(bunker.seen().len(), 2);
}

#[tokio::test]
async fn c15_a_0_11_bunker_that_answered_before_and_stops_is_reported_unreachable_with_the_fix() {
    let (_relay, url) = start_relay().await.unwrap();
    let deaf = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&deaf);
    let bunker = Responder::start(&url, Keys::generate(), &[K24133], move |r: &Seen| {
        if flag.load(Ordering::SeqCst) {
            return vec![];
        }
        vec![Out::result(K24133, &r.id, "pong")]
    })
    .await
    .unwrap();
    let opts = ClientOptions {
        timeout: Duration::from_millis(800),
        ..fast_options()
    };
    let admin = admin(&bunker, &url, opts).await;
    admin.use_line(BunkerLine::V0_11, false);
    admin.ping().await.unwrap();

    deaf.store(true, Ordering::SeqCst);
    let err = admin.ping().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unreachable);
    let text = err.to_string();
    assert!(text.contains("bunker unreachable"), "{text}");
    assert!(
        text.contains(
            "nsecbunkerd 0.11 does not reconnect after a relay restart: restart the bunker"
        ),
        "{text}"
    );

    // On 0.10 (which reconnects) the same silence stays a plain timeout.
    let other = admin_for_line(&bunker, &url, opts, BunkerLine::V0_10).await;
    assert_eq!(other.ping().await.unwrap_err().kind(), ErrorKind::Timeout);
}

async fn admin_for_line(
    bunker: &Responder,
    url: &RelayUrl,
    opts: ClientOptions,
    line: BunkerLine,
) -> AdminClient {
    let client = admin(bunker, url, opts).await;
    client.use_line(line, true);
    client
}

#[tokio::test]
async fn c13_validate_token_is_advisory_and_a_revoked_token_is_never_taken_for_burnt() {
    let (_relay, url) = start_relay().await.unwrap();
    let bunker = bunker_0_11(&url, Keys::generate().public_key()).await;
    let admin = admin(&bunker, &url, fast_options()).await;
    admin.use_line(BunkerLine::V0_11, true);
    let advice = admin
        .validate_token(&Sensitive::new(format!("npub1x#{}", "ab".repeat(32))))
        .await
        .unwrap();
    assert_eq!(advice, TokenAdvice::Revoked);
    assert!(
        !advice.proves_burnt(),
        "a revoked 0.11 token still redeems: it is not cancelled"
    );
    assert!(
        bunker.seen().iter().all(|s| s.method != "revoke_token"),
        "this client never calls revoke_token"
    );
}

#[tokio::test]
async fn every_event_the_link_publishes_decrypts_for_the_peer_to_a_json_object() {
    let (_relay, url) = start_relay().await.unwrap();
    let signer_bunker = signing_key(&url).await;
    let bunker = bunker_0_11(&url, signer_bunker.keys.public_key()).await;
    let admin = admin(&bunker, &url, fast_options()).await;
    let found = admin.detect_line().await.unwrap();
    admin.ping().await.unwrap();
    admin.get_keys().await.unwrap();
    let _ = admin.get_key_users("fleet\"}{").await;
    let _ = admin
        .rename_key_user(&Keys::generate().public_key(), "")
        .await;
    let mut signer =
        SignerClient::new(Keys::generate(), &uri(&signer_bunker, &url), fast_options())
            .await
            .unwrap();
    signer.get_public_key().await.unwrap();
    signer.use_nip44(&found.nip44.unwrap()).unwrap();
    signer.get_public_key().await.unwrap();

    for responder in [&bunker, &signer_bunker] {
        let events = responder.raw_events();
        assert!(!events.is_empty());
        for event in events {
            let text = bunker_client::crypto::decrypt(
                responder.keys.secret_key(),
                &event.pubkey,
                &event.content,
            )
            .expect("every published event decrypts with the peer's key");
            let json: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert!(json.is_object(), "every published event is a JSON object");
        }
    }
}
