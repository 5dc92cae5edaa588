//! Init via `bunker://` and via `nostrconnect://`, then the whole fleet journey.

use std::time::Duration;

use acceptance::secrets::{find_known, find_shapes, Secret};
use bunker_client::{ClientOptions, Sensitive};
use fleet_core::admin_key::{AdminKeyHome, SIGNER_CLIENT, SIGNER_SECRET};
use fleet_core::migration::{CheckId, CheckOptions, CheckStatus};
use fleet_core::operator_events::FeePolicy;
use fleet_core::outbox::Delivery;
use fleet_core::revoke::RevokeOutcome;
use fleet_core::secrets::{CONSOLE, CONSOLE_SESSION};
use fleet_store::MachineState;
use nostr::nips::nip19::ToBech32;
use sandbox::AtmSimulator;

use crate::support::{files_under, Console, Phone};

/// Pair, let the ATM sign, revoke, publish a fee policy: the admin parts through the phone.
pub async fn fleet_journey(console: &Console) {
    let fleet = &console.fleet;
    let before = fleet.admin_signer().await.unwrap().calls();
    let pending = fleet
        .begin_pairing(&acceptance::quick_pairing("Lobby ATM"), |_| {})
        .await
        .unwrap();
    let url = pending.pairing_url().expose().clone();
    let (paired, atm) = tokio::join!(
        pending.wait(std::future::pending(), |_| {}),
        AtmSimulator::redeem(&url, ClientOptions::loopback())
    );
    let (paired, atm) = (paired.unwrap(), atm.unwrap());
    let event = atm.sign_21000("withdraw 21000 sats").await.unwrap();
    event.verify().unwrap();
    assert_eq!(
        event.pubkey,
        console.operator(),
        "the ATM signs as the operator"
    );
    assert_eq!(
        fleet.machine("Lobby ATM").await.unwrap().state,
        MachineState::Active
    );
    assert!(paired.bunker_connection_id > 0);
    let pairing_calls = fleet.admin_signer().await.unwrap().calls() - before;
    assert!(
        pairing_calls > 0,
        "the pairing's admin requests went through the phone"
    );
    let outcome = fleet.revoke("Lobby ATM", |_| {}).await.unwrap();
    assert!(
        matches!(outcome, RevokeOutcome::Revoked { .. }),
        "{outcome:?}"
    );
    assert!(
        atm.sign_21000("after revoke").await.is_err(),
        "the bunker refuses the revoked ATM"
    );
    atm.shutdown().await;

    let change = fleet
        .set_fee(
            FeePolicy {
                super_fee_bps: 250,
                fixed_fee_sats: 0,
            },
            |_| {},
        )
        .await
        .unwrap();
    assert_eq!(
        change.delivery,
        Some(Delivery::Done),
        "the fee policy is published"
    );
    assert!(!console.sandbox.bunker.is_dead(), "the bunker is alive");
}

/// Nothing that can administer the bunker is on the console's disk: the phone's admin key is
/// in no file of the data dir (the cache, its WAL, the key file) and in no secret-store entry;
/// the connection secret is in no file as text either.
pub async fn assert_no_admin_key_here(console: &Console, phone: &Phone) {
    assert_no_key_here(console, &phone.user, Some(&phone.signer), &phone.secret).await;
}

/// As [`assert_no_admin_key_here`], for any signer's admin key, NIP-46 key and secret.
pub async fn assert_no_key_here(
    console: &Console,
    user: &nostr::Keys,
    signer: Option<&nostr::Keys>,
    connection_secret: &str,
) {
    let admin = user.secret_key();
    let mut secrets = vec![
        Secret::new("the admin key (hex)", admin.to_secret_hex()),
        Secret::new("the admin key (nsec)", admin.to_bech32().unwrap()),
        Secret::new("the signer connection secret", connection_secret),
    ];
    if let Some(signer) = signer {
        secrets.push(Secret::new(
            "the signer's NIP-46 key (hex)",
            signer.secret_key().to_secret_hex(),
        ));
    }
    let mut found = Vec::new();
    for file in files_under(console.data.path()) {
        let bytes = std::fs::read(&file).unwrap();
        let place = file.display().to_string();
        found.extend(find_known(&place, &bytes, &secrets));
        found.extend(find_shapes(&place, &bytes));
    }
    assert!(found.is_empty(), "secrets on disk: {found:?}");

    let store = console.fleet.secrets();
    let names: serde_json::Value =
        serde_json::from_slice(&std::fs::read(console.data.path().join("keys.json")).unwrap())
            .unwrap();
    let names: Vec<String> = names["entries"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert!(names.contains(&SIGNER_CLIENT.to_owned()), "{names:?}");
    for name in names {
        let key = store.get(&name).await.unwrap().unwrap();
        assert_ne!(&key, admin, "secret-store entry {name:?} is the admin key");
    }
    assert!(
        store.get(CONSOLE).await.unwrap().is_none(),
        "no local console key"
    );
    assert!(store.get(SIGNER_SECRET).await.unwrap().is_some());
    let _ = CONSOLE_SESSION;
}

async fn assert_admin_key_check_passes(console: &Console) {
    let list = console
        .fleet
        .migration_check(&CheckOptions {
            lnbits: None,
            test_signature: false,
        })
        .await
        .unwrap();
    let check = list.get(CheckId::AdminKeyOffComputer).unwrap();
    assert_eq!(check.status, CheckStatus::Pass, "{check:?}");
    let console_check = list.get(CheckId::ConsoleHoldsNoAccountKey).unwrap();
    assert_ne!(
        console_check.status,
        CheckStatus::Fail,
        "the signer's address and keys are explained: {console_check:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_with_a_bunker_url_then_connect_pair_sign_revoke_and_fee_through_the_phone() {
    let mut phone = Phone::new();
    let console = Console::start(phone.user.public_key()).await;
    phone.relay = console.relay();
    phone.start().await;

    let setup = console
        .fleet
        .use_remote_signer(&Sensitive::new(phone.bunker_url()))
        .await
        .unwrap();
    assert_eq!(
        setup.admin_npub,
        phone.user.public_key().to_bech32().unwrap()
    );
    assert_eq!(setup.local_npub, None);
    assert!(
        !setup.address.contains(&phone.secret),
        "the address is secret-less"
    );
    assert_eq!(
        console.fleet.admin_npub().await.unwrap(),
        setup.admin_npub,
        "whoami is the signer's user key"
    );
    assert!(console.fleet.admin_key_home().await.unwrap().is_remote());

    let caps = console.connect().await.unwrap();
    assert_eq!(caps.line, acceptance::flavour().to_string());
    fleet_journey(&console).await;
    assert!(
        phone.asked().iter().any(|m| m == "sign_event"),
        "the phone signed: {:?}",
        phone.asked()
    );
    assert_admin_key_check_passes(&console).await;
    assert_no_admin_key_here(&console, &phone).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_with_a_nostrconnect_code_the_phone_scans_then_the_whole_journey() {
    let mut phone = Phone::new();
    let console = Console::start(phone.user.public_key()).await;
    phone.relay = console.relay();
    let offer = console
        .fleet
        .offer_nostrconnect(&[console.relay().to_string()])
        .await
        .unwrap();
    let url = offer.url().expose().clone();
    assert!(url.starts_with("nostrconnect://"));
    let png =
        fleet_core::qr::PairingQr::render(&url, &fleet_core::qr::QrOptions::default()).unwrap();
    assert_eq!(
        fleet_core::qr::decode_png(png.png()).unwrap(),
        url,
        "the QR the phone scans is exactly the URL"
    );
    let waiting = console
        .fleet
        .accept_nostrconnect(offer, Duration::from_secs(20));
    let scanned = async {
        phone.scan(&url);
    };
    let (setup, ()) = tokio::join!(waiting, scanned);
    let setup = setup.unwrap();
    assert_eq!(
        setup.admin_npub,
        phone.user.public_key().to_bech32().unwrap()
    );
    match console.fleet.admin_key_home().await.unwrap() {
        AdminKeyHome::RemoteSigner { address } => {
            assert!(address.contains(&phone.signer.public_key().to_hex()));
        }
        other => panic!("{other:?}"),
    }
    console.connect().await.unwrap();
    fleet_journey(&console).await;
    assert!(
        phone.asked().iter().any(|m| m == "sign_event"),
        "the phone signed: {:?}",
        phone.asked()
    );
    assert_no_admin_key_here(&console, &phone).await;
}
