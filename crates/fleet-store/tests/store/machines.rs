use fleet_store::machines::{self, validate_name};
use fleet_store::{Error, ErrorKind, MachineState, NewMachine, Pairing, MAX_NAME_CHARS};

use crate::conn;

#[test]
fn insert_trims_the_name_and_starts_unpaired() {
    let c = conn();
    let m = machines::insert(
        &c,
        &NewMachine {
            name: "  Lobby ATM ".into(),
            site: Some("Main St".into()),
            legacy: false,
        },
    )
    .unwrap();
    assert_eq!(m.name, "Lobby ATM");
    assert_eq!(m.site.as_deref(), Some("Main St"));
    assert_eq!(m.state, MachineState::Unpaired);
    assert!(!m.legacy);
    assert!(m.created_at > 0);
    assert_eq!(machines::get(&c, m.id).unwrap(), Some(m));
}

#[test]
fn legacy_machine_starts_in_legacy_state() {
    let c = conn();
    let m = machines::insert(
        &c,
        &NewMachine {
            name: "Old".into(),
            site: None,
            legacy: true,
        },
    )
    .unwrap();
    assert_eq!(m.state, MachineState::Legacy);
    assert!(m.legacy);
}

#[test]
fn name_uniqueness_ignores_case() {
    let c = conn();
    machines::insert(&c, &NewMachine::new("Lobby ATM")).unwrap();
    let err = machines::insert(&c, &NewMachine::new("LOBBY atm")).unwrap_err();
    assert!(matches!(err, Error::NameTaken { .. }), "got {err:?}");
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(err.to_string().contains("choose another name"), "{err}");
}

#[test]
fn name_longer_than_50_characters_is_refused() {
    let c = conn();
    let long = "é".repeat(MAX_NAME_CHARS + 1);
    let err = machines::insert(&c, &NewMachine::new(long)).unwrap_err();
    assert!(matches!(err, Error::NameInvalid { .. }), "got {err:?}");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("51 characters"), "{err}");
    assert!(err.to_string().contains("use 1 to 50 characters"), "{err}");
    // Exactly 50 multi-byte characters is fine: the limit counts characters, not bytes.
    machines::insert(&c, &NewMachine::new("é".repeat(MAX_NAME_CHARS))).unwrap();
}

#[test]
fn empty_or_blank_name_is_refused() {
    for name in ["", "   ", "\t\n"] {
        let err = validate_name(name).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{name:?}");
        assert!(err.to_string().contains("is empty"));
    }
}

#[test]
fn schema_refuses_bad_names_written_around_the_rust_checks() {
    let c = conn();
    for bad in ["", " padded ", &"x".repeat(51)] {
        let r = c.execute(
            "INSERT INTO machines (name, state, created_at, updated_at) VALUES (?1, 'unpaired', 0, 0)",
            [bad],
        );
        assert!(r.is_err(), "the CHECK constraint must refuse {bad:?}");
    }
}

#[test]
fn find_by_name_ignores_case_and_spaces() {
    let c = conn();
    let m = machines::insert(&c, &NewMachine::new("Kiosk 7")).unwrap();
    assert_eq!(
        machines::find_by_name(&c, " kiosk 7 ")
            .unwrap()
            .map(|f| f.id),
        Some(m.id)
    );
    assert_eq!(machines::find_by_name(&c, "kiosk 8").unwrap(), None);
}

#[test]
fn list_is_sorted_by_name_ignoring_case() {
    let c = conn();
    for n in ["beta", "Alpha", "charlie"] {
        machines::insert(&c, &NewMachine::new(n)).unwrap();
    }
    let names: Vec<_> = machines::list(&c)
        .unwrap()
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert_eq!(names, ["Alpha", "beta", "charlie"]);
}

#[test]
fn update_state_round_trips_every_state() {
    let c = conn();
    let m = machines::insert(&c, &NewMachine::new("A")).unwrap();
    for state in MachineState::ALL {
        machines::update_state(&c, m.id, state).unwrap();
        assert_eq!(machines::get(&c, m.id).unwrap().unwrap().state, state);
        assert_eq!(state.as_str().parse::<MachineState>().unwrap(), state);
    }
}

#[test]
fn updating_a_missing_machine_is_not_found() {
    let c = conn();
    let err = machines::update_state(&c, 42, MachineState::Active).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn set_pairing_activates_and_clears_legacy() {
    let c = conn();
    let m = machines::insert(
        &c,
        &NewMachine {
            name: "Old".into(),
            site: None,
            legacy: true,
        },
    )
    .unwrap();
    let pairing = Pairing {
        bunker_connection_id: 7,
        atm_client_pubkey: "ab".repeat(32),
        paired_at: 1_700_000_000,
        bunker_token_expires_at: 1_700_000_000 + 30 * 86_400,
    };
    machines::set_pairing(&c, m.id, &pairing).unwrap();
    let m = machines::get(&c, m.id).unwrap().unwrap();
    assert_eq!(m.state, MachineState::Active);
    assert!(
        !m.legacy,
        "a machine paired through the bunker is no longer legacy"
    );
    assert_eq!(m.bunker_connection_id, Some(7));
    assert_eq!(
        m.atm_client_pubkey.as_deref(),
        Some(pairing.atm_client_pubkey.as_str())
    );
    assert_eq!(m.paired_at, Some(pairing.paired_at));
    assert_eq!(
        m.bunker_token_expires_at,
        Some(pairing.bunker_token_expires_at)
    );
}

#[test]
fn rename_keeps_name_rules() {
    let c = conn();
    let a = machines::insert(&c, &NewMachine::new("A")).unwrap();
    machines::insert(&c, &NewMachine::new("B")).unwrap();
    assert_eq!(
        machines::rename(&c, a.id, "b").unwrap_err().kind(),
        ErrorKind::Conflict
    );
    machines::rename(&c, a.id, "a").unwrap();
    assert_eq!(
        machines::get(&c, a.id).unwrap().unwrap().name,
        "a",
        "changing only the case of its own name is allowed"
    );
}
