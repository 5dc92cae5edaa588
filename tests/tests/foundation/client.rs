//! Our bunker client against the sandbox (protocol/nsecbunkerd.md §6.3 C1–C10), in the stock
//! `nip04_only` mode and in `auto` mode.

use std::time::Duration;

use bunker_client::{
    AdminClient, ClientOptions, ErrorKind, EventTemplate, PingReply as Ping, Redemption, Refusal, Sensitive, SignerClient,
};
use nostr::{EventBuilder, Keys, Kind, Tag, Timestamp};
use sandbox::{EncryptionMode, PingReply};

use crate::support::{mint, options, Bunker, KEY};

const MODES: [EncryptionMode; 2] = [EncryptionMode::Nip04Only, EncryptionMode::Auto];

fn atm_event(content: &str) -> EventTemplate {
    EventTemplate {
        kind: Kind::Custom(21000),
        content: content.into(),
        tags: vec![Tag::parse(["machine", "lobby"]).unwrap()],
        created_at: Timestamp::from(1_800_000_000),
    }
}

async fn redeemed_atm(bunker: &Bunker, admin: &AdminClient, name: &str) -> SignerClient {
    let (_, uri) = mint(admin, name, vec![bunker.sandbox.relay.url()]).await;
    let atm = SignerClient::new(Keys::generate(), &uri, options()).await.unwrap();
    atm.connect(uri.secret.as_ref()).await.unwrap();
    atm
}

#[tokio::test]
async fn c1_admin_errors_on_24133_and_successes_on_24134_are_matched_by_id() {
    for mode in MODES {
        let bunker = Bunker::start(mode).await;
        let admin = bunker.admin().await;
        // revoke_user of an unknown id: a thrown error, answered on kind 24133 (A20).
        let err = admin.revoke_user(9999).await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::BunkerFault | ErrorKind::Rejected), "{mode:?}: {err}");
        // A success right after on the same stream, kind 24134.
        assert!(!admin.get_keys().await.unwrap().is_empty(), "{mode:?}: get_keys lists the operator key");
        let err = admin.create_new_token(KEY, "satmachine-x", 4242, Some(1)).await.unwrap_err();
        assert_eq!(err.refusal(), Some(&Refusal::PolicyNotFound), "{mode:?}: {err}");
        bunker.assert_alive();
    }
}

#[tokio::test]
async fn c3_double_reply_surfaces_the_specific_error_and_nothing_spurious() {
    for mode in MODES {
        let bunker = Bunker::start(mode).await;
        let (_, uri) = mint(&bunker.admin().await, "satmachine-1", vec![bunker.sandbox.relay.url()]).await;
        let atm = SignerClient::new(Keys::generate(), &uri, options()).await.unwrap();
        let wrong = Sensitive::new("00".repeat(32));
        let err = atm.connect(Some(&wrong)).await.unwrap_err();
        assert_eq!(err.refusal(), Some(&Refusal::TokenNotFound), "{mode:?}: {err}");
        // The second "Not authorized" of that double reply must not disturb the next call.
        assert_eq!(atm.get_public_key().await.unwrap(), bunker.operator(), "{mode:?}");
        bunker.assert_alive();
    }
}

#[tokio::test]
async fn c4_provisioned_url_has_the_key_pubkey_relays_and_hex_secret() {
    let bunker = Bunker::start(EncryptionMode::Nip04Only).await;
    let admin = bunker.admin().await;
    let (token, uri) = mint(&admin, "satmachine-7", vec![bunker.sandbox.relay.url()]).await;
    assert_eq!(uri.signer, bunker.operator(), "the URL names the key's pubkey, not the admin key (§4.1)");
    let url = uri.to_url_string();
    let secret = token.secret_hex();
    assert!(url.starts_with(&format!("bunker://{}?relay=", bunker.operator().to_hex())), "{url}");
    assert!(url.ends_with(&format!("&secret={}", secret.expose())), "secret is the raw hex, not npub#hex");
    assert_eq!(secret.expose().len(), 64);
    // rust-nostr's own parser accepts it (interop: a parser nobody on this team wrote).
    let parsed = nostr::nips::nip46::NostrConnectURI::parse(&url).unwrap();
    assert_eq!(parsed.remote_signer_public_key(), Some(&bunker.operator()));
    assert_eq!(parsed.relays(), [bunker.sandbox.relay.url()]);
    assert_eq!(parsed.secret(), Some(secret.expose().as_str()));
}

#[tokio::test]
async fn c5_full_journey_never_kills_a_nip04_only_bunker() {
    let bunker = Bunker::start(EncryptionMode::Nip04Only).await;
    let admin = bunker.admin().await;
    assert!(admin.probe_nip44().await.unwrap().is_none(), "a stock bunker ignores the NIP-44 admin probe (A5)");
    let atm = redeemed_atm(&bunker, &admin, "satmachine-1").await;
    assert_eq!(atm.encryption(), bunker_client::Encryption::Nip04);
    let event = atm.sign_event(atm_event("pay 1000 sat")).await.unwrap();
    event.verify().unwrap();
    assert_eq!(event.pubkey, bunker.operator());
    assert_eq!(event.kind, Kind::Custom(21000));
    bunker.assert_alive();
    admin.ping().await.unwrap();
}

#[tokio::test]
async fn c6_restarted_atm_uses_the_secretless_url_and_never_resends_the_secret() {
    for mode in MODES {
        let bunker = Bunker::start(mode).await;
        let admin = bunker.admin().await;
        let (_, uri) = mint(&admin, "satmachine-1", vec![bunker.sandbox.relay.url()]).await;
        let atm_keys = Keys::generate();
        let first = SignerClient::new(atm_keys.clone(), &uri, options()).await.unwrap();
        assert_eq!(first.connect_resuming(uri.secret.as_ref().unwrap()).await.unwrap(), Redemption::Redeemed);
        first.shutdown().await;
        // Lost ack: the same ATM retries with the used secret and still gets in (§4.2 item 5).
        let retry = SignerClient::new(atm_keys.clone(), &uri, options()).await.unwrap();
        assert_eq!(retry.connect_resuming(uri.secret.as_ref().unwrap()).await.unwrap(), Redemption::AlreadyRedeemed);
        retry.shutdown().await;
        // Restart: the persisted URL has no secret; signing needs no connect at all.
        let stored = uri.without_secret();
        assert!(!stored.to_url_string().contains("secret="), "{mode:?}");
        let restarted = SignerClient::new(atm_keys, &stored, options()).await.unwrap();
        restarted.sign_event(atm_event("after restart")).await.unwrap().verify().unwrap();
        bunker.assert_alive();
    }
}

#[tokio::test]
async fn c7_revoke_resolves_the_key_user_by_pubkey_and_the_bunker_then_refuses() {
    for mode in MODES {
        let bunker = Bunker::start(mode).await;
        let admin = bunker.admin().await;
        let atm = redeemed_atm(&bunker, &admin, "satmachine-9").await;
        let users = admin.get_key_users(KEY).await.unwrap();
        let user = users.iter().find(|u| u.pubkey == atm.client_public_key()).expect("KeyUser of the ATM");
        assert_eq!(user.description.as_deref(), Some("satmachine-9"), "{mode:?}: description = token client name");
        assert!(!user.is_revoked());
        admin.revoke_user(user.id).await.unwrap();
        let after = admin.get_key_users(KEY).await.unwrap();
        assert!(after.iter().any(|u| u.id == user.id && u.is_revoked()), "{mode:?}: revokedAt is set");
        let err = atm.sign_event(atm_event("after revoke")).await.unwrap_err();
        assert_eq!(err.refusal(), Some(&Refusal::NotAuthorized), "{mode:?}: {err}");
    }
}

#[tokio::test]
async fn c8_out_of_policy_request_prompts_the_admin_who_never_answers() {
    let bunker = Bunker::start(EncryptionMode::Nip04Only).await;
    let admin = bunker.admin().await;
    let mut prompts = admin.acl_requests();
    let atm = redeemed_atm(&bunker, &admin, "satmachine-3").await;
    let kind1 = EventTemplate { kind: Kind::TextNote, ..atm_event("not an ATM event") };
    let err = atm.sign_event(kind1).await.unwrap_err();
    assert_eq!(err.refusal(), Some(&Refusal::NotAuthorized), "{err}");
    let prompt = tokio::time::timeout(Duration::from_secs(5), prompts.recv()).await.unwrap().unwrap();
    assert_eq!(prompt.client, atm.client_public_key());
    assert_eq!(prompt.method, "sign_event");
    assert_eq!(prompt.key_name, KEY);
    // The admin client is still usable: the prompt was not mistaken for a reply.
    admin.ping().await.unwrap();
}

#[tokio::test]
async fn c9_admin_ping_accepts_ok_and_pong() {
    for (reply, expected) in [(PingReply::Ok, Ping::Ok), (PingReply::Pong, Ping::Pong)] {
        let bunker = Bunker::start_with(EncryptionMode::Nip04Only, reply).await;
        assert_eq!(bunker.admin().await.ping().await.unwrap(), expected);
    }
}

#[tokio::test]
async fn c10_a_bunker_that_stopped_answering_yields_a_timeout() {
    let bunker = Bunker::start(EncryptionMode::Nip04Only).await;
    let quick = ClientOptions { timeout: Duration::from_millis(800), ..options() };
    let admin = AdminClient::connect(bunker.console.clone(), &bunker.connection(), quick).await.unwrap();
    admin.ping().await.unwrap();
    // Someone else's NIP-44 request to the key kills a stock bunker (N19); we never send one.
    let stranger = Keys::generate();
    let body = r#"{"id":"x","method":"get_public_key","params":[]}"#;
    let content = nostr::nips::nip44::encrypt(stranger.secret_key(), &bunker.operator(), body, nostr::nips::nip44::Version::V2).unwrap();
    let event = EventBuilder::new(Kind::NostrConnect, content)
        .tag(Tag::public_key(bunker.operator()))
        .sign_with_keys(&stranger)
        .unwrap();
    assert!(bunker.sandbox.relay.inject(event));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !bunker.sandbox.bunker.is_dead() {
        assert!(tokio::time::Instant::now() < deadline, "the sandbox should model the crash");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let err = admin.ping().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}

#[tokio::test]
async fn auto_mode_probe_proves_nip44_and_the_atm_signs_over_nip44() {
    let bunker = Bunker::start(EncryptionMode::Auto).await;
    let admin = bunker.admin().await;
    let proof = admin.probe_nip44().await.unwrap().expect("an auto-mode bunker answers the NIP-44 probe");
    assert!(proof.covers(&bunker.operator()));
    let (_, uri) = mint(&admin, "satmachine-44", vec![bunker.sandbox.relay.url()]).await;
    let mut atm = SignerClient::new(Keys::generate(), &uri, options()).await.unwrap();
    atm.use_nip44(&proof).unwrap();
    atm.connect(uri.secret.as_ref()).await.unwrap();
    atm.sign_event(atm_event("over nip44")).await.unwrap().verify().unwrap();
}

#[tokio::test]
async fn locked_operator_key_is_reported_as_locked() {
    let dir = tempfile::tempdir().unwrap();
    let console = Keys::generate();
    let mut cfg = sandbox::SandboxConfig::new(dir.path().join("b.sqlite3"));
    cfg.admin_npubs = vec![console.public_key()];
    cfg.keys = vec![sandbox::SandboxKey::locked("cold", Keys::generate().secret_key().clone(), "pw")];
    let sb = sandbox::Sandbox::start(cfg).await.unwrap();
    let conn = bunker_client::AdminConnection::parse(&sb.bunker.admin_connection_string()).unwrap();
    let admin = AdminClient::connect(console, &conn, options()).await.unwrap();
    let err = admin.unlocked_key("cold").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::KeyLocked, "{err}");
    assert!(admin.get_key_tokens("cold").await.unwrap().is_empty(), "locked keys list no tokens (A16)");
}
