//! No secret ever reaches the app's SQLite cache, its key file, its other files, or its log
//! output.
//!
//! The console runs what handles secrets, through fleet-core's own use cases, under a
//! trace-level subscriber that writes to a file: `satop init` and `connect` (the CLI, its output
//! captured), then in-process a pairing redeemed by the sandbox's ATM simulator, a pairing
//! redeemed by an ATM whose key the test knows, a cancelled pairing (its token burned), two fee
//! changes signed through the console session and published by the outbox, an online revoke, and
//! a revoke made while the bunker is down that the outbox runs once it is back. Then every byte
//! the app wrote (the database and its WAL, the key file, everything else in the data directory,
//! the log file, the CLI's output) is searched for every secret the test made or saw: the token
//! secrets, the console key and the console session key (hex and nsec), the file store's
//! passphrase and the known ATM's client key; and for secret shapes (any nsec, a pairing URL's
//! `secret=`).
//!
//! The bunker is a separate `satop sandbox` process with its state in `<data>/sandbox/`: it
//! plays nsecbunkerd, whose database holds keys and tokens by design, so it is left out, and its
//! logs are not the app's.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use acceptance::secrets::{find_known, find_shapes, scan_files, sqlite_files, Finding, Secret};
use bunker_client::{BunkerUri, ClientOptions, Sensitive, SignerClient};
use fleet_core::operator_events::FeePolicy;
use fleet_core::outbox::{Delivery, Due};
use fleet_core::revoke::RevokeOutcome;
use fleet_core::secrets::{FileStore, Secrets, CONSOLE, CONSOLE_SESSION};
use fleet_core::{Fleet, DB_FILE};
use fleet_store::MachineState;
use nostr::nips::nip19::ToBech32;
use nostr::{Keys, SecretKey};
use sandbox::AtmSimulator;

use crate::cli::{run, satop, text, SandboxProcess};
use crate::support::contains;

const PASSPHRASE: &str = "correct horse battery staple";
/// Longest wait for the outbox to run the queued revoke once the bunker is back.
const PATIENCE: Duration = Duration::from_secs(60);

/// Every file under `dir` except the sandbox bunker's own state.
fn app_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n == "sandbox") {
            continue;
        }
        if path.is_dir() {
            app_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The secret of a pairing URL (`…&secret=<hex>`).
fn url_secret(url: &str) -> String {
    let secret = BunkerUri::parse(url).unwrap().secret.unwrap();
    secret.expose().clone()
}

fn key_secrets(what: &str, key: &SecretKey) -> [Secret; 2] {
    [
        Secret::new(format!("{what} (hex)"), key.to_secret_hex()),
        Secret::new(format!("{what} (nsec)"), key.to_bech32().unwrap()),
    ]
}

/// A multi-threaded runtime whose every thread (workers and the blocking pool, where the secret
/// store and SQLite calls run) logs to `dispatch`.
fn traced_runtime(dispatch: &tracing::Dispatch) -> tokio::runtime::Runtime {
    let dispatch = dispatch.clone();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(move || {
            // Held for the thread's whole life.
            std::mem::forget(tracing::dispatcher::set_default(&dispatch));
        })
        .build()
        .unwrap()
}

/// What the in-process part made or saw.
struct Seen {
    token_secrets: Vec<String>,
    atm_key: SecretKey,
    console: SecretKey,
    session: SecretKey,
}

#[test]
fn no_secret_reaches_the_cache_the_key_file_or_the_logs_through_pair_burn_fee_revoke_and_the_outbox(
) {
    let data = tempfile::tempdir().unwrap();
    let logs_dir = tempfile::tempdir().unwrap();
    let mut outputs: Vec<(String, Vec<u8>)> = Vec::new();

    // The CLI, logging everything it can.
    let init = run(satop(data.path()).arg("init").env("RUST_LOG", "trace"));
    assert!(init.status.success(), "{}", text(&init.stderr));
    outputs.push((
        "satop init output".into(),
        [init.stdout, init.stderr].concat(),
    ));
    let sandbox = SandboxProcess::start(data.path(), &[]);
    let connect = run(satop(data.path())
        .arg("connect")
        .args(&sandbox.connect_args)
        .env("RUST_LOG", "trace"));
    assert!(connect.status.success(), "{}", text(&connect.stderr));
    outputs.push((
        "satop connect output".into(),
        [connect.stdout, connect.stderr].concat(),
    ));

    // In-process, fleet-core's use cases under a trace subscriber writing to a file.
    let log_path = logs_dir.path().join("app-trace.log");
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(Mutex::new(std::fs::File::create(&log_path).unwrap()))
        .finish();
    let dispatch = tracing::Dispatch::new(subscriber);
    let rt = traced_runtime(&dispatch);
    let opts = ClientOptions::loopback();
    let seen = tracing::dispatcher::with_default(&dispatch, || {
        let secrets = Secrets::new(FileStore::new(
            data.path().join("keys.json"),
            Sensitive::new(PASSPHRASE.to_string()),
        ));
        let fleet = Fleet::open_with(data.path(), secrets, opts).unwrap();
        let mut token_secrets = Vec::new();
        let atm_key = Keys::generate();
        rt.block_on(async {
            // Paired, the sandbox's ATM simulator redeeming.
            let pending = fleet
                .begin_pairing(&acceptance::quick_pairing("Simulated ATM"), |_| {})
                .await
                .unwrap();
            let url = pending.pairing_url().expose().clone();
            token_secrets.push(url_secret(&url));
            let (paired, sim) = tokio::join!(
                pending.wait(std::future::pending(), |_| {}),
                AtmSimulator::redeem(&url, opts)
            );
            paired.unwrap();
            let sim = sim.unwrap();
            sim.sign_21000("withdraw").await.unwrap();

            // Paired, an ATM whose client key the test knows redeeming.
            let pending = fleet
                .begin_pairing(&acceptance::quick_pairing("Known ATM"), |_| {})
                .await
                .unwrap();
            let url = pending.pairing_url().expose().clone();
            token_secrets.push(url_secret(&url));
            let uri = BunkerUri::parse(&url).unwrap();
            let atm = SignerClient::new(atm_key.clone(), &uri.without_secret(), opts)
                .await
                .unwrap();
            let (paired, redeemed) = tokio::join!(
                pending.wait(std::future::pending(), |_| {}),
                atm.connect_resuming(uri.secret.as_ref().unwrap())
            );
            paired.unwrap();
            redeemed.unwrap();
            atm.shutdown().await;

            // Cancelled: the token is burned.
            let pending = fleet
                .begin_pairing(&acceptance::quick_pairing("Cancelled ATM"), |_| {})
                .await
                .unwrap();
            token_secrets.push(url_secret(pending.pairing_url().expose()));
            pending.cancel().await.unwrap();

            // Two fee changes: signed through the console session, published by the outbox.
            for bps in [250, 300] {
                let change = fleet
                    .set_fee(
                        FeePolicy {
                            super_fee_bps: bps,
                            fixed_fee_sats: 0,
                        },
                        |_| {},
                    )
                    .await
                    .unwrap();
                assert_eq!(change.delivery, Some(Delivery::Done), "fee {bps} published");
            }

            // Revoked online.
            let outcome = fleet.revoke("Simulated ATM", |_| {}).await.unwrap();
            assert!(
                matches!(outcome, RevokeOutcome::Revoked { .. }),
                "{outcome:?}"
            );
            sim.shutdown().await;
        });

        // The bunker goes away: the revoke waits in the outbox.
        drop(sandbox);
        let outcome = rt.block_on(fleet.revoke("Known ATM", |_| {})).unwrap();
        assert!(
            matches!(outcome, RevokeOutcome::Pending { .. }),
            "offline revoke waits: {outcome:?}"
        );
        // Back on the same port: the outbox runs it.
        let sandbox = SandboxProcess::start(data.path(), &[]);
        let deadline = Instant::now() + PATIENCE;
        rt.block_on(async {
            loop {
                fleet.run_outbox(Due::Now, |_| {}).await.unwrap();
                if fleet.machine("Known ATM").await.unwrap().state == MachineState::Revoked {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "the queued revoke did not run once the bunker was back"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        drop(sandbox);

        let (console, session) = rt.block_on(async {
            let secrets = fleet.secrets();
            (
                secrets.get(CONSOLE).await.unwrap().unwrap(),
                secrets
                    .get(CONSOLE_SESSION)
                    .await
                    .unwrap()
                    .expect("the fee changes made the console session key"),
            )
        });
        let seen = Seen {
            token_secrets,
            atm_key: atm_key.secret_key().clone(),
            console,
            session,
        };
        // While the cache is open its WAL exists: scan it now, and again once it is closed.
        let wal = PathBuf::from(format!("{}-wal", data.path().join(DB_FILE).display()));
        assert!(wal.exists(), "the open cache has a WAL to scan");
        let found = scan(data.path(), &log_path, &seen, &outputs);
        assert!(
            found.is_empty(),
            "secrets found while the cache is open:\n{}",
            found.join("\n")
        );
        seen
    });
    drop(rt);

    let log = std::fs::read(&log_path).unwrap();
    for what in [
        "fleet_core",
        "begin_pairing",
        "revoke",
        "publish_operator_event",
    ] {
        assert!(
            contains(&log, what),
            "fleet-core ({what}) ran under the trace subscriber:\n{}",
            String::from_utf8_lossy(&log)
        );
    }
    let found = scan(data.path(), &log_path, &seen, &outputs);
    assert!(found.is_empty(), "secrets found:\n{}", found.join("\n"));
}

/// Every file the app wrote and every captured output, searched for every secret in `seen`,
/// the file store's passphrase and secret shapes.
fn scan(data: &Path, log: &Path, seen: &Seen, outputs: &[(String, Vec<u8>)]) -> Vec<String> {
    let mut secrets: Vec<Secret> = seen
        .token_secrets
        .iter()
        .enumerate()
        .map(|(i, s)| Secret::new(format!("token secret {i}"), s.clone()))
        .collect();
    assert_eq!(secrets.len(), 3);
    secrets.extend(key_secrets("console key", &seen.console));
    secrets.extend(key_secrets("console session key", &seen.session));
    secrets.extend(key_secrets("ATM client key", &seen.atm_key));
    secrets.push(Secret::new("file-store passphrase", PASSPHRASE));

    let mut files = sqlite_files(&data.join(DB_FILE));
    files.push(data.join("keys.json"));
    app_files(data, &mut files);
    files.push(log.to_path_buf());
    files.sort();
    files.dedup();
    let mut found: Vec<Finding> = scan_files(&files, &secrets).unwrap();
    for (place, bytes) in outputs {
        found.extend(find_known(place, bytes, &secrets));
        found.extend(find_shapes(place, bytes));
    }
    found.iter().map(ToString::to_string).collect()
}
