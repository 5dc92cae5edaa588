//! No secret ever reaches the app's SQLite cache, its files, or the log output: the console key
//! (hex and nsec) and every token secret this test made are searched for in every byte written.
//!
//! The sandbox bunker's own state file (`<data>/sandbox/`) plays nsecbunkerd's database and
//! config, which hold keys and tokens by design; it is not the app's cache and is left out.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use bunker_client::{AdminClient, AdminConnection, SignerClient};
use fleet_core::secrets::{FileStore, Secrets};
use fleet_core::Fleet;
use nostr::nips::nip19::ToBech32;
use nostr::Keys;

use crate::cli::{run, satop, text, SandboxProcess};
use crate::support::{contains, mint, options};

const PASSPHRASE: &str = "correct horse battery staple";

/// A tracing writer that keeps everything in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn app_files(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n == "sandbox") {
            continue;
        }
        if path.is_dir() {
            app_files(&path, out);
        } else {
            out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
}

#[test]
fn no_secret_reaches_the_sqlite_cache_its_files_or_the_logs() {
    let data = tempfile::tempdir().unwrap();
    let mut logs: Vec<(String, Vec<u8>)> = Vec::new();

    // The CLI, logging everything it can.
    let init = run(satop(data.path()).arg("init").env("RUST_LOG", "trace"));
    assert!(init.status.success());
    logs.push(("init".into(), [init.stdout, init.stderr].concat()));
    let sandbox = SandboxProcess::start(data.path(), &[]);
    let connect = run(satop(data.path()).arg("connect").args(&sandbox.connect_args).env("RUST_LOG", "trace"));
    assert!(connect.status.success(), "{}", text(&connect.stderr));
    logs.push(("connect".into(), [connect.stdout, connect.stderr].concat()));

    // In-process: mint tokens, redeem one, re-probe through fleet-core, with trace logs captured.
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber_for(sink);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (console_secret, token_secrets) = tracing::subscriber::with_default(subscriber, || {
        rt.block_on(async {
            let secrets = Secrets::new(FileStore::new(data.path().join("keys.json"), PASSPHRASE.to_string().into()));
            let fleet = Fleet::open(data.path(), secrets).unwrap();
            let console = fleet.console().await.unwrap();
            let conn = AdminConnection::parse(&sandbox.connect_args[0]).unwrap();
            let admin = AdminClient::connect(console.keys().clone(), &conn, options()).await.unwrap();
            let relay = conn.relays.clone();
            let mut token_secrets = Vec::new();
            for n in 0..3 {
                let (token, uri) = mint(&admin, &format!("satmachine-{n}"), relay.clone()).await;
                token_secrets.push(token.secret_hex().expose().clone());
                if n == 0 {
                    let atm = SignerClient::new(Keys::generate(), &uri, options()).await.unwrap();
                    atm.connect(uri.secret.as_ref()).await.unwrap();
                }
            }
            let req = fleet_core::connect::ConnectRequest {
                connection: sandbox.connect_args[0].clone(),
                key_name: "operator".into(),
                atm_relays: vec![relay[0].to_string()],
                timeout: std::time::Duration::from_secs(5),
            };
            fleet.connect(&req, |_| {}).await.unwrap();
            (console.keys().secret_key().clone(), token_secrets)
        })
    });
    logs.push(("in-process trace".into(), captured.0.lock().unwrap().clone()));
    assert!(logs.iter().any(|(_, l)| !l.is_empty()), "the logs were captured");

    let mut files = Vec::new();
    app_files(data.path(), &mut files);
    assert!(files.iter().any(|(p, _)| p.ends_with("fleet.sqlite3")), "the cache exists: {:?}", files.iter().map(|f| &f.0).collect::<Vec<_>>());

    let mut needles = vec![
        ("console key (hex)".to_string(), console_secret.to_secret_hex()),
        ("console key (nsec)".to_string(), console_secret.to_bech32().unwrap()),
    ];
    needles.extend(token_secrets.iter().enumerate().map(|(i, s)| (format!("token secret {i}"), s.clone())));
    for (what, needle) in &needles {
        for (place, bytes) in files.iter().chain(logs.iter()) {
            assert!(!contains(bytes, needle), "{what} found in {place}");
        }
    }
}

fn tracing_subscriber_for(sink: Captured) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish()
}
