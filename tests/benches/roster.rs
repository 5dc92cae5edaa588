//! Roster benchmark (issue 13). Prints figures; asserts nothing about time.
//!
//! - the published size of the roster of 10,000 machines: events (head + chunks), bytes of
//!   content and of signed event JSON, the largest chunk (relays' limit: nostr-rs-relay 128 KB;
//!   NIP-44's 65,535-byte plaintext for the NIP-46 request that carries each unsigned chunk);
//! - the first publication of that roster through the outbox (every chunk signed by the
//!   sandbox bunker over NIP-46 on loopback, verified, published);
//! - restore of 10,000 machines on a fresh console: roster fetch + verify + merge + write, the
//!   fee/config documents, and the bunker's KeyUser and token lists fetched and reconciled. The
//!   sandbox holds only the console's own KeyUsers (10,000 real pairings would be needed for
//!   more), so the bunker half is the list round trips and the comparison with 10,000 machines.
//!
//! Run: `cargo bench -p acceptance --bench roster` (`SANDBOX_FLAVOUR=0.11` for the 0.11 line).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "stats.rs"]
mod stats;

use std::time::Instant;

use anyhow::Result;
use bunker_client::ClientOptions;
use fleet_core::operator_events::{OPERATOR_EVENT_KIND, ROSTER_D_TAG};
use fleet_core::secrets::Secrets;
use fleet_core::Fleet;
use fleet_store::{machines, NewMachine, Pairing};
use nostr::{Filter, JsonUtil, Keys, Kind};
use stats::median_p95;

const FLEET: usize = 10_000;
const RESTORES: usize = 3;

fn main() -> Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> Result<()> {
    let data = tempfile::tempdir()?;
    let bunker_dir = tempfile::tempdir()?;
    let fleet = Fleet::open_with(data.path(), Secrets::memory(), ClientOptions::loopback())?;
    let cfg = acceptance::sandbox_config(bunker_dir.path().join("bunker.sqlite3"));
    let sandbox = acceptance::connected_sandbox(&fleet, cfg).await?;
    seed(&fleet, data.path()).await?;

    let start = Instant::now();
    fleet.publish_roster(|_| {}).await?;
    let publish_s = start.elapsed().as_secs_f64();

    let client = nostr_sdk::Client::default();
    client.add_relay(sandbox.relay.url()).await?;
    client.connect().await;
    let operator = sandbox
        .bunker
        .key_pubkey(acceptance::KEY)
        .expect("operator key");
    let events = client
        .fetch_events(
            Filter::new()
                .author(operator)
                .kind(Kind::from(OPERATOR_EVENT_KIND)),
            std::time::Duration::from_secs(30),
        )
        .await?;
    client.shutdown().await;
    let content: usize = events.iter().map(|e| e.content.len()).sum();
    let json: usize = events.iter().map(|e| e.as_json().len()).sum();
    let largest = events.iter().map(|e| e.as_json().len()).max().unwrap_or(0);
    let head = fleet
        .last_published(ROSTER_D_TAG)
        .await?
        .expect("published");
    let head_json: serde_json::Value = serde_json::from_str(&head.content)?;
    println!(
        "roster of {FLEET} machines, published: {} events ({} chunks of {} buckets + head), \
         {:.1} KB content, {:.1} KB signed JSON, largest event {:.1} KB (limits: 128 KB relay, \
         65,535 B NIP-44 plaintext per request)",
        events.len(),
        head_json["chunks"].as_array().map_or(0, Vec::len),
        head_json["buckets"],
        content as f64 / 1024.0,
        json as f64 / 1024.0,
        largest as f64 / 1024.0,
    );
    println!(
        "first publication of that roster through the outbox (each chunk signed by the sandbox \
         bunker over NIP-46 on loopback, verified, published): {publish_s:.1} s"
    );

    let mut samples = Vec::new();
    for _ in 0..RESTORES {
        let dir = tempfile::tempdir()?;
        let fresh = Fleet::open_with(dir.path(), Secrets::memory(), ClientOptions::loopback())?;
        let (console, _) = fresh.init_console().await?;
        sandbox.bunker.add_admin(console.public_key()).await;
        acceptance::connect(&fresh, &sandbox).await?;
        let start = Instant::now();
        let report = fresh.restore().await?;
        samples.push(start.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(report.roster.map(|r| r.added.len()), Some(FLEET));
    }
    println!(
        "restore of {FLEET} machines on a fresh console (roster fetch + verify + merge + write, \
         bunker lists fetched and reconciled; sandbox on loopback), {RESTORES} runs (ms): {}",
        median_p95(&samples)
    );
    sandbox.shutdown().await;
    Ok(())
}

/// 10,000 paired machines with sites, seeded straight through the store (a bench fixture, not a
/// use case).
async fn seed(fleet: &Fleet, dir: &std::path::Path) -> Result<()> {
    let _ = fleet;
    let keys: Vec<String> = (0..FLEET)
        .map(|_| Keys::generate().public_key().to_hex())
        .collect();
    let store = fleet_store::Db::open(dir.join(fleet_core::DB_FILE))?;
    store
        .interact(move |c| {
            let tx = c.transaction()?;
            for (i, pk) in keys.iter().enumerate() {
                let m = machines::insert(
                    &tx,
                    &NewMachine {
                        site: Some(format!("Site {:04}, Main Street", i % 2000)),
                        ..NewMachine::new(format!("ATM {i:05}"))
                    },
                )?;
                let p = Pairing {
                    bunker_connection_id: i64::try_from(i + 1).unwrap_or(0),
                    atm_client_pubkey: pk.clone(),
                    paired_at: 1_760_000_000,
                    bunker_token_expires_at: 4_000_000_000,
                };
                machines::set_pairing(&tx, m.id, &p)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await?;
    Ok(())
}
