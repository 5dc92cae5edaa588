//! Round-trip benchmark against the sandbox on loopback (issue #2): the admin RPC round trip
//! (`ping`, and `get_key_users` as a typical read) and the NIP-46 `sign_event` round trip of an
//! ATM, against the sandbox's nsecbunkerd 0.10 flavour in its `nip04_only` (stock 0.10.5) and
//! `auto` modes and against its 0.11 flavour (admin kind 24133, NIP-44 admin requests). Prints
//! figures; asserts nothing about time.
//!
//! Run: `cargo bench --workspace --locked --bench roundtrip`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "stats.rs"]
mod stats;

use std::time::Instant;

use anyhow::Result;
use bunker_client::ClientOptions;
use fleet_core::secrets::Secrets;
use fleet_core::Fleet;
use sandbox::{AtmSimulator, EncryptionMode, Flavour, SandboxConfig};
use stats::median_p95;

const CALLS: usize = 100;

fn main() -> Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            println!("round-trip benchmark (sandbox, loopback relay, n={CALLS} each, ms)");
            for (flavour, mode) in [
                (Flavour::V0_10, EncryptionMode::Nip04Only),
                (Flavour::V0_10, EncryptionMode::Auto),
                (Flavour::V0_11, EncryptionMode::Auto),
            ] {
                measure(flavour, mode).await?;
            }
            Ok(())
        })
}

async fn measure(flavour: Flavour, mode: EncryptionMode) -> Result<()> {
    let data = tempfile::tempdir()?;
    let state = tempfile::tempdir()?;
    let fleet = Fleet::open_with(data.path(), Secrets::memory(), ClientOptions::loopback())?;
    let mut cfg = SandboxConfig::new(state.path().join("bunker.sqlite3"));
    cfg.encryption = mode;
    cfg.flavour = flavour;
    let sandbox = acceptance::connected_sandbox(&fleet, cfg).await?;

    let (admin, _) = fleet.admin_session().await?;
    admin.ping().await?;
    let ping = timed(|| async { admin.ping().await.map(|_| ()) }).await?;
    let users = timed(|| async { admin.get_key_users("operator").await.map(|_| ()) }).await?;
    admin.shutdown().await;

    let pending = fleet
        .begin_pairing(&acceptance::quick_pairing("bench ATM"), |_| {})
        .await?;
    let url = pending.pairing_url().expose().clone();
    let (paired, atm) = tokio::join!(
        pending.wait(std::future::pending(), |_| {}),
        AtmSimulator::redeem(&url, ClientOptions::loopback())
    );
    paired?;
    let atm = atm?;
    atm.sign_21000("warm-up").await?;
    let sign = timed(|| async { atm.sign_21000("timed").await.map(|_| ()) }).await?;
    let alive = !sandbox.bunker.is_dead();
    sandbox.shutdown().await;

    let name = match (flavour, mode) {
        (Flavour::V0_11, _) => "0.11",
        (Flavour::V0_10, EncryptionMode::Nip04Only) => "0.10 nip04_only",
        (Flavour::V0_10, EncryptionMode::Auto) => "0.10 auto",
    };
    println!("  {name:<16} admin ping:          {}", median_p95(&ping));
    println!("  {name:<16} admin get_key_users: {}", median_p95(&users));
    println!("  {name:<16} ATM sign_event:      {}", median_p95(&sign));
    println!("  {name:<16} bunker alive at the end: {alive}");
    Ok(())
}

/// Runs `call` [`CALLS`] times; the milliseconds of each.
async fn timed<F, Fut, E>(mut call: F) -> Result<Vec<f64>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = std::result::Result<(), E>>,
    E: std::error::Error + Send + Sync + 'static,
{
    let mut samples = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let started = Instant::now();
        call().await?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(samples)
}
