use fleet_store::outbox::{self, NewOutboxItem, OutboxStatus};
use fleet_store::{machines, ErrorKind, MachineState, NewMachine};
use serde_json::json;

use crate::conn;

fn revoke(machine_id: Option<i64>) -> NewOutboxItem {
    NewOutboxItem {
        action: "revoke".into(),
        machine_id,
        payload: json!({"key_user_id": 7}),
    }
}

#[test]
fn enqueue_commits_with_its_local_effect() {
    let mut c = conn();
    let m = machines::insert(&c, &NewMachine::new("A")).unwrap();
    {
        let tx = c.transaction().unwrap();
        machines::update_state(&tx, m.id, MachineState::RevokePending).unwrap();
        outbox::enqueue(&tx, &revoke(Some(m.id))).unwrap();
        // Dropped without commit: a crash before commit.
    }
    assert!(
        outbox::unfinished(&c).unwrap().is_empty(),
        "an uncommitted enqueue must vanish"
    );
    assert_eq!(
        machines::get(&c, m.id).unwrap().unwrap().state,
        MachineState::Unpaired,
        "...together with its local effect"
    );

    let tx = c.transaction().unwrap();
    machines::update_state(&tx, m.id, MachineState::RevokePending).unwrap();
    let item = outbox::enqueue(&tx, &revoke(Some(m.id))).unwrap();
    tx.commit().unwrap();
    assert_eq!(item.status, OutboxStatus::Pending);
    assert_eq!(item.attempts, 0);
    assert_eq!(item.payload, json!({"key_user_id": 7}));
    assert_eq!(outbox::unfinished(&c).unwrap(), vec![item]);
}

#[test]
fn pending_items_come_in_order_and_only_when_due() {
    let mut c = conn();
    let tx = c.transaction().unwrap();
    let a = outbox::enqueue(&tx, &revoke(None)).unwrap();
    let b = outbox::enqueue(&tx, &revoke(None)).unwrap();
    tx.commit().unwrap();
    let now = a.next_attempt_at;
    let ids: Vec<_> = outbox::pending(&c, now)
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(ids, [a.id, b.id]);
    assert!(
        outbox::pending(&c, now - 1).unwrap().is_empty(),
        "nothing is due before its time"
    );
}

#[test]
fn lifecycle_running_retry_done() {
    let mut c = conn();
    let tx = c.transaction().unwrap();
    let item = outbox::enqueue(&tx, &revoke(None)).unwrap();
    tx.commit().unwrap();
    let now = item.next_attempt_at;

    outbox::mark_running(&c, item.id).unwrap();
    assert_eq!(
        outbox::mark_running(&c, item.id).unwrap_err().kind(),
        ErrorKind::NotFound,
        "an item can be claimed once"
    );
    assert!(outbox::pending(&c, now).unwrap().is_empty());

    outbox::mark_failed(&c, item.id, "relay unreachable", Some(now + 60)).unwrap();
    let got = outbox::get(&c, item.id).unwrap();
    assert_eq!(got.status, OutboxStatus::Pending);
    assert_eq!(got.attempts, 1);
    assert_eq!(got.last_error.as_deref(), Some("relay unreachable"));
    assert!(
        outbox::pending(&c, now).unwrap().is_empty(),
        "a retry waits for its backoff"
    );
    assert_eq!(outbox::pending(&c, now + 60).unwrap().len(), 1);

    outbox::mark_running(&c, item.id).unwrap();
    outbox::mark_done(&c, item.id).unwrap();
    let got = outbox::get(&c, item.id).unwrap();
    assert_eq!(got.status, OutboxStatus::Done);
    assert_eq!(got.attempts, 2);
    assert!(outbox::unfinished(&c).unwrap().is_empty());
}

#[test]
fn failing_without_retry_is_final() {
    let mut c = conn();
    let tx = c.transaction().unwrap();
    let item = outbox::enqueue(&tx, &revoke(None)).unwrap();
    tx.commit().unwrap();
    outbox::mark_running(&c, item.id).unwrap();
    outbox::mark_failed(&c, item.id, "bunker refused", None).unwrap();
    let got = outbox::get(&c, item.id).unwrap();
    assert_eq!(got.status, OutboxStatus::Failed);
    assert!(outbox::pending(&c, i64::MAX).unwrap().is_empty());
    assert_eq!(
        outbox::unfinished(&c).unwrap().len(),
        1,
        "failed items stay visible"
    );
}

#[test]
fn items_left_running_by_a_crash_are_recovered() {
    let mut c = conn();
    let tx = c.transaction().unwrap();
    let item = outbox::enqueue(&tx, &revoke(None)).unwrap();
    tx.commit().unwrap();
    outbox::mark_running(&c, item.id).unwrap();
    assert_eq!(outbox::recover_running(&c).unwrap(), 1);
    assert_eq!(
        outbox::get(&c, item.id).unwrap().status,
        OutboxStatus::Pending
    );
}

#[test]
fn enqueue_for_an_unknown_machine_is_refused() {
    let mut c = conn();
    let tx = c.transaction().unwrap();
    assert!(
        outbox::enqueue(&tx, &revoke(Some(999))).is_err(),
        "foreign keys must be enforced"
    );
}
