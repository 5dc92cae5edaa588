//! Machine identity (migration 06): ids that travel, the bunker name kept for machines added
//! before, and the roster publication queued with every change the roster carries.

use fleet_store::machines::{self, UID_ALPHABET, UID_LEN};
use fleet_store::{outbox, KnownMachine, MachineState, NewMachine, MIGRATIONS};
use rusqlite::Connection;

use crate::conn;

/// Another console.
const THEM: &str = "npub1v4j5xsenqvnnn8j8xd9hnzd0xvmrqgszqjchxv90hxvfm2w6v0gsrq9shz";

fn roster_rows(c: &Connection) -> usize {
    outbox::unfinished(c)
        .unwrap()
        .iter()
        .filter(|r| r.action == "publish_roster")
        .count()
}

fn connect(c: &Connection) {
    c.execute(
        "INSERT INTO bunker_profile (id, admin_pubkey, key_name, updated_at) VALUES (1, 'ab', 'operator', 1)",
        [],
    )
    .unwrap();
}

#[test]
fn machines_added_before_keep_their_bunker_name_and_get_distinct_ids() {
    let mut c = Connection::open_in_memory().unwrap();
    MIGRATIONS.to_version(&mut c, 5).unwrap();
    for name in ["A", "B", "C"] {
        c.execute(
            "INSERT INTO machines (name, created_at, updated_at) VALUES (?1, 1, 1)",
            [name],
        )
        .unwrap();
    }
    MIGRATIONS.to_latest(&mut c).unwrap();
    let list = machines::list(&c).unwrap();
    let mut ids: Vec<&str> = list.iter().map(|m| m.uid.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3, "every machine its own id");
    for m in &list {
        assert_eq!(
            m.client_name,
            format!("satmachine-{}", m.id),
            "old name kept"
        );
        assert_eq!(m.uid.len(), UID_LEN);
        assert!(
            m.uid.bytes().all(|b| UID_ALPHABET.contains(&b)),
            "{}",
            m.uid
        );
    }
}

#[test]
fn a_new_machine_is_named_after_its_random_id() {
    let c = conn();
    let a = machines::insert(&c, &NewMachine::new("A")).unwrap();
    let b = machines::insert(&c, &NewMachine::new("B")).unwrap();
    assert_ne!(a.uid, b.uid);
    assert_eq!(a.client_name, format!("satmachine-{}", a.uid));
    assert_eq!(a.changed_by, None, "changed here");
}

#[test]
fn changes_the_roster_carries_queue_one_publication_once_connected() {
    let c = conn();
    let m = machines::insert(&c, &NewMachine::new("Before connect")).unwrap();
    assert_eq!(roster_rows(&c), 0, "no bunker, nothing to publish to");
    connect(&c);
    machines::rename(&c, m.id, "Lobby").unwrap();
    machines::set_site(&c, m.id, Some("Main St")).unwrap();
    machines::insert(&c, &NewMachine::new("Spare")).unwrap();
    assert_eq!(roster_rows(&c), 1, "coalesced into one pending row");
    let row = outbox::pending(&c, i64::MAX).unwrap().remove(0);
    outbox::mark_running(&c, row.id).unwrap();
    machines::update_state(&c, m.id, MachineState::Revoked).unwrap();
    assert_eq!(
        roster_rows(&c),
        2,
        "a change during a run queues the next one"
    );
}

#[test]
fn another_consoles_change_is_recorded_as_theirs_and_queues_nothing() {
    let c = conn();
    connect(&c);
    let known = KnownMachine {
        uid: "7B8QTJK86S".into(),
        client_name: "satmachine-7B8QTJK86S".into(),
        name: "Far away".into(),
        site: None,
        state: MachineState::Active,
        atm_client_pubkey: Some("ab".repeat(32)),
        paired_at: Some(10),
        bunker_token_expires_at: Some(20),
        created_at: 5,
        changed_at: 10,
        changed_by: Some(THEM.to_owned()),
    };
    let m = machines::insert_known(&c, &known).unwrap();
    assert_eq!(roster_rows(&c), 0);
    machines::adopt(
        &c,
        m.id,
        &KnownMachine {
            name: "Renamed there".into(),
            changed_at: 11,
            ..known
        },
    )
    .unwrap();
    let after = machines::find_by_uid(&c, "7B8QTJK86S").unwrap().unwrap();
    assert_eq!(
        (after.changed_at, after.changed_by),
        (11, Some(THEM.to_owned()))
    );
    assert_eq!(roster_rows(&c), 0, "a merge queues nothing");
    machines::rename(&c, m.id, "Renamed here").unwrap();
    let after = machines::get(&c, m.id).unwrap().unwrap();
    assert_eq!(after.changed_by, None, "a change here is this console's");
    assert_eq!(roster_rows(&c), 1);
}

#[test]
fn a_term_ticking_over_is_the_clocks_doing_not_a_change() {
    let c = conn();
    let m = machines::insert(&c, &NewMachine::new("Lobby")).unwrap();
    machines::update_state(&c, m.id, MachineState::Active).unwrap();
    connect(&c);
    let before = machines::get(&c, m.id).unwrap().unwrap();
    machines::update_state(&c, m.id, MachineState::Expiring).unwrap();
    machines::update_state(&c, m.id, MachineState::Expired).unwrap();
    let after = machines::get(&c, m.id).unwrap().unwrap();
    assert_eq!(after.changed_at, before.changed_at);
    assert_eq!(roster_rows(&c), 0, "nothing for the roster to say");
}
