//! The conflict rules of README "Several consoles", one journey each: the same name added on
//! two consoles; a revoke on one while the other re-pairs; two roster versions published close
//! together.

use std::time::Duration;

use fleet_core::revoke::RevokeOutcome;
use fleet_core::Fleet;
use fleet_store::MachineState;

use crate::support::{machine, pair, sync, Consoles};

async fn names(fleet: &Fleet) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = fleet
        .machines()
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.uid, m.name))
        .collect();
    list.sort();
    list
}

/// A second apart, so that "earlier" and "later" are not the same second.
async fn tick() {
    tokio::time::sleep(Duration::from_millis(1100)).await;
}

#[tokio::test]
async fn the_same_name_added_on_two_consoles_stays_with_the_first_and_the_other_gets_its_id() {
    let env = Consoles::start().await;
    let first = env.a.add_machine("Lobby", None).await.unwrap();
    tick().await;
    let second = env.b.add_machine("lobby", Some("Annex")).await.unwrap();
    sync(&env.a).await;
    let lines = sync(&env.b).await;
    assert!(
        lines.iter().any(|l| l.contains("added on two consoles")),
        "{lines:?}"
    );
    sync(&env.a).await;
    let expected = {
        let mut v = vec![
            (first.uid.clone(), "Lobby".to_string()),
            (second.uid.clone(), format!("lobby ({})", second.uid)),
        ];
        v.sort();
        v
    };
    assert_eq!(names(&env.a).await, expected, "console A");
    assert_eq!(names(&env.b).await, expected, "console B");
}

#[tokio::test]
async fn a_revoke_on_one_console_beats_a_re_pair_made_before_it_on_the_other() {
    let env = Consoles::start().await;
    let old = pair(&env.a, "m1").await;
    sync(&env.a).await;
    sync(&env.b).await;

    // A re-pairs m1 (new ATM key); B, not synced since, revokes m1.
    let repair = env
        .a
        .begin_repair("m1", acceptance::quick_pairing("m1"), |_| {})
        .await
        .unwrap();
    let url = repair.pairing().pairing_url().expose().clone();
    let new = crate::support::Atm::redeem(&url).await;
    repair.wait(std::future::pending(), |_| {}).await.unwrap();
    assert_eq!(machine(&env.a, "m1").await.state, MachineState::Active);
    tick().await;
    let outcome = env.b.revoke("m1", |_| {}).await.unwrap();
    assert!(
        matches!(outcome, RevokeOutcome::Revoked { .. }),
        "{outcome:?}"
    );

    let lines = sync(&env.a).await;
    assert_eq!(
        machine(&env.a, "m1").await.state,
        MachineState::Revoked,
        "the stricter state wins: {lines:?}"
    );
    assert!(
        new.sign().await.is_err(),
        "the re-paired key is refused too"
    );
    assert!(old.sign().await.is_err());

    // A deliberate re-pair after the revoke wins over it.
    tick().await;
    let again = pair(&env.a, "m1").await;
    sync(&env.a).await;
    sync(&env.b).await;
    let on_b = machine(&env.b, "m1").await;
    assert_eq!(on_b.state, MachineState::Active, "B sees the new pairing");
    assert_eq!(
        on_b.atm_client_pubkey,
        Some(again.keys.public_key().to_hex())
    );
    again.sign().await.expect("the new key signs");
}

#[tokio::test]
async fn two_roster_versions_published_close_together_settle_on_the_newest_change_everywhere() {
    let env = Consoles::start().await;
    pair(&env.a, "m1").await;
    sync(&env.a).await;
    sync(&env.b).await;

    // Both rename m1 without hearing from each other; both publish.
    let north = env.a.rename_machine("m1", "North").await.unwrap();
    let south = env.b.rename_machine("m1", "South").await.unwrap();
    env.a.publish_roster(|_| {}).await.unwrap();
    env.b.publish_roster(|_| {}).await.unwrap();
    let (a_npub, b_npub) = (
        env.a.console().await.unwrap().npub(),
        env.b.console().await.unwrap().npub(),
    );
    let winner = if (south.changed_at, b_npub) > (north.changed_at, a_npub) {
        "South"
    } else {
        "North"
    };
    for _ in 0..2 {
        sync(&env.a).await;
        sync(&env.b).await;
    }
    let (on_a, on_b) = (names(&env.a).await, names(&env.b).await);
    assert_eq!(on_a, vec![(north.uid.clone(), winner.to_string())]);
    assert_eq!(on_b, on_a, "both consoles agree");
}
