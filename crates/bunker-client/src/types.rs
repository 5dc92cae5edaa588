//! Results of admin calls and the bunker's `acl` prompt (protocol/nsecbunkerd.md §2.3, §2.5).
//!
//! Dates stay the ISO-8601 strings the bunker sends (`"2024-05-01T12:00:00.000Z"`). Optional
//! fields that nsecbunkerd omits when unset (`revokedAt`, `description`, ...) are `Option`s.

use nostr::nips::nip19::FromBech32;
use nostr::{PublicKey, RelayUrl};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::uri::BunkerUri;
use crate::Sensitive;

/// One key on the bunker (`get_keys`, §2.3.2). A locked key has no public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// Key name in the bunker's config.
    pub name: String,
    /// The key's public key; `None` while the key is locked.
    pub public_key: Option<PublicKey>,
    /// Clients ever paired with this key, revoked ones included.
    pub user_count: u64,
    /// Tokens ever created for this key, redeemed and expired ones included.
    pub token_count: u64,
}

impl KeyInfo {
    /// Whether the key is locked (the bunker listed it without an npub).
    pub fn is_locked(&self) -> bool {
        self.public_key.is_none()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawKeyInfo {
    name: String,
    #[serde(default)]
    npub: Option<String>,
    #[serde(default)]
    user_count: Option<u64>,
    #[serde(default)]
    token_count: Option<u64>,
}

impl TryFrom<RawKeyInfo> for KeyInfo {
    type Error = Error;

    fn try_from(raw: RawKeyInfo) -> Result<Self> {
        let public_key = match raw.npub.filter(|n| !n.is_empty()) {
            Some(npub) => Some(
                PublicKey::from_bech32(&npub)
                    .map_err(|_| Error::Protocol("get_keys returned an invalid npub"))?,
            ),
            None => None,
        };
        Ok(Self {
            name: raw.name,
            public_key,
            user_count: raw.user_count.unwrap_or_default(),
            token_count: raw.token_count.unwrap_or_default(),
        })
    }
}

/// A permission row of a paired client (`signingConditions`, §2.3.3).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SigningCondition {
    /// Method name as the bunker's ACL checks it (`connect`, `sign_event`, `ping`, ...).
    #[serde(default)]
    pub method: Option<String>,
    /// Event kind as text, `"all"`, or `None`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Whether the condition allows (always `true` for rows made from a policy).
    #[serde(default)]
    pub allowed: Option<bool>,
}

/// A client paired with a key (`get_key_users`, §2.3.3): one per (key, client pubkey).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyUser {
    /// `KeyUser.id`: the handle `revoke_user` takes.
    #[serde(deserialize_with = "number_or_string")]
    pub id: u64,
    /// The KEY's name (not the client's).
    pub name: String,
    /// The client's public key.
    pub pubkey: PublicKey,
    /// The client name from the redeemed token, or as renamed.
    #[serde(default)]
    pub description: Option<String>,
    /// When the client first redeemed a token.
    #[serde(default)]
    pub created_at: Option<String>,
    /// When the client was revoked; absent while active.
    #[serde(default)]
    pub revoked_at: Option<String>,
    /// nsecbunkerd 0.11 only: `true` while not revoked (0.11 doc §2.3.3); `None` on 0.10.
    #[serde(default)]
    pub active: Option<bool>,
    /// The client's permissions.
    #[serde(default)]
    pub signing_conditions: Vec<SigningCondition>,
}

impl KeyUser {
    /// Whether the client is revoked on the bunker: a `revokedAt`, or 0.11's `active:false`.
    /// On 0.11 this can turn back to `false` (`grant_permission`, `rotate_key`).
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some() || self.active == Some(false)
    }
}

/// A pairing token (`get_key_tokens`, §2.3.4). `Debug` never shows the token.
#[derive(Debug, PartialEq, Eq)]
pub struct KeyToken {
    /// Token id; the newest token of a client name has the highest id.
    pub id: u64,
    /// Key the token grants access to.
    pub key_name: String,
    /// Client name the token was created for.
    pub client_name: String,
    /// `"<key npub>#<64 hex>"`.
    pub token: Sensitive<String>,
    /// Policy applied on redemption.
    pub policy_id: Option<u64>,
    /// Creation time.
    pub created_at: Option<String>,
    /// End of the redemption window; `None` means no expiry.
    pub expires_at: Option<String>,
    /// When the token was redeemed.
    pub redeemed_at: Option<String>,
    /// Description of the client that redeemed it.
    pub redeemed_by: Option<String>,
    /// nsecbunkerd 0.11 only: the key's public key (`key_npub`).
    pub key_npub: Option<PublicKey>,
    /// nsecbunkerd 0.11 only: `revoke_token` (or `delete_key`/`rotate_key`) marked it. This
    /// does NOT stop redemption (0.11 doc §0.3 item 7): never read it as "cancelled".
    pub revoked: bool,
}

impl KeyToken {
    /// The part after `#`: the secret that goes into `secret=` of the pairing URL (§4.1 item 4).
    pub fn secret_hex(&self) -> Sensitive<String> {
        let token = self.token.expose();
        let secret = token.split_once('#').map_or(token.as_str(), |(_, s)| s);
        Sensitive::new(secret.to_owned())
    }

    /// The key's public key, from the part before `#`.
    pub fn key_public_key(&self) -> Result<PublicKey> {
        let token = self.token.expose();
        let npub = token
            .split_once('#')
            .map(|(n, _)| n)
            .ok_or(Error::Protocol("a token lacks the npub#secret form"))?;
        PublicKey::from_bech32(npub).map_err(|_| Error::Protocol("a token holds an invalid npub"))
    }

    /// Whether the token has been used.
    pub fn is_redeemed(&self) -> bool {
        self.redeemed_at.is_some()
    }

    /// The pairing URL for this token: `bunker://<key hex>?relay=…&secret=<hex>` (§4.1 item 5).
    /// `relays` are the bunker's `nostr.relays`, which no admin call reports.
    pub fn pairing_uri(&self, relays: Vec<RelayUrl>) -> Result<BunkerUri> {
        if relays.is_empty() {
            return Err(Error::InvalidInput(
                "a pairing URL needs at least one relay",
            ));
        }
        let secret = self.secret_hex();
        if secret.expose().is_empty() || !secret.expose().chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Error::Protocol("a token's secret is not hex"));
        }
        Ok(BunkerUri {
            signer: self.key_public_key()?,
            relays,
            secret: Some(secret),
        })
    }
}

#[derive(Deserialize)]
pub(crate) struct RawKeyToken {
    #[serde(deserialize_with = "number_or_string")]
    id: u64,
    key_name: String,
    client_name: String,
    token: String,
    #[serde(default, deserialize_with = "optional_number_or_string")]
    policy_id: Option<u64>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    expires_at: Option<String>,
    #[serde(default)]
    redeemed_at: Option<String>,
    #[serde(default)]
    redeemed_by: Option<String>,
    #[serde(default)]
    key_npub: Option<String>,
    #[serde(default)]
    revoked: Option<bool>,
}

impl From<RawKeyToken> for KeyToken {
    fn from(raw: RawKeyToken) -> Self {
        Self {
            id: raw.id,
            key_name: raw.key_name,
            client_name: raw.client_name,
            token: Sensitive::new(raw.token),
            policy_id: raw.policy_id,
            created_at: raw.created_at,
            expires_at: raw.expires_at,
            redeemed_at: raw.redeemed_at,
            redeemed_by: raw.redeemed_by,
            key_npub: raw
                .key_npub
                .and_then(|npub| PublicKey::from_bech32(&npub).ok()),
            revoked: raw.revoked.unwrap_or(false),
        }
    }
}

/// An id that nsecbunkerd sends as a JSON number, or (0.11 `parseInt`s them, 0.11 doc §2.3) as a
/// string of digits.
#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrString {
    Number(u64),
    Text(String),
}

impl NumberOrString {
    fn into_u64<E: serde::de::Error>(self) -> Result<u64, E> {
        match self {
            Self::Number(n) => Ok(n),
            Self::Text(text) => text
                .trim()
                .parse()
                .map_err(|_| E::custom("an id was neither a number nor a string of digits")),
        }
    }
}

fn number_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    NumberOrString::deserialize(d)?.into_u64()
}

fn optional_number_or_string<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<u64>, D::Error> {
    Option::<NumberOrString>::deserialize(d)?
        .map(NumberOrString::into_u64)
        .transpose()
}

/// A rule of a policy: a method and, for `sign_event`, an event kind.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PolicyRule {
    /// Method name (`sign_event`, `ping`, `connect`, `encrypt`, ...).
    pub method: String,
    /// Event kind as text (`"21000"`), `"all"`, or `None`.
    #[serde(default)]
    pub kind: Option<String>,
}

impl PolicyRule {
    /// `sign_event` for one event kind.
    pub fn sign_event(kind: u16) -> Self {
        Self {
            method: "sign_event".to_owned(),
            kind: Some(kind.to_string()),
        }
    }

    /// Any other method (`ping`, `encrypt`, ...); sent with kind `"all"` (§5 item 9).
    pub fn method(method: &str) -> Self {
        Self {
            method: method.to_owned(),
            kind: None,
        }
    }
}

/// A policy (`get_policies`, §2.3.5).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Policy {
    /// Policy id, passed to `create_new_token` (a number or a string of digits on the wire).
    #[serde(deserialize_with = "number_or_string")]
    pub id: u64,
    /// Name (not unique on the bunker).
    pub name: String,
    /// Rules copied to a client on redemption.
    #[serde(default)]
    pub rules: Vec<PolicyRule>,
    /// Stored by the bunker but never enforced (§3.4).
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// A policy to create (`create_new_policy`, §2.3.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPolicy {
    /// Policy name.
    pub name: String,
    /// Its rules; at least one.
    pub rules: Vec<PolicyRule>,
}

#[derive(Serialize)]
pub(crate) struct WirePolicy<'a> {
    pub name: &'a str,
    pub rules: Vec<WireRule<'a>>,
}

#[derive(Serialize)]
pub(crate) struct WireRule<'a> {
    pub method: &'a str,
    pub kind: serde_json::Value,
}

impl NewPolicy {
    /// The JSON text `create_new_policy` takes. Every rule gets a non-null kind, because a rule
    /// without one makes nsecbunkerd fail half-way and leave a partial policy (§2.3.6, §5 item 9).
    pub(crate) fn to_wire_json(&self) -> String {
        let rules = self
            .rules
            .iter()
            .map(|rule| {
                let kind = match rule.kind.as_deref() {
                    // A number matches §2.4's example; the bunker stores `kind.toString()` anyway.
                    Some(k) => k
                        .parse::<u64>()
                        .map_or_else(|_| k.into(), serde_json::Value::from),
                    None => "all".into(),
                };
                WireRule {
                    method: &rule.method,
                    kind,
                }
            })
            .collect();
        serde_json::to_string(&WirePolicy {
            name: &self.name,
            rules,
        })
        .unwrap_or_default()
    }
}

/// An unsolicited permission prompt from the bunker (§2.5). Surfaced, never answered (C8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclRequest {
    /// Key the client asked to use.
    pub key_name: String,
    /// The client's public key.
    pub client: PublicKey,
    /// The method the client called.
    pub method: String,
    /// The client's description on the bunker, if any.
    pub description: Option<String>,
}

/// The reply to an admin `ping`: stock nsecbunkerd answers `ok`, some forks `pong` (§2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PingReply {
    /// Stock nsecbunkerd 0.10.5.
    Ok,
    /// Forks such as `398ja/nsecbunkerd`, and NIP-46 signers.
    Pong,
}

/// What nsecbunkerd 0.11's `validate_token` said about a token (0.11 doc §2.3.12).
///
/// **Advisory only**: a revoked token still redeems and a redeemed token stays "valid", so none
/// of these answers says whether a pairing can still be used; burning is by redemption.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenAdvice {
    /// `valid:true`; `redeemed` as the bunker reported it.
    Valid {
        /// Whether the token has been redeemed.
        redeemed: bool,
    },
    /// `Token not found`.
    NotFound,
    /// `Token has been revoked` (marked by `revoke_token`; it STILL redeems).
    Revoked,
    /// `Token has expired`.
    Expired,
    /// `valid:false` with a reason this client does not know (not kept: it is bunker text).
    Invalid,
}

#[derive(Deserialize)]
struct RawTokenAdvice {
    valid: bool,
    #[serde(default)]
    redeemed: Option<bool>,
    #[serde(default)]
    reason: Option<String>,
}

impl TokenAdvice {
    pub(crate) fn parse(result: &str) -> Result<Self> {
        let raw: RawTokenAdvice = serde_json::from_str(result)
            .map_err(|_| Error::Protocol("validate_token did not return the documented object"))?;
        if raw.valid {
            return Ok(Self::Valid {
                redeemed: raw.redeemed.unwrap_or(false),
            });
        }
        Ok(match raw.reason.as_deref() {
            Some("Token not found") => Self::NotFound,
            Some("Token has been revoked") => Self::Revoked,
            Some("Token has expired") => Self::Expired,
            _ => Self::Invalid,
        })
    }

    /// Whether this answer proves the token can no longer be redeemed. Only a redemption does:
    /// `Revoked` and `Invalid` do not (0.11 redeems revoked tokens), `Expired` is checked again
    /// by `connect` and `NotFound` may be a typo. Always `false` except for a redeemed token.
    pub fn proves_burnt(&self) -> bool {
        matches!(self, Self::Valid { redeemed: true })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nostr::nips::nip19::ToBech32;

    const KEY: &str = "654b4314334099912b30b4dd79dad0620204b82b0eafe37e5c3a988842fa3e2e";
    const SECRET: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

    #[test]
    fn get_keys_marks_keys_without_npub_as_locked() {
        let npub = PublicKey::from_hex(KEY).unwrap().to_bech32().unwrap();
        let json = format!(
            r#"[{{"name":"fleet","npub":"{npub}","userCount":2,"tokenCount":3}},{{"name":"cold"}}]"#
        );
        let raw: Vec<RawKeyInfo> = serde_json::from_str(&json).unwrap();
        let keys: Vec<KeyInfo> = raw.into_iter().map(|k| k.try_into().unwrap()).collect();
        assert!(!keys[0].is_locked());
        assert_eq!((keys[0].user_count, keys[0].token_count), (2, 3));
        assert!(keys[1].is_locked());
    }

    #[test]
    fn key_users_parse_with_omitted_fields() {
        let json = format!(
            r#"[{{"id":3,"name":"fleet","pubkey":"{KEY}","description":"satmachine-42","createdAt":"2024-05-01T12:00:00.000Z","signingConditions":[{{"id":8,"method":"sign_event","kind":"21000","content":null,"keyUserKeyName":null,"allowed":true,"keyUserId":3}}]}},{{"id":4,"name":"fleet","pubkey":"{KEY}","createdAt":"x","revokedAt":"y"}}]"#
        );
        let users: Vec<KeyUser> = serde_json::from_str(&json).unwrap();
        assert!(!users[0].is_revoked());
        assert_eq!(
            users[0].signing_conditions[0].kind.as_deref(),
            Some("21000")
        );
        assert!(users[1].is_revoked());
        assert_eq!(users[1].description, None);
    }

    #[test]
    fn token_yields_secret_and_pairing_uri_and_hides_itself() {
        let npub = PublicKey::from_hex(KEY).unwrap().to_bech32().unwrap();
        let json = format!(
            r#"{{"id":12,"key_name":"fleet","client_name":"satmachine-42","token":"{npub}#{SECRET}","policy_id":4,"policy_name":"p","created_at":"a","updated_at":"b","expires_at":null,"redeemed_at":null,"time_until_expiration":null}}"#
        );
        let token: KeyToken = serde_json::from_str::<RawKeyToken>(&json).unwrap().into();
        assert_eq!(token.secret_hex().expose(), SECRET);
        assert!(
            !format!("{token:?}").contains(SECRET),
            "Debug must hide the token"
        );
        let relay = RelayUrl::parse("wss://relay.example.com").unwrap();
        let uri = token.pairing_uri(vec![relay]).unwrap();
        assert_eq!(
            uri.to_url_string(),
            format!("bunker://{KEY}?relay=wss%3A%2F%2Frelay.example.com&secret={SECRET}")
        );
        assert!(token.pairing_uri(Vec::new()).is_err());
    }

    #[test]
    fn new_policy_gives_every_rule_a_kind() {
        let policy = NewPolicy {
            name: "satmachine-21000".into(),
            rules: vec![PolicyRule::sign_event(21000), PolicyRule::method("ping")],
        };
        assert_eq!(
            policy.to_wire_json(),
            r#"{"name":"satmachine-21000","rules":[{"method":"sign_event","kind":21000},{"method":"ping","kind":"all"}]}"#
        );
    }

    #[test]
    fn v0_11_fields_and_string_ids_parse_and_0_10_shapes_still_do() {
        let npub = PublicKey::from_hex(KEY).unwrap().to_bech32().unwrap();
        // 0.11 get_key_tokens: key_npub and revoked; ids as strings are accepted too.
        let json = format!(
            r#"{{"id":"2","key_name":"operator","key_npub":"{npub}","client_name":"c","token":"{npub}#{SECRET}","policy_id":"1","revoked":true}}"#
        );
        let token: KeyToken = serde_json::from_str::<RawKeyToken>(&json).unwrap().into();
        assert_eq!((token.id, token.policy_id), (2, Some(1)));
        assert_eq!(token.key_npub, Some(PublicKey::from_hex(KEY).unwrap()));
        assert!(
            token.revoked && !token.is_redeemed(),
            "revoked is not redeemed"
        );
        // 0.10 shape: no key_npub, no revoked.
        let json = format!(
            r#"{{"id":3,"key_name":"operator","client_name":"c","token":"{npub}#{SECRET}","policy_id":1}}"#
        );
        let token: KeyToken = serde_json::from_str::<RawKeyToken>(&json).unwrap().into();
        assert_eq!((token.key_npub, token.revoked), (None, false));
        assert!(serde_json::from_str::<RawKeyToken>(
            &json.replace("\"policy_id\":1", "\"policy_id\":\"abc\"")
        )
        .is_err());

        // 0.11 get_key_users: active, no revokedAt while active.
        let users: Vec<KeyUser> = serde_json::from_str(&format!(
            r#"[{{"id":1,"name":"operator","pubkey":"{KEY}","active":true}},{{"id":"2","name":"operator","pubkey":"{KEY}","revokedAt":"x","active":false}}]"#
        ))
        .unwrap();
        assert!(!users[0].is_revoked());
        assert!(users[1].is_revoked());
        assert_eq!(users[1].id, 2);

        let policies: Vec<Policy> =
            serde_json::from_str(r#"[{"id":"4","name":"p","rules":[]}]"#).unwrap();
        assert_eq!(policies[0].id, 4);
    }

    #[test]
    fn validate_token_answers_are_advisory_only() {
        for (json, advice) in [
            (
                r#"{"valid":true,"key_name":"k","redeemed":false}"#,
                TokenAdvice::Valid { redeemed: false },
            ),
            (
                r#"{"valid":true,"redeemed":true}"#,
                TokenAdvice::Valid { redeemed: true },
            ),
            (
                r#"{"valid":false,"reason":"Token not found"}"#,
                TokenAdvice::NotFound,
            ),
            (
                r#"{"valid":false,"reason":"Token has been revoked"}"#,
                TokenAdvice::Revoked,
            ),
            (
                r#"{"valid":false,"reason":"Token has expired"}"#,
                TokenAdvice::Expired,
            ),
            (
                r#"{"valid":false,"reason":"something new"}"#,
                TokenAdvice::Invalid,
            ),
        ] {
            let parsed = TokenAdvice::parse(json).unwrap();
            assert_eq!(parsed, advice);
            assert_eq!(
                parsed.proves_burnt(),
                advice == TokenAdvice::Valid { redeemed: true },
                "only a redemption proves a token burnt: {json}"
            );
        }
        assert!(TokenAdvice::parse("[\"ok\"]").is_err());
    }

    #[test]
    fn policies_parse_with_string_kinds() {
        let json = r#"[{"id":4,"name":"atm-21000","description":null,"created_at":"a","updated_at":"b","expires_at":null,"rules":[{"method":"sign_event","kind":"21000","max_usage_count":null,"current_usage_count":0}]}]"#;
        let policies: Vec<Policy> = serde_json::from_str(json).unwrap();
        assert_eq!(policies[0].rules, [PolicyRule::sign_event(21000)]);
    }
}
