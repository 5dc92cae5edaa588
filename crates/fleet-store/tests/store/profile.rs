use fleet_store::profile::{self, BunkerProfile, Encryption};
use serde_json::json;

use crate::conn;

#[test]
fn missing_profile_loads_as_none() {
    assert_eq!(profile::load(&conn()).unwrap(), None);
}

#[test]
fn profile_round_trips_and_save_replaces() {
    let c = conn();
    let mut p = BunkerProfile::new("aa".repeat(32), vec!["wss://relay.one".into()], "operator");
    let saved = profile::save(&c, &p).unwrap();
    assert!(saved.updated_at > 0);
    assert_eq!(profile::load(&c).unwrap(), Some(saved));

    p.key_pubkey = Some("bb".repeat(32));
    p.atm_relays = vec!["wss://a".into(), "wss://b".into()];
    p.admin_reply_kind = Some(24133);
    p.ping_reply = Some("pong".into());
    p.encryption = Encryption::Nip44;
    p.capabilities = Some(json!({"nip44": true, "policies": [1, 2]}));
    p.probed_at = Some(1_700_000_000);
    let saved = profile::save(&c, &p).unwrap();
    let loaded = profile::load(&c).unwrap().unwrap();
    assert_eq!(loaded, saved);
    let rows: i64 = c
        .query_row("SELECT count(*) FROM bunker_profile", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 1, "the profile is a single row");
}
