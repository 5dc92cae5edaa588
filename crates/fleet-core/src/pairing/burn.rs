//! Burning an unredeemed token (protocol §3.5 option b): nsecbunkerd cannot revoke or delete a
//! token, so the app redeems it itself from a throwaway client key and revokes the KeyUser that
//! this creates. Afterwards the secret is spent ("Token already redeemed") and the only client
//! it ever admitted is revoked, so no live bearer secret is left behind.

use bunker_client::{
    AdminClient, BunkerUri, ClientOptions, Error as BunkerError, Refusal, SignerClient,
};
use nostr::Keys;

use crate::Result;

/// What burning found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Burn {
    /// Redeemed by the throwaway key, whose KeyUser (this id) is now revoked.
    Burned(u64),
    /// Someone redeemed it first (the ATM, in a race with cancel or the deadline).
    AlreadyRedeemed,
    /// Its redemption window had already ended on the bunker: nothing to burn.
    Expired,
}

/// Redeems the URL's secret as a fresh throwaway key, over NIP-04 (safe for every bunker,
/// §5 item 1), then revokes that key's KeyUser.
pub(crate) async fn burn(
    admin: &AdminClient,
    key_name: &str,
    uri: &BunkerUri,
    opts: ClientOptions,
) -> Result<Burn> {
    let throwaway = Keys::generate();
    let throwaway_pk = throwaway.public_key();
    let signer = SignerClient::new(throwaway, uri, opts).await?;
    let redeemed = signer.connect(uri.secret.as_ref()).await;
    signer.shutdown().await;
    match redeemed {
        Ok(()) => {}
        Err(BunkerError::Refused(Refusal::TokenAlreadyRedeemed)) => {
            return Ok(Burn::AlreadyRedeemed)
        }
        Err(BunkerError::Refused(Refusal::TokenExpired)) => return Ok(Burn::Expired),
        Err(e) => return Err(e.into()),
    }
    let user = admin
        .get_key_users(key_name)
        .await?
        .into_iter()
        .find(|u| u.pubkey == throwaway_pk)
        .ok_or(BunkerError::Protocol(
            "the burned token's throwaway client is missing from get_key_users",
        ))?;
    admin.revoke_user(user.id).await?;
    Ok(Burn::Burned(user.id))
}
