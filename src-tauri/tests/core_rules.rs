//! The app decides no rule itself (issue 15): the new-passphrase minimum is fleet-core's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bunker_client::{ClientOptions, Sensitive};
use fleet_core::rules::passphrase::MIN_PASSPHRASE_CHARS;
use fleet_core::secrets::{MemoryStore, Secrets};
use fleet_core::{ErrorKind, Fleet};
use satmachine_operator::commands::console::export_console;
use satmachine_operator::App;

fn app(dir: &std::path::Path) -> App {
    let fleet = Fleet::open_with(
        dir,
        Secrets::new(MemoryStore::default()),
        ClientOptions::loopback(),
    )
    .unwrap();
    App::new(fleet)
}

#[tokio::test]
async fn the_key_export_refuses_a_passphrase_shorter_than_fleet_cores_minimum() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    app.fleet().init_console().await.unwrap();

    let short = "x".repeat(MIN_PASSPHRASE_CHARS - 1);
    let err = export_console(&app, Sensitive::new(short.clone()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let message = err.to_string();
    assert!(
        message.contains(&MIN_PASSPHRASE_CHARS.to_string()),
        "{message}"
    );
    assert!(!message.contains(&short), "never echoed: {message}");

    let long_enough = "ü".repeat(MIN_PASSPHRASE_CHARS);
    let out = export_console(&app, Sensitive::new(long_enough))
        .await
        .unwrap();
    assert!(out.starts_with("ncryptsec1"), "{out}");
}
