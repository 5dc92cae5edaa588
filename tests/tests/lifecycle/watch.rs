//! The live watch (issue 14 item 1): while the app runs, the paired ATM keys' NIP-46 requests
//! (ephemeral: only a live subscription sees them) and heartbeats move `last_seen_at` forward;
//! a foreign key's traffic is ignored; a machine paired while the watch runs is watched too.

use std::time::Duration;

use bunker_client::heartbeat::HeartbeatStatus;
use fleet_core::watch::{LiveWatch, WatchOptions, WatchStatus};
use fleet_core::{unix_now, Fleet};
use nostr::Keys;

use crate::support::{eventually, Env, PATIENCE};

fn quick() -> WatchOptions {
    WatchOptions {
        recheck: Duration::from_millis(200),
        flush: Duration::from_millis(50),
        retry: Duration::from_millis(200),
        authors_per_filter: 500,
    }
}

/// Waits until the watch's status satisfies `ok`.
async fn until(watch: &LiveWatch, what: &str, ok: impl Fn(&WatchStatus) -> bool) -> WatchStatus {
    let mut updates = watch.updates();
    let status = tokio::time::timeout(PATIENCE, updates.wait_for(|s| ok(s)))
        .await
        .unwrap_or_else(|_| panic!("gave up waiting: {what} (status {:?})", watch.status()))
        .unwrap()
        .clone();
    status
}

async fn last_seen(fleet: &Fleet, name: &str) -> Option<i64> {
    let id = fleet.machine(name).await.unwrap().id;
    fleet.liveness(unix_now()).await.unwrap().0[&id].last_seen_at
}

#[tokio::test]
async fn the_watch_records_a_paired_atms_live_nip46_traffic_and_ignores_a_foreign_key() {
    let env = Env::start().await;
    let atm = env.pair("Lobby").await;
    let watch = env.fleet.watch_liveness(quick());
    until(&watch, "subscribed to one machine", |s| {
        s.watched_machines == 1 && s.connected_relays == 1
    })
    .await;
    assert_eq!(last_seen(&env.fleet, "Lobby").await, None, "not seen yet");

    // A stranger claims to be in this fleet: its heartbeat names the operator key. The relay
    // sends it (the heartbeat subscription is not limited to paired keys); the watch ignores it.
    let stranger = Keys::generate();
    env.heartbeat(&stranger, &env.operator(), unix_now()).await;
    until(&watch, "the stranger's heartbeat ignored", |s| {
        s.ignored >= 1
    })
    .await;
    assert_eq!(
        last_seen(&env.fleet, "Lobby").await,
        None,
        "a stranger is not Lobby"
    );

    let before = unix_now();
    atm.sign().await.unwrap();
    let seen = eventually("Lobby seen by its NIP-46 request", || async {
        last_seen(&env.fleet, "Lobby").await
    })
    .await;
    assert!(seen >= before - 1, "the request's time: {seen} vs {before}");
    let id = env.fleet.machine("Lobby").await.unwrap().id;
    let (all, checked_at) = env.fleet.liveness(unix_now()).await.unwrap();
    assert_eq!(all[&id].seen_by.as_deref(), Some("nip46"));
    assert_eq!(
        all.values().filter(|l| l.last_seen_at.is_some()).count(),
        1,
        "only the paired machine was seen"
    );
    assert!(checked_at.is_some(), "the watch says as of when");
    let status = until(&watch, "the write announced", |s| s.writes >= 1).await;
    assert!(status.seen >= 1, "{status:?}");
    watch.stop().await;
}

#[tokio::test]
async fn a_machine_paired_while_the_watch_runs_is_watched_after_the_resubscribe() {
    let env = Env::start().await;
    let _first = env.pair("Lobby").await;
    let watch = env.fleet.watch_liveness(quick());
    let first = until(&watch, "watching one machine", |s| s.watched_machines == 1).await;

    let second = env.pair("Dock").await;
    until(&watch, "resubscribed for two machines", |s| {
        s.watched_machines == 2 && s.subscriptions > first.subscriptions
    })
    .await;
    second.sign().await.unwrap();
    eventually("Dock seen after the resubscribe", || async {
        last_seen(&env.fleet, "Dock").await
    })
    .await;
    watch.stop().await;
}

#[tokio::test]
async fn the_watch_waits_while_the_relay_is_down_and_picks_up_when_it_is_back() {
    let mut env = Env::start().await;
    let atm = env.pair("Lobby").await;
    env.relay_down().await;
    let watch = env.fleet.watch_liveness(quick());
    until(&watch, "says why it waits", |s| s.waiting.is_some()).await;
    assert_eq!(watch.status().connected_relays, 0);

    env.relay_up().await;
    until(&watch, "subscribed once the relay is back", |s| {
        s.waiting.is_none() && s.watched_machines == 1 && s.connected_relays == 1
    })
    .await;
    // The ATM's own link reconnects to the restarted relay before it signs.
    eventually("the ATM signs again", || async { atm.sign().await.ok() }).await;
    eventually("Lobby seen after the relay came back", || async {
        last_seen(&env.fleet, "Lobby").await
    })
    .await;
    watch.stop().await;
}

#[tokio::test]
async fn a_heartbeat_from_the_real_atm_client_is_seen_live_while_the_watch_runs() {
    let env = Env::start().await;
    let watch = env.fleet.watch_liveness(quick());
    // The ATM pairs with satmachine-atm's own library (as `satmachine-atm pair` does).
    let pending = env
        .fleet
        .begin_pairing(&acceptance::quick_pairing("Kiosk"), |_| {})
        .await
        .unwrap();
    let state_dir = tempfile::tempdir().unwrap();
    let opts = atm_client::PairOptions {
        replace: false,
        client: crate::support::options(),
    };
    let url = pending.pairing_url().expose().clone();
    let (paired, recorded) = tokio::join!(
        atm_client::pair(state_dir.path(), &url, &opts),
        pending.wait(std::future::pending(), |_| {})
    );
    paired.unwrap();
    recorded.unwrap();
    until(&watch, "watching the new machine", |s| {
        s.watched_machines == 1
    })
    .await;

    let state = atm_client::AtmState::load(state_dir.path()).unwrap();
    atm_client::publish_heartbeat(
        &state,
        HeartbeatStatus::Ok,
        Some(Duration::from_secs(300)),
        crate::support::options(),
    )
    .await
    .unwrap();
    eventually("Kiosk seen by its heartbeat", || async {
        let id = env.fleet.machine("Kiosk").await.unwrap().id;
        let (all, _) = env.fleet.liveness(unix_now()).await.unwrap();
        (all[&id].seen_by.as_deref() == Some("heartbeat")).then_some(())
    })
    .await;
    watch.stop().await;
}
