//! Bulk revoke (issue 14 item 3), the operator's emergency stop for a compromised site: one
//! typed confirmation checked in fleet-core, every machine at the site queued in one go,
//! progress per machine, the bunker refusing each ATM afterwards; offline, every revoke waits in
//! the outbox and runs at the next sync. A wrong confirmation changes nothing.

use std::sync::Mutex;

use fleet_core::bulk::{BulkProgress, BulkStep, Selection};
use fleet_core::revoke::RevokeOutcome;
use fleet_core::ErrorKind;
use fleet_store::MachineState;

use crate::support::{eventually, not_authorized, Atm, Env};

async fn state(env: &Env, name: &str) -> MachineState {
    env.fleet.machine(name).await.unwrap().state
}

/// Two paired machines at "Main St" and one paired machine elsewhere.
async fn site_of_two(env: &Env) -> (Atm, Atm, Atm) {
    env.fleet
        .add_machine("Lobby", Some("Main St"))
        .await
        .unwrap();
    env.fleet.add_machine("Bar", Some("Main St")).await.unwrap();
    env.fleet
        .add_machine("Dock", Some("Harbour"))
        .await
        .unwrap();
    env.fleet
        .add_machine("Spare", Some("Main St"))
        .await
        .unwrap(); // never paired
    (
        env.pair("Lobby").await,
        env.pair("Bar").await,
        env.pair("Dock").await,
    )
}

fn site() -> Selection {
    Selection::Site {
        site: "main st".into(),
    }
}

#[tokio::test]
async fn a_wrong_confirmation_is_refused_and_nothing_changes() {
    let env = Env::start().await;
    let (lobby, _bar, _dock) = site_of_two(&env).await;
    let preview = env.fleet.revoke_many_preview(&site()).await.unwrap();
    assert_eq!(preview.confirmation, "Main St");
    assert_eq!(preview.what_to_type, "the site's name (\"Main St\")");
    assert_eq!((preview.machines.len(), preview.revocable), (3, 2));
    assert_eq!(preview.skipped[0].0, "Spare");
    for typed in ["Main", "3", "", "Harbour"] {
        let err = env
            .fleet
            .revoke_many(&site(), typed, |_| {
                panic!("no progress without confirmation")
            })
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{typed:?}: {err}");
        assert!(
            err.to_string().contains("\"Main St\""),
            "says what to type: {err}"
        );
    }
    let names = Selection::names(&["Lobby", "Dock"]);
    let err = env
        .fleet
        .revoke_many(&names, "3", |_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("(2)"), "the count to type: {err}");

    assert_eq!(state(&env, "Lobby").await, MachineState::Active);
    // Pairing queued the roster's publication; a refused bulk revoke queues nothing.
    let queued = env.fleet.outbox().await.unwrap();
    assert!(
        queued.iter().all(|r| r.action == "publish_roster"),
        "nothing queued: {queued:?}"
    );
    lobby.sign().await.expect("the ATM still signs");
}

#[tokio::test]
async fn revoking_a_site_revokes_every_paired_machine_there_and_reports_each() {
    let env = Env::start().await;
    let (lobby, bar, dock) = site_of_two(&env).await;
    let steps: Mutex<Vec<BulkProgress>> = Mutex::new(Vec::new());

    let report = env
        .fleet
        .revoke_many(&site(), " Main St ", |p| {
            steps.lock().unwrap().push(p.clone())
        })
        .await
        .unwrap();

    assert_eq!(report.selected, 3);
    assert_eq!((report.revoked, report.pending, report.failed), (2, 0, 0));
    assert_eq!(report.skipped.len(), 1, "Spare was never paired");
    assert!(report
        .outcomes
        .iter()
        .all(|o| matches!(o, RevokeOutcome::Revoked { .. })));
    for name in ["Lobby", "Bar"] {
        assert_eq!(state(&env, name).await, MachineState::Revoked, "{name}");
    }
    assert_eq!(
        state(&env, "Dock").await,
        MachineState::Active,
        "another site"
    );
    for atm in [&lobby, &bar] {
        let err = atm.sign().await.expect_err("a revoked ATM is refused");
        assert!(not_authorized(&err), "{err}");
    }
    dock.sign().await.expect("the other site's ATM still signs");

    let steps = steps.into_inner().unwrap();
    for name in ["Lobby", "Bar"] {
        let mine: Vec<&BulkStep> = steps
            .iter()
            .filter(|p| p.machine == name)
            .map(|p| &p.step)
            .collect();
        assert!(
            matches!(mine.first(), Some(BulkStep::Queued { .. })),
            "{mine:?}"
        );
        assert!(
            mine.iter().any(|s| matches!(s, BulkStep::Running)),
            "{mine:?}"
        );
        assert!(
            matches!(mine.last(), Some(BulkStep::Revoked { .. })),
            "{mine:?}"
        );
    }
    let last = steps.last().unwrap();
    assert_eq!(
        (last.finished, last.total),
        (3, 3),
        "every machine finished"
    );
}

#[tokio::test]
async fn offline_every_revoke_of_the_site_waits_in_the_outbox_and_runs_at_the_next_sync() {
    let mut env = Env::start().await;
    let (lobby, bar, dock) = site_of_two(&env).await;
    env.relay_down().await;

    let report = env
        .fleet
        .revoke_many(&site(), "Main St", |_| {})
        .await
        .unwrap();
    assert_eq!((report.revoked, report.pending, report.failed), (0, 2, 0));
    for name in ["Lobby", "Bar"] {
        assert_eq!(
            state(&env, name).await,
            MachineState::RevokePending,
            "{name}"
        );
    }
    let queued = env.fleet.outbox().await.unwrap();
    let revokes = queued.iter().filter(|r| r.action == "revoke").count();
    assert_eq!(revokes, 2, "{queued:?}");
    let board = env.fleet.dashboard(fleet_core::unix_now()).await.unwrap();
    assert_eq!(board.counts.revoke_pending, 2);
    // Beside the two revokes, the roster's publication waits for the relay too.
    assert_eq!(board.outbox.pending, queued.len(), "{queued:?}");

    env.relay_up().await;
    // The bunker's own link reconnects to the restarted relay first: sync until the queue ran.
    let fleet = env.fleet.clone();
    eventually(
        "the queued revokes run at a sync once the relay is back",
        || {
            let fleet = fleet.clone();
            async move {
                fleet.sync(|_| {}).await.unwrap();
                fleet.outbox().await.unwrap().is_empty().then_some(())
            }
        },
    )
    .await;
    for name in ["Lobby", "Bar"] {
        assert_eq!(state(&env, name).await, MachineState::Revoked, "{name}");
    }
    // The ATMs' links were opened before the outage: wait until they hear the bunker again.
    for atm in [&lobby, &bar] {
        eventually("the revoked ATM hears the refusal", || async {
            match atm.sign().await {
                Err(e) if not_authorized(&e) => Some(()),
                Ok(_) => panic!("a revoked ATM signed"),
                Err(_) => None,
            }
        })
        .await;
    }
    eventually("the other site's ATM still signs", || async {
        dock.sign().await.ok()
    })
    .await;
    assert!(env.fleet.outbox().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_revoked_site_queued_for_re_pair_shows_pair_on_the_dashboard_until_re_paired() {
    let env = Env::start().await;
    let _atms = site_of_two(&env).await;
    env.fleet
        .revoke_many(&site(), "Main St", |_| {})
        .await
        .unwrap();
    let change = env.fleet.queue_repair(&site()).await.unwrap();
    assert_eq!(change.changed.len(), 3);
    let queue = env.fleet.repair_queue().await.unwrap();
    assert_eq!(queue.len(), 3);
    assert!(queue
        .iter()
        .all(|q| q.action == fleet_core::dashboard::Fix::Pair));

    // Lobby is paired again: it leaves the queue by itself.
    env.pair("Lobby").await;
    let queue = env.fleet.repair_queue().await.unwrap();
    assert_eq!(
        queue.iter().map(|q| q.machine.as_str()).collect::<Vec<_>>(),
        ["Bar", "Spare"]
    );
    let board = env.fleet.dashboard(fleet_core::unix_now()).await.unwrap();
    assert_eq!(board.counts.repair_queued, 2);
}
