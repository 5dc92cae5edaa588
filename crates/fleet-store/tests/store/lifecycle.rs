//! Tables added for the fleet lifecycle (migration 02): settings, bunker clients, published
//! operator events, and the outbox/audit helpers the lifecycle uses.

use fleet_store::clients::{self, BunkerClient, ClientRole};
use fleet_store::outbox::{self, NewOutboxItem, OutboxStatus};
use fleet_store::published::{self, PublishedEvent};
use fleet_store::{audit, settings, NewAuditEntry};
use serde_json::json;

use crate::conn;

#[test]
fn settings_round_trip_and_booleans_default_when_unset() {
    let c = conn();
    assert_eq!(settings::get(&c, "x").unwrap(), None);
    assert!(settings::get_bool(&c, "auto", true).unwrap());
    settings::set(&c, "auto", "false").unwrap();
    settings::set(&c, "auto", "false").unwrap();
    assert!(!settings::get_bool(&c, "auto", true).unwrap());
}

#[test]
fn bunker_client_snapshot_is_replaced_wholesale() {
    let c = conn();
    let client = |id, role| BunkerClient {
        id,
        pubkey: format!("{id:064x}"),
        description: Some("satmachine-1".into()),
        revoked_at: None,
        machine_id: Some(1),
        role,
        seen_at: 5,
    };
    clients::replace_all(
        &c,
        &[
            client(1, ClientRole::Machine),
            client(2, ClientRole::Unknown),
        ],
    )
    .unwrap();
    clients::replace_all(&c, &[client(3, ClientRole::Stale)]).unwrap();
    let listed = clients::list(&c).unwrap();
    assert_eq!(
        listed,
        vec![client(3, ClientRole::Stale)],
        "an old snapshot must not linger"
    );
}

#[test]
fn published_event_is_replaced_per_d_tag() {
    let c = conn();
    let event = |id: &str, content: &str| PublishedEvent {
        d_tag: "satmachine:super-fee".into(),
        kind: 30078,
        event_id: id.into(),
        content: content.into(),
        event_json: "{}".into(),
        created_at: 1,
        published_at: 2,
        relays: vec!["ws://127.0.0.1:1".into()],
    };
    published::upsert(&c, &event("a", "{\"v\":1}")).unwrap();
    published::upsert(&c, &event("b", "{\"v\":2}")).unwrap();
    assert_eq!(
        published::get(&c, "satmachine:super-fee").unwrap(),
        Some(event("b", "{\"v\":2}"))
    );
    assert_eq!(published::get(&c, "other").unwrap(), None);
}

#[test]
fn a_failed_outbox_item_can_be_retried_and_counts_are_per_status() {
    let mut c = conn();
    let tx = c.transaction().unwrap();
    let item = outbox::enqueue(
        &tx,
        &NewOutboxItem {
            action: "noop".into(),
            machine_id: None,
            payload: json!({}),
        },
    )
    .unwrap();
    tx.commit().unwrap();
    outbox::mark_running(&c, item.id).unwrap();
    outbox::mark_failed(&c, item.id, "rejected", None).unwrap();
    assert_eq!(outbox::counts(&c).unwrap(), vec![("failed".to_string(), 1)]);
    outbox::retry(&c, item.id).unwrap();
    assert_eq!(
        outbox::get(&c, item.id).unwrap().status,
        OutboxStatus::Pending
    );
    assert!(
        outbox::retry(&c, item.id).is_err(),
        "only a failed item can be retried"
    );
}

#[test]
fn audit_list_after_reads_oldest_first_from_a_cursor() {
    let c = conn();
    for i in 0..5 {
        audit::append(
            &c,
            &NewAuditEntry {
                action: format!("a{i}"),
                machine_id: None,
                outcome: "ok".into(),
                detail: None,
            },
        )
        .unwrap();
    }
    let first = audit::list_after(&c, 0, 2).unwrap();
    assert_eq!(
        first.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["a0", "a1"]
    );
    let rest = audit::list_after(&c, first[1].id, 10).unwrap();
    assert_eq!(rest.len(), 3);
}
