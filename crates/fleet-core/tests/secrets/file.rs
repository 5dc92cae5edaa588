use fleet_core::secrets::{FileStore, SecretErrorKind, SecretStore};
use nostr::SecretKey;

use crate::{contains, forms_of, passphrase};

fn store(dir: &tempfile::TempDir, pass: &str) -> FileStore {
    FileStore::new(dir.path().join("keys/console-keys.json"), passphrase(pass))
}

#[test]
fn file_store_round_trips_two_keys() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir, "correct horse");
    let console = SecretKey::generate();
    let session = SecretKey::generate();
    assert_eq!(
        store.get("console").unwrap(),
        None,
        "a missing file holds no keys"
    );
    store.set("console", &console).unwrap();
    store.set("console-session", &session).unwrap();

    let reopened = FileStore::new(store.path(), passphrase("correct horse"));
    assert_eq!(reopened.get("console").unwrap(), Some(console));
    assert_eq!(reopened.get("console-session").unwrap(), Some(session));
    reopened.delete("console").unwrap();
    assert_eq!(reopened.get("console").unwrap(), None);
    assert!(
        reopened.get("console-session").unwrap().is_some(),
        "delete removes one entry only"
    );
    assert!(store.describe().starts_with("encrypted file "));
    assert!(store.describe().ends_with("console-keys.json"));
}

#[test]
fn wrong_passphrase_is_refused_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    store(&dir, "right")
        .set("console", &SecretKey::generate())
        .unwrap();
    let wrong = store(&dir, "wrong");
    let err = wrong.get("console").unwrap_err();
    assert_eq!(err.kind(), SecretErrorKind::WrongPassphrase);
    let msg = err.to_string();
    assert!(
        msg.contains("console-keys.json") && msg.contains("check SATOP_PASSPHRASE"),
        "{msg}"
    );
    assert!(
        !msg.contains("wrong") && !msg.contains("right"),
        "the message must not echo a passphrase: {msg}"
    );

    let err = wrong
        .set("console-session", &SecretKey::generate())
        .unwrap_err();
    assert_eq!(
        err.kind(),
        SecretErrorKind::WrongPassphrase,
        "a second passphrase must not sneak into the same file"
    );
}

#[test]
fn file_holds_only_the_version_and_ncryptsec_entries() {
    let dir = tempfile::tempdir().unwrap();
    // Upper case and '-' are outside the bech32 alphabet, so a hit cannot be a coincidence.
    let pass = "Not-In-The-File";
    let store = store(&dir, pass);
    let key = SecretKey::generate();
    store.set("console", &key).unwrap();
    let bytes = std::fs::read(store.path()).unwrap();
    for form in forms_of(&key) {
        assert!(
            !contains(&bytes, &form),
            "the key file must not contain the key in any plain form"
        );
    }
    let pubkey = nostr::Keys::new(key).public_key();
    assert!(
        !contains(&bytes, pubkey.to_hex().as_bytes()),
        "nor its public key"
    );
    assert!(!contains(&bytes, pass.as_bytes()), "nor the passphrase");

    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let obj = json.as_object().unwrap();
    assert_eq!(obj.len(), 2, "only version and entries: {json}");
    assert_eq!(json["version"], 1);
    let entries = json["entries"].as_object().unwrap();
    assert_eq!(entries.len(), 1);
    assert!(entries["console"]
        .as_str()
        .unwrap()
        .starts_with("ncryptsec1"));
}

#[cfg(unix)]
#[test]
fn key_file_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir, "pw");
    store.set("console", &SecretKey::generate()).unwrap();
    store
        .set("console-session", &SecretKey::generate())
        .unwrap();
    let mode = std::fs::metadata(store.path())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "the key file must be mode 0600, got {mode:o}");
    let leftovers: Vec<_> = std::fs::read_dir(store.path().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "an atomic write leaves no temp file: {leftovers:?}"
    );
}

#[test]
fn malformed_or_newer_file_is_reported_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir, "pw");
    std::fs::create_dir_all(store.path().parent().unwrap()).unwrap();

    std::fs::write(store.path(), b"{\"version\":2,\"entries\":{}}").unwrap();
    let err = store.set("console", &SecretKey::generate()).unwrap_err();
    assert_eq!(err.kind(), SecretErrorKind::Corrupt);
    assert!(err.to_string().contains("update the app"), "{err}");
    assert_eq!(
        std::fs::read(store.path()).unwrap(),
        b"{\"version\":2,\"entries\":{}}"
    );

    std::fs::write(store.path(), b"not json").unwrap();
    assert_eq!(
        store.get("console").unwrap_err().kind(),
        SecretErrorKind::Corrupt
    );
}
