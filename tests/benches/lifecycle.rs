//! Lifecycle benchmark. Prints figures; asserts nothing about time.
//!
//! - revoke → refusal observed: from `Fleet::revoke` until the revoked ATM's next `sign_event`
//!   comes back "Not authorized", against the sandbox on loopback (median, p95);
//! - reconcile of 10,000 KeyUsers against 10,000 cached machines: the local half only (the
//!   bunker's lists already fetched, `Fleet::reconcile_with`), and the printed line says so. The
//!   whole reconcile (lists fetched from the sandbox) is not timed at this size: the sandbox has
//!   no way to hold 10,000 KeyUsers short of 10,000 real pairings;
//! - the whole reconcile (lists fetched from the sandbox on loopback, then applied) over the
//!   revoke run's KeyUsers (median, p95);
//! - `machine list` (the fleet view with effective states) over 10,000 cached machines.
//!
//! Run: `cargo bench -p acceptance --bench lifecycle`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "stats.rs"]
mod stats;

use std::time::Instant;

use anyhow::Result;
use bunker_client::{BunkerUri, ClientOptions, EventTemplate, SignerClient};
use fleet_core::reconcile::BunkerSnapshot;
use fleet_core::secrets::Secrets;
use fleet_core::Fleet;
use fleet_store::{machines, NewMachine, Pairing};
use nostr::{Keys, Kind, Timestamp};
use sandbox::SandboxConfig;
use stats::median_p95;

const REVOKES: usize = 20;
const FLEET: usize = 10_000;
const RECONCILES: usize = 10;

fn main() -> Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> Result<()> {
    let (samples, whole) = revoke_to_refusal().await?;
    println!(
        "revoke -> refusal observed ({REVOKES} revokes, sandbox on loopback, ms): {}",
        median_p95(&samples)
    );
    println!(
        "reconcile, whole (KeyUsers and tokens fetched from the sandbox on loopback, then applied), {REVOKES} KeyUsers, {RECONCILES} runs (ms): {}",
        median_p95(&whole)
    );
    let (reconcile_ms, list_ms, list_raw_ms) = big_fleet().await?;
    println!("reconcile of {FLEET} KeyUsers against {FLEET} cached machines, local half only (the bunker's lists already fetched; no network): {reconcile_ms:.1} ms");
    println!("machine list over {FLEET} cached machines: {list_ms:.1} ms (fleet view with effective states), {list_raw_ms:.1} ms (raw rows)");
    Ok(())
}

/// Milliseconds from each revoke to the revoked ATM's refusal; then milliseconds of each whole
/// reconcile against the same sandbox (its `REVOKES` revoked KeyUsers).
async fn revoke_to_refusal() -> Result<(Vec<f64>, Vec<f64>)> {
    let data = tempfile::tempdir()?;
    let bunker_dir = tempfile::tempdir()?;
    let fleet = Fleet::open_with(data.path(), Secrets::memory(), ClientOptions::loopback())?;
    let cfg = SandboxConfig::new(bunker_dir.path().join("bunker.sqlite3"));
    let sandbox = acceptance::connected_sandbox(&fleet, cfg).await?;
    let mut samples = Vec::new();
    for i in 0..REVOKES {
        let name = format!("bench {i}");
        let pending = fleet
            .begin_pairing(&acceptance::quick_pairing(&name), |_| {})
            .await?;
        let uri = BunkerUri::parse(pending.pairing_url().expose())?;
        let atm = SignerClient::new(
            Keys::generate(),
            &uri.without_secret(),
            ClientOptions::loopback(),
        )
        .await?;
        atm.connect_resuming(uri.secret.as_ref().expect("secret"))
            .await?;
        pending.wait(std::future::pending(), |_| {}).await?;
        let template = || EventTemplate {
            kind: Kind::from(21000),
            content: "x".into(),
            tags: vec![],
            created_at: Timestamp::now(),
        };
        atm.sign_event(template()).await?;

        let start = Instant::now();
        fleet.revoke(&name, |_| {}).await?;
        let refused = atm.sign_event(template()).await.is_err();
        let elapsed = start.elapsed();
        assert!(refused, "the revoked ATM must be refused");
        samples.push(elapsed.as_secs_f64() * 1000.0);
        atm.shutdown().await;
    }
    let mut whole = Vec::new();
    for _ in 0..RECONCILES {
        let start = Instant::now();
        let report = fleet.reconcile().await?;
        whole.push(start.elapsed().as_secs_f64() * 1000.0);
        assert!(report.clients >= REVOKES, "every paired ATM is a KeyUser");
    }
    sandbox.shutdown().await;
    Ok((samples, whole))
}

async fn big_fleet() -> Result<(f64, f64, f64)> {
    let data = tempfile::tempdir()?;
    let fleet = Fleet::open_with(data.path(), Secrets::memory(), ClientOptions::loopback())?;
    let keys: Vec<String> = (0..FLEET)
        .map(|_| Keys::generate().public_key().to_hex())
        .collect();
    let rows = keys.clone();
    // Seeded straight through the store (a second connection to the same file): a bench fixture,
    // not a use case, so fleet-core has no door for it.
    let store = fleet_store::Db::open(data.path().join(fleet_core::DB_FILE))?;
    store
        .interact(move |c| {
            let tx = c.transaction()?;
            for (i, pk) in rows.iter().enumerate() {
                let m = machines::insert(&tx, &NewMachine::new(format!("ATM {i:05}")))?;
                let p = Pairing {
                    bunker_connection_id: i64::try_from(i + 1).unwrap_or(0),
                    atm_client_pubkey: pk.clone(),
                    paired_at: 1,
                    bunker_token_expires_at: 4_000_000_000,
                };
                machines::set_pairing(&tx, m.id, &p)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await?;
    let users = keys
        .iter()
        .enumerate()
        .map(|(i, pk)| {
            serde_json::from_value(serde_json::json!({
                "id": i + 1, "name": "operator", "pubkey": pk, "description": format!("satmachine-{}", i + 1),
                "createdAt": "2026-11-01T00:00:00.000Z",
                "signingConditions": [{"method": "connect", "allowed": true}, {"method": "sign_event", "kind": "21000", "allowed": true}],
            }))
        })
        .collect::<std::result::Result<Vec<bunker_client::KeyUser>, _>>()?;
    let start = Instant::now();
    let report = fleet
        .reconcile_with(BunkerSnapshot {
            users,
            tokens: Vec::new(),
            console_pubkey: None,
        })
        .await?;
    let reconcile = start.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(report.clients, FLEET);
    assert!(report.unknown_clients.is_empty());

    let start = Instant::now();
    let view = fleet.fleet_view().await?;
    let list = start.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(view.len(), FLEET);
    let start = Instant::now();
    let raw = fleet.machines().await?;
    let list_raw = start.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(raw.len(), FLEET);
    Ok((reconcile, list, list_raw))
}
