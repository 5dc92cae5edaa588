//! Our bunker client against the sandbox (protocol/nsecbunkerd.md §6.3 C1–C10), in the stock
//! `nip04_only` mode and in `auto` mode.

use std::time::Duration;

use bunker_client::{
    AdminClient, ClientOptions, ErrorKind, EventTemplate, PingReply as Ping, Redemption, Refusal,
    Sensitive, SignerClient,
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
    let atm = SignerClient::new(Keys::generate(), &uri, options())
        .await
        .unwrap();
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
        assert!(
            matches!(err.kind(), ErrorKind::BunkerFault | ErrorKind::Rejected),
            "{mode:?}: {err}"
        );
        // A success right after on the same stream, kind 24134.
        assert!(
            !admin.get_keys().await.unwrap().is_empty(),
            "{mode:?}: get_keys lists the operator key"
        );
        let err = admin
            .create_new_token(KEY, "satmachine-x", 4242, Some(1))
            .await
            .unwrap_err();
        assert_eq!(
            err.refusal(),
            Some(&Refusal::PolicyNotFound),
            "{mode:?}: {err}"
        );
        bunker.assert_alive();
    }
}

#[tokio::test]
async fn c3_double_reply_surfaces_the_specific_error_and_nothing_spurious() {
    for mode in MODES {
        let bunker = Bunker::start(mode).await;
        let (_, uri) = mint(
            &bunker.admin().await,
            "satmachine-1",
            vec![bunker.sandbox.relay.url()],
        )
        .await;
        let atm = SignerClient::new(Keys::generate(), &uri, options())
            .await
            .unwrap();
        let wrong = Sensitive::new("00".repeat(32));
        let err = atm.connect(Some(&wrong)).await.unwrap_err();
        assert_eq!(
            err.refusal(),
            Some(&Refusal::TokenNotFound),
            "{mode:?}: {err}"
        );
        // The second "Not authorized" of that double reply must not disturb the next call.
        assert_eq!(
            atm.get_public_key().await.unwrap(),
            bunker.operator(),
            "{mode:?}"
        );
        bunker.assert_alive();
    }
}

#[tokio::test]
async fn c4_provisioned_url_has_the_key_pubkey_relays_and_hex_secret() {
    let bunker = Bunker::start(EncryptionMode::Nip04Only).await;
    let admin = bunker.admin().await;
    let (token, uri) = mint(&admin, "satmachine-7", vec![bunker.sandbox.relay.url()]).await;
    assert_eq!(
        uri.signer,
        bunker.operator(),
        "the URL names the key's pubkey, not the admin key (§4.1)"
    );
    let url = uri.to_url_string();
    let secret = token.secret_hex();
    assert!(
        url.starts_with(&format!("bunker://{}?relay=", bunker.operator().to_hex())),
        "{url}"
    );
    assert!(
        url.ends_with(&format!("&secret={}", secret.expose())),
        "secret is the raw hex, not npub#hex"
    );
    assert_eq!(secret.expose().len(), 64);
    // rust-nostr's own parser accepts it (interop: a parser nobody on this team wrote).
    let parsed = nostr::nips::nip46::NostrConnectURI::parse(&url).unwrap();
    assert_eq!(parsed.remote_signer_public_key(), Some(&bunker.operator()));
    assert_eq!(parsed.relays(), [bunker.sandbox.relay.url()]);
    assert_eq!(parsed.secret(), Some(secret.expose().as_str()));
}

#[tokio::test]
async fn c5_full_journey_never_kills_a_nip04_only_bunker() {
    let bunker = Bunker::stock(EncryptionMode::Nip04Only, PingReply::Ok).await;
    let admin = bunker.admin().await;
    assert!(
        admin.probe_nip44().await.unwrap().is_none(),
        "a stock bunker ignores the NIP-44 admin probe (A5)"
    );
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
        let first = SignerClient::new(atm_keys.clone(), &uri, options())
            .await
            .unwrap();
        assert_eq!(
            first
                .connect_resuming(uri.secret.as_ref().unwrap())
                .await
                .unwrap(),
            Redemption::Redeemed
        );
        first.shutdown().await;
        // Lost ack: the same ATM retries with the used secret and still gets in (§4.2 item 5).
        let retry = SignerClient::new(atm_keys.clone(), &uri, options())
            .await
            .unwrap();
        assert_eq!(
            retry
                .connect_resuming(uri.secret.as_ref().unwrap())
                .await
                .unwrap(),
            Redemption::AlreadyRedeemed
        );
        retry.shutdown().await;
        // Restart: the persisted URL has no secret; signing needs no connect at all.
        let stored = uri.without_secret();
        assert!(!stored.to_url_string().contains("secret="), "{mode:?}");
        let restarted = SignerClient::new(atm_keys, &stored, options())
            .await
            .unwrap();
        restarted
            .sign_event(atm_event("after restart"))
            .await
            .unwrap()
            .verify()
            .unwrap();
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
        let user = users
            .iter()
            .find(|u| u.pubkey == atm.client_public_key())
            .expect("KeyUser of the ATM");
        assert_eq!(
            user.description.as_deref(),
            Some("satmachine-9"),
            "{mode:?}: description = token client name"
        );
        assert!(!user.is_revoked());
        admin.revoke_user(user.id).await.unwrap();
        let after = admin.get_key_users(KEY).await.unwrap();
        assert!(
            after.iter().any(|u| u.id == user.id && u.is_revoked()),
            "{mode:?}: revokedAt is set"
        );
        let err = atm.sign_event(atm_event("after revoke")).await.unwrap_err();
        assert_eq!(
            err.refusal(),
            Some(&Refusal::NotAuthorized),
            "{mode:?}: {err}"
        );
    }
}

#[tokio::test]
async fn c8_out_of_policy_request_prompts_the_admin_who_never_answers() {
    let bunker = Bunker::start(EncryptionMode::Nip04Only).await;
    let admin = bunker.admin().await;
    let mut prompts = admin.acl_requests();
    let atm = redeemed_atm(&bunker, &admin, "satmachine-3").await;
    let kind1 = EventTemplate {
        kind: Kind::TextNote,
        ..atm_event("not an ATM event")
    };
    let err = atm.sign_event(kind1).await.unwrap_err();
    assert_eq!(err.refusal(), Some(&Refusal::NotAuthorized), "{err}");
    let prompt = tokio::time::timeout(Duration::from_secs(5), prompts.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(prompt.client, atm.client_public_key());
    assert_eq!(prompt.method, "sign_event");
    assert_eq!(prompt.key_name, KEY);
    // The admin client is still usable: the prompt was not mistaken for a reply.
    admin.ping().await.unwrap();
}

#[tokio::test]
async fn c9_admin_ping_accepts_ok_and_pong() {
    for (reply, expected) in [(PingReply::Ok, Ping::Ok), (PingReply::Pong, Ping::Pong)] {
        let bunker = Bunker::stock(EncryptionMode::Nip04Only, reply).await;
        assert_eq!(bunker.admin().await.ping().await.unwrap(), expected);
    }
}

#[tokio::test]
async fn c10_a_bunker_that_stopped_answering_yields_a_timeout() {
    let bunker = Bunker::stock(EncryptionMode::Nip04Only, PingReply::Ok).await;
    let quick = ClientOptions {
        timeout: Duration::from_millis(800),
        ..options()
    };
    let admin = AdminClient::connect(bunker.console.clone(), &bunker.connection(), quick)
        .await
        .unwrap();
    admin.ping().await.unwrap();
    // Someone else's NIP-44 request to the key kills a stock bunker (N19); we never send one.
    let stranger = Keys::generate();
    let body = r#"{"id":"x","method":"get_public_key","params":[]}"#;
    let content = nostr::nips::nip44::encrypt(
        stranger.secret_key(),
        &bunker.operator(),
        body,
        nostr::nips::nip44::Version::V2,
    )
    .unwrap();
    let event = EventBuilder::new(Kind::NostrConnect, content)
        .tag(Tag::public_key(bunker.operator()))
        .sign_with_keys(&stranger)
        .unwrap();
    assert!(bunker.sandbox.relay.inject(event));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !bunker.sandbox.bunker.is_dead() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the sandbox should model the crash"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let err = admin.ping().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}

#[tokio::test]
async fn auto_mode_probe_proves_nip44_and_the_atm_signs_over_nip44() {
    let bunker = Bunker::start(EncryptionMode::Auto).await;
    let admin = bunker.admin().await;
    let proof = admin
        .probe_nip44()
        .await
        .unwrap()
        .expect("an auto-mode bunker answers the NIP-44 probe");
    assert!(proof.covers(&bunker.operator()));
    let (_, uri) = mint(&admin, "satmachine-44", vec![bunker.sandbox.relay.url()]).await;
    let mut atm = SignerClient::new(Keys::generate(), &uri, options())
        .await
        .unwrap();
    atm.use_nip44(&proof).unwrap();
    atm.connect(uri.secret.as_ref()).await.unwrap();
    atm.sign_event(atm_event("over nip44"))
        .await
        .unwrap()
        .verify()
        .unwrap();
}

#[tokio::test]
async fn locked_operator_key_is_reported_as_locked() {
    let dir = tempfile::tempdir().unwrap();
    let console = Keys::generate();
    let mut cfg = acceptance::sandbox_config(dir.path().join("b.sqlite3"));
    cfg.admin_npubs = vec![console.public_key()];
    cfg.keys = vec![sandbox::SandboxKey::locked(
        "cold",
        Keys::generate().secret_key().clone(),
        "pw",
    )];
    let sb = sandbox::Sandbox::start(cfg).await.unwrap();
    let conn = bunker_client::AdminConnection::parse(&sb.bunker.admin_connection_string()).unwrap();
    let admin = AdminClient::connect(console, &conn, options())
        .await
        .unwrap();
    let err = admin.unlocked_key("cold").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::KeyLocked, "{err}");
    assert!(
        admin.get_key_tokens("cold").await.unwrap().is_empty(),
        "locked keys list no tokens (A16)"
    );
}

/// A scripted nsecbunkerd 0.10 admin interface on its own relay whose `create_new_token` fails
/// with the raw database error of base §2.3.7, carrying the new token's secret and a file path.
mod leaky_0_10 {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use nostr::nips::nip04;
    use nostr::nips::nip19::ToBech32;
    use nostr::{ClientMessage, EventBuilder, Filter, Keys, Kind, Tag};
    use nostr_sdk::{Client, RelayPoolNotification};
    use sandbox::SandboxRelay;

    pub const SECRET: &str = "5be1f00d7ac3e2d94b0c8a1f6e27d35c9a4b1e0f8d2c7a36b5e4f1a0c9d8e7b6";

    pub fn prisma_error() -> String {
        format!(
            "\nInvalid `prisma.token.create()` invocation in\n/app/src/daemon/admin/commands/create_new_token.ts:18:38\n\n  \
             data: {{ token: \"{SECRET}\", keyName: \"operator\", clientName: \"satmachine-1\", policyId: \"4\" }}\n\
             Argument `policyId`: Invalid value provided. Expected Int, provided String."
        )
    }

    pub struct Leaky {
        pub relay: SandboxRelay,
        pub admin: Keys,
        pub operator: Keys,
    }

    pub async fn start() -> Leaky {
        let relay = SandboxRelay::start(None).await.unwrap();
        let admin = Keys::generate();
        let operator = Keys::generate();
        let client = Client::default();
        client.add_relay(relay.url()).await.unwrap();
        client.connect().await;
        let mut notifications = client.notifications();
        let filter = Filter::new()
            .kinds([Kind::from(24133), Kind::from(24134)])
            .pubkey(admin.public_key())
            .limit(0);
        let sub = client.subscribe(filter, None).await.unwrap().val;
        loop {
            if let Ok(RelayPoolNotification::Message {
                message: nostr::RelayMessage::EndOfStoredEvents(id),
                ..
            }) = notifications.recv().await
            {
                if *id == sub {
                    break;
                }
            }
        }
        let keys = admin.clone();
        let npub = operator.public_key().to_bech32().unwrap();
        tokio::spawn(async move {
            while let Ok(n) = notifications.recv().await {
                let RelayPoolNotification::Event { event, .. } = n else {
                    continue;
                };
                // 0.10 speaks NIP-04 only; anything else is dropped.
                let Ok(text) = nip04::decrypt(keys.secret_key(), &event.pubkey, &event.content)
                else {
                    continue;
                };
                let Ok(req) = serde_json::from_str::<serde_json::Value>(&text) else {
                    continue;
                };
                let id = req["id"].as_str().unwrap_or_default();
                let (kind, body) = match req["method"].as_str().unwrap_or_default() {
                    "ping" => (24134, serde_json::json!({"id": id, "result": "ok"})),
                    "get_keys" => (
                        24134,
                        serde_json::json!({"id": id, "result":
                        format!(r#"[{{"name":"operator","npub":"{npub}","userCount":0,"tokenCount":0}}]"#)}),
                    ),
                    "get_policies" => (
                        24134,
                        serde_json::json!({"id": id, "result":
                        r#"[{"id":4,"name":"satmachine-21000","rules":[{"method":"sign_event","kind":"21000"}]}]"#}),
                    ),
                    "create_new_token" => (
                        24133,
                        serde_json::json!({"id": id, "result": "error", "error": prisma_error()}),
                    ),
                    m => (
                        24134,
                        serde_json::json!({"id": id, "result": format!("[\"error\",\"Unknown method {m}\"]")}),
                    ),
                };
                let content =
                    nip04::encrypt(keys.secret_key(), &event.pubkey, body.to_string()).unwrap();
                let reply = EventBuilder::new(Kind::from(kind), content)
                    .tag(Tag::public_key(event.pubkey))
                    .sign_with_keys(&keys)
                    .unwrap();
                let urls: Vec<_> = client.relays().await.into_keys().collect();
                let _ = client.send_msg_to(urls, ClientMessage::event(reply)).await;
            }
        });
        Leaky {
            relay,
            admin,
            operator,
        }
    }

    /// A tracing writer that keeps everything in memory.
    #[derive(Clone, Default)]
    pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}

#[tokio::test]
async fn a_0_10_create_new_token_error_carrying_the_token_secret_reaches_no_log_audit_error_or_sqlite(
) {
    use fleet_core::connect::ConnectRequest;
    use fleet_core::secrets::Secrets;
    use fleet_core::Fleet;
    use leaky_0_10::{Captured, SECRET};
    use nostr::nips::nip19::ToBech32;

    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    // Test runtime is current-thread: every task of this test logs through this subscriber.
    let _logs = tracing::subscriber::set_default(subscriber);

    let bunker = leaky_0_10::start().await;
    let data = tempfile::tempdir().unwrap();
    let fleet =
        Fleet::open_with(data.path(), Secrets::memory(), ClientOptions::loopback()).unwrap();
    let (console, _) = fleet.init_console().await.unwrap();
    let _ = console;
    let req = ConnectRequest {
        connection: format!(
            "bunker://{}@{}",
            bunker.admin.public_key().to_bech32().unwrap(),
            bunker.relay.url()
        ),
        key_name: KEY.into(),
        atm_relays: vec![bunker.relay.url().to_string()],
        timeout: Duration::from_secs(5),
    };
    let caps = fleet.connect(&req, |_| {}).await.unwrap();
    assert_eq!(caps.line, "0.10");
    assert_eq!(caps.operator_pubkey, bunker.operator.public_key().to_hex());

    let Err(err) = fleet
        .begin_pairing(&acceptance::quick_pairing("Lobby"), |_| {})
        .await
    else {
        panic!("minting must fail");
    };
    let shown = [err.to_string(), format!("{err:?}")];
    for text in &shown {
        assert!(
            !text.contains(SECRET),
            "the token secret reached the error: {text}"
        );
        assert!(
            !text.contains("/app/src"),
            "the daemon's path reached the error: {text}"
        );
    }

    let db = fleet_store::Db::open(data.path().join(fleet_core::DB_FILE)).unwrap();
    let audit = db
        .interact(|c| fleet_store::audit::list(c, 1000))
        .await
        .unwrap();
    drop(db);
    for e in &audit {
        assert!(
            !format!("{e:?}").contains(SECRET),
            "the token secret reached the audit log: {e:?}"
        );
    }
    drop(fleet);
    for entry in std::fs::read_dir(data.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !crate::support::contains(&bytes, SECRET),
                "the token secret reached {}",
                path.display()
            );
        }
    }
    let logs = captured.0.lock().unwrap().clone();
    assert!(!logs.is_empty(), "the logs were captured");
    assert!(
        !crate::support::contains(&logs, SECRET),
        "the token secret reached a log line"
    );
    assert!(
        leaky_0_10::prisma_error().contains(SECRET),
        "the bunker did send it"
    );
}

#[tokio::test]
async fn c12_line_probe_picks_each_sandbox_flavour_and_an_atm_signs_without_killing_either() {
    use bunker_client::{AdminConnection, BunkerLine};
    use sandbox::{Flavour, Sandbox, SandboxConfig};

    for (flavour, line) in [
        (Flavour::V0_10, BunkerLine::V0_10),
        (Flavour::V0_11, BunkerLine::V0_11),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let console = Keys::generate();
        let mut cfg = SandboxConfig::new(dir.path().join("bunker.sqlite3"));
        cfg.admin_npubs = vec![console.public_key()];
        cfg.flavour = flavour;
        let sandbox = Sandbox::start(cfg).await.unwrap();
        let conn = AdminConnection::parse(&sandbox.bunker.admin_connection_string()).unwrap();
        let admin = AdminClient::connect(console, &conn, options())
            .await
            .unwrap();

        let found = admin.detect_line().await.unwrap();
        assert_eq!(found.line, line, "{flavour:?}");
        let proof = match line {
            // Stock 0.10 (NIP-04 only) never proves NIP-44.
            BunkerLine::V0_10 => admin.probe_nip44().await.unwrap(),
            _ => found.nip44.clone(),
        };
        assert_eq!(proof.is_some(), line == BunkerLine::V0_11, "{flavour:?}");

        let (_, uri) = mint(&admin, "satmachine-1", vec![sandbox.relay.url()]).await;
        let mut atm = SignerClient::new(Keys::generate(), &uri, options())
            .await
            .unwrap();
        if let Some(proof) = &proof {
            atm.use_nip44(proof).unwrap();
        }
        atm.connect(uri.secret.as_ref()).await.unwrap();
        let event = atm.sign_event(atm_event("pay")).await.unwrap();
        assert_eq!(event.kind, Kind::Custom(21000));
        assert!(
            !sandbox.bunker.is_dead(),
            "{flavour:?}: the bunker must survive"
        );
        assert!(
            admin.get_keys().await.is_ok(),
            "{flavour:?}: the admin interface still answers"
        );
    }
}
