//! Status: what this console has stored, readable offline.

use std::collections::BTreeMap;
use std::time::Duration;

use fleet_store::{machines, published, settings};
use serde::Serialize;

use crate::identity::ConsoleIdentity;
use crate::{Fleet, Result};

/// Setting: the seconds to wait for each bunker reply, as given at the last connect.
pub const BUNKER_TIMEOUT_SETTING: &str = "bunker.timeout_secs";

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
    /// When the cache last matched the bunker: the last reconcile (unix seconds).
    pub reconciled_at: Option<i64>,
    /// Seconds this console waits for each bunker reply.
    pub timeout_secs: u64,
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
    /// The nsecbunkerd line in words ("nsecbunkerd 0.11 · admin kind 24133 · NIP-44").
    pub line: String,
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
            line: crate::connect::line_description(&p),
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
        let reconciled_at = self.reconciled_at().await?;
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
            reconciled_at,
            timeout_secs: self.client_options().timeout.as_secs(),
            prepared_codes: self.codes_summary().await?,
        })
    }

    /// When the cache last matched the bunker: the time of the last reconcile (unix seconds),
    /// `None` before the first. A probe (connect) does not count: it reads no clients. Offline.
    ///
    /// # Errors
    /// [`crate::Error::Store`].
    pub async fn reconciled_at(&self) -> Result<Option<i64>> {
        let text = self
            .db()
            .interact(|c| settings::get(c, crate::reconcile::LAST_RECONCILE))
            .await?;
        Ok(text.and_then(|t| t.trim().parse().ok()))
    }
}

impl Fleet {
    /// The per-reply bunker timeout given at the last connect, if one was stored. Offline.
    ///
    /// # Errors
    /// [`crate::Error::Store`].
    pub async fn stored_timeout(&self) -> Result<Option<Duration>> {
        let text = self
            .db()
            .interact(|c| settings::get(c, BUNKER_TIMEOUT_SETTING))
            .await?;
        Ok(text
            .and_then(|t| t.trim().parse::<u64>().ok())
            .filter(|s| *s > 0)
            .map(Duration::from_secs))
    }

    /// Stores the per-reply bunker timeout for the calls after this connect; a fleet opened
    /// with it ([`Fleet::open_with`]) uses it for every bunker call.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] for zero; [`crate::Error::Store`].
    pub async fn store_timeout(&self, timeout: Duration) -> Result<()> {
        let secs = timeout.as_secs();
        if secs == 0 {
            return Err(crate::Error::InvalidInput(
                "the timeout must be at least 1 second".into(),
            ));
        }
        Ok(self
            .db()
            .interact(move |c| settings::set(c, BUNKER_TIMEOUT_SETTING, &secs.to_string()))
            .await?)
    }

    /// Who signed the stored, published version of `d_tag`: the npub read from the event itself,
    /// its id and signature checked. `None` when nothing is published or the stored event does
    /// not verify. What "Signed by" shows, rather than the key it should have been. Offline.
    ///
    /// # Errors
    /// [`crate::Error::Store`].
    pub async fn published_signer(&self, d_tag: &str) -> Result<Option<String>> {
        let d_tag = d_tag.to_string();
        let stored = self
            .db()
            .interact(move |c| published::get(c, &d_tag))
            .await?;
        Ok(stored.and_then(|p| verified_signer(&p.event_json)))
    }
}

/// The npub of a signed event's author, when the event's id and signature check out.
fn verified_signer(event_json: &str) -> Option<String> {
    use nostr::JsonUtil;
    let event = nostr::Event::from_json(event_json).ok()?;
    event.verify().ok()?;
    npub(&event.pubkey.to_hex())
}

/// A hex public key as an npub (`None` if the stored value is not a key).
fn npub(hex: &str) -> Option<String> {
    use nostr::ToBech32;
    nostr::PublicKey::from_hex(hex).ok()?.to_bech32().ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use nostr::{EventBuilder, JsonUtil, Keys, Kind, ToBech32};

    #[test]
    fn the_signer_is_read_from_the_signed_event_and_a_tampered_event_has_none() {
        let keys = Keys::generate();
        let event = EventBuilder::new(Kind::from(30078_u16), "{}")
            .sign_with_keys(&keys)
            .unwrap();
        let json = event.as_json();
        assert_eq!(
            verified_signer(&json),
            Some(keys.public_key().to_bech32().unwrap())
        );
        let tampered = json.replace("\"content\":\"{}\"", "\"content\":\"{\\\"x\\\":1}\"");
        assert_ne!(tampered, json, "the test changes the content");
        assert_eq!(verified_signer(&tampered), None);
    }
}
