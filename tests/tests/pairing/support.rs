//! A fleet (operator console) connected to a loopback sandbox bunker, and an ATM built on
//! `bunker_client::SignerClient`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bunker_client::{BunkerUri, ClientOptions, EventTemplate, Sensitive, SignerClient};
use fleet_core::pairing::{MachineChoice, PairRequest};
use fleet_core::secrets::Secrets;
use fleet_core::Fleet;
use nostr::{Event, Keys, Kind, PublicKey, Timestamp};
use sandbox::{EncryptionMode, Sandbox};
use tempfile::TempDir;

pub const KEY: &str = "operator";

/// Bounded waits everywhere; short NIP-44 probe so connecting to a NIP-04 bunker is quick.
pub fn options() -> ClientOptions {
    ClientOptions::loopback()
}

pub struct Env {
    pub sandbox: Sandbox,
    pub fleet: Option<Fleet>,
    pub data_dir: TempDir,
    pub scratch: TempDir,
    _bunker_dir: TempDir,
}

impl Env {
    /// A fresh console, a sandbox bunker that has it as admin (approval timeout 300 ms, so
    /// out-of-policy requests end quickly), and `connect` done.
    pub async fn start(mode: EncryptionMode) -> Self {
        let data_dir = tempfile::tempdir().unwrap();
        let bunker_dir = tempfile::tempdir().unwrap();
        let fleet = Fleet::open_with(data_dir.path(), Secrets::memory(), options()).unwrap();
        let mut cfg = acceptance::sandbox_config(bunker_dir.path().join("bunker.sqlite3"));
        cfg.encryption = mode;
        cfg.approval_timeout = Duration::from_millis(300);
        let sandbox = acceptance::connected_sandbox(&fleet, cfg).await.unwrap();
        Self {
            sandbox,
            fleet: Some(fleet),
            data_dir,
            scratch: tempfile::tempdir().unwrap(),
            _bunker_dir: bunker_dir,
        }
    }

    pub fn fleet(&self) -> &Fleet {
        self.fleet.as_ref().expect("the fleet is open")
    }

    pub fn operator(&self) -> PublicKey {
        self.sandbox.bunker.key_pubkey(KEY).unwrap()
    }

    pub fn scratch_file(&self, name: &str) -> PathBuf {
        self.scratch.path().join(name)
    }

    pub fn assert_alive(&self) {
        assert!(
            !self.sandbox.bunker.is_dead(),
            "the bunker died: something sent it NIP-44 on a key pubkey"
        );
    }

    /// The fleet database and its WAL, as bytes, for the secret scan.
    pub fn database_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for name in [
            fleet_core::DB_FILE.to_string(),
            format!("{}-wal", fleet_core::DB_FILE),
        ] {
            if let Ok(b) = std::fs::read(self.data_dir.path().join(name)) {
                bytes.extend(b);
            }
        }
        assert!(!bytes.is_empty(), "the fleet database exists");
        bytes
    }
}

/// A pairing request with a fast poll, so tests don't wait a second per check.
pub fn request(machine: &str) -> PairRequest {
    let mut req = PairRequest::new(MachineChoice::PickOrCreate {
        name: machine.into(),
        site: Some("test bench".into()),
    });
    req.poll_every = Duration::from_millis(50);
    req
}

/// The secret of a pairing URL.
pub fn secret_of(url: &str) -> String {
    BunkerUri::parse(url)
        .unwrap()
        .secret
        .unwrap()
        .expose()
        .clone()
}

/// An ATM: one fresh client key per pairing (protocol §4.2 item 1).
pub struct Atm {
    pub keys: Keys,
}

impl Atm {
    pub fn new() -> Self {
        Self {
            keys: Keys::generate(),
        }
    }

    /// Redeems the pairing URL (NIP-04, as a stock bunker needs) and returns the session.
    pub async fn redeem(&self, url: &str) -> bunker_client::Result<SignerClient> {
        let uri = BunkerUri::parse(url)?;
        let signer = SignerClient::new(self.keys.clone(), &uri, options()).await?;
        let secret = uri
            .secret
            .as_ref()
            .map(Sensitive::clone_secret)
            .expect("a pairing URL has a secret");
        signer.connect_resuming(&secret).await?;
        Ok(signer)
    }

    /// One plain `connect` with the URL's secret, no lost-ack recovery: what a second ATM (or a
    /// thief) holding the same URL gets.
    pub async fn connect_once(&self, url: &str) -> bunker_client::Result<()> {
        let uri = BunkerUri::parse(url)?;
        let signer = SignerClient::new(self.keys.clone(), &uri, options()).await?;
        let result = signer.connect(uri.secret.as_ref()).await;
        signer.shutdown().await;
        result
    }

    /// A session from the stored, secret-less URL: the ATM's daily path after a restart.
    pub async fn resume(&self, url: &str) -> SignerClient {
        let uri = BunkerUri::parse(url).unwrap().without_secret();
        SignerClient::new(self.keys.clone(), &uri, options())
            .await
            .unwrap()
    }
}

pub async fn sign(signer: &SignerClient, kind: u16, content: &str) -> bunker_client::Result<Event> {
    signer
        .sign_event(EventTemplate {
            kind: Kind::from(kind),
            content: content.into(),
            tags: vec![],
            created_at: Timestamp::now(),
        })
        .await
}

/// tests/interop with node_modules installed, or a failure saying how to get there.
pub fn interop_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("interop");
    assert!(
        dir.join("node_modules/nostr-tools").exists(),
        "nostr-tools is not installed: run `npm ci` in {}",
        dir.display()
    );
    dir
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    String::from_utf8_lossy(haystack)
        .to_lowercase()
        .contains(&needle.to_lowercase())
}
