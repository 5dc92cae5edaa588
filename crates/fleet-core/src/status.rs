//! Status: what this console has stored, readable offline.

use std::collections::BTreeMap;

use fleet_store::machines;
use serde::Serialize;

use crate::identity::ConsoleIdentity;
use crate::{Fleet, Result};

/// A snapshot of the local state.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The console npub, when `init` has run.
    pub console_npub: Option<String>,
    /// Where the console key lives.
    pub secret_store: String,
    /// The local cache file.
    pub database: String,
    /// The configured bunker, when `connect` has run.
    pub bunker: Option<BunkerStatus>,
    /// Machines per state (`active`, `revoke_pending`, …).
    pub machines: BTreeMap<String, usize>,
    /// Prepared pairing codes that can still be shown, and the nearest expiry among them.
    pub prepared_codes: crate::codes::CodesSummary,
}

/// The stored bunker profile, public parts only.
#[derive(Debug, Clone, Serialize)]
pub struct BunkerStatus {
    /// Admin pubkey (hex).
    pub admin_pubkey: String,
    /// Admin relays.
    pub admin_relays: Vec<String>,
    /// Operator key name.
    pub key_name: String,
    /// Operator key pubkey (hex).
    pub key_pubkey: Option<String>,
    /// The same key as an npub, as people compare it.
    pub key_npub: Option<String>,
    /// ATM relays.
    pub atm_relays: Vec<String>,
    /// `nip04` or `nip44`.
    pub encryption: String,
    /// Admin ping reply seen at the last probe.
    pub ping_reply: Option<String>,
    /// When the bunker was last probed (unix seconds).
    pub probed_at: Option<i64>,
}

impl Fleet {
    /// Reads the local state; needs no network.
    ///
    /// # Errors
    /// [`crate::Error::Store`], [`crate::Error::Secrets`].
    pub async fn status(&self) -> Result<Status> {
        let console_npub = ConsoleIdentity::load(self.secrets())
            .await?
            .map(|c| c.npub());
        let bunker = self.profile().await?.map(|p| BunkerStatus {
            admin_pubkey: p.admin_pubkey,
            admin_relays: p.admin_relays,
            key_name: p.key_name,
            key_npub: p.key_pubkey.as_deref().and_then(npub),
            key_pubkey: p.key_pubkey,
            atm_relays: p.atm_relays,
            encryption: p.encryption.as_str().to_string(),
            ping_reply: p.ping_reply,
            probed_at: p.probed_at,
        });
        let list = self.db().interact(|conn| machines::list(conn)).await?;
        let mut per_state = BTreeMap::new();
        for m in list {
            *per_state.entry(m.state.as_str().to_string()).or_insert(0) += 1;
        }
        Ok(Status {
            console_npub,
            secret_store: self.secrets().describe(),
            database: self
                .data_dir()
                .join(crate::fleet::DB_FILE)
                .display()
                .to_string(),
            bunker,
            machines: per_state,
            prepared_codes: self.codes_summary().await?,
        })
    }
}

/// A hex public key as an npub (`None` if the stored value is not a key).
fn npub(hex: &str) -> Option<String> {
    use nostr::ToBech32;
    nostr::PublicKey::from_hex(hex).ok()?.to_bech32().ok()
}
