//! Revoke, revoke offline, re-pair, reconcile, and the bunker link across a relay restart.

use fleet_core::outbox::{Delivery, Due};
use fleet_core::revoke::RevokeOutcome;
use fleet_core::term::MachineView;
use fleet_store::MachineState;

use crate::support::{eventually, not_authorized, Atm, Env, KEY};

async fn state(env: &Env, name: &str) -> MachineState {
    let m = env.fleet.machine(name).await.unwrap();
    MachineView::at(&m, 0).state
}

#[tokio::test]
async fn revoked_machine_is_refused_by_the_bunker_and_shows_revoked() {
    let env = Env::start().await;
    let atm = env.pair("Lobby").await;
    atm.sign().await.expect("a paired ATM signs kind 21000");

    let outcome = env.fleet.revoke("lobby", |_| {}).await.unwrap();
    assert!(
        matches!(outcome, RevokeOutcome::Revoked { .. }),
        "online revoke completes: {outcome:?}"
    );
    assert_eq!(state(&env, "Lobby").await, MachineState::Revoked);
    let err = atm.sign().await.expect_err("a revoked ATM must be refused");
    assert!(
        not_authorized(&err),
        "the bunker answers Not authorized, got {err}"
    );

    let audit = env.fleet.audit(20).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "revoke" && e.outcome == "ok"),
        "the revoke is audited"
    );
    assert!(
        env.fleet.outbox().await.unwrap().is_empty(),
        "nothing is left in the outbox"
    );
    let again = env
        .fleet
        .request_revoke("Lobby", "operator")
        .await
        .unwrap_err();
    assert_eq!(
        again.kind(),
        fleet_core::ErrorKind::InvalidInput,
        "a revoked machine cannot be revoked again"
    );
}

#[tokio::test]
async fn revoke_with_the_relay_down_is_pending_then_runs_when_the_relay_is_back() {
    let mut env = Env::start().await;
    let atm = env.pair("Kiosk").await;
    atm.sign().await.unwrap();

    env.relay_down().await;
    let outcome = env.fleet.revoke("Kiosk", |_| {}).await.unwrap();
    assert!(
        matches!(
            outcome,
            RevokeOutcome::Pending {
                reason: Some(_),
                ..
            }
        ),
        "offline revoke is accepted and waits: {outcome:?}"
    );
    assert_eq!(state(&env, "Kiosk").await, MachineState::RevokePending);
    let rows = env.fleet.outbox().await.unwrap();
    let revokes: Vec<_> = rows.iter().filter(|r| r.action == "revoke").collect();
    assert_eq!(revokes.len(), 1);
    assert_eq!(revokes[0].status, "pending");
    assert!(
        rows.iter()
            .all(|r| r.action == "revoke" || r.action == "publish_roster"),
        "besides the revoke, only the roster publication waits: {rows:?}"
    );
    assert!(
        rows.iter().any(|r| r.last_error.is_some()),
        "the outbox says why it waits"
    );

    env.relay_up().await;
    let fleet = env.fleet.clone();
    eventually("the queued revoke runs once the relay is back", || {
        let fleet = fleet.clone();
        async move {
            fleet.run_outbox(Due::Now, |_| {}).await.unwrap();
            (fleet.machine("Kiosk").await.unwrap().state == MachineState::Revoked).then_some(())
        }
    })
    .await;
    // The ATM's session was opened before the outage: its link must have re-subscribed.
    let err = eventually("the ATM hears the bunker again", || async {
        match atm.sign().await {
            Err(e) if not_authorized(&e) => Some(e),
            Ok(_) => panic!("a revoked ATM signed"),
            Err(_) => None,
        }
    })
    .await;
    assert!(not_authorized(&err));
}

#[tokio::test]
async fn admin_link_hears_replies_after_a_quick_relay_restart() {
    let mut env = Env::start().await;
    let admin = env.admin().await;
    admin.ping().await.unwrap();
    env.relay_down().await;
    env.relay_up().await;
    // Without re-subscribing after the reconnect the link stays deaf and every ping times out.
    eventually("a ping on the old link is answered", || async {
        admin.ping().await.ok()
    })
    .await;
    admin.shutdown().await;
}

#[tokio::test]
async fn re_pair_keeps_the_machine_working_with_a_new_key_and_refuses_the_old() {
    let env = Env::start().await;
    let old = env.pair("Depot").await;
    old.sign().await.unwrap();

    let pending = env
        .fleet
        .begin_repair("Depot", acceptance::quick_pairing("Depot"), |_| {})
        .await
        .unwrap();
    old.sign()
        .await
        .expect("the old key keeps working until the new one is redeemed");
    let new = Atm::redeem(pending.pairing().pairing_url().expose()).await;
    let repaired = pending.wait(std::future::pending(), |_| {}).await.unwrap();
    assert_eq!(repaired.old_key, Delivery::Done);

    new.sign().await.expect("the new key signs");
    let err = old.sign().await.expect_err("the old key is refused");
    assert!(not_authorized(&err));
    let m = env.fleet.machine("Depot").await.unwrap();
    assert_eq!(m.state, MachineState::Active);
    assert_eq!(
        m.atm_client_pubkey.as_deref(),
        Some(new.keys.public_key().to_hex().as_str())
    );
    assert!(env
        .fleet
        .audit(20)
        .await
        .unwrap()
        .iter()
        .any(|e| e.action == "repair" && e.outcome == "ok"));
}

#[tokio::test]
async fn reconcile_sees_revokes_done_elsewhere_and_shows_unknown_clients() {
    let env = Env::start().await;
    let atm = env.pair("Mall").await;
    let admin = env.admin().await;
    let user = admin
        .get_key_users(KEY)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.pubkey == atm.keys.public_key())
        .unwrap();
    admin.revoke_user(user.id).await.unwrap();
    // A client nobody told the app about: a token minted and redeemed outside the app.
    let policy = admin
        .get_policies()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .max()
        .unwrap();
    admin
        .create_new_token(KEY, "someone's phone", policy, Some(1))
        .await
        .unwrap();
    let token = admin
        .get_key_tokens(KEY)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.client_name == "someone's phone")
        .unwrap();
    let relay = env.relay.as_ref().unwrap().url();
    let stranger = Atm::redeem(&token.pairing_uri(vec![relay]).unwrap().to_url_string()).await;
    admin.shutdown().await;

    let report = env.fleet.reconcile().await.unwrap();
    assert_eq!(report.revoked_elsewhere, vec!["Mall".to_string()]);
    assert_eq!(
        env.fleet.machine("Mall").await.unwrap().state,
        MachineState::Revoked
    );
    let unknown: Vec<String> = report
        .unknown_clients
        .iter()
        .map(|c| c.pubkey.clone())
        .collect();
    assert_eq!(
        unknown,
        vec![stranger.keys.public_key().to_hex()],
        "an unknown client is shown, not hidden"
    );
    let cached = env.fleet.bunker_clients().await.unwrap();
    assert!(
        cached.iter().any(|c| c.role == "unknown"),
        "and it stays visible offline"
    );
}
