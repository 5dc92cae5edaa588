//! A sandbox bunker on loopback with this test's console as admin, and small helpers.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bunker_client::{
    AdminClient, AdminConnection, BunkerUri, ClientOptions, KeyToken, NewPolicy, PolicyRule,
};
use nostr::{Keys, PublicKey};
use sandbox::{EncryptionMode, Flavour, PingReply, Sandbox};
use tempfile::TempDir;

pub const KEY: &str = "operator";

/// Short timeouts: every test call that waits on the bunker is bounded.
pub fn options() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(5),
        ..ClientOptions::default()
    }
}

pub struct Bunker {
    pub sandbox: Sandbox,
    pub console: Keys,
    _dir: TempDir,
}

impl Bunker {
    pub async fn start(mode: EncryptionMode) -> Self {
        Self::start_with(mode, PingReply::Ok).await
    }

    pub async fn start_with(mode: EncryptionMode, ping: PingReply) -> Self {
        Self::start_in(acceptance::flavour(), mode, ping).await
    }

    /// A stock nsecbunkerd 0.10 double whatever flavour the run tests: for the rows of
    /// protocol/nsecbunkerd.md §6.3 that are about 0.10 itself (its `ok`, its NIP-44 crash).
    pub async fn stock(mode: EncryptionMode, ping: PingReply) -> Self {
        Self::start_in(Flavour::V0_10, mode, ping).await
    }

    async fn start_in(flavour: Flavour, mode: EncryptionMode, ping: PingReply) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let console = Keys::generate();
        let mut cfg = acceptance::sandbox_config(dir.path().join("bunker.sqlite3"));
        cfg.flavour = flavour;
        cfg.admin_npubs = vec![console.public_key()];
        cfg.encryption = mode;
        cfg.ping_reply = ping;
        cfg.approval_timeout = Duration::from_millis(300);
        let sandbox = Sandbox::start(cfg).await.unwrap();
        Self {
            sandbox,
            console,
            _dir: dir,
        }
    }

    pub fn connection(&self) -> AdminConnection {
        AdminConnection::parse(&self.sandbox.bunker.admin_connection_string()).unwrap()
    }

    pub async fn admin(&self) -> AdminClient {
        AdminClient::connect(self.console.clone(), &self.connection(), options())
            .await
            .unwrap()
    }

    pub fn operator(&self) -> PublicKey {
        self.sandbox.bunker.key_pubkey(KEY).unwrap()
    }

    pub fn assert_alive(&self) {
        assert!(
            !self.sandbox.bunker.is_dead(),
            "the bunker died: something sent NIP-44 to a key pubkey of a NIP-04-only bunker"
        );
    }
}

/// Ensures the ATM policy, mints a token for `client_name` and reads it back: protocol §4.1.
pub async fn mint(
    admin: &AdminClient,
    client_name: &str,
    relays: Vec<nostr::RelayUrl>,
) -> (KeyToken, BunkerUri) {
    let policy_id = atm_policy(admin).await;
    admin
        .create_new_token(KEY, client_name, policy_id, Some(1))
        .await
        .unwrap();
    let token = admin
        .get_key_tokens(KEY)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.client_name == client_name && !t.is_redeemed())
        .max_by_key(|t| t.id)
        .expect("the token just minted is listed");
    let uri = token.pairing_uri(relays).unwrap();
    (token, uri)
}

pub async fn atm_policy(admin: &AdminClient) -> u64 {
    let find = |ps: Vec<bunker_client::Policy>| {
        ps.into_iter()
            .filter(|p| p.name == "satmachine-21000")
            .map(|p| p.id)
            .max()
    };
    if let Some(id) = find(admin.get_policies().await.unwrap()) {
        return id;
    }
    admin
        .create_new_policy(&NewPolicy {
            name: "satmachine-21000".into(),
            rules: vec![PolicyRule::sign_event(21000)],
        })
        .await
        .unwrap();
    find(admin.get_policies().await.unwrap()).unwrap()
}

/// A built workspace binary (cargo builds every workspace binary before running `--workspace` tests).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo build --workspace --locked --bins` first",
        path.display()
    );
    path
}

/// tests/interop with node_modules installed, or a failure that says how to get there.
pub fn interop_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("interop");
    assert!(
        dir.join("node_modules/nostr-tools").exists(),
        "nostr-tools is not installed: run `npm ci` in {} (scripts/test-all.sh does)",
        dir.display()
    );
    dir
}

/// Every occurrence of `needle` (case-insensitive for hex) in `haystack`.
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    let hay = String::from_utf8_lossy(haystack).to_lowercase();
    hay.contains(&needle.to_lowercase())
}

pub fn npub(pk: &PublicKey) -> String {
    fleet_core::connect::npub(pk)
}
