//! "Try the sandbox" picks a flavour: the embedded bunker behaves like nsecbunkerd 0.10 or
//! 0.11, says which, and a restarted app resumes the same one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bunker_client::ClientOptions;
use fleet_core::secrets::{MemoryStore, Secrets};
use fleet_core::Fleet;
use satmachine_operator::dto::SandboxFlavour;
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
async fn the_sandbox_starts_in_the_chosen_flavour_and_says_which() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());

    let v11 = app
        .start_sandbox(SandboxFlavour::V0_11.into())
        .await
        .unwrap();
    assert_eq!(v11.flavour, SandboxFlavour::V0_11);
    assert_eq!(
        app.sandbox_info().await.unwrap().flavour,
        SandboxFlavour::V0_11
    );
    let remembered = std::fs::read_to_string(dir.path().join("sandbox").join("flavour")).unwrap();
    assert_eq!(
        remembered, "0.11",
        "a restarted app resumes the same flavour"
    );

    // Asking again for the same flavour keeps the running sandbox.
    let again = app
        .start_sandbox(SandboxFlavour::V0_11.into())
        .await
        .unwrap();
    assert_eq!(again, v11);

    // The other flavour replaces it.
    let v10 = app
        .start_sandbox(SandboxFlavour::V0_10.into())
        .await
        .unwrap();
    assert_eq!(v10.flavour, SandboxFlavour::V0_10);
    let json = serde_json::to_value(&v10).unwrap();
    assert_eq!(json["flavour"], "0.10", "the UI receives the version text");
    app.shutdown().await;
}
