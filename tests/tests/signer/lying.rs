//! A signer that lies (issue #11 item 3): whatever it returns is checked before anything is
//! published or believed. Its admin key IS in the bunker's `admin.npubs`, so only our checks
//! stand between its lies and the bunker; a 0.11 daemon would die of one non-JSON request.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bunker_client::{AdminClient, AdminConnection, ClientOptions, ErrorKind, RequestSigner};
use nostr::nips::{nip04, nip44};
use nostr::signer::{NostrSigner, SignerBackend, SignerError};
use nostr::util::BoxedFuture;
use nostr::{Event, EventBuilder, Keys, PublicKey, UnsignedEvent};

use crate::support::Console;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Lie {
    /// Signs, but another content than asked.
    AltersTheEvent,
    /// Signs with another key.
    SignsWithAnotherKey,
    /// "Encrypts" something that is not the request (a plain word, fatal to a 0.11 daemon).
    EncryptsSomethingElse,
    /// Reads the bunker's replies as something that is not a reply.
    MisreadsReplies,
}

#[derive(Debug)]
struct Liar {
    keys: Keys,
    lie: Lie,
    /// What it encrypted last: decrypting that back is answered honestly (the seal check).
    sealed: Mutex<Vec<String>>,
}

impl Liar {
    fn encrypt(
        &self,
        peer: &PublicKey,
        text: &str,
        nip04_scheme: bool,
    ) -> Result<String, SignerError> {
        let text = if self.lie == Lie::EncryptsSomethingElse {
            "ping"
        } else {
            text
        };
        let out = if nip04_scheme {
            nip04::encrypt(self.keys.secret_key(), peer, text).map_err(SignerError::backend)?
        } else {
            nip44::encrypt(self.keys.secret_key(), peer, text, nip44::Version::V2)
                .map_err(SignerError::backend)?
        };
        self.sealed.lock().unwrap().push(out.clone());
        Ok(out)
    }

    fn decrypt(
        &self,
        peer: &PublicKey,
        payload: &str,
        nip04_scheme: bool,
    ) -> Result<String, SignerError> {
        let own = self.sealed.lock().unwrap().iter().any(|p| p == payload);
        if self.lie == Lie::MisreadsReplies && !own {
            return Ok("hello".into());
        }
        if nip04_scheme {
            nip04::decrypt(self.keys.secret_key(), peer, payload).map_err(SignerError::backend)
        } else {
            nip44::decrypt(self.keys.secret_key(), peer, payload).map_err(SignerError::backend)
        }
    }
}

impl NostrSigner for Liar {
    fn backend(&self) -> SignerBackend<'_> {
        SignerBackend::Custom("liar".into())
    }
    fn get_public_key(&self) -> BoxedFuture<'_, Result<PublicKey, SignerError>> {
        Box::pin(async move { Ok(self.keys.public_key()) })
    }
    fn sign_event(&self, unsigned: UnsignedEvent) -> BoxedFuture<'_, Result<Event, SignerError>> {
        Box::pin(async move {
            match self.lie {
                Lie::AltersTheEvent => EventBuilder::new(unsigned.kind, "{}")
                    .tags(unsigned.tags.clone())
                    .custom_created_at(unsigned.created_at)
                    .sign_with_keys(&self.keys)
                    .map_err(SignerError::backend),
                Lie::SignsWithAnotherKey => {
                    EventBuilder::new(unsigned.kind, unsigned.content.clone())
                        .tags(unsigned.tags.clone())
                        .custom_created_at(unsigned.created_at)
                        .sign_with_keys(&Keys::generate())
                        .map_err(SignerError::backend)
                }
                _ => unsigned
                    .sign_with_keys(&self.keys)
                    .map_err(SignerError::backend),
            }
        })
    }
    fn nip04_encrypt<'a>(
        &'a self,
        pk: &'a PublicKey,
        text: &'a str,
    ) -> BoxedFuture<'a, Result<String, SignerError>> {
        Box::pin(async move { self.encrypt(pk, text, true) })
    }
    fn nip04_decrypt<'a>(
        &'a self,
        pk: &'a PublicKey,
        text: &'a str,
    ) -> BoxedFuture<'a, Result<String, SignerError>> {
        Box::pin(async move { self.decrypt(pk, text, true) })
    }
    fn nip44_encrypt<'a>(
        &'a self,
        pk: &'a PublicKey,
        text: &'a str,
    ) -> BoxedFuture<'a, Result<String, SignerError>> {
        Box::pin(async move { self.encrypt(pk, text, false) })
    }
    fn nip44_decrypt<'a>(
        &'a self,
        pk: &'a PublicKey,
        text: &'a str,
    ) -> BoxedFuture<'a, Result<String, SignerError>> {
        Box::pin(async move { self.decrypt(pk, text, false) })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_lie_of_a_signer_is_refused_before_it_reaches_the_bunker_or_is_believed() {
    let keys = Keys::generate();
    let console = Console::start(keys.public_key()).await;
    let conn = AdminConnection::parse(&console.sandbox.bunker.admin_connection_string()).unwrap();
    for lie in [
        Lie::AltersTheEvent,
        Lie::SignsWithAnotherKey,
        Lie::EncryptsSomethingElse,
        Lie::MisreadsReplies,
    ] {
        let liar = Liar {
            keys: keys.clone(),
            lie,
            sealed: Mutex::default(),
        };
        let signer =
            RequestSigner::remote(Arc::new(liar), keys.public_key(), Duration::from_secs(5));
        let admin = AdminClient::connect(signer, &conn, ClientOptions::loopback())
            .await
            .unwrap();
        let err = admin.detect_line().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BadSignature, "{lie:?}: {err}");
        assert!(
            err.to_string().starts_with("your signer "),
            "{lie:?}: {err}"
        );
        admin.shutdown().await;
        assert!(
            !console.sandbox.bunker.is_dead(),
            "{lie:?}: nothing the liar made reached the bunker"
        );
    }
    // The same key, honest, works: the refusals were about the lies.
    let honest = RequestSigner::remote(
        Arc::new(keys.clone()),
        keys.public_key(),
        Duration::from_secs(5),
    );
    let admin = AdminClient::connect(honest, &conn, ClientOptions::loopback())
        .await
        .unwrap();
    admin.detect_line().await.unwrap();
    admin.shutdown().await;
}
