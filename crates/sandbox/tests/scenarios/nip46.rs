//! NIP-46 rows N1–N22 of §6.3 (client = ATM key, server = key `fleet`).

use nostr::nips::nip04;
use nostr::{Event, JsonUtil, Keys, SecretKey};
use sandbox::{EncryptionMode, SandboxKey};
use serde_json::{json, Value};

use crate::support::*;

fn assert_double(replies: &[Received], first: &str) {
    assert_eq!(replies.len(), 2, "{replies:?}");
    assert_error(&replies[0], first);
    assert_error(&replies[1], "Not authorized");
}

#[tokio::test]
async fn n01_get_public_key_needs_no_auth() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let mut atm = h.atm().await;
        let fleet = h.fleet();
        let r = h
            .call(&mut atm, &fleet, "get_public_key", json!([]), 1)
            .await;
        assert_eq!((r[0].kind, r[0].result()), (NIP46, fleet.to_hex().as_str()));
        assert_eq!(
            r[0].author, fleet,
            "NIP-46 replies come from the key itself"
        );
        h.shutdown().await;
    }
}

#[tokio::test]
async fn n02_unknown_token_is_a_double_token_not_found() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let mut atm = h.atm().await;
        let fleet = h.fleet();
        let r = h
            .call(
                &mut atm,
                &fleet,
                "connect",
                json!([fleet.to_hex(), "nope"]),
                2,
            )
            .await;
        assert_double(&r, "Token not found");
        h.shutdown().await;
    }
}

#[tokio::test]
async fn n03_valid_token_connects_with_ack_and_is_redeemed() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let policy = h.atm_policy().await;
        let secret = h.token("fleet", "satmachine-3", policy, json!("720")).await;
        let mut atm = h.atm().await;
        let fleet = h.fleet();
        let r = h
            .call(
                &mut atm,
                &fleet,
                "connect",
                json!([fleet.to_hex(), secret]),
                1,
            )
            .await;
        assert_eq!(
            r[0].text,
            format!(r#"{{"id":"{}","result":"ack"}}"#, r[0].id().unwrap())
        );
        let t = &h.tokens("fleet").await[0];
        assert!(t["redeemed_at"].is_string(), "{t}");
        assert_eq!(t["redeemed_by"], "satmachine-3");
        let users = h.users("fleet").await;
        assert_eq!(users[0]["pubkey"], atm.pubkey().to_hex());
        h.shutdown().await;
    }
}

#[tokio::test]
async fn n04_same_connect_again_is_a_double_token_already_redeemed() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let policy = h.atm_policy().await;
        let secret = h.token("fleet", "satmachine-4", policy, json!("720")).await;
        let mut atm = h.atm().await;
        let fleet = h.fleet();
        assert_eq!(
            h.call(
                &mut atm,
                &fleet,
                "connect",
                json!([fleet.to_hex(), secret]),
                1
            )
            .await[0]
                .result(),
            "ack"
        );
        let r = h
            .call(
                &mut atm,
                &fleet,
                "connect",
                json!([fleet.to_hex(), secret]),
                2,
            )
            .await;
        assert_double(&r, "Token already redeemed");
        h.shutdown().await;
    }
}

#[tokio::test]
async fn n05_connect_without_secret_after_redemption_acks() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let mut atm = h.paired_atm("satmachine-5").await;
        let fleet = h.fleet();
        for params in [json!([fleet.to_hex(), ""]), json!([fleet.to_hex()])] {
            let r = h.call(&mut atm, &fleet, "connect", params, 1).await;
            assert_eq!(r[0].result(), "ack");
        }
        h.shutdown().await;
    }
}

#[tokio::test]
async fn n06_expired_token_is_a_double_token_expired() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let policy = h.atm_policy().await;
        // Appendix C: a negative duration is accepted and yields an already expired token.
        let secret = h.token("fleet", "late", policy, json!("-1")).await;
        let t = &h.tokens("fleet").await[0];
        assert!(t["time_until_expiration"].as_f64().unwrap() < 0.0);
        let mut atm = h.atm().await;
        let fleet = h.fleet();
        let r = h
            .call(
                &mut atm,
                &fleet,
                "connect",
                json!([fleet.to_hex(), secret]),
                2,
            )
            .await;
        assert_double(&r, "Token expired");
        h.shutdown().await;
    }
}

#[tokio::test]
async fn n07_redeemed_token_from_another_client_is_a_double_already_redeemed() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let policy = h.atm_policy().await;
        let secret = h.token("fleet", "satmachine-7", policy, json!("720")).await;
        let fleet = h.fleet();
        let mut first = h.atm().await;
        assert_eq!(
            h.call(
                &mut first,
                &fleet,
                "connect",
                json!([fleet.to_hex(), secret]),
                1
            )
            .await[0]
                .result(),
            "ack"
        );
        let mut second = h.atm().await;
        let r = h
            .call(
                &mut second,
                &fleet,
                "connect",
                json!([fleet.to_hex(), secret]),
                2,
            )
            .await;
        assert_double(&r, "Token already redeemed");
        h.shutdown().await;
    }
}

#[tokio::test]
async fn n08_sign_event_21000_returns_ndk_shaped_signed_event() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let mut atm = h.paired_atm("satmachine-8").await;
        let fleet = h.fleet();
        let template = json!({
            "kind": 21000,
            "content": "pay #tag nostr:npub1tj2dmc4udvgafxxxxxxxrtgne8j8l6rgrnaykzc8sys9mzfcz",
            "tags": [["x", "y"]],
            "created_at": 1_700_000_000,
            "pubkey": "ff".repeat(32),
        });
        let r = h
            .call(
                &mut atm,
                &fleet,
                "sign_event",
                json!([template.to_string()]),
                1,
            )
            .await;
        let text = r[0].result();
        assert!(
            text.starts_with(r##"{"created_at":1700000000,"content":"pay #tag nostr:npub1tj2dmc4udvgafxxxxxxxrtgne8j8l6rgrnaykzc8sys9mzfcz","tags":[["x","y"],["t","#tag"]],"kind":21000,"pubkey":""##),
            "key order and NDK 2.8.1 mutations: {text}"
        );
        let keys: Vec<&str> = [
            "\"created_at\"",
            "\"content\"",
            "\"tags\"",
            "\"kind\"",
            "\"pubkey\"",
            "\"id\"",
            "\"sig\"",
        ]
        .to_vec();
        let positions: Vec<usize> = keys.iter().map(|k| text.find(k).unwrap()).collect();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "key order {text}"
        );
        let event = Event::from_json(text).unwrap();
        event.verify().expect("id and signature are valid");
        assert_eq!(event.pubkey, fleet, "pubkey overwritten with the key's");
        h.shutdown().await;
    }
}

#[tokio::test]
async fn n09_sign_event_outside_policy_is_not_authorized_after_the_timeout() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let mut atm = h.paired_atm("satmachine-9").await;
        let fleet = h.fleet();
        let template = json!({"kind": 1, "content": "x", "tags": [], "created_at": 1}).to_string();
        let id = h.next_id("n9-");
        atm.request(
            &fleet,
            NIP46,
            Scheme::Nip04,
            &id,
            "sign_event",
            json!([template]),
        )
        .await;
        assert_error(&atm.reply(&id).await, "Not authorized");
        assert_eq!(
            h.admin.incoming_request("acl").await.json["method"],
            "acl",
            "the admins were asked"
        );
        assert_eq!(atm.settle(&id).await.len(), 1, "a single response");
        h.shutdown().await;
    }
}

#[tokio::test]
async fn n10_sign_event_with_bad_json_is_a_double_parse_error() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let mut atm = h.paired_atm("satmachine-10").await;
        let fleet = h.fleet();
        let r = h
            .call(&mut atm, &fleet, "sign_event", json!(["{not json"]), 2)
            .await;
        assert_double(&r, "Expected property name or '}' in JSON at position 1");
        h.shutdown().await;
    }
}

#[tokio::test]
async fn n11_ping_needs_a_ping_rule() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let mut atm = h.paired_atm("no-ping").await;
        let fleet = h.fleet();
        let r = h.call(&mut atm, &fleet, "ping", json!([]), 1).await;
        assert_error(&r[0], "Not authorized");

        let policy = h
            .policy(
                "with-ping",
                json!([{"method": "sign_event", "kind": 21000}, {"method": "ping", "kind": "all"}]),
            )
            .await;
        let secret = h.token("fleet", "pinger", policy, json!("1")).await;
        let mut pinger = h.atm().await;
        assert_eq!(
            h.call(
                &mut pinger,
                &fleet,
                "connect",
                json!([fleet.to_hex(), secret]),
                1
            )
            .await[0]
                .result(),
            "ack"
        );
        assert_eq!(
            h.call(&mut pinger, &fleet, "ping", json!([]), 1).await[0].result(),
            "pong"
        );
        h.shutdown().await;
    }
}

#[tokio::test]
async fn n12_unregistered_methods_are_not_authorized() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let mut atm = h.paired_atm("satmachine-12").await;
        let fleet = h.fleet();
        for method in [
            "describe",
            "nip44_encrypt",
            "switch_relays",
            "logout",
            "get_relays",
            "publish_event",
        ] {
            let id = h.next_id("n12-");
            atm.request(&fleet, NIP46, Scheme::Nip04, &id, method, json!([]))
                .await;
            assert_error(&atm.reply(&id).await, "Not authorized");
        }
        assert_eq!(
            h.admin.requests_seen("acl"),
            0,
            "no approval flow for unregistered methods"
        );
        h.shutdown().await;
    }
}

#[tokio::test]
async fn n13_nip04_encrypt_checks_the_encrypt_rule_not_nip04_encrypt() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let fleet = h.fleet();
        let peer = Keys::generate();
        let params = json!([peer.public_key().to_hex(), "secret text"]);

        let wrong = h
            .policy("wrong", json!([{"method": "nip04_encrypt", "kind": "all"}]))
            .await;
        let secret = h.token("fleet", "wrong", wrong, json!("1")).await;
        let mut atm = h.atm().await;
        assert_eq!(
            h.call(
                &mut atm,
                &fleet,
                "connect",
                json!([fleet.to_hex(), secret]),
                1
            )
            .await[0]
                .result(),
            "ack"
        );
        assert_error(
            &h.call(&mut atm, &fleet, "nip04_encrypt", params.clone(), 1)
                .await[0],
            "Not authorized",
        );

        let right = h
            .policy(
                "right",
                json!([{"method": "encrypt", "kind": "all"}, {"method": "decrypt", "kind": "all"}]),
            )
            .await;
        let secret = h.token("fleet", "right", right, json!("1")).await;
        let mut atm = h.atm().await;
        assert_eq!(
            h.call(
                &mut atm,
                &fleet,
                "connect",
                json!([fleet.to_hex(), secret]),
                1
            )
            .await[0]
                .result(),
            "ack"
        );
        let r = h.call(&mut atm, &fleet, "nip04_encrypt", params, 1).await;
        let ciphertext = r[0].result().to_owned();
        assert_eq!(
            nip04::decrypt(peer.secret_key(), &fleet, &ciphertext).unwrap(),
            "secret text"
        );
        let back = nip04::encrypt(peer.secret_key(), &fleet, "to the key").unwrap();
        let r = h
            .call(
                &mut atm,
                &fleet,
                "nip04_decrypt",
                json!([peer.public_key().to_hex(), back]),
                1,
            )
            .await;
        assert_eq!(r[0].result(), "to the key");
        h.shutdown().await;
    }
}

async fn revoked(h: &mut Harness, name: &str) -> Raw {
    let atm = h.paired_atm(name).await;
    let id = h.key_user_id("fleet", &atm.pubkey()).await;
    assert_eq!(h.admin_ok("revoke_user", json!([id])).await, r#"["ok"]"#);
    atm
}

#[tokio::test]
async fn n14_revoked_client_cannot_sign_its_policy_kind() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let mut atm = revoked(&mut h, "satmachine-14").await;
        let fleet = h.fleet();
        let template =
            json!({"kind": 21000, "content": "", "tags": [], "created_at": 1}).to_string();
        assert_error(
            &h.call(&mut atm, &fleet, "sign_event", json!([template]), 1)
                .await[0],
            "Not authorized",
        );
        assert_eq!(
            h.admin.requests_seen("acl"),
            0,
            "a covered method is denied without asking"
        );
        h.shutdown().await;
    }
}

#[tokio::test]
async fn n15_revoked_client_cannot_connect() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let mut atm = revoked(&mut h, "satmachine-15").await;
        let fleet = h.fleet();
        assert_error(
            &h.call(&mut atm, &fleet, "connect", json!([fleet.to_hex()]), 1)
                .await[0],
            "Not authorized",
        );
        h.shutdown().await;
    }
}

#[tokio::test]
async fn n16_revoked_client_still_gets_the_public_key() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let mut atm = revoked(&mut h, "satmachine-16").await;
        let fleet = h.fleet();
        assert_eq!(
            h.call(&mut atm, &fleet, "get_public_key", json!([]), 1)
                .await[0]
                .result(),
            fleet.to_hex()
        );
        h.shutdown().await;
    }
}

#[tokio::test]
async fn n17_revoked_client_burns_a_new_token_and_gets_a_single_not_authorized() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let mut atm = revoked(&mut h, "satmachine-17").await;
        let fleet = h.fleet();
        let policy = h.atm_policy().await;
        let secret = h.token("fleet", "second-chance", policy, json!("1")).await;
        let id = h.next_id("n17-");
        atm.request(
            &fleet,
            NIP46,
            Scheme::Nip04,
            &id,
            "connect",
            json!([fleet.to_hex(), secret]),
        )
        .await;
        assert_error(&atm.reply(&id).await, "Not authorized");
        // Anything later is answered after a second reply would have been sent.
        h.call(&mut atm, &fleet, "get_public_key", json!([]), 1)
            .await;
        assert_eq!(
            atm.settle(&id).await.len(),
            1,
            "applyToken succeeded, so no double"
        );
        let tokens = h.tokens("fleet").await;
        let burned = tokens
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["client_name"] == "second-chance")
            .unwrap();
        assert!(
            burned["redeemed_at"].is_string(),
            "the new token is burned: {burned}"
        );
        h.shutdown().await;
    }
}

#[tokio::test]
async fn n18_locked_key_gets_no_response() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let cold = h.key("cold");
        let fleet = h.fleet();
        let mut atm = h.atm().await;
        atm.request(
            &cold,
            NIP46,
            Scheme::Nip04,
            "n18",
            "get_public_key",
            json!([]),
        )
        .await;
        atm.request(
            &cold,
            NIP46,
            Scheme::Nip44,
            "n18-44",
            "get_public_key",
            json!([]),
        )
        .await;
        assert_eq!(
            h.call(&mut atm, &fleet, "get_public_key", json!([]), 1)
                .await[0]
                .result(),
            fleet.to_hex()
        );
        assert!(atm.settle("n18").await.is_empty());
        assert!(atm.settle("n18-44").await.is_empty());
        assert!(
            !h.bunker.is_dead(),
            "a locked key has no backend that could crash"
        );
        h.shutdown().await;
    }
}

#[tokio::test]
async fn n19_nip44_request_to_a_key_kills_the_nip04_only_bunker() {
    let mut h = Harness::start(EncryptionMode::Nip04Only).await;
    let fleet = h.fleet();
    let mut atm = h.atm().await;
    atm.request(
        &fleet,
        NIP46,
        Scheme::Nip44,
        "n19",
        "get_public_key",
        json!([]),
    )
    .await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while !h.bunker.is_dead() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bunker should have died"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let admin_pk = h.bunker.admin_pubkey();
    h.admin
        .request(
            &admin_pk,
            ADMIN,
            Scheme::Nip04,
            "n19-admin",
            "ping",
            json!([]),
        )
        .await;
    atm.request(
        &fleet,
        NIP46,
        Scheme::Nip04,
        "n19-04",
        "get_public_key",
        json!([]),
    )
    .await;
    assert!(atm.settle("n19").await.is_empty());
    assert!(atm.settle("n19-04").await.is_empty(), "NIP-46 is dead too");
    assert!(
        h.admin.settle("n19-admin").await.is_empty(),
        "the admin RPC shares the process"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn n20_auto_mode_replies_in_the_request_scheme() {
    let h = Harness::start(EncryptionMode::Auto).await;
    let fleet = h.fleet();
    let mut atm = h.atm().await;
    for (id, scheme) in [("n20-04", Scheme::Nip04), ("n20-44", Scheme::Nip44)] {
        atm.request(&fleet, NIP46, scheme, id, "get_public_key", json!([]))
            .await;
        let r = atm.reply(id).await;
        assert_eq!((r.scheme, r.result()), (scheme, fleet.to_hex().as_str()));
    }
    assert!(!h.bunker.is_dead());
    h.shutdown().await;
}

#[tokio::test]
async fn n21_connect_to_the_admin_pubkey_is_not_designated() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let policy = h.atm_policy().await;
        let secret = h.token("fleet", "confused", policy, json!("1")).await;
        let mut atm = h.atm().await;
        let admin_pk = h.bunker.admin_pubkey();
        atm.request(
            &admin_pk,
            NIP46,
            Scheme::Nip04,
            "n21",
            "connect",
            json!([admin_pk.to_hex(), secret]),
        )
        .await;
        let r = atm.reply("n21").await;
        assert_eq!(r.kind, NIP46);
        assert_error(&r, "You are not designated to administrate this bunker");
        assert_eq!(
            h.tokens("fleet").await[0]["redeemed_at"],
            Value::Null,
            "the token is untouched"
        );
        h.shutdown().await;
    }
}

#[tokio::test]
async fn n22_token_for_key_a_presented_to_key_b_burns_it_for_a_and_b_says_not_authorized() {
    for mode in MODES {
        let keys = vec![
            SandboxKey::unlocked("fleet", SecretKey::generate()),
            SandboxKey::unlocked("spare", SecretKey::generate()),
        ];
        let mut h = Harness::with_keys(mode, keys).await;
        let policy = h.atm_policy().await;
        let secret = h.token("fleet", "wanderer", policy, json!("1")).await;
        let spare = h.key("spare");
        let mut atm = h.atm().await;
        let r = h
            .call(
                &mut atm,
                &spare,
                "connect",
                json!([spare.to_hex(), secret]),
                1,
            )
            .await;
        assert_error(&r[0], "Not authorized");
        let prompt = h.admin.incoming_request("acl").await;
        let acl: Value = serde_json::from_str(prompt.json["params"][0].as_str().unwrap()).unwrap();
        assert_eq!(
            (acl["keyName"].as_str(), acl["method"].as_str()),
            (Some("spare"), Some("connect"))
        );
        assert!(
            h.tokens("fleet").await[0]["redeemed_at"].is_string(),
            "token burned"
        );
        assert_eq!(
            h.users("fleet").await[0]["pubkey"],
            atm.pubkey().to_hex(),
            "key A got the KeyUser"
        );
        assert_eq!(h.users("spare").await, json!([]));
        h.shutdown().await;
    }
}
