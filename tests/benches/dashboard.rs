//! Dashboard and bulk benchmark over a 10,000-machine cache. Prints figures; asserts nothing
//! about time.
//!
//! - `Fleet::dashboard` (counts, needs attention, health, outbox) over 10,000 machines in mixed
//!   states with liveness rows (median, p95 of 20 runs);
//! - `Fleet::revoke_many` of a 500-machine site with no bunker configured (the local half: one
//!   transaction queues every revoke, then the outbox run stops at the first row), once;
//! - `Fleet::liveness` (every machine's last seen and silent flag), the fleet list's extra read.
//!
//! Run: `cargo bench --locked -p acceptance --bench dashboard`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "stats.rs"]
mod stats;

use std::time::Instant;

use anyhow::Result;
use bunker_client::ClientOptions;
use fleet_core::bulk::Selection;
use fleet_core::secrets::Secrets;
use fleet_core::{unix_now, Fleet};
use fleet_store::liveness::{self, Seen, SeenBy};
use fleet_store::{machines, MachineState, NewMachine, Pairing};
use stats::median_p95;

const FLEET: usize = 10_000;
const SITES: usize = 20;
const RUNS: usize = 20;

fn main() -> Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> Result<()> {
    let data = tempfile::tempdir()?;
    let fleet = Fleet::open_with(data.path(), Secrets::memory(), ClientOptions::loopback())?;
    seed(data.path()).await?;
    let now = unix_now();
    let mut samples = Vec::new();
    let mut attention = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let board = fleet.dashboard(now).await?;
        samples.push(start.elapsed().as_secs_f64() * 1e3);
        attention = board.attention.len();
    }
    println!(
        "dashboard over {FLEET} cached machines ({attention} need attention), {RUNS} runs (ms): {}",
        median_p95(&samples)
    );
    let mut live = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        fleet.liveness(now).await?;
        live.push(start.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "liveness (last seen + silent) over {FLEET} cached machines, {RUNS} runs (ms): {}",
        median_p95(&live)
    );
    let site = Selection::Site {
        site: "Site 00".into(),
    };
    let selected = fleet.select(&site).await?.len();
    let start = Instant::now();
    let report = fleet.revoke_many(&site, "Site 00", |_| {}).await?;
    println!(
        "bulk revoke of a {selected}-machine site, offline (queued in one transaction; {} pending, {} skipped): {:.1} ms",
        report.pending,
        report.skipped.len(),
        start.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}

/// 10,000 machines over 20 sites: most active and seen, some expiring, expired, silent,
/// revoked, unpaired and legacy. Seeded straight through the store: a bench fixture.
async fn seed(dir: &std::path::Path) -> Result<()> {
    let store = fleet_store::Db::open(dir.join(fleet_core::DB_FILE))?;
    let now = unix_now();
    store
        .interact(move |c| {
            let tx = c.transaction()?;
            for i in 0..FLEET {
                let m = machines::insert(
                    &tx,
                    &NewMachine {
                        site: Some(format!("Site {:02}", i % SITES)),
                        legacy: i % 100 == 99,
                        ..NewMachine::new(format!("ATM {i:05}"))
                    },
                )?;
                if i % 100 >= 95 {
                    continue; // unpaired or legacy
                }
                let term_end = match i % 100 {
                    0..=2 => now - 86_400,
                    3..=9 => now + 3 * 86_400,
                    _ => now + 20 * 86_400,
                };
                let pk = format!("{:064x}", i + 1);
                machines::set_pairing(
                    &tx,
                    m.id,
                    &Pairing {
                        bunker_connection_id: i64::try_from(i + 1).unwrap_or(0),
                        atm_client_pubkey: pk.clone(),
                        paired_at: now - 10 * 86_400,
                        bunker_token_expires_at: term_end,
                    },
                )?;
                if i % 100 == 90 {
                    machines::update_state(&tx, m.id, MachineState::Revoked)?;
                }
                let seen = if i % 50 == 11 {
                    now - 3 * 86_400
                } else {
                    now - 120
                };
                liveness::record(
                    &tx,
                    &Seen {
                        machine_id: m.id,
                        last_seen_at: seen,
                        seen_by: SeenBy::Heartbeat,
                        atm_pubkey: pk,
                        software: Some("satmachine-atm 0.1.0".into()),
                        status: Some("ok".into()),
                    },
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await?;
    Ok(())
}
