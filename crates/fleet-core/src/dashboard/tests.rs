//! The dashboard over a cache with a machine in every state.
#![allow(clippy::unwrap_used)]
use super::*;
use crate::outbox::Action;
use crate::revoke::RevokeAction;
use crate::secrets::Secrets;
use fleet_store::codes::NewPreparedCode;
use fleet_store::liveness::SeenBy;
use fleet_store::{MachineState, NewMachine, Pairing};

const DAY: i64 = 86_400;

/// A cache with one machine in every state, a silent one, codes and a failed revoke.
async fn seeded(now: i64) -> (tempfile::TempDir, Fleet) {
    let dir = tempfile::tempdir().unwrap();
    let fleet = Fleet::open(dir.path(), Secrets::memory()).unwrap();
    fleet
        .db()
        .interact(move |c| {
            let tx = c.transaction()?;
            let paired = |name: &str, term_end: i64, seen: Option<i64>| {
                let m = machines::insert(&tx, &NewMachine::new(name))?;
                machines::set_pairing(
                    &tx,
                    m.id,
                    &Pairing {
                        bunker_connection_id: m.id,
                        atm_client_pubkey: format!("{:064x}", m.id),
                        paired_at: now - 3 * DAY,
                        bunker_token_expires_at: term_end,
                    },
                )?;
                if let Some(at) = seen {
                    seen_store::record(
                        &tx,
                        &Seen {
                            machine_id: m.id,
                            last_seen_at: at,
                            seen_by: SeenBy::Heartbeat,
                            atm_pubkey: format!("{:064x}", m.id),
                            software: None,
                            status: None,
                        },
                    )?;
                }
                Ok::<_, fleet_store::Error>(m)
            };
            paired("Active", now + 20 * DAY, Some(now - 60))?;
            paired("Expiring", now + 2 * DAY, Some(now - 60))?;
            paired("Expired", now - DAY, Some(now - 60))?;
            paired("Silent", now + 20 * DAY, Some(now - 2 * DAY))?;
            let queued = paired("Queued", now + 20 * DAY, Some(now - 60))?;
            let key = format!("{:064x}", queued.id);
            repair_queue::add(&tx, queued.id, now - 60, Some(&key))?;
            let done = paired("Repaired", now + 20 * DAY, Some(now - 60))?;
            repair_queue::add(&tx, done.id, now - 4 * DAY, Some("00"))?; // another key now
            machines::insert(&tx, &NewMachine::new("Unpaired"))?;
            machines::insert(
                &tx,
                &NewMachine {
                    legacy: true,
                    ..NewMachine::new("Legacy")
                },
            )?;
            let revoked = paired("Revoked", now + 20 * DAY, None)?;
            machines::update_state(&tx, revoked.id, MachineState::Revoked)?;
            for (name, fail) in [("Waiting", false), ("Refused", true)] {
                let m = paired(name, now + 20 * DAY, Some(now - 60))?;
                machines::update_state(&tx, m.id, MachineState::RevokePending)?;
                let action = Action::Revoke(RevokeAction::machine(
                    &m.client_name,
                    Some(1),
                    None,
                    "operator",
                ));
                let row = outbox::enqueue(&tx, &action.to_item(Some(m.id)).unwrap())?;
                if fail {
                    outbox::mark_running(&tx, row.id)?;
                    outbox::mark_failed(&tx, row.id, "the bunker refused", None)?;
                }
            }
            for (i, expires) in [(1, now + DAY), (2, now + DAY), (3, now - DAY)] {
                codes::insert(
                    &tx,
                    &NewPreparedCode {
                        client_name: format!("satmachine-code-{i}"),
                        bunker_token_id: i,
                        expires_at: expires,
                        site: None,
                    },
                )?;
            }
            let shown = codes::insert(
                &tx,
                &NewPreparedCode {
                    client_name: "satmachine-code-4".into(),
                    bunker_token_id: 4,
                    expires_at: now + 5 * DAY,
                    site: None,
                },
            )?;
            let unpaired = machines::find_by_name(&tx, "unpaired")?.unwrap();
            codes::mark_shown(&tx, shown.id, unpaired.id, now - 2 * DAY)?;
            tx.commit()?;
            Ok(())
        })
        .await
        .unwrap();
    (dir, fleet)
}

#[tokio::test]
async fn every_state_is_counted_and_each_problem_has_its_action() {
    let now = crate::unix_now();
    let (_dir, fleet) = seeded(now).await;
    let board = fleet.dashboard(now).await.unwrap();
    let c = &board.counts;
    assert_eq!(c.machines, 11);
    assert_eq!((c.active, c.expiring, c.expired), (4, 1, 1), "{c:?}");
    assert_eq!(c.paired, 6);
    assert_eq!((c.revoke_pending, c.revoke_failed), (1, 1), "{c:?}");
    assert_eq!((c.revoked, c.legacy, c.unpaired), (1, 1, 1), "{c:?}");
    assert_eq!(c.silent, 1, "{c:?}");
    assert_eq!(
        c.live_codes, 2,
        "the expired code is not live, the shown one not unused"
    );
    assert_eq!(
        c.repair_queued, 1,
        "a machine paired after it was queued is done"
    );

    let rows: Vec<(Option<&str>, Concern, Fix)> = board
        .attention
        .iter()
        .map(|r| (r.machine.as_deref(), r.concern, r.action))
        .collect();
    assert_eq!(
        rows,
        [
            (Some("Refused"), Concern::RevokeFailed, Fix::RetryRevoke),
            (Some("Expired"), Concern::Expired, Fix::Renew),
            (Some("Silent"), Concern::Silent, Fix::CheckMachine),
            (Some("Unpaired"), Concern::CodeStale, Fix::BurnCode),
            (Some("Expiring"), Concern::Expiring, Fix::Renew),
            (Some("Queued"), Concern::RepairQueued, Fix::Renew),
            (Some("Legacy"), Concern::Legacy, Fix::Pair),
            (Some("Waiting"), Concern::RevokePending, Fix::Sync),
        ]
    );
    assert!(
        board.attention[0].outbox_id.is_some(),
        "retry names its row"
    );
    assert_eq!(board.attention[3].code_id, Some(4));
    assert_eq!(board.outbox.pending, 1);
    assert_eq!(board.outbox.failed, 1);
    assert_eq!(board.outbox.rows.len(), 2);
    assert_eq!(board.bunker.reach, Reach::Unknown, "never synced");
    assert!(!board.bunker.configured);
    assert_eq!(board.last_sync_at, None);
}

#[tokio::test]
async fn the_last_sync_says_as_of_when_and_whether_the_bunker_and_relays_answered() {
    let now = crate::unix_now();
    let (_dir, fleet) = seeded(now).await;
    let mut report = SyncReport {
        reconcile: None,
        reconcile_error: Some("the bunker did not answer within 5 s".into()),
        terms: crate::term::TermSweep::default(),
        outbox: crate::outbox::OutboxRun::default(),
        codes: None,
        liveness: None,
        liveness_error: None,
        roster: None,
        roster_error: None,
    };
    fleet.note_sync(&report, now - 30).await.unwrap();
    let board = fleet.dashboard(now).await.unwrap();
    assert_eq!(board.last_sync_at, Some(now - 30));
    assert_eq!(board.bunker.reach, Reach::Unreachable);
    assert_eq!(
        board.bunker.last_error.as_deref(),
        Some("the bunker did not answer within 5 s")
    );
    assert_eq!(board.relays.reach, Reach::Reachable);
    report.reconcile_error = None;
    fleet.note_sync(&report, now).await.unwrap();
    let board = fleet.dashboard(now).await.unwrap();
    assert_eq!(board.bunker.reach, Reach::Reachable);
    assert_eq!(board.bunker.last_error, None);
}
