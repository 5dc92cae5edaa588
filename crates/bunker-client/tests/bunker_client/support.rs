//! Test fixtures: an in-process relay on 127.0.0.1 and a scripted responder that answers with
//! exactly the kinds and JSON a test wants.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context};
use bunker_client::crypto::{self, Encryption};
use bunker_client::ClientOptions;
use nostr::{
    ClientMessage, Event, EventBuilder, Filter, Keys, Kind, PublicKey, RelayMessage, RelayUrl, Tag,
};
use nostr_relay_builder::prelude::{LocalRelay, RelayBuilder};
use nostr_sdk::{Client, RelayPoolNotification};
use serde_json::Value;
use tokio::sync::Notify;

/// How long a test waits for a condition that normally holds within milliseconds.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Options with short windows, so failing tests fail fast.
pub fn fast_options() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(5),
        duplicate_grace: Duration::from_millis(300),
        connect_timeout: Duration::from_secs(5),
        nip44_probe_timeout: Duration::from_millis(500),
    }
}

/// Starts a relay on a free loopback port; it accepts connections when this returns.
pub async fn start_relay() -> anyhow::Result<(LocalRelay, RelayUrl)> {
    let relay = LocalRelay::new(RelayBuilder::default());
    relay.run().await?;
    let url = relay.url().await;
    Ok((relay, url))
}

/// A request as the responder received it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub kind: u16,
    pub author: PublicKey,
    pub encryption: Encryption,
    pub raw_content: String,
    pub id: String,
    pub method: String,
    pub params: Vec<Value>,
}

/// One reply to publish: event kind, plaintext JSON, and (by default) the request's scheme.
pub struct Out {
    pub kind: u16,
    pub json: String,
    pub scheme: Option<Encryption>,
}

impl Out {
    /// The same reply, encrypted with `scheme` whatever the request used (nsecbunkerd 0.11's
    /// shared per-endpoint scheme, 0.11 doc §1.2).
    pub fn in_scheme(mut self, scheme: Encryption) -> Self {
        self.scheme = Some(scheme);
        self
    }

    /// An unsolicited `acl` prompt about `client` (0.11 doc §2.5).
    pub fn acl(kind: u16, client: &PublicKey) -> Self {
        let payload = serde_json::json!({
            "keyName": "fleet",
            "remotePubkey": client.to_hex(),
            "method": "sign_event",
            "param": "{}",
            "description": "satmachine-7",
        })
        .to_string();
        Self {
            kind,
            json: serde_json::json!({ "id": "1n", "method": "acl", "params": [payload] })
                .to_string(),
            scheme: None,
        }
    }

    /// `{"id":<id>,"result":<result>}`.
    pub fn result(kind: u16, id: &str, result: &str) -> Self {
        Self {
            kind,
            json: serde_json::json!({ "id": id, "result": result }).to_string(),
            scheme: None,
        }
    }

    /// `{"id":<id>,"result":"error","error":<message>}` (variant B).
    pub fn error(kind: u16, id: &str, message: &str) -> Self {
        Self {
            kind,
            json: serde_json::json!({ "id": id, "result": "error", "error": message }).to_string(),
            scheme: None,
        }
    }
}

type Script = dyn Fn(&Seen) -> Vec<Out> + Send + Sync;

/// A nostr-sdk client holding a bunker key that answers requests by script.
pub struct Responder {
    pub keys: Keys,
    seen: Arc<Mutex<Vec<Seen>>>,
    raw: Arc<Mutex<Vec<Event>>>,
    arrived: Arc<Notify>,
}

impl Responder {
    /// Connects, subscribes to `kinds` tagged to `keys`, and returns once the relay has
    /// confirmed the subscription (EOSE), so no request can be missed.
    pub async fn start(
        relay: &RelayUrl,
        keys: Keys,
        kinds: &[u16],
        script: impl Fn(&Seen) -> Vec<Out> + Send + Sync + 'static,
    ) -> anyhow::Result<Self> {
        let client = Client::default();
        client.add_relay(relay.clone()).await?;
        let connected = client.try_connect(PATIENCE).await;
        if connected.success.is_empty() {
            bail!("responder could not connect");
        }
        let mut notifications = client.notifications();
        let filter = Filter::new()
            .kinds(kinds.iter().copied().map(Kind::from))
            .pubkey(keys.public_key())
            .limit(0);
        let sub = client.subscribe(filter, None).await?.val;
        tokio::time::timeout(PATIENCE, async {
            loop {
                if let Ok(RelayPoolNotification::Message {
                    message: RelayMessage::EndOfStoredEvents(id),
                    ..
                }) = notifications.recv().await
                {
                    if *id == sub {
                        break;
                    }
                }
            }
        })
        .await
        .context("no EOSE for the responder's subscription")?;

        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let raw: Arc<Mutex<Vec<Event>>> = Arc::default();
        let arrived = Arc::new(Notify::new());
        let script: Arc<Script> = Arc::new(script);
        let responder = Self {
            keys: keys.clone(),
            seen: Arc::clone(&seen),
            raw: Arc::clone(&raw),
            arrived: Arc::clone(&arrived),
        };
        tokio::spawn(async move {
            while let Ok(notification) = notifications.recv().await {
                let RelayPoolNotification::Event { event, .. } = notification else {
                    continue;
                };
                // Every event addressed to this key, before any decryption: what a real
                // daemon would have to parse.
                raw.lock().unwrap().push((*event).clone());
                let Ok(plaintext) =
                    crypto::decrypt(keys.secret_key(), &event.pubkey, &event.content)
                else {
                    continue;
                };
                let Ok(json) = serde_json::from_str::<Value>(&plaintext) else {
                    continue;
                };
                let request = Seen {
                    kind: event.kind.as_u16(),
                    author: event.pubkey,
                    encryption: Encryption::of_payload(&event.content),
                    raw_content: event.content.clone(),
                    id: json["id"].as_str().unwrap_or_default().to_owned(),
                    method: json["method"].as_str().unwrap_or_default().to_owned(),
                    params: json["params"].as_array().cloned().unwrap_or_default(),
                };
                seen.lock().unwrap().push(request.clone());
                arrived.notify_waiters();
                for out in script(&request) {
                    let scheme = out.scheme.unwrap_or(request.encryption);
                    send(&client, &keys, &request.author, scheme, out).await;
                }
            }
        });
        Ok(responder)
    }

    /// Every event received so far, undecrypted.
    pub fn raw_events(&self) -> Vec<Event> {
        self.raw.lock().unwrap().clone()
    }

    /// Requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests have arrived.
    pub async fn wait_for_requests(&self, n: usize) -> anyhow::Result<Vec<Seen>> {
        tokio::time::timeout(PATIENCE, async {
            loop {
                let notified = self.arrived.notified();
                let seen = self.seen();
                if seen.len() >= n {
                    return seen;
                }
                notified.await;
            }
        })
        .await
        .context("the responder did not receive the expected requests")
    }
}

async fn send(client: &Client, keys: &Keys, to: &PublicKey, scheme: Encryption, out: Out) {
    let content = crypto::encrypt(scheme, keys.secret_key(), to, &out.json).unwrap();
    let event = EventBuilder::new(Kind::from(out.kind), content)
        .tag(Tag::public_key(*to))
        .sign_with_keys(keys)
        .unwrap();
    let urls: Vec<RelayUrl> = client.relays().await.into_keys().collect();
    client
        .send_msg_to(urls, ClientMessage::event(event))
        .await
        .unwrap();
}
