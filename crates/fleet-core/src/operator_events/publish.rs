//! Publishing a verified operator event to the ATM relays (the bunker's `nostr.relays`, where
//! the ATMs read), and finding an earlier publication so a repeated outbox row is not signed
//! twice.

use std::time::Duration;

use nostr::{Alphabet, Event, Filter, Kind, PublicKey, RelayUrl, SingleLetterTag};
use nostr_sdk::Client;

use crate::{Error, Result};

/// Connects to `relays` (all of them, or fails with [`Error::NotPublished`]).
async fn client(relays: &[RelayUrl], timeout: Duration) -> Result<Client> {
    let client = Client::default();
    for r in relays {
        client
            .add_relay(r.clone())
            .await
            .map_err(|_| not_published(relays))?;
    }
    let connected = client.try_connect(timeout).await;
    if connected.success.is_empty() {
        client.shutdown().await;
        return Err(not_published(relays));
    }
    Ok(client)
}

/// Sends `event` and returns the relays that accepted it (`OK true`); at least one, else
/// [`Error::NotPublished`].
pub(crate) async fn publish(
    event: &Event,
    relays: &[RelayUrl],
    timeout: Duration,
) -> Result<Vec<String>> {
    let client = client(relays, timeout).await?;
    let sent = tokio::time::timeout(timeout, client.send_event(event)).await;
    client.shutdown().await;
    match sent {
        Ok(Ok(output)) if !output.success.is_empty() => {
            let mut accepted: Vec<String> = output.success.iter().map(|r| r.to_string()).collect();
            accepted.sort();
            Ok(accepted)
        }
        _ => Err(not_published(relays)),
    }
}

/// The newest kind-`kind` event of `author` with `d` = `d_tag` on `relays`, if any.
pub(crate) async fn latest(
    relays: &[RelayUrl],
    author: PublicKey,
    kind: Kind,
    d_tag: &str,
    timeout: Duration,
) -> Result<Option<Event>> {
    let client = client(relays, timeout).await?;
    let filter = Filter::new()
        .author(author)
        .kind(kind)
        .custom_tag(SingleLetterTag::lowercase(Alphabet::D), d_tag)
        .limit(1);
    let fetched = client.fetch_events(filter, timeout).await;
    client.shutdown().await;
    let events = fetched.map_err(|_| not_published(relays))?;
    Ok(events
        .into_iter()
        .filter(|e| e.verify().is_ok())
        .max_by_key(|e| e.created_at))
}

fn not_published(relays: &[RelayUrl]) -> Error {
    Error::NotPublished {
        relays: relays
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    }
}
