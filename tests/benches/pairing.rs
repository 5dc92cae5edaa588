//! Pairing benchmark against the sandbox on loopback, once per nsecbunkerd flavour (0.10 in its
//! `auto` mode so nostr-tools can take part, and 0.11). Prints figures; asserts nothing about
//! time.
//!
//! - admin round trips per pairing once the ATM policy exists (goal: 2);
//! - time from "pair" to QR ready (token minted and read back, QR rendered and self-checked);
//! - ATM `sign_event` round trip: our `SignerClient` (NIP-04) next to nostr-tools' BunkerSigner
//!   (NIP-44) against the same sandbox and relay, and their ratio.
//!
//! Run: `cargo bench -p acceptance --bench pairing` (needs `npm ci` in tests/interop).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "stats.rs"]
mod stats;

use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use bunker_client::{BunkerUri, ClientOptions, EventTemplate, Sensitive, SignerClient};
use fleet_core::qr::QrOptions;
use fleet_core::secrets::Secrets;
use fleet_core::Fleet;
use nostr::{Keys, Kind, Timestamp};
use sandbox::{EncryptionMode, Flavour, SandboxConfig};
use stats::{median_p95, pct};

const PAIRINGS: usize = 30;
const SIGNS: usize = 50;

fn main() -> Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> Result<()> {
    let interop = Path::new(env!("CARGO_MANIFEST_DIR")).join("interop");
    if !interop.join("node_modules/nostr-tools").exists() {
        bail!(
            "nostr-tools is not installed: run `npm ci` in {}",
            interop.display()
        );
    }
    for flavour in [Flavour::V0_10, Flavour::V0_11] {
        measure(&interop, flavour).await?;
    }
    Ok(())
}

async fn measure(interop: &Path, flavour: Flavour) -> Result<()> {
    let data = tempfile::tempdir()?;
    let state = tempfile::tempdir()?;
    let fleet = Fleet::open_with(data.path(), Secrets::memory(), ClientOptions::loopback())?;
    let mut cfg = SandboxConfig::new(state.path().join("bunker.sqlite3"));
    cfg.encryption = EncryptionMode::Auto;
    cfg.flavour = flavour;
    let sandbox = acceptance::connected_sandbox(&fleet, cfg).await?;

    // First pairing: finds or creates the ATM policy (not counted).
    let first = fleet
        .begin_pairing(&acceptance::quick_pairing("warm-up"), |_| {})
        .await?;
    let first_trips = first.admin_requests();
    first.cancel().await?;

    let mut to_qr = Vec::with_capacity(PAIRINGS);
    let mut trips = Vec::with_capacity(PAIRINGS);
    for i in 0..PAIRINGS {
        let started = Instant::now();
        let pending = fleet
            .begin_pairing(&acceptance::quick_pairing(&format!("bench-{i}")), |_| {})
            .await?;
        let qr = pending.qr(&QrOptions::default())?;
        to_qr.push(started.elapsed().as_secs_f64() * 1000.0);
        trips.push(pending.admin_requests());
        assert!(qr.version() >= 1);
        pending.cancel().await?;
    }

    // Our ATM: redeem, then SIGNS timed sign_event round trips.
    let pending = fleet
        .begin_pairing(&acceptance::quick_pairing("rust-atm"), |_| {})
        .await?;
    let url = pending.pairing_url().expose().clone();
    let atm = Keys::generate();
    let uri = BunkerUri::parse(&url)?;
    let signer = SignerClient::new(atm, &uri, ClientOptions::loopback()).await?;
    let secret = uri
        .secret
        .as_ref()
        .map(Sensitive::clone_secret)
        .context("the URL has a secret")?;
    let (paired, redeemed) = tokio::join!(
        pending.wait(std::future::pending(), |_| {}),
        signer.connect_resuming(&secret)
    );
    paired?;
    redeemed?;
    let mut ours = Vec::with_capacity(SIGNS);
    for i in 0..SIGNS {
        let template = EventTemplate {
            kind: Kind::from(21000),
            content: format!("timed {i}"),
            tags: vec![],
            created_at: Timestamp::now(),
        };
        let started = Instant::now();
        signer.sign_event(template).await?;
        ours.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    signer.shutdown().await;

    // nostr-tools' BunkerSigner against the same sandbox and relay.
    let pending = fleet
        .begin_pairing(&acceptance::quick_pairing("node-atm"), |_| {})
        .await?;
    let url = pending.pairing_url().expose().clone();
    let node = tokio::process::Command::new("node")
        .arg(interop.join("sign-timed.mjs"))
        .args([url.as_str(), &SIGNS.to_string()])
        .current_dir(interop)
        .kill_on_drop(true)
        .output();
    let (paired, out) = tokio::join!(pending.wait(std::future::pending(), |_| {}), node);
    paired?;
    let out = out?;
    if !out.status.success() {
        bail!(
            "sign-timed.mjs failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let theirs: Vec<f64> = parsed["samples_ms"]
        .as_array()
        .context("samples_ms")?
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .collect();
    let bunker_alive = !sandbox.bunker.is_dead();
    sandbox.shutdown().await;

    let (min_t, max_t) = (
        trips.iter().min().copied().unwrap_or(0),
        trips.iter().max().copied().unwrap_or(0),
    );
    let mode = match flavour {
        Flavour::V0_10 => "0.10, auto mode",
        Flavour::V0_11 => "0.11",
    };
    println!("pairing benchmark (sandbox nsecbunkerd {mode}, loopback relay)");
    println!("  admin round trips, first pairing (policy lookup/creation): {first_trips}");
    println!("  admin round trips per pairing once the policy exists:      {min_t}..={max_t} over {PAIRINGS} pairings (goal 2)");
    println!(
        "  pair -> QR ready (ms):          {}  (n={PAIRINGS})",
        median_p95(&to_qr)
    );
    println!("  ATM sign_event round trip (ms): n={SIGNS} each");
    println!("    bunker-client SignerClient:   {}", median_p95(&ours));
    println!("    nostr-tools BunkerSigner:     {}", median_p95(&theirs));
    println!(
        "    ratio ours/nostr-tools:       median {:>7.2}  p95 {:>7.2}",
        pct(&ours, 50.0) / pct(&theirs, 50.0),
        pct(&ours, 95.0) / pct(&theirs, 95.0)
    );
    println!("  bunker alive at the end: {bunker_alive}");
    Ok(())
}
