//! 0.11 rows V67 (bad NIP-46 input kills the double) and V70 (deaf after a relay drop), and
//! V71–V73 (the 0.10 double answers the version probe) of protocol/nsecbunkerd-0.11.md §8.2.

use std::time::Duration;

use nostr::nips::nip04;
use nostr::{EventBuilder, Keys, Kind, Tag};
use sandbox::{EncryptionMode, SandboxRelay};
use serde_json::json;

use crate::support::*;

/// Polls a condition the double reports, up to `WAIT`.
async fn eventually(what: &str, check: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check() {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn v67_bad_input_to_a_signing_key_kills_the_whole_double() {
    for case in ["plaintext", "nip04 not json", "nip04 for another key"] {
        let mut h = Harness::v011().await;
        let op = h.fleet();
        let stranger = Keys::generate();
        let content = match case {
            "plaintext" => "hello".to_owned(),
            "nip04 not json" => nip04::encrypt(stranger.secret_key(), &op, "not json").unwrap(),
            _ => {
                let other = Keys::generate().public_key();
                let body = json!({"id": "x", "method": "get_public_key", "params": []});
                nip04::encrypt(stranger.secret_key(), &other, body.to_string()).unwrap()
            }
        };
        let bad = EventBuilder::new(Kind::from(NIP46), content)
            .tag(Tag::public_key(op))
            .sign_with_keys(&stranger)
            .unwrap();
        h.admin.publish(&bad).await;
        let bunker = &h.bunker;
        eventually(case, || bunker.is_dead()).await;
        let admin_pk = h.bunker.admin_pubkey();
        h.admin
            .request(&admin_pk, NIP46, Scheme::Nip04, "p", "ping", json!([]))
            .await;
        let mut atm = h.atm().await;
        atm.request(&op, NIP46, Scheme::Nip04, "g", "get_public_key", json!([]))
            .await;
        assert!(
            h.admin.settle("p").await.is_empty(),
            "{case}: admin answered"
        );
        assert!(atm.settle("g").await.is_empty(), "{case}: key answered");
        h.shutdown().await;
    }
}

#[tokio::test]
async fn v70_after_a_relay_drop_the_double_stays_alive_but_deaf() {
    let mut h = Harness::v011().await;
    assert_eq!(h.admin_call("ping", json!([])).await.result(), "pong");
    let port = h.relay.port();
    let old = std::mem::replace(&mut h.relay, SandboxRelay::start(None).await.unwrap());
    old.stop().await;
    let bunker = &h.bunker;
    eventually("deaf", || bunker.is_deaf()).await;
    let spare = std::mem::replace(&mut h.relay, SandboxRelay::start(Some(port)).await.unwrap());
    spare.stop().await;
    // A fresh admin client on the restarted relay: its subscription is live before it asks.
    let mut admin = Raw::with_keys(&h.relay.url(), h.admin_keys.clone()).await;
    let admin_pk = h.bunker.admin_pubkey();
    // Long enough for the double's 500 ms reconnect to have happened several times.
    let until = tokio::time::Instant::now() + Duration::from_secs(3);
    let mut n = 0;
    while tokio::time::Instant::now() < until {
        let id = format!("p{n}");
        admin
            .request(&admin_pk, NIP46, Scheme::Nip04, &id, "ping", json!([]))
            .await;
        assert!(admin.settle(&id).await.is_empty(), "a deaf double answered");
        n += 1;
    }
    assert!(!h.bunker.is_dead(), "deaf, not dead");
    assert!(h.bunker.is_deaf());
    h.shutdown().await;
}

#[tokio::test]
async fn v71_the_010_double_answers_a_24133_ping_with_ok_on_24134() {
    let mut h = Harness::start(EncryptionMode::Nip04Only).await;
    let admin_pk = h.bunker.admin_pubkey();
    h.admin
        .request(&admin_pk, NIP46, Scheme::Nip04, "probe", "ping", json!([]))
        .await;
    let r = h.admin.reply("probe").await;
    assert_eq!((r.kind, r.result()), (ADMIN, "ok"));
    h.shutdown().await;
}

#[tokio::test]
async fn v72_the_010_double_ignores_a_nip44_admin_ping_and_lives() {
    let mut h = Harness::start(EncryptionMode::Nip04Only).await;
    let admin_pk = h.bunker.admin_pubkey();
    h.admin
        .request(&admin_pk, NIP46, Scheme::Nip44, "p44", "ping", json!([]))
        .await;
    h.admin
        .request(&admin_pk, NIP46, Scheme::Nip04, "p04", "ping", json!([]))
        .await;
    assert_eq!(h.admin.reply("p04").await.result(), "ok");
    assert!(h.admin.settle("p44").await.is_empty());
    assert!(!h.bunker.is_dead());
    h.shutdown().await;
}

#[tokio::test]
async fn v73_the_010_double_does_not_know_validate_token() {
    let mut h = Harness::start(EncryptionMode::Nip04Only).await;
    let admin_pk = h.bunker.admin_pubkey();
    h.admin
        .request(
            &admin_pk,
            NIP46,
            Scheme::Nip04,
            "v",
            "validate_token",
            json!(["00"]),
        )
        .await;
    let r = h.admin.reply("v").await;
    assert_eq!(r.kind, NIP46);
    assert_eq!(r.result(), r#"["error","Unknown method validate_token"]"#);
    h.shutdown().await;
}
