//! The `nostrconnect://` handshake: we show a URL (as a QR), a phone signer scans it and
//! answers on the relay; we learn the signer's public key.
//!
//! This is the one part `nostr-connect` 0.44 cannot do for us: its `nostrconnect://` URIs carry
//! no `secret` (NIP-46 now requires one, so a stray signer cannot pose as the scanned one) and
//! its client accepts only an `ack` response, while current signers answer with the secret and
//! rust-nostr's own 0.44 signer sends a `connect` request. So the URL is built and the answer
//! awaited here; everything after (each signer call) goes through `NostrConnect`.

use std::time::Duration;

use bunker_client::Sensitive;
use nostr::nips::{nip04, nip44};
use nostr::secp256k1::rand::random;
use nostr::{Filter, Keys, Kind, PublicKey, RelayUrl, Timestamp};
use nostr_sdk::{Client, RelayPoolNotification};
use serde_json::Value;
use tokio::sync::broadcast;
use tokio::time::{timeout_at, Instant};

use crate::{Error, Result};

/// The app's name as the signer shows it.
pub const APP_NAME: &str = "Satmachine Operator";

/// The methods the signer is asked to allow (NIP-46 `perms`): what one admin RPC needs.
pub const PERMS: &str =
    "sign_event:24133,sign_event:24134,nip04_encrypt,nip04_decrypt,nip44_encrypt,nip44_decrypt";

/// A `nostrconnect://` offer waiting for a signer. Holds the new NIP-46 client key and the
/// connection secret; `Debug` shows neither. Once opened it already listens, so a signer that
/// answers the moment the code is scanned is heard (kind 24133 is ephemeral: a relay keeps
/// nothing for a late subscriber).
pub struct NostrConnectOffer {
    pub(super) client_keys: Keys,
    pub(super) secret: Sensitive<String>,
    pub(super) relays: Vec<RelayUrl>,
    listening: Option<(Client, broadcast::Receiver<RelayPoolNotification>)>,
}

impl std::fmt::Debug for NostrConnectOffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NostrConnectOffer")
            .field("client", &self.client_keys.public_key())
            .field("relays", &self.relays)
            .finish_non_exhaustive()
    }
}

impl NostrConnectOffer {
    /// A fresh offer on `relays` (at least one).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] without relays.
    pub fn new(relays: Vec<RelayUrl>) -> Result<Self> {
        if relays.is_empty() {
            return Err(Error::InvalidInput(
                "a nostrconnect code needs a relay your signer can reach, e.g. wss://relay.example.com (satop: --relay)"
                    .into(),
            ));
        }
        // 120 bits, as 30 hex digits: short enough for the secret store's encoding.
        let bytes: [u8; 15] = random();
        let secret = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Ok(Self {
            client_keys: Keys::generate(),
            secret: Sensitive::new(secret),
            relays,
            listening: None,
        })
    }

    /// Connects to the relays and starts listening for the signer's answer; call before
    /// showing [`NostrConnectOffer::url`].
    ///
    /// # Errors
    /// [`Error::Bunker`] with kind `SignerUnreachable` when no relay connects.
    pub async fn listen(&mut self, connect_timeout: Duration) -> Result<()> {
        let client = Client::default();
        for relay in &self.relays {
            client
                .add_relay(relay.clone())
                .await
                .map_err(|_| unreachable())?;
        }
        let connected = client.try_connect(connect_timeout).await;
        if connected.success.is_empty() {
            client.shutdown().await;
            return Err(unreachable());
        }
        let notifications = client.notifications();
        let filter = Filter::new()
            .kind(Kind::NostrConnect)
            .pubkey(self.client_keys.public_key())
            .since(Timestamp::now() - Duration::from_secs(60));
        match client.subscribe(filter, None).await {
            Ok(out) if !out.success.is_empty() => {}
            _ => {
                client.shutdown().await;
                return Err(unreachable());
            }
        }
        self.listening = Some((client, notifications));
        Ok(())
    }

    /// The URL to show (as a QR) to the signer. It carries the connection secret: show it,
    /// never store or log it.
    pub fn url(&self) -> Sensitive<String> {
        let mut url = format!("nostrconnect://{}?", self.client_keys.public_key().to_hex());
        for relay in &self.relays {
            url.push_str("relay=");
            url.push_str(&encode(relay.as_str_without_trailing_slash()));
            url.push('&');
        }
        let metadata = serde_json::json!({ "name": APP_NAME }).to_string();
        url.push_str(&format!(
            "secret={}&name={}&perms={}&metadata={}",
            self.secret.expose(),
            encode(APP_NAME),
            encode(PERMS),
            encode(&metadata)
        ));
        Sensitive::new(url)
    }

    /// The relays of the offer.
    pub fn relays(&self) -> &[RelayUrl] {
        &self.relays
    }

    /// Waits up to `wait` for a signer to answer the offer (listening first if
    /// [`NostrConnectOffer::listen`] was not called); returns the signer's public key (the
    /// NIP-46 "remote signer" key, not yet the admin key: ask it with `get_public_key`).
    ///
    /// # Errors
    /// [`Error::Bunker`] with kind `Unreachable` when no relay connects, `SignerTimeout` when
    /// no signer answered in time.
    pub async fn wait_for_signer(&mut self, wait: Duration) -> Result<PublicKey> {
        let deadline = Instant::now() + wait;
        if self.listening.is_none() {
            self.listen(Duration::from_secs(10).min(wait)).await?;
        }
        let Some((client, mut notifications)) = self.listening.take() else {
            return Err(unreachable());
        };
        let found = loop {
            match timeout_at(deadline, notifications.recv()).await {
                Err(_) | Ok(Err(_)) => break None,
                Ok(Ok(RelayPoolNotification::Event { event, .. })) => {
                    if event.kind == Kind::NostrConnect
                        && event.verify().is_ok()
                        && self.is_answer(&event.pubkey, &event.content)
                    {
                        break Some(event.pubkey);
                    }
                }
                Ok(Ok(_)) => {}
            }
        };
        client.shutdown().await;
        found.ok_or_else(|| {
            Error::Bunker(bunker_client::Error::SignerTimeout {
                what: "answer the nostrconnect code".into(),
                waited: wait,
            })
        })
    }

    /// Whether `content` from `author` answers this offer: a response whose result is the
    /// secret (current NIP-46), or a `connect` request carrying the secret (rust-nostr 0.44's
    /// signer). Anything else, a bare `ack` or a wrong secret included, is ignored: only who
    /// scanned the code knows the secret.
    fn is_answer(&self, author: &PublicKey, content: &str) -> bool {
        let sk = self.client_keys.secret_key();
        let Some(text) = nip44::decrypt(sk, author, content)
            .ok()
            .or_else(|| nip04::decrypt(sk, author, content).ok())
        else {
            return false;
        };
        let Ok(Value::Object(msg)) = serde_json::from_str::<Value>(&text) else {
            return false;
        };
        let secret = self.secret.expose().as_str();
        if let Some(method) = msg.get("method").and_then(Value::as_str) {
            let params = msg.get("params").and_then(Value::as_array);
            return method == "connect"
                && params
                    .and_then(|p| p.get(1))
                    .and_then(Value::as_str)
                    .is_some_and(|s| s == secret);
        }
        match msg.get("result").and_then(Value::as_str) {
            Some(result) => result == secret,
            None => false,
        }
    }
}

fn unreachable() -> Error {
    Error::Bunker(bunker_client::Error::SignerUnreachable {
        what: "wait for the signer to scan the code".into(),
    })
}

/// Percent-encoding for a query value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use nostr::nips::nip46::NostrConnectURI;

    fn offer() -> NostrConnectOffer {
        NostrConnectOffer::new(vec![RelayUrl::parse("ws://127.0.0.1:7777").unwrap()]).unwrap()
    }

    #[test]
    fn the_url_parses_as_a_nostrconnect_uri_with_our_key_and_relay() {
        let offer = offer();
        let url = offer.url();
        assert!(url.expose().contains(offer.secret.expose()));
        match NostrConnectURI::parse(url.expose()).unwrap() {
            NostrConnectURI::Client {
                public_key, relays, ..
            } => {
                assert_eq!(public_key, offer.client_keys.public_key());
                assert_eq!(relays, offer.relays);
            }
            other => panic!("expected a client URI, got {other:?}"),
        }
    }

    #[test]
    fn only_an_answer_with_our_secret_counts() {
        let offer = offer();
        let signer = Keys::generate();
        let to_us = |text: &str| {
            nip44::encrypt(
                signer.secret_key(),
                &offer.client_keys.public_key(),
                text,
                nip44::Version::V2,
            )
            .unwrap()
        };
        let secret = offer.secret.expose().clone();
        let good = [
            format!(r#"{{"id":"x","result":"{secret}"}}"#),
            format!(
                r#"{{"id":"x","method":"connect","params":["{}","{secret}"]}}"#,
                signer.public_key().to_hex()
            ),
        ];
        for text in good {
            assert!(
                offer.is_answer(&signer.public_key(), &to_us(&text)),
                "{text}"
            );
        }
        let bad = [
            r#"{"id":"x","result":"wrong"}"#.to_owned(),
            r#"{"id":"x","method":"connect","params":["a"]}"#.to_owned(),
            "not json".to_owned(),
        ];
        for text in bad {
            assert!(
                !offer.is_answer(&signer.public_key(), &to_us(&text)),
                "{text}"
            );
        }
    }
}
