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

/// An event found on the relays, with the relays that hold it.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    /// The newest verified event.
    pub(crate) event: Event,
    /// The relays that returned this very event (sorted); a relay that did not answer, or
    /// holds only an older version, is not among them.
    pub(crate) relays: Vec<String>,
}

/// The newest kind-`kind` event of `author` with `d` = `d_tag` on `relays`, if any, and which
/// of the relays hold it. Each relay is asked on its own (all at once), so that the answer
/// says where the event really is. [`Error::NotPublished`] when no relay answers.
pub(crate) async fn latest(
    relays: &[RelayUrl],
    author: PublicKey,
    kind: Kind,
    d_tag: &str,
    timeout: Duration,
) -> Result<Option<Found>> {
    let client = client(relays, timeout).await?;
    let filter = Filter::new()
        .author(author)
        .kind(kind)
        .custom_tag(SingleLetterTag::lowercase(Alphabet::D), d_tag)
        .limit(1);
    let mut asked = tokio::task::JoinSet::new();
    for relay in relays {
        let (client, filter, relay) = (client.clone(), filter.clone(), relay.clone());
        asked.spawn(async move {
            let events = client
                .fetch_events_from([relay.clone()], filter, timeout)
                .await;
            (relay, events)
        });
    }
    let mut answers: Vec<(RelayUrl, Vec<Event>)> = Vec::new();
    while let Some(joined) = asked.join_next().await {
        if let Ok((relay, Ok(events))) = joined {
            let verified = events.into_iter().filter(|e| e.verify().is_ok()).collect();
            answers.push((relay, verified));
        }
    }
    client.shutdown().await;
    if answers.is_empty() {
        return Err(not_published(relays));
    }
    Ok(newest_with_holders(&answers))
}

/// Every kind-`kind` event of `author` on `relays` (all asked at once), verified (id and
/// signature), duplicates removed: how a console reads the roster, fee policy and app config
/// another console published. [`Error::NotPublished`] when no relay answers.
pub(crate) async fn all(
    relays: &[RelayUrl],
    author: PublicKey,
    kind: Kind,
    timeout: Duration,
) -> Result<Vec<Event>> {
    let client = client(relays, timeout).await?;
    let filter = Filter::new().author(author).kind(kind);
    let fetched = client.fetch_events(filter, timeout).await;
    client.shutdown().await;
    let events = fetched.map_err(|_| not_published(relays))?;
    Ok(events.into_iter().filter(|e| e.verify().is_ok()).collect())
}

/// The newest event among the relays' answers and the relays that returned it.
fn newest_with_holders(answers: &[(RelayUrl, Vec<Event>)]) -> Option<Found> {
    let event = answers
        .iter()
        .flat_map(|(_, events)| events)
        .max_by_key(|e| (e.created_at, e.id))?
        .clone();
    let mut holders: Vec<String> = answers
        .iter()
        .filter(|(_, events)| events.iter().any(|e| e.id == event.id))
        .map(|(relay, _)| relay.to_string())
        .collect();
    holders.sort();
    Some(Found {
        event,
        relays: holders,
    })
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

#[cfg(test)]
mod tests {
    use nostr::{EventBuilder, Keys, Tag};
    use sandbox::SandboxRelay;

    use super::*;

    const WAIT: Duration = Duration::from_secs(5);

    #[tokio::test]
    async fn found_already_published_names_only_the_relays_that_hold_the_event() {
        let (a, b) = (
            SandboxRelay::start(None).await.unwrap(),
            SandboxRelay::start(None).await.unwrap(),
        );
        let keys = Keys::generate();
        let kind = Kind::from(30078);
        let event = EventBuilder::new(kind, "{\"v\":1}")
            .tags([Tag::identifier("satmachine:test")])
            .sign_with_keys(&keys)
            .unwrap();
        // Published to relay A only.
        let accepted = publish(&event, &[a.url()], WAIT).await.unwrap();
        assert_eq!(accepted, vec![a.url().to_string()]);

        let found = latest(
            &[a.url(), b.url()],
            keys.public_key(),
            kind,
            "satmachine:test",
            WAIT,
        )
        .await
        .unwrap()
        .expect("relay A holds it");
        assert_eq!(found.event.id, event.id);
        assert_eq!(
            found.relays,
            vec![a.url().to_string()],
            "relay B does not hold the event and is not named"
        );
        a.stop().await;
        b.stop().await;
    }

    #[tokio::test]
    async fn nothing_published_is_nothing_found() {
        let a = SandboxRelay::start(None).await.unwrap();
        let found = latest(
            &[a.url()],
            Keys::generate().public_key(),
            Kind::from(30078),
            "satmachine:test",
            WAIT,
        )
        .await
        .unwrap();
        assert!(found.is_none());
        a.stop().await;
    }
}
