use fleet_core::identity::{session_keys, ConsoleIdentity};
use fleet_core::secrets::{SecretErrorKind, Secrets, CONSOLE, CONSOLE_SESSION};

use crate::passphrase;

#[tokio::test]
async fn create_then_load_gives_the_same_identity() {
    let secrets = Secrets::memory();
    assert!(ConsoleIdentity::load(&secrets).await.unwrap().is_none());
    let created = ConsoleIdentity::create(&secrets).await.unwrap();
    let loaded = ConsoleIdentity::load(&secrets).await.unwrap().unwrap();
    assert_eq!(created.public_key(), loaded.public_key());
    assert!(created.npub().starts_with("npub1"));
    assert_eq!(
        ConsoleIdentity::load_or_create(&secrets)
            .await
            .unwrap()
            .public_key(),
        created.public_key()
    );
}

#[tokio::test]
async fn create_refuses_to_replace_an_existing_identity() {
    let secrets = Secrets::memory();
    let first = ConsoleIdentity::create(&secrets).await.unwrap();
    let err = ConsoleIdentity::create(&secrets).await.unwrap_err();
    assert_eq!(err.kind(), SecretErrorKind::Conflict);
    assert!(err.to_string().contains(&first.npub()));
    assert_eq!(
        ConsoleIdentity::load(&secrets)
            .await
            .unwrap()
            .unwrap()
            .public_key(),
        first.public_key()
    );
}

#[tokio::test]
async fn debug_shows_only_the_npub() {
    let secrets = Secrets::memory();
    let id = ConsoleIdentity::create(&secrets).await.unwrap();
    let debug = format!("{id:?}");
    assert!(debug.contains(&id.npub()));
    let secret = secrets.get(CONSOLE).await.unwrap().unwrap();
    for form in crate::forms_of(&secret) {
        assert!(
            !crate::contains(debug.as_bytes(), &form),
            "Debug must not show the secret key"
        );
    }
}

#[tokio::test]
async fn export_and_import_round_trip() {
    let here = Secrets::memory();
    let id = ConsoleIdentity::create(&here).await.unwrap();
    let ncryptsec = id.export_ncryptsec(&passphrase("backup pw")).await.unwrap();
    assert!(ncryptsec.starts_with("ncryptsec1"));

    let there = Secrets::memory();
    let imported =
        ConsoleIdentity::import_ncryptsec(&there, &ncryptsec, &passphrase("backup pw"), false)
            .await
            .unwrap();
    assert_eq!(imported.public_key(), id.public_key());
    assert_eq!(
        ConsoleIdentity::load(&there)
            .await
            .unwrap()
            .unwrap()
            .public_key(),
        id.public_key()
    );

    // Importing the key that is already there is harmless.
    ConsoleIdentity::import_ncryptsec(&there, &ncryptsec, &passphrase("backup pw"), false)
        .await
        .unwrap();

    let err = ConsoleIdentity::import_ncryptsec(&there, &ncryptsec, &passphrase("nope"), false)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), SecretErrorKind::WrongPassphrase);

    let err =
        ConsoleIdentity::import_ncryptsec(&there, "nsec1garbage", &passphrase("backup pw"), false)
            .await
            .unwrap_err();
    assert_eq!(err.kind(), SecretErrorKind::InvalidInput);
    assert!(
        !err.to_string().contains("nsec1garbage"),
        "the message must not echo the input"
    );
}

#[tokio::test]
async fn import_refuses_to_replace_a_different_identity_unless_asked() {
    let secrets = Secrets::memory();
    let original = ConsoleIdentity::create(&secrets).await.unwrap();
    let other = ConsoleIdentity::create(&Secrets::memory()).await.unwrap();
    let ncryptsec = other.export_ncryptsec(&passphrase("pw")).await.unwrap();

    let err = ConsoleIdentity::import_ncryptsec(&secrets, &ncryptsec, &passphrase("pw"), false)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), SecretErrorKind::Conflict);
    assert_eq!(
        ConsoleIdentity::load(&secrets)
            .await
            .unwrap()
            .unwrap()
            .public_key(),
        original.public_key()
    );

    ConsoleIdentity::import_ncryptsec(&secrets, &ncryptsec, &passphrase("pw"), true)
        .await
        .unwrap();
    assert_eq!(
        ConsoleIdentity::load(&secrets)
            .await
            .unwrap()
            .unwrap()
            .public_key(),
        other.public_key()
    );
}

#[tokio::test]
async fn session_key_is_created_once_and_kept_apart_from_the_console_key() {
    let secrets = Secrets::memory();
    let console = ConsoleIdentity::create(&secrets).await.unwrap();
    let first = session_keys(&secrets).await.unwrap();
    let again = session_keys(&secrets).await.unwrap();
    assert_eq!(first.public_key(), again.public_key());
    assert_ne!(first.public_key(), console.public_key());
    assert!(secrets.get(CONSOLE_SESSION).await.unwrap().is_some());
}
