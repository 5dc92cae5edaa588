//! `revoke`: the one action on a flagged code — revoke the bunker client that redeemed it (a
//! client other than the ATM it was shown to, or a code that was never shown at all).

use fleet_store::codes::{self, CodeState};
use nostr::PublicKey;
use tracing::instrument;

use super::audit_entry;
use crate::{Error, Fleet, Result};

impl Fleet {
    /// Revokes, on the bunker, the client that redeemed the flagged prepared code `id`, confirms
    /// the bunker lists it as revoked, and records it (the code stays flagged, its detail says
    /// the client was revoked). Needs the bunker: offline it fails and changes nothing.
    /// Returns the revoked client's `KeyUser` id.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unknown code, one that is not flagged or has no redeeming
    /// client on record; [`Error::NotConnected`]; [`Error::Bunker`] when the bunker cannot be
    /// reached or does not confirm the revoke; [`Error::Store`].
    #[instrument(skip_all, fields(code = id))]
    pub async fn revoke_flagged_code(&self, id: i64) -> Result<u64> {
        let code = self
            .db()
            .interact(move |c| codes::get(c, id))
            .await?
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "there is no prepared code #{id}: `satop code list` shows them"
                ))
            })?;
        let client = match (code.state, code.redeemed_by.as_deref()) {
            (CodeState::Flagged, Some(hex)) => PublicKey::from_hex(hex).map_err(|_| {
                Error::InvalidInput(format!(
                    "prepared code #{id} names no readable client: run `satop sync` again"
                ))
            })?,
            (CodeState::Flagged, None) => {
                return Err(Error::InvalidInput(format!(
                    "prepared code #{id} is flagged but no client redeemed it: nothing to revoke"
                )))
            }
            (state, _) => {
                return Err(Error::InvalidInput(format!(
                    "prepared code #{id} is {}, not flagged: only the client of a flagged code is revoked this way",
                    state.as_str()
                )))
            }
        };
        let (admin, profile) = self.admin_session().await?;
        let outcome = revoke_client(&admin, &profile.key_name, &client).await;
        admin.shutdown().await;
        let user_id = outcome?;
        let detail = format!("its client (KeyUser #{user_id}) was revoked on the bunker");
        self.db()
            .interact(move |c| {
                let tx = c.transaction()?;
                codes::settle(
                    &tx,
                    id,
                    CodeState::Flagged,
                    code.redeemed_by.as_deref(),
                    Some(&detail),
                )?;
                audit_entry(
                    &tx,
                    "code_revoke",
                    code.machine_id,
                    "ok",
                    format!("prepared code #{id}: {detail}"),
                )?;
                tx.commit()?;
                Ok(())
            })
            .await?;
        Ok(user_id)
    }
}

/// `revoke_user` for the newest KeyUser of `client` on `key`, then a read-back until the bunker
/// lists it as revoked (DESIGN "Revoke"). An already revoked client is confirmed, not revoked again.
async fn revoke_client(
    admin: &bunker_client::AdminClient,
    key: &str,
    client: &PublicKey,
) -> Result<u64> {
    let users = admin.get_key_users(key).await?;
    let Some(user) = users
        .iter()
        .filter(|u| u.pubkey == *client)
        .max_by_key(|u| u.id)
    else {
        return Err(Error::InvalidInput(
            "the bunker lists no client for this code's redeemer: it may have been removed already; run `satop sync`".into(),
        ));
    };
    if !user.is_revoked() {
        admin.revoke_user(user.id).await?;
    }
    let confirmed = admin
        .get_key_users(key)
        .await?
        .iter()
        .any(|u| u.id == user.id && u.is_revoked());
    if !confirmed {
        return Err(bunker_client::Error::Protocol(
            "the bunker answered the revoke but still lists the client as active",
        )
        .into());
    }
    Ok(user.id)
}
