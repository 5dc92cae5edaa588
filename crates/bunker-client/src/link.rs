//! The transport shared by the admin and NIP-46 clients: one nostr-sdk `Client` talking to one
//! peer over its relays, with replies matched to requests by id only.
//!
//! Rules (protocol/nsecbunkerd.md §1.1, §2.1, Appendix C):
//! - subscribe before publishing: kinds 24133/24134 are ephemeral and never stored;
//! - publish without waiting for the relay's `OK`: nostr-rs-relay never sends one for ephemeral
//!   kinds, so `OK` is information, not a precondition;
//! - replies are matched by the decrypted `id` only; duplicates (NDK 2.8.1 sends a specific error
//!   and a generic `"Not authorized"`, in no fixed order) are tolerated;
//! - the peer's own requests (`acl` prompts) are surfaced, never answered and never taken for
//!   replies (§6.3 C8);
//! - the subscription is re-sent whenever a relay reconnects: nostr-relay-pool 0.44 skips its own
//!   re-subscription when the reconnect falls in the same second as the original subscription
//!   (it compares second-resolution timestamps), which leaves a link deaf after a quick relay
//!   restart. A REQ with the same subscription id just replaces the old one at the relay.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use nostr::{
    ClientMessage, Event, EventBuilder, Filter, Kind, PublicKey, RelayUrl, SubscriptionId, Tag,
};
use nostr_sdk::prelude::{Relay, RelayNotification, RelayStatus, SubscribeOptions};
use nostr_sdk::{Client, RelayPoolNotification};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio::time::{timeout_at, Instant};
use tracing::{debug, warn};

use crate::crypto::Encryption;
use crate::error::{Error, Result};
use crate::options::ClientOptions;
use crate::request_signer::RequestSigner;
use crate::types::AclRequest;
use crate::wire::{self, Incoming, Reply, Request, Response};

/// Kind of NIP-46 requests and replies, and of nsecbunkerd's admin error replies.
pub(crate) const KIND_NOSTR_CONNECT: u16 = 24133;
/// Kind of nsecbunkerd admin requests and success replies.
pub(crate) const KIND_ADMIN: u16 = 24134;

/// A successful reply: its `result` and the kind of the event it came on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Answer {
    pub result: String,
    pub kind: u16,
}

/// What reaches a waiting call.
#[derive(Debug)]
enum Delivery {
    /// The peer's reply.
    Reply(Response),
    /// An event from the peer is being decrypted by a remote signer: the call may wait the
    /// signer's approval time on top of the bunker's timeout.
    Decrypting,
    /// The remote signer could not read an event from the peer.
    Failed(Error),
}
type Pending = Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Delivery>>>>;

/// Who a link talks to and how.
pub(crate) struct LinkSpec {
    /// Our key (local or in a remote signer): signs requests, decrypts replies.
    pub signer: RequestSigner,
    /// The peer's public key: the only author whose events are read.
    pub peer: PublicKey,
    /// Relays to use; at least one.
    pub relays: Vec<RelayUrl>,
    /// Kind our requests are published with.
    pub request_kind: u16,
    /// Kinds replies may come as.
    pub reply_kinds: Vec<u16>,
}

/// One live connection to a peer.
pub(crate) struct Link {
    client: Client,
    signer: RequestSigner,
    peer: PublicKey,
    relays: Vec<RelayUrl>,
    request_kind: Kind,
    pending: Pending,
    acl: broadcast::Sender<AclRequest>,
    options: ClientOptions,
    listener: JoinHandle<()>,
    resubscribers: Vec<JoinHandle<()>>,
}

impl Link {
    /// Connects to the relays and subscribes to the peer's replies. Fails with
    /// [`Error::Unreachable`] when no relay connects within `options.connect_timeout`.
    pub async fn open(spec: LinkSpec, options: ClientOptions) -> Result<Self> {
        if spec.relays.is_empty() {
            return Err(Error::InvalidInput("at least one relay is needed"));
        }
        let client = Client::default();
        for relay in &spec.relays {
            client
                .add_relay(relay.clone())
                .await
                .map_err(|_| Error::unreachable(&spec.relays))?;
        }
        let connected = client.try_connect(options.connect_timeout).await;
        if connected.success.is_empty() {
            client.shutdown().await;
            return Err(Error::unreachable(&spec.relays));
        }
        debug!(relays = connected.success.len(), "bunker link connected");

        // Taken before subscribing, so no reply can slip past the listener.
        let notifications = client.notifications();
        let filter = Filter::new()
            .kinds(spec.reply_kinds.iter().copied().map(Kind::from))
            .author(spec.peer)
            .pubkey(spec.signer.public_key())
            .limit(0);
        let subscribed = client
            .subscribe(filter.clone(), None)
            .await
            .map_err(|_| Error::unreachable(&spec.relays))?;
        if subscribed.success.is_empty() {
            client.shutdown().await;
            return Err(Error::unreachable(&spec.relays));
        }
        let resubscribers = client
            .relays()
            .await
            .into_values()
            .map(|relay| keep_subscribed(relay, subscribed.val.clone(), filter.clone()))
            .collect();

        let pending: Pending = Arc::default();
        let (acl, _) = broadcast::channel(32);
        let listener = tokio::spawn(listen(
            notifications,
            Listener {
                signer: spec.signer.clone(),
                peer: spec.peer,
                reply_kinds: spec.reply_kinds.iter().copied().map(Kind::from).collect(),
                pending: Arc::clone(&pending),
                acl: acl.clone(),
            },
        ));
        Ok(Self {
            client,
            signer: spec.signer,
            peer: spec.peer,
            relays: spec.relays,
            request_kind: Kind::from(spec.request_kind),
            pending,
            acl,
            options,
            listener,
            resubscribers,
        })
    }

    /// The link's timing.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Our public key on this link.
    pub fn public_key(&self) -> PublicKey {
        self.signer.public_key()
    }

    /// Who signs our requests.
    pub fn signer(&self) -> &RequestSigner {
        &self.signer
    }

    /// A receiver of the peer's `acl` prompts.
    pub fn acl_requests(&self) -> broadcast::Receiver<AclRequest> {
        self.acl.subscribe()
    }

    /// Sends one request with the link's request kind and waits up to `timeout` for its reply;
    /// returns the reply's `result`.
    pub async fn call(
        &self,
        method: &str,
        params: &[Value],
        scheme: Encryption,
        timeout: Duration,
    ) -> Result<String> {
        self.call_as(method, params, scheme, self.request_kind, timeout)
            .await
            .map(|answer| answer.result)
    }

    /// Sends one request as `kind` and waits up to `timeout` for its reply; returns the reply's
    /// `result` and the kind it came on (the line probe needs it).
    pub async fn call_as(
        &self,
        method: &str,
        params: &[Value],
        scheme: Encryption,
        kind: Kind,
        timeout: Duration,
    ) -> Result<Answer> {
        let id = wire::new_request_id();
        let plaintext = Request {
            id: &id,
            method,
            params,
        }
        .to_json();
        // The single publish point: `seal` proves the peer will read a JSON object (§1.6 of
        // the 0.11 document: anything else kills a 0.11 daemon), whoever holds our key.
        let content = self
            .signer
            .seal(
                scheme,
                &self.peer,
                &plaintext,
                &format!("the `{method}` request"),
            )
            .await?;
        let unsigned = EventBuilder::new(kind, content)
            .tag(Tag::public_key(self.peer))
            .build(self.signer.public_key());
        let event: Event = self
            .signer
            .sign(
                unsigned,
                format!("sign the `{method}` request (kind {kind})"),
            )
            .await?;

        // One deadline covers publishing and the reply, so a relay that accepts the message but
        // stalls can never hold a call past its timeout (§6.3 C10). It starts once the request
        // is signed (a person may have approved it); a remote signer decrypting the peer's
        // answer extends it by its approval time (see `Delivery::Decrypting`).
        let deadline = Instant::now() + timeout;
        let (tx, mut rx) = mpsc::unbounded_channel();
        // Registered before publishing: the reply can arrive before `send_msg_to` returns.
        let _slot = PendingSlot::register(&self.pending, id.clone(), tx);

        // `send_msg_to` only queues the EVENT message; unlike `send_event` it does not wait for
        // the relay's OK (Appendix C: nostr-rs-relay never sends one for kind 24133/24134).
        let send = self
            .client
            .send_msg_to(self.relays.clone(), ClientMessage::event(event));
        let sent = timeout_at(deadline, send)
            .await
            .map_err(|_| Error::timeout(timeout, &self.relays))?
            .map_err(|_| Error::unreachable(&self.relays))?;
        if sent.success.is_empty() {
            return Err(Error::unreachable(&self.relays));
        }
        debug!(method, id = %id, ?scheme, %kind, "request sent");
        self.await_reply(&mut rx, deadline, timeout).await
    }

    async fn await_reply(
        &self,
        rx: &mut mpsc::UnboundedReceiver<Delivery>,
        mut deadline: Instant,
        timeout: Duration,
    ) -> Result<Answer> {
        let mut extended = false;
        loop {
            let response = match timeout_at(deadline, rx.recv()).await {
                Err(_) => return Err(Error::timeout(timeout, &self.relays)),
                Ok(None) => return Err(Error::Closed),
                Ok(Some(Delivery::Failed(e))) => return Err(e),
                Ok(Some(Delivery::Decrypting)) => {
                    if !extended {
                        deadline += self.signer.approval_timeout();
                        extended = true;
                    }
                    continue;
                }
                Ok(Some(Delivery::Reply(response))) => response,
            };
            match wire::classify(&response) {
                // §1.7: the real answer, if any, follows on the same id.
                Reply::AuthChallenge => debug!("auth_url challenge ignored"),
                Reply::Success(result) => {
                    return Ok(Answer {
                        result,
                        kind: response.kind,
                    })
                }
                Reply::Failure(error) if is_generic(&error) => {
                    return self.prefer_specific(rx, error).await
                }
                Reply::Failure(error) => return Err(error),
            }
        }
    }

    /// After a generic `"Not authorized"`, waits `duplicate_grace` for a more telling reply to
    /// the same id (`"Token already redeemed"`, ...) and returns that instead (Appendix C).
    async fn prefer_specific(
        &self,
        rx: &mut mpsc::UnboundedReceiver<Delivery>,
        generic: Error,
    ) -> Result<Answer> {
        let deadline = Instant::now() + self.options.duplicate_grace;
        while let Ok(Some(delivery)) = timeout_at(deadline, rx.recv()).await {
            let Delivery::Reply(response) = delivery else {
                continue;
            };
            match wire::classify(&response) {
                Reply::Failure(error) if !is_generic(&error) => return Err(error),
                // Two backends for one key (§2.3.10) can answer once each: a success wins.
                Reply::Success(result) => {
                    return Ok(Answer {
                        result,
                        kind: response.kind,
                    })
                }
                _ => {}
            }
        }
        Err(generic)
    }

    /// Stops the listener, fails running calls with [`Error::Closed`], and disconnects.
    pub async fn shutdown(&self) {
        self.listener.abort();
        for task in &self.resubscribers {
            task.abort();
        }
        lock(&self.pending).clear();
        self.client.shutdown().await;
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.listener.abort();
        for task in &self.resubscribers {
            task.abort();
        }
    }
}

/// Re-sends our subscription each time `relay` (re)connects (see the module notes).
fn keep_subscribed(relay: Relay, id: SubscriptionId, filter: Filter) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut notifications = relay.notifications();
        loop {
            match notifications.recv().await {
                Ok(RelayNotification::RelayStatus {
                    status: RelayStatus::Connected,
                }) => {
                    let again = relay
                        .subscribe_with_id(id.clone(), filter.clone(), SubscribeOptions::default())
                        .await;
                    if again.is_err() {
                        debug!(relay = %relay.url(), "re-subscribing after a reconnect failed");
                    } else {
                        debug!(relay = %relay.url(), "re-subscribed after a reconnect");
                    }
                }
                Ok(RelayNotification::Shutdown) | Err(broadcast::error::RecvError::Closed) => break,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
            }
        }
    })
}

fn is_generic(error: &Error) -> bool {
    error.refusal().is_some_and(|r| r.is_generic())
}

fn lock(
    pending: &Pending,
) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::UnboundedSender<Delivery>>> {
    // A panic while holding this lock cannot leave the map inconsistent: keep using it.
    pending.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Removes a request's reply slot when the call ends, so late duplicates are dropped.
struct PendingSlot<'a> {
    pending: &'a Pending,
    id: String,
}

impl<'a> PendingSlot<'a> {
    fn register(pending: &'a Pending, id: String, tx: mpsc::UnboundedSender<Delivery>) -> Self {
        lock(pending).insert(id.clone(), tx);
        Self { pending, id }
    }
}

impl Drop for PendingSlot<'_> {
    fn drop(&mut self) {
        lock(self.pending).remove(&self.id);
    }
}

struct Listener {
    signer: RequestSigner,
    peer: PublicKey,
    reply_kinds: Vec<Kind>,
    pending: Pending,
    acl: broadcast::Sender<AclRequest>,
}

async fn listen(mut notifications: broadcast::Receiver<RelayPoolNotification>, listener: Listener) {
    loop {
        match notifications.recv().await {
            Ok(RelayPoolNotification::Event { event, .. }) => listener.handle(&event).await,
            Ok(RelayPoolNotification::Shutdown) => break,
            Ok(RelayPoolNotification::Message { .. }) => {}
            Err(broadcast::error::RecvError::Lagged(skipped)) => {
                warn!(
                    skipped,
                    "bunker link fell behind; some relay messages were skipped"
                );
            }
            Err(broadcast::error::RecvError::Closed) => break,
        }
    }
    // Dropping the senders ends every waiting call with `Error::Closed`.
    lock(&listener.pending).clear();
}

impl Listener {
    /// Routes one event. Nothing from the event's content is ever logged.
    async fn handle(&self, event: &Event) {
        if event.pubkey != self.peer || !self.reply_kinds.contains(&event.kind) {
            return;
        }
        if event.verify().is_err() {
            debug!(event = %event.id, "ignored an event with a bad id or signature");
            return;
        }
        if self.signer.is_remote() {
            self.tell_pending(|| Delivery::Decrypting);
        }
        // By shape first, then the other scheme: 0.11 may answer a NIP-04 request in NIP-44
        // and send `acl` prompts in either (protocol/nsecbunkerd-0.11.md §1.2). Nothing of the
        // content is logged, and no pending call fails because of an unreadable event.
        let plaintext = match self
            .signer
            .decrypt_any(&event.pubkey, &event.content, "the bunker's reply")
            .await
        {
            Ok((plaintext, scheme)) => (plaintext, scheme),
            Err(e) if self.signer.is_remote() && e.kind() != crate::ErrorKind::Protocol => {
                // The remote signer could not read it for us: tell the waiting calls now
                // rather than let them run into a bunker timeout that would mislead.
                self.fail_pending(&e);
                return;
            }
            Err(_) => {
                warn!(event = %event.id, kind = %event.kind, "dropped an event that decrypts in neither NIP-04 nor NIP-44");
                return;
            }
        };
        let (plaintext, scheme) = plaintext;
        if self.signer.is_remote() && Incoming::parse(&plaintext).is_none() {
            // The bunker only sends JSON-RPC messages; a signer whose "decryption" is not one
            // is not to be believed for any waiting call.
            self.fail_pending(&Error::SignerMisbehaved(
                "decrypted the bunker's reply into something that is not a reply",
            ));
            return;
        }
        match Incoming::parse(&plaintext) {
            None => debug!(event = %event.id, "ignored an event that is not a JSON-RPC message"),
            Some(Incoming::Request { method, params, .. }) => {
                if method == "acl" {
                    match wire::parse_acl_request(&params) {
                        Some(request) => {
                            debug!("bunker permission prompt surfaced (not answered)");
                            // No receiver is fine: prompts are informational.
                            let _ = self.acl.send(request);
                        }
                        None => debug!("ignored a malformed acl prompt"),
                    }
                } else {
                    debug!("ignored a request from the peer");
                }
            }
            Some(Incoming::Response(mut response)) => {
                response.kind = event.kind.as_u16();
                debug!(kind = %event.kind, ?scheme, "reply received");
                let slot = lock(&self.pending).get(&response.id).cloned();
                match slot {
                    Some(tx) => {
                        let _ = tx.send(Delivery::Reply(response));
                    }
                    None => debug!(kind = %event.kind, "dropped a reply for no running request"),
                }
            }
        }
    }
}

impl Listener {
    /// Ends every waiting call with `error`.
    fn fail_pending(&self, error: &Error) {
        self.tell_pending(|| Delivery::Failed(error.clone()));
    }

    fn tell_pending(&self, delivery: impl Fn() -> Delivery) {
        for tx in lock(&self.pending).values() {
            let _ = tx.send(delivery());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto;
    use nostr::Keys;

    struct Fixture {
        us: Keys,
        peer: Keys,
        listener: Listener,
        rx: mpsc::UnboundedReceiver<Delivery>,
    }

    fn fixture() -> Fixture {
        let us = Keys::generate();
        let peer = Keys::generate();
        let pending: Pending = Arc::default();
        let (tx, rx) = mpsc::unbounded_channel();
        lock(&pending).insert("r1".to_owned(), tx);
        let (acl, _) = broadcast::channel(4);
        let listener = Listener {
            signer: RequestSigner::local(us.clone()),
            peer: peer.public_key(),
            reply_kinds: vec![Kind::from(KIND_NOSTR_CONNECT), Kind::from(KIND_ADMIN)],
            pending,
            acl,
        };
        Fixture {
            us,
            peer,
            listener,
            rx,
        }
    }

    fn reply_from(author: &Keys, to: &Keys, scheme: Encryption) -> Event {
        let content = crypto::encrypt(
            scheme,
            author.secret_key(),
            &to.public_key(),
            r#"{"id":"r1","result":"ok"}"#,
        )
        .unwrap();
        EventBuilder::new(Kind::from(KIND_NOSTR_CONNECT), content)
            .tag(Tag::public_key(to.public_key()))
            .sign_with_keys(author)
            .unwrap()
    }

    #[tokio::test]
    async fn a_reply_from_the_peer_reaches_its_call_with_its_kind() {
        let mut f = fixture();
        f.listener
            .handle(&reply_from(&f.peer, &f.us, Encryption::Nip44))
            .await;
        let response = f.rx.try_recv().expect("the peer's reply must be delivered");
        let Delivery::Reply(response) = response else {
            panic!("a reply, not {response:?}");
        };
        assert_eq!(
            (response.id.as_str(), response.kind),
            ("r1", KIND_NOSTR_CONNECT)
        );
    }

    #[tokio::test]
    async fn a_reply_from_the_wrong_key_is_ignored() {
        let mut f = fixture();
        // Correctly encrypted to us, with the id of a running call, but by a stranger.
        let stranger = Keys::generate();
        f.listener
            .handle(&reply_from(&stranger, &f.us, Encryption::Nip04))
            .await;
        assert!(
            f.rx.try_recv().is_err(),
            "a reply not authored by the peer must never answer a call"
        );
    }

    #[tokio::test]
    async fn a_reply_with_a_bad_signature_is_ignored() {
        let mut f = fixture();
        let genuine = reply_from(&f.peer, &f.us, Encryption::Nip04);
        let other = reply_from(&f.peer, &f.us, Encryption::Nip04);
        // The peer's own valid signature, but over a different event.
        let forged = Event::new(
            genuine.id,
            genuine.pubkey,
            genuine.created_at,
            genuine.kind,
            genuine.tags.clone(),
            genuine.content.clone(),
            other.sig,
        );
        f.listener.handle(&forged).await;
        assert!(
            f.rx.try_recv().is_err(),
            "a reply whose signature does not verify must never answer a call"
        );
        f.listener.handle(&genuine).await;
        assert!(
            f.rx.try_recv().is_ok(),
            "the genuine reply still gets through"
        );
    }

    #[tokio::test]
    async fn an_event_that_decrypts_in_neither_scheme_is_dropped_without_failing_the_call() {
        let mut f = fixture();
        for content in ["ping", "garbage?iv=AAAA", ""] {
            let event = EventBuilder::new(Kind::from(KIND_NOSTR_CONNECT), content)
                .tag(Tag::public_key(f.us.public_key()))
                .sign_with_keys(&f.peer)
                .unwrap();
            f.listener.handle(&event).await;
        }
        assert!(f.rx.try_recv().is_err(), "nothing reaches the call");
        assert!(
            lock(&f.listener.pending).contains_key("r1"),
            "the call is still waiting"
        );
        f.listener
            .handle(&reply_from(&f.peer, &f.us, Encryption::Nip04))
            .await;
        assert!(f.rx.try_recv().is_ok());
    }
}
