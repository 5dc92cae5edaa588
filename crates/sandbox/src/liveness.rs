//! 0.11 liveness behaviour (0.11 §6): the admin self-ping and deafness after a relay drop.

use std::sync::Arc;
use std::time::Duration;

use nostr_sdk::prelude::{Relay, RelayNotification, RelayStatus};
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

use crate::bunker::{Endpoint, Inner};
use crate::wire::{self, Scheme, KIND_NIP46};

/// Every `every`, the admin endpoint publishes a plaintext kind-24133 `ping` to itself. NDK
/// hands it to the daemon's own subscription first; parsing it fails in both schemes and leaves
/// the admin endpoint on NIP-44 (0.11 §1.2, V9, V11).
pub(crate) fn self_ping(inner: Arc<Inner>, every: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let every = every.max(Duration::from_millis(10));
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        let admin_pk = inner.admin.public_key();
        loop {
            ticker.tick().await;
            if inner.is_stopped() || inner.is_dead() {
                break;
            }
            inner.set_scheme(Endpoint::Admin, Scheme::Nip44);
            if !inner.answering() {
                continue;
            }
            let Some(ping) = wire::envelope(&inner.admin, KIND_NIP46, &admin_pk, "ping".into())
            else {
                continue;
            };
            if let Err(e) = inner.client.send_event(&ping).await {
                tracing::debug!("sandbox bunker: self-ping not published: {e}");
            }
        }
    })
}

/// Once `relay`'s connection drops, the double stops answering for good (0.11 §6.2, V70).
pub(crate) fn deaf_on_drop(inner: Arc<Inner>, relay: Relay) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut notifications = relay.notifications();
        loop {
            match notifications.recv().await {
                Ok(RelayNotification::RelayStatus { status }) => {
                    if matches!(
                        status,
                        RelayStatus::Disconnected | RelayStatus::Terminated | RelayStatus::Sleeping
                    ) {
                        inner.make_deaf();
                    }
                }
                Ok(RelayNotification::Shutdown) | Err(RecvError::Closed) => break,
                Ok(_) | Err(RecvError::Lagged(_)) => {}
            }
        }
    })
}
