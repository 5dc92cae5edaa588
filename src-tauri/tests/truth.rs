//! What the screens say is what the app does (issue 15): pairing codes do not outlive the app,
//! the access term chosen in the wizard survives a restart, re-pair means renewal wherever the
//! core says so, and the fleet is "as of" the last time the cache matched the bunker.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bunker_client::ClientOptions;
use fleet_core::connect::ConnectRequest;
use fleet_core::pairing::{MachineChoice, PairRequest, PairStep};
use fleet_core::secrets::{MemoryStore, Secrets};
use fleet_core::term::{MachineState, MachineView, PairingChoice};
use fleet_core::{unix_now, ErrorKind, Fleet};
use sandbox::{AtmSimulator, Sandbox, SandboxConfig};
use satmachine_operator::commands::fee::fee_info;
use satmachine_operator::on_screen::OnScreen;
use satmachine_operator::App;
use tempfile::TempDir;

const KEY: &str = "operator";
const DAY: i64 = 86_400;

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

/// A handle of the test's own on the fleet's cache file (Fleet::db() is crate-private).
fn store(fleet: &Fleet) -> fleet_store::Db {
    fleet_store::Db::open(fleet.data_dir().join(fleet_core::DB_FILE)).unwrap()
}

/// A console connected to a fresh sandbox bunker. Keeps the directories and the bunker alive.
struct Env {
    fleet: Fleet,
    _sandbox: Sandbox,
    _dirs: (TempDir, TempDir),
}

async fn connected() -> Env {
    let data = tempfile::tempdir().unwrap();
    let bunker_dir = tempfile::tempdir().unwrap();
    let fleet =
        Fleet::open_with(data.path(), Secrets::new(MemoryStore::default()), options()).unwrap();
    let (console, _) = fleet.init_console().await.unwrap();
    let mut cfg = SandboxConfig::new(bunker_dir.path().join("bunker.sqlite3"));
    cfg.admin_npubs = vec![console.public_key()];
    let sandbox = Sandbox::start(cfg).await.unwrap();
    let connect = ConnectRequest {
        connection: sandbox.bunker.admin_connection_string(),
        key_name: KEY.into(),
        atm_relays: vec![sandbox.relay.url().to_string()],
        timeout: Duration::from_secs(5),
    };
    fleet.connect(&connect, |_| {}).await.unwrap();
    Env {
        fleet,
        _sandbox: sandbox,
        _dirs: (data, bunker_dir),
    }
}

/// Whether an ATM could use `url` now: redeem it and sign a kind-21000 event.
async fn code_works(url: &str) -> bool {
    match AtmSimulator::redeem(url, options()).await {
        Ok(atm) => atm.sign_21000("probe").await.is_ok(),
        Err(_) => false,
    }
}

/// Pairs `name` for real (a code shown, an ATM redeems it, the app records it).
async fn pair(fleet: &Fleet, name: &str) -> AtmSimulator {
    let on_screen = OnScreen::begin(fleet, name, request(name)).await.unwrap();
    let url = on_screen.pairing().pairing_url().expose().clone();
    let atm = AtmSimulator::redeem(&url, options()).await.unwrap();
    on_screen
        .wait(std::future::pending(), |_| {})
        .await
        .unwrap();
    atm
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_app_while_a_qr_is_watched_burns_the_code_before_exit_returns() {
    let env = connected().await;
    let app = App::new(env.fleet.clone());
    let on_screen = OnScreen::begin(&env.fleet, "Lobby ATM", request("Lobby ATM"))
        .await
        .unwrap();
    let id = app.hold_pairing(on_screen).await;
    let url = app.pairing_url(id).await.unwrap();

    // The wizard watches the code (what `pair_wait` does); wait until it does.
    let (watching, watched) = tokio::sync::oneshot::channel();
    let watching = Arc::new(Mutex::new(Some(watching)));
    let watcher = tokio::spawn({
        let app = app.clone();
        async move {
            app.wait_pairing(id, move |step| {
                if matches!(step, PairStep::WaitingForAtm) {
                    if let Some(tx) = watching.lock().unwrap().take() {
                        let _ = tx.send(());
                    }
                }
            })
            .await
        }
    });
    watched.await.unwrap();

    app.shutdown().await;
    // The process ends here: nothing the watcher had not finished gets done.
    watcher.abort();

    assert!(
        !code_works(&url).await,
        "a pairing code watched at exit must be burned before the exit returns"
    );
    assert!(
        env.fleet.unburned().await.unwrap().is_empty(),
        "a code burned at exit leaves no note for the next start"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_left_unburned_at_exit_is_burned_at_the_next_start_which_says_so() {
    let env = connected().await;
    let on_screen = OnScreen::begin(&env.fleet, "Kiosk", request("Kiosk"))
        .await
        .unwrap();
    let url = on_screen.pairing().pairing_url().expose().clone();
    // Exit noted the code, then ran out of time (or the bunker was away) before burning it.
    env.fleet
        .note_unburned(vec![on_screen.pairing().unburned()])
        .await
        .unwrap();
    drop(on_screen);

    let next_start = App::new(env.fleet.clone());
    next_start.burn_leftovers().await;

    let notices = next_start.notices().await;
    assert!(
        notices
            .iter()
            .any(|n| n.contains("Kiosk") && n.contains("burned now")),
        "the start says what it burned: {notices:?}"
    );
    assert!(!code_works(&url).await, "the left-over code is burned");
    assert!(env.fleet.unburned().await.unwrap().is_empty());
    let kiosk = env.fleet.machine("Kiosk").await.unwrap();
    assert_eq!(kiosk.state, MachineState::Unpaired, "back as it was");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redemption_seen_by_reconcile_gets_the_access_term_chosen_in_the_wizard() {
    let env = connected().await;
    let mut req = request("Kiosk");
    req.access_term = Duration::from_secs(7 * 86_400);
    let on_screen = OnScreen::begin(&env.fleet, "Kiosk", req).await.unwrap();
    let url = on_screen.pairing().pairing_url().expose().clone();
    // The app closes with the QR on screen; the ATM redeems the code meanwhile.
    drop(on_screen);
    let _atm = AtmSimulator::redeem(&url, options()).await.unwrap();

    let report = env.fleet.reconcile().await.unwrap();
    assert_eq!(report.redemptions_seen, vec!["Kiosk".to_string()]);
    let kiosk = env.fleet.machine("Kiosk").await.unwrap();
    let term = kiosk.bunker_token_expires_at.unwrap() - kiosk.paired_at.unwrap();
    assert_eq!(
        term,
        7 * DAY,
        "the 7-day term chosen, not the 30-day default"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expiring_or_expired_machine_is_renewed_not_paired_afresh() {
    let env = connected().await;
    let _atm = pair(&env.fleet, "Lobby ATM").await;
    assert_eq!(
        env.fleet.pairing_choice("Lobby ATM").await.unwrap(),
        PairingChoice::Renew
    );
    env.fleet.set_auto_revoke_at_term_end(false).await.unwrap();
    for (days_later, state) in [(25, MachineState::Expiring), (40, MachineState::Expired)] {
        let then = unix_now() + days_later * DAY;
        env.fleet.enforce_terms(then).await.unwrap();
        let m = env.fleet.machine("Lobby ATM").await.unwrap();
        assert_eq!(m.state, state);
        assert_eq!(
            env.fleet.pairing_choice("Lobby ATM").await.unwrap(),
            PairingChoice::Renew,
            "{state:?}"
        );
        assert_eq!(MachineView::at(&m, then).pairing, PairingChoice::Renew);
    }
    assert_eq!(
        env.fleet.pairing_choice("New ATM").await.unwrap(),
        PairingChoice::Pair,
        "a name no machine has is paired (and created)"
    );
    let renewal = OnScreen::begin(&env.fleet, "Lobby ATM", request("Lobby ATM"))
        .await
        .unwrap();
    assert!(matches!(renewal, OnScreen::Repair(_)));
    renewal.cancel().await.unwrap();
}

#[tokio::test]
async fn a_cache_that_cannot_be_read_is_an_error_never_a_new_pairing() {
    let data = tempfile::tempdir().unwrap();
    let fleet =
        Fleet::open_with(data.path(), Secrets::new(MemoryStore::default()), options()).unwrap();
    // Its own handle on the cache file: Fleet::db() is fleet-core's.
    store(&fleet)
        .interact(|c| Ok(c.execute_batch("DROP TABLE machines")?))
        .await
        .unwrap();
    let err = fleet.pairing_choice("Lobby ATM").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Storage, "{err}");
    let begun = OnScreen::begin(&fleet, "Lobby ATM", request("Lobby ATM")).await;
    assert_eq!(begun.unwrap_err().kind(), ErrorKind::Storage);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_is_as_of_the_last_reconcile_not_the_last_probe() {
    let env = connected().await;
    let probed = env.fleet.profile().await.unwrap().unwrap().probed_at;
    assert!(probed.is_some(), "connect stored a probe time");
    assert_eq!(
        env.fleet.reconciled_at().await.unwrap(),
        None,
        "a probe reads no clients: the cache has not been compared yet"
    );
    let before = unix_now();
    env.fleet.reconcile().await.unwrap();
    let at = env.fleet.reconciled_at().await.unwrap().unwrap();
    assert!(at >= before, "the reconcile's time");
    assert_eq!(env.fleet.status().await.unwrap().reconciled_at, Some(at));
}

#[tokio::test]
async fn signed_by_shows_the_signer_of_the_verified_event_not_the_profile_key() {
    use fleet_core::operator_events::{FeePolicy, FEE_D_TAG};
    use nostr::{EventBuilder, JsonUtil, Keys, Kind, Tag, ToBech32};

    let env = connected().await;
    let app = App::new(env.fleet.clone());
    let other = Keys::generate();
    let content = FeePolicy {
        super_fee_bps: 250,
        fixed_fee_sats: 0,
    }
    .doc()
    .content;
    let event = EventBuilder::new(Kind::from(30078_u16), content.clone())
        .tag(Tag::identifier(FEE_D_TAG))
        .sign_with_keys(&other)
        .unwrap();
    let stored = fleet_store::published::PublishedEvent {
        d_tag: FEE_D_TAG.into(),
        kind: 30078,
        event_id: event.id.to_hex(),
        content,
        event_json: event.as_json(),
        created_at: 1,
        published_at: 1,
        relays: vec![],
    };
    store(&env.fleet)
        .interact(move |c| fleet_store::published::upsert(c, &stored))
        .await
        .unwrap();

    let info = fee_info(&app).await.unwrap();
    let other_npub = other.public_key().to_bech32().unwrap();
    assert_eq!(info.signer_npub.as_deref(), Some(other_npub.as_str()));
    assert_ne!(
        info.signer_npub, info.operator_npub,
        "a signer that is not the operator key is shown as such"
    );
}

#[tokio::test]
async fn the_timeout_typed_at_connect_is_stored_and_used_for_every_later_call() {
    let data = tempfile::tempdir().unwrap();
    let secrets = Secrets::new(MemoryStore::default());
    let app = App::open(data.path(), secrets.clone()).await.unwrap();
    let typed = Duration::from_secs(7);
    assert_ne!(app.fleet().client_options().timeout, typed);

    app.set_timeout(typed).await.unwrap();
    assert_eq!(
        app.fleet().client_options().timeout,
        typed,
        "used from now on"
    );
    assert_eq!(app.fleet().status().await.unwrap().timeout_secs, 7);

    let restarted = App::open(data.path(), secrets).await.unwrap();
    assert_eq!(
        restarted.fleet().client_options().timeout,
        typed,
        "and after a restart"
    );
}
