//! `burn`: burn prepared codes by redeeming them (the only burn that stops a redemption on both
//! bunker lines). Offline, the burn is recorded on the code and runs at the next sync.

use bunker_client::{AdminClient, BunkerUri, Sensitive};
use fleet_store::codes::{self, CodeState, PreparedCode};
use fleet_store::BunkerProfile;
use nostr::PublicKey;
use serde::Serialize;
use tracing::warn;

use super::{audit_entry, secret_name, settle_code};
use crate::pairing::burn::{self, Burn};
use crate::{Error, ErrorKind, Fleet, Result};

/// Which codes to burn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BurnSelection {
    /// Every code that can still be redeemed (live or shown).
    All,
    /// These codes, by id.
    Ids(Vec<i64>),
}

/// What a burn did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BurnReport {
    /// Codes burned now.
    pub burned: Vec<i64>,
    /// Codes whose redeem window had already ended on the bunker.
    pub expired: Vec<i64>,
    /// Codes someone had redeemed first: flagged, see `satop code list` and `satop sync`.
    pub already_redeemed: Vec<i64>,
    /// Codes whose burn waits for the network (the next sync runs it).
    pub pending: Vec<i64>,
    /// Why the bunker could not be reached, when codes are pending.
    pub offline_reason: Option<String>,
}

impl Fleet {
    /// Burns the selected codes now, or, when the bunker cannot be reached, records the burn
    /// so the next sync runs it (the codes are no longer shown meanwhile).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unknown id or a code that is no longer redeemable
    /// (nothing changes then); [`Error::Bunker`] for a refusal; [`Error::Store`].
    pub async fn burn_codes(&self, which: &BurnSelection) -> Result<BurnReport> {
        let which = which.clone();
        let selected = self
            .db()
            .interact(move |c| {
                let all = codes::list(c)?;
                Ok(match which {
                    BurnSelection::All => Ok(all.into_iter().filter(|x| x.state.is_open()).collect()),
                    BurnSelection::Ids(ids) => ids
                        .iter()
                        .map(|id| match all.iter().find(|x| x.id == *id) {
                            None => Err(Error::InvalidInput(format!(
                                "there is no prepared code #{id}: see `satop code list`"
                            ))),
                            Some(x) if !x.state.is_open() => Err(Error::InvalidInput(format!(
                                "prepared code #{id} is {} and cannot be redeemed any more: nothing to burn",
                                x.state
                            ))),
                            Some(x) => Ok(x.clone()),
                        })
                        .collect::<Result<Vec<_>>>(),
                })
            })
            .await??;
        let mut report = BurnReport::default();
        if selected.is_empty() {
            return Ok(report);
        }
        match self.admin_session().await {
            Ok((admin, profile)) => {
                let done = self
                    .burn_each(&admin, &profile, &selected, &mut report)
                    .await;
                admin.shutdown().await;
                done?;
            }
            Err(e) if is_offline(&e) => self.defer(&selected, &e, &mut report).await?,
            Err(e) => return Err(e),
        }
        Ok(report)
    }

    /// Burns each code; on a network failure the rest wait for the next sync.
    pub(super) async fn burn_each(
        &self,
        admin: &AdminClient,
        profile: &BunkerProfile,
        selected: &[PreparedCode],
        report: &mut BurnReport,
    ) -> Result<()> {
        for (i, code) in selected.iter().enumerate() {
            match self.burn_one(admin, profile, code).await {
                Ok(Burn::Burned(user)) => {
                    settle_code(
                        self,
                        code,
                        CodeState::Burned,
                        None,
                        "code_burn",
                        "ok",
                        format!("burned (throwaway KeyUser #{user} revoked)"),
                    )
                    .await?;
                    report.burned.push(code.id);
                }
                Ok(Burn::Expired) => {
                    settle_code(
                        self,
                        code,
                        CodeState::Expired,
                        None,
                        "code_burn",
                        "ok",
                        "its redeem window had already ended on the bunker".into(),
                    )
                    .await?;
                    report.expired.push(code.id);
                }
                Ok(Burn::AlreadyRedeemed) => {
                    // Leave the state to the sync, which finds the client and pairs or flags.
                    let id = code.id;
                    self.db()
                        .interact(move |c| {
                            audit_entry(c, "code_burn", None, "failed", format!("prepared code #{id} had been redeemed before it could be burned; the next sync records its client"))
                        })
                        .await?;
                    report.already_redeemed.push(code.id);
                }
                Err(e) if is_offline(&e) => {
                    return self.defer(&selected[i..], &e, report).await;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    async fn burn_one(
        &self,
        admin: &AdminClient,
        profile: &BunkerProfile,
        code: &PreparedCode,
    ) -> Result<Burn> {
        let signer = profile
            .key_pubkey
            .as_deref()
            .and_then(|hex| PublicKey::from_hex(hex).ok())
            .ok_or(Error::NotConnected)?;
        let secret = self
            .secrets()
            .get(&secret_name(&code.client_name))
            .await?
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "the secret of prepared code #{} is missing from the secret store, so it cannot be burned by redeeming it; it stops working when its redeem window ends",
                    code.id
                ))
            })?;
        let uri = BunkerUri {
            signer,
            relays: crate::connect::stored_atm_relays(profile)?,
            secret: Some(Sensitive::new(secret.to_secret_hex())),
        };
        burn::burn(admin, &profile.key_name, &uri, *self.client_options()).await
    }

    async fn defer(
        &self,
        codes_left: &[PreparedCode],
        why: &Error,
        report: &mut BurnReport,
    ) -> Result<()> {
        let ids: Vec<i64> = codes_left.iter().map(|c| c.id).collect();
        let reason = why.to_string();
        warn!(
            codes = ids.len(),
            "the bunker cannot be reached: prepared code burns wait for the next sync"
        );
        let (rows, detail) = (ids.clone(), reason.clone());
        self.db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let now = crate::unix_now();
                for id in &rows {
                    codes::request_burn(&tx, *id, now)?;
                    audit_entry(&tx, "code_burn", None, "queued", format!("prepared code #{id}: the bunker cannot be reached ({detail}); burned at the next sync"))?;
                }
                tx.commit()?;
                Ok(())
            })
            .await?;
        report.pending.extend(ids);
        report.offline_reason = Some(reason);
        Ok(())
    }
}

/// A failure that means "no network": the burn can wait.
pub(super) fn is_offline(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::Unreachable | ErrorKind::Timeout)
}
