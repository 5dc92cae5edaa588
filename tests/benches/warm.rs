//! Warm-path benchmark: the ATM's sign round trip through `atm_client::WarmSigner` (the library)
//! and through `satmachine-atm serve`'s socket, next to NDK's `NDKNip46Signer` with one warm
//! connection, against the same sandbox (auto mode) and relay in one run; nostr-tools'
//! BunkerSigner and the one-shot path (`atm_client::sign`: connect, sign, tear down) for
//! reference. Prints median, p95 and the ratio to NDK; asserts nothing about time.
//!
//! Run: `cargo bench -p acceptance --locked --bench warm` (needs `npm ci` in tests/interop).
//! `WARM_SIGNS=N` changes the number of timed signatures per client (default 200).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "stats.rs"]
mod stats;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use atm_client::{ServeOptions, WarmOptions, WarmSigner};
use bunker_client::ClientOptions;
use fleet_core::secrets::Secrets;
use fleet_core::Fleet;
use sandbox::{EncryptionMode, SandboxConfig};
use stats::{median_p95, pct};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

/// Untimed signatures before each timed series (JIT, connection set-up).
const WARM_UP: usize = 10;
/// One-shot signatures (each opens and closes its own connection).
const ONE_SHOT: usize = 30;

fn main() -> Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

async fn run() -> Result<()> {
    let signs: usize = std::env::var("WARM_SIGNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let interop = Path::new(env!("CARGO_MANIFEST_DIR")).join("interop");
    if !interop.join("node_modules/@nostr-dev-kit/ndk").exists() {
        bail!(
            "NDK is not installed: run `npm ci` in {}",
            interop.display()
        );
    }
    let data = tempfile::tempdir()?;
    let state = tempfile::tempdir()?;
    let fleet = Fleet::open_with(data.path(), Secrets::memory(), ClientOptions::loopback())?;
    let mut cfg = SandboxConfig::new(state.path().join("bunker.sqlite3"));
    // NIP-44-capable, so NDK and nostr-tools can take part; the ATM stays on NIP-04.
    cfg.encryption = EncryptionMode::Auto;
    let sandbox = acceptance::connected_sandbox(&fleet, cfg).await?;

    // Our ATM, paired as in the field.
    let atm_dir = state.path().join("atm");
    let pending = fleet
        .begin_pairing(&acceptance::quick_pairing("rust-atm"), |_| {})
        .await?;
    let url = pending.pairing_url().expose().clone();
    let pair_opts = atm_client::PairOptions {
        replace: false,
        client: ClientOptions::loopback(),
    };
    let (paired, redeemed) = tokio::join!(
        pending.wait(std::future::pending(), |_| {}),
        atm_client::pair(&atm_dir, &url, &pair_opts)
    );
    paired?;
    redeemed?;
    let warm_opts = WarmOptions::with_client(ClientOptions::loopback());

    // 1. WarmSigner, the library.
    let signer = WarmSigner::connect(&atm_dir, warm_opts).await?;
    for i in 0..WARM_UP {
        signer.sign(21000, &format!("warm-up {i}"), vec![]).await?;
    }
    let mut warm = Vec::with_capacity(signs);
    for i in 0..signs {
        let started = Instant::now();
        signer.sign(21000, &format!("warm {i}"), vec![]).await?;
        warm.push(ms(started));
    }
    signer.shutdown().await;

    // 2. The daemon's socket, one connection, one request at a time.
    let socket = state.path().join("atm.sock");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let daemon = {
        let dir = atm_dir.clone();
        let opts = ServeOptions {
            socket: Some(socket.clone()),
            warm: warm_opts,
            heartbeat_every: None,
        };
        tokio::spawn(async move {
            atm_client::serve(&dir, opts, |_| {}, async {
                let _ = stopped.await;
            })
            .await
        })
    };
    let daemon_samples = through_socket(&socket, signs).await?;
    let _ = stop.send(());
    daemon.await??;

    // 3. One-shot: a connection per signature (what `satmachine-atm sign` does in-process).
    let mut one_shot = Vec::with_capacity(ONE_SHOT);
    for i in 0..ONE_SHOT {
        let started = Instant::now();
        atm_client::sign(
            &atm_dir,
            21000,
            &format!("one-shot {i}"),
            vec![],
            ClientOptions::loopback(),
        )
        .await?;
        one_shot.push(ms(started));
    }

    // 3b. The one-shot CLI, a process per signature, when it is built next to this bench.
    let cli = cli_binary();
    let mut cli_samples = Vec::new();
    if let Some(bin) = &cli {
        for i in 0..ONE_SHOT {
            let started = Instant::now();
            let out = tokio::process::Command::new(bin)
                .arg("--state-dir")
                .arg(&atm_dir)
                .args(["sign", "--kind", "21000", "--content", &format!("cli {i}")])
                .output()
                .await?;
            cli_samples.push(ms(started));
            if !out.status.success() {
                bail!(
                    "satmachine-atm sign failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }

    // 4. NDK and 5. nostr-tools, each with its own pairing, same sandbox and relay.
    let ndk = node_samples(&fleet, &interop, "ndk-sign-timed.mjs", "ndk-atm", signs).await?;
    let nostr_tools = node_samples(&fleet, &interop, "sign-timed.mjs", "nt-atm", signs).await?;
    let bunker_alive = !sandbox.bunker.is_dead();
    sandbox.shutdown().await;

    let ratio = |ours: &[f64]| {
        format!(
            "median {:>5.2}x  p95 {:>5.2}x",
            pct(ours, 50.0) / pct(&ndk, 50.0),
            pct(ours, 95.0) / pct(&ndk, 95.0)
        )
    };
    println!("warm ATM signing benchmark (sandbox, auto mode, loopback relay), ms per signature");
    println!("  n={signs} per warm client after {WARM_UP} untimed; one-shot n={ONE_SHOT}");
    println!(
        "  atm-client WarmSigner (library):       {}",
        median_p95(&warm)
    );
    println!(
        "  satmachine-atm serve (Unix socket):    {}",
        median_p95(&daemon_samples)
    );
    println!(
        "  NDK 2.18.1 NDKNip46Signer (warm):      {}",
        median_p95(&ndk)
    );
    println!(
        "  nostr-tools 2.25.2 BunkerSigner (warm): {}",
        median_p95(&nostr_tools)
    );
    println!(
        "  one-shot atm_client::sign (reference): {}",
        median_p95(&one_shot)
    );
    match &cli {
        Some(_) => println!(
            "  one-shot satmachine-atm sign (process): {}",
            median_p95(&cli_samples)
        ),
        None => println!(
            "  one-shot satmachine-atm sign (process): not built in this profile (cargo build -p atm-client)"
        ),
    }
    println!("  ratio WarmSigner / NDK:                {}", ratio(&warm));
    println!(
        "  ratio serve socket / NDK:              {}",
        ratio(&daemon_samples)
    );
    println!("  bunker alive at the end: {bunker_alive}");
    Ok(())
}

/// `satmachine-atm` in the same target profile directory as this bench, if built.
fn cli_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    let bin = profile_dir.join("satmachine-atm");
    bin.is_file().then_some(bin)
}

/// Sequential requests on one socket connection; returns the timed samples.
async fn through_socket(socket: &PathBuf, signs: usize) -> Result<Vec<f64>> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let stream = loop {
        match UnixStream::connect(socket).await {
            Ok(stream) => break stream,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(e) => bail!("the daemon never listened: {e}"),
        }
    };
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut samples = Vec::with_capacity(signs);
    for i in 0..WARM_UP + signs {
        let line = format!("{{\"kind\":21000,\"content\":\"socket {i}\"}}\n");
        let started = Instant::now();
        write.write_all(line.as_bytes()).await?;
        let reply = lines.next_line().await?.context("the daemon closed")?;
        if i >= WARM_UP {
            samples.push(ms(started));
        }
        if !reply.contains("\"sig\"") {
            bail!("the daemon did not sign: {reply}");
        }
    }
    Ok(samples)
}

/// Pairs a machine `name` and runs `script <url> <signs>` in tests/interop.
async fn node_samples(
    fleet: &Fleet,
    interop: &Path,
    script: &str,
    name: &str,
    signs: usize,
) -> Result<Vec<f64>> {
    let pending = fleet
        .begin_pairing(&acceptance::quick_pairing(name), |_| {})
        .await?;
    let url = pending.pairing_url().expose().clone();
    let node = tokio::process::Command::new("node")
        .arg(interop.join(script))
        .args([url.as_str(), &(WARM_UP + signs).to_string()])
        .current_dir(interop)
        .kill_on_drop(true)
        .output();
    let (paired, out) = tokio::join!(pending.wait(std::future::pending(), |_| {}), node);
    paired?;
    let out = out?;
    if !out.status.success() {
        bail!("{script} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let samples: Vec<f64> = parsed["samples_ms"]
        .as_array()
        .context("samples_ms")?
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .skip(WARM_UP)
        .collect();
    Ok(samples)
}
