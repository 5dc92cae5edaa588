//! Test harness: an in-process relay + sandbox bunker and raw clients that craft any request
//! (kind 24133 vs 24134, NIP-04 vs NIP-44, bad signatures, string vs number params).

#![allow(dead_code)]

use std::time::Duration;

use nostr::nips::{nip04, nip44};
use nostr::{Event, EventBuilder, Filter, Keys, Kind, PublicKey, RelayUrl, SecretKey, Tag};
use nostr_sdk::prelude::{
    Client, RelayNotification, RelayOptions, RelayPoolNotification, RelayStatus, SubscribeOptions,
};
use sandbox::{BunkerConfig, EncryptionMode, Flavour, SandboxBunker, SandboxKey, SandboxRelay};
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::sync::broadcast;

pub const NIP46: u16 = 24133;
pub const ADMIN: u16 = 24134;
pub const MODES: [EncryptionMode; 2] = [EncryptionMode::Nip04Only, EncryptionMode::Auto];
/// Short approval timeout so undecided requests end quickly.
pub const APPROVAL: Duration = Duration::from_millis(300);
/// Upper bound for a reply that must come; generous for a loaded 2-core CI box.
pub const WAIT: Duration = Duration::from_secs(10);
/// How long we listen to conclude that *no* reply comes (after a later request was answered).
pub const GRACE: Duration = Duration::from_millis(300);
pub const COLD_PASSPHRASE: &str = "cold-passphrase";
/// A self-ping interval that never fires during a test.
pub const V011_QUIET: Duration = Duration::from_secs(3600);
/// `{"kind":21000,…}` as an ATM sends it.
pub fn template_21000() -> String {
    json!({"kind": 21000, "content": "", "tags": [], "created_at": 1}).to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Nip04,
    Nip44,
}

/// A decrypted event received by a raw client.
#[derive(Debug, Clone)]
pub struct Received {
    pub kind: u16,
    pub author: PublicKey,
    pub scheme: Scheme,
    pub text: String,
    pub json: Value,
    pub tags: Vec<Vec<String>>,
}

impl Received {
    pub fn id(&self) -> Option<&str> {
        self.json.get("id").and_then(Value::as_str)
    }
    pub fn result(&self) -> &str {
        self.json
            .get("result")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
    pub fn error(&self) -> Option<&str> {
        self.json.get("error").and_then(Value::as_str)
    }
    /// `result` parsed as JSON (admin lists and objects are double-encoded, §2.2).
    pub fn parsed(&self) -> Value {
        serde_json::from_str(self.result())
            .unwrap_or_else(|e| panic!("result is not JSON ({e}): {}", self.text))
    }
}

/// A Nostr client that speaks the wire by hand.
pub struct Raw {
    pub keys: Keys,
    client: Client,
    rx: broadcast::Receiver<RelayPoolNotification>,
    inbox: Vec<Received>,
}

impl Raw {
    pub async fn connect(url: &RelayUrl) -> Self {
        Self::with_keys(url, Keys::generate()).await
    }

    pub async fn with_keys(url: &RelayUrl, keys: Keys) -> Self {
        let client = Client::default();
        let opts = RelayOptions::new()
            .retry_interval(Duration::from_millis(300))
            .adjust_retry_interval(false);
        client.pool().add_relay(url.clone(), opts).await.unwrap();
        let rx = client.notifications();
        client.connect().await;
        client.wait_for_connection(WAIT).await;
        let filter = Filter::new()
            .kinds([Kind::from(NIP46), Kind::from(ADMIN)])
            .pubkey(keys.public_key())
            .limit(0);
        let sub = client.subscribe(filter.clone(), None).await.unwrap().val;
        // nostr-relay-pool 0.44 may skip re-subscribing after a quick reconnect (see the
        // crate's reconnect.rs); re-send our REQ on every (re)connect.
        let relay = client.relay(url).await.unwrap();
        tokio::spawn(async move {
            let mut rx = relay.notifications();
            while let Ok(n) = rx.recv().await {
                match n {
                    RelayNotification::RelayStatus {
                        status: RelayStatus::Connected,
                    } => {
                        let _ = relay
                            .subscribe_with_id(
                                sub.clone(),
                                filter.clone(),
                                SubscribeOptions::default(),
                            )
                            .await;
                    }
                    RelayNotification::Shutdown => break,
                    _ => {}
                }
            }
        });
        // The relay handles a connection's messages in order: once this is acknowledged the
        // subscription is live.
        let probe = EventBuilder::new(Kind::from(20_001), "ready")
            .sign_with_keys(&keys)
            .unwrap();
        let out = client.send_event(&probe).await.unwrap();
        assert!(!out.success.is_empty(), "probe not accepted by the relay");
        Self {
            keys,
            client,
            rx,
            inbox: Vec::new(),
        }
    }

    pub fn pubkey(&self) -> PublicKey {
        self.keys.public_key()
    }

    /// A signed request event.
    pub fn event(&self, to: &PublicKey, kind: u16, plaintext: &str, scheme: Scheme) -> Event {
        let content = match scheme {
            Scheme::Nip04 => nip04::encrypt(self.keys.secret_key(), to, plaintext).unwrap(),
            Scheme::Nip44 => {
                nip44::encrypt(self.keys.secret_key(), to, plaintext, nip44::Version::V2).unwrap()
            }
        };
        EventBuilder::new(Kind::from(kind), content)
            .tag(Tag::public_key(*to))
            .sign_with_keys(&self.keys)
            .unwrap()
    }

    pub async fn publish(&self, event: &Event) {
        self.client.send_event(event).await.unwrap();
    }

    pub async fn send(&self, to: &PublicKey, kind: u16, plaintext: &str, scheme: Scheme) {
        let event = self.event(to, kind, plaintext, scheme);
        self.publish(&event).await;
    }

    /// Sends `{"id","method","params"}`.
    pub async fn request(
        &self,
        to: &PublicKey,
        kind: u16,
        scheme: Scheme,
        id: &str,
        method: &str,
        params: Value,
    ) {
        let body = json!({"id": id, "method": method, "params": params}).to_string();
        self.send(to, kind, &body, scheme).await;
    }

    /// Waits up to `limit` for one more event; `false` on timeout.
    async fn pump(&mut self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.rx.recv()).await {
                Err(_) => return false,
                Ok(Ok(RelayPoolNotification::Event { event, .. })) => {
                    if event.pubkey == self.keys.public_key() {
                        continue;
                    }
                    // The 0.11 client rule (0.11 §1.2): `?iv=` heuristic, then the other scheme.
                    let first = if event.content.contains("?iv=") {
                        Scheme::Nip04
                    } else {
                        Scheme::Nip44
                    };
                    let other = match first {
                        Scheme::Nip04 => Scheme::Nip44,
                        Scheme::Nip44 => Scheme::Nip04,
                    };
                    let open = |scheme: Scheme| match scheme {
                        Scheme::Nip04 => {
                            nip04::decrypt(self.keys.secret_key(), &event.pubkey, &event.content)
                                .ok()
                        }
                        Scheme::Nip44 => {
                            nip44::decrypt(self.keys.secret_key(), &event.pubkey, &event.content)
                                .ok()
                        }
                    };
                    let (scheme, text) = match open(first) {
                        Some(t) => (first, t),
                        None => match open(other) {
                            Some(t) => (other, t),
                            None => panic!("cannot decrypt an event: {}", event.content),
                        },
                    };
                    let json = serde_json::from_str(&text).unwrap();
                    self.inbox.push(Received {
                        kind: event.kind.as_u16(),
                        author: event.pubkey,
                        scheme,
                        text,
                        json,
                        tags: event.tags.iter().map(|t| t.as_slice().to_vec()).collect(),
                    });
                    return true;
                }
                Ok(Ok(_)) => {}
                Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
                Ok(Err(broadcast::error::RecvError::Closed)) => return false,
            }
        }
    }

    fn taken(&self, id: &str) -> Vec<Received> {
        self.inbox
            .iter()
            .filter(|r| r.id() == Some(id) && r.json.get("method").is_none())
            .cloned()
            .collect()
    }

    /// Waits for `n` replies with this id (in arrival order).
    pub async fn replies(&mut self, id: &str, n: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.taken(id).len() < n {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            assert!(
                self.pump(left).await,
                "expected {n} replies to {id}, got {:?}",
                self.taken(id)
            );
        }
        self.taken(id)
    }

    pub async fn reply(&mut self, id: &str) -> Received {
        self.replies(id, 1).await.remove(0)
    }

    /// Everything received so far with this id, after listening for `GRACE` more.
    pub async fn settle(&mut self, id: &str) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + GRACE;
        while self
            .pump(deadline.saturating_duration_since(tokio::time::Instant::now()))
            .await
        {}
        self.taken(id)
    }

    /// Waits for a request (e.g. the bunker's `acl` prompt) with this method.
    pub async fn incoming_request(&mut self, method: &str) -> Received {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(i) = self
                .inbox
                .iter()
                .position(|r| r.json.get("method").and_then(Value::as_str) == Some(method))
            {
                return self.inbox.remove(i);
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            assert!(self.pump(left).await, "no {method} request arrived");
        }
    }

    pub fn requests_seen(&self, method: &str) -> usize {
        self.inbox
            .iter()
            .filter(|r| r.json.get("method").and_then(Value::as_str) == Some(method))
            .count()
    }
}

/// Relay + bunker with keys `fleet` (unlocked) and `cold` (locked), one admin client; or, for
/// the 0.11 flavour, one CLI-added key `operator`.
pub struct Harness {
    pub mode: EncryptionMode,
    pub flavour: Flavour,
    /// The key `paired_atm`, `fleet()` and `token` helpers use by default.
    pub main: &'static str,
    pub approval: Duration,
    pub self_ping: Duration,
    pub relay: SandboxRelay,
    pub bunker: SandboxBunker,
    pub admin: Raw,
    pub dir: TempDir,
    pub admin_keys: Keys,
    pub keys: Vec<SandboxKey>,
    seq: u32,
}

pub fn fleet_and_cold() -> Vec<SandboxKey> {
    vec![
        SandboxKey::unlocked("fleet", SecretKey::generate()),
        SandboxKey::locked("cold", SecretKey::generate(), COLD_PASSPHRASE),
    ]
}

impl Harness {
    pub async fn start(mode: EncryptionMode) -> Self {
        Self::with_keys(mode, fleet_and_cold()).await
    }

    pub async fn with_keys(mode: EncryptionMode, keys: Vec<SandboxKey>) -> Self {
        Self::build(mode, keys, Flavour::V0_10, "fleet", APPROVAL, V011_QUIET).await
    }

    /// A 0.11 double with one unlocked CLI-added key `operator`, no self-ping during the test.
    pub async fn v011() -> Self {
        Self::v011_with(APPROVAL, V011_QUIET).await
    }

    /// A 0.11 double with the given approval timeout and self-ping interval.
    pub async fn v011_with(approval: Duration, self_ping: Duration) -> Self {
        let keys = vec![SandboxKey::unlocked("operator", SecretKey::generate())];
        Self::build(
            EncryptionMode::Nip04Only,
            keys,
            Flavour::V0_11,
            "operator",
            approval,
            self_ping,
        )
        .await
    }

    async fn build(
        mode: EncryptionMode,
        keys: Vec<SandboxKey>,
        flavour: Flavour,
        main: &'static str,
        approval: Duration,
        self_ping: Duration,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let relay = SandboxRelay::start(None).await.unwrap();
        let admin_keys = Keys::generate();
        let mut cfg = Self::config(&dir, &relay, mode, &admin_keys, &keys);
        cfg.flavour = flavour;
        cfg.approval_timeout = approval;
        cfg.self_ping_interval = self_ping;
        let bunker = SandboxBunker::start(cfg).await.unwrap();
        let admin = Raw::with_keys(&relay.url(), admin_keys.clone()).await;
        Self {
            mode,
            flavour,
            main,
            approval,
            self_ping,
            relay,
            bunker,
            admin,
            dir,
            admin_keys,
            keys,
            seq: 0,
        }
    }

    pub fn config(
        dir: &TempDir,
        relay: &SandboxRelay,
        mode: EncryptionMode,
        admin: &Keys,
        keys: &[SandboxKey],
    ) -> BunkerConfig {
        BunkerConfig {
            encryption: mode,
            approval_timeout: APPROVAL,
            admin_npubs: vec![admin.public_key()],
            keys: keys.to_vec(),
            ..BunkerConfig::new(dir.path().join("bunker.sqlite"), vec![relay.url()])
        }
    }

    /// Restart = shutdown + start with the same state file (and configured keys).
    pub async fn restart(&mut self) {
        let mut cfg = Self::config(
            &self.dir,
            &self.relay,
            self.mode,
            &self.admin_keys,
            &self.keys,
        );
        cfg.flavour = self.flavour;
        cfg.approval_timeout = self.approval;
        cfg.self_ping_interval = self.self_ping;
        let old = std::mem::replace(
            &mut self.bunker,
            SandboxBunker::start(cfg.clone()).await.unwrap(),
        );
        old.shutdown().await;
    }

    pub fn key(&self, name: &str) -> PublicKey {
        self.bunker.key_pubkey(name).unwrap()
    }

    /// The main key (`fleet` in 0.10 harnesses, `operator` in 0.11 ones).
    pub fn fleet(&self) -> PublicKey {
        self.key(self.main)
    }

    /// Kind of admin requests and of admin success replies: 24134 in 0.10, 24133 in 0.11.
    pub fn admin_kind(&self) -> u16 {
        if self.flavour == Flavour::V0_11 {
            NIP46
        } else {
            ADMIN
        }
    }

    pub fn next_id(&mut self, prefix: &str) -> String {
        self.seq += 1;
        format!("{prefix}{}", self.seq)
    }

    pub async fn atm(&self) -> Raw {
        Raw::connect(&self.relay.url()).await
    }

    /// Admin request over NIP-04 as kind 24134 (24133 in 0.11); returns the first reply.
    pub async fn admin_call(&mut self, method: &str, params: Value) -> Received {
        self.admin_call_in(Scheme::Nip04, method, params).await
    }

    /// Admin request in `scheme` as the flavour's admin kind; returns the first reply.
    pub async fn admin_call_in(&mut self, scheme: Scheme, method: &str, params: Value) -> Received {
        let id = self.next_id("adm");
        let to = self.bunker.admin_pubkey();
        let kind = self.admin_kind();
        self.admin
            .request(&to, kind, scheme, &id, method, params)
            .await;
        self.admin.reply(&id).await
    }

    /// An admin call that must fail with exactly `error` (variant B).
    pub async fn admin_err(&mut self, method: &str, params: Value, error: &str) {
        let r = self.admin_call(method, params).await;
        assert_eq!(r.kind, NIP46, "error replies are kind 24133: {}", r.text);
        assert_error(&r, error);
    }

    /// An admin call that must succeed (kind 24134, 24133 in 0.11, no `error`); returns `result`.
    pub async fn admin_ok(&mut self, method: &str, params: Value) -> String {
        let r = self.admin_call(method, params).await;
        let kind = self.admin_kind();
        assert_eq!(r.kind, kind, "success replies are kind {kind}: {}", r.text);
        assert!(r.error().is_none(), "unexpected error: {}", r.text);
        r.result().to_owned()
    }

    pub async fn admin_json(&mut self, method: &str, params: Value) -> Value {
        let result = self.admin_ok(method, params).await;
        serde_json::from_str(&result).unwrap()
    }

    /// Creates a policy and returns its id (the highest id with that name, §4.1).
    pub async fn policy(&mut self, name: &str, rules: Value) -> i64 {
        let body = json!({"name": name, "rules": rules}).to_string();
        assert_eq!(
            self.admin_ok("create_new_policy", json!([body])).await,
            r#"["ok"]"#
        );
        let policies = self.admin_json("get_policies", json!([])).await;
        policies
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["name"] == name)
            .map(|p| p["id"].as_i64().unwrap())
            .max()
            .unwrap()
    }

    /// The ATM policy: sign_event kind 21000.
    pub async fn atm_policy(&mut self) -> i64 {
        self.policy(
            "atm-21000",
            json!([{"method": "sign_event", "kind": 21000}]),
        )
        .await
    }

    /// Creates a token and returns its 64-hex secret (split from `npub#hex`).
    pub async fn token(&mut self, key: &str, client: &str, policy: i64, hours: Value) -> String {
        assert_eq!(
            self.admin_ok("create_new_token", json!([key, client, policy, hours]))
                .await,
            r#"["ok"]"#
        );
        let tokens = self.tokens(key).await;
        let newest = tokens
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["client_name"] == client)
            .max_by_key(|t| t["id"].as_i64().unwrap())
            .unwrap_or_else(|| panic!("no token for {client} on {key}: {tokens}"));
        newest["token"]
            .as_str()
            .unwrap()
            .split_once('#')
            .unwrap()
            .1
            .to_owned()
    }

    pub async fn tokens(&mut self, key: &str) -> Value {
        self.admin_json("get_key_tokens", json!([key])).await
    }

    pub async fn users(&mut self, key: &str) -> Value {
        self.admin_json("get_key_users", json!([key])).await
    }

    /// An ATM that redeemed a fresh `atm-21000` token on `fleet` (`operator` in 0.11).
    pub async fn paired_atm(&mut self, client_name: &str) -> Raw {
        self.paired_on(self.main, client_name).await
    }

    /// An ATM that redeemed a fresh `atm-21000` token on key `key`.
    pub async fn paired_on(&mut self, key: &str, client_name: &str) -> Raw {
        let policy = self.atm_policy().await;
        let secret = self.token(key, client_name, policy, json!("720")).await;
        let mut atm = self.atm().await;
        let fleet = self.key(key);
        let id = self.next_id("pair");
        atm.request(
            &fleet,
            NIP46,
            Scheme::Nip04,
            &id,
            "connect",
            json!([fleet.to_hex(), secret]),
        )
        .await;
        assert_eq!(atm.reply(&id).await.result(), "ack");
        atm
    }

    /// The KeyUser id of `client` on `key`.
    pub async fn key_user_id(&mut self, key: &str, client: &PublicKey) -> i64 {
        let users = self.users(key).await;
        users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["pubkey"] == client.to_hex())
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    }

    /// NIP-46 call to `to` over NIP-04; returns all replies after `n` arrived.
    pub async fn call(
        &mut self,
        atm: &mut Raw,
        to: &PublicKey,
        method: &str,
        params: Value,
        n: usize,
    ) -> Vec<Received> {
        let id = self.next_id("n");
        atm.request(to, NIP46, Scheme::Nip04, &id, method, params)
            .await;
        atm.replies(&id, n).await
    }

    /// NIP-46 call to `to` in `scheme`; returns all replies after `n` arrived.
    pub async fn call_in(
        &mut self,
        atm: &mut Raw,
        to: &PublicKey,
        scheme: Scheme,
        method: &str,
        params: Value,
        n: usize,
    ) -> Vec<Received> {
        let id = self.next_id("n");
        atm.request(to, NIP46, scheme, &id, method, params).await;
        atm.replies(&id, n).await
    }

    /// Sends a NIP-46 request without waiting; returns its id.
    pub async fn send_nip46(
        &mut self,
        atm: &Raw,
        to: &PublicKey,
        scheme: Scheme,
        method: &str,
        params: Value,
    ) -> String {
        let id = self.next_id("n");
        atm.request(to, NIP46, scheme, &id, method, params).await;
        id
    }

    /// The newest token of `client` on `key`, as (id, `npub#hex` token, hex secret).
    pub async fn token_entry(&mut self, key: &str, client: &str) -> (i64, String, String) {
        let tokens = self.tokens(key).await;
        let t = tokens
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["client_name"] == client)
            .max_by_key(|t| t["id"].as_i64().unwrap())
            .unwrap_or_else(|| panic!("no token for {client} on {key}: {tokens}"))
            .clone();
        let full = t["token"].as_str().unwrap().to_owned();
        let secret = full.split_once('#').unwrap().1.to_owned();
        (t["id"].as_i64().unwrap(), full, secret)
    }

    pub async fn shutdown(self) {
        self.bunker.shutdown().await;
        self.relay.stop().await;
    }
}

/// `{"id","result":"error","error":msg}` exactly.
pub fn assert_error(r: &Received, id_prefix_free_msg: &str) {
    assert_eq!(r.result(), "error", "{}", r.text);
    assert_eq!(r.error(), Some(id_prefix_free_msg), "{}", r.text);
}
