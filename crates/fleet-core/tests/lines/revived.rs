//! Reversible revocation on nsecbunkerd 0.11: a machine revoked here whose client the bunker
//! lists as active again is flagged at once; automatic revoke queues the revoke again,
//! otherwise the operator confirms it (`Fleet::re_revoke`).

use bunker_client::KeyUser;
use fleet_core::reconcile::BunkerSnapshot;
use fleet_core::term::AUTO_REVOKE_SETTING;
use fleet_core::Fleet;
use fleet_store::{audit, machines, outbox, settings, MachineState, NewMachine, Pairing};
use nostr::Keys;

use crate::support::offline;

/// A machine revoked here; returns its bunker client name, client pubkey (hex) and KeyUser id.
async fn revoked_machine(fleet: &Fleet, name: &str) -> (String, String, i64) {
    let pk = Keys::generate().public_key().to_hex();
    let name = name.to_owned();
    let client = pk.clone();
    let id = crate::support::db_of(fleet)
        .interact(move |c| {
            let m = machines::insert(c, &NewMachine::new(name))?;
            machines::set_pairing(
                c,
                m.id,
                &Pairing {
                    bunker_connection_id: 7,
                    atm_client_pubkey: client,
                    paired_at: 1,
                    bunker_token_expires_at: 2,
                },
            )?;
            machines::update_state(c, m.id, MachineState::Revoked)?;
            Ok(m.client_name)
        })
        .await
        .unwrap();
    (id, pk, 7)
}

/// What 0.11's `get_key_users` shows after `grant_permission`: active, no `revokedAt`.
fn revived_user(client_name: &str, pubkey: &str, key_user_id: i64) -> KeyUser {
    serde_json::from_value(serde_json::json!({
        "id": key_user_id,
        "name": "operator",
        "pubkey": pubkey,
        "description": client_name,
        "createdAt": "2026-12-02T02:04:49.282Z",
        "active": true,
        "signingConditions": [{"method": "sign_event", "kind": "21000", "allowed": true}],
    }))
    .unwrap()
}

async fn set_auto_revoke(fleet: &Fleet, on: bool) {
    crate::support::db_of(fleet)
        .interact(move |c| settings::set(c, AUTO_REVOKE_SETTING, if on { "true" } else { "false" }))
        .await
        .unwrap();
}

async fn revoke_rows(fleet: &Fleet) -> usize {
    crate::support::db_of(fleet)
        .interact(|c| outbox::unfinished(c))
        .await
        .unwrap()
        .iter()
        .filter(|r| r.action == "revoke")
        .count()
}

async fn audit_outcomes(fleet: &Fleet) -> Vec<(String, String)> {
    crate::support::db_of(fleet)
        .interact(|c| audit::list(c, 100))
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.outcome))
        .collect()
}

#[tokio::test]
async fn a_revived_client_is_revoked_again_at_once_when_automatic_revoke_is_on() {
    let (fleet, _dir) = offline();
    set_auto_revoke(&fleet, true).await;
    let (id, pk, ku) = revoked_machine(&fleet, "Lobby").await;
    let report = fleet
        .reconcile_with(BunkerSnapshot {
            users: vec![revived_user(&id, &pk, ku)],
            ..BunkerSnapshot::default()
        })
        .await
        .unwrap();
    assert_eq!(report.revived.len(), 1);
    assert!(report.revived[0].re_revoke_queued);
    assert_eq!(revoke_rows(&fleet).await, 1, "the revoke is queued again");
    let audit = audit_outcomes(&fleet).await;
    assert!(
        audit.contains(&("revoke".into(), "revived".into())),
        "{audit:?}"
    );
    assert!(
        audit.contains(&("revoke_client".into(), "queued".into())),
        "{audit:?}"
    );

    // A second reconcile before the outbox ran does not queue it twice.
    fleet
        .reconcile_with(BunkerSnapshot {
            users: vec![revived_user(&id, &pk, ku)],
            ..BunkerSnapshot::default()
        })
        .await
        .unwrap();
    assert_eq!(revoke_rows(&fleet).await, 1);
}

#[tokio::test]
async fn a_revived_client_waits_for_the_operator_when_automatic_revoke_is_off() {
    let (fleet, _dir) = offline();
    set_auto_revoke(&fleet, false).await;
    let (id, pk, ku) = revoked_machine(&fleet, "Depot").await;
    let report = fleet
        .reconcile_with(BunkerSnapshot {
            users: vec![revived_user(&id, &pk, ku)],
            ..BunkerSnapshot::default()
        })
        .await
        .unwrap();
    assert_eq!(report.revived.len(), 1);
    assert!(!report.revived[0].re_revoke_queued);
    assert_eq!(
        revoke_rows(&fleet).await,
        0,
        "nothing is sent without the operator"
    );
    assert!(audit_outcomes(&fleet)
        .await
        .contains(&("revoke".into(), "revived".into())));

    let row = fleet.re_revoke("depot").await.unwrap();
    assert!(row > 0);
    assert_eq!(
        revoke_rows(&fleet).await,
        1,
        "confirmed: the revoke is queued"
    );
    let machine = crate::support::db_of(&fleet)
        .interact(|c| machines::find_by_name(c, "Depot"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        machine.state,
        MachineState::Revoked,
        "the machine stays revoked here"
    );
}

#[tokio::test]
async fn re_revoke_refuses_a_machine_with_no_revived_client() {
    let (fleet, _dir) = offline();
    let (_, _, _) = revoked_machine(&fleet, "Quiet").await;
    fleet
        .reconcile_with(BunkerSnapshot::default())
        .await
        .unwrap();
    let err = fleet.re_revoke("Quiet").await.unwrap_err();
    assert_eq!(err.kind(), fleet_core::ErrorKind::InvalidInput);
    assert!(fleet.re_revoke("nobody").await.is_err());
}

#[tokio::test]
async fn a_revoked_but_unredeemed_0_11_token_is_still_reported_live_never_as_cancelled() {
    use bunker_client::{KeyToken, Sensitive};

    let (fleet, _dir) = offline();
    let token = KeyToken {
        id: 12,
        key_name: "operator".into(),
        client_name: "satmachine-99".into(),
        token: Sensitive::new(format!("npub1x#{}", "ab".repeat(32))),
        policy_id: Some(4),
        created_at: None,
        expires_at: None,
        redeemed_at: None,
        redeemed_by: None,
        key_npub: None,
        revoked: true,
    };
    let report = fleet
        .reconcile_with(BunkerSnapshot {
            tokens: vec![token],
            ..BunkerSnapshot::default()
        })
        .await
        .unwrap();
    assert_eq!(
        report.live_tokens,
        [("satmachine-99".to_string(), 12)],
        "revoke_token does not stop redemption (0.11 doc §0.3 item 7): the code is still live"
    );
}
