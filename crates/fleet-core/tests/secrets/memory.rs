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
