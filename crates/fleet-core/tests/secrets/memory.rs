use fleet_core::secrets::{MemoryStore, SecretStore, Secrets};
use nostr::SecretKey;

#[test]
fn memory_store_round_trips_and_deletes() {
    let store = MemoryStore::default();
    let key = SecretKey::generate();
    assert_eq!(store.get("console").unwrap(), None);
    store.set("console", &key).unwrap();
    assert_eq!(store.get("console").unwrap(), Some(key));
    store.delete("console").unwrap();
    assert_eq!(store.get("console").unwrap(), None);
    store
        .delete("console")
        .expect("deleting a missing key is not an error");
}

#[tokio::test]
async fn secrets_handle_runs_the_store_off_the_runtime() {
    let secrets = Secrets::memory();
    let key = SecretKey::generate();
    secrets.set("console-session", &key).await.unwrap();
    assert_eq!(
        secrets.clone().get("console-session").await.unwrap(),
        Some(key)
    );
    secrets.delete("console-session").await.unwrap();
    assert_eq!(secrets.get("console-session").await.unwrap(), None);
    assert!(format!("{secrets:?}").contains("memory"));
}

/// A store whose every call blocks until the test lets it go, like a keyring waiting on an
/// unlock prompt nobody answers.
struct StuckStore(std::sync::Mutex<std::sync::mpsc::Receiver<()>>);

impl fleet_core::secrets::SecretStore for StuckStore {
    fn get(&self, _: &str) -> Result<Option<SecretKey>, fleet_core::secrets::SecretError> {
        let _ = self.0.lock().unwrap().recv();
        Ok(None)
    }
    fn set(&self, _: &str, _: &SecretKey) -> Result<(), fleet_core::secrets::SecretError> {
        Ok(())
    }
    fn delete(&self, _: &str) -> Result<(), fleet_core::secrets::SecretError> {
        Ok(())
    }
    fn describe(&self) -> String {
        "stuck store".to_owned()
    }
}

#[tokio::test]
async fn a_store_that_never_answers_times_out_instead_of_hanging() {
    let (release, stuck) = std::sync::mpsc::channel();
    let secrets = Secrets::with_timeout(
        StuckStore(std::sync::Mutex::new(stuck)),
        std::time::Duration::from_millis(50),
    );
    let err = secrets.get("console").await.unwrap_err();
    release.send(()).unwrap();
    assert_eq!(err.kind(), fleet_core::secrets::SecretErrorKind::Timeout);
    let msg = err.to_string();
    assert!(
        msg.contains("stuck store") && msg.contains("unlock"),
        "{msg}"
    );
}
