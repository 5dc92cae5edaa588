//! "The phone": rust-nostr's `NostrConnectRemoteSigner` holding the admin key, on its own
//! thread and runtime so it can stall (a person thinking) or vanish (the phone goes offline)
//! without touching the console's runtime. And a console whose admin key lives in it.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bunker_client::{ClientOptions, Sensitive};
use fleet_core::connect::ConnectRequest;
use fleet_core::secrets::{FileStore, Secrets};
use fleet_core::Fleet;
use nostr::nips::nip46::{NostrConnectRequest, NostrConnectURI};
use nostr::{Keys, PublicKey, RelayUrl};
use nostr_connect::prelude::{
    NostrConnect, NostrConnectKeys, NostrConnectRemoteSigner, NostrConnectSignerActions,
    NostrSigner,
};
use sandbox::Sandbox;
use tempfile::TempDir;
use tokio::sync::oneshot;

pub const KEY: &str = "operator";
pub const PASSPHRASE: &str = "correct horse battery staple";

/// What the person holding the phone does.
#[derive(Default)]
pub struct Person {
    /// Milliseconds to think before each answer.
    pub delay_ms: AtomicU64,
    /// A method (`sign_event`, `nip44_encrypt`, …) the person refuses.
    pub refuses: Mutex<Option<String>>,
    /// Every method asked, in order.
    pub asked: Mutex<Vec<String>>,
}

struct Actions(Arc<Person>);

impl NostrConnectSignerActions for Actions {
    fn approve(&self, _client: &PublicKey, req: &NostrConnectRequest) -> bool {
        let method = req.method().to_string();
        self.0.asked.lock().unwrap().push(method.clone());
        let delay = self.0.delay_ms.load(Ordering::Relaxed);
        if delay > 0 {
            // The phone's own thread: a person thinking blocks nothing else.
            std::thread::sleep(Duration::from_millis(delay));
        }
        self.0.refuses.lock().unwrap().as_deref() != Some(method.as_str())
    }
}

/// A phone signer: `user` is the admin key (it never leaves the phone), `signer` its NIP-46
/// key.
pub struct Phone {
    pub user: Keys,
    pub signer: Keys,
    pub secret: String,
    pub relay: RelayUrl,
    pub person: Arc<Person>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Phone {
    /// A phone that shows a `bunker://` URL; set its relay, then [`Phone::start`] it.
    pub fn new() -> Self {
        let bytes: [u8; 12] = nostr::secp256k1::rand::random();
        Self {
            user: Keys::generate(),
            signer: Keys::generate(),
            secret: bytes.iter().map(|b| format!("{b:02x}")).collect(),
            relay: RelayUrl::parse("ws://127.0.0.1:1").unwrap(),
            person: Arc::default(),
            stop: None,
            thread: None,
        }
    }

    /// The URL the phone app shows for "connect an app".
    pub fn bunker_url(&self) -> String {
        format!(
            "bunker://{}?relay={}&secret={}",
            self.signer.public_key().to_hex(),
            self.relay.as_str_without_trailing_slash(),
            self.secret
        )
    }

    fn keys(&self) -> NostrConnectKeys {
        NostrConnectKeys {
            signer: self.signer.clone(),
            user: self.user.clone(),
        }
    }

    /// Serves the `bunker://` URL, and returns once it answers.
    pub async fn start(&mut self) {
        let remote = NostrConnectRemoteSigner::new(
            self.keys(),
            [self.relay.clone()],
            Some(self.secret.clone()),
            None,
        )
        .unwrap();
        self.serve(remote);
        self.wait_ready().await;
    }

    /// Scans a `nostrconnect://` URL (as a phone does from the QR) and serves it.
    pub fn scan(&mut self, url: &str) {
        let uri = NostrConnectURI::parse(url).unwrap();
        let secret = url
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix("secret="))
            .expect("the nostrconnect URL has a secret")
            .to_owned();
        self.secret = secret.clone();
        let remote =
            NostrConnectRemoteSigner::from_uri(uri, self.keys(), Some(secret), None).unwrap();
        self.serve(remote);
    }

    fn serve(&mut self, remote: NostrConnectRemoteSigner) {
        let (tx, rx) = oneshot::channel();
        let actions = Actions(Arc::clone(&self.person));
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                tokio::select! {
                    _ = remote.serve(actions) => {}
                    _ = rx => {}
                }
            });
            // Dropping the runtime drops the phone's relay connections: it is offline.
        });
        self.stop = Some(tx);
        self.thread = Some(thread);
    }

    /// Waits until the phone answers a throwaway app, then forgets what that app asked.
    async fn wait_ready(&self) {
        let uri = NostrConnectURI::parse(self.bunker_url()).unwrap();
        for _ in 0..50 {
            let probe = NostrConnect::new(
                uri.clone(),
                Keys::generate(),
                Duration::from_millis(400),
                None,
            )
            .unwrap();
            let answered = probe.get_public_key().await.is_ok();
            probe.shutdown().await;
            if answered {
                self.person.asked.lock().unwrap().clear();
                return;
            }
        }
        panic!("the phone signer never answered");
    }

    /// The phone goes offline: its relay connections close.
    pub fn go_offline(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }

    /// How many requests the phone was asked since it started.
    pub fn asked(&self) -> Vec<String> {
        self.person.asked.lock().unwrap().clone()
    }
}

impl Drop for Phone {
    fn drop(&mut self) {
        self.go_offline();
    }
}

/// A console (file secret store in its data dir, so the store can be searched) and a sandbox
/// bunker whose only admin is `admin`.
pub struct Console {
    pub fleet: Fleet,
    pub data: TempDir,
    pub sandbox: Sandbox,
    _bunker: TempDir,
}

pub fn secrets_in(dir: &Path) -> Secrets {
    // A low scrypt cost: the test is about where keys are, not how hard the file is to crack.
    Secrets::new(FileStore::with_log_n(
        dir.join("keys.json"),
        Sensitive::new(PASSPHRASE.to_owned()),
        4,
    ))
}

impl Console {
    /// A sandbox (this run's flavour) with `admin` in `admin.npubs`, and a fleet with no key.
    pub async fn start(admin: PublicKey) -> Self {
        Self::start_on(admin, acceptance::flavour()).await
    }

    /// As [`Console::start`], on the `flavour` line.
    pub async fn start_on(admin: PublicKey, flavour: sandbox::Flavour) -> Self {
        Self::start_with(vec![admin], flavour).await
    }

    /// As [`Console::start_on`], with several admins.
    pub async fn start_with(admins: Vec<PublicKey>, flavour: sandbox::Flavour) -> Self {
        let data = tempfile::tempdir().unwrap();
        let bunker = tempfile::tempdir().unwrap();
        let mut cfg = acceptance::sandbox_config(bunker.path().join("bunker.sqlite3"));
        cfg.flavour = flavour;
        cfg.admin_npubs = admins;
        cfg.approval_timeout = Duration::from_millis(300);
        let sandbox = Sandbox::start(cfg).await.unwrap();
        let fleet = Fleet::open_with(
            data.path(),
            secrets_in(data.path()),
            ClientOptions::loopback(),
        )
        .unwrap();
        Self {
            fleet,
            data,
            sandbox,
            _bunker: bunker,
        }
    }

    pub fn relay(&self) -> RelayUrl {
        self.sandbox.relay.url()
    }

    /// `satop connect` against the sandbox.
    pub async fn connect(&self) -> fleet_core::Result<fleet_core::connect::Capabilities> {
        let req = ConnectRequest {
            connection: self.sandbox.bunker.admin_connection_string(),
            key_name: KEY.into(),
            atm_relays: vec![self.sandbox.relay.url().to_string()],
            timeout: Duration::from_secs(5),
        };
        self.fleet.connect(&req, |_| {}).await
    }

    pub fn operator(&self) -> PublicKey {
        self.sandbox.bunker.key_pubkey(KEY).unwrap()
    }
}

/// Every file in `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}
