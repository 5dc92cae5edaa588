//! Pair → QR → ATM redeems → signs kind 21000; everything else refused.

use std::sync::Mutex;

use bunker_client::{ErrorKind, Refusal};
use fleet_core::pairing::PairStep;
use fleet_core::qr::{decode_png, QrOptions};
use fleet_store::MachineState;
use nostr::JsonUtil;
use sandbox::EncryptionMode;

use crate::support::{contains, interop_dir, request, secret_of, sign, Atm, Env};

/// The whole journey against one bunker mode; returns the env for mode-specific checks.
async fn journey(mode: EncryptionMode) -> Env {
    let env = Env::start(mode).await;
    let fleet = env.fleet();
    let steps = Mutex::new(Vec::new());
    let record = |s: &PairStep| steps.lock().unwrap().push(s.clone());

    let pending = fleet
        .begin_pairing(&request("Lobby ATM"), record)
        .await
        .unwrap();
    let png_path = env.scratch_file("pair.png");
    std::fs::write(&png_path, pending.qr(&QrOptions::default()).unwrap().png()).unwrap();
    let url = decode_png(&std::fs::read(&png_path).unwrap()).unwrap();
    assert_eq!(
        &url,
        pending.pairing_url().expose(),
        "the QR decodes to exactly the pairing URL"
    );
    assert!(
        url.starts_with(&format!("bunker://{}?relay=", env.operator().to_hex())),
        "the URL names the operator key"
    );
    let machine = fleet.machine("lobby atm").await.unwrap();
    assert_eq!(machine.state, MachineState::Pairing);

    let atm = Atm::new();
    let (paired, signer) = tokio::join!(
        pending.wait(std::future::pending(), record),
        atm.redeem(&url)
    );
    let (paired, signer) = (paired.unwrap(), signer.unwrap());

    assert_eq!(paired.atm_client_pubkey, atm.keys.public_key().to_hex());
    assert_eq!(
        paired.fingerprint,
        bunker_client::fingerprint(&atm.keys.public_key()),
        "operator and ATM show the same fingerprint"
    );
    let kinds: Vec<&str> = steps
        .lock()
        .unwrap()
        .iter()
        .map(|s| match s {
            PairStep::TokenMinted { .. } => "minted",
            PairStep::WaitingForAtm => "waiting",
            PairStep::AtmConnected { .. } => "connected",
            PairStep::Verified { .. } => "verified",
        })
        .collect();
    assert_eq!(
        kinds,
        ["minted", "waiting", "connected", "verified"],
        "progress is reported step by step"
    );

    let machine = fleet.machine("Lobby ATM").await.unwrap();
    assert_eq!(machine.state, MachineState::Active);
    assert_eq!(
        machine.bunker_connection_id,
        Some(paired.bunker_connection_id)
    );
    assert_eq!(
        machine.atm_client_pubkey.as_deref(),
        Some(paired.atm_client_pubkey.as_str())
    );
    assert_eq!(
        machine.bunker_token_expires_at,
        Some(machine.paired_at.unwrap() + 30 * 24 * 3600),
        "30-day access term"
    );

    let event = sign(&signer, 21000, "withdraw 21000 sats").await.unwrap();
    event.verify().unwrap();
    assert_eq!(
        event.pubkey,
        env.operator(),
        "the ATM's event is signed by the operator key"
    );
    assert_eq!(event.kind.as_u16(), 21000);

    let refused = sign(&signer, 1, "a note").await.unwrap_err();
    assert_eq!(
        refused.kind(),
        ErrorKind::Rejected,
        "kind 1 is outside the ATM policy: {refused}"
    );

    let thief = Atm::new()
        .connect_once(&url)
        .await
        .expect_err("a second ATM with the same URL is refused");
    assert_eq!(
        thief.refusal(),
        Some(&Refusal::TokenAlreadyRedeemed),
        "{thief}"
    );

    let db = env.database_bytes();
    assert!(
        !contains(&db, &secret_of(&url)),
        "the pairing secret must never reach SQLite"
    );
    let log = fleet.audit(10).await.unwrap();
    assert!(
        log.iter().any(|e| e.action == "pair" && e.outcome == "ok"),
        "the pairing is audited: {log:?}"
    );
    assert!(log
        .iter()
        .all(|e| !e.detail.as_deref().unwrap_or("").contains(&secret_of(&url))));
    env.assert_alive();
    env
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairing_journey_in_nip04_only_mode_never_kills_the_bunker() {
    let env = journey(EncryptionMode::Nip04Only).await;
    env.assert_alive();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairing_journey_in_auto_mode() {
    journey(EncryptionMode::Auto).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nostr_tools_bunker_signer_pairs_and_signs_in_auto_mode() {
    let dir = interop_dir();
    let env = Env::start(EncryptionMode::Auto).await;
    let pending = env
        .fleet()
        .begin_pairing(&request("Node ATM"), |_| {})
        .await
        .unwrap();
    let url = pending.pairing_url().expose().clone();
    let node = tokio::process::Command::new("node")
        .arg(dir.join("redeem-and-sign.mjs"))
        .args([url.as_str(), "interop 21000"])
        .current_dir(&dir)
        .kill_on_drop(true)
        .output();
    let (paired, out) = tokio::join!(pending.wait(std::future::pending(), |_| {}), node);
    let out = out.expect("node runs");
    assert!(
        out.status.success(),
        "nostr-tools failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let paired = paired.unwrap();
    let event = nostr::Event::from_json(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    event.verify().unwrap();
    assert_eq!(event.pubkey, env.operator());
    assert_eq!(event.kind.as_u16(), 21000);
    assert_eq!(paired.fingerprint.len(), 19);
    env.assert_alive();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn atm_signs_with_the_operator_app_closed_and_its_data_deleted() {
    let mut env = Env::start(EncryptionMode::Nip04Only).await;
    let pending = env
        .fleet()
        .begin_pairing(&request("Daily ATM"), |_| {})
        .await
        .unwrap();
    let url = pending.pairing_url().expose().clone();
    let atm = Atm::new();
    let (paired, signer) = tokio::join!(
        pending.wait(std::future::pending(), |_| {}),
        atm.redeem(&url)
    );
    paired.unwrap();
    signer.unwrap().shutdown().await;

    drop(env.fleet.take());
    std::fs::remove_dir_all(env.data_dir.path()).unwrap();

    let signer = atm.resume(&url).await;
    let event = sign(&signer, 21000, "next morning").await.unwrap();
    event.verify().unwrap();
    assert_eq!(event.pubkey, env.operator());
    env.assert_alive();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_pairing_reuses_the_policy_and_takes_two_admin_round_trips() {
    let env = Env::start(EncryptionMode::Nip04Only).await;
    let first = env
        .fleet()
        .begin_pairing(&request("First"), |_| {})
        .await
        .unwrap();
    assert!(
        first.admin_requests() >= 4,
        "the first pairing creates the ATM policy"
    );
    first.cancel().await.unwrap();
    let second = env
        .fleet()
        .begin_pairing(&request("Second"), |_| {})
        .await
        .unwrap();
    assert_eq!(
        second.admin_requests(),
        2,
        "create_new_token + get_key_tokens only"
    );
    second.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_pairings_of_one_machine_get_their_own_tokens() {
    let env = Env::start(EncryptionMode::Nip04Only).await;
    let fleet = env.fleet();
    fleet.add_machine("Twin", None).await.unwrap();
    let req = request("Twin");
    let (a, b) = tokio::join!(
        fleet.begin_pairing(&req, |_| {}),
        fleet.begin_pairing(&req, |_| {})
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_ne!(
        a.pairing_url().expose(),
        b.pairing_url().expose(),
        "each pairing reads back its own token"
    );
    a.cancel().await.unwrap();
    b.cancel().await.unwrap();
}
