//! NDK's NIP-46 backend (npm, pinned in tests/interop) as the phone: a signer nobody on this
//! team wrote, in another language, so the console's NIP-46 client (rust-nostr's
//! `NostrConnect`) is not only tested against its own crate's signer.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bunker_client::Sensitive;
use nostr::nips::nip19::ToBech32;
use nostr::nips::nip46::NostrConnectURI;
use nostr::Keys;
use nostr_connect::prelude::{NostrConnect, NostrSigner};

use crate::journey::{assert_no_key_here, fleet_journey};
use crate::support::Console;

/// `node ndk-remote-signer.mjs`, killed on drop.
struct NdkPhone {
    child: Child,
    url: String,
}

impl NdkPhone {
    fn start(relay: &str, user: &Keys, secret: &str) -> Self {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("interop");
        assert!(
            dir.join("node_modules/@nostr-dev-kit/ndk").exists(),
            "NDK is not installed: run `npm ci` in {}",
            dir.display()
        );
        let mut child = Command::new("node")
            .arg(dir.join("ndk-remote-signer.mjs"))
            .args([relay, &user.secret_key().to_secret_hex(), secret])
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node is installed");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("bunker://"), "NDK printed {line:?}");
        Self {
            child,
            url: line.trim().to_owned(),
        }
    }

    /// Returns once NDK answers a throwaway app (its subscription is live at the relay).
    async fn wait_ready(&self) {
        let uri = NostrConnectURI::parse(&self.url).unwrap();
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
                return;
            }
        }
        panic!("NDK's signer never answered");
    }
}

impl Drop for NdkPhone {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ndk_nip46_backend_as_the_phone_administers_pairing_revoke_and_fees() {
    let user = Keys::generate();
    let console = Console::start(user.public_key()).await;
    let secret = "ndk-phone-7f3a9c21";
    let phone = NdkPhone::start(
        console.relay().as_str_without_trailing_slash(),
        &user,
        secret,
    );
    phone.wait_ready().await;

    let setup = console
        .fleet
        .use_remote_signer(&Sensitive::new(phone.url.clone()))
        .await
        .unwrap();
    assert_eq!(setup.admin_npub, user.public_key().to_bech32().unwrap());
    console.connect().await.unwrap();
    fleet_journey(&console).await;
    assert_no_key_here(&console, &user, None, secret).await;
}
