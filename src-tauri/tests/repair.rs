//! The Pair wizard on a machine that already has an ATM key renews it: the new ATM signs, and
//! the old key is revoked on the bunker once the new one is redeemed (not left able to sign).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use bunker_client::{ClientOptions, Refusal};
use fleet_core::connect::ConnectRequest;
use fleet_core::pairing::{MachineChoice, PairRequest};
use fleet_core::secrets::{MemoryStore, Secrets};
use fleet_core::Fleet;
use sandbox::{AtmSimulator, Sandbox, SandboxConfig};
use satmachine_operator::on_screen::OnScreen;

const KEY: &str = "operator";

fn options() -> ClientOptions {
    ClientOptions::loopback()
}

fn request(name: &str) -> PairRequest {
    let mut req = PairRequest::new(MachineChoice::PickOrCreate {
        name: name.into(),
        site: None,
    });
    req.poll_every = Duration::from_millis(20);
    req
}

/// Shows the code, has a fresh ATM redeem it, waits for the app's side to finish.
async fn pair(
    fleet: &Fleet,
    name: &str,
) -> (AtmSimulator, satmachine_operator::dto::PairedView, bool) {
    let on_screen = OnScreen::begin(fleet, name, request(name)).await.unwrap();
    let renewal = matches!(on_screen, OnScreen::Repair(_));
    let url = on_screen.pairing().pairing_url().expose().clone();
    let atm = AtmSimulator::redeem(&url, options()).await.unwrap();
    let paired = on_screen
        .wait(std::future::pending(), |_| {})
        .await
        .unwrap();
    (atm, paired, renewal)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_pairing_a_paired_machine_from_the_wizard_revokes_its_old_atm_key() {
    let data = tempfile::tempdir().unwrap();
    let bunker_dir = tempfile::tempdir().unwrap();
    let fleet =
        Fleet::open_with(data.path(), Secrets::new(MemoryStore::default()), options()).unwrap();
    let (console, _) = fleet.init_console().await.unwrap();
    let mut cfg = SandboxConfig::new(bunker_dir.path().join("bunker.sqlite3"));
    cfg.admin_npubs = vec![console.public_key()];
    let Sandbox { relay, bunker } = Sandbox::start(cfg).await.unwrap();
    let connect = ConnectRequest {
        connection: bunker.admin_connection_string(),
        key_name: KEY.into(),
        atm_relays: vec![relay.url().to_string()],
        timeout: Duration::from_secs(5),
    };
    fleet.connect(&connect, |_| {}).await.unwrap();

    let (old_atm, first, renewal) = pair(&fleet, "Lobby ATM").await;
    assert!(!renewal, "a new machine is paired, not renewed");
    assert!(first.old_key.is_none());
    old_atm.sign_21000("before").await.unwrap();

    let (new_atm, second, renewal) = pair(&fleet, "Lobby ATM").await;
    assert!(renewal, "a paired machine is renewed");
    assert_ne!(second.fingerprint, first.fingerprint, "a new ATM key");
    let old = second.old_key.expect("the renewal reports the old key");
    assert_eq!(old.status, "revoked", "{:?}", old.reason);

    new_atm.sign_21000("after").await.unwrap();
    let refused = old_atm.sign_21000("old key").await.unwrap_err();
    assert!(
        matches!(
            refused,
            bunker_client::Error::Refused(Refusal::NotAuthorized)
        ),
        "the old key is refused: {refused:?}"
    );
    let machine = fleet.machine("Lobby ATM").await.unwrap();
    assert_eq!(machine.state.as_str(), "active");
    assert_eq!(
        machine.atm_client_pubkey.as_deref(),
        Some(new_atm.client_public_key().to_hex().as_str())
    );
}
