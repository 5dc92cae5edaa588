//! Remote admin signer vs local admin key, in the same run, once per nsecbunkerd flavour:
//! for a full pairing (mint, ATM redeems, paired) and an online revoke, the wall time of each
//! and, with the remote signer (rust-nostr's `NostrConnectRemoteSigner` on loopback, approving
//! at once: the cost of the protocol, not of a person), the signer calls each makes and the
//! added latency as a ratio against the local key. Prints figures; asserts nothing about time.
//!
//! Run: `cargo bench --locked -p acceptance --bench signer`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "stats.rs"]
mod stats;
#[path = "../tests/signer/support.rs"]
#[allow(dead_code)]
mod support;

use std::time::Instant;

use anyhow::Result;
use bunker_client::{ClientOptions, Sensitive};
use fleet_core::secrets::Secrets;
use fleet_core::Fleet;
use sandbox::{AtmSimulator, Flavour};
use stats::{median_p95, pct};
use support::{Console, Phone};

const ROUNDS: usize = 10;

fn main() -> Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> Result<()> {
    for flavour in [Flavour::V0_10, Flavour::V0_11] {
        measure(flavour).await?;
    }
    Ok(())
}

/// Per-round figures of one console.
struct Figures {
    pair_ms: Vec<f64>,
    revoke_ms: Vec<f64>,
    pair_calls: Vec<f64>,
    revoke_calls: Vec<f64>,
}

async fn rounds(fleet: &Fleet, label: &str) -> Result<Figures> {
    let mut f = Figures {
        pair_ms: Vec::new(),
        revoke_ms: Vec::new(),
        pair_calls: Vec::new(),
        revoke_calls: Vec::new(),
    };
    // Warm-up: creates the ATM policy and the signer connection (not counted).
    one_pairing(fleet, &format!("{label}-warm"))
        .await?
        .shutdown()
        .await;
    for i in 0..ROUNDS {
        let name = format!("{label}-{i}");
        let calls = fleet.admin_signer().await?.calls();
        let started = Instant::now();
        let atm = one_pairing(fleet, &name).await?;
        f.pair_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        let after_pair = fleet.admin_signer().await?.calls();
        f.pair_calls.push((after_pair - calls) as f64);
        let started = Instant::now();
        fleet.revoke(&name, |_| {}).await?;
        f.revoke_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        f.revoke_calls
            .push((fleet.admin_signer().await?.calls() - after_pair) as f64);
        atm.shutdown().await;
    }
    Ok(f)
}

async fn one_pairing(fleet: &Fleet, name: &str) -> Result<AtmSimulator> {
    let mut req = acceptance::quick_pairing(name);
    req.poll_every = std::time::Duration::from_millis(20);
    let pending = fleet.begin_pairing(&req, |_| {}).await?;
    let url = pending.pairing_url().expose().clone();
    let (paired, atm) = tokio::join!(
        pending.wait(std::future::pending(), |_| {}),
        AtmSimulator::redeem(&url, ClientOptions::loopback())
    );
    paired?;
    Ok(atm?)
}

async fn measure(flavour: Flavour) -> Result<()> {
    // Local key.
    let data = tempfile::tempdir()?;
    let state = tempfile::tempdir()?;
    let local = Fleet::open_with(data.path(), Secrets::memory(), ClientOptions::loopback())?;
    let mut cfg = acceptance::sandbox_config(state.path().join("bunker.sqlite3"));
    cfg.flavour = flavour;
    let _sandbox = acceptance::connected_sandbox(&local, cfg).await?;
    let local_f = rounds(&local, "local").await?;

    // Remote signer (a phone that approves at once).
    let mut phone = Phone::new();
    let console = Console::start_on(phone.user.public_key(), flavour).await;
    phone.relay = console.relay();
    phone.start().await;
    console
        .fleet
        .use_remote_signer(&Sensitive::new(phone.bunker_url()))
        .await?;
    console.connect().await?;
    let remote_f = rounds(&console.fleet, "remote").await?;

    println!(
        "== remote admin signer vs local key, nsecbunkerd {flavour} line, {ROUNDS} rounds (ms)"
    );
    for (what, l, r, calls) in [
        (
            "pairing",
            &local_f.pair_ms,
            &remote_f.pair_ms,
            &remote_f.pair_calls,
        ),
        (
            "revoke",
            &local_f.revoke_ms,
            &remote_f.revoke_ms,
            &remote_f.revoke_calls,
        ),
    ] {
        let (lm, rm) = (pct(l, 50.0), pct(r, 50.0));
        println!("{what:<8} local   {}", median_p95(l));
        println!("{what:<8} remote  {}", median_p95(r));
        println!(
            "{what:<8} signer calls per {what}: median {:.0} (max {:.0}); added latency median {:.1} ms, remote/local ratio {:.2}",
            pct(calls, 50.0),
            pct(calls, 100.0),
            rm - lm,
            rm / lm
        );
    }
    Ok(())
}
