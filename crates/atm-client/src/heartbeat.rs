//! Sending the ATM heartbeat (format: `bunker_client::heartbeat`): signed with this ATM's own
//! client key and published on the bunker's relays. No bunker round trip, no permission needed,
//! nothing secret in it.

use std::time::Duration;

use bunker_client::heartbeat::{
    heartbeat_event, HeartbeatContent, HeartbeatStatus, HEARTBEAT_VERSION,
};
use bunker_client::ClientOptions;
use nostr::{Event, Timestamp};
use nostr_sdk::Client;
use tokio::time::timeout;

use crate::error::{Error, Result};
use crate::state::AtmState;
use crate::warm::SignerHealth;

/// `satmachine-atm <version>`, as the heartbeat names the software.
pub fn software() -> String {
    format!("satmachine-atm {}", env!("CARGO_PKG_VERSION"))
}

/// The heartbeat status for a warm signer's health.
pub fn status_of(health: SignerHealth) -> HeartbeatStatus {
    match health {
        SignerHealth::Ok => HeartbeatStatus::Ok,
        SignerHealth::Refused => HeartbeatStatus::Refused,
        SignerHealth::Unreachable => HeartbeatStatus::Unreachable,
    }
}

/// Signs a heartbeat with the ATM's client key and publishes it on the pairing's relays;
/// returns the event once at least one relay accepted it (`OK`).
///
/// # Errors
/// [`Error::HeartbeatNotPublished`] when no relay accepted it within `opts.timeout`
/// (connecting is bounded by `opts.connect_timeout`).
pub async fn publish_heartbeat(
    state: &AtmState,
    status: HeartbeatStatus,
    interval: Option<Duration>,
    opts: ClientOptions,
) -> Result<Event> {
    let content = HeartbeatContent {
        v: HEARTBEAT_VERSION,
        software: software(),
        status,
        interval_secs: interval.map(|d| d.as_secs().max(1)),
    };
    let event = heartbeat_event(
        state.keys(),
        &state.operator_public_key(),
        &content,
        Timestamp::now(),
    )
    .map_err(Error::Heartbeat)?;
    let relays = &state.bunker_uri().relays;
    let not_published = || Error::HeartbeatNotPublished {
        relays: relays
            .iter()
            .map(|r| r.as_str_without_trailing_slash())
            .collect::<Vec<_>>()
            .join(", "),
    };
    let client = Client::default();
    for relay in relays {
        if client.add_relay(relay.clone()).await.is_err() {
            return Err(not_published());
        }
    }
    let sent = async {
        client.try_connect(opts.connect_timeout).await;
        client.send_event(&event).await
    };
    let outcome = timeout(opts.timeout, sent).await;
    client.shutdown().await;
    match outcome {
        Ok(Ok(output)) if !output.success.is_empty() => Ok(event),
        _ => Err(not_published()),
    }
}
