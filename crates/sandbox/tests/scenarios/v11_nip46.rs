//! 0.11 rows V10–V16 (reply and prompt encryption) and V53–V66, V68, V69 (NIP-46) of
//! protocol/nsecbunkerd-0.11.md §8.2, against the 0.11 flavour.

use std::time::Duration;

use nostr::nips::{nip04, nip44};
use nostr::{JsonUtil, ToBech32};
use serde_json::json;

use crate::support::*;
use crate::v11_admin::{next_self_ping, self_ping_watcher};

/// Long enough to act while a request waits for approval, short enough for the suite.
const SLOW_APPROVAL: Duration = Duration::from_secs(3);

fn is_signed(r: &Received) -> bool {
    r.error().is_none() && r.parsed().get("sig").is_some()
}

fn kind1() -> String {
    json!({"kind": 1, "content": "not allowed", "tags": [], "created_at": 1}).to_string()
}

#[tokio::test]
async fn v10_acl_prompt_is_nip04_after_a_nip04_admin_request() {
    let mut h = Harness::v011().await;
    let mut atm = h.paired_atm("m1").await;
    h.admin_call_in(Scheme::Nip04, "ping", json!([])).await;
    let op = h.fleet();
    let r = h
        .call(&mut atm, &op, "sign_event", json!([kind1()]), 1)
        .await;
    assert_error(&r[0], "Not authorized");
    let prompt = h.admin.incoming_request("acl").await;
    assert_eq!((prompt.kind, prompt.scheme), (NIP46, Scheme::Nip04));
    h.shutdown().await;
}

#[tokio::test]
async fn v11_acl_prompt_is_nip44_after_a_self_ping() {
    let mut h = Harness::v011_with(APPROVAL, Duration::from_millis(500)).await;
    let (client, mut pings) = self_ping_watcher(&h).await;
    let mut atm = h.paired_atm("m1").await;
    h.admin_call_in(Scheme::Nip04, "ping", json!([])).await;
    // A self-ping after the last admin request flips the admin endpoint to NIP-44; the second
    // one seen from now was certainly sent after that request.
    while pings.try_recv().is_ok() {}
    next_self_ping(&mut pings).await;
    next_self_ping(&mut pings).await;
    let op = h.fleet();
    h.call(&mut atm, &op, "sign_event", json!([kind1()]), 1)
        .await;
    let prompt = h.admin.incoming_request("acl").await;
    assert_eq!((prompt.kind, prompt.scheme), (NIP46, Scheme::Nip44));
    client.shutdown().await;
    h.shutdown().await;
}

#[tokio::test]
async fn v12_acl_prompt_is_nip44_after_a_nip44_admin_request() {
    let mut h = Harness::v011().await;
    let mut atm = h.paired_atm("m1").await;
    h.admin_call_in(Scheme::Nip44, "ping", json!([])).await;
    let op = h.fleet();
    h.call(&mut atm, &op, "sign_event", json!([kind1()]), 1)
        .await;
    let prompt = h.admin.incoming_request("acl").await;
    assert_eq!((prompt.kind, prompt.scheme), (NIP46, Scheme::Nip44));
    h.shutdown().await;
}

#[tokio::test]
async fn v13_a_late_reply_takes_the_scheme_of_the_last_request_to_the_key() {
    let mut h = Harness::v011_with(SLOW_APPROVAL, V011_QUIET).await;
    let mut a = h.paired_atm("a").await;
    let op = h.fleet();
    let waiting = h
        .send_nip46(&a, &op, Scheme::Nip04, "sign_event", json!([kind1()]))
        .await;
    // A's request is parsed and pending once its prompt is out.
    h.admin.incoming_request("acl").await;
    let mut b = h.atm().await;
    let r = h
        .call_in(&mut b, &op, Scheme::Nip44, "get_public_key", json!([]), 1)
        .await;
    assert_eq!(
        (r[0].scheme, r[0].result()),
        (Scheme::Nip44, op.to_hex().as_str())
    );
    let late = a.reply(&waiting).await;
    assert_error(&late, "Not authorized");
    assert_eq!(
        late.scheme,
        Scheme::Nip44,
        "A asked in NIP-04 but B spoke last"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn v14_a_waiting_nip44_client_gets_its_refusal_in_nip04() {
    let mut h = Harness::v011_with(SLOW_APPROVAL, V011_QUIET).await;
    let op = h.fleet();
    let mut waiting_client = h.atm().await;
    let waiting = h
        .send_nip46(
            &waiting_client,
            &op,
            Scheme::Nip44,
            "connect",
            json!([op.to_hex()]),
        )
        .await;
    h.admin.incoming_request("acl").await;
    let mut talker = h.atm().await;
    let r = h
        .call_in(
            &mut talker,
            &op,
            Scheme::Nip04,
            "get_public_key",
            json!([]),
            1,
        )
        .await;
    assert_eq!(r[0].scheme, Scheme::Nip04);
    let late = waiting_client.reply(&waiting).await;
    assert_error(&late, "Not authorized");
    assert_eq!(late.scheme, Scheme::Nip04);
    h.shutdown().await;
}

#[tokio::test]
async fn v15_an_always_answer_in_either_scheme_approves_and_persists() {
    for answer_scheme in [Scheme::Nip04, Scheme::Nip44] {
        let mut h = Harness::v011_with(SLOW_APPROVAL, V011_QUIET).await;
        let mut atm = h.paired_atm("m1").await;
        let op = h.fleet();
        let waiting = h
            .send_nip46(&atm, &op, Scheme::Nip04, "sign_event", json!([kind1()]))
            .await;
        let prompt = h.admin.incoming_request("acl").await;
        let answer = json!({
            "id": prompt.id().unwrap(),
            "result": json!(["always", "x", {"kind": "1"}]).to_string(),
        })
        .to_string();
        let admin_pk = h.bunker.admin_pubkey();
        h.admin.send(&admin_pk, NIP46, &answer, answer_scheme).await;
        let signed = atm.reply(&waiting).await;
        assert!(is_signed(&signed), "{}", signed.text);
        assert_eq!(signed.parsed()["kind"], 1);
        let again = h
            .call(&mut atm, &op, "sign_event", json!([kind1()]), 1)
            .await;
        assert!(is_signed(&again[0]), "{}", again[0].text);
        assert_eq!(h.admin.requests_seen("acl"), 0, "no second prompt");
        let p = h
            .admin_json(
                "get_permissions",
                json!(["operator", atm.pubkey().to_hex()]),
            )
            .await;
        assert!(
            p["signing_conditions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["method"] == "sign_event" && c["kind"] == "1"),
            "{p}"
        );
        h.shutdown().await;
    }
}

#[tokio::test]
async fn v16_a_never_answer_is_ignored_and_the_request_times_out() {
    let mut h = Harness::v011().await;
    let atm = h.paired_atm("m1").await;
    let op = h.fleet();
    let mut atm = atm;
    let waiting = h
        .send_nip46(&atm, &op, Scheme::Nip04, "sign_event", json!([kind1()]))
        .await;
    let prompt = h.admin.incoming_request("acl").await;
    let answer = json!({"id": prompt.id().unwrap(), "result": r#"["never"]"#}).to_string();
    let admin_pk = h.bunker.admin_pubkey();
    h.admin.send(&admin_pk, NIP46, &answer, Scheme::Nip04).await;
    assert_error(&atm.reply(&waiting).await, "Not authorized");
    h.shutdown().await;
}

#[tokio::test]
async fn v53_connect_with_a_fresh_token_answers_ack_once() {
    let mut h = Harness::v011().await;
    let policy = h.atm_policy().await;
    let secret = h.token("operator", "c", policy, json!(1)).await;
    let atm = h.atm().await;
    let mut atm = atm;
    let op = h.fleet();
    let id = h
        .send_nip46(
            &atm,
            &op,
            Scheme::Nip04,
            "connect",
            json!([op.to_hex(), secret]),
        )
        .await;
    let r = atm.reply(&id).await;
    assert_eq!(r.text, format!(r#"{{"id":"{id}","result":"ack"}}"#));
    assert_eq!(atm.settle(&id).await.len(), 1);
    h.shutdown().await;
}

#[tokio::test]
async fn v54_a_known_client_connects_without_a_secret() {
    let mut h = Harness::v011().await;
    let mut atm = h.paired_atm("c").await;
    let op = h.fleet();
    for params in [json!([op.to_hex()]), json!([op.to_hex(), ""]), json!([])] {
        let r = h.call(&mut atm, &op, "connect", params.clone(), 1).await;
        assert_eq!(r[0].result(), "ack", "{params}");
    }
    h.shutdown().await;
}

#[tokio::test]
async fn v55_nip44_requests_to_a_signing_key_are_answered_in_nip44() {
    let mut h = Harness::v011().await;
    let mut atm = h.paired_atm("c").await;
    let op = h.fleet();
    for (method, params) in [
        ("connect", json!([op.to_hex()])),
        ("get_public_key", json!([])),
        ("sign_event", json!([template_21000()])),
    ] {
        let r = h
            .call_in(&mut atm, &op, Scheme::Nip44, method, params, 1)
            .await;
        assert_eq!(r[0].scheme, Scheme::Nip44, "{method}");
        assert!(r[0].error().is_none(), "{}", r[0].text);
    }
    assert!(!h.bunker.is_dead());
    h.shutdown().await;
}

#[tokio::test]
async fn v56_unknown_client_connect_goes_to_approval() {
    let mut h = Harness::v011().await;
    let mut atm = h.atm().await;
    let op = h.fleet();
    let r = h
        .call(&mut atm, &op, "connect", json!([op.to_hex()]), 1)
        .await;
    assert_error(&r[0], "Not authorized");
    let prompt = h.admin.incoming_request("acl").await;
    assert_eq!(prompt.kind, NIP46);
    h.shutdown().await;
}

#[tokio::test]
async fn v57_token_errors_are_double_replies_in_either_scheme() {
    let mut h = Harness::v011().await;
    let _first = h.paired_atm("used").await;
    let (_, full, redeemed) = h.token_entry("operator", "used").await;
    let policy = h.atm_policy().await;
    let expired = h.token("operator", "old", policy, json!(-1)).await;
    let op = h.fleet();
    for scheme in [Scheme::Nip04, Scheme::Nip44] {
        for (secret, error) in [
            (redeemed.clone(), "Token already redeemed"),
            (expired.clone(), "Token expired"),
            ("00".repeat(32), "Token not found"),
            (full.clone(), "Token not found"),
        ] {
            let mut atm = h.atm().await;
            let r = h
                .call_in(
                    &mut atm,
                    &op,
                    scheme,
                    "connect",
                    json!([op.to_hex(), secret]),
                    2,
                )
                .await;
            assert_error(&r[0], error);
            assert_error(&r[1], "Not authorized");
            assert_eq!((r[0].scheme, r[1].scheme), (scheme, scheme));
        }
    }
    h.shutdown().await;
}

#[tokio::test]
async fn v58_a_token_of_another_key_is_burned_then_approval_times_out() {
    let mut h = Harness::v011().await;
    let policy = h.atm_policy().await;
    h.admin_ok("create_new_token", json!(["no-such-key", "c", policy, 1]))
        .await;
    let t = h.admin_json("get_token", json!([1])).await;
    let secret = t["token"].as_str().unwrap().to_owned();
    let mut atm = h.atm().await;
    let op = h.fleet();
    let id = h
        .send_nip46(
            &atm,
            &op,
            Scheme::Nip04,
            "connect",
            json!([op.to_hex(), secret]),
        )
        .await;
    assert_error(&atm.reply(&id).await, "Not authorized");
    assert_eq!(atm.settle(&id).await.len(), 1, "a single reply");
    let t = h.admin_json("get_token", json!([1])).await;
    assert!(t["redeemed_at"].is_string(), "{t}");
    h.shutdown().await;
}

#[tokio::test]
async fn v59_a_revoked_client_burns_a_new_token_and_is_refused_once() {
    let mut h = Harness::v011().await;
    let mut atm = h.paired_atm("c").await;
    let id = h.key_user_id("operator", &atm.pubkey()).await;
    h.admin_ok("revoke_user", json!([id])).await;
    let policy = h.atm_policy().await;
    let secret = h.token("operator", "again", policy, json!(1)).await;
    let op = h.fleet();
    let rid = h
        .send_nip46(
            &atm,
            &op,
            Scheme::Nip04,
            "connect",
            json!([op.to_hex(), secret]),
        )
        .await;
    assert_error(&atm.reply(&rid).await, "Not authorized");
    assert_eq!(atm.settle(&rid).await.len(), 1);
    assert_eq!(h.admin.requests_seen("acl"), 0);
    let tokens = h.tokens("operator").await;
    let t = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["client_name"] == "again")
        .unwrap();
    assert!(t["redeemed_at"].is_string(), "{t}");
    h.shutdown().await;
}

#[tokio::test]
async fn v60_sign_event_tags_hashtags_without_hash_and_mentions() {
    let mut h = Harness::v011().await;
    let mut atm = h.paired_atm("c").await;
    let c = atm.pubkey();
    let npub = c.to_bech32().unwrap();
    let op = h.fleet();
    let template = json!({
        "kind": 21000,
        "tags": [["x", "y"]],
        "pubkey": "f".repeat(64),
        "content": format!("pay #Tag #tag @{npub}"),
    })
    .to_string();
    let r = h
        .call(&mut atm, &op, "sign_event", json!([template]), 1)
        .await;
    let e = r[0].parsed();
    assert_eq!(e["pubkey"], op.to_hex());
    assert!(e["created_at"].as_u64().unwrap() > 1_700_000_000, "{e}");
    assert_eq!(e["content"], format!("pay #Tag #tag nostr:{npub}"));
    assert_eq!(
        e["tags"],
        json!([["x", "y"], ["p", c.to_hex()], ["t", "Tag"], ["t", "tag"]])
    );
    let event = nostr::Event::from_json(serde_json::to_string(&e).unwrap()).unwrap();
    event.verify().unwrap();
    h.shutdown().await;
}

#[tokio::test]
async fn v61_sign_event_with_broken_json_is_a_double_reply() {
    let mut h = Harness::v011().await;
    let mut atm = h.paired_atm("c").await;
    let op = h.fleet();
    let r = h
        .call(&mut atm, &op, "sign_event", json!(["{not json"]), 2)
        .await;
    assert_error(&r[0], "Expected property name or '}' in JSON at position 1");
    assert_error(&r[1], "Not authorized");
    h.shutdown().await;
}

#[tokio::test]
async fn v62_methods_without_a_handler_are_refused_at_once() {
    let mut h = Harness::v011().await;
    let mut atm = h.paired_atm("c").await;
    let op = h.fleet();
    for method in ["describe", "get_relays", "logout"] {
        let r = h.call(&mut atm, &op, method, json!([]), 1).await;
        assert_error(&r[0], "Not authorized");
    }
    assert_eq!(h.admin.requests_seen("acl"), 0);
    h.shutdown().await;
}

#[tokio::test]
async fn v63_ping_without_a_rule_goes_to_approval() {
    let mut h = Harness::v011().await;
    let mut atm = h.paired_atm("c").await;
    let op = h.fleet();
    let r = h.call(&mut atm, &op, "ping", json!([]), 1).await;
    assert_error(&r[0], "Not authorized");
    h.admin.incoming_request("acl").await;
    h.shutdown().await;
}

#[tokio::test]
async fn v64_ping_and_encrypt_rules_use_the_nip46_method_names() {
    let mut h = Harness::v011().await;
    let policy = h
        .policy(
            "tools",
            json!([{"method": "ping"}, {"method": "nip44_encrypt"}, {"method": "nip04_encrypt"}]),
        )
        .await;
    let secret = h.token("operator", "c", policy, json!(1)).await;
    let mut atm = h.atm().await;
    let op = h.fleet();
    let r = h
        .call(&mut atm, &op, "connect", json!([op.to_hex(), secret]), 1)
        .await;
    assert_eq!(r[0].result(), "ack");
    let me = atm.pubkey().to_hex();
    assert_eq!(
        h.call(&mut atm, &op, "ping", json!([]), 1).await[0].result(),
        "pong"
    );
    let r = h
        .call(&mut atm, &op, "nip44_encrypt", json!([me, "hello"]), 1)
        .await;
    let payload = r[0].result().to_owned();
    assert!(!payload.contains("?iv="), "{payload}");
    assert_eq!(
        nip44::decrypt(atm.keys.secret_key(), &op, &payload).unwrap(),
        "hello"
    );
    let r = h
        .call(&mut atm, &op, "nip04_encrypt", json!([me, "hello"]), 1)
        .await;
    let payload = r[0].result().to_owned();
    assert!(payload.contains("?iv="), "{payload}");
    assert_eq!(
        nip04::decrypt(atm.keys.secret_key(), &op, &payload).unwrap(),
        "hello"
    );
    assert_eq!(h.admin.requests_seen("acl"), 0);
    h.shutdown().await;
}

#[tokio::test]
async fn v65_nip44_encrypt_without_a_rule_goes_to_approval() {
    let mut h = Harness::v011().await;
    let mut atm = h.paired_atm("c").await;
    let op = h.fleet();
    let me = atm.pubkey().to_hex();
    let r = h
        .call(&mut atm, &op, "nip44_encrypt", json!([me, "hello"]), 1)
        .await;
    assert_error(&r[0], "Not authorized");
    h.admin.incoming_request("acl").await;
    h.shutdown().await;
}

#[tokio::test]
async fn v66_a_revoked_client_is_refused_where_covered_and_prompted_elsewhere() {
    let mut h = Harness::v011().await;
    let mut atm = h.paired_atm("c").await;
    let id = h.key_user_id("operator", &atm.pubkey()).await;
    h.admin_ok("revoke_user", json!([id])).await;
    let op = h.fleet();
    let r = h
        .call(&mut atm, &op, "sign_event", json!([template_21000()]), 1)
        .await;
    assert_error(&r[0], "Not authorized");
    let r = h
        .call(&mut atm, &op, "connect", json!([op.to_hex()]), 1)
        .await;
    assert_error(&r[0], "Not authorized");
    assert_eq!(h.admin.requests_seen("acl"), 0, "covered: refused at once");
    let r = h.call(&mut atm, &op, "get_public_key", json!([]), 1).await;
    assert_eq!(r[0].result(), op.to_hex());
    let r = h
        .call(&mut atm, &op, "sign_event", json!([kind1()]), 1)
        .await;
    assert_error(&r[0], "Not authorized");
    h.admin.incoming_request("acl").await;
    h.shutdown().await;
}

#[tokio::test]
async fn v68_policy_expiry_and_use_count_are_not_enforced() {
    let mut h = Harness::v011().await;
    let body = json!({
        "name": "limited",
        "expires_at": "2000-01-01T00:00:00.000Z",
        "rules": [{"method": "sign_event", "kind": 21000, "use_count": 1}],
    })
    .to_string();
    h.admin_ok("create_new_policy", json!([body])).await;
    let policies = h.admin_json("get_policies", json!([])).await;
    let policy = policies[0]["id"].as_i64().unwrap();
    let secret = h.token("operator", "c", policy, json!(1)).await;
    let mut atm = h.atm().await;
    let op = h.fleet();
    let r = h
        .call(&mut atm, &op, "connect", json!([op.to_hex(), secret]), 1)
        .await;
    assert_eq!(r[0].result(), "ack");
    for _ in 0..3 {
        let r = h
            .call(&mut atm, &op, "sign_event", json!([template_21000()]), 1)
            .await;
        assert!(is_signed(&r[0]), "{}", r[0].text);
    }
    let p = h.admin_json("get_policy", json!([policy])).await;
    assert_eq!(p["rules"][0]["current_usage_count"], 0);
    assert_eq!(p["rules"][0]["max_usage_count"], 1);
    h.shutdown().await;
}

#[tokio::test]
async fn v69_expiry_is_checked_only_at_redemption_but_validate_token_sees_it() {
    let mut h = Harness::v011().await;
    let mut atm = h.paired_atm("c").await;
    let (id, full, _) = h.token_entry("operator", "c").await;
    assert!(h
        .bunker
        .set_token_expiry(id, Some(946_684_800_000))
        .await
        .unwrap());
    let op = h.fleet();
    let r = h
        .call(&mut atm, &op, "sign_event", json!([template_21000()]), 1)
        .await;
    assert!(is_signed(&r[0]), "{}", r[0].text);
    assert_eq!(
        h.admin_json("validate_token", json!([full])).await,
        json!({"valid": false, "reason": "Token has expired"})
    );
    h.shutdown().await;
}
