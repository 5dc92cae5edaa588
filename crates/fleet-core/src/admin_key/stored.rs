//! Where a remote signer's details are kept: its secret-less address and the admin public key
//! it holds in the settings table; the NIP-46 client key and the connection secret in the
//! secret store, never in SQLite.

use std::time::Duration;

use bunker_client::Sensitive;
use fleet_store::settings;
use nostr::{Keys, PublicKey, RelayUrl, SecretKey};

use crate::secrets::SecretError;
use crate::{Error, Fleet, Result};

/// Secret-store name of the NIP-46 client key that talks to the remote signer. The bunker
/// does not trust this key: it only speaks to the signer.
pub const SIGNER_CLIENT: &str = "admin-signer-client";
/// Secret-store name of the signer's connection secret (encoded, see [`encode_secret`]).
pub const SIGNER_SECRET: &str = "admin-signer-secret";

const SETTING_SIGNER: &str = "admin_signer.address";
const SETTING_ADMIN: &str = "admin_signer.admin_pubkey";
const SETTING_APPROVAL: &str = "admin_signer.approval_secs";

/// Default time a person has to approve one signer call.
pub const DEFAULT_APPROVAL_SECS: u64 = 60;

/// The longest connection secret the secret store can keep (see [`encode_secret`]).
pub const MAX_SECRET_LEN: usize = 31;

/// A configured remote signer, as stored (nothing secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSigner {
    /// The signer's NIP-46 public key (what the `bunker://` URL names).
    pub signer: PublicKey,
    /// Its relays.
    pub relays: Vec<RelayUrl>,
    /// The admin key it holds (its `get_public_key`), cached so no call is spent on it.
    pub admin: PublicKey,
}

impl StoredSigner {
    /// `bunker://<signer hex>?relay=…` without a secret: safe to store and show.
    pub fn address(&self) -> String {
        let relays: Vec<String> = self
            .relays
            .iter()
            .map(|r| format!("relay={}", r.as_str_without_trailing_slash()))
            .collect();
        format!("bunker://{}?{}", self.signer.to_hex(), relays.join("&"))
    }
}

impl Fleet {
    /// The remote signer this console uses for its admin key, if any.
    ///
    /// # Errors
    /// [`Error::Store`]; [`Error::InvalidInput`] when the stored entry is damaged.
    pub async fn stored_signer(&self) -> Result<Option<StoredSigner>> {
        let (address, admin) = self
            .db()
            .interact(|c| {
                Ok((
                    settings::get(c, SETTING_SIGNER)?,
                    settings::get(c, SETTING_ADMIN)?,
                ))
            })
            .await?;
        let (Some(address), Some(admin)) = (address, admin) else {
            return Ok(None);
        };
        let damaged = || {
            Error::InvalidInput(
                "the stored remote signer is damaged: run `satop init --signer …` again".into(),
            )
        };
        let rest = address.strip_prefix("bunker://").ok_or_else(damaged)?;
        let (signer, query) = rest.split_once('?').ok_or_else(damaged)?;
        let relays = query
            .split('&')
            .filter_map(|pair| pair.strip_prefix("relay="))
            .map(RelayUrl::parse)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| damaged())?;
        Ok(Some(StoredSigner {
            signer: PublicKey::from_hex(signer).map_err(|_| damaged())?,
            relays,
            admin: PublicKey::from_hex(&admin).map_err(|_| damaged())?,
        }))
    }

    /// How long one signer call may wait for a person (default 60 s).
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn signer_approval_timeout(&self) -> Result<Duration> {
        let secs = self
            .db()
            .interact(|c| settings::get(c, SETTING_APPROVAL))
            .await?
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|s| *s > 0)
            .unwrap_or(DEFAULT_APPROVAL_SECS);
        Ok(Duration::from_secs(secs))
    }

    /// Sets the approval timeout (1 s to 1 h).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] outside that range; [`Error::Store`].
    pub async fn set_signer_approval_timeout(&self, secs: u64) -> Result<()> {
        if !(1..=3600).contains(&secs) {
            return Err(Error::InvalidInput(format!(
                "the signer approval timeout must be 1 to 3600 seconds, not {secs}"
            )));
        }
        self.db()
            .interact(move |c| settings::set(c, SETTING_APPROVAL, &secs.to_string()))
            .await?;
        Ok(())
    }

    /// Stores a signer: its client key and secret in the secret store first, then its address
    /// in the cache, so a half-written signer is never taken for a configured one.
    pub(super) async fn store_signer(
        &self,
        stored: &StoredSigner,
        client: &Keys,
        secret: Option<&Sensitive<String>>,
    ) -> Result<()> {
        let secrets = self.secrets();
        secrets.set(SIGNER_CLIENT, client.secret_key()).await?;
        match secret {
            Some(secret) => secrets.set(SIGNER_SECRET, &encode_secret(secret)?).await?,
            None => secrets.delete(SIGNER_SECRET).await?,
        }
        let (address, admin) = (stored.address(), stored.admin.to_hex());
        self.db()
            .interact(move |c| {
                settings::set(c, SETTING_SIGNER, &address)?;
                settings::set(c, SETTING_ADMIN, &admin)
            })
            .await?;
        Ok(())
    }

    /// The stored client key and connection secret of the remote signer.
    pub(super) async fn signer_credentials(&self) -> Result<(Keys, Option<Sensitive<String>>)> {
        let secrets = self.secrets();
        let client = secrets.get(SIGNER_CLIENT).await?.ok_or_else(|| {
            Error::InvalidInput(
                "the remote signer's client key is missing from the secret store: run `satop init --signer …` again"
                    .into(),
            )
        })?;
        let secret = secrets
            .get(SIGNER_SECRET)
            .await?
            .map(|sk| decode_secret(&sk));
        Ok((Keys::new(client), secret.flatten()))
    }
}

/// A connection secret of up to [`MAX_SECRET_LEN`] bytes as a secret-store entry (the store
/// keeps 32-byte keys): its length, its bytes, zeros. The first byte (1–31) keeps the value a
/// valid, non-zero secp256k1 scalar.
pub(super) fn encode_secret(secret: &Sensitive<String>) -> Result<SecretKey> {
    let bytes = secret.expose().as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_SECRET_LEN {
        return Err(Error::InvalidInput(format!(
            "the signer's connection secret must be 1 to {MAX_SECRET_LEN} characters long to be kept in the secret store: ask the signer for a new bunker:// link (or use `--signer nostrconnect`)"
        )));
    }
    let mut raw = [0u8; 32];
    raw[0] = u8::try_from(bytes.len()).unwrap_or(0);
    raw[1..=bytes.len()].copy_from_slice(bytes);
    SecretKey::from_slice(&raw).map_err(|_| {
        Error::Secrets(SecretError::Task(
            "the connection secret could not be encoded".into(),
        ))
    })
}

fn decode_secret(key: &SecretKey) -> Option<Sensitive<String>> {
    let raw = key.secret_bytes();
    let len = usize::from(raw[0]);
    if len == 0 || len > MAX_SECRET_LEN {
        return None;
    }
    String::from_utf8(raw[1..=len].to_vec())
        .ok()
        .map(Sensitive::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_secret_round_trips_through_a_key() {
        for text in ["a", "0123456789abcdef0123456789abcd", "s3cr3t-with-dash"] {
            let key = encode_secret(&Sensitive::new(text.to_owned())).unwrap();
            assert_eq!(decode_secret(&key).unwrap().expose(), text);
        }
    }

    #[test]
    fn an_empty_or_too_long_secret_is_refused_with_a_way_out() {
        for text in [String::new(), "x".repeat(32)] {
            let err = encode_secret(&Sensitive::new(text)).unwrap_err();
            assert!(err.to_string().contains("new bunker:// link"));
        }
    }
}
