//! Connect: probe a bunker as its administrator and store its profile (DESIGN.md §3 "Connect").
//!
//! The probe first tells nsecbunkerd 0.10 from 0.11 (protocol/nsecbunkerd-0.11.md §5: one NIP-04
//! admin `ping` on kind 24133) and stores the line in the profile; every later admin session
//! speaks the stored line. It never sends NIP-44 to a key pubkey of a 0.10 bunker: there the only
//! NIP-44 message is one `ping` to the bunker's *admin* pubkey, which stock nsecbunkerd silently
//! ignores (protocol §5 item 1, A5).

use std::time::Duration;

use bunker_client::{AdminClient, BunkerLine, ClientOptions, PingReply};
use fleet_store::{profile, BunkerProfile, Encryption};
use nostr::RelayUrl;
use serde::{Deserialize, Serialize};

use crate::clock::unix_now;
use crate::{Error, Fleet, Result};

/// The most ATM relays that go into a pairing QR (DESIGN.md §3 "Pair" step 4).
pub const MAX_ATM_RELAYS: usize = 2;

/// What the operator typed to connect.
#[derive(Debug, Clone)]
pub struct ConnectRequest {
    /// The admin connection string (`bunker://npub…@relay` or `bunker://<hex>?relay=…`).
    pub connection: String,
    /// The bunker key name holding the operator key.
    pub key_name: String,
    /// The relays the ATMs use (the bunker's `nostr.relays`).
    pub atm_relays: Vec<String>,
    /// How long to wait for each bunker reply.
    pub timeout: Duration,
}

/// One step of the probe, reported as it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeStep {
    /// The connection string was understood.
    Parsed {
        /// Admin pubkey (hex).
        admin_pubkey: String,
        /// Admin relays.
        relays: Vec<String>,
    },
    /// The admin `ping` was answered.
    Pinged(String),
    /// The nsecbunkerd line was recognised: its words, e.g.
    /// "nsecbunkerd 0.11 · admin kind 24133 · NIP-44".
    Line(String),
    /// The encryption the bunker speaks was determined.
    Encryption(Encryption),
    /// `get_keys` was answered.
    Keys(usize),
    /// `get_policies` was answered.
    Policies(usize),
}

/// A key the bunker holds, as `get_keys` showed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySummary {
    /// Key name.
    pub name: String,
    /// npub, absent while the key is locked.
    pub npub: Option<String>,
    /// KeyUsers of the key (revoked ones included).
    pub user_count: u64,
    /// Tokens of the key (redeemed and expired ones included).
    pub token_count: u64,
}

/// A policy on the bunker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySummary {
    /// Policy id (a number: `create_new_token` needs it as one).
    pub id: u64,
    /// Policy name (not unique on nsecbunkerd).
    pub name: String,
    /// Rules as `method` or `method:kind`.
    pub rules: Vec<String>,
}

/// What the probe found: shown as "bunker capabilities".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// Admin pubkey (hex).
    pub admin_pubkey: String,
    /// Admin relays.
    pub admin_relays: Vec<String>,
    /// What the admin `ping` answered: `ok` (0.10) or `pong` (0.11).
    pub ping_reply: String,
    /// The nsecbunkerd line: `0.10` or `0.11` (empty in capabilities stored before lines).
    #[serde(default)]
    pub line: String,
    /// The line in words: "nsecbunkerd 0.11 · admin kind 24133 · NIP-44".
    #[serde(default)]
    pub line_description: String,
    /// `nip04` (stock nsecbunkerd) or `nip44` (answers NIP-44 too).
    pub encryption: String,
    /// The bunker's keys.
    pub keys: Vec<KeySummary>,
    /// The key that holds the operator key.
    pub operator_key: String,
    /// Its pubkey (hex).
    pub operator_pubkey: String,
    /// Policies on the bunker.
    pub policies: Vec<PolicySummary>,
    /// The relays the ATMs will be given.
    pub atm_relays: Vec<String>,
}

impl Fleet {
    /// Probes the bunker named by `req` as its administrator and, when everything checks out,
    /// stores the profile. Nothing is stored when the probe fails.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a bad connection string, key name or relay;
    /// [`Error::NoConsole`] before `init`; [`Error::Bunker`] with kinds `Unreachable`,
    /// `Timeout`, `NotAdmin`; [`Error::UnknownKey`] and [`Error::KeyLocked`] for the key.
    pub async fn connect(
        &self,
        req: &ConnectRequest,
        on_step: impl Fn(&ProbeStep),
    ) -> Result<Capabilities> {
        let conn = crate::rules::connection::admin_connection(&req.connection)?;
        let key_name = req.key_name.trim();
        if key_name.is_empty() {
            return Err(Error::InvalidInput("the key name is empty: give the bunker key that holds the operator key with --key NAME".into()));
        }
        let atm_relays = parse_atm_relays(&req.atm_relays)?;
        let signer = self.admin_signer().await?;
        on_step(&ProbeStep::Parsed {
            admin_pubkey: conn.admin.to_hex(),
            relays: conn.relays.iter().map(ToString::to_string).collect(),
        });

        let options = ClientOptions {
            timeout: req.timeout,
            ..ClientOptions::default()
        };
        let admin_npub = self.admin_npub().await?;
        let admin = AdminClient::connect(signer, &conn, options).await?;
        let outcome = probe(&admin, key_name, &on_step).await;
        admin.shutdown().await;
        let (line, encryption, keys, operator_pubkey, policies) = outcome.map_err(|e| match e {
            Error::Bunker(b) if b.kind() == bunker_client::ErrorKind::NotAdmin => {
                Error::NotAdmin { npub: admin_npub }
            }
            other => other,
        })?;

        let caps = Capabilities {
            admin_pubkey: conn.admin.to_hex(),
            admin_relays: conn.relays.iter().map(ToString::to_string).collect(),
            ping_reply: ping_text(line.ping_reply()).to_string(),
            line: line.as_str().to_string(),
            line_description: line.description(),
            encryption: encryption.as_str().to_string(),
            keys,
            operator_key: key_name.to_string(),
            operator_pubkey: operator_pubkey.clone(),
            policies,
            atm_relays: atm_relays.clone(),
        };
        let mut stored = BunkerProfile::new(
            caps.admin_pubkey.clone(),
            caps.admin_relays.clone(),
            key_name,
        );
        stored.key_pubkey = Some(operator_pubkey);
        stored.atm_relays = atm_relays;
        stored.ping_reply = Some(caps.ping_reply.clone());
        stored.admin_reply_kind = Some(line.ping_reply_kind());
        stored.encryption = encryption;
        stored.capabilities = Some(
            serde_json::to_value(&caps)
                .map_err(|_| Error::InvalidInput("could not record the capabilities".into()))?,
        );
        stored.probed_at = Some(unix_now());
        self.db()
            .interact(move |c| profile::save(c, &stored))
            .await?;
        Ok(caps)
    }
}

type Probed = (
    BunkerLine,
    Encryption,
    Vec<KeySummary>,
    String,
    Vec<PolicySummary>,
);

async fn probe(
    admin: &AdminClient,
    key_name: &str,
    on_step: &impl Fn(&ProbeStep),
) -> Result<Probed> {
    // One NIP-04 admin ping on kind 24133, safe and answered on both lines (0.11 doc §5).
    let detected = admin.detect_line().await?;
    let line = detected.line;
    on_step(&ProbeStep::Pinged(ping_text(line.ping_reply()).to_string()));
    on_step(&ProbeStep::Line(line.description()));

    let nip44 = match detected.nip44 {
        // 0.11 accepts NIP-44 on every key (0.11 doc §0.3 item 3).
        Some(proof) => Some(proof),
        // 0.10: only the harmless NIP-44 ping to the admin key can prove it.
        None => admin.probe_nip44().await?,
    };
    let encryption = if nip44.is_some() {
        Encryption::Nip44
    } else {
        Encryption::Nip04
    };
    on_step(&ProbeStep::Encryption(encryption));

    let keys: Vec<KeySummary> = admin
        .get_keys()
        .await?
        .into_iter()
        .map(|k| KeySummary {
            npub: k.public_key.as_ref().map(npub),
            name: k.name,
            user_count: k.user_count,
            token_count: k.token_count,
        })
        .collect();
    on_step(&ProbeStep::Keys(keys.len()));
    let Some(operator) = keys.iter().find(|k| k.name == key_name) else {
        return Err(Error::UnknownKey {
            name: key_name.to_string(),
            available: keys.iter().map(|k| k.name.clone()).collect(),
        });
    };
    let Some(npub) = &operator.npub else {
        return Err(Error::KeyLocked {
            name: key_name.to_string(),
        });
    };
    let operator_pubkey = nostr::PublicKey::parse(npub)
        .map_err(|_| {
            bunker_client::Error::Protocol("get_keys returned an npub that does not decode")
        })?
        .to_hex();

    let policies: Vec<PolicySummary> = admin
        .get_policies()
        .await?
        .into_iter()
        .map(|p| PolicySummary {
            id: p.id,
            name: p.name,
            rules: p
                .rules
                .into_iter()
                .map(|r| match r.kind {
                    Some(kind) => format!("{}:{kind}", r.method),
                    None => r.method,
                })
                .collect(),
        })
        .collect();
    on_step(&ProbeStep::Policies(policies.len()));
    Ok((line, encryption, keys, operator_pubkey, policies))
}

fn ping_text(reply: PingReply) -> &'static str {
    match reply {
        PingReply::Ok => "ok",
        PingReply::Pong => "pong",
    }
}

/// The nsecbunkerd line a stored profile was probed as: from the kind the admin `ping` was
/// answered on and its answer. A profile written before lines were detected has no reply kind;
/// it can only have been 0.10 when its ping said `ok` (the client then sent kind 24134, which
/// 0.11 ignores). Anything else: `None`, and the operator must run `satop connect` again.
pub fn stored_line(profile: &BunkerProfile) -> Option<BunkerLine> {
    let reply = profile.ping_reply.as_deref()?;
    match profile.admin_reply_kind {
        Some(kind) => BunkerLine::from_ping(kind, reply),
        None if reply == "ok" => Some(BunkerLine::V0_10),
        None => None,
    }
}

/// What to add when a bunker that answered before stays silent: nsecbunkerd 0.11 does not
/// reconnect after its relay restarts (0.11 doc §0.3 item 9), so only a restart helps. `None`
/// for 0.10 (it reconnects) and for a profile never probed.
pub fn silence_hint(profile: &BunkerProfile) -> Option<&'static str> {
    (stored_line(profile) == Some(BunkerLine::V0_11) && profile.probed_at.is_some())
        .then_some("nsecbunkerd 0.11 does not reconnect after a relay restart: restart the bunker")
}

/// The stored bunker line in words, for the CLI and the app: "nsecbunkerd 0.11 · admin kind
/// 24133 · NIP-44", or what to do when the profile does not say.
pub fn line_description(profile: &BunkerProfile) -> String {
    stored_line(profile).map_or_else(
        || "nsecbunkerd line unknown: run `satop connect` again".to_string(),
        |line| line.description(),
    )
}

/// Validates the ATM relays: 1 or 2 `ws://`/`wss://` URLs, normalised.
///
/// # Errors
/// [`Error::InvalidInput`] naming the bad relay.
pub fn parse_atm_relays(relays: &[String]) -> Result<Vec<String>> {
    if relays.is_empty() {
        return Err(Error::InvalidInput(
            "no ATM relay given: add --atm-relay wss://… (the bunker's nostr.relays from its nsecbunker.json)".into(),
        ));
    }
    if relays.len() > MAX_ATM_RELAYS {
        return Err(Error::InvalidInput(format!(
            "{} ATM relays given, at most {MAX_ATM_RELAYS} fit in a pairing QR: keep the ones your ATMs reach best",
            relays.len()
        )));
    }
    relays
        .iter()
        .map(|r| crate::rules::relay::check_relay_url(r, "ATM relay"))
        .collect()
}

/// The stored profile's ATM relays as relay URLs, for pairing URLs.
///
/// # Errors
/// [`Error::InvalidInput`] when the stored relays no longer parse.
pub(crate) fn stored_atm_relays(profile: &BunkerProfile) -> Result<Vec<RelayUrl>> {
    parse_atm_relays(&profile.atm_relays)?
        .iter()
        .map(|r| RelayUrl::parse(r))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|_| {
            Error::InvalidInput(
                "the stored ATM relays are damaged: run `satop connect` again".into(),
            )
        })
}

/// The npub of a public key (bech32 encoding of a key cannot fail).
pub fn npub(pk: &nostr::PublicKey) -> String {
    use nostr::nips::nip19::ToBech32;
    match pk.to_bech32() {
        Ok(s) => s,
        Err(never) => match never {},
    }
}
