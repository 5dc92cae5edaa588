//! An ATM simulator for tests and the demo: redeems a pairing URL with a fresh client key and
//! signs kind-21000 events, thin over [`bunker_client::SignerClient`] (protocol/nsecbunkerd.md
//! §4.2). Unlike a real ATM it persists nothing.

use bunker_client::{BunkerUri, ClientOptions, EventTemplate, Redemption, SignerClient};
use nostr::{Event, Keys, Kind, PublicKey, Timestamp};

/// The event kind an ATM pairing allows.
const ATM_KIND: u16 = 21000;

/// A simulated ATM holding one redeemed pairing.
pub struct AtmSimulator {
    client: SignerClient,
    redemption: Redemption,
}

impl AtmSimulator {
    /// Redeems `url` (`bunker://<key>?relay=…&secret=…`) with a fresh client keypair: a
    /// `connect` with the secret, resuming on `"Token already redeemed"` like a real ATM.
    ///
    /// # Errors
    /// The URL's parse error, [`bunker_client::Error::InvalidInput`] if it has no secret, or the
    /// bunker's refusal (`Token not found`, `Token already redeemed`, …).
    pub async fn redeem(url: &str, opts: ClientOptions) -> bunker_client::Result<Self> {
        let uri = BunkerUri::parse(url)?;
        let secret = uri
            .secret
            .as_ref()
            .ok_or(bunker_client::Error::InvalidInput(
                "the pairing URL carries no secret",
            ))?;
        let client = SignerClient::new(Keys::generate(), &uri.without_secret(), opts).await?;
        match client.connect_resuming(secret).await {
            Ok(redemption) => Ok(Self { client, redemption }),
            Err(e) => {
                client.shutdown().await;
                Err(e)
            }
        }
    }

    /// Signs a kind-21000 event with `content`; returns the bunker's verified event.
    pub async fn sign_21000(&self, content: &str) -> bunker_client::Result<Event> {
        self.client
            .sign_event(EventTemplate {
                kind: Kind::from(ATM_KIND),
                content: content.to_owned(),
                tags: Vec::new(),
                created_at: Timestamp::now(),
            })
            .await
    }

    /// The simulated ATM's client public key (what the bunker's KeyUser records).
    pub fn client_public_key(&self) -> PublicKey {
        self.client.client_public_key()
    }

    /// How the secret was redeemed.
    pub fn redemption(&self) -> Redemption {
        self.redemption
    }

    /// Disconnects from the relays.
    pub async fn shutdown(self) {
        self.client.shutdown().await;
    }
}
