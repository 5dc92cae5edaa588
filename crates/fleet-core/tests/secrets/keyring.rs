//! The OS keyring store. Runs only with SATOP_TEST_KEYRING=1, under a private D-Bus session with
//! an unlocked gnome-keyring (see scripts/test-all.sh), so it never touches a real user's keyring.

use fleet_core::secrets::{KeyringStore, SecretStore, Secrets};
use nostr::SecretKey;

fn enabled(test: &str) -> bool {
    let on = std::env::var("SATOP_TEST_KEYRING").is_ok_and(|v| v == "1");
    if !on {
        println!(
            "skipped {test}: set SATOP_TEST_KEYRING=1 under dbus-run-session with an unlocked \
             gnome-keyring-daemon to run it (it needs a Secret Service)"
        );
    }
    on
}

/// A service name of its own per test, so parallel tests and reruns never collide.
fn store(test: &str) -> KeyringStore {
    KeyringStore::with_service(format!(
        "satmachine-operator-test-{test}-{}",
        std::process::id()
    ))
}

#[test]
fn keyring_store_round_trips_and_deletes() {
    if !enabled("keyring_store_round_trips_and_deletes") {
        return;
    }
    let store = store("round-trip");
    let key = SecretKey::generate();
    assert_eq!(store.get("console").unwrap(), None);
    store.set("console", &key).unwrap();
    assert_eq!(store.get("console").unwrap(), Some(key.clone()));
    let other = SecretKey::generate();
    store.set("console", &other).unwrap();
    assert_eq!(store.get("console").unwrap(), Some(other), "set replaces");
    store.delete("console").unwrap();
    assert_eq!(store.get("console").unwrap(), None);
    store
        .delete("console")
        .expect("deleting a missing key is not an error");
    assert_eq!(store.describe(), "OS keyring (Secret Service)");
}

#[tokio::test]
async fn keyring_store_works_through_the_async_handle() {
    if !enabled("keyring_store_works_through_the_async_handle") {
        return;
    }
    let secrets = Secrets::new(store("async"));
    let id = fleet_core::identity::ConsoleIdentity::create(&secrets)
        .await
        .unwrap();
    let loaded = fleet_core::identity::ConsoleIdentity::load(&secrets)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(loaded.public_key(), id.public_key());
    secrets.delete(fleet_core::secrets::CONSOLE).await.unwrap();
}
