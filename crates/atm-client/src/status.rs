//! What the state directory says about this ATM's pairing, and an optional reachability check.

use std::path::Path;

use bunker_client::{ClientOptions, SignerClient};
use nostr::ToBech32;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::state::{AtmState, PENDING};

/// The ATM's pairing as stored (no network).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// Whether a complete pairing is stored.
    pub paired: bool,
    /// Whether a pairing was started and not finished (rerun `pair` with the same QR).
    pub pairing_in_progress: bool,
    /// The operator key the bunker signs with (hex).
    pub operator_pubkey: Option<String>,
    /// The operator key as npub.
    pub operator_npub: Option<String>,
    /// The bunker's relays.
    pub relays: Vec<String>,
    /// This ATM's client key (hex).
    pub client_pubkey: Option<String>,
    /// This ATM's client key as npub.
    pub client_npub: Option<String>,
    /// The client key's fingerprint, as the operator's app shows it.
    pub fingerprint: Option<String>,
    /// When the pairing completed, Unix seconds.
    pub paired_at: Option<u64>,
}

/// Reads the pairing in `state_dir`. A missing pairing is `paired: false`, not an error.
///
/// # Errors
/// [`Error::Storage`] / [`Error::CorruptState`] when the files cannot be read or are damaged.
pub fn status(state_dir: &Path) -> Result<Status> {
    let pairing_in_progress = state_dir.join(PENDING).exists();
    let state = match AtmState::load(state_dir) {
        Ok(state) => state,
        Err(Error::NotPaired { .. }) => {
            return Ok(Status {
                paired: false,
                pairing_in_progress,
                operator_pubkey: None,
                operator_npub: None,
                relays: Vec::new(),
                client_pubkey: None,
                client_npub: None,
                fingerprint: None,
                paired_at: None,
            })
        }
        Err(e) => return Err(e),
    };
    let pairing = state.pairing();
    Ok(Status {
        paired: true,
        pairing_in_progress,
        operator_pubkey: Some(pairing.operator_pubkey.clone()),
        operator_npub: state.operator_public_key().to_bech32().ok(),
        relays: state
            .bunker_uri()
            .relays
            .iter()
            .map(|r| r.as_str_without_trailing_slash().to_owned())
            .collect(),
        client_pubkey: Some(pairing.client_pubkey.clone()),
        client_npub: state.client_public_key().to_bech32().ok(),
        fingerprint: Some(pairing.fingerprint.clone()),
        paired_at: Some(pairing.paired_at),
    })
}

/// The result of [`check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reachability {
    /// The bunker answered `get_public_key` over the stored relays.
    pub bunker_answered: bool,
    /// The key it named is the stored operator key.
    pub operator_key_matches: bool,
}

/// Asks the bunker `get_public_key` over the stored relays.
///
/// This shows that the relays and the bunker are reachable. It is NOT an authorisation check:
/// nsecbunkerd answers `get_public_key` to anyone, revoked clients included (§5 item 17), and
/// the ATM's policy has no `ping` rule (§5 item 18), so only a real `sign` shows access.
pub async fn check(state_dir: &Path, opts: ClientOptions) -> Result<Reachability> {
    let state = AtmState::load(state_dir)?;
    let client = SignerClient::new(state.keys().clone(), state.bunker_uri(), opts).await?;
    let answer = client.get_public_key().await;
    client.shutdown().await;
    Ok(Reachability {
        bunker_answered: true,
        operator_key_matches: answer? == state.operator_public_key(),
    })
}
