//! Restore: a wiped console (same key) rebuilds the same fleet from the bunker and the relays;
//! where the roster and the bunker disagree on access, the stricter state wins.

use fleet_core::operator_events::FeePolicy;
use fleet_core::Fleet;
use fleet_store::{Machine, MachineState};

use crate::support::{pair, sync, Consoles};

/// What must survive a restore, machine by machine.
type View = (
    String,
    String,
    Option<String>,
    &'static str,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

async fn fleet_view(fleet: &Fleet) -> Vec<View> {
    let mut list: Vec<_> = fleet
        .machines()
        .await
        .unwrap()
        .into_iter()
        .map(|m: Machine| {
            (
                m.uid,
                m.name,
                m.site,
                m.state.as_str(),
                m.atm_client_pubkey,
                m.paired_at,
                m.bunker_token_expires_at,
            )
        })
        .collect();
    list.sort();
    list
}

#[tokio::test]
async fn a_wiped_console_restores_the_same_fleet_from_the_bunker_and_the_relays() {
    let mut env = Consoles::start().await;
    env.a.add_machine("Lobby", Some("Main St")).await.unwrap();
    let lobby = pair(&env.a, "Lobby").await;
    env.a.add_machine("Spare", Some("Depot")).await.unwrap();
    let _gone = pair(&env.a, "Old").await;
    env.a.revoke("Old", |_| {}).await.unwrap();
    let policy = FeePolicy {
        super_fee_bps: 250,
        fixed_fee_sats: 10,
    };
    env.a.set_fee(policy, |_| {}).await.unwrap();
    sync(&env.a).await;
    let before = fleet_view(&env.a).await;
    assert_eq!(before.len(), 3);

    let restored = env.wipe_a().await;
    let report = restored.restore().await.unwrap();
    assert_eq!(
        report.roster.as_ref().map(|r| r.added.len()),
        Some(3),
        "{report:?}"
    );
    assert!(report.conflicts().is_empty(), "{:?}", report.conflicts());
    assert_eq!(fleet_view(&restored).await, before, "the same fleet");
    assert_eq!(
        restored.fee().await.unwrap().published.map(|p| p.policy),
        Some(policy),
        "the fee policy comes back from the relays"
    );
    assert!(report
        .lines()
        .iter()
        .any(|l| l.contains("satmachine:super-fee")));
    let m = restored.machine("Lobby").await.unwrap();
    assert!(
        m.bunker_connection_id.is_some(),
        "the KeyUser id is found again"
    );
    lobby
        .sign()
        .await
        .expect("restoring changes nothing on the bunker");
}

#[tokio::test]
async fn on_restore_the_stricter_access_state_wins_and_every_conflict_is_reported() {
    let mut env = Consoles::start().await;
    let revoked_on_bunker = pair(&env.a, "Kiosk").await;
    let revived = pair(&env.a, "Depot").await;
    sync(&env.a).await;

    // Kiosk: revoked on the bunker behind the roster's back (another admin tool).
    let (admin, _) = env.a.admin_session().await.unwrap();
    let kiosk = env.a.machine("Kiosk").await.unwrap();
    admin
        .revoke_user(u64::try_from(kiosk.bunker_connection_id.unwrap()).unwrap())
        .await
        .unwrap();
    admin.shutdown().await;
    // Depot: the roster says revoked while the bunker still has its client active (what a 0.11
    // bunker's grant_permission does to a revoked client): written into A's cache directly, then
    // published.
    let db = fleet_store::Db::open(env.a_dir.path().join(fleet_core::DB_FILE)).unwrap();
    db.interact(|c| {
        c.execute(
            "UPDATE machines SET state = 'revoked' WHERE name = 'Depot'",
            [],
        )?;
        Ok(())
    })
    .await
    .unwrap();
    drop(db);
    env.a.publish_roster(|_| {}).await.unwrap();

    let restored = env.wipe_a().await;
    let report = restored.restore().await.unwrap();
    let conflicts = report.conflicts();
    assert!(
        conflicts
            .iter()
            .any(|c| c.starts_with("Kiosk: active in the roster, revoked on the bunker")),
        "{conflicts:?}"
    );
    assert!(
        conflicts
            .iter()
            .any(|c| c.starts_with("Depot: revoked in the roster, active on the bunker")),
        "{conflicts:?}"
    );
    assert_eq!(
        restored.machine("Kiosk").await.unwrap().state,
        MachineState::Revoked
    );
    assert_eq!(
        restored.machine("Depot").await.unwrap().state,
        MachineState::Revoked
    );
    // The re-revoke path: the next sync revokes Depot's client again.
    restored.sync(|_| {}).await.unwrap();
    assert!(
        revived.sign().await.is_err(),
        "Depot's client is revoked again"
    );
    assert!(revoked_on_bunker.sign().await.is_err());
}
