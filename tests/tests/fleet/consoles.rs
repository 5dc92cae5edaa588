//! Two consoles on one bunker see each other's pairings and revocations after a sync, and their
//! machines never share a bunker client name.

use fleet_core::migration::{CheckId, CheckOptions, CheckStatus};
use fleet_core::revoke::RevokeOutcome;
use fleet_store::MachineState;

use crate::support::{machine, pair, sync, Consoles};

#[tokio::test]
async fn a_pairing_on_one_console_reaches_the_other_and_the_others_revoke_comes_back() {
    let env = Consoles::start().await;
    env.a.add_machine("m1", Some("Main St")).await.unwrap();
    let atm = pair(&env.a, "m1").await;
    sync(&env.a).await;
    let on_a = machine(&env.a, "m1").await;

    let lines = sync(&env.b).await;
    let on_b = machine(&env.b, "m1").await;
    assert!(
        lines.iter().any(|l| l.contains("m1: added on console")),
        "{lines:?}"
    );
    assert_eq!(on_b.uid, on_a.uid, "the machine's id travels");
    assert_eq!(on_b.client_name, on_a.client_name);
    assert_eq!(on_b.state, MachineState::Active);
    assert_eq!(on_b.site.as_deref(), Some("Main St"));
    assert_eq!(on_b.atm_client_pubkey, Some(atm.keys.public_key().to_hex()));
    assert_eq!(on_b.paired_at, on_a.paired_at);
    assert_eq!(
        on_b.bunker_token_expires_at, on_a.bunker_token_expires_at,
        "B sees A's access term"
    );
    assert!(
        on_b.bunker_connection_id.is_some(),
        "B's reconcile found the ATM's client on the bunker"
    );

    let outcome = env.b.revoke("m1", |_| {}).await.unwrap();
    assert!(
        matches!(outcome, RevokeOutcome::Revoked { .. }),
        "{outcome:?}"
    );
    assert!(atm.sign().await.is_err(), "the bunker refuses the ATM");

    sync(&env.a).await;
    let on_a = machine(&env.a, "m1").await;
    assert_eq!(on_a.state, MachineState::Revoked, "A sees B's revoke");
    let b_npub = env.b.console().await.unwrap().npub();
    let audit = env.a.audit_for(on_a.id, 20).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "roster_merge" && e.console.as_deref() == Some(b_npub.as_str())),
        "A's audit names B as the console that revoked: {audit:?}"
    );
    let a_npub = env.a.console().await.unwrap().npub();
    let own = env.a.audit(50).await.unwrap();
    assert!(
        own.iter()
            .any(|e| e.action == "pair" && e.console.as_deref() == Some(a_npub.as_str())),
        "A's own pairing names A: {own:?}"
    );

    // What the roster brought in (another console's npub, its events) reads as public to the
    // migration check's secret scan.
    for fleet in [&env.a, &env.b] {
        let opts = CheckOptions {
            lnbits: None,
            test_signature: false,
        };
        let list = fleet.migration_check(&opts).await.unwrap();
        let scan = list.get(CheckId::ConsoleHoldsNoAccountKey).unwrap();
        assert_eq!(scan.status, CheckStatus::Pass, "{scan:?}");
    }
}

#[tokio::test]
async fn machines_paired_on_two_consoles_never_share_a_bunker_client_name() {
    let env = Consoles::start().await;
    // Both caches are new: each machine is row 1 on its console.
    let atm_a = pair(&env.a, "North").await;
    let atm_b = pair(&env.b, "South").await;
    let (north, south) = (
        machine(&env.a, "North").await,
        machine(&env.b, "South").await,
    );
    assert_eq!((north.id, south.id), (1, 1), "the row ids are the same");
    assert_ne!(north.client_name, south.client_name);
    assert!(north.client_name.starts_with("satmachine-") && north.client_name.len() == 21);
    atm_a.sign().await.expect("A's ATM signs");
    atm_b.sign().await.expect("B's ATM signs");

    let (admin, profile) = env.a.admin_session().await.unwrap();
    let users = admin.get_key_users(&profile.key_name).await.unwrap();
    admin.shutdown().await;
    let named = |name: &str| {
        users
            .iter()
            .filter(|u| u.description.as_deref() == Some(name))
            .count()
    };
    assert_eq!(named(&north.client_name), 1);
    assert_eq!(named(&south.client_name), 1);

    sync(&env.a).await;
    sync(&env.b).await;
    sync(&env.a).await;
    for fleet in [&env.a, &env.b] {
        let mut names: Vec<(String, String)> = fleet
            .machines()
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.name, m.client_name))
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec![
                ("North".to_string(), north.client_name.clone()),
                ("South".to_string(), south.client_name.clone())
            ]
        );
    }
}
