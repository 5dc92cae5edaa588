//! scrypt (NIP-49) and key-file I/O never run on the async runtime: on a single-threaded
//! runtime, other tasks keep running while a console key is exported, imported, or read from
//! and written to the encrypted key file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bunker_client::Sensitive;
use fleet_core::identity::ConsoleIdentity;
use fleet_core::secrets::{FileStore, Secrets, CONSOLE};

/// How many times a 1 ms ticker ran while `work` was awaited on this (single) runtime thread.
async fn ticks_during<T>(work: impl Future<Output = T>) -> (T, usize) {
    let ticks = Arc::new(AtomicUsize::new(0));
    let ticker = tokio::spawn({
        let ticks = Arc::clone(&ticks);
        async move {
            loop {
                ticks.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    });
    // Let the ticker start, then count only what happens during `work`.
    tokio::task::yield_now().await;
    let before = ticks.load(Ordering::Relaxed);
    let out = work.await;
    let during = ticks.load(Ordering::Relaxed) - before;
    ticker.abort();
    (out, during)
}

fn passphrase(s: &str) -> Sensitive<String> {
    Sensitive::new(s.to_owned())
}

#[tokio::test(flavor = "current_thread")]
async fn exporting_the_console_key_leaves_the_runtime_free() {
    let id = ConsoleIdentity::create(&Secrets::memory()).await.unwrap();
    let (out, ticks) = ticks_during(id.export_ncryptsec(&passphrase("backup pw"))).await;
    assert!(out.unwrap().starts_with("ncryptsec1"));
    assert!(
        ticks >= 2,
        "the runtime was blocked during the export's scrypt ({ticks} ticks)"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn importing_the_console_key_leaves_the_runtime_free() {
    let id = ConsoleIdentity::create(&Secrets::memory()).await.unwrap();
    let ncryptsec = id.export_ncryptsec(&passphrase("pw")).await.unwrap();
    let there = Secrets::memory();
    let (imported, ticks) = ticks_during(ConsoleIdentity::import_ncryptsec(
        &there,
        &ncryptsec,
        &passphrase("pw"),
        false,
    ))
    .await;
    assert_eq!(imported.unwrap().public_key(), id.public_key());
    assert!(
        ticks >= 2,
        "the runtime was blocked during the import ({ticks} ticks)"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn the_encrypted_key_file_is_read_and_written_off_the_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Secrets::new(FileStore::new(
        dir.path().join("keys.json"),
        passphrase("file pw"),
    ));
    let (created, ticks) = ticks_during(ConsoleIdentity::create(&secrets)).await;
    let created = created.unwrap();
    assert!(
        ticks >= 2,
        "the runtime was blocked writing the key file ({ticks} ticks)"
    );
    let (read, ticks) = ticks_during(secrets.get(CONSOLE)).await;
    assert_eq!(
        nostr::Keys::new(read.unwrap().unwrap()).public_key(),
        created.public_key()
    );
    assert!(
        ticks >= 2,
        "the runtime was blocked reading the key file ({ticks} ticks)"
    );
}
