//! `prepare`: mint N kind-21000 tokens ahead, online, through the pairing policy and token code.

use std::time::Duration;

use bunker_client::{AdminClient, BunkerUri, Refusal, Sensitive};
use fleet_store::codes::{self, NewPreparedCode};
use fleet_store::BunkerProfile;
use nostr::{PublicKey, SecretKey};
use tracing::{info, instrument, warn};

use super::{
    audit_entry, secret_name, view, CodeView, CLIENT_PREFIX, DEFAULT_VALIDITY, MAX_COUNT,
    MAX_VALIDITY,
};
use crate::pairing::burn;
use crate::pairing::{policy, token, window};
use crate::rules::text;
use crate::{Error, Fleet, Result};

/// What the operator asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepareRequest {
    /// How many codes, 1 to [`MAX_COUNT`].
    pub count: usize,
    /// How long each can be redeemed, at most [`MAX_VALIDITY`] (default 7 days).
    pub valid: Duration,
    /// The site they are for (shown first to machines at that site).
    pub site: Option<String>,
}

impl PrepareRequest {
    /// `count` codes, valid 7 days, for no particular site.
    pub fn new(count: usize) -> Self {
        Self {
            count,
            valid: DEFAULT_VALIDITY,
            site: None,
        }
    }

    /// Checks the request: the rules of `satop code prepare`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] with what to do.
    pub fn check(&self) -> Result<Option<String>> {
        if self.count == 0 || self.count > MAX_COUNT {
            return Err(Error::InvalidInput(format!(
                "prepare 1 to {MAX_COUNT} codes at a time (asked for {})",
                self.count
            )));
        }
        if self.valid < Duration::from_secs(60) {
            return Err(Error::InvalidInput(
                "a prepared code must be valid for at least a minute (e.g. --valid 7d)".into(),
            ));
        }
        if self.valid > MAX_VALIDITY {
            return Err(Error::InvalidInput(
                "a prepared code can be valid for at most 14 days (e.g. --valid 7d): it is a bearer secret".into(),
            ));
        }
        text::site(self.site.as_deref())
    }
}

impl Fleet {
    /// Mints `req.count` pairing codes ahead (online). Each code's secret goes only into the
    /// secret store; SQLite holds the rest. A code whose secret cannot be stored is burned.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing minted); [`Error::NotConnected`]; [`Error::Bunker`];
    /// [`Error::Secrets`]; [`Error::Store`]. Codes minted before a failure are kept and listed.
    #[instrument(skip_all, fields(count = req.count))]
    pub async fn prepare_codes(&self, req: &PrepareRequest) -> Result<Vec<CodeView>> {
        let site = req.check()?;
        let (admin, profile) = self.admin_session().await?;
        let made = self.mint_all(&admin, &profile, req, site.as_deref()).await;
        admin.shutdown().await;
        let made = made?;
        info!(count = made.len(), "prepared codes minted");
        Ok(made)
    }

    async fn mint_all(
        &self,
        admin: &AdminClient,
        profile: &BunkerProfile,
        req: &PrepareRequest,
        site: Option<&str>,
    ) -> Result<Vec<CodeView>> {
        let key_pubkey = profile
            .key_pubkey
            .as_deref()
            .and_then(|hex| PublicKey::from_hex(hex).ok())
            .ok_or(Error::NotConnected)?;
        let relays = crate::connect::stored_atm_relays(profile)?;
        let hours = Some(window::bunker_hours(req.valid));
        let mut policy_id = policy::remembered(profile);
        let mut made = Vec::with_capacity(req.count);
        let valid_secs = i64::try_from(req.valid.as_secs()).unwrap_or(i64::MAX);
        for _ in 0..req.count {
            let client = format!(
                "{CLIENT_PREFIX}{}",
                &nostr::Keys::generate().public_key().to_hex()[..16]
            );
            let _turn = token::lock(&profile.admin_pubkey, &client).await;
            let id = match policy_id {
                Some(id) => id,
                None => policy::ensure(self, admin).await?,
            };
            match admin
                .create_new_token(&profile.key_name, &client, id, hours)
                .await
            {
                Err(bunker_client::Error::Refused(Refusal::PolicyNotFound)) => {
                    warn!("the remembered ATM policy is gone from the bunker; looking it up again");
                    let id = policy::ensure(self, admin).await?;
                    admin
                        .create_new_token(&profile.key_name, &client, id, hours)
                        .await?;
                    policy_id = Some(id);
                }
                other => {
                    other?;
                    policy_id = Some(id);
                }
            }
            let minted = token::read_back(admin, &profile.key_name, &client).await?;
            let uri = minted.pairing_uri(relays.clone())?;
            if uri.signer != key_pubkey {
                return Err(bunker_client::Error::Protocol(
                    "the token names a different key than the operator key",
                )
                .into());
            }
            let expires_at = crate::unix_now().saturating_add(valid_secs);
            let kept = self.keep(&client, &uri, minted.id, expires_at, site).await;
            match kept {
                Ok(code) => made.push(code),
                Err(e) => {
                    // The code must not outlive this call unrecorded: burn it.
                    let opts = *self.client_options();
                    if let Err(b) = burn::burn(admin, &profile.key_name, &uri, opts).await {
                        warn!(error = %b, "a prepared code that could not be kept could not be burned either");
                    }
                    return Err(e);
                }
            }
        }
        Ok(made)
    }

    /// Stores the secret in the secret store, then the rest (and the audit entry) in SQLite.
    async fn keep(
        &self,
        client: &str,
        uri: &BunkerUri,
        token_id: u64,
        expires_at: i64,
        site: Option<&str>,
    ) -> Result<CodeView> {
        let secret = uri
            .secret
            .as_ref()
            .map(Sensitive::expose)
            .and_then(|hex| SecretKey::from_hex(hex).ok())
            .ok_or(bunker_client::Error::Protocol(
                "a token's secret is not 32 bytes of hex and cannot be kept in the secret store",
            ))?;
        let name = secret_name(client);
        self.secrets().set(&name, &secret).await?;
        let new = NewPreparedCode {
            client_name: client.to_string(),
            bunker_token_id: i64::try_from(token_id).unwrap_or(i64::MAX),
            expires_at,
            site: site.map(str::to_string),
        };
        let stored = self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let code = codes::insert(&tx, &new)?;
                audit_entry(
                    &tx,
                    "code_prepare",
                    None,
                    "ok",
                    format!(
                        "prepared code #{} ({}) minted, token #{}, valid until {}{}",
                        code.id,
                        code.client_name,
                        code.bunker_token_id,
                        code.expires_at,
                        code.site
                            .as_deref()
                            .map(|s| format!(", site {s}"))
                            .unwrap_or_default()
                    ),
                )?;
                tx.commit()?;
                Ok(code)
            })
            .await;
        match stored {
            Ok(code) => Ok(view(&code, None)),
            Err(e) => {
                if let Err(d) = self.secrets().delete(&name).await {
                    warn!(error = %d, "could not remove the secret of a code that was not recorded");
                }
                Err(e.into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_and_validity_rules() {
        assert!(PrepareRequest::new(0).check().is_err());
        assert!(PrepareRequest::new(51).check().is_err());
        assert!(PrepareRequest::new(50).check().is_ok());
        let mut long = PrepareRequest::new(1);
        long.valid = Duration::from_secs(15 * 24 * 3600);
        assert!(long.check().unwrap_err().to_string().contains("14 days"));
        long.valid = MAX_VALIDITY;
        assert!(long.check().is_ok());
    }
}
