//! [`RemoteSigner`]: rust-nostr's `NostrConnect` (the NIP-46 client side) as the console's
//! admin key, with one addition: a failed call while none of the signer's relays is connected
//! is reported as [`bunker_client::request_signer::SIGNER_UNREACHABLE`], so that an absent
//! signer is handled like a bunker outage (the action waits in the outbox) and not as a
//! refusal. A `SignerError` is only text; this is the one place that text is produced.

use std::sync::Arc;

use bunker_client::request_signer::SIGNER_UNREACHABLE;
use nostr::signer::{NostrSigner, SignerBackend, SignerError};
use nostr::util::BoxedFuture;
use nostr::{Event, PublicKey, UnsignedEvent};
use nostr_connect::client::NostrConnect;
use nostr_sdk::prelude::RelayStatus;

/// A NIP-46 remote signer holding the admin key.
#[derive(Debug, Clone)]
pub struct RemoteSigner {
    connect: Arc<NostrConnect>,
}

impl RemoteSigner {
    /// Wraps a `NostrConnect` client.
    pub fn new(connect: NostrConnect) -> Self {
        Self {
            connect: Arc::new(connect),
        }
    }

    /// Disconnects from the signer's relays.
    pub async fn shutdown(&self) {
        (*self.connect).clone().shutdown().await;
    }

    async fn typed<T>(&self, outcome: Result<T, SignerError>) -> Result<T, SignerError> {
        match outcome {
            Ok(value) => Ok(value),
            Err(e) => {
                let connected = self
                    .connect
                    .status()
                    .await
                    .values()
                    .any(|s| *s == RelayStatus::Connected);
                if connected {
                    Err(e)
                } else {
                    Err(SignerError::from(SIGNER_UNREACHABLE))
                }
            }
        }
    }
}

impl NostrSigner for RemoteSigner {
    fn backend(&self) -> SignerBackend<'_> {
        SignerBackend::NostrConnect
    }

    fn get_public_key(&self) -> BoxedFuture<'_, Result<PublicKey, SignerError>> {
        Box::pin(async move { self.typed(self.connect.get_public_key().await).await })
    }

    fn sign_event(&self, unsigned: UnsignedEvent) -> BoxedFuture<'_, Result<Event, SignerError>> {
        Box::pin(async move { self.typed(self.connect.sign_event(unsigned).await).await })
    }

    fn nip04_encrypt<'a>(
        &'a self,
        public_key: &'a PublicKey,
        content: &'a str,
    ) -> BoxedFuture<'a, Result<String, SignerError>> {
        Box::pin(async move {
            self.typed(self.connect.nip04_encrypt(public_key, content).await)
                .await
        })
    }

    fn nip04_decrypt<'a>(
        &'a self,
        public_key: &'a PublicKey,
        content: &'a str,
    ) -> BoxedFuture<'a, Result<String, SignerError>> {
        Box::pin(async move {
            self.typed(self.connect.nip04_decrypt(public_key, content).await)
                .await
        })
    }

    fn nip44_encrypt<'a>(
        &'a self,
        public_key: &'a PublicKey,
        content: &'a str,
    ) -> BoxedFuture<'a, Result<String, SignerError>> {
        Box::pin(async move {
            self.typed(self.connect.nip44_encrypt(public_key, content).await)
                .await
        })
    }

    fn nip44_decrypt<'a>(
        &'a self,
        public_key: &'a PublicKey,
        content: &'a str,
    ) -> BoxedFuture<'a, Result<String, SignerError>> {
        Box::pin(async move {
            self.typed(self.connect.nip44_decrypt(public_key, content).await)
                .await
        })
    }
}
