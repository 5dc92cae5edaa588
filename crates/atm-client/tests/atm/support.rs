//! A sandbox per test, an admin client that mints pairing tokens, and helpers.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use bunker_client::{AdminClient, AdminConnection, ClientOptions, NewPolicy, PolicyRule};
use image::{GrayImage, Luma};
use nostr::{Keys, PublicKey};
use qrcode::{EcLevel, QrCode};
use sandbox::{Sandbox, SandboxConfig};
use tempfile::TempDir;

pub const KEY_NAME: &str = "operator";

/// Timeouts for a loaded 2-core box; nothing waits for them unless something is broken.
pub fn opts() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        ..ClientOptions::default()
    }
}

pub fn pair_opts() -> atm_client::PairOptions {
    atm_client::PairOptions {
        replace: false,
        client: opts(),
    }
}

/// The nsecbunkerd line these journeys run against: `SANDBOX_FLAVOUR=0.10` (default) or `0.11`;
/// the README's test command runs them once with each.
pub fn flavour() -> sandbox::Flavour {
    sandbox::Flavour::from_env().unwrap_or_else(|e| panic!("SANDBOX_FLAVOUR: {e}"))
}

pub struct World {
    pub dir: TempDir,
    pub sandbox: Sandbox,
    pub admin: AdminClient,
    pub policy_id: u64,
}

impl World {
    /// A sandbox whose undecided requests (e.g. kind 1 from an ATM) fail after 300 ms.
    pub async fn start() -> Self {
        Self::start_with_approval(Duration::from_millis(300)).await
    }

    /// A sandbox whose undecided requests wait `approval` for an admin, as nsecbunkerd does.
    pub async fn start_with_approval(approval: Duration) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let console = Keys::generate();
        let mut cfg = SandboxConfig::new(dir.path().join("bunker.sqlite"));
        cfg.flavour = flavour();
        cfg.admin_npubs.push(console.public_key());
        cfg.approval_timeout = approval;
        // The warm-path journeys restart the relay to test the ATM's reconnection, not the 0.11
        // daemon's deafness after a relay restart (0.11 doc §0.3 item 9; sandbox row V70).
        cfg.deaf_after_relay_drop = Some(false);
        let sandbox = Sandbox::start(cfg).await.unwrap();
        let conn = AdminConnection::parse(&sandbox.bunker.admin_connection_string()).unwrap();
        let admin = AdminClient::connect(console, &conn, opts()).await.unwrap();
        admin.detect_line().await.unwrap();
        let name = "satmachine-21000";
        admin
            .create_new_policy(&NewPolicy {
                name: name.into(),
                rules: vec![PolicyRule::sign_event(21000)],
            })
            .await
            .unwrap();
        let policy_id = admin
            .get_policies()
            .await
            .unwrap()
            .into_iter()
            .filter(|p| p.name == name)
            .map(|p| p.id)
            .max()
            .expect("the policy just created is listed");
        Self {
            dir,
            sandbox,
            admin,
            policy_id,
        }
    }

    /// Mints a token for `client_name` and returns its pairing URL (with the secret).
    pub async fn mint(&self, client_name: &str) -> String {
        self.admin
            .create_new_token(KEY_NAME, client_name, self.policy_id, Some(1))
            .await
            .unwrap();
        let token = self
            .admin
            .get_key_tokens(KEY_NAME)
            .await
            .unwrap()
            .into_iter()
            .filter(|t| t.client_name == client_name && !t.is_redeemed())
            .max_by_key(|t| t.id)
            .expect("the token just created is listed");
        token
            .pairing_uri(vec![self.sandbox.relay.url()])
            .unwrap()
            .to_url_string()
    }

    pub fn operator(&self) -> PublicKey {
        self.sandbox.bunker.key_pubkey(KEY_NAME).unwrap()
    }

    /// A state directory that does not exist yet.
    pub fn state_dir(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Client pubkeys the bunker has a KeyUser for, with their revocation state.
    pub async fn key_users(&self) -> Vec<(String, bool)> {
        self.admin
            .get_key_users(KEY_NAME)
            .await
            .unwrap()
            .into_iter()
            .map(|u| (u.pubkey.to_hex(), u.is_revoked()))
            .collect()
    }

    /// Revokes every client of the operator key, as `satop revoke` does.
    pub async fn revoke_all(&self) {
        for user in self.admin.get_key_users(KEY_NAME).await.unwrap() {
            self.admin.revoke_user(user.id).await.unwrap();
        }
    }

    /// Pairs a fresh state directory `name` and returns it.
    pub async fn paired(&self, name: &str) -> PathBuf {
        let dir = self.state_dir(name);
        atm_client::pair(
            &dir,
            &self.mint(&format!("satmachine-{name}")).await,
            &pair_opts(),
        )
        .await
        .unwrap();
        dir
    }

    pub async fn stop(self) {
        self.admin.shutdown().await;
        self.sandbox.shutdown().await;
    }
}

/// The 64-hex secret of a pairing URL.
pub fn secret_of(url: &str) -> String {
    let secret = url.rsplit_once("secret=").unwrap().1;
    assert_eq!(secret.len(), 64, "sandbox secrets are 64 hex");
    secret.to_owned()
}

/// Every file under `dir`, recursively, with its bytes.
pub fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.push((path, bytes));
            }
        }
    }
    out
}

/// Names of the files directly in `dir`, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Writes `text` as a black-on-white QR PNG (4-module quiet zone, 6 px per module).
pub fn qr_png(text: &str, path: &Path) {
    let code = QrCode::with_error_correction_level(text, EcLevel::M).unwrap();
    let width = code.width() as u32;
    let colors = code.to_colors();
    let scale = 6;
    let side = (width + 8) * scale;
    let img = GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = ((x / scale).wrapping_sub(4), (y / scale).wrapping_sub(4));
        let dark =
            mx < width && my < width && colors[(my * width + mx) as usize] == qrcode::Color::Dark;
        Luma([if dark { 0 } else { 255 }])
    });
    img.save_with_format(path, image::ImageFormat::Png).unwrap();
}
