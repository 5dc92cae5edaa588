//! [`RequestSigner`]: whoever signs our requests and reads the peer's replies (DESIGN.md §3
//! "Where the admin key lives").
//!
//! The link code never holds a secret key: it asks a [`NostrSigner`] to sign an event and to
//! encrypt and decrypt for the peer. That signer is a local [`Keys`] (keyring, NIP-49 file, the
//! ATM's client key) or a remote NIP-46 signer (a phone, a hardware signer, another bunker),
//! e.g. rust-nostr's `NostrConnect`. The admin RPC code does not know which.
//!
//! What a signer returns is checked, never trusted: a signed event must be exactly the event
//! asked for (id, signature, our public key, kind, tags, content, time), a sealed request must
//! decrypt back to itself ([`crate::crypto::seal`]'s guarantee: only JSON objects sealed to the
//! peer are ever published), and a decrypted reply must be a JSON-RPC message.
//!
//! A remote signer may wait for a person to approve on a phone: each of its calls has its own
//! timeout ([`RequestSigner::approval_timeout`], 60 s by default), is announced first to an
//! optional prompt ("Approve on your signer: …"), and is counted.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use nostr::signer::{NostrSigner, SignerError};
use nostr::{Event, Keys, PublicKey, UnsignedEvent};

use crate::crypto::{self, Encryption};
use crate::error::{Error, Result, SignerStep};

/// Default time a person has to approve one signer call.
pub const DEFAULT_APPROVAL_TIMEOUT: Duration = Duration::from_secs(60);

/// The text a signer wrapper returns when none of its relays is connected, so that an
/// unreachable signer is told apart from a refusal (a [`SignerError`] is only text).
pub const SIGNER_UNREACHABLE: &str = "signer unreachable: no relay connected";

/// One signer call about to be made, for a prompt such as "Approve on your signer: <what>".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// What the signer is asked to do, in words.
    pub what: String,
    /// How long the signer has to answer.
    pub timeout: Duration,
}

/// Called before each remote signer call.
pub type ApprovalPrompt = Arc<dyn Fn(&Approval) + Send + Sync>;

/// Signs our requests and decrypts replies, through a local key or a remote signer.
/// Cheap to clone; clones share the call counter.
#[derive(Clone)]
pub struct RequestSigner {
    inner: Arc<dyn NostrSigner>,
    public_key: PublicKey,
    remote: bool,
    approval_timeout: Duration,
    calls: Arc<AtomicU64>,
    prompt: Option<ApprovalPrompt>,
}

impl fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestSigner")
            .field("public_key", &self.public_key)
            .field("remote", &self.remote)
            .finish_non_exhaustive()
    }
}

impl From<Keys> for RequestSigner {
    fn from(keys: Keys) -> Self {
        Self::local(keys)
    }
}

impl RequestSigner {
    /// A key held on this computer. Its calls need no person and never time out.
    pub fn local(keys: Keys) -> Self {
        Self {
            public_key: keys.public_key(),
            inner: Arc::new(keys),
            remote: false,
            approval_timeout: DEFAULT_APPROVAL_TIMEOUT,
            calls: Arc::default(),
            prompt: None,
        }
    }

    /// A remote signer whose public key is already known (cached from an earlier
    /// `get_public_key`), so no call is spent on it. A wrong cached key is caught by the first
    /// signature check ([`Error::SignerMisbehaved`]).
    pub fn remote(
        signer: Arc<dyn NostrSigner>,
        public_key: PublicKey,
        approval_timeout: Duration,
    ) -> Self {
        Self {
            inner: signer,
            public_key,
            remote: true,
            approval_timeout,
            calls: Arc::default(),
            prompt: None,
        }
    }

    /// A remote signer, asking it for its public key (one call).
    ///
    /// # Errors
    /// [`Error::SignerRefused`], [`Error::SignerTimeout`], [`Error::SignerUnreachable`].
    pub async fn remote_asking_key(
        signer: Arc<dyn NostrSigner>,
        approval_timeout: Duration,
        prompt: Option<ApprovalPrompt>,
    ) -> Result<Self> {
        let inner = Arc::clone(&signer);
        // The key is not known yet: a throwaway stands in until the signer names it.
        let asking = Self {
            prompt,
            ..Self::remote(signer, Keys::generate().public_key(), approval_timeout)
        };
        let public_key = asking
            .run(
                SignerStep::PublicKey,
                "share its public key".into(),
                async move { inner.get_public_key().await },
            )
            .await?;
        Ok(Self {
            public_key,
            ..asking
        })
    }

    /// Announces each remote call to `prompt` before it is made.
    #[must_use]
    pub fn with_prompt(mut self, prompt: ApprovalPrompt) -> Self {
        self.prompt = Some(prompt);
        self
    }

    /// The public key requests are signed with (the console's admin npub).
    pub fn public_key(&self) -> PublicKey {
        self.public_key
    }

    /// Whether the key lives in a remote signer.
    pub fn is_remote(&self) -> bool {
        self.remote
    }

    /// How long one remote call may wait for a person.
    pub fn approval_timeout(&self) -> Duration {
        self.approval_timeout
    }

    /// Signer calls made so far by this signer and its clones (`get_public_key` included).
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Signs `unsigned` and checks the result is exactly that event, signed by us.
    pub(crate) async fn sign(&self, unsigned: UnsignedEvent, what: String) -> Result<Event> {
        let expected = unsigned.clone();
        let inner = Arc::clone(&self.inner);
        let event = self
            .run(SignerStep::Sign, what, async move {
                inner.sign_event(unsigned).await
            })
            .await?;
        check_signed(&event, &expected, &self.public_key)?;
        Ok(event)
    }

    /// Encrypts a JSON object to `peer` and proves the peer will read exactly it: the payload
    /// decrypts back to `plaintext` in `scheme` (see [`crypto::seal`]). Two calls on a remote
    /// signer; the guarantee is worth the second one (anything else kills a 0.11 daemon).
    pub(crate) async fn seal(
        &self,
        scheme: Encryption,
        peer: &PublicKey,
        plaintext: &str,
        what: &str,
    ) -> Result<String> {
        crypto::require_json_object(plaintext)?;
        let content = self
            .encrypt(
                scheme,
                peer,
                plaintext,
                format!("encrypt {what} for the bunker"),
            )
            .await?;
        if Encryption::of_payload(&content) != scheme {
            return Err(Error::SignerMisbehaved(
                "encrypted a request with another scheme than asked",
            ));
        }
        let back = self
            .decrypt_with(
                scheme,
                peer,
                &content,
                format!("check the encrypted {what}"),
            )
            .await?;
        if back != plaintext {
            return Err(Error::SignerMisbehaved(
                "encrypted a request into something that does not decrypt back to it",
            ));
        }
        Ok(content)
    }

    /// Decrypts a payload from `peer`: by its shape first, then the other scheme (see
    /// [`crypto::decrypt_any`]). A remote signer's refusal, timeout or absence ends the attempt
    /// at once instead of trying the other scheme.
    pub(crate) async fn decrypt_any(
        &self,
        peer: &PublicKey,
        payload: &str,
        what: &str,
    ) -> Result<(String, Encryption)> {
        let first = Encryption::of_payload(payload);
        let second = match first {
            Encryption::Nip04 => Encryption::Nip44,
            Encryption::Nip44 => Encryption::Nip04,
        };
        let mut last = None;
        for scheme in [first, second] {
            match self
                .decrypt_with(scheme, peer, payload, format!("decrypt {what}"))
                .await
            {
                Ok(plaintext) => return Ok((plaintext, scheme)),
                Err(e @ (Error::SignerTimeout { .. } | Error::SignerUnreachable { .. })) => {
                    return Err(e)
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(Error::Protocol(
            "a payload could be decrypted with neither NIP-04 nor NIP-44",
        )))
    }

    async fn encrypt(
        &self,
        scheme: Encryption,
        peer: &PublicKey,
        plaintext: &str,
        what: String,
    ) -> Result<String> {
        let inner = Arc::clone(&self.inner);
        let (peer, plaintext) = (*peer, plaintext.to_owned());
        self.run(SignerStep::Encrypt, what, async move {
            match scheme {
                Encryption::Nip04 => inner.nip04_encrypt(&peer, &plaintext).await,
                Encryption::Nip44 => inner.nip44_encrypt(&peer, &plaintext).await,
            }
        })
        .await
    }

    async fn decrypt_with(
        &self,
        scheme: Encryption,
        peer: &PublicKey,
        payload: &str,
        what: String,
    ) -> Result<String> {
        let inner = Arc::clone(&self.inner);
        let (peer, payload) = (*peer, payload.to_owned());
        self.run(SignerStep::Decrypt, what, async move {
            match scheme {
                Encryption::Nip04 => inner.nip04_decrypt(&peer, &payload).await,
                Encryption::Nip44 => inner.nip44_decrypt(&peer, &payload).await,
            }
        })
        .await
    }

    /// One signer call: announced, counted, bounded by the approval timeout, its failure typed.
    async fn run<T>(
        &self,
        step: SignerStep,
        what: String,
        call: impl std::future::Future<Output = std::result::Result<T, SignerError>>,
    ) -> Result<T> {
        if !self.remote {
            // A local key: no person, no network; a failure is ours (a malformed peer payload).
            return call.await.map_err(|_| step.local_failure());
        }
        self.calls.fetch_add(1, Ordering::Relaxed);
        if let Some(prompt) = &self.prompt {
            prompt(&Approval {
                what: what.clone(),
                timeout: self.approval_timeout,
            });
        }
        match tokio::time::timeout(self.approval_timeout, call).await {
            Err(_) => Err(Error::SignerTimeout {
                what,
                waited: self.approval_timeout,
            }),
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(classify(&e, step, what, self.approval_timeout)),
        }
    }
}

/// A signer's failure, typed: its text is never shown (a signer may echo what it was given).
fn classify(e: &SignerError, step: SignerStep, what: String, waited: Duration) -> Error {
    let text = e.to_string();
    if text == SIGNER_UNREACHABLE {
        Error::SignerUnreachable { what }
    } else if text.eq_ignore_ascii_case("timeout") {
        // nostr-connect's own timeout.
        Error::SignerTimeout { what, waited }
    } else if step == SignerStep::Decrypt {
        // A signer that cannot decrypt a payload in one scheme is not refusing the operator.
        Error::SignerMisbehaved("could not decrypt a payload in the scheme asked")
    } else {
        Error::SignerRefused { what }
    }
}

/// The event a signer returned must be the one asked for, signed by the expected key.
fn check_signed(event: &Event, asked: &UnsignedEvent, public_key: &PublicKey) -> Result<()> {
    if event.verify().is_err() {
        return Err(Error::SignerMisbehaved(
            "returned an event with a wrong id or signature",
        ));
    }
    if &event.pubkey != public_key {
        return Err(Error::SignerMisbehaved(
            "signed with another key than the console's admin key",
        ));
    }
    if event.kind != asked.kind
        || event.tags != asked.tags
        || event.content != asked.content
        || event.created_at != asked.created_at
    {
        return Err(Error::SignerMisbehaved(
            "returned a different event than the one it was asked to sign",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nostr::{EventBuilder, Kind, Tag};

    fn unsigned(keys: &Keys) -> UnsignedEvent {
        EventBuilder::new(Kind::from(24133), "{}")
            .tag(Tag::public_key(Keys::generate().public_key()))
            .build(keys.public_key())
    }

    #[test]
    fn the_exact_event_asked_for_is_accepted() {
        let keys = Keys::generate();
        let asked = unsigned(&keys);
        let event = asked.clone().sign_with_keys(&keys).unwrap();
        assert!(check_signed(&event, &asked, &keys.public_key()).is_ok());
    }

    #[test]
    fn another_key_kind_tag_or_content_is_refused() {
        let keys = Keys::generate();
        let asked = unsigned(&keys);
        let other = Keys::generate();
        let by_other = EventBuilder::new(asked.kind, asked.content.clone())
            .tags(asked.tags.clone())
            .custom_created_at(asked.created_at)
            .sign_with_keys(&other)
            .unwrap();
        let other_content = EventBuilder::new(asked.kind, "{\"x\":1}")
            .tags(asked.tags.clone())
            .custom_created_at(asked.created_at)
            .sign_with_keys(&keys)
            .unwrap();
        let other_kind = EventBuilder::new(Kind::from(24134), asked.content.clone())
            .tags(asked.tags.clone())
            .custom_created_at(asked.created_at)
            .sign_with_keys(&keys)
            .unwrap();
        let no_tags = EventBuilder::new(asked.kind, asked.content.clone())
            .custom_created_at(asked.created_at)
            .sign_with_keys(&keys)
            .unwrap();
        for (event, what) in [
            (by_other, "key"),
            (other_content, "content"),
            (other_kind, "kind"),
            (no_tags, "tags"),
        ] {
            let err = check_signed(&event, &asked, &keys.public_key()).unwrap_err();
            assert_eq!(
                err.kind(),
                crate::ErrorKind::BadSignature,
                "a different {what} must be refused"
            );
        }
    }

    #[test]
    fn signer_failures_are_typed_without_their_text() {
        let t = Duration::from_secs(60);
        let unreachable = classify(
            &SignerError::from(SIGNER_UNREACHABLE),
            SignerStep::Sign,
            "sign".into(),
            t,
        );
        assert_eq!(unreachable.kind(), crate::ErrorKind::SignerUnreachable);
        let timeout = classify(
            &SignerError::from("timeout"),
            SignerStep::Sign,
            "sign".into(),
            t,
        );
        assert_eq!(timeout.kind(), crate::ErrorKind::SignerTimeout);
        let refused = classify(
            &SignerError::from("user said no, secret=abc123"),
            SignerStep::Encrypt,
            "encrypt".into(),
            t,
        );
        assert_eq!(refused.kind(), crate::ErrorKind::SignerRefused);
        assert!(
            !refused.to_string().contains("abc123"),
            "a signer's own words are never shown"
        );
    }

    #[tokio::test]
    async fn a_local_key_seals_and_reads_back_without_counting_calls() {
        let keys = Keys::generate();
        let peer = Keys::generate();
        let signer = RequestSigner::local(keys.clone());
        for scheme in [Encryption::Nip04, Encryption::Nip44] {
            let sealed = signer
                .seal(scheme, &peer.public_key(), r#"{"id":"1"}"#, "a ping")
                .await
                .unwrap();
            let back = crypto::decrypt(peer.secret_key(), &keys.public_key(), &sealed).unwrap();
            assert_eq!(back, r#"{"id":"1"}"#);
            assert!(signer
                .seal(scheme, &peer.public_key(), "ping", "a ping")
                .await
                .is_err());
        }
        assert_eq!(signer.calls(), 0, "a local key makes no signer calls");
    }
}
