//! Re-issues our REQs after every reconnect.
//!
//! nostr-relay-pool 0.44 skips its own re-subscription when the reconnect happens within the
//! same second as the original subscription (`connected_at > subscribed_at` on second-resolution
//! timestamps), so a relay restarted quickly (offline tests) would leave the bunker deaf.
//! Sending a REQ again with the same subscription id just replaces it at the relay.

use std::sync::{Arc, Mutex};

use nostr::{Filter, SubscriptionId};
use nostr_sdk::prelude::{Relay, RelayNotification, RelayStatus, SubscribeOptions};
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

/// Spawns a task that re-sends `subscriptions` each time `relay` (re)connects.
pub(crate) fn keep_subscribed(
    relay: Relay,
    subscriptions: Arc<Mutex<Vec<(SubscriptionId, Filter)>>>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut notifications = relay.notifications();
        loop {
            match notifications.recv().await {
                Ok(RelayNotification::RelayStatus {
                    status: RelayStatus::Connected,
                }) => {
                    let current = subscriptions
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .clone();
                    for (id, filter) in &current {
                        if let Err(e) = relay
                            .subscribe_with_id(
                                id.clone(),
                                filter.clone(),
                                SubscribeOptions::default(),
                            )
                            .await
                        {
                            tracing::debug!("sandbox: re-subscribe to {} failed: {e}", relay.url());
                        }
                    }
                }
                Ok(RelayNotification::Shutdown) | Err(RecvError::Closed) => break,
                Ok(_) | Err(RecvError::Lagged(_)) => {}
            }
        }
    })
}
