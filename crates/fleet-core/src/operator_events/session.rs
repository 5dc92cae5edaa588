//! The console's own NIP-46 session with the operator key: how operator-authored events get
//! signed without the app ever holding the operator key (DESIGN.md §1).
//!
//! The console is a KeyUser like an ATM, with its own policy (`sign_event` kind 30078 only).
//! The first time, the console mints itself a token with that policy (admin RPC) and redeems it
//! from its session key (NIP-46 `connect`, §3.2); afterwards the KeyUser exists and the session
//! just signs. A revoked session key can never redeem again (§3.2 "use a new client keypair"),
//! so it is replaced by a fresh one.

use bunker_client::{AdminClient, BunkerUri, KeyUser, NewPolicy, PolicyRule, SignerClient};
use fleet_store::{audit, BunkerProfile, NewAuditEntry};
use nostr::{Keys, PublicKey};
use tracing::info;

use super::OPERATOR_EVENT_KIND;
use crate::reconcile::CONSOLE_CLIENT_NAME;
use crate::secrets::CONSOLE_SESSION;
use crate::{Error, Fleet, Result};

/// Name of the console's policy when this app creates it.
pub const CONSOLE_POLICY_NAME: &str = "satop-console-30078";

/// On nsecbunkerd 0.11 the console session speaks NIP-44, the line's best encryption (0.11 doc
/// §0.3 item 3); the proof comes from the admin session, which knows the line. On 0.10 it stays
/// on NIP-04: a NIP-44 request kills a stock 0.10 key backend.
async fn use_best_encryption(admin: &AdminClient, signer: &mut SignerClient) -> Result<()> {
    if admin.line() == Some(bunker_client::BunkerLine::V0_11) {
        if let Some(proof) = admin.probe_nip44().await? {
            signer.use_nip44(&proof)?;
        }
    }
    Ok(())
}

/// Opens a signing session with the operator key, setting the KeyUser up when needed.
pub(crate) async fn open(
    fleet: &Fleet,
    admin: &AdminClient,
    profile: &BunkerProfile,
) -> Result<SignerClient> {
    let operator = operator_key(profile)?;
    let relays = crate::connect::stored_atm_relays(profile)?;
    let key = profile.key_name.as_str();
    let mut keys = crate::identity::session_keys(fleet.secrets()).await?;
    let users = admin.get_key_users(key).await?;
    match users
        .iter()
        .filter(|u| u.pubkey == keys.public_key())
        .max_by_key(|u| u.id)
    {
        Some(u) if !u.is_revoked() && can_sign(u) => {
            let uri = BunkerUri {
                signer: operator,
                relays,
                secret: None,
            };
            let mut signer = SignerClient::new(keys, &uri, *fleet.client_options()).await?;
            if let Err(e) = use_best_encryption(admin, &mut signer).await {
                signer.shutdown().await;
                return Err(e);
            }
            return Ok(signer);
        }
        Some(u) if u.is_revoked() => {
            info!(
                key_user = u.id,
                "the console session was revoked on the bunker; using a new session key"
            );
            keys = Keys::generate();
            fleet
                .secrets()
                .set(CONSOLE_SESSION, keys.secret_key())
                .await?;
        }
        _ => {}
    }
    let policy = ensure_policy(admin).await?;
    admin
        .create_new_token(key, CONSOLE_CLIENT_NAME, policy, Some(1))
        .await?;
    let token = crate::pairing::token::read_back(admin, key, CONSOLE_CLIENT_NAME).await?;
    let uri = token.pairing_uri(relays)?;
    if uri.signer != operator {
        return Err(bunker_client::Error::Protocol(
            "the console token names a different key than the operator key",
        )
        .into());
    }
    let secret = uri.secret.as_ref().ok_or(bunker_client::Error::Protocol(
        "the console token has no secret",
    ))?;
    let mut signer =
        SignerClient::new(keys, &uri.without_secret(), *fleet.client_options()).await?;
    if let Err(e) = use_best_encryption(admin, &mut signer).await {
        signer.shutdown().await;
        return Err(e);
    }
    if let Err(e) = signer.connect_resuming(secret).await {
        signer.shutdown().await;
        return Err(e.into());
    }
    let token_id = token.id;
    fleet
        .db()
        .interact(move |c| {
            audit::append(
                c,
                &NewAuditEntry {
                    action: "console_session".into(),
                    machine_id: None,
                    outcome: "ok".into(),
                    detail: Some(format!("console session redeemed token #{token_id}: may sign kind {OPERATOR_EVENT_KIND} only")),
                },
            )
        })
        .await?;
    Ok(signer)
}

fn can_sign(u: &KeyUser) -> bool {
    let kind = OPERATOR_EVENT_KIND.to_string();
    u.signing_conditions.iter().any(|c| {
        c.method.as_deref() == Some("sign_event")
            && c.kind.as_deref() == Some(kind.as_str())
            && c.allowed != Some(false)
    })
}

/// The console policy: exactly one rule, `sign_event` kind 30078 (nothing broader is reused).
async fn ensure_policy(admin: &AdminClient) -> Result<u64> {
    let pick = |policies: Vec<bunker_client::Policy>| {
        let kind = OPERATOR_EVENT_KIND.to_string();
        policies
            .into_iter()
            .filter(|p| {
                p.rules.len() == 1
                    && p.rules[0].method == "sign_event"
                    && p.rules[0].kind.as_deref() == Some(kind.as_str())
            })
            .max_by_key(|p| (p.name == CONSOLE_POLICY_NAME, p.id))
            .map(|p| p.id)
    };
    if let Some(id) = pick(admin.get_policies().await?) {
        return Ok(id);
    }
    let policy = NewPolicy {
        name: CONSOLE_POLICY_NAME.into(),
        rules: vec![PolicyRule::sign_event(OPERATOR_EVENT_KIND)],
    };
    admin.create_new_policy(&policy).await?;
    Ok(
        pick(admin.get_policies().await?).ok_or(bunker_client::Error::Protocol(
            "the console policy was created but get_policies does not list it",
        ))?,
    )
}

pub(crate) fn operator_key(profile: &BunkerProfile) -> Result<PublicKey> {
    profile
        .key_pubkey
        .as_deref()
        .and_then(|hex| PublicKey::from_hex(hex).ok())
        .ok_or(Error::NotConnected)
}
