//! 0.11 rows V1–V9 (admin transport) and V17–V52, V74 (admin methods) of
//! protocol/nsecbunkerd-0.11.md §8.2, against the 0.11 flavour.

use nostr::nips::nip19::ToBech32;
use nostr::{EventBuilder, Filter, Keys, Kind, SecretKey, Tag};
use nostr_sdk::prelude::{Client, RelayPoolNotification};
use sandbox::DEFAULT_PASSPHRASE;
use serde_json::{json, Value};

use crate::support::*;

const NOT_ADMIN: &str = "You are not designated to administrate this bunker";

fn keys_of(v: &Value) -> Vec<String> {
    let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    v.sort();
    v
}

/// Asserts that `fields` appear in this order in the raw JSON text (serde_json's `Value` does
/// not keep the daemon's key order).
fn assert_key_order(raw: &str, fields: &[&str]) {
    let positions: Vec<usize> = fields
        .iter()
        .map(|f| {
            raw.find(&format!("\"{f}\":"))
                .unwrap_or_else(|| panic!("{f} missing in {raw}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "key order {fields:?} not kept in {raw}"
    );
}

fn is_signed(r: &Received) -> bool {
    r.error().is_none() && r.parsed().get("sig").is_some()
}

#[tokio::test]
async fn v01_admin_ping_nip04_answers_pong_on_kind_24133_in_nip04() {
    let mut h = Harness::v011().await;
    let r = h.admin_call_in(Scheme::Nip04, "ping", json!([])).await;
    assert_eq!((r.kind, r.scheme), (NIP46, Scheme::Nip04));
    assert_eq!(r.author, h.bunker.admin_pubkey());
    assert_eq!(
        r.tags,
        vec![vec!["p".to_owned(), h.admin.pubkey().to_hex()]]
    );
    assert_eq!(
        r.text,
        format!(r#"{{"id":"{}","result":"pong"}}"#, r.id().unwrap())
    );
    h.shutdown().await;
}

#[tokio::test]
async fn v02_admin_ping_nip44_answers_pong_in_nip44() {
    let mut h = Harness::v011().await;
    let r = h.admin_call_in(Scheme::Nip44, "ping", json!([])).await;
    assert_eq!(
        (r.kind, r.scheme, r.result()),
        (NIP46, Scheme::Nip44, "pong")
    );
    h.shutdown().await;
}

#[tokio::test]
async fn v03_kind_24134_requests_get_no_reply() {
    let mut h = Harness::v011().await;
    let admin_pk = h.bunker.admin_pubkey();
    let stranger = h.atm().await;
    let mut ids = Vec::new();
    for (who, scheme) in [
        (&h.admin, Scheme::Nip04),
        (&h.admin, Scheme::Nip44),
        (&stranger, Scheme::Nip04),
    ] {
        let id = format!("k24134-{}", ids.len());
        who.request(&admin_pk, ADMIN, scheme, &id, "ping", json!([]))
            .await;
        ids.push(id);
    }
    // A later kind-24133 request is answered, so the earlier ones were seen and ignored.
    assert_eq!(h.admin_call("ping", json!([])).await.result(), "pong");
    for id in &ids {
        assert!(h.admin.settle(id).await.is_empty(), "{id} was answered");
    }
    h.shutdown().await;
}

#[tokio::test]
async fn v04_unknown_admin_method_is_variant_c_on_kind_24133() {
    let mut h = Harness::v011().await;
    let r = h.admin_call("foo", json!([])).await;
    assert_eq!(r.kind, NIP46);
    assert_eq!(r.result(), r#"["error","Unknown method foo"]"#);
    assert!(r.error().is_none(), "{}", r.text);
    h.shutdown().await;
}

#[tokio::test]
async fn v05_stranger_is_not_designated_in_its_own_scheme() {
    let h = Harness::v011().await;
    let admin_pk = h.bunker.admin_pubkey();
    let mut stranger = h.atm().await;
    for (i, (method, scheme)) in [
        ("get_keys", Scheme::Nip04),
        ("foo", Scheme::Nip04),
        ("get_keys", Scheme::Nip44),
        ("foo", Scheme::Nip44),
    ]
    .into_iter()
    .enumerate()
    {
        let id = format!("s{i}");
        stranger
            .request(&admin_pk, NIP46, scheme, &id, method, json!([]))
            .await;
        let r = stranger.reply(&id).await;
        assert_eq!((r.kind, r.scheme), (NIP46, scheme), "{}", r.text);
        assert_error(&r, NOT_ADMIN);
    }
    h.shutdown().await;
}

#[tokio::test]
async fn v06_create_account_without_domains_says_no_domains_available() {
    let h = Harness::v011().await;
    let admin_pk = h.bunker.admin_pubkey();
    let mut stranger = h.atm().await;
    stranger
        .request(
            &admin_pk,
            NIP46,
            Scheme::Nip04,
            "ca",
            "create_account",
            json!(["bob", "example.com", ""]),
        )
        .await;
    let r = stranger.reply("ca").await;
    assert_eq!(r.kind, NIP46);
    assert_error(&r, "no domains available");
    h.shutdown().await;
}

#[tokio::test]
async fn v07_admin_method_sent_to_the_signing_key_is_not_authorized() {
    let mut h = Harness::v011().await;
    let operator = h.fleet();
    let mut admin_as_client = Raw::with_keys(&h.relay.url(), h.admin_keys.clone()).await;
    let r = h
        .call(&mut admin_as_client, &operator, "get_keys", json!([]), 1)
        .await;
    assert_error(&r[0], "Not authorized");
    assert_eq!(h.admin.requests_seen("acl"), 0);
    h.shutdown().await;
}

#[tokio::test]
async fn v08_plaintext_event_to_the_admin_key_is_ignored_and_the_bunker_lives() {
    let mut h = Harness::v011().await;
    let admin_pk = h.bunker.admin_pubkey();
    let junk = EventBuilder::new(Kind::from(NIP46), "hello")
        .tag(Tag::public_key(admin_pk))
        .sign_with_keys(&Keys::generate())
        .unwrap();
    h.admin.publish(&junk).await;
    assert_eq!(h.admin_call("ping", json!([])).await.result(), "pong");
    assert!(!h.bunker.is_dead());
    h.shutdown().await;
}

/// A client subscribed to the bunker's self-pings (`authors` = `#p` = bunker admin).
pub async fn self_ping_watcher(
    h: &Harness,
) -> (
    Client,
    tokio::sync::broadcast::Receiver<RelayPoolNotification>,
) {
    let admin_pk = h.bunker.admin_pubkey();
    let client = Client::default();
    client.add_relay(h.relay.url()).await.unwrap();
    let rx = client.notifications();
    client.connect().await;
    client.wait_for_connection(WAIT).await;
    let filter = Filter::new()
        .kind(Kind::from(NIP46))
        .author(admin_pk)
        .pubkey(admin_pk)
        .limit(0);
    let out = client.subscribe(filter, None).await.unwrap();
    assert!(!out.success.is_empty());
    (client, rx)
}

/// Waits for the next self-ping event.
pub async fn next_self_ping(
    rx: &mut tokio::sync::broadcast::Receiver<RelayPoolNotification>,
) -> nostr::Event {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Err(_) => panic!("no self-ping within {WAIT:?}"),
            Ok(Ok(RelayPoolNotification::Event { event, .. })) => return *event,
            Ok(_) => {}
        }
    }
}

#[tokio::test]
async fn v09_the_bunker_sends_itself_a_plaintext_ping_every_interval() {
    let h = Harness::v011_with(APPROVAL, std::time::Duration::from_millis(300)).await;
    let admin_pk = h.bunker.admin_pubkey();
    let (client, mut rx) = self_ping_watcher(&h).await;
    for _ in 0..2 {
        let ping = next_self_ping(&mut rx).await;
        assert_eq!(ping.kind.as_u16(), NIP46);
        assert_eq!(ping.content, "ping");
        assert_eq!(ping.pubkey, admin_pk);
        let tags: Vec<Vec<String>> = ping.tags.iter().map(|t| t.as_slice().to_vec()).collect();
        assert_eq!(tags, vec![vec!["p".to_owned(), admin_pk.to_hex()]]);
    }
    client.shutdown().await;
    h.shutdown().await;
}

#[tokio::test]
async fn v17_get_key_of_a_cli_key_has_null_timestamps() {
    let mut h = Harness::v011().await;
    let npub = h.fleet().to_bech32().unwrap();
    let r = h.admin_ok("get_key", json!(["operator"])).await;
    assert_eq!(
        r,
        format!(
            r#"{{"name":"operator","npub":"{npub}","locked":false,"created_at":null,"updated_at":null}}"#
        )
    );
    h.shutdown().await;
}

#[tokio::test]
async fn v18_get_key_unknown_or_without_name_errors() {
    let mut h = Harness::v011().await;
    h.admin_err("get_key", json!(["nope"]), "Key 'nope' not found")
        .await;
    h.admin_err("get_key", json!([]), "Invalid params: keyName required")
        .await;
    h.shutdown().await;
}

#[tokio::test]
async fn v19_policy_rules_without_kind_or_method_are_stored_with_defaults() {
    let mut h = Harness::v011().await;
    h.policy("pinger", json!([{"method": "ping"}])).await;
    h.policy("kind-only", json!([{"kind": 1}])).await;
    let policies = h.admin_json("get_policies", json!([])).await;
    let rules = |name: &str| {
        policies
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["rules"][0]
            .clone()
    };
    let ping = rules("pinger");
    assert_eq!(
        (&ping["method"], &ping["kind"]),
        (&json!("ping"), &Value::Null)
    );
    let kind = rules("kind-only");
    assert_eq!(
        (&kind["method"], &kind["kind"]),
        (&json!("sign_event"), &json!("1"))
    );
    h.shutdown().await;
}

#[tokio::test]
async fn v20_policy_without_rules_errors_but_its_row_stays() {
    let mut h = Harness::v011().await;
    h.admin_err(
        "create_new_policy",
        json!([r#"{"name":"x"}"#]),
        "policy.rules is not iterable",
    )
    .await;
    let policies = h.admin_json("get_policies", json!([])).await;
    let x = policies
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "x")
        .unwrap();
    assert_eq!(x["rules"], json!([]));
    h.shutdown().await;
}

#[tokio::test]
async fn v21_get_policy_takes_number_or_string_and_shows_rule_ids() {
    let mut h = Harness::v011().await;
    let id = h.atm_policy().await;
    let by_number = h.admin_json("get_policy", json!([id])).await;
    let by_string = h.admin_json("get_policy", json!([id.to_string()])).await;
    assert_eq!(by_number, by_string);
    assert_eq!(by_number["id"], id);
    let rule = &by_number["rules"][0];
    assert!(rule["id"].is_i64(), "{by_number}");
    assert_eq!(
        keys_of(rule),
        sorted(&[
            "id",
            "method",
            "kind",
            "max_usage_count",
            "current_usage_count"
        ])
    );
    h.shutdown().await;
}

#[tokio::test]
async fn v22_get_policy_unknown_or_not_a_number_errors() {
    let mut h = Harness::v011().await;
    h.admin_err(
        "get_policy",
        json!([9999]),
        "Policy with id '9999' not found",
    )
    .await;
    h.admin_err(
        "get_policy",
        json!(["abc"]),
        "Invalid params: policyId must be a number",
    )
    .await;
    h.shutdown().await;
}

#[tokio::test]
async fn v23_delete_policy_is_a_soft_delete_that_refuses_twice() {
    let mut h = Harness::v011().await;
    let id = h.atm_policy().await;
    assert_eq!(h.admin_ok("delete_policy", json!([id])).await, r#"["ok"]"#);
    h.admin_err(
        "delete_policy",
        json!([id]),
        &format!("Policy with id '{id}' is already deleted"),
    )
    .await;
    h.admin_err(
        "get_policy",
        json!([id]),
        &format!("Policy with id '{id}' has been deleted"),
    )
    .await;
    let policies = h.admin_json("get_policies", json!([])).await;
    assert!(policies.as_array().unwrap().iter().any(|p| p["id"] == id));
    h.shutdown().await;
}

#[tokio::test]
async fn v24_tokens_of_a_deleted_policy_are_made_and_redeemed() {
    let mut h = Harness::v011().await;
    let id = h.atm_policy().await;
    h.admin_ok("delete_policy", json!([id])).await;
    let secret = h.token("operator", "c", id, json!(1)).await;
    let mut atm = h.atm().await;
    let op = h.fleet();
    let r = h
        .call(&mut atm, &op, "connect", json!([op.to_hex(), secret]), 1)
        .await;
    assert_eq!(r[0].result(), "ack");
    let r = h
        .call(&mut atm, &op, "sign_event", json!([template_21000()]), 1)
        .await;
    assert!(is_signed(&r[0]), "{}", r[0].text);
    h.shutdown().await;
}

fn seconds_left(tokens: &Value, client: &str) -> Option<f64> {
    tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["client_name"] == client)
        .unwrap()["time_until_expiration"]
        .as_f64()
}

#[tokio::test]
async fn v25_string_policy_id_and_hours_are_accepted() {
    let mut h = Harness::v011().await;
    let id = h.atm_policy().await;
    let r = h
        .admin_ok(
            "create_new_token",
            json!(["operator", "c", id.to_string(), "720"]),
        )
        .await;
    assert_eq!(r, r#"["ok"]"#);
    let tokens = h.tokens("operator").await;
    let left = seconds_left(&tokens, "c").unwrap();
    assert!((left - 720.0 * 3600.0).abs() < 120.0, "{tokens}");
    h.shutdown().await;
}

#[tokio::test]
async fn v26_token_hours_zero_absent_fraction_negative() {
    let mut h = Harness::v011().await;
    let id = h.atm_policy().await;
    for (client, params) in [
        ("zero", json!(["operator", "zero", id, 0])),
        ("absent", json!(["operator", "absent", id])),
        ("fraction", json!(["operator", "fraction", id, "1.9"])),
        ("negative", json!(["operator", "negative", id, -1])),
    ] {
        assert_eq!(
            h.admin_ok("create_new_token", params).await,
            r#"["ok"]"#,
            "{client}"
        );
    }
    let tokens = h.tokens("operator").await;
    for client in ["zero", "absent"] {
        let t = tokens
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["client_name"] == client)
            .unwrap();
        assert!(t["expires_at"].is_null(), "{t}");
        assert!(t["time_until_expiration"].is_null(), "{t}");
    }
    let fraction = seconds_left(&tokens, "fraction").unwrap();
    assert!((fraction - 3600.0).abs() < 120.0, "{tokens}");
    let negative = seconds_left(&tokens, "negative").unwrap();
    assert!((negative + 3600.0).abs() < 120.0, "{tokens}");
    h.shutdown().await;
}

#[tokio::test]
async fn v27_token_for_an_unknown_key_only_shows_in_get_token_as_bare_hex() {
    let mut h = Harness::v011().await;
    let id = h.atm_policy().await;
    assert_eq!(
        h.admin_ok("create_new_token", json!(["no-such-key", "c", id, 1]))
            .await,
        r#"["ok"]"#
    );
    assert_eq!(h.tokens("operator").await, json!([]));
    assert_eq!(h.tokens("no-such-key").await, json!([]));
    let t = h.admin_json("get_token", json!([1])).await;
    assert_eq!(t["key_name"], "no-such-key");
    let token = t["token"].as_str().unwrap();
    assert_eq!(token.len(), 64, "{t}");
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()), "{t}");
    h.shutdown().await;
}

#[tokio::test]
async fn v28_key_tokens_carry_key_npub_and_revoked() {
    let mut h = Harness::v011().await;
    let id = h.atm_policy().await;
    h.token("operator", "c", id, json!(1)).await;
    let tokens = h.tokens("operator").await;
    let t = &tokens[0];
    let npub = h.fleet().to_bech32().unwrap();
    assert_eq!(t["key_npub"], npub.as_str());
    assert_eq!(
        t["token"].as_str().unwrap().split_once('#').unwrap().0,
        npub
    );
    assert_eq!(t["revoked"], false);
    let raw = h.admin_ok("get_key_tokens", json!(["operator"])).await;
    assert_key_order(
        &raw,
        &[
            "id",
            "key_name",
            "key_npub",
            "client_name",
            "token",
            "policy_id",
            "policy_name",
            "created_at",
            "updated_at",
            "expires_at",
            "redeemed_at",
            "time_until_expiration",
            "revoked",
        ],
    );
    h.shutdown().await;
}

#[tokio::test]
async fn v29_get_token_has_creator_and_deletion_but_no_countdown() {
    let mut h = Harness::v011().await;
    let policy = h.atm_policy().await;
    h.token("operator", "c", policy, json!(1)).await;
    let (id, full, _) = h.token_entry("operator", "c").await;
    let t = h.admin_json("get_token", json!([id])).await;
    assert_eq!(t["created_by"], h.admin.pubkey().to_hex());
    assert!(t["deleted_at"].is_null());
    assert_eq!(t["revoked"], false);
    assert_eq!(t["token"], full.as_str());
    assert!(t.get("time_until_expiration").is_none(), "{t}");
    assert!(t.get("key_npub").is_none(), "{t}");
    assert!(t.get("redeemed_by").is_none(), "{t}");
    h.shutdown().await;
}

#[tokio::test]
async fn v30_validate_token_accepts_npub_hash_hex_and_bare_hex() {
    let mut h = Harness::v011().await;
    let policy = h.atm_policy().await;
    h.token("operator", "c-num", policy, json!(1)).await;
    let (_, full, secret) = h.token_entry("operator", "c-num").await;
    let a = h.admin_json("validate_token", json!([full])).await;
    let b = h.admin_json("validate_token", json!([secret])).await;
    assert_eq!(a, b);
    assert_eq!(
        keys_of(&a),
        sorted(&["valid", "key_name", "client_name", "expires_at", "redeemed"])
    );
    assert_eq!(
        (
            &a["valid"],
            &a["key_name"],
            &a["client_name"],
            &a["redeemed"]
        ),
        (
            &json!(true),
            &json!("operator"),
            &json!("c-num"),
            &json!(false)
        )
    );
    assert!(a["expires_at"].is_string());
    h.shutdown().await;
}

#[tokio::test]
async fn v31_validate_token_after_redemption_is_valid_and_redeemed() {
    let mut h = Harness::v011().await;
    let _atm = h.paired_atm("c").await;
    let (_, full, _) = h.token_entry("operator", "c").await;
    let v = h.admin_json("validate_token", json!([full])).await;
    assert_eq!((&v["valid"], &v["redeemed"]), (&json!(true), &json!(true)));
    h.shutdown().await;
}

#[tokio::test]
async fn v32_validate_token_unknown_or_expired() {
    let mut h = Harness::v011().await;
    let policy = h.atm_policy().await;
    let expired = h.token("operator", "old", policy, json!(-1)).await;
    assert_eq!(
        h.admin_json("validate_token", json!(["00".repeat(32)]))
            .await,
        json!({"valid": false, "reason": "Token not found"})
    );
    assert_eq!(
        h.admin_json("validate_token", json!([expired])).await,
        json!({"valid": false, "reason": "Token has expired"})
    );
    h.shutdown().await;
}

#[tokio::test]
async fn v33_revoke_token_marks_it_revoked_once() {
    let mut h = Harness::v011().await;
    let policy = h.atm_policy().await;
    h.token("operator", "c", policy, json!(1)).await;
    let (id, full, _) = h.token_entry("operator", "c").await;
    assert_eq!(h.admin_ok("revoke_token", json!([id])).await, r#"["ok"]"#);
    h.admin_err(
        "revoke_token",
        json!([id]),
        &format!("Token with id '{id}' is already revoked"),
    )
    .await;
    assert_eq!(
        h.admin_json("validate_token", json!([full])).await,
        json!({"valid": false, "reason": "Token has been revoked"})
    );
    assert_eq!(h.tokens("operator").await[0]["revoked"], true);
    h.shutdown().await;
}

#[tokio::test]
async fn v34_a_revoked_unredeemed_token_still_redeems() {
    let mut h = Harness::v011().await;
    let policy = h.atm_policy().await;
    let secret = h.token("operator", "c", policy, json!(1)).await;
    let (id, _, _) = h.token_entry("operator", "c").await;
    h.admin_ok("revoke_token", json!([id])).await;
    let mut atm = h.atm().await;
    let op = h.fleet();
    let cid = h
        .send_nip46(
            &atm,
            &op,
            Scheme::Nip04,
            "connect",
            json!([op.to_hex(), secret]),
        )
        .await;
    assert_eq!(atm.reply(&cid).await.result(), "ack");
    assert_eq!(atm.settle(&cid).await.len(), 1, "a single reply");
    let r = h
        .call(&mut atm, &op, "sign_event", json!([template_21000()]), 1)
        .await;
    assert!(is_signed(&r[0]), "{}", r[0].text);
    let t = &h.tokens("operator").await[0];
    assert!(t["redeemed_at"].is_string(), "{t}");
    assert_eq!(t["revoked"], true);
    h.shutdown().await;
}

#[tokio::test]
async fn v35_revoking_a_redeemed_token_does_not_cut_off_its_client() {
    let mut h = Harness::v011().await;
    let mut atm = h.paired_atm("c").await;
    let (id, _, _) = h.token_entry("operator", "c").await;
    assert_eq!(h.admin_ok("revoke_token", json!([id])).await, r#"["ok"]"#);
    let op = h.fleet();
    let r = h
        .call(&mut atm, &op, "sign_event", json!([template_21000()]), 1)
        .await;
    assert!(is_signed(&r[0]), "{}", r[0].text);
    h.shutdown().await;
}

#[tokio::test]
async fn v36_revoke_token_unknown_or_not_a_number() {
    let mut h = Harness::v011().await;
    h.admin_err(
        "revoke_token",
        json!([9999]),
        "Token with id '9999' not found",
    )
    .await;
    h.admin_err(
        "revoke_token",
        json!(["abc"]),
        "Invalid params: tokenId must be a number",
    )
    .await;
    h.shutdown().await;
}

#[tokio::test]
async fn v37_key_users_carry_active_and_omit_unset_revoked_at() {
    let mut h = Harness::v011().await;
    let atm = h.paired_atm("c").await;
    let users = h.users("operator").await;
    let c = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["pubkey"] == atm.pubkey().to_hex())
        .unwrap();
    assert_eq!(c["active"], true);
    assert!(c.get("revokedAt").is_none(), "{c}");
    let id = c["id"].clone();
    h.admin_ok("revoke_user", json!([id])).await;
    let raw = h.admin_ok("get_key_users", json!(["operator"])).await;
    assert_key_order(
        &raw,
        &[
            "id",
            "name",
            "pubkey",
            "description",
            "createdAt",
            "revokedAt",
            "active",
            "signingConditions",
        ],
    );
    assert!(raw.contains(r#""active":false"#), "{raw}");
    h.shutdown().await;
}

#[tokio::test]
async fn v38_get_permissions_by_hex_or_npub() {
    let mut h = Harness::v011().await;
    let atm = h.paired_atm("c").await;
    let hex = atm.pubkey().to_hex();
    let npub = atm.pubkey().to_bech32().unwrap();
    let a = h
        .admin_json("get_permissions", json!(["operator", hex]))
        .await;
    let b = h
        .admin_json("get_permissions", json!(["operator", npub]))
        .await;
    assert_eq!(a, b);
    assert_eq!(
        keys_of(&a),
        sorted(&[
            "id",
            "key_name",
            "user_pubkey",
            "active",
            "created_at",
            "updated_at",
            "revoked_at",
            "last_used_at",
            "description",
            "signing_conditions"
        ])
    );
    assert_eq!(
        (
            &a["user_pubkey"],
            &a["active"],
            &a["revoked_at"],
            &a["last_used_at"]
        ),
        (&json!(hex), &json!(true), &Value::Null, &Value::Null)
    );
    let conditions: Vec<(Value, Value)> = a["signing_conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["method"].clone(), c["kind"].clone()))
        .collect();
    assert_eq!(
        conditions,
        vec![
            (json!("connect"), Value::Null),
            (json!("sign_event"), json!("21000"))
        ]
    );
    h.shutdown().await;
}

#[tokio::test]
async fn v39_get_permissions_for_an_unknown_user_errors() {
    let mut h = Harness::v011().await;
    let unknown = Keys::generate().public_key().to_hex();
    h.admin_err(
        "get_permissions",
        json!(["operator", unknown]),
        "Permission not found for user on key 'operator'",
    )
    .await;
    h.shutdown().await;
}

#[tokio::test]
async fn v40_revoke_permission_once_then_the_client_is_refused() {
    let mut h = Harness::v011().await;
    let mut atm = h.paired_atm("c").await;
    let hex = atm.pubkey().to_hex();
    assert_eq!(
        h.admin_ok("revoke_permission", json!(["operator", hex]))
            .await,
        r#"["ok"]"#
    );
    h.admin_err(
        "revoke_permission",
        json!(["operator", hex]),
        "Permission already revoked",
    )
    .await;
    let op = h.fleet();
    let r = h
        .call(&mut atm, &op, "sign_event", json!([template_21000()]), 1)
        .await;
    assert_error(&r[0], "Not authorized");
    assert_eq!(h.admin.requests_seen("acl"), 0, "refused at once");
    h.shutdown().await;
}

#[tokio::test]
async fn v41_grant_permission_reinstates_with_only_the_policy_rules() {
    let mut h = Harness::v011().await;
    let mut atm = h.paired_atm("c").await;
    let hex = atm.pubkey().to_hex();
    h.admin_ok("revoke_permission", json!(["operator", hex]))
        .await;
    let policy = h.atm_policy().await;
    let g = h
        .admin_json(
            "grant_permission",
            json!(["operator", hex, policy, "regranted"]),
        )
        .await;
    assert_eq!(
        keys_of(&g),
        sorted(&["id", "key_name", "user_pubkey", "created_at", "description"])
    );
    assert_eq!(
        (&g["key_name"], &g["user_pubkey"], &g["description"]),
        (&json!("operator"), &json!(hex), &json!("regranted"))
    );
    let p = h
        .admin_json("get_permissions", json!(["operator", hex]))
        .await;
    assert_eq!(p["active"], true);
    let methods: Vec<&Value> = p["signing_conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["method"])
        .collect();
    assert_eq!(methods, vec![&json!("sign_event")], "{p}");
    let op = h.fleet();
    let r = h
        .call(&mut atm, &op, "sign_event", json!([template_21000()]), 1)
        .await;
    assert!(is_signed(&r[0]), "{}", r[0].text);
    h.shutdown().await;
}

#[tokio::test]
async fn v42_after_a_grant_without_connect_rule_connect_goes_to_approval() {
    let mut h = Harness::v011().await;
    let mut atm = h.paired_atm("c").await;
    let hex = atm.pubkey().to_hex();
    h.admin_ok("revoke_permission", json!(["operator", hex]))
        .await;
    let policy = h.atm_policy().await;
    h.admin_ok("grant_permission", json!(["operator", hex, policy]))
        .await;
    let op = h.fleet();
    let r = h
        .call(&mut atm, &op, "connect", json!([op.to_hex()]), 1)
        .await;
    assert_error(&r[0], "Not authorized");
    assert_eq!(h.admin.incoming_request("acl").await.kind, NIP46);
    h.shutdown().await;
}

#[tokio::test]
async fn v43_a_grant_with_a_connect_rule_lets_connect_through() {
    let mut h = Harness::v011().await;
    let policy = h
        .policy(
            "with-connect",
            json!([{"method": "connect"}, {"method": "sign_event", "kind": 21000}]),
        )
        .await;
    let mut atm = h.atm().await;
    h.admin_ok(
        "grant_permission",
        json!(["operator", atm.pubkey().to_hex(), policy]),
    )
    .await;
    let op = h.fleet();
    let r = h
        .call(&mut atm, &op, "connect", json!([op.to_hex()]), 1)
        .await;
    assert_eq!(r[0].result(), "ack");
    h.shutdown().await;
}

#[tokio::test]
async fn v44_grant_to_a_never_seen_npub_lets_it_sign_without_connect() {
    let mut h = Harness::v011().await;
    let policy = h.atm_policy().await;
    let mut atm = h.atm().await;
    let g = h
        .admin_json(
            "grant_permission",
            json!(["operator", atm.pubkey().to_bech32().unwrap(), policy]),
        )
        .await;
    assert_eq!(g["user_pubkey"], atm.pubkey().to_hex());
    assert!(g["description"].is_null(), "{g}");
    let op = h.fleet();
    let r = h
        .call(&mut atm, &op, "sign_event", json!([template_21000()]), 1)
        .await;
    assert!(is_signed(&r[0]), "{}", r[0].text);
    h.shutdown().await;
}

#[tokio::test]
async fn v45_revoke_user_unknown_errors_and_known_repeats_ok() {
    let mut h = Harness::v011().await;
    let r = h.admin_call("revoke_user", json!([9999])).await;
    assert_eq!(r.result(), "error");
    assert!(!r.error().unwrap_or_default().is_empty());
    let atm = h.paired_atm("c").await;
    let id = h.key_user_id("operator", &atm.pubkey()).await;
    for _ in 0..2 {
        assert_eq!(h.admin_ok("revoke_user", json!([id])).await, r#"["ok"]"#);
    }
    h.shutdown().await;
}

#[tokio::test]
async fn v46_unlock_key_failures_are_success_false_or_invalid_params() {
    let mut h = Harness::v011().await;
    for params in [json!(["operator", "wrong"]), json!(["nope", "x"])] {
        let v = h.admin_json("unlock_key", params).await;
        assert_eq!(v["success"], false);
        assert!(!v["error"].as_str().unwrap().is_empty(), "{v}");
    }
    h.admin_err("unlock_key", json!(["operator"]), "Invalid params")
        .await;
    h.shutdown().await;
}

#[tokio::test]
async fn v47_unlocking_an_unlocked_key_doubles_every_reply() {
    let mut h = Harness::v011().await;
    assert_eq!(
        h.admin_ok("unlock_key", json!(["operator", DEFAULT_PASSPHRASE]))
            .await,
        r#"{"success":true}"#
    );
    let mut atm = h.atm().await;
    let op = h.fleet();
    let r = h.call(&mut atm, &op, "get_public_key", json!([]), 2).await;
    assert_eq!(r[0].id(), r[1].id());
    assert_eq!(r[0].result(), op.to_hex());
    assert_eq!(r[1].result(), op.to_hex());
    h.shutdown().await;
}

#[tokio::test]
async fn v48_create_new_key_with_nsec_gets_a_key_row() {
    let mut h = Harness::v011().await;
    let secret = SecretKey::generate();
    let npub = Keys::new(secret.clone()).public_key().to_bech32().unwrap();
    let v = h
        .admin_json(
            "create_new_key",
            json!(["k2", "pw", secret.to_bech32().unwrap()]),
        )
        .await;
    assert_eq!(v, json!({ "npub": npub }));
    let keys = h.admin_json("get_keys", json!([])).await;
    assert!(
        keys.as_array()
            .unwrap()
            .iter()
            .any(|k| k["name"] == "k2" && k["npub"] == npub.as_str()),
        "{keys}"
    );
    let k = h.admin_json("get_key", json!(["k2"])).await;
    assert!(
        k["created_at"].is_string() && k["updated_at"].is_string(),
        "{k}"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn v49_delete_key_of_a_cli_key_is_not_found() {
    let mut h = Harness::v011().await;
    h.admin_err(
        "delete_key",
        json!(["operator"]),
        "Key 'operator' not found",
    )
    .await;
    h.shutdown().await;
}

/// `create_new_key [name, "pw"]` and returns the new key's pubkey.
async fn new_key(h: &mut Harness, name: &str) -> nostr::PublicKey {
    h.admin_json("create_new_key", json!([name, "pw"])).await;
    h.key(name)
}

#[tokio::test]
async fn v50_delete_key_hides_the_key_but_its_backend_keeps_serving() {
    let mut h = Harness::v011().await;
    let k2 = new_key(&mut h, "k2").await;
    let mut c = h.paired_on("k2", "c").await;
    let policy = h.atm_policy().await;
    let t2 = h.token("k2", "t2", policy, json!(1)).await;
    assert_eq!(h.admin_ok("delete_key", json!(["k2"])).await, r#"["ok"]"#);
    h.admin_err("delete_key", json!(["k2"]), "Key 'k2' is already deleted")
        .await;
    let keys = h.admin_json("get_keys", json!([])).await;
    assert!(
        !keys.as_array().unwrap().iter().any(|k| k["name"] == "k2"),
        "{keys}"
    );
    h.admin_err("get_key", json!(["k2"]), "Key 'k2' not found")
        .await;
    assert_eq!(h.tokens("k2").await, json!([]));
    let r = h
        .call(&mut c, &k2, "sign_event", json!([template_21000()]), 1)
        .await;
    assert!(is_signed(&r[0]), "{}", r[0].text);
    let mut fresh = h.atm().await;
    let r = h
        .call(&mut fresh, &k2, "connect", json!([k2.to_hex(), t2]), 1)
        .await;
    assert_eq!(r[0].result(), "ack");
    h.shutdown().await;
}

#[tokio::test]
async fn v51_rotate_key_moves_clients_and_leaves_the_old_key_serving() {
    let mut h = Harness::v011().await;
    let k3 = new_key(&mut h, "k3").await;
    let mut c = h.paired_on("k3", "c").await;
    let policy = h.atm_policy().await;
    let t3 = h.token("k3", "t3", policy, json!(1)).await;
    let v = h.admin_json("rotate_key", json!(["k3", "k4", "pw"])).await;
    let k4 = h.key("k4");
    assert_eq!(v, json!({"npub": k4.to_bech32().unwrap(), "name": "k4"}));
    let users = h.users("k4").await;
    let moved = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["pubkey"] == c.pubkey().to_hex())
        .unwrap_or_else(|| panic!("{users}"));
    assert_eq!(moved["active"], true);
    for key in [k4, k3] {
        let r = h
            .call(&mut c, &key, "sign_event", json!([template_21000()]), 1)
            .await;
        assert!(is_signed(&r[0]), "{}", r[0].text);
    }
    let r = h
        .call(&mut c, &k4, "connect", json!([k4.to_hex()]), 1)
        .await;
    assert_eq!(r[0].result(), "ack");
    let mut fresh = h.atm().await;
    let r = h
        .call(&mut fresh, &k3, "connect", json!([k3.to_hex(), t3]), 1)
        .await;
    assert_eq!(r[0].result(), "ack");
    h.shutdown().await;
}

#[tokio::test]
async fn v52_rotate_key_errors() {
    let mut h = Harness::v011().await;
    new_key(&mut h, "k3").await;
    new_key(&mut h, "k2").await;
    h.admin_ok("rotate_key", json!(["k3", "k4", "pw"])).await;
    h.admin_err(
        "rotate_key",
        json!(["k3", "k5", "p"]),
        "Key 'k3' is already deleted",
    )
    .await;
    h.admin_err(
        "rotate_key",
        json!(["k2", "k4", "p"]),
        "Key 'k4' already exists",
    )
    .await;
    h.admin_err(
        "rotate_key",
        json!(["k2"]),
        "Invalid params: oldKeyName, newKeyName, and passphrase required",
    )
    .await;
    h.shutdown().await;
}

#[tokio::test]
async fn v74_rotate_key_reactivates_a_revoked_client_on_the_new_key_only() {
    let mut h = Harness::v011().await;
    let k3 = new_key(&mut h, "k3").await;
    let mut c = h.paired_on("k3", "c").await;
    let id = h.key_user_id("k3", &c.pubkey()).await;
    h.admin_ok("revoke_user", json!([id])).await;
    h.admin_ok("rotate_key", json!(["k3", "k4", "pw"])).await;
    let k4 = h.key("k4");
    let r = h
        .call(&mut c, &k3, "sign_event", json!([template_21000()]), 1)
        .await;
    assert_error(&r[0], "Not authorized");
    let r = h
        .call(&mut c, &k4, "sign_event", json!([template_21000()]), 1)
        .await;
    assert!(is_signed(&r[0]), "{}", r[0].text);
    let users = h.users("k4").await;
    assert_eq!(users[0]["active"], true, "{users}");
    h.shutdown().await;
}
