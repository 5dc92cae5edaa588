//! NIP-46 against a scripted signing key (protocol/nsecbunkerd.md §4.2, §6.3 N2–N8, C3, C5, C6).

use bunker_client::{
    BunkerUri, Encryption, ErrorKind, EventTemplate, Redemption, Refusal, Sensitive, SignerClient,
};
use nostr::{Event, EventBuilder, JsonUtil, Keys, Kind, RelayUrl, Tag, Timestamp};
use serde_json::Value;

use crate::support::{fast_options, start_relay, Out, Responder, Seen};

const NC: u16 = 24133;
const SECRET: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

async fn signer_for(bunker: &Responder, relay: &RelayUrl) -> SignerClient {
    let uri = BunkerUri::parse(&format!(
        "bunker://{}?relay={}&secret={SECRET}",
        bunker.keys.public_key().to_hex(),
        relay.as_str_without_trailing_slash()
    ))
    .unwrap();
    SignerClient::new(Keys::generate(), &uri, fast_options())
        .await
        .unwrap()
}

fn secret() -> Sensitive<String> {
    Sensitive::new(SECRET.to_owned())
}

#[tokio::test]
async fn signer_without_proof_sends_nip04_only() {
    let (_relay, url) = start_relay().await.unwrap();
    let key = Keys::generate();
    let key_hex = key.public_key().to_hex();
    let bunker = Responder::start(&url, key, &[NC], move |r: &Seen| {
        vec![Out::result(NC, &r.id, &key_hex)]
    })
    .await
    .unwrap();
    let signer = signer_for(&bunker, &url).await;
    assert_eq!(
        signer.get_public_key().await.unwrap(),
        bunker.keys.public_key()
    );
    let seen = bunker.seen();
    assert_eq!(seen[0].kind, NC);
    assert!(
        seen[0].raw_content.contains("?iv="),
        "the wire content must be NIP-04"
    );
    assert_eq!(seen[0].encryption, Encryption::Nip04);
}

#[tokio::test]
async fn connect_sends_the_secret_and_accepts_ack() {
    let (_relay, url) = start_relay().await.unwrap();
    let bunker = Responder::start(&url, Keys::generate(), &[NC], |r: &Seen| {
        vec![Out::result(NC, &r.id, "ack")]
    })
    .await
    .unwrap();
    let signer = signer_for(&bunker, &url).await;
    assert_eq!(
        signer.connect_resuming(&secret()).await.unwrap(),
        Redemption::Redeemed
    );
    let key_hex = bunker.keys.public_key().to_hex();
    assert_eq!(
        bunker.seen()[0].params,
        [Value::from(key_hex), Value::from(SECRET)]
    );
}

#[tokio::test]
async fn redeemed_token_is_resumed_by_connect_without_secret() {
    let (_relay, url) = start_relay().await.unwrap();
    let bunker = Responder::start(&url, Keys::generate(), &[NC], |r: &Seen| {
        if r.params.len() > 1 {
            vec![
                Out::error(NC, &r.id, "Token already redeemed"),
                Out::error(NC, &r.id, "Not authorized"),
            ]
        } else {
            vec![Out::result(NC, &r.id, "ack")]
        }
    })
    .await
    .unwrap();
    let signer = signer_for(&bunker, &url).await;
    assert_eq!(
        signer.connect_resuming(&secret()).await.unwrap(),
        Redemption::AlreadyRedeemed
    );
    let seen = bunker.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[1].params.len(),
        1,
        "the used secret is never re-sent (C6)"
    );
}

#[tokio::test]
async fn generic_not_authorized_first_yields_the_specific_error_within_grace() {
    let (_relay, url) = start_relay().await.unwrap();
    let bunker = Responder::start(&url, Keys::generate(), &[NC], |r: &Seen| {
        vec![
            Out::error(NC, &r.id, "Not authorized"),
            Out::error(NC, &r.id, "Token expired"),
        ]
    })
    .await
    .unwrap();
    let signer = signer_for(&bunker, &url).await;
    let err = signer.connect(Some(&secret())).await.unwrap_err();
    assert_eq!(err.refusal(), Some(&Refusal::TokenExpired), "{err}");
}

#[tokio::test]
async fn lone_not_authorized_is_reported_after_grace() {
    let (_relay, url) = start_relay().await.unwrap();
    let bunker = Responder::start(&url, Keys::generate(), &[NC], |r: &Seen| {
        vec![Out::error(NC, &r.id, "Not authorized")]
    })
    .await
    .unwrap();
    let signer = signer_for(&bunker, &url).await;
    let err = signer.connect(None).await.unwrap_err();
    assert_eq!(err.refusal(), Some(&Refusal::NotAuthorized));
    assert_eq!(err.kind(), ErrorKind::Rejected);
}

fn template() -> EventTemplate {
    EventTemplate {
        kind: Kind::from(21000),
        content: "pay #tag".into(),
        tags: vec![Tag::parse(["x", "y"]).unwrap()],
        created_at: Timestamp::from(1_700_000_000),
    }
}

/// Signs what it was asked to, the way NDK 2.8.1 does: appends a `t` tag (§1.4).
fn sign_like_ndk(keys: &Keys, request: &Seen) -> String {
    let wire: Value = serde_json::from_str(request.params[0].as_str().unwrap()).unwrap();
    let mut tags: Vec<Tag> = wire["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| Tag::parse(t.as_array().unwrap().iter().map(|v| v.as_str().unwrap())).unwrap())
        .collect();
    tags.push(Tag::parse(["t", "#tag"]).unwrap());
    EventBuilder::new(
        Kind::from(wire["kind"].as_u64().unwrap() as u16),
        wire["content"].as_str().unwrap(),
    )
    .tags(tags)
    .custom_created_at(Timestamp::from(wire["created_at"].as_u64().unwrap()))
    .sign_with_keys(keys)
    .unwrap()
    .as_json()
}

#[tokio::test]
async fn sign_event_returns_the_bunkers_mutated_event() {
    let (_relay, url) = start_relay().await.unwrap();
    let key = Keys::generate();
    let signing = key.clone();
    let bunker = Responder::start(&url, key, &[NC], move |r: &Seen| {
        vec![Out::result(NC, &r.id, &sign_like_ndk(&signing, r))]
    })
    .await
    .unwrap();
    let signer = signer_for(&bunker, &url).await;
    let event: Event = signer.sign_event(template()).await.unwrap();
    assert_eq!(event.pubkey, bunker.keys.public_key());
    assert_eq!(event.tags.len(), 2, "the bunker's appended tag is kept");

    let sent: Value = serde_json::from_str(bunker.seen()[0].params[0].as_str().unwrap()).unwrap();
    // nsecbunkerd ignores a template's pubkey (base §1.4); rust-nostr signers need one. It is
    // always the signer's own key, never anything else.
    assert_eq!(
        sent["pubkey"].as_str(),
        Some(bunker.keys.public_key().to_hex().as_str()),
        "the template names the signer's key"
    );
    assert_eq!(sent["kind"], 21000);
}

#[tokio::test]
async fn sign_event_signed_by_another_key_is_rejected() {
    let (_relay, url) = start_relay().await.unwrap();
    let impostor = Keys::generate();
    let bunker = Responder::start(&url, Keys::generate(), &[NC], move |r: &Seen| {
        vec![Out::result(NC, &r.id, &sign_like_ndk(&impostor, r))]
    })
    .await
    .unwrap();
    let signer = signer_for(&bunker, &url).await;
    let err = signer.sign_event(template()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadSignature, "{err}");
}
