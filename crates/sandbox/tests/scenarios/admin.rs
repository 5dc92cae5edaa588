//! Admin RPC rows A1–A24 of §6.3.

use nostr::{Keys, ToBech32};
use sandbox::EncryptionMode;
use serde_json::{json, Value};

use crate::support::*;

#[tokio::test]
async fn a01_admin_ping_as_24134_answers_ok_on_24134() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let to = h.bunker.admin_pubkey();
        h.admin
            .request(&to, ADMIN, Scheme::Nip04, "a1", "ping", json!([]))
            .await;
        let r = h.admin.reply("a1").await;
        assert_eq!(
            (r.kind, r.text.as_str()),
            (ADMIN, r#"{"id":"a1","result":"ok"}"#)
        );
        assert_eq!(r.author, to, "replies come from the bunker admin key");
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a02_admin_ping_sent_as_24133_is_answered_on_24134() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let to = h.bunker.admin_pubkey();
        h.admin
            .request(&to, NIP46, Scheme::Nip04, "a2", "ping", json!([]))
            .await;
        let r = h.admin.reply("a2").await;
        assert_eq!(
            (r.kind, r.text.as_str()),
            (ADMIN, r#"{"id":"a2","result":"ok"}"#)
        );
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a03_non_admin_is_told_it_is_not_designated_on_24133() {
    for mode in MODES {
        let h = Harness::start(mode).await;
        let mut stranger = h.atm().await;
        let to = h.bunker.admin_pubkey();
        for (id, method) in [("a3a", "get_keys"), ("a3b", "ping"), ("a3c", "foo")] {
            stranger
                .request(&to, ADMIN, Scheme::Nip04, id, method, json!([]))
                .await;
            let r = stranger.reply(id).await;
            assert_eq!(r.kind, NIP46, "thrown errors fall back to kind 24133");
            assert_eq!(
                r.text,
                format!(
                    r#"{{"id":"{id}","result":"error","error":"You are not designated to administrate this bunker"}}"#
                )
            );
        }
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a04_unknown_method_answers_variant_c_with_the_request_kind() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let to = h.bunker.admin_pubkey();
        for (id, kind) in [("a4a", ADMIN), ("a4b", NIP46)] {
            h.admin
                .request(&to, kind, Scheme::Nip04, id, "foo", json!([]))
                .await;
            let r = h.admin.reply(id).await;
            assert_eq!(r.kind, kind);
            assert_eq!(
                r.text,
                format!(r#"{{"id":"{id}","result":"[\"error\",\"Unknown method foo\"]"}}"#)
            );
            assert!(r.error().is_none(), "variant C has no error field");
        }
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a05_nip44_admin_request_is_ignored_in_nip04_mode_and_bunker_stays_up() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let to = h.bunker.admin_pubkey();
        h.admin
            .request(&to, ADMIN, Scheme::Nip44, "a5", "ping", json!([]))
            .await;
        h.admin
            .request(&to, ADMIN, Scheme::Nip04, "a5-after", "ping", json!([]))
            .await;
        assert_eq!(h.admin.reply("a5-after").await.result(), "ok");
        let nip44 = h.admin.settle("a5").await;
        match mode {
            EncryptionMode::Nip04Only => assert!(
                nip44.is_empty(),
                "NIP-44 admin request must be dropped: {nip44:?}"
            ),
            _ => {
                assert_eq!(nip44.len(), 1);
                assert_eq!(
                    nip44[0].scheme,
                    Scheme::Nip44,
                    "auto mode replies in the request's scheme"
                );
                assert_eq!(nip44[0].result(), "ok");
            }
        }
        assert!(
            !h.bunker.is_dead(),
            "a NIP-44 admin request never kills the daemon"
        );
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a06_request_with_bad_signature_gets_no_response() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let to = h.bunker.admin_pubkey();
        let body = json!({"id": "a6", "method": "ping", "params": []}).to_string();
        let mut forged = h.admin.event(&to, ADMIN, &body, Scheme::Nip04);
        let other = h.admin.event(&to, ADMIN, "x?iv=y", Scheme::Nip04);
        forged.sig = other.sig; // valid id, signature of another event
                                // The loopback relay verifies signatures itself, so inject past it (a non-verifying relay).
        assert!(h.relay.inject(forged));
        h.admin
            .request(&to, ADMIN, Scheme::Nip04, "a6-after", "ping", json!([]))
            .await;
        assert_eq!(h.admin.reply("a6-after").await.result(), "ok");
        assert!(
            h.admin.settle("a6").await.is_empty(),
            "bad signatures are ignored"
        );
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a07_get_keys_lists_unlocked_keys_then_locked_ones_by_name_only() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let npub = h.fleet().to_bech32().unwrap();
        let result = h.admin_ok("get_keys", json!([])).await;
        assert_eq!(
            result,
            format!(
                r#"[{{"name":"fleet","npub":"{npub}","userCount":0,"tokenCount":0}},{{"name":"cold"}}]"#
            )
        );
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a08_create_new_policy_is_listed_with_null_description_and_string_kind() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let body = r#"{"name":"atm-21000","rules":[{"method":"sign_event","kind":21000,"use_count":100},{"method":"ping","kind":"all"}]}"#;
        assert_eq!(
            h.admin_ok("create_new_policy", json!([body])).await,
            r#"["ok"]"#
        );
        let policies = h.admin_json("get_policies", json!([])).await;
        let p = &policies[0];
        assert_eq!(p["name"], "atm-21000");
        assert_eq!(p["description"], Value::Null);
        assert_eq!(p["expires_at"], Value::Null);
        assert!(p["created_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(
            p["rules"],
            json!([
                {"method":"sign_event","kind":"21000","max_usage_count":100,"current_usage_count":0},
                {"method":"ping","kind":"all","max_usage_count":null,"current_usage_count":0}
            ])
        );
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a09_policy_rule_without_kind_fails_half_applied() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let body =
            r#"{"name":"dms","rules":[{"method":"sign_event","kind":4},{"method":"encrypt"}]}"#;
        let r = h.admin_call("create_new_policy", json!([body])).await;
        assert_eq!(r.kind, NIP46);
        assert_error(
            &r,
            "Cannot read properties of undefined (reading 'toString')",
        );
        let policies = h.admin_json("get_policies", json!([])).await;
        assert_eq!(
            policies[0]["name"], "dms",
            "the policy row is already created"
        );
        assert_eq!(
            policies[0]["rules"].as_array().unwrap().len(),
            1,
            "earlier rules stay created"
        );
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a10_policy_without_rules_fails_but_the_row_exists() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let r = h
            .admin_call("create_new_policy", json!([r#"{"name":"empty"}"#]))
            .await;
        assert_eq!(r.kind, NIP46);
        assert_error(&r, "policy.rules is not iterable");
        let policies = h.admin_json("get_policies", json!([])).await;
        assert_eq!(policies[0]["name"], "empty");
        assert_eq!(policies[0]["rules"], json!([]));
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a11_create_new_token_is_readable_via_get_key_tokens() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let policy = h.atm_policy().await;
        let secret = h.token("fleet", "satmachine-1", policy, json!("720")).await;
        assert_eq!(secret.len(), 64);
        assert!(secret
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        let tokens = h.tokens("fleet").await;
        let t = &tokens[0];
        let npub = h.fleet().to_bech32().unwrap();
        assert_eq!(t["token"], format!("{npub}#{secret}"));
        assert_eq!(t["key_name"], "fleet");
        assert_eq!(t["client_name"], "satmachine-1");
        assert_eq!(t["policy_id"], policy);
        assert_eq!(t["policy_name"], "atm-21000");
        assert_eq!(t["redeemed_at"], Value::Null);
        assert!(t.get("redeemed_by").is_none(), "omitted until redeemed");
        let left = t["time_until_expiration"].as_f64().unwrap();
        assert!(
            (2_591_000.0..=2_592_000.0).contains(&left),
            "≈ 30 days, got {left}"
        );
        assert!(t["expires_at"].as_str().unwrap().ends_with('Z'));
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a12_string_policy_id_leaks_a_raw_orm_error_with_path_and_token() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let policy = h.atm_policy().await;
        let r = h
            .admin_call(
                "create_new_token",
                json!(["fleet", "satmachine-1", policy.to_string(), "720"]),
            )
            .await;
        assert_eq!(r.kind, NIP46);
        assert_eq!(r.result(), "error");
        let error = r.error().unwrap();
        assert!(
            error.contains("/app/src/daemon/admin/commands/create_new_token.ts"),
            "{error}"
        );
        assert!(error.contains("policyId"), "{error}");
        let leaked = error.split('"').any(|part| {
            part.len() == 64
                && part.bytes().all(|b| b.is_ascii_hexdigit())
                && part != h.admin_keys.public_key().to_hex()
        });
        assert!(
            leaked,
            "the generated token is in the text (Appendix C): {error}"
        );
        assert_eq!(h.tokens("fleet").await, json!([]), "no token was created");
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a13_unknown_policy_id_is_policy_not_found() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let r = h
            .admin_call(
                "create_new_token",
                json!(["fleet", "satmachine-1", 9999, "720"]),
            )
            .await;
        assert_eq!(r.kind, NIP46);
        assert_error(&r, "Policy not found");
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a14_missing_client_name_is_invalid_params() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let policy = h.atm_policy().await;
        for params in [
            json!(["fleet"]),
            json!(["fleet", "", policy]),
            json!(["fleet", null, policy, "720"]),
        ] {
            let r = h.admin_call("create_new_token", params).await;
            assert_eq!(r.kind, NIP46);
            assert_error(&r, "Invalid params");
        }
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a15_token_without_duration_never_expires() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let policy = h.atm_policy().await;
        h.token("fleet", "no-duration", policy, Value::Null).await;
        assert_eq!(
            h.admin_ok("create_new_token", json!(["fleet", "absent", policy]))
                .await,
            r#"["ok"]"#
        );
        let tokens = h.tokens("fleet").await;
        for t in tokens.as_array().unwrap() {
            assert_eq!(t["expires_at"], Value::Null, "{t}");
            assert_eq!(t["time_until_expiration"], Value::Null, "{t}");
        }
        assert_eq!(tokens.as_array().unwrap().len(), 2);
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a16_get_key_tokens_is_empty_for_locked_or_unknown_keys() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let policy = h.atm_policy().await;
        assert_eq!(
            h.admin_ok("create_new_token", json!(["cold", "c", policy, "1"]))
                .await,
            r#"["ok"]"#
        );
        assert_eq!(h.admin_ok("get_key_tokens", json!(["cold"])).await, "[]");
        assert_eq!(h.admin_ok("get_key_tokens", json!(["nope"])).await, "[]");
        let keys = h.admin_json("get_keys", json!([])).await;
        assert_eq!(
            keys[1],
            json!({"name": "cold"}),
            "the locked key's token still counts nowhere visible"
        );
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a17_get_key_users_after_redemption_shows_connect_and_policy_rules() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let atm = h.paired_atm("satmachine-17").await;
        let users = h.users("fleet").await;
        let u = &users[0];
        assert_eq!(u["name"], "fleet", "the KEY name");
        assert_eq!(u["pubkey"], atm.pubkey().to_hex());
        assert_eq!(u["description"], "satmachine-17");
        assert!(u["createdAt"].as_str().unwrap().ends_with('Z'));
        assert!(
            u.get("revokedAt").is_none() && u.get("lastUsedAt").is_none(),
            "falsy fields omitted: {u}"
        );
        let id = u["id"].clone();
        let conds = u["signingConditions"].as_array().unwrap();
        assert_eq!(conds.len(), 2);
        assert_eq!(conds[0]["method"], "connect");
        assert_eq!(conds[0]["kind"], Value::Null);
        assert_eq!(conds[1]["method"], "sign_event");
        assert_eq!(conds[1]["kind"], "21000");
        for c in conds {
            assert_eq!(c["allowed"], true);
            assert_eq!(c["keyUserId"], id);
            assert_eq!(c["content"], Value::Null);
            assert_eq!(c["keyUserKeyName"], Value::Null);
        }
        let keys = h.admin_json("get_keys", json!([])).await;
        assert_eq!(
            (keys[0]["userCount"].clone(), keys[0]["tokenCount"].clone()),
            (json!(1), json!(1))
        );
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a18_revoke_user_accepts_string_or_number_and_sets_revoked_at() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let a = h.paired_atm("a").await;
        let b = h.paired_atm("b").await;
        let id_a = h.key_user_id("fleet", &a.pubkey()).await;
        let id_b = h.key_user_id("fleet", &b.pubkey()).await;
        assert_eq!(
            h.admin_ok("revoke_user", json!([id_a.to_string()])).await,
            r#"["ok"]"#
        );
        assert_eq!(h.admin_ok("revoke_user", json!([id_b])).await, r#"["ok"]"#);
        let users = h.users("fleet").await;
        let first = users[0]["revokedAt"].as_str().unwrap().to_owned();
        assert!(users[1]["revokedAt"].is_string());
        assert_eq!(
            h.admin_ok("revoke_user", json!([id_a])).await,
            r#"["ok"]"#,
            "repeating is allowed"
        );
        let again = h.users("fleet").await[0]["revokedAt"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(again >= first, "a repeat moves revokedAt forward");
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a19_revoke_user_with_nan_or_missing_id_is_invalid_params() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        for params in [json!(["abc"]), json!([])] {
            let r = h.admin_call("revoke_user", params).await;
            assert_eq!(r.kind, NIP46);
            assert_error(&r, "Invalid params");
        }
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a20_revoke_unknown_user_is_a_record_not_found_error_on_24133() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let r = h.admin_call("revoke_user", json!(["9999"])).await;
        assert_eq!(r.kind, NIP46);
        assert_eq!(r.result(), "error");
        assert!(
            r.error().unwrap().contains("Record to update not found."),
            "{}",
            r.text
        );
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a21_rename_key_user_renames_or_reports_not_found() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let atm = h.paired_atm("old").await;
        assert_eq!(
            h.admin_ok("rename_key_user", json!([atm.pubkey().to_hex(), "x"]))
                .await,
            r#"["ok"]"#
        );
        assert_eq!(h.users("fleet").await[0]["description"], "x");
        let unknown = Keys::generate().public_key().to_hex();
        let r = h.admin_call("rename_key_user", json!([unknown, "x"])).await;
        assert_eq!(r.kind, NIP46);
        assert_error(&r, "Key user not found");
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a22_unlock_key_with_wrong_passphrase_fails_inside_a_success_envelope() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let r = h.admin_call("unlock_key", json!(["cold", "wrong"])).await;
        assert_eq!(r.kind, ADMIN, "a success envelope: {}", r.text);
        let result = r.parsed();
        assert_eq!(result["success"], false);
        assert!(result["error"].as_str().is_some_and(|e| !e.is_empty()));
        // The right passphrase starts the key's backend.
        assert_eq!(
            h.admin_ok("unlock_key", json!(["cold", COLD_PASSPHRASE]))
                .await,
            r#"{"success":true}"#
        );
        let cold = h.key("cold");
        let mut atm = h.atm().await;
        let replies = h
            .call(&mut atm, &cold, "get_public_key", json!([]), 1)
            .await;
        assert_eq!(replies[0].result(), cold.to_hex());
        let keys = h.admin_json("get_keys", json!([])).await;
        assert_eq!(keys[1]["name"], "cold");
        assert!(keys[1]["npub"].is_string(), "unlocked keys show their npub");
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a23_create_account_from_stranger_without_domains_uses_request_kind() {
    for mode in MODES {
        let h = Harness::start(mode).await;
        let mut stranger = h.atm().await;
        let to = h.bunker.admin_pubkey();
        for (id, kind) in [("a23a", ADMIN), ("a23b", NIP46)] {
            stranger
                .request(
                    &to,
                    kind,
                    Scheme::Nip04,
                    id,
                    "create_account",
                    json!(["bob", "example.com", ""]),
                )
                .await;
            let r = stranger.reply(id).await;
            assert_eq!(r.kind, kind);
            assert_eq!(
                r.text,
                format!(r#"{{"id":"{id}","result":"error","error":"no domains available"}}"#)
            );
        }
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a24_undecided_request_prompts_admins_with_acl() {
    for mode in MODES {
        let mut h = Harness::start(mode).await;
        let mut atm = h.paired_atm("satmachine-24").await;
        let fleet = h.fleet();
        let template =
            json!({"kind": 1, "content": "hello", "tags": [], "created_at": 1_700_000_000})
                .to_string();
        atm.request(
            &fleet,
            NIP46,
            Scheme::Nip04,
            "n-a24",
            "sign_event",
            json!([template]),
        )
        .await;

        let prompt = h.admin.incoming_request("acl").await;
        assert_eq!((prompt.kind, prompt.scheme), (ADMIN, Scheme::Nip04));
        assert_eq!(prompt.author, h.bunker.admin_pubkey());
        let acl: Value = serde_json::from_str(prompt.json["params"][0].as_str().unwrap()).unwrap();
        assert_eq!(acl["keyName"], "fleet");
        assert_eq!(acl["remotePubkey"], atm.pubkey().to_hex());
        assert_eq!(acl["method"], "sign_event");
        assert_eq!(acl["param"], template);
        assert_eq!(acl["description"], "satmachine-24");

        // An `always` answer with the kind as a string persists and approves.
        let answer = json!({"id": prompt.json["id"], "result": r#"["always",null,{"kind":"1"}]"#})
            .to_string();
        let to = h.bunker.admin_pubkey();
        h.admin.send(&to, ADMIN, &answer, Scheme::Nip04).await;
        let signed = atm.reply("n-a24").await;
        let event: Value =
            serde_json::from_str(signed.result()).unwrap_or_else(|_| panic!("{}", signed.text));
        assert_eq!(event["kind"], 1);

        let users = h.users("fleet").await;
        let persisted = users[0]["signingConditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["method"] == "sign_event" && c["kind"] == "1");
        assert!(persisted, "the approval is a new SigningCondition: {users}");

        // No answer within the timeout: Not authorized.
        atm.request(&fleet, NIP46, Scheme::Nip04, "n-a24b", "ping", json!([]))
            .await;
        h.admin.incoming_request("acl").await;
        assert_error(&atm.reply("n-a24b").await, "Not authorized");
        h.shutdown().await;
    }
}

#[tokio::test]
async fn create_new_key_starts_a_backend_at_once_and_is_locked_after_restart() {
    let mut h = Harness::start(EncryptionMode::Nip04Only).await;
    let nsec = Keys::generate();
    let npub = nsec.public_key().to_bech32().unwrap();
    let result = h
        .admin_json(
            "create_new_key",
            json!(["imported", "pw", nsec.secret_key().to_bech32().unwrap()]),
        )
        .await;
    assert_eq!(result, json!({ "npub": npub }));
    let mut atm = h.atm().await;
    let imported = nsec.public_key();
    let r = h
        .call(&mut atm, &imported, "get_public_key", json!([]), 1)
        .await;
    assert_eq!(
        r[0].result(),
        imported.to_hex(),
        "the new key answers at once"
    );
    h.restart().await;
    let keys = h.admin_json("get_keys", json!([])).await;
    assert!(
        keys.as_array()
            .unwrap()
            .contains(&json!({"name": "imported"})),
        "locked after restart: {keys}"
    );
    assert_eq!(
        h.admin_ok("unlock_key", json!(["imported", "pw"])).await,
        r#"{"success":true}"#
    );
    let r = h
        .call(&mut atm, &imported, "get_public_key", json!([]), 1)
        .await;
    assert_eq!(r[0].result(), imported.to_hex());
    h.shutdown().await;
}
