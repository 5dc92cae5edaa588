//! Machine liveness (issue 14 item 1, console side): a sync reads the paired ATMs' heartbeats
//! from the ATM relays; only a heartbeat signed by the machine's own ATM key and naming this
//! operator counts, `last_seen_at` never moves backwards, a paired machine not seen within the
//! `silent after` threshold is silent, and everything reads offline from the cache.

use std::collections::HashMap;
use std::time::Duration;

use fleet_core::liveness::MachineLiveness;
use fleet_core::{unix_now, ErrorKind, Fleet};
use nostr::Keys;

use crate::support::Env;

async fn machine_liveness(fleet: &Fleet, name: &str, now: i64) -> MachineLiveness {
    let id = fleet.machine(name).await.unwrap().id;
    let (all, _): (HashMap<i64, MachineLiveness>, _) = fleet.liveness(now).await.unwrap();
    all[&id].clone()
}

#[tokio::test]
async fn a_heartbeat_signed_by_the_machines_atm_key_sets_last_seen_at_at_sync() {
    let env = Env::start().await;
    let atm = env.pair("Lobby").await;
    let before = machine_liveness(&env.fleet, "Lobby", unix_now()).await;
    assert_eq!(before.last_seen_at, None, "never seen before a sync");

    let sent_at = unix_now() - 30;
    env.heartbeat(&atm.keys, &env.operator(), sent_at).await;
    let report = env.fleet.sync(|_| {}).await.unwrap();

    let liveness = report.liveness.clone().expect("the liveness step ran");
    assert_eq!(liveness.seen, ["Lobby"]);
    assert_eq!(liveness.ignored, 0);
    assert!(
        report
            .changes()
            .contains(&"1 machine seen, 0 silent".to_string()),
        "{:?}",
        report.changes()
    );
    let seen = machine_liveness(&env.fleet, "Lobby", unix_now()).await;
    assert_eq!(seen.last_seen_at, Some(sent_at));
    assert_eq!(seen.seen_by.as_deref(), Some("heartbeat"));
    assert_eq!(seen.software.as_deref(), Some("satmachine-atm 0.1.0"));
    assert_eq!(seen.heartbeat_status.as_deref(), Some("ok"));
    assert!(!seen.silent);
}

#[tokio::test]
async fn a_heartbeat_signed_by_another_key_or_for_another_operator_is_ignored() {
    let env = Env::start().await;
    let atm = env.pair("Lobby").await;
    let now = unix_now();
    // Another key claims to be in this fleet, and this machine's key reports to another fleet.
    env.heartbeat(&Keys::generate(), &env.operator(), now - 10)
        .await;
    env.heartbeat(&atm.keys, &Keys::generate().public_key(), now - 5)
        .await;

    let report = env.fleet.sync(|_| {}).await.unwrap();

    let liveness = report.liveness.expect("the liveness step ran");
    assert!(liveness.seen.is_empty(), "{liveness:?}");
    assert_eq!(
        liveness.ignored, 1,
        "the stranger's heartbeat is counted as ignored"
    );
    let seen = machine_liveness(&env.fleet, "Lobby", unix_now()).await;
    assert_eq!(seen.last_seen_at, None);
}

#[tokio::test]
async fn an_older_heartbeat_never_moves_last_seen_at_backwards_and_the_cache_answers_offline() {
    let mut env = Env::start().await;
    let atm = env.pair("Lobby").await;
    let newest = unix_now() - 10;
    env.heartbeat(&atm.keys, &env.operator(), newest).await;
    env.fleet.sync(|_| {}).await.unwrap();
    assert_eq!(
        machine_liveness(&env.fleet, "Lobby", unix_now())
            .await
            .last_seen_at,
        Some(newest)
    );

    // A fresh relay (the old one's store is gone) that only holds an older heartbeat.
    env.relay_down().await;
    env.relay_up().await;
    env.heartbeat(&atm.keys, &env.operator(), newest - 3_600)
        .await;
    let report = env.fleet.sync(|_| {}).await.unwrap();
    assert_eq!(report.liveness.expect("ran").seen, ["Lobby"]);
    assert_eq!(
        machine_liveness(&env.fleet, "Lobby", unix_now())
            .await
            .last_seen_at,
        Some(newest),
        "an older heartbeat does not move last_seen_at backwards"
    );

    // Offline: the sync reports the liveness step as not done, the cache still answers.
    env.relay_down().await;
    let report = env.fleet.sync(|_| {}).await.unwrap();
    assert!(report.liveness.is_none());
    assert!(report.liveness_error.is_some(), "{report:?}");
    let (all, checked_at) = env.fleet.liveness(unix_now()).await.unwrap();
    let id = env.fleet.machine("Lobby").await.unwrap().id;
    assert_eq!(all[&id].last_seen_at, Some(newest));
    assert!(checked_at.is_some(), "the cache says as of when");
}

#[tokio::test]
async fn a_paired_machine_not_seen_within_the_threshold_is_silent() {
    let env = Env::start().await;
    let atm = env.pair("Lobby").await;
    env.fleet.add_machine("Spare", None).await.unwrap();
    assert_eq!(
        env.fleet.silent_after().await.unwrap(),
        Duration::from_secs(24 * 3_600),
        "24 h by default"
    );
    let err = env.fleet.set_silent_after("10m").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(
        env.fleet.set_silent_after("2h").await.unwrap(),
        Duration::from_secs(7_200)
    );

    let sent_at = unix_now();
    env.heartbeat(&atm.keys, &env.operator(), sent_at).await;
    env.fleet.sync(|_| {}).await.unwrap();

    let now = sent_at + 60;
    assert!(!machine_liveness(&env.fleet, "Lobby", now).await.silent);
    let later = sent_at + 2 * 3_600 + 1;
    assert!(machine_liveness(&env.fleet, "Lobby", later).await.silent);
    assert!(
        !machine_liveness(&env.fleet, "Spare", later).await.silent,
        "an unpaired machine is never silent"
    );
}
