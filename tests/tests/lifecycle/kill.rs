//! A `satop outbox run` process killed (SIGKILL) in the middle of 100 queued revokes; after a
//! restart every revoke ran exactly once: every machine revoked on the bunker and locally, one
//! `revoke ok` audit entry per machine, nothing left in the outbox.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use fleet_store::MachineState;
use tokio::task::JoinSet;

use crate::support::{eventually, pair_with, Env, KEY, PASSPHRASE};

const ACTIONS: usize = 100;

fn satop(data: &Path) -> Command {
    let exe = std::env::current_exe().unwrap();
    let bin: PathBuf = exe.parent().and_then(Path::parent).unwrap().join("satop");
    assert!(
        bin.exists(),
        "{} is not built: run `cargo build -p satop` first",
        bin.display()
    );
    let mut cmd = Command::new(bin);
    cmd.arg("--data-dir")
        .arg(data)
        .arg("--secret-store")
        .arg(format!("file:{}", data.join("keys.json").display()))
        .env("SATOP_PASSPHRASE", PASSPHRASE)
        .env_remove("SATOP_DATA_DIR")
        .env_remove("SATOP_SECRET_STORE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_during_a_burst_of_100_actions_every_action_runs_exactly_once_after_restart() {
    let env = Env::start().await;
    let mut atms = Vec::new();
    for batch in 0..ACTIONS / 10 {
        let mut set = JoinSet::new();
        for i in 0..10 {
            let fleet = env.fleet.clone();
            set.spawn(
                async move { pair_with(&fleet, &format!("ATM {:03}", batch * 10 + i)).await },
            );
        }
        while let Some(atm) = set.join_next().await {
            atms.push(atm.unwrap());
        }
    }
    for i in 0..ACTIONS {
        env.fleet
            .request_revoke(&format!("ATM {i:03}"), "operator")
            .await
            .unwrap();
    }
    let queued = env.fleet.outbox().await.unwrap();
    assert_eq!(
        queued.iter().filter(|r| r.action == "revoke").count(),
        ACTIONS
    );

    let mut first = satop(env.data_dir.path())
        .args(["outbox", "run"])
        .spawn()
        .unwrap();
    let fleet = env.fleet.clone();
    let done_before_kill = eventually("the first run gets some way into the burst", || {
        let fleet = fleet.clone();
        async move {
            let left = fleet
                .outbox()
                .await
                .unwrap()
                .iter()
                .filter(|r| r.action == "revoke")
                .count();
            (left <= ACTIONS - 10).then_some(ACTIONS - left)
        }
    })
    .await;
    first.kill().unwrap();
    first.wait().unwrap();
    let left = env.fleet.outbox().await.unwrap();
    assert!(
        !left.is_empty(),
        "the kill must land mid-burst ({done_before_kill} done before it)"
    );

    let status = tokio::task::spawn_blocking({
        let data = env.data_dir.path().to_path_buf();
        move || satop(&data).args(["outbox", "run"]).status().unwrap()
    })
    .await
    .unwrap();
    assert!(status.success(), "the restarted run succeeds");
    assert!(
        env.fleet.outbox().await.unwrap().is_empty(),
        "after the restart nothing is left"
    );

    let machines = env.fleet.machines().await.unwrap();
    assert!(
        machines.iter().all(|m| m.state == MachineState::Revoked),
        "every machine is revoked"
    );
    let mut oks: HashMap<i64, usize> = HashMap::new();
    for e in env.fleet.audit(10_000).await.unwrap() {
        if e.action == "revoke" && e.outcome == "ok" {
            *oks.entry(e.machine_id.unwrap()).or_default() += 1;
        }
    }
    assert_eq!(oks.len(), ACTIONS, "every revoke ran");
    assert!(
        oks.values().all(|&n| n == 1),
        "no revoke ran twice: {oks:?}"
    );

    let admin = env.admin().await;
    let users = admin.get_key_users(KEY).await.unwrap();
    admin.shutdown().await;
    for atm in &atms {
        let user = users
            .iter()
            .find(|u| u.pubkey == atm.keys.public_key())
            .unwrap();
        assert!(user.is_revoked(), "the bunker shows every ATM revoked");
    }
}
