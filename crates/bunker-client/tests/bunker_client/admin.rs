//! Admin RPC against a scripted bunker (protocol/nsecbunkerd.md §6.3 C1–C4, C8–C10, A5).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bunker_client::{
    AdminClient, AdminConnection, BunkerUri, ClientOptions, Encryption, ErrorKind, NewPolicy,
    PingReply, PolicyRule, Refusal, SignerClient,
};
use nostr::nips::nip19::ToBech32;
use nostr::{Keys, RelayUrl};

use crate::support::{fast_options, start_relay, Out, Responder, Seen};

const ERR: u16 = 24133;
const OK: u16 = 24134;

async fn admin_for(responder: &Responder, relay: &RelayUrl, opts: ClientOptions) -> AdminClient {
    let conn = AdminConnection {
        admin: responder.keys.public_key(),
        relays: vec![relay.clone()],
    };
    AdminClient::connect(Keys::generate(), &conn, opts)
        .await
        .unwrap()
}

#[tokio::test]
async fn admin_error_on_kind_24133_is_matched_by_id() {
    let (_relay, url) = start_relay().await.unwrap();
    let bunker = Responder::start(&url, Keys::generate(), &[ERR, OK], |r: &Seen| {
        match r.method.as_str() {
            "get_key_users" => vec![Out::error(ERR, &r.id, "Invalid params")],
            "ping" => vec![Out::result(OK, &r.id, "ok")],
            _ => vec![],
        }
    })
    .await
    .unwrap();
    let admin = admin_for(&bunker, &url, fast_options()).await;

    let (users, ping) = tokio::join!(admin.get_key_users("fleet"), admin.ping());
    assert_eq!(
        users.unwrap_err().refusal(),
        Some(&Refusal::InvalidParams),
        "the kind 24133 error must reach the call with its id"
    );
    assert_eq!(
        ping.unwrap(),
        PingReply::Ok,
        "the kind 24134 success must reach its call"
    );
    assert!(
        bunker
            .seen()
            .iter()
            .all(|s| s.kind == ERR && s.encryption == Encryption::Nip04),
        "before a line is known, admin requests are NIP-04 kind 24133, which both lines answer"
    );
}

#[tokio::test]
async fn unknown_method_array_without_error_field_is_an_error() {
    let (_relay, url) = start_relay().await.unwrap();
    let bunker = Responder::start(&url, Keys::generate(), &[ERR, OK], |r: &Seen| {
        vec![Out::result(
            OK,
            &r.id,
            &format!("[\"error\",\"Unknown method {}\"]", r.method),
        )]
    })
    .await
    .unwrap();
    let admin = admin_for(&bunker, &url, fast_options()).await;
    let err = admin.get_policies().await.unwrap_err();
    assert_eq!(
        err.refusal(),
        Some(&Refusal::UnknownMethod(Some("get_policies".into())))
    );
    assert_eq!(err.kind(), ErrorKind::Unsupported);
}

#[tokio::test]
async fn double_reply_delivers_the_first_and_never_fails_a_later_call() {
    let (_relay, url) = start_relay().await.unwrap();
    let bunker = Responder::start(&url, Keys::generate(), &[ERR, OK], |r: &Seen| {
        match r.method.as_str() {
            "revoke_user" => vec![
                Out::result(OK, &r.id, "[\"ok\"]"),
                Out::error(ERR, &r.id, "Not authorized"),
            ],
            "ping" => vec![Out::result(OK, &r.id, "ok"), Out::result(OK, &r.id, "ok")],
            _ => vec![],
        }
    })
    .await
    .unwrap();
    let admin = admin_for(&bunker, &url, fast_options()).await;
    admin
        .revoke_user(3)
        .await
        .expect("the first reply (ok) is delivered");
    for _ in 0..3 {
        assert_eq!(
            admin.ping().await.unwrap(),
            PingReply::Ok,
            "late duplicates are dropped"
        );
    }
    let revoke = &bunker.seen()[0];
    assert_eq!(
        revoke.params,
        [serde_json::json!("3")],
        "revoke_user takes the KeyUser id"
    );
}

#[tokio::test]
async fn acl_prompt_is_surfaced_never_answered_and_not_taken_for_a_reply() {
    let (_relay, url) = start_relay().await.unwrap();
    let client_pk = Keys::generate().public_key();
    let bunker = Responder::start(&url, Keys::generate(), &[ERR, OK], move |r: &Seen| {
        // The prompt reuses the ping's id: it must still not be read as the ping's reply.
        let payload = serde_json::json!({
            "keyName": "fleet", "remotePubkey": client_pk.to_hex(), "method": "sign_event",
            "param": "{\"kind\":1}", "description": "satmachine-42",
        })
        .to_string();
        let prompt = serde_json::json!({ "id": r.id, "method": "acl", "params": [payload] });
        vec![
            Out {
                kind: OK,
                json: prompt.to_string(),
                scheme: None,
            },
            Out::result(OK, &r.id, "pong"),
        ]
    })
    .await
    .unwrap();
    let admin = admin_for(&bunker, &url, fast_options()).await;
    let mut prompts = admin.acl_requests();

    assert_eq!(
        admin.ping().await.unwrap(),
        PingReply::Pong,
        "the prompt is not the reply"
    );
    let prompt = tokio::time::timeout(Duration::from_secs(5), prompts.recv())
        .await
        .expect("the prompt is surfaced")
        .unwrap();
    assert_eq!(prompt.key_name, "fleet");
    assert_eq!(prompt.client, client_pk);
    assert_eq!(prompt.method, "sign_event");
    assert_eq!(prompt.description.as_deref(), Some("satmachine-42"));

    admin.ping().await.unwrap();
    let methods: Vec<String> = bunker.seen().into_iter().map(|s| s.method).collect();
    assert_eq!(
        methods,
        ["ping", "ping"],
        "the console must never answer an acl prompt"
    );
}

#[tokio::test]
async fn admin_ping_accepts_ok_and_pong() {
    let (_relay, url) = start_relay().await.unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let bunker = Responder::start(&url, Keys::generate(), &[ERR, OK], move |r: &Seen| {
        let reply = if count.fetch_add(1, Ordering::SeqCst) == 0 {
            "ok"
        } else {
            "pong"
        };
        vec![Out::result(OK, &r.id, reply)]
    })
    .await
    .unwrap();
    let admin = admin_for(&bunker, &url, fast_options()).await;
    assert_eq!(admin.ping().await.unwrap(), PingReply::Ok);
    assert_eq!(admin.ping().await.unwrap(), PingReply::Pong);
}

#[tokio::test]
async fn silent_bunker_fails_the_call_with_timeout() {
    let (_relay, url) = start_relay().await.unwrap();
    let bunker = Responder::start(&url, Keys::generate(), &[ERR, OK], |_: &Seen| vec![])
        .await
        .unwrap();
    let opts = ClientOptions {
        timeout: Duration::from_millis(400),
        ..fast_options()
    };
    let admin = admin_for(&bunker, &url, opts).await;
    let err = admin.get_keys().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    bunker
        .wait_for_requests(1)
        .await
        .expect("the request did go out");
}

#[tokio::test]
async fn closed_relay_port_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let conn = AdminConnection::parse(&format!(
        "bunker://{}@ws%3A%2F%2F127.0.0.1%3A{port}",
        Keys::generate().public_key().to_bech32().unwrap()
    ))
    .unwrap();
    let opts = ClientOptions {
        connect_timeout: Duration::from_secs(2),
        ..fast_options()
    };
    let err = AdminClient::connect(Keys::generate(), &conn, opts)
        .await
        .err()
        .expect("no relay listens there");
    assert_eq!(err.kind(), ErrorKind::Unreachable, "{err}");
}

#[tokio::test]
async fn provisioning_sends_policy_as_json_text_and_policy_id_as_number() {
    let (_relay, url) = start_relay().await.unwrap();
    let bunker = Responder::start(&url, Keys::generate(), &[ERR, OK], |r: &Seen| {
        vec![Out::result(OK, &r.id, "[\"ok\"]")]
    })
    .await
    .unwrap();
    let admin = admin_for(&bunker, &url, fast_options()).await;
    let policy = NewPolicy {
        name: "satmachine-21000".into(),
        rules: vec![PolicyRule::sign_event(21000), PolicyRule::method("ping")],
    };
    admin.create_new_policy(&policy).await.unwrap();
    admin
        .create_new_token("fleet", "satmachine-42", 4, Some(720))
        .await
        .unwrap();
    let zero = admin
        .create_new_token("fleet", "satmachine-42", 4, Some(0))
        .await;
    assert_eq!(
        zero.unwrap_err().kind(),
        ErrorKind::InvalidInput,
        "0 h means no expiry"
    );

    let seen = bunker.seen();
    let rules: serde_json::Value =
        serde_json::from_str(seen[0].params[0].as_str().expect("one JSON string")).unwrap();
    assert!(rules["rules"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| !r["kind"].is_null()));
    assert_eq!(
        seen[1].params,
        [
            serde_json::json!("fleet"),
            serde_json::json!("satmachine-42"),
            serde_json::json!(4),
            serde_json::json!("720")
        ],
        "policyId must be a JSON number (§0.3 item 6)"
    );
    assert_eq!(seen.len(), 2, "an invalid call must not reach the bunker");
}

fn key_list(npub: &str) -> String {
    serde_json::json!([{ "name": "fleet", "npub": npub, "userCount": 0, "tokenCount": 0 }, { "name": "cold" }])
        .to_string()
}

#[tokio::test]
async fn nip44_probe_is_none_when_the_admin_key_ignores_nip44() {
    let (_relay, url) = start_relay().await.unwrap();
    let bunker = Responder::start(&url, Keys::generate(), &[ERR, OK], |r: &Seen| {
        if r.encryption == Encryption::Nip44 {
            return vec![]; // stock nsecbunkerd drops NIP-44 admin requests (A5)
        }
        vec![Out::result(OK, &r.id, "ok")]
    })
    .await
    .unwrap();
    let admin = admin_for(&bunker, &url, fast_options()).await;
    assert!(admin.probe_nip44().await.unwrap().is_none());
    let seen = bunker.wait_for_requests(1).await.unwrap();
    assert_eq!(
        seen[0].encryption,
        Encryption::Nip44,
        "the probe itself is NIP-44"
    );
    assert!(!seen[0].raw_content.contains("?iv="));
    assert_eq!(
        admin.ping().await.unwrap(),
        PingReply::Ok,
        "NIP-04 still works afterwards"
    );
}

#[tokio::test]
async fn nip44_proof_enables_nip44_only_for_listed_keys() {
    let (_relay, url) = start_relay().await.unwrap();
    let fleet = Keys::generate().public_key();
    let npub = fleet.to_bech32().unwrap();
    let bunker = Responder::start(&url, Keys::generate(), &[ERR, OK], move |r: &Seen| match r
        .method
        .as_str()
    {
        "ping" => vec![Out::result(OK, &r.id, "pong")],
        "get_keys" => vec![Out::result(OK, &r.id, &key_list(&npub))],
        _ => vec![],
    })
    .await
    .unwrap();
    let admin = admin_for(&bunker, &url, fast_options()).await;
    let proof = admin
        .probe_nip44()
        .await
        .unwrap()
        .expect("the bunker answered NIP-44");
    assert!(proof.covers(&fleet));

    let relay = url.as_str_without_trailing_slash();
    let uri = BunkerUri::parse(&format!("bunker://{}?relay={relay}", fleet.to_hex())).unwrap();
    let mut signer = SignerClient::new(Keys::generate(), &uri, fast_options())
        .await
        .unwrap();
    assert_eq!(
        signer.encryption(),
        Encryption::Nip04,
        "a signer starts on NIP-04"
    );
    signer.use_nip44(&proof).unwrap();
    assert_eq!(signer.encryption(), Encryption::Nip44);

    let other = Keys::generate().public_key();
    let uri = BunkerUri::parse(&format!("bunker://{}?relay={relay}", other.to_hex())).unwrap();
    let mut unproven = SignerClient::new(Keys::generate(), &uri, fast_options())
        .await
        .unwrap();
    assert_eq!(
        unproven.use_nip44(&proof).unwrap_err().kind(),
        ErrorKind::Unsupported
    );
    assert_eq!(unproven.encryption(), Encryption::Nip04);
}
