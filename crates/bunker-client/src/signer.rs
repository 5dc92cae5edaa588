//! [`SignerClient`]: a NIP-46 client for one signing key on the bunker (protocol/nsecbunkerd.md
//! §1, §4.2). Speaks NIP-04 unless NIP-44 was proven safe for this key.

use nostr::{Event, JsonUtil, Keys, Kind, PublicKey, Tag, Timestamp};
use serde::Serialize;
use serde_json::Value;

use crate::admin::Nip44Capable;
use crate::crypto::Encryption;
use crate::error::{Error, Refusal, Result};
use crate::link::{Link, LinkSpec, KIND_NOSTR_CONNECT};
use crate::options::ClientOptions;
use crate::types::PingReply;
use crate::uri::BunkerUri;
use crate::Sensitive;

/// What to sign: the bunker fills in `pubkey`, `id` and `sig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTemplate {
    /// Event kind (21000 for the ATM).
    pub kind: Kind,
    /// Content; the bunker may rewrite mentions in it (§1.4).
    pub content: String,
    /// Tags; the bunker may append some (§1.4).
    pub tags: Vec<Tag>,
    /// Creation time; `Timestamp::zero()` lets the bunker choose.
    pub created_at: Timestamp,
}

/// The `sign_event` parameter. `pubkey` is the signer's key: nsecbunkerd (both lines)
/// overwrites it anyway, and NIP-46 signers such as rust-nostr's refuse a template without one.
#[derive(Serialize)]
struct WireTemplate<'a> {
    kind: u16,
    content: &'a str,
    tags: &'a [Tag],
    created_at: u64,
    pubkey: String,
}

/// How [`SignerClient::connect_resuming`] got its `ack`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redemption {
    /// The secret was redeemed now.
    Redeemed,
    /// The secret had been redeemed earlier (a lost `ack`); `connect` without it succeeded.
    AlreadyRedeemed,
}

/// A NIP-46 session with one signing key.
pub struct SignerClient {
    link: Link,
    signer: PublicKey,
    encryption: Encryption,
}

impl SignerClient {
    /// Connects to the URL's relays as `client_keys`. Always starts in NIP-04 (§1.2, §5 item 1).
    /// The URL's secret is not sent here; pass it to [`SignerClient::connect`].
    pub async fn new(client_keys: Keys, uri: &BunkerUri, opts: ClientOptions) -> Result<Self> {
        let spec = LinkSpec {
            signer: client_keys.into(),
            peer: uri.signer,
            relays: uri.relays.clone(),
            request_kind: KIND_NOSTR_CONNECT,
            reply_kinds: vec![KIND_NOSTR_CONNECT],
        };
        Ok(Self {
            link: Link::open(spec, opts).await?,
            signer: uri.signer,
            encryption: Encryption::Nip04,
        })
    }

    /// Switches to NIP-44, only if `proof` covers this signer; otherwise
    /// [`Error::Nip44NotProven`] and the client stays on NIP-04.
    pub fn use_nip44(&mut self, proof: &Nip44Capable) -> Result<()> {
        if !proof.covers(&self.signer) {
            return Err(Error::Nip44NotProven);
        }
        self.encryption = Encryption::Nip44;
        Ok(())
    }

    /// The scheme requests are sent with.
    pub fn encryption(&self) -> Encryption {
        self.encryption
    }

    /// Our (client) public key.
    pub fn client_public_key(&self) -> PublicKey {
        self.link.public_key()
    }

    /// NIP-46 `connect`, with the pairing secret on first use. Expects `ack` (nsecbunkerd) or the
    /// secret echoed (other signers, §1.8). Token problems come back as typed refusals.
    pub async fn connect(&self, secret: Option<&Sensitive<String>>) -> Result<()> {
        let mut params: Vec<Value> = vec![self.signer.to_hex().into()];
        if let Some(secret) = secret {
            params.push(secret.expose().as_str().into());
        }
        let result = self.call("connect", params).await?;
        let echoed = secret.is_some_and(|s| s.expose() == &result);
        if result == "ack" || echoed {
            Ok(())
        } else {
            Err(Error::Protocol(
                "connect was answered with neither ack nor the secret",
            ))
        }
    }

    /// `connect` that survives a lost `ack` (§4.2 items 4–5): on `"Token already redeemed"`,
    /// retries WITHOUT the secret, and an `ack` then means the earlier redemption worked.
    pub async fn connect_resuming(&self, secret: &Sensitive<String>) -> Result<Redemption> {
        match self.connect(Some(secret)).await {
            Ok(()) => Ok(Redemption::Redeemed),
            Err(Error::Refused(Refusal::TokenAlreadyRedeemed)) => {
                self.connect(None).await?;
                Ok(Redemption::AlreadyRedeemed)
            }
            Err(e) => Err(e),
        }
    }

    /// `get_public_key`. Unauthenticated on nsecbunkerd (§5 item 17): not a permission check.
    pub async fn get_public_key(&self) -> Result<PublicKey> {
        let result = self.call("get_public_key", Vec::new()).await?;
        PublicKey::from_hex(result.trim())
            .map_err(|_| Error::Protocol("get_public_key did not return a hex public key"))
    }

    /// NIP-46 `ping`; needs a `ping` rule in the client's policy on nsecbunkerd (§5 item 18).
    pub async fn ping(&self) -> Result<PingReply> {
        match self.call("ping", Vec::new()).await?.as_str() {
            "pong" => Ok(PingReply::Pong),
            "ok" => Ok(PingReply::Ok),
            _ => Err(Error::Protocol(
                "ping was answered with neither pong nor ok",
            )),
        }
    }

    /// `sign_event`. Verifies the returned event's id and signature, that it is signed by the
    /// URL's key, and that kind and `created_at` (unless zero) are as sent. Tags and content may
    /// legitimately differ (§1.4): the bunker's event is returned, use it, not the template.
    pub async fn sign_event(&self, template: EventTemplate) -> Result<Event> {
        let wire = WireTemplate {
            kind: template.kind.as_u16(),
            content: &template.content,
            tags: &template.tags,
            created_at: template.created_at.as_secs(),
            pubkey: self.signer.to_hex(),
        };
        let json = serde_json::to_string(&wire)
            .map_err(|_| Error::Local("the event template could not be serialised"))?;
        let result = self.call("sign_event", vec![json.into()]).await?;
        let event = Event::from_json(&result)
            .map_err(|_| Error::Protocol("sign_event did not return an event"))?;
        check_signed_event(&event, &template, &self.signer)?;
        Ok(event)
    }

    /// Disconnects; running calls fail with [`Error::Closed`].
    pub async fn shutdown(&self) {
        self.link.shutdown().await;
    }

    async fn call(&self, method: &str, params: Vec<Value>) -> Result<String> {
        let timeout = self.link.options().timeout;
        self.link
            .call(method, &params, self.encryption, timeout)
            .await
    }
}

fn check_signed_event(event: &Event, template: &EventTemplate, signer: &PublicKey) -> Result<()> {
    if event.verify().is_err() {
        return Err(Error::BadSignedEvent("has a wrong id or signature"));
    }
    if &event.pubkey != signer {
        return Err(Error::BadSignedEvent("is signed by a different key"));
    }
    if event.kind != template.kind {
        return Err(Error::BadSignedEvent("has a different kind than requested"));
    }
    if template.created_at != Timestamp::zero() && event.created_at != template.created_at {
        return Err(Error::BadSignedEvent(
            "has a different creation time than requested",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nostr::EventBuilder;

    fn template() -> EventTemplate {
        EventTemplate {
            kind: Kind::from(21000),
            content: "pay".into(),
            tags: vec![],
            created_at: Timestamp::from(1_700_000_000),
        }
    }

    fn signed(keys: &Keys, kind: u16, created_at: u64) -> Event {
        EventBuilder::new(Kind::from(kind), "pay #tag")
            .tag(Tag::hashtag("#tag"))
            .custom_created_at(Timestamp::from(created_at))
            .sign_with_keys(keys)
            .unwrap()
    }

    #[test]
    fn mutated_tags_and_content_are_accepted() {
        let key = Keys::generate();
        let event = signed(&key, 21000, 1_700_000_000);
        assert!(check_signed_event(&event, &template(), &key.public_key()).is_ok());
    }

    #[test]
    fn wrong_signer_kind_or_time_is_rejected() {
        let key = Keys::generate();
        let other = Keys::generate();
        let t = template();
        let kind = crate::ErrorKind::BadSignature;
        let cases = [
            (signed(&other, 21000, 1_700_000_000), "signer"),
            (signed(&key, 1, 1_700_000_000), "kind"),
            (signed(&key, 21000, 1_700_000_001), "created_at"),
        ];
        for (event, what) in cases {
            let err = check_signed_event(&event, &t, &key.public_key()).unwrap_err();
            assert_eq!(err.kind(), kind, "a wrong {what} must be rejected");
        }
        let zero = EventTemplate {
            created_at: Timestamp::zero(),
            ..template()
        };
        assert!(check_signed_event(&signed(&key, 21000, 5), &zero, &key.public_key()).is_ok());
    }

    #[test]
    fn tampered_event_fails_verification() {
        let key = Keys::generate();
        let event = signed(&key, 21000, 1_700_000_000);
        let mut json: Value = serde_json::from_str(&event.as_json()).unwrap();
        json["content"] = "pay more".into();
        let tampered = Event::from_json(json.to_string()).unwrap();
        let err = check_signed_event(&tampered, &template(), &key.public_key()).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::BadSignature);
    }
}
