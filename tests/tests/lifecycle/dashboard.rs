//! The dashboard (issue 14 item 2) over a fleet with a machine in every state, built through
//! the real use cases against the sandbox (pairing, revoke, prepared codes, heartbeat, sync) and
//! a few rows aged in the cache file (a pairing two days old, terms that end): the counts, the
//! action for each machine that needs one, and bunker, relays and outbox as of the last sync,
//! online and then offline.

use fleet_core::codes::PrepareRequest;
use fleet_core::dashboard::{Concern, Fix, Reach};
use fleet_core::unix_now;
use fleet_store::{machines, Db, NewMachine};

use crate::support::Env;

const DAY: i64 = 86_400;

/// Runs `sql` with `params` on the cache file, as an older session would have left it.
async fn age(env: &Env, sql: &'static str, name: &'static str, at: i64) {
    let db = Db::open(env.data_dir.path().join(fleet_core::DB_FILE)).unwrap();
    db.interact(move |c| {
        let changed = c
            .execute(sql, rusqlite::params![at, name])
            .map_err(fleet_store::Error::from)?;
        assert_eq!(changed, 1, "{sql} for {name}");
        Ok(())
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_dashboard_counts_every_state_gives_each_problem_its_action_and_says_as_of_when() {
    let mut env = Env::start().await;
    env.fleet.set_auto_revoke_at_term_end(false).await.unwrap();
    let lobby = env.pair("Lobby").await;
    for name in ["Quiet", "Old", "Soon", "Gone", "Late"] {
        env.pair(name).await;
    }
    env.fleet.add_machine("Spare", None).await.unwrap();
    let db = Db::open(env.data_dir.path().join(fleet_core::DB_FILE)).unwrap();
    db.interact(|c| {
        machines::insert(
            c,
            &NewMachine {
                legacy: true,
                ..NewMachine::new("Legacy")
            },
        )
    })
    .await
    .unwrap();
    env.fleet.revoke("Gone", |_| {}).await.unwrap();
    env.fleet
        .prepare_codes(&PrepareRequest::new(2))
        .await
        .unwrap();

    // Lobby's heartbeat, then a sync with everything reachable.
    env.heartbeat(&lobby.keys, &env.operator(), unix_now())
        .await;
    env.fleet.sync(|_| {}).await.unwrap();
    let now = unix_now();
    let online = env.fleet.dashboard(now).await.unwrap();
    assert_eq!(online.bunker.reach, Reach::Reachable, "{:?}", online.bunker);
    assert_eq!(online.relays.reach, Reach::Reachable, "{:?}", online.relays);
    assert!(online
        .bunker
        .line
        .as_deref()
        .unwrap_or("")
        .contains("nsecbunkerd"));

    // Age the cache: Quiet was paired two days ago and never heard from; Old's term is over;
    // Soon's ends in three days.
    age(
        &env,
        "UPDATE machines SET paired_at = ?1 WHERE name = ?2",
        "Quiet",
        now - 2 * DAY,
    )
    .await;
    age(
        &env,
        "UPDATE machines SET bunker_token_expires_at = ?1 WHERE name = ?2",
        "Old",
        now - DAY,
    )
    .await;
    age(
        &env,
        "UPDATE machines SET bunker_token_expires_at = ?1 WHERE name = ?2",
        "Soon",
        now + 3 * DAY,
    )
    .await;

    // Offline: a revoke waits, and the sync says the bunker and relays did not answer.
    env.relay_down().await;
    env.fleet.revoke("Late", |_| {}).await.unwrap();
    env.fleet.sync(|_| {}).await.unwrap();

    let board = env.fleet.dashboard(unix_now()).await.unwrap();
    let c = &board.counts;
    assert_eq!(c.machines, 8, "{c:?}");
    assert_eq!(
        (c.active, c.expiring, c.expired, c.paired),
        (2, 1, 1, 4),
        "{c:?}"
    );
    assert_eq!(
        (c.revoked, c.revoke_pending, c.revoke_failed),
        (1, 1, 0),
        "{c:?}"
    );
    assert_eq!(
        (c.unpaired, c.legacy, c.silent, c.live_codes),
        (1, 1, 1, 2),
        "{c:?}"
    );
    let rows: Vec<(&str, Concern, Fix)> = board
        .attention
        .iter()
        .map(|r| (r.machine.as_deref().unwrap_or("-"), r.concern, r.action))
        .collect();
    assert_eq!(
        rows,
        [
            ("Old", Concern::Expired, Fix::Renew),
            ("Quiet", Concern::Silent, Fix::CheckMachine),
            ("Soon", Concern::Expiring, Fix::Renew),
            ("Legacy", Concern::Legacy, Fix::Pair),
            ("Late", Concern::RevokePending, Fix::Sync),
        ]
    );
    assert_eq!(board.bunker.reach, Reach::Unreachable);
    assert!(board.bunker.last_error.is_some(), "says why");
    assert_eq!(
        board.bunker.last_reached_at, online.bunker.last_reached_at,
        "the last time it answered stays"
    );
    assert_eq!(board.relays.reach, Reach::Unreachable);
    assert!(board.relays.last_read_at.is_some(), "as of the online sync");
    // The revoke waits, and so does the roster's publication its change queued.
    let queued = env.fleet.outbox().await.unwrap();
    let mut waiting: Vec<&str> = queued.iter().map(|r| r.action.as_str()).collect();
    waiting.sort_unstable();
    assert_eq!(waiting, ["publish_roster", "revoke"], "{queued:?}");
    assert_eq!(board.outbox.pending, 2);
    assert!(board.outbox.waiting_reason.is_some());
    assert!(board.last_sync_at >= online.last_sync_at);
}
