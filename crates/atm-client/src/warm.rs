//! [`WarmSigner`]: one long-lived connection to the bunker that signs many events, so a
//! signature costs one relay round trip instead of a connect, a subscribe and a teardown.
//!
//! How it stays usable:
//! - it connects once (a [`SignerClient`], which subscribes before it is returned, so nothing is
//!   ever sent before the reply subscription is in place);
//! - when a relay drops, the connection is replaced rather than left to heal: nostr-sdk queues
//!   what is sent to a disconnected relay and delivers it on reconnect (10 s later by default)
//!   possibly before bunker-client's link has re-sent its subscription (it re-sends the REQ on
//!   every reconnect, but after the queued EVENT), so the reply could be missed. A watcher with
//!   its own connection to the same relays sees the drop and retires the live connection; the
//!   requests waiting on it end as closed and are sent again on a new one, which subscribes
//!   before anything is sent. New connections are made with exponential backoff shared by all
//!   requests (a dead relay is not hammered), each request within its own deadline, and each
//!   is answered exactly once;
//! - each request has its own deadline and ends with a typed [`Error`];
//! - a refusal of kind [`ATM_KIND`] (revoked, or never granted) is remembered: later requests
//!   get the same refusal at once, without a round trip, until [`WarmOptions::refusal_hold`]
//!   has passed, when one request asks the bunker again.
//!
//! The signed event is verified as in [`crate::sign`] (signature, operator key, kind, time);
//! content and tags may differ from the request (§1.4): use the returned event.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use bunker_client::{ClientOptions, EventTemplate, SignerClient};
use nostr::{Event, Keys, Kind, Tag, Timestamp};
use nostr_sdk::prelude::{RelayNotification, RelayOptions, RelayStatus};
use nostr_sdk::Client;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, timeout_at, Instant};

use crate::error::{Error, Result};
use crate::state::AtmState;
use crate::ATM_KIND;

/// Timing of a [`WarmSigner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarmOptions {
    /// The bunker link's timing; `client.timeout` is each request's deadline.
    pub client: ClientOptions,
    /// The first wait before reconnecting after a failed connection.
    pub backoff_min: Duration,
    /// The longest wait between reconnection attempts.
    pub backoff_max: Duration,
    /// How long a refusal is repeated without asking the bunker again.
    pub refusal_hold: Duration,
    /// A connection this young may have reached the relay before the bunker did (after a
    /// relay restart both reconnect, and a request published before the bunker re-subscribed
    /// is lost: kind 24133 is never stored)...
    pub fresh_link: Duration,
    /// ...so a request on it that has no reply after this long is sent again (the bunker may
    /// then sign the same template twice; the caller still gets exactly one answer).
    pub fresh_resend_after: Duration,
}

impl Default for WarmOptions {
    fn default() -> Self {
        Self::with_client(ClientOptions::default())
    }
}

impl WarmOptions {
    /// Defaults around the given link timing: backoff 100 ms doubling to 5 s, refusals held
    /// 60 s, requests on a link younger than 3 s re-sent after 1.5 s without a reply.
    pub fn with_client(client: ClientOptions) -> Self {
        Self {
            client,
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
            refusal_hold: Duration::from_secs(60),
            fresh_link: Duration::from_secs(3),
            fresh_resend_after: Duration::from_millis(1500),
        }
    }
}

/// How the last requests fared, for the heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignerHealth {
    /// The last signature worked, or none was asked.
    Ok,
    /// The bunker refused this ATM.
    Refused,
    /// The last request could not reach the bunker.
    Unreachable,
}

/// A warm signer for one ATM pairing. Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct WarmSigner {
    inner: Arc<Inner>,
}

struct Inner {
    state: AtmState,
    opts: WarmOptions,
    /// The live connection, if any; the number tells replacements apart.
    session: Mutex<Option<Session>>,
    /// Held by the one request that (re)connects; the others wait for it.
    connecting: tokio::sync::Mutex<Backoff>,
    refused_at: Mutex<Option<Instant>>,
    health: Mutex<SignerHealth>,
    generation: Mutex<u64>,
    closed: Mutex<bool>,
    watcher: Mutex<Option<Watcher>>,
}

/// A connection of its own to the pairing's relays that retires the live session when a relay
/// drops (see the module notes).
struct Watcher {
    client: Client,
    tasks: Vec<JoinHandle<()>>,
}

/// How soon the watcher itself reconnects after a drop (to see the next one).
const WATCHER_RETRY: Duration = Duration::from_secs(1);

#[derive(Clone)]
struct Session {
    client: Arc<SignerClient>,
    generation: u64,
    opened: Instant,
}

struct Backoff {
    delay: Duration,
    next_attempt: Option<Instant>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every critical section here is a plain read or write: a poisoned value is still whole.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl WarmSigner {
    /// Loads the pairing from `state_dir` and connects to the bunker's relays.
    ///
    /// # Errors
    /// [`Error::NotPaired`] / storage errors from the state directory; `Unreachable` when no
    /// relay accepts a connection within `opts.client.connect_timeout`.
    pub async fn connect(state_dir: &Path, opts: WarmOptions) -> Result<Self> {
        let state = AtmState::load(state_dir)?;
        let signer = Self::from_state(state, opts);
        let deadline = Instant::now() + opts.client.connect_timeout;
        signer.session(deadline).await?;
        Ok(signer)
    }

    /// A signer for a loaded pairing that connects on its first request.
    pub fn from_state(state: AtmState, opts: WarmOptions) -> Self {
        Self {
            inner: Arc::new(Inner {
                state,
                opts: WarmOptions {
                    backoff_max: opts.backoff_max.max(opts.backoff_min),
                    ..opts
                },
                session: Mutex::new(None),
                connecting: tokio::sync::Mutex::new(Backoff {
                    delay: opts.backoff_min,
                    next_attempt: None,
                }),
                refused_at: Mutex::new(None),
                health: Mutex::new(SignerHealth::Ok),
                generation: Mutex::new(0),
                closed: Mutex::new(false),
                watcher: Mutex::new(None),
            }),
        }
    }

    /// The pairing this signer signs for.
    pub fn state(&self) -> &AtmState {
        &self.inner.state
    }

    /// How the last requests fared.
    pub fn health(&self) -> SignerHealth {
        *lock(&self.inner.health)
    }

    /// Signs an event of `kind` as the operator, within `client.timeout` of now.
    ///
    /// # Errors
    /// As [`crate::sign`]: [`Error::NotAuthorized`] when the bunker refuses (at once while a
    /// refusal of kind 21000 is held), a timeout when no reply comes in time (the bunker is down
    /// or not listening), `Unreachable` when no relay can be reached before the deadline.
    pub async fn sign(&self, kind: u16, content: &str, tags: Vec<Tag>) -> Result<Event> {
        let timeout = self.inner.opts.client.timeout;
        let deadline = Instant::now() + timeout;
        if let Some(held) = self.held_refusal(kind) {
            return Err(held);
        }
        let template = EventTemplate {
            kind: Kind::from(kind),
            content: content.to_owned(),
            tags,
            created_at: Timestamp::now(),
        };
        let result = self.sign_until(template, deadline).await;
        self.record(kind, &result);
        result
    }

    /// Connects now if not connected (within `client.connect_timeout`), so the first request
    /// finds the link warm. A failure is only logged: each request retries with backoff.
    pub async fn warm_up(&self) {
        let deadline = Instant::now() + self.inner.opts.client.connect_timeout;
        if self.session(deadline).await.is_err() {
            tracing::warn!("the bunker's relays are not reachable yet; retrying on each request");
        }
    }

    /// Disconnects; later requests fail as closed.
    pub async fn shutdown(&self) {
        *lock(&self.inner.closed) = true;
        let watcher = lock(&self.inner.watcher).take();
        if let Some(watcher) = watcher {
            for task in &watcher.tasks {
                task.abort();
            }
            watcher.client.shutdown().await;
        }
        let session = lock(&self.inner.session).take();
        if let Some(session) = session {
            session.client.shutdown().await;
        }
    }

    /// Starts the relay watcher once.
    async fn watch_relays(&self) {
        if lock(&self.inner.watcher).is_some() {
            return;
        }
        let client = Client::default();
        let opts = RelayOptions::new()
            .retry_interval(WATCHER_RETRY)
            .adjust_retry_interval(false);
        for relay in &self.inner.state.bunker_uri().relays {
            if client
                .pool()
                .add_relay(relay.clone(), opts.clone())
                .await
                .is_err()
            {
                return;
            }
        }
        let tasks = client
            .relays()
            .await
            .into_values()
            .map(|relay| {
                let inner = Arc::downgrade(&self.inner);
                let mut notifications = relay.notifications();
                tokio::spawn(async move {
                    // Only a drop of a connection the watcher had counts: a watcher that cannot
                    // connect at all (a relay refusing a second connection) retires nothing.
                    let mut was_connected = false;
                    loop {
                        match notifications.recv().await {
                            Ok(RelayNotification::RelayStatus {
                                status: RelayStatus::Connected,
                            }) => was_connected = true,
                            Ok(RelayNotification::RelayStatus {
                                status: RelayStatus::Disconnected | RelayStatus::Terminated,
                            }) if was_connected => {
                                was_connected = false;
                                tracing::debug!(relay = %relay.url(), "relay dropped");
                                retire_live(&inner).await;
                            }
                            Ok(RelayNotification::Shutdown) | Err(RecvError::Closed) => break,
                            Ok(_) | Err(RecvError::Lagged(_)) => {}
                        }
                    }
                })
            })
            .collect();
        client.connect().await;
        let extra = {
            let mut slot = lock(&self.inner.watcher);
            if slot.is_none() && !*lock(&self.inner.closed) {
                *slot = Some(Watcher { client, tasks });
                None
            } else {
                Some(Watcher { client, tasks })
            }
        };
        if let Some(extra) = extra {
            for task in &extra.tasks {
                task.abort();
            }
            extra.client.shutdown().await;
        }
    }

    async fn sign_until(&self, template: EventTemplate, deadline: Instant) -> Result<Event> {
        let kind = template.kind.as_u16();
        loop {
            let session = self.session(deadline).await?;
            let opts = &self.inner.opts;
            let attempt_deadline = if session.opened.elapsed() < opts.fresh_link {
                deadline.min(Instant::now() + opts.fresh_resend_after)
            } else {
                deadline
            };
            let attempt = timeout_at(
                attempt_deadline,
                session.client.sign_event(template.clone()),
            )
            .await;
            let err = match attempt {
                Err(_) if attempt_deadline < deadline => {
                    tracing::debug!("no reply on a fresh link; sending again");
                    continue;
                }
                Err(_) => return Err(self.timeout_error()),
                Ok(Ok(event)) => return Ok(event),
                Ok(Err(err)) => err,
            };
            match err.kind() {
                bunker_client::ErrorKind::Unreachable | bunker_client::ErrorKind::Closed => {
                    if *lock(&self.inner.closed) {
                        return Err(Error::Bunker(err));
                    }
                    tracing::debug!("bunker link lost; reconnecting before sending again");
                    self.retire(&session).await;
                    if Instant::now() >= deadline {
                        return Err(self.timeout_error());
                    }
                }
                // The link's own deadline (from when it was sent) is this request's too.
                bunker_client::ErrorKind::Timeout => return Err(self.timeout_error()),
                _ => return Err(Error::from_sign(err, kind)),
            }
        }
    }

    /// The live session, or a new one (after the backoff) made before `deadline`.
    async fn session(&self, deadline: Instant) -> Result<Session> {
        if let Some(session) = lock(&self.inner.session).clone() {
            return Ok(session);
        }
        let mut backoff = timeout_at(deadline, self.inner.connecting.lock())
            .await
            .map_err(|_| self.unreachable_error())?;
        loop {
            if *lock(&self.inner.closed) {
                return Err(Error::Bunker(bunker_client::Error::Closed));
            }
            // Someone else connected while this request waited for the lock.
            if let Some(session) = lock(&self.inner.session).clone() {
                return Ok(session);
            }
            if let Some(at) = backoff.next_attempt {
                if at >= deadline {
                    return Err(self.unreachable_error());
                }
                sleep_until(at).await;
            }
            let keys: Keys = self.inner.state.keys().clone();
            let uri = self.inner.state.bunker_uri();
            let opened = timeout_at(
                deadline,
                SignerClient::new(keys, uri, self.inner.opts.client),
            )
            .await;
            match opened {
                Err(_) => return Err(self.unreachable_error()),
                Ok(Ok(client)) => {
                    backoff.delay = self.inner.opts.backoff_min;
                    backoff.next_attempt = None;
                    let generation = {
                        let mut g = lock(&self.inner.generation);
                        *g += 1;
                        *g
                    };
                    let session = Session {
                        client: Arc::new(client),
                        generation,
                        opened: Instant::now(),
                    };
                    *lock(&self.inner.session) = Some(session.clone());
                    tracing::debug!(generation, "bunker link open");
                    drop(backoff);
                    self.watch_relays().await;
                    return Ok(session);
                }
                Ok(Err(err)) => {
                    backoff.next_attempt = Some(Instant::now() + backoff.delay);
                    backoff.delay = (backoff.delay * 2).min(self.inner.opts.backoff_max);
                    tracing::debug!("connecting to the bunker's relays failed; backing off");
                    if Instant::now() >= deadline {
                        return Err(Error::Bunker(err));
                    }
                }
            }
        }
    }

    /// Drops `session` if it is still the live one; its waiting requests end as closed and are
    /// sent again on the next session.
    async fn retire(&self, session: &Session) {
        let retired = {
            let mut live = lock(&self.inner.session);
            match live.as_ref() {
                Some(current) if current.generation == session.generation => live.take(),
                _ => None,
            }
        };
        if let Some(old) = retired {
            old.client.shutdown().await;
        }
    }
}

/// Retires whatever session is live (the watcher saw a relay drop).
async fn retire_live(inner: &Weak<Inner>) {
    let Some(inner) = inner.upgrade() else {
        return;
    };
    let retired = lock(&inner.session).take();
    if let Some(old) = retired {
        old.client.shutdown().await;
    }
}

impl WarmSigner {
    fn held_refusal(&self, kind: u16) -> Option<Error> {
        let mut refused = lock(&self.inner.refused_at);
        match *refused {
            Some(at) if at.elapsed() < self.inner.opts.refusal_hold => {
                Some(Error::NotAuthorized { kind })
            }
            Some(_) => {
                // Let this one request ask the bunker again.
                *refused = None;
                None
            }
            None => None,
        }
    }

    fn record(&self, kind: u16, result: &Result<Event>) {
        let health = match result {
            Ok(_) => SignerHealth::Ok,
            Err(Error::NotAuthorized { .. }) if kind == ATM_KIND => {
                *lock(&self.inner.refused_at) = Some(Instant::now());
                SignerHealth::Refused
            }
            Err(e) if e.is_transient() => SignerHealth::Unreachable,
            Err(_) => return,
        };
        *lock(&self.inner.health) = health;
    }

    fn relays(&self) -> String {
        self.inner
            .state
            .bunker_uri()
            .relays
            .iter()
            .map(|r| r.as_str_without_trailing_slash())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn timeout_error(&self) -> Error {
        Error::Bunker(bunker_client::Error::Timeout {
            waited: self.inner.opts.client.timeout,
            relays: self.relays(),
        })
    }

    fn unreachable_error(&self) -> Error {
        Error::Bunker(bunker_client::Error::Unreachable {
            relays: self.relays(),
        })
    }
}
