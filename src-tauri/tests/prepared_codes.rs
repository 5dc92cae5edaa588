//! Prepared pairing codes in the app: the commands prepare, list, show a code with the bunker
//! stopped (the QR as the Pair wizard renders it, the code's expiry) and burn; the status DTO
//! always carries the live count and the nearest expiry.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use bunker_client::ClientOptions;
use fleet_core::codes::BurnSelection;
use fleet_core::connect::ConnectRequest;
use fleet_core::secrets::{MemoryStore, Secrets};
use fleet_core::Fleet;
use sandbox::{Sandbox, SandboxConfig};
use satmachine_operator::commands::codes;
use satmachine_operator::dto::{PrepareInput, StatusView};
use satmachine_operator::App;
use tempfile::TempDir;

const DAY: i64 = 86_400;

struct Desk {
    app: App,
    sandbox: Option<Sandbox>,
    _data: TempDir,
    _bunker: TempDir,
}

async fn desk() -> Desk {
    let data = tempfile::tempdir().unwrap();
    let bunker = tempfile::tempdir().unwrap();
    let fleet = Fleet::open_with(
        data.path(),
        Secrets::new(MemoryStore::default()),
        ClientOptions::loopback(),
    )
    .unwrap();
    let (console, _) = fleet.init_console().await.unwrap();
    let mut cfg = SandboxConfig::new(bunker.path().join("bunker.sqlite3"));
    cfg.admin_npubs = vec![console.public_key()];
    let sandbox = Sandbox::start(cfg).await.unwrap();
    let connect = ConnectRequest {
        connection: sandbox.bunker.admin_connection_string(),
        key_name: "operator".into(),
        atm_relays: vec![sandbox.relay.url().to_string()],
        timeout: Duration::from_secs(5),
    };
    fleet.connect(&connect, |_| {}).await.unwrap();
    Desk {
        app: App::new(fleet),
        sandbox: Some(sandbox),
        _data: data,
        _bunker: bunker,
    }
}

async fn status(app: &App) -> StatusView {
    StatusView::from(app.fleet().status().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prepared_code_is_shown_offline_with_its_expiry_and_the_status_counts_live_codes() {
    let mut desk = desk().await;
    let before = fleet_core::unix_now();
    let made = codes::prepare(
        &desk.app,
        &PrepareInput {
            count: 3,
            valid_days: 2,
            site: Some("Harbour".into()),
        },
    )
    .await
    .unwrap();
    assert_eq!(made.len(), 3);
    let after = fleet_core::unix_now();

    let listed = codes::list(&desk.app).await.unwrap();
    assert_eq!(listed.len(), 3);
    for code in &listed {
        assert_eq!(code.state, "live");
        assert_eq!(code.site.as_deref(), Some("Harbour"));
        assert!(
            code.expires_at >= before + 2 * DAY && code.expires_at <= after + 2 * DAY,
            "valid for the days asked: {code:?}"
        );
    }
    let summary = status(&desk.app).await.prepared_codes;
    assert_eq!(summary.live, 3);
    assert_eq!(
        summary.nearest_expiry,
        listed.iter().map(|c| c.expires_at).min()
    );

    // At the site: no bunker, no relay.
    desk.sandbox.take().unwrap().shutdown().await;
    let shown = codes::show(&desk.app, "Pier ATM").await.unwrap();
    assert_eq!(shown.machine, "Pier ATM");
    assert!(shown.machine_created);
    assert_eq!(shown.code.state, "shown");
    assert_eq!(shown.code.machine.as_deref(), Some("Pier ATM"));
    let first = &listed[0];
    assert_eq!(shown.code.id, first.id, "the oldest unused code is given");
    assert_eq!(shown.code.created_at, first.created_at, "prepared on");
    assert_eq!(shown.code.expires_at, first.expires_at, "valid until");
    assert!(shown.qr_svg.contains("<svg"), "the QR is rendered");
    assert!(shown.qr_modules > 0 && shown.qr_px_per_module > 0);

    let summary = status(&desk.app).await.prepared_codes;
    assert_eq!(summary.live, 2, "a shown code is no longer live");
    assert_eq!(summary.nearest_expiry, Some(listed[1].expires_at));

    desk.app
        .fleet()
        .note_code_fingerprint("Pier ATM", "ab12 cd34")
        .await
        .unwrap();
    let noted = codes::list(&desk.app).await.unwrap();
    assert_eq!(noted[0].noted_fingerprint.as_deref(), Some("ab12 cd34"));

    // Burn all, offline: every open code waits for the next sync and none is live any more.
    let burn = codes::burn(&desk.app, &BurnSelection::All).await.unwrap();
    assert!(burn.burned.is_empty());
    let mut pending = burn.pending.clone();
    pending.sort_unstable();
    assert_eq!(pending, listed.iter().map(|c| c.id).collect::<Vec<_>>());
    assert!(burn.offline_reason.is_some());
    let summary = status(&desk.app).await.prepared_codes;
    assert_eq!(summary.live, 0);
    assert_eq!(summary.nearest_expiry, None);
    assert!(codes::list(&desk.app)
        .await
        .unwrap()
        .iter()
        .all(|c| c.burn_pending));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn burn_all_online_burns_every_unused_code_at_once() {
    let desk = desk().await;
    codes::prepare(
        &desk.app,
        &PrepareInput {
            count: 2,
            valid_days: 7,
            site: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(status(&desk.app).await.prepared_codes.live, 2);
    let burn = codes::burn(&desk.app, &BurnSelection::All).await.unwrap();
    assert_eq!(burn.burned.len(), 2, "{burn:?}");
    assert!(burn.pending.is_empty());
    let summary = status(&desk.app).await.prepared_codes;
    assert_eq!(summary.live, 0);
    assert!(codes::list(&desk.app)
        .await
        .unwrap()
        .iter()
        .all(|c| c.state == "burned"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validity_beyond_the_core_limit_is_refused_with_nothing_minted() {
    let desk = desk().await;
    let err = codes::prepare(
        &desk.app,
        &PrepareInput {
            count: 1,
            valid_days: 15,
            site: None,
        },
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("14 days"), "{err}");
    assert!(codes::list(&desk.app).await.unwrap().is_empty());
}
