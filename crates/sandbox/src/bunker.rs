//! The bunker double: one process-like unit hosting the admin RPC (§2) and a NIP-46 backend per
//! unlocked key (§1.4), sharing one relay connection, like nsecbunkerd's `run.ts`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use nostr::{Event, Filter, Keys, Kind, PublicKey, RelayUrl, SecretKey, SubscriptionId, ToBech32};
use nostr_sdk::prelude::{Client, RelayOptions, RelayPoolNotification};
use tokio::sync::{broadcast, watch};
use tokio::task::{JoinHandle, JoinSet};

use crate::acl::Approvals;
use crate::config::{BunkerConfig, EncryptionMode, Flavour, PingReply, DEFAULT_KEY_NAME};
use crate::error::{Error, Result};
use crate::store::keys::{self as key_rows, KeyRow};
use crate::store::Store;
use crate::wire::{self, Scheme, KIND_ADMIN, KIND_NIP46};
use crate::{admin, nip46};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Reconnect quickly after a relay restart (offline tests stop and restart the relay).
const RETRY_INTERVAL: Duration = Duration::from_millis(500);
const ADMIN_SECRET_SETTING: &str = "admin_secret";

/// A key the bunker hosts.
#[derive(Clone)]
pub(crate) struct HostedKey {
    pub name: String,
    pub keys: Keys,
    pub passphrase: String,
}

/// Hosted keys and which of them run a NIP-46 backend.
pub(crate) struct KeyRing {
    pub hosted: Vec<HostedKey>,
    /// Names of unlocked keys, in the order their backends started (§2.3.2 `get_keys` order).
    pub started: Vec<String>,
}

impl KeyRing {
    pub(crate) fn by_name(&self, name: &str) -> Option<&HostedKey> {
        self.hosted.iter().find(|k| k.name == name)
    }

    pub(crate) fn is_unlocked(&self, name: &str) -> bool {
        self.started.iter().any(|n| n == name)
    }

    /// The unlocked key with this pubkey; locked keys have no backend (N18).
    pub(crate) fn unlocked_by_pubkey(&self, pk: &PublicKey) -> Option<HostedKey> {
        self.hosted
            .iter()
            .find(|k| k.keys.public_key() == *pk && self.is_unlocked(&k.name))
            .cloned()
    }
}

/// One NDK `NDKNostrRpc` instance: the admin interface, or one signing key's backend. In 0.11
/// each keeps one shared "current scheme" (0.11 §1.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Endpoint {
    Admin,
    Key(String),
}

/// Shared state of a running bunker.
pub(crate) struct Inner {
    pub client: Client,
    pub admin: Keys,
    pub relays: Vec<RelayUrl>,
    pub encryption: EncryptionMode,
    pub approval_timeout: Duration,
    pub ping_reply: PingReply,
    pub domains: Vec<String>,
    pub store: Store,
    pub keys: RwLock<KeyRing>,
    pub admins: RwLock<Vec<PublicKey>>,
    pub approvals: Approvals,
    pub flavour: Flavour,
    /// 0.11 §1.6: bad NIP-46 input kills the double.
    pub crash_on_bad_input: bool,
    /// 0.11 §6.2: a relay drop leaves the double alive but deaf.
    deaf_after_drop: bool,
    deaf: AtomicBool,
    /// 0.11 §1.2: current reply scheme per endpoint (absent = NDK's default, NIP-04).
    schemes: Mutex<HashMap<Endpoint, Scheme>>,
    /// 0.11 §2.3.10: keys whose backend was started twice; every reply goes out twice.
    duplicated: Mutex<HashSet<String>>,
    dead: AtomicBool,
    stopped: AtomicBool,
    /// Our REQs, re-sent after reconnects (see `reconnect`).
    subscriptions: Arc<Mutex<Vec<(SubscriptionId, Filter)>>>,
    /// The id of the NIP-46 subscription (all hosted keys' pubkeys).
    key_subscription: SubscriptionId,
}

impl Inner {
    pub(crate) fn is_admin(&self, pk: &PublicKey) -> bool {
        self.admins
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(pk)
    }

    pub(crate) fn admin_list(&self) -> Vec<PublicKey> {
        self.admins
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn ring(&self) -> std::sync::RwLockReadGuard<'_, KeyRing> {
        self.keys.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn ring_mut(&self) -> std::sync::RwLockWriteGuard<'_, KeyRing> {
        self.keys.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Re-issues the NIP-46 subscription for the current set of hosted keys (after
    /// `create_new_key`); same id, so the relay replaces the old REQ.
    pub(crate) async fn listen_to_keys(&self) {
        let pubkeys: Vec<PublicKey> = self
            .ring()
            .hosted
            .iter()
            .map(|k| k.keys.public_key())
            .collect();
        let filter = key_filter(pubkeys);
        if let Err(e) = self
            .client
            .subscribe_with_id(self.key_subscription.clone(), filter.clone(), None)
            .await
        {
            tracing::warn!("sandbox bunker: cannot subscribe to a new key: {e}");
        }
        let mut subscriptions = self.subscriptions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = subscriptions
            .iter_mut()
            .find(|(id, _)| *id == self.key_subscription)
        {
            entry.1 = filter;
        }
    }

    /// The daemon process "dies" (§0.3 #2, N19): nothing is answered until a restart.
    pub(crate) fn kill(&self, why: &str) {
        tracing::warn!("sandbox bunker died: {why}");
        self.dead.store(true, Ordering::SeqCst);
    }

    pub(crate) fn is_dead(&self) -> bool {
        self.dead.load(Ordering::SeqCst)
    }

    pub(crate) fn answering(&self) -> bool {
        !self.is_dead() && !self.is_deaf() && !self.stopped.load(Ordering::SeqCst)
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// `true` in the 0.11 flavour.
    pub(crate) fn v011(&self) -> bool {
        self.flavour.is_v0_11()
    }

    /// 0.11 §6.2: the relay connection dropped; from now on nothing is answered.
    pub(crate) fn make_deaf(&self) {
        if self.deaf_after_drop && !self.is_stopped() && !self.deaf.swap(true, Ordering::SeqCst) {
            tracing::warn!("sandbox bunker (0.11) lost its relay connection and is now deaf");
        }
    }

    pub(crate) fn is_deaf(&self) -> bool {
        self.deaf.load(Ordering::SeqCst)
    }

    /// The endpoint's current scheme, read at send time (0.11 §1.2).
    pub(crate) fn scheme_now(&self, endpoint: &Endpoint) -> Scheme {
        self.schemes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(endpoint)
            .copied()
            .unwrap_or(Scheme::Nip04)
    }

    pub(crate) fn set_scheme(&self, endpoint: Endpoint, scheme: Scheme) {
        self.schemes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(endpoint, scheme);
    }

    /// NDK 2.18.1's `parseEvent` on `endpoint`: sets the endpoint's scheme from the event, then
    /// decrypts (trying the other scheme on failure).
    pub(crate) fn open_shared(
        &self,
        endpoint: Endpoint,
        keys: &Keys,
        event: &Event,
    ) -> Option<String> {
        let (scheme, plain) = wire::decrypt_either(keys, &event.pubkey, &event.content);
        self.set_scheme(endpoint, scheme);
        plain
    }

    /// Starts a second backend for `name` (0.11 §2.3.10): every reply is sent twice.
    pub(crate) fn duplicate(&self, name: &str) {
        self.duplicated
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_owned());
    }

    pub(crate) fn is_duplicated(&self, name: &str) -> bool {
        self.duplicated
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(name)
    }

    /// Encrypts `plaintext` for `to` and publishes it as `kind` from `author`.
    pub(crate) async fn publish(
        &self,
        author: &Keys,
        kind: u16,
        to: &PublicKey,
        plaintext: &str,
        scheme: Scheme,
    ) {
        if !self.answering() {
            return;
        }
        let Some(content) = wire::encrypt(author, to, plaintext, scheme) else {
            tracing::warn!("sandbox bunker: cannot encrypt a reply");
            return;
        };
        let Some(event) = wire::envelope(author, kind, to, content) else {
            tracing::warn!("sandbox bunker: cannot sign a reply");
            return;
        };
        if let Err(e) = self.client.send_event(&event).await {
            tracing::debug!("sandbox bunker: publish failed: {e}");
        }
    }
}

/// A bunker that behaves like stock nsecbunkerd 0.10.5 on the wire.
pub struct SandboxBunker {
    inner: Arc<Inner>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    watchers: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for SandboxBunker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxBunker")
            .field("admin_pubkey", &self.inner.admin.public_key())
            .field("relays", &self.inner.relays)
            .field("dead", &self.inner.is_dead())
            .finish()
    }
}

impl SandboxBunker {
    /// Opens (or creates) the state file, connects to the relays and starts answering.
    ///
    /// Returns once the bunker's subscriptions are registered at its relays, so a request
    /// published afterwards is seen.
    pub async fn start(cfg: BunkerConfig) -> Result<Self> {
        if cfg.relays.is_empty() {
            return Err(Error::Config("a bunker needs at least one relay".into()));
        }
        let store = Store::open(cfg.state_path.clone()).await?;
        let (admin_secret, key_rows, admin_hexes) = load_state(&store, &cfg).await?;
        let admin = Keys::new(admin_secret);
        let mut hosted = Vec::new();
        let mut started = Vec::new();
        for row in key_rows {
            let secret =
                SecretKey::from_hex(&row.secret_hex).map_err(|e| Error::Key(e.to_string()))?;
            if !row.locked {
                started.push(row.name.clone());
            }
            hosted.push(HostedKey {
                passphrase: row
                    .passphrase
                    .unwrap_or_else(|| crate::config::DEFAULT_PASSPHRASE.to_owned()),
                name: row.name,
                keys: Keys::new(secret),
            });
        }
        let admins = admin_hexes
            .iter()
            .filter_map(|h| PublicKey::from_hex(h).ok())
            .collect();
        let key_pubkeys: Vec<PublicKey> = hosted.iter().map(|k| k.keys.public_key()).collect();

        let client = Client::default();
        for url in &cfg.relays {
            let opts = RelayOptions::new()
                .retry_interval(RETRY_INTERVAL)
                .adjust_retry_interval(false);
            client
                .pool()
                .add_relay(url.clone(), opts)
                .await
                .map_err(|e| Error::Relay(e.to_string()))?;
        }
        // Listen before subscribing so nothing is missed.
        let notifications = client.notifications();
        client.connect().await;
        client.wait_for_connection(CONNECT_TIMEOUT).await;

        let admin_pk = admin.public_key();
        // §2.1: admin requests on either kind, #p = admin pubkey; 0.11 §2.1: kind 24133 only.
        let admin_kinds = match cfg.flavour {
            Flavour::V0_10 => vec![Kind::from(KIND_NIP46), Kind::from(KIND_ADMIN)],
            Flavour::V0_11 => vec![Kind::from(KIND_NIP46)],
        };
        let admin_filter = Filter::new().kinds(admin_kinds).pubkey(admin_pk).limit(0);
        let key_filter = key_filter(key_pubkeys);
        let mut subscriptions = Vec::new();
        for filter in [admin_filter, key_filter] {
            let out = client
                .subscribe(filter.clone(), None)
                .await
                .map_err(|_| Error::Unreachable)?;
            if out.success.is_empty() {
                return Err(Error::Unreachable);
            }
            subscriptions.push((out.val, filter));
        }
        let key_subscription = subscriptions[1].0.clone();
        let subscriptions = Arc::new(Mutex::new(subscriptions));
        let mut watchers = Vec::new();
        for relay in client.relays().await.into_values() {
            watchers.push(crate::reconnect::keep_subscribed(
                relay,
                Arc::clone(&subscriptions),
            ));
        }
        // The relay handles one connection's messages in order: once it acknowledges this probe,
        // our REQs are registered. The loop ignores events authored by the admin key.
        let probe = wire::envelope(&admin, KIND_ADMIN, &admin_pk, String::new())
            .ok_or_else(|| Error::Internal("cannot sign the readiness probe".into()))?;
        let sent = client
            .send_event(&probe)
            .await
            .map_err(|_| Error::Unreachable)?;
        if sent.success.is_empty() {
            return Err(Error::Unreachable);
        }

        let inner = Arc::new(Inner {
            client,
            admin,
            relays: cfg.relays.clone(),
            encryption: cfg.encryption,
            approval_timeout: cfg.approval_timeout,
            ping_reply: cfg.ping_reply,
            domains: cfg.domains.clone(),
            store,
            keys: RwLock::new(KeyRing { hosted, started }),
            admins: RwLock::new(admins),
            approvals: Approvals::default(),
            flavour: cfg.flavour,
            crash_on_bad_input: cfg.crashes_on_bad_nip46_input(),
            deaf_after_drop: cfg.deaf_after_drop(),
            deaf: AtomicBool::new(false),
            schemes: Mutex::new(HashMap::new()),
            duplicated: Mutex::new(HashSet::new()),
            dead: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
            subscriptions,
            key_subscription,
        });
        if cfg.flavour.is_v0_11() {
            watchers.push(crate::liveness::self_ping(
                Arc::clone(&inner),
                cfg.self_ping_interval,
            ));
            for relay in inner.client.relays().await.into_values() {
                watchers.push(crate::liveness::deaf_on_drop(Arc::clone(&inner), relay));
            }
        }
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(listen(Arc::clone(&inner), notifications, stop_rx));
        Ok(Self {
            inner,
            stop,
            task: Some(task),
            watchers,
        })
    }

    /// The bunker admin pubkey (`admin.key` in nsecbunkerd's config).
    pub fn admin_pubkey(&self) -> PublicKey {
        self.inner.admin.public_key()
    }

    /// nsecbunkerd's legacy admin connection string (§1.5):
    /// `bunker://npub1…@<encodeURIComponent(relays.join(',') with wss:// stripped)>`.
    pub fn admin_connection_string(&self) -> String {
        let npub = self
            .inner
            .admin
            .public_key()
            .to_bech32()
            .unwrap_or_default();
        if self.inner.relays.is_empty() {
            return format!("bunker://{npub}");
        }
        let joined = self
            .inner
            .relays
            .iter()
            .map(|r| r.as_str_without_trailing_slash().to_owned())
            .collect::<Vec<_>>()
            .join(",")
            .replace("wss://", "");
        format!("bunker://{npub}@{}", encode_uri_component(&joined))
    }

    /// Public key of the hosted key `name`, locked or not.
    pub fn key_pubkey(&self, name: &str) -> Option<PublicKey> {
        self.inner.ring().by_name(name).map(|k| k.keys.public_key())
    }

    /// Names of the hosted keys, in creation order.
    pub fn key_names(&self) -> Vec<String> {
        self.inner
            .ring()
            .hosted
            .iter()
            .map(|k| k.name.clone())
            .collect()
    }

    /// The relays NIP-46 clients use (nsecbunkerd's `nostr.relays`; same as the admin relays here).
    pub fn nostr_relays(&self) -> Vec<RelayUrl> {
        self.inner.relays.clone()
    }

    /// `true` once the double "died": a NIP-44 NIP-46 request in 0.10 `Nip04Only` mode (N19),
    /// or bad NIP-46 input in 0.11 (0.11 §1.6). A dead double answers nothing until restarted.
    pub fn is_dead(&self) -> bool {
        self.inner.is_dead()
    }

    /// `true` once a 0.11 double lost its relay connection (0.11 §6.2, V70): it keeps running
    /// but never answers again until restarted.
    pub fn is_deaf(&self) -> bool {
        self.inner.is_deaf()
    }

    /// Which daemon line this double imitates.
    pub fn flavour(&self) -> Flavour {
        self.inner.flavour
    }

    /// Knob `duplicate_backend(key)` (0.11 §8.1): from now on every NIP-46 reply of key `name`
    /// is sent twice, as after `unlock_key` on an unlocked key in 0.11 (V47).
    pub fn duplicate_backend(&self, name: &str) {
        self.inner.duplicate(name);
    }

    /// Test hook (V69): moves token `id`'s `expiresAt` to `expires_at_ms` (Unix ms; `None`
    /// clears it), as an operator editing the daemon's database would. `Ok(false)`: no such token.
    pub async fn set_token_expiry(&self, id: i64, expires_at_ms: Option<i64>) -> Result<bool> {
        self.inner
            .store
            .run(move |c| -> Result<bool> {
                Ok(crate::store::tokens::set_expiry(c, id, expires_at_ms)? > 0)
            })
            .await
    }

    /// Adds (and persists) an admin npub.
    pub async fn add_admin(&self, pk: PublicKey) {
        let hex = pk.to_hex();
        let stored: Result<()> = self
            .inner
            .store
            .run(move |c| Ok(key_rows::add_admin(c, &hex)?))
            .await;
        if let Err(e) = stored {
            tracing::warn!("sandbox bunker: cannot persist admin: {e}");
        }
        let mut admins = self.inner.admins.write().unwrap_or_else(|e| e.into_inner());
        if !admins.contains(&pk) {
            admins.push(pk);
        }
    }

    /// Stops answering and disconnects. Restart = `shutdown` + `start` with the same state path.
    pub async fn shutdown(mut self) {
        self.inner.stopped.store(true, Ordering::SeqCst);
        let _ = self.stop.send(true);
        for watcher in &self.watchers {
            watcher.abort();
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.inner.client.shutdown().await;
    }
}

impl Drop for SandboxBunker {
    fn drop(&mut self) {
        self.inner.stopped.store(true, Ordering::SeqCst);
        let _ = self.stop.send(true);
        for watcher in &self.watchers {
            watcher.abort();
        }
    }
}

/// §1.4: NIP-46 requests to any hosted key. Locked keys are filtered in-process (N18), so
/// `unlock_key` needs no new subscription.
fn key_filter(pubkeys: Vec<PublicKey>) -> Filter {
    Filter::new()
        .kind(Kind::from(KIND_NIP46))
        .pubkeys(pubkeys)
        .limit(0)
}

/// Reads or initialises admin secret, keys and admins (config merged over state).
async fn load_state(
    store: &Store,
    cfg: &BunkerConfig,
) -> Result<(SecretKey, Vec<KeyRow>, Vec<String>)> {
    let cfg_admin = cfg.admin_secret.as_ref().map(SecretKey::to_secret_hex);
    let cfg_keys: Vec<(KeyRow, String)> = cfg
        .keys
        .iter()
        .map(|k| {
            let row = KeyRow {
                name: k.name.clone(),
                secret_hex: k.secret.to_secret_hex(),
                locked: k.locked,
                passphrase: k.passphrase.clone(),
            };
            (row, Keys::new(k.secret.clone()).public_key().to_hex())
        })
        .collect();
    let cfg_admins: Vec<String> = cfg.admin_npubs.iter().map(PublicKey::to_hex).collect();
    let (admin_hex, rows, admins) = store
        .run(move |c| -> Result<_> {
            let admin_hex = match cfg_admin {
                Some(hex) => hex,
                None => match key_rows::setting(c, ADMIN_SECRET_SETTING)? {
                    Some(hex) => hex,
                    None => Keys::generate().secret_key().to_secret_hex(),
                },
            };
            key_rows::set_setting(c, ADMIN_SECRET_SETTING, &admin_hex)?;
            for (row, pubkey) in &cfg_keys {
                key_rows::upsert_key(c, row, pubkey)?;
            }
            if key_rows::keys(c)?.is_empty() {
                let keys = Keys::generate();
                let row = KeyRow {
                    name: DEFAULT_KEY_NAME.to_owned(),
                    secret_hex: keys.secret_key().to_secret_hex(),
                    locked: false,
                    passphrase: None,
                };
                key_rows::upsert_key(c, &row, &keys.public_key().to_hex())?;
            }
            for admin in &cfg_admins {
                key_rows::add_admin(c, admin)?;
            }
            Ok((admin_hex, key_rows::keys(c)?, key_rows::admins(c)?))
        })
        .await?;
    let admin_secret = SecretKey::from_hex(&admin_hex).map_err(|e| Error::Key(e.to_string()))?;
    Ok((admin_secret, rows, admins))
}

/// The event loop: every request is handled in its own task, so a request waiting for an admin
/// approval never blocks the others (§2.5).
async fn listen(
    inner: Arc<Inner>,
    mut notifications: broadcast::Receiver<RelayPoolNotification>,
    mut stop: watch::Receiver<bool>,
) {
    let mut tasks = JoinSet::new();
    let mut seen = HashSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            received = notifications.recv() => match received {
                Ok(RelayPoolNotification::Event { event, .. }) => {
                    // De-duplicate by event id like NDK's subscription (§1.1).
                    if inner.is_dead() || inner.is_deaf() || !seen.insert(event.id) {
                        continue;
                    }
                    tasks.spawn(route(Arc::clone(&inner), *event));
                }
                Ok(RelayPoolNotification::Shutdown) | Err(broadcast::error::RecvError::Closed) => break,
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!("sandbox bunker lagged behind by {n} notifications");
                }
            }
        }
    }
    tasks.abort_all();
}

async fn route(inner: Arc<Inner>, event: Event) {
    let admin_pk = inner.admin.public_key();
    if event.pubkey == admin_pk {
        return; // our own probe
    }
    let kind = event.kind.as_u16();
    if kind != KIND_NIP46 && (kind != KIND_ADMIN || inner.v011()) {
        return;
    }
    // NDK subscriptions verify signatures (§1.1, A6); the relay might not.
    if event.verify().is_err() {
        tracing::debug!("sandbox bunker: dropped an event with a bad signature");
        return;
    }
    let targets: Vec<PublicKey> = event.tags.public_keys().copied().collect();
    if targets.contains(&admin_pk) {
        admin::handle(&inner, &event).await;
        return;
    }
    if kind != KIND_NIP46 {
        return;
    }
    let key = {
        let ring = inner.ring();
        targets.iter().find_map(|pk| ring.unlocked_by_pubkey(pk))
    };
    if let Some(key) = key {
        nip46::handle(&inner, &key, &event).await;
    }
}

/// JavaScript's `encodeURIComponent`.
fn encode_uri_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_string_relays_are_uri_component_encoded() {
        assert_eq!(
            encode_uri_component("ws://127.0.0.1:7777"),
            "ws%3A%2F%2F127.0.0.1%3A7777"
        );
        assert_eq!(
            encode_uri_component("relay.example.com,a.b"),
            "relay.example.com%2Ca.b"
        );
    }
}
