//! State survives restarts; a dead bunker answers again after one; relays can come back.

use sandbox::{EncryptionMode, Sandbox, SandboxConfig, SandboxRelay};
use serde_json::json;

use crate::support::*;

/// `time_until_expiration` counts down between two reads.
fn without_countdown(mut tokens: serde_json::Value) -> serde_json::Value {
    for t in tokens.as_array_mut().unwrap() {
        t.as_object_mut().unwrap().remove("time_until_expiration");
    }
    tokens
}

#[tokio::test]
async fn tokens_users_and_revocations_survive_a_restart() {
    let mut h = Harness::start(EncryptionMode::Nip04Only).await;
    let admin_pk = h.bunker.admin_pubkey();
    let fleet = h.fleet();
    let mut revoked = h.paired_atm("revoked").await;
    let mut kept = h.paired_atm("kept").await;
    let id = h.key_user_id("fleet", &revoked.pubkey()).await;
    h.admin_ok("revoke_user", json!([id])).await;
    let policy = h.atm_policy().await;
    let unredeemed = h.token("fleet", "later", policy, json!("720")).await;
    let tokens_before = without_countdown(h.tokens("fleet").await);
    let users_before = h.users("fleet").await;

    h.restart().await;

    assert_eq!(
        h.bunker.admin_pubkey(),
        admin_pk,
        "the admin key is persisted"
    );
    assert_eq!(h.fleet(), fleet);
    assert_eq!(without_countdown(h.tokens("fleet").await), tokens_before);
    assert_eq!(h.users("fleet").await, users_before);
    let template = json!({"kind": 21000, "content": "", "tags": [], "created_at": 1}).to_string();
    assert_error(
        &h.call(
            &mut revoked,
            &fleet,
            "sign_event",
            json!([template.clone()]),
            1,
        )
        .await[0],
        "Not authorized",
    );
    let signed = h
        .call(&mut kept, &fleet, "sign_event", json!([template]), 1)
        .await;
    assert!(signed[0].error().is_none(), "{}", signed[0].text);
    let mut newcomer = h.atm().await;
    let r = h
        .call(
            &mut newcomer,
            &fleet,
            "connect",
            json!([fleet.to_hex(), unredeemed]),
            1,
        )
        .await;
    assert_eq!(r[0].result(), "ack");
    h.shutdown().await;
}

#[tokio::test]
async fn dead_bunker_answers_again_after_restart() {
    let mut h = Harness::start(EncryptionMode::Nip04Only).await;
    let fleet = h.fleet();
    let mut atm = h.atm().await;
    atm.request(
        &fleet,
        NIP46,
        Scheme::Nip44,
        "kill",
        "get_public_key",
        json!([]),
    )
    .await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while !h.bunker.is_dead() {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    h.restart().await;
    assert!(!h.bunker.is_dead());
    assert_eq!(h.admin_ok("ping", json!([])).await, "ok");
    assert_eq!(
        h.call(&mut atm, &fleet, "get_public_key", json!([]), 1)
            .await[0]
            .result(),
        fleet.to_hex()
    );
    h.shutdown().await;
}

#[tokio::test]
async fn default_key_is_generated_once_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let admin = nostr::Keys::generate();
    let mut cfg = SandboxConfig::new(dir.path().join("state.sqlite"));
    cfg.admin_npubs.push(admin.public_key());
    let first = Sandbox::start(cfg.clone()).await.unwrap();
    let operator = first
        .bunker
        .key_pubkey(sandbox::DEFAULT_KEY_NAME)
        .expect("default key");
    assert!(first
        .bunker
        .admin_connection_string()
        .starts_with("bunker://npub1"));
    assert!(first
        .bunker
        .admin_connection_string()
        .contains("@ws%3A%2F%2F127.0.0.1%3A"));
    first.shutdown().await;
    let second = Sandbox::start(cfg).await.unwrap();
    assert_eq!(
        second.bunker.key_pubkey(sandbox::DEFAULT_KEY_NAME),
        Some(operator)
    );
    assert_eq!(
        second.bunker.key_names(),
        vec![sandbox::DEFAULT_KEY_NAME.to_owned()]
    );
    second.shutdown().await;
}

#[tokio::test]
async fn bunker_and_clients_come_back_when_the_relay_restarts_on_the_same_port() {
    let mut h = Harness::start(EncryptionMode::Nip04Only).await;
    let port = h.relay.port();
    // Stand a placeholder relay in for the harness's while the real one is down.
    let old = std::mem::replace(&mut h.relay, SandboxRelay::start(None).await.unwrap());
    old.stop().await;
    let placeholder =
        std::mem::replace(&mut h.relay, SandboxRelay::start(Some(port)).await.unwrap());
    placeholder.stop().await;
    assert_eq!(h.relay.port(), port);
    // Both sides reconnect and resubscribe on their own; keep asking until answered.
    let admin_pk = h.bunker.admin_pubkey();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut n = 0;
    loop {
        n += 1;
        let id = format!("again{n}");
        h.admin
            .request(&admin_pk, ADMIN, Scheme::Nip04, &id, "ping", json!([]))
            .await;
        if h.admin.settle(&id).await.iter().any(|r| r.result() == "ok") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "bunker never came back"
        );
    }
    h.shutdown().await;
}
