//! [`AdminClient`]: nsecbunkerd's admin RPC (protocol/nsecbunkerd.md §2), signed by the console
//! key, which must be listed in the bunker's `admin.npubs`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use nostr::{Kind, PublicKey};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::broadcast;

use crate::crypto::Encryption;
use crate::error::{Error, ErrorKind, Result};
use crate::line::BunkerLine;
use crate::link::{Link, LinkSpec, KIND_ADMIN, KIND_NOSTR_CONNECT};
use crate::options::ClientOptions;
use crate::request_signer::RequestSigner;
use crate::types::{
    AclRequest, KeyInfo, KeyToken, KeyUser, NewPolicy, PingReply, Policy, RawKeyInfo, RawKeyToken,
    TokenAdvice,
};
use crate::uri::AdminConnection;
use crate::Sensitive;

/// Proof that a bunker answers NIP-44, listing the public keys of its unlocked keys.
///
/// Only [`AdminClient::probe_nip44`] and [`AdminClient::detect_line`] (when it finds
/// nsecbunkerd 0.11, which accepts NIP-44 on every key: protocol/nsecbunkerd-0.11.md §0.3
/// item 3) can build one, so NIP-44 can never be sent to the key of an unprobed bunker (one
/// NIP-44 request kills a stock nsecbunkerd 0.10, §0.3 item 2).
#[derive(Debug, Clone)]
pub struct Nip44Capable {
    keys: Vec<PublicKey>,
}

impl Nip44Capable {
    /// Whether NIP-44 is proven for this signing key.
    pub fn covers(&self, signer: &PublicKey) -> bool {
        self.keys.contains(signer)
    }
}

/// What [`AdminClient::detect_line`] found.
#[derive(Debug, Clone)]
pub struct LineDetection {
    /// The bunker's line; the client now uses it for every request.
    pub line: BunkerLine,
    /// On 0.11, the NIP-44 proof for every unlocked key; on 0.10 `None` (run
    /// [`AdminClient::probe_nip44`] if NIP-44 matters).
    pub nip44: Option<Nip44Capable>,
}

/// Which line the client speaks, and whether the bunker is known to have answered before.
#[derive(Debug, Clone, Copy, Default)]
struct LineState {
    line: Option<BunkerLine>,
    answered_before: bool,
}

/// A connection to a bunker's admin interface. Cheap to clone; clones share the connection,
/// the line in use and the request counter.
#[derive(Clone)]
pub struct AdminClient {
    link: Arc<Link>,
    /// Requests sent so far (one per round trip), for benchmarks and diagnostics.
    requests: Arc<AtomicU64>,
    state: Arc<Mutex<LineState>>,
}

impl AdminClient {
    /// Connects to the admin relays and listens for the bunker admin key's replies and prompts
    /// on kinds 24133 and 24134 (both lines' kinds). Does not contact the bunker. Until a line
    /// is known ([`AdminClient::detect_line`] or [`AdminClient::use_line`]) requests go out as
    /// NIP-04 kind 24133, which both lines answer.
    ///
    /// `console` is the admin key: a local [`nostr::Keys`] or a [`RequestSigner`] over a remote signer.
    pub async fn connect(
        console: impl Into<RequestSigner>,
        conn: &AdminConnection,
        opts: ClientOptions,
    ) -> Result<Self> {
        let spec = LinkSpec {
            signer: console.into(),
            peer: conn.admin,
            relays: conn.relays.clone(),
            request_kind: KIND_NOSTR_CONNECT,
            reply_kinds: vec![KIND_NOSTR_CONNECT, KIND_ADMIN],
        };
        Ok(Self {
            link: Arc::new(Link::open(spec, opts).await?),
            requests: Arc::default(),
            state: Arc::default(),
        })
    }

    /// Speaks `line` from now on (its admin kind and best encryption), as stored by an earlier
    /// detection. `answered_before`: the bunker is known to have answered (a stored probe), so
    /// a 0.11 bunker that times out is reported as [`Error::Deaf`].
    pub fn use_line(&self, line: BunkerLine, answered_before: bool) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.line = Some(line);
        state.answered_before |= answered_before;
    }

    /// The line in use, once detected or set.
    pub fn line(&self) -> Option<BunkerLine> {
        self.line_state().line
    }

    /// Tells nsecbunkerd 0.10 from 0.11 safely (protocol/nsecbunkerd-0.11.md §5): one admin
    /// `ping`, NIP-04, kind 24133, to the ADMIN key, answers read on 24133 and 24134. `ok` on
    /// 24134 is 0.10, `pong` on 24133 is 0.11; anything else is [`Error::UnknownLine`]. Never
    /// sends NIP-44 before the answer, and never to a signing key. On success the client uses
    /// the line for every later request.
    pub async fn detect_line(&self) -> Result<LineDetection> {
        let timeout = self.link.options().timeout;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let answer = self
            .link
            .call_as(
                "ping",
                &[],
                Encryption::Nip04,
                Kind::from(KIND_NOSTR_CONNECT),
                timeout,
            )
            .await?;
        let line = BunkerLine::classify_probe(answer.kind, &answer.result)?;
        self.use_line(line, true);
        let nip44 = match line {
            BunkerLine::V0_11 => Some(self.nip44_proof_from_keys().await?),
            BunkerLine::V0_10 => None,
        };
        Ok(LineDetection { line, nip44 })
    }

    /// How many admin requests this client (and its clones) has sent: one per round trip,
    /// answered or not, the NIP-44 probe included.
    pub fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The console's public key (what must be in `admin.npubs`).
    pub fn console_public_key(&self) -> PublicKey {
        self.link.public_key()
    }

    /// Who signs this client's requests; its [`RequestSigner::calls`] counts remote calls.
    pub fn request_signer(&self) -> &RequestSigner {
        self.link.signer()
    }

    /// Admin `ping`: `ok` from stock nsecbunkerd 0.10, `pong` from 0.11 and forks (§2.3.1,
    /// §6.3 C9). On a 0.11 bunker that answered before, no `pong` in time is
    /// [`Error::Deaf`] ("bunker unreachable", 0.11 doc §8 C15).
    pub async fn ping(&self) -> Result<PingReply> {
        let result = self.call("ping", Vec::new()).await?;
        parse_ping(&result)
    }

    /// All keys, unlocked first; locked keys have no public key (§2.3.2).
    pub async fn get_keys(&self) -> Result<Vec<KeyInfo>> {
        let raw: Vec<RawKeyInfo> = self.call_json("get_keys", Vec::new()).await?;
        raw.into_iter().map(KeyInfo::try_from).collect()
    }

    /// The named key, which must exist and be unlocked.
    pub async fn unlocked_key(&self, name: &str) -> Result<KeyInfo> {
        let key = self
            .get_keys()
            .await?
            .into_iter()
            .find(|k| k.name == name)
            .ok_or_else(|| Error::UnknownKey {
                name: name.to_owned(),
            })?;
        if key.is_locked() {
            return Err(Error::KeyLocked {
                name: name.to_owned(),
            });
        }
        Ok(key)
    }

    /// Clients paired with a key, revoked ones included (§2.3.3).
    pub async fn get_key_users(&self, key: &str) -> Result<Vec<KeyUser>> {
        self.call_json("get_key_users", vec![key.into()]).await
    }

    /// All tokens of a key, sorted by id. Empty for an unknown OR locked key (§2.3.4, §5 item 11).
    pub async fn get_key_tokens(&self, key: &str) -> Result<Vec<KeyToken>> {
        let raw: Vec<RawKeyToken> = self.call_json("get_key_tokens", vec![key.into()]).await?;
        let mut tokens: Vec<KeyToken> = raw.into_iter().map(KeyToken::from).collect();
        tokens.sort_by_key(|t| t.id);
        Ok(tokens)
    }

    /// All policies (§2.3.5).
    pub async fn get_policies(&self) -> Result<Vec<Policy>> {
        self.call_json("get_policies", Vec::new()).await
    }

    /// Creates a policy. The bunker returns no id: read it back with
    /// [`AdminClient::get_policies`] (highest id with this name, §2.3.6).
    pub async fn create_new_policy(&self, policy: &NewPolicy) -> Result<()> {
        if policy.name.trim().is_empty() {
            return Err(Error::InvalidInput("a policy needs a name"));
        }
        if policy.rules.is_empty() {
            // Without rules nsecbunkerd creates the policy and then fails (§2.3.6).
            return Err(Error::InvalidInput("a policy needs at least one rule"));
        }
        let result = self
            .call("create_new_policy", vec![policy.to_wire_json().into()])
            .await?;
        expect_ok(&result)
    }

    /// Creates a pairing token. The bunker returns no token: read it back with
    /// [`AdminClient::get_key_tokens`] (§2.3.7). `policy_id` is sent as a JSON number (§0.3
    /// item 6); `redeem_window_hours` limits redemption only, `None` means no limit (§3.4).
    pub async fn create_new_token(
        &self,
        key: &str,
        client_name: &str,
        policy_id: u64,
        redeem_window_hours: Option<u32>,
    ) -> Result<()> {
        if client_name.trim().is_empty() {
            return Err(Error::InvalidInput("a token needs a client name"));
        }
        let mut params: Vec<Value> = vec![key.into(), client_name.into(), policy_id.into()];
        match redeem_window_hours {
            // nsecbunkerd treats 0 as "no expiry" (falsy), the opposite of what 0 suggests.
            Some(0) => {
                return Err(Error::InvalidInput(
                    "a redemption window of 0 hours would mean no expiry",
                ))
            }
            Some(hours) => params.push(hours.to_string().into()),
            None => {}
        }
        let result = self.call("create_new_token", params).await?;
        expect_ok(&result)
    }

    /// Revokes a paired client by its `KeyUser.id` (from [`AdminClient::get_key_users`]).
    /// Permanent on 0.10; on 0.11 `grant_permission` and `rotate_key` revive revoked clients
    /// (0.11 doc §3.5), which reconciliation watches for.
    pub async fn revoke_user(&self, key_user_id: u64) -> Result<()> {
        let result = self
            .call("revoke_user", vec![key_user_id.to_string().into()])
            .await?;
        expect_ok(&result)
    }

    /// Renames the first client with this public key, across all keys (§2.3.9).
    pub async fn rename_key_user(&self, client: &PublicKey, name: &str) -> Result<()> {
        let result = self
            .call("rename_key_user", vec![client.to_hex().into(), name.into()])
            .await?;
        expect_ok(&result)
    }

    /// The bunker's unsolicited `acl` permission prompts (§2.5). This client never answers
    /// them: approving is the operator's decision, and an unanswered prompt ends in
    /// `"Not authorized"` after 10 s.
    pub fn acl_requests(&self) -> broadcast::Receiver<AclRequest> {
        self.link.acl_requests()
    }

    /// `validate_token` (nsecbunkerd 0.11 only; 0.10 answers "unknown method"). **Advisory**:
    /// a revoked token still redeems and a redeemed token is "valid" (0.11 doc §2.3.12), so the
    /// answer never decides whether a pairing is cancelled or burnt; only a redemption does.
    pub async fn validate_token(&self, token: &Sensitive<String>) -> Result<TokenAdvice> {
        let result = self
            .call("validate_token", vec![token.expose().as_str().into()])
            .await?;
        TokenAdvice::parse(&result)
    }

    /// Checks whether the bunker understands NIP-44 by sending one NIP-44 `ping` to the ADMIN
    /// key, which a stock bunker silently drops without harm (§6.3 A5); never to a signing key.
    /// Answered: returns a proof listing the unlocked keys. Unanswered within
    /// `nip44_probe_timeout`: `None`, stay on NIP-04.
    pub async fn probe_nip44(&self) -> Result<Option<Nip44Capable>> {
        if self.line() == Some(BunkerLine::V0_11) {
            return self.nip44_proof_from_keys().await.map(Some);
        }
        let timeout = self.link.options().nip44_probe_timeout;
        self.requests.fetch_add(1, Ordering::Relaxed);
        match self
            .link
            .call_as("ping", &[], Encryption::Nip44, self.request_kind(), timeout)
            .await
        {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::Timeout => return Ok(None),
            // Any answer, even a refusal, was a decrypted NIP-44 request.
            Err(Error::Refused(_) | Error::BunkerInternal { .. }) => {}
            Err(e) => return Err(e),
        }
        self.nip44_proof_from_keys().await.map(Some)
    }

    /// The NIP-44 proof for the unlocked keys, once NIP-44 is known to be safe.
    async fn nip44_proof_from_keys(&self) -> Result<Nip44Capable> {
        let keys = self
            .get_keys()
            .await?
            .into_iter()
            .filter_map(|k| k.public_key)
            .collect();
        Ok(Nip44Capable { keys })
    }

    fn line_state(&self) -> LineState {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The kind requests go out with: the line's admin kind, 24133 while the line is unknown.
    fn request_kind(&self) -> Kind {
        Kind::from(
            self.line()
                .map_or(KIND_NOSTR_CONNECT, BunkerLine::admin_request_kind),
        )
    }

    /// Disconnects; running calls fail with [`Error::Closed`].
    pub async fn shutdown(&self) {
        self.link.shutdown().await;
    }

    async fn call(&self, method: &str, params: Vec<Value>) -> Result<String> {
        let timeout = self.link.options().timeout;
        let state = self.line_state();
        let scheme = state
            .line
            .map_or(Encryption::Nip04, BunkerLine::best_encryption);
        self.requests.fetch_add(1, Ordering::Relaxed);
        match self
            .link
            .call_as(method, &params, scheme, self.request_kind(), timeout)
            .await
        {
            Ok(answer) => {
                self.state
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .answered_before = true;
                Ok(answer.result)
            }
            Err(e) if state.line == Some(BunkerLine::V0_11) && state.answered_before => {
                Err(e.deaf_if_timeout())
            }
            Err(e) => Err(e),
        }
    }

    /// List and object results are JSON text inside `result` (§2.2, §5 item 5).
    async fn call_json<T: DeserializeOwned>(&self, method: &str, params: Vec<Value>) -> Result<T> {
        let result = self.call(method, params).await?;
        serde_json::from_str(&result)
            .map_err(|_| Error::Protocol("a result did not have the documented JSON shape"))
    }
}

fn parse_ping(result: &str) -> Result<PingReply> {
    match result {
        "ok" => Ok(PingReply::Ok),
        "pong" => Ok(PingReply::Pong),
        _ => Err(Error::Protocol(
            "ping was answered with neither ok nor pong",
        )),
    }
}

/// `create_new_policy`, `create_new_token`, `revoke_user` and `rename_key_user` answer `["ok"]`.
fn expect_ok(result: &str) -> Result<()> {
    match serde_json::from_str::<Value>(result) {
        Ok(Value::Array(items)) if items.first().and_then(Value::as_str) == Some("ok") => Ok(()),
        _ if result == "ok" => Ok(()),
        _ => Err(Error::Protocol("expected [\"ok\"]")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nostr::Keys;

    #[test]
    fn admin_ping_accepts_ok_and_pong_only() {
        assert_eq!(parse_ping("ok").unwrap(), PingReply::Ok);
        assert_eq!(parse_ping("pong").unwrap(), PingReply::Pong);
        assert_eq!(parse_ping("ack").unwrap_err().kind(), ErrorKind::Protocol);
    }

    #[test]
    fn ok_array_is_success_and_anything_else_is_protocol_error() {
        assert!(expect_ok(r#"["ok"]"#).is_ok());
        assert!(expect_ok("ok").is_ok());
        assert!(expect_ok(r#"{"success":false}"#).is_err());
    }

    #[test]
    fn nip44_proof_covers_only_listed_keys() {
        let a = Keys::generate().public_key();
        let b = Keys::generate().public_key();
        let proof = Nip44Capable { keys: vec![a] };
        assert!(proof.covers(&a));
        assert!(!proof.covers(&b));
    }
}
