//! At trace level, under the filter every front uses (`fleet_core::admin_key::LOG_MUTES`), the
//! whole remote-signer journey writes no admin key, no NIP-46 client key and no connection
//! secret to the log.

use std::sync::Mutex;

use acceptance::secrets::{find_known, find_shapes, Secret};
use bunker_client::Sensitive;
use fleet_core::admin_key::{LOG_MUTES, SIGNER_CLIENT};
use nostr::nips::nip19::ToBech32;
use tracing_subscriber::EnvFilter;

use crate::journey::fleet_journey;
use crate::support::{Console, Phone};

/// A multi-threaded runtime whose every thread logs to `dispatch` (the phone's own thread does
/// not: it is not the app).
fn traced_runtime(dispatch: &tracing::Dispatch) -> tokio::runtime::Runtime {
    let dispatch = dispatch.clone();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(move || {
            std::mem::forget(tracing::dispatcher::set_default(&dispatch));
        })
        .build()
        .unwrap()
}

#[test]
fn a_trace_log_of_the_remote_signer_journey_holds_no_key_and_no_connection_secret() {
    let logs = tempfile::tempdir().unwrap();
    let log_path = logs.path().join("trace.log");
    let filter = LOG_MUTES
        .iter()
        .map(|d| d.parse().unwrap())
        .fold(EnvFilter::new("trace"), EnvFilter::add_directive);
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(std::fs::File::create(&log_path).unwrap()))
        .finish();
    let dispatch = tracing::Dispatch::new(subscriber);
    let rt = traced_runtime(&dispatch);
    let (phone, client) = tracing::dispatcher::with_default(&dispatch, || {
        rt.block_on(async {
            let mut phone = Phone::new();
            let console = Console::start(phone.user.public_key()).await;
            phone.relay = console.relay();
            phone.start().await;
            console
                .fleet
                .use_remote_signer(&Sensitive::new(phone.bunker_url()))
                .await
                .unwrap();
            console.connect().await.unwrap();
            fleet_journey(&console).await;
            let client = console
                .fleet
                .secrets()
                .get(SIGNER_CLIENT)
                .await
                .unwrap()
                .unwrap();
            (phone, client)
        })
    });
    drop(rt);
    let log = std::fs::read(&log_path).unwrap();
    assert!(!log.is_empty(), "the journey logged something");
    let secrets = [
        Secret::new(
            "the admin key (hex)",
            phone.user.secret_key().to_secret_hex(),
        ),
        Secret::new(
            "the admin key (nsec)",
            phone.user.secret_key().to_bech32().unwrap(),
        ),
        Secret::new("the NIP-46 client key (hex)", client.to_secret_hex()),
        Secret::new("the connection secret", phone.secret.clone()),
    ];
    let mut found = find_known("trace log", &log, &secrets);
    found.extend(find_shapes("trace log", &log));
    assert!(found.is_empty(), "secrets in the log: {found:?}");
}
