//! A console (fleet) connected to a sandbox bunker whose relay can be stopped and restarted on
//! the same port, and ATMs that pair through the real pairing use case.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use bunker_client::heartbeat::{heartbeat_event, HeartbeatContent, HeartbeatStatus};
use bunker_client::{BunkerUri, ClientOptions, EventTemplate, Sensitive, SignerClient};
use fleet_core::secrets::{FileStore, Secrets};
use fleet_core::Fleet;
use nostr::{Event, Keys, Kind, PublicKey, Timestamp};
use sandbox::{Sandbox, SandboxBunker, SandboxRelay};
use tempfile::TempDir;

pub const KEY: &str = "operator";
pub const PASSPHRASE: &str = "correct horse battery staple";
/// Longest wait for a condition that normally holds within a second.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub fn options() -> ClientOptions {
    ClientOptions::loopback()
}

pub struct Env {
    pub relay: Option<SandboxRelay>,
    pub port: u16,
    pub bunker: SandboxBunker,
    pub fleet: Fleet,
    pub data_dir: TempDir,
    _bunker_dir: TempDir,
}

impl Env {
    /// A console with a file key store (so a `satop` process can open the same data dir), a
    /// sandbox bunker that has it as admin, and `connect` done.
    pub async fn start() -> Self {
        let data_dir = tempfile::tempdir().unwrap();
        let bunker_dir = tempfile::tempdir().unwrap();
        let fleet = open_fleet(data_dir.path());
        let mut cfg = acceptance::sandbox_config(bunker_dir.path().join("bunker.sqlite3"));
        cfg.approval_timeout = Duration::from_millis(300);
        // These journeys take the relay away and bring it back to test our outbox, not the 0.11
        // daemon's deafness after a relay restart (0.11 doc §0.3 item 9): that has its own rows
        // (sandbox V70; fleet-core's "restart the bunker" error). On 0.11 the operator's runbook
        // restarts the bunker after a relay restart; here the double keeps listening instead.
        cfg.deaf_after_relay_drop = Some(false);
        let Sandbox { relay, bunker } = acceptance::connected_sandbox(&fleet, cfg).await.unwrap();
        Self {
            port: relay.port(),
            relay: Some(relay),
            bunker,
            fleet,
            data_dir,
            _bunker_dir: bunker_dir,
        }
    }

    pub fn operator(&self) -> PublicKey {
        self.bunker.key_pubkey(KEY).unwrap()
    }

    /// The relay goes away: nobody can reach the bunker.
    pub async fn relay_down(&mut self) {
        self.relay.take().expect("the relay is up").stop().await;
    }

    /// The relay comes back on the same port.
    pub async fn relay_up(&mut self) {
        assert!(self.relay.is_none(), "the relay is down");
        self.relay = Some(SandboxRelay::start(Some(self.port)).await.unwrap());
    }

    /// Pairs `name` through the pairing use case with a fresh ATM key; returns the ATM session.
    pub async fn pair(&self, name: &str) -> Atm {
        pair_with(&self.fleet, name).await
    }

    /// Publishes on the env's relay a heartbeat signed by `keys`, naming `operator`, sent at `at`
    /// (unix seconds), as `satmachine-atm heartbeat` would.
    pub async fn heartbeat(&self, keys: &Keys, operator: &PublicKey, at: i64) {
        let content = HeartbeatContent {
            v: 1,
            software: "satmachine-atm 0.1.0".into(),
            status: HeartbeatStatus::Ok,
            interval_secs: Some(300),
        };
        let at = Timestamp::from(u64::try_from(at).unwrap());
        let event = heartbeat_event(keys, operator, &content, at).unwrap();
        let client = nostr_sdk::Client::default();
        client
            .add_relay(self.relay.as_ref().unwrap().url())
            .await
            .unwrap();
        client.connect().await;
        let sent = tokio::time::timeout(PATIENCE, client.send_event(&event))
            .await
            .unwrap()
            .unwrap();
        assert!(!sent.success.is_empty(), "the relay accepted the heartbeat");
        client.shutdown().await;
    }

    pub async fn admin(&self) -> bunker_client::AdminClient {
        self.fleet.admin_session().await.unwrap().0
    }
}

pub fn open_fleet(dir: &Path) -> Fleet {
    let store = FileStore::new(
        dir.join("keys.json"),
        Sensitive::new(PASSPHRASE.to_string()),
    );
    Fleet::open_with(dir, Secrets::new(store), options()).unwrap()
}

pub async fn pair_with(fleet: &Fleet, name: &str) -> Atm {
    let pending = fleet
        .begin_pairing(&acceptance::quick_pairing(name), |_| {})
        .await
        .unwrap();
    let url = pending.pairing_url().expose().clone();
    let atm = Atm::redeem(&url).await;
    pending.wait(std::future::pending(), |_| {}).await.unwrap();
    atm
}

/// An ATM session: one fresh client key per pairing.
pub struct Atm {
    pub keys: Keys,
    pub signer: SignerClient,
}

impl Atm {
    pub async fn redeem(url: &str) -> Self {
        let keys = Keys::generate();
        let uri = BunkerUri::parse(url).unwrap();
        let signer = SignerClient::new(keys.clone(), &uri.without_secret(), options())
            .await
            .unwrap();
        signer
            .connect_resuming(uri.secret.as_ref().unwrap())
            .await
            .unwrap();
        Self { keys, signer }
    }

    pub async fn sign(&self) -> bunker_client::Result<Event> {
        self.signer
            .sign_event(EventTemplate {
                kind: Kind::from(21000),
                content: "withdraw".into(),
                tags: vec![],
                created_at: Timestamp::now(),
            })
            .await
    }
}

/// Polls `check` until it returns `Some`, or fails after [`PATIENCE`].
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Whether an error is the bunker's "Not authorized".
pub fn not_authorized(e: &bunker_client::Error) -> bool {
    matches!(
        e,
        bunker_client::Error::Refused(bunker_client::Refusal::NotAuthorized)
    )
}
