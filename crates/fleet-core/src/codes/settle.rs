//! The sync step for prepared codes: a redemption of a shown code becomes the machine's pairing;
//! a redemption nobody expected is flagged; unused codes past their expiry and codes whose burn
//! waited for the network are burned.

use bunker_client::{KeyToken, KeyUser};
use fleet_store::codes::{self, CodeState, PreparedCode};
use fleet_store::{machines, MachineState, Pairing};
use serde::Serialize;
use tracing::instrument;

use super::burn::BurnReport;
use super::{audit_entry, forget_secret, settle_code};
use crate::pairing::DEFAULT_ACCESS_TERM;
use crate::reconcile::parse_time;
use crate::{Fleet, Result};

/// What the prepared-codes step of a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CodeSync {
    /// Machines paired from a redeemed prepared code.
    pub paired: Vec<String>,
    /// Codes flagged (id, why).
    pub flagged: Vec<(i64, String)>,
    /// Codes burned (past their expiry unused, or a burn that waited).
    pub burns: BurnReport,
}

impl CodeSync {
    /// One line per change, for people.
    pub fn changes(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .paired
            .iter()
            .map(|m| format!("{m}: paired with a prepared code (redeemed offline), recorded"))
            .collect();
        for (id, why) in &self.flagged {
            lines.push(format!("prepared code #{id} FLAGGED: {why}"));
        }
        for id in &self.burns.burned {
            lines.push(format!("prepared code #{id} burned"));
        }
        for id in &self.burns.expired {
            lines.push(format!("prepared code #{id} expired on the bunker"));
        }
        for id in &self.burns.pending {
            lines.push(format!("prepared code #{id}: burn waits for the network"));
        }
        lines
    }
}

impl Fleet {
    /// The prepared-codes step of a sync, at time `now` (unix seconds). Does nothing, and needs
    /// no network, when no code can still be redeemed.
    ///
    /// # Errors
    /// [`crate::Error::NotConnected`]; [`crate::Error::Bunker`] when the bunker cannot be
    /// reached (nothing local changes then); [`crate::Error::Store`].
    /// Burns the prepared codes that are due — unused past their expiry, or asked to be burned —
    /// by running [`Fleet::sync_codes`], and only then: the background round calls this every
    /// minute and must not contact the bunker when nothing is due. `None` when nothing was due.
    ///
    /// # Errors
    /// As [`Fleet::sync_codes`].
    pub async fn burn_due_codes(&self, now: i64) -> Result<Option<CodeSync>> {
        let due = self
            .db()
            .interact(move |c| {
                Ok(codes::list(c)?.into_iter().any(|x| {
                    x.state.is_open() && (x.expires_at <= now || x.burn_requested_at.is_some())
                }))
            })
            .await?;
        if !due {
            return Ok(None);
        }
        self.sync_codes(now).await.map(Some)
    }

    #[instrument(skip_all)]
    pub async fn sync_codes(&self, now: i64) -> Result<CodeSync> {
        let open: Vec<PreparedCode> = self
            .db()
            .interact(|c| {
                Ok(codes::list(c)?
                    .into_iter()
                    .filter(|x| x.state.is_open())
                    .collect())
            })
            .await?;
        let mut out = CodeSync::default();
        if open.is_empty() {
            return Ok(out);
        }
        let (admin, profile) = self.admin_session().await?;
        let fetched = async {
            let users = admin.get_key_users(&profile.key_name).await?;
            let tokens = admin.get_key_tokens(&profile.key_name).await?;
            Ok::<_, crate::Error>((users, tokens))
        }
        .await;
        let result = match fetched {
            Ok((users, tokens)) => {
                let mut to_burn = Vec::new();
                let mut step = Ok(());
                for code in &open {
                    step = self
                        .settle_one(code, &users, &tokens, now, &mut out, &mut to_burn)
                        .await;
                    if step.is_err() {
                        break;
                    }
                }
                match step {
                    Ok(()) => {
                        self.burn_each(&admin, &profile, &to_burn, &mut out.burns)
                            .await
                    }
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        };
        admin.shutdown().await;
        result.map(|()| out)
    }

    async fn settle_one(
        &self,
        code: &PreparedCode,
        users: &[KeyUser],
        tokens: &[KeyToken],
        now: i64,
        out: &mut CodeSync,
        to_burn: &mut Vec<PreparedCode>,
    ) -> Result<()> {
        let token = tokens.iter().find(|t| t.client_name == code.client_name);
        let redeemer = users
            .iter()
            .filter(|u| {
                u.description.as_deref() == Some(code.client_name.as_str()) && !u.is_revoked()
            })
            .max_by_key(|u| u.id);
        if let Some(user) = redeemer {
            let pubkey = user.pubkey.to_hex();
            let fp = bunker_client::fingerprint(&user.pubkey);
            let why = match (code.state, code.machine_id) {
                (CodeState::Shown, Some(machine_id)) => match &code.noted_fingerprint {
                    Some(noted) if !same_fingerprint(noted, &fp) => Some(format!(
                        "redeemed by a client with fingerprint {fp}, but the machine showed {noted}: revoke KeyUser #{} if it is not yours", user.id
                    )),
                    _ => {
                        return self.pair_from(code, machine_id, user, token, now, out).await;
                    }
                },
                _ => Some(format!(
                    "redeemed by client {fp} (KeyUser #{}) but never shown to a machine: revoke it if it is not yours",
                    user.id
                )),
            };
            if let Some(why) = why {
                settle_code(
                    self,
                    code,
                    CodeState::Flagged,
                    Some(pubkey),
                    "code_redeem",
                    "flagged",
                    why.clone(),
                )
                .await?;
                out.flagged.push((code.id, why));
            }
            return Ok(());
        }
        match token {
            Some(t) if t.is_redeemed() => {
                // Redeemed, and its client is revoked: a burn (ours or another console's).
                settle_code(
                    self,
                    code,
                    CodeState::Burned,
                    None,
                    "code_burn",
                    "ok",
                    "found redeemed with its client revoked (burned)".into(),
                )
                .await?;
                out.burns.burned.push(code.id);
            }
            None => {
                settle_code(
                    self,
                    code,
                    CodeState::Expired,
                    None,
                    "code_burn",
                    "ok",
                    "the bunker no longer lists its token".into(),
                )
                .await?;
                out.burns.expired.push(code.id);
            }
            Some(_) if code.burn_requested_at.is_some() || code.expires_at <= now => {
                to_burn.push(code.clone());
            }
            Some(_) => {}
        }
        Ok(())
    }

    /// The shown code was redeemed by the machine's ATM: record the pairing, its access term
    /// counted from the redemption.
    async fn pair_from(
        &self,
        code: &PreparedCode,
        machine_id: i64,
        user: &KeyUser,
        token: Option<&KeyToken>,
        now: i64,
        out: &mut CodeSync,
    ) -> Result<()> {
        let redeemed_at = token
            .and_then(|t| t.redeemed_at.as_deref())
            .or(user.created_at.as_deref())
            .and_then(parse_time)
            .unwrap_or(now);
        let term = i64::try_from(DEFAULT_ACCESS_TERM.as_secs()).unwrap_or(i64::MAX);
        let pairing = Pairing {
            bunker_connection_id: i64::try_from(user.id).unwrap_or(i64::MAX),
            atm_client_pubkey: user.pubkey.to_hex(),
            paired_at: redeemed_at,
            bunker_token_expires_at: redeemed_at.saturating_add(term),
        };
        let (id, fp) = (code.id, bunker_client::fingerprint(&user.pubkey));
        let user_id = user.id;
        let paired = self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let Some(m) = machines::get(&tx, machine_id)? else {
                    return Ok(Err("its machine was deleted".to_string()));
                };
                if !matches!(m.state, MachineState::Unpaired | MachineState::Revoked | MachineState::Legacy) {
                    return Ok(Err(format!("redeemed by client {fp} (KeyUser #{user_id}), but machine {:?} was paired otherwise meanwhile: revoke KeyUser #{user_id} if it is not yours", m.name)));
                }
                machines::set_pairing(&tx, machine_id, &pairing)?;
                codes::settle(&tx, id, CodeState::Redeemed, Some(&pairing.atm_client_pubkey), Some("redeemed by the machine's ATM"))?;
                audit_entry(&tx, "code_redeem", Some(machine_id), "ok", format!(
                    "prepared code #{id} redeemed offline: client {fp} (KeyUser #{user_id}) recorded, access term from the redemption"
                ))?;
                tx.commit()?;
                Ok(Ok(m.name))
            })
            .await?;
        match paired {
            Ok(name) => {
                forget_secret(self, code).await;
                out.paired.push(name);
            }
            Err(why) => {
                settle_code(
                    self,
                    code,
                    CodeState::Flagged,
                    Some(user.pubkey.to_hex()),
                    "code_redeem",
                    "flagged",
                    why.clone(),
                )
                .await?;
                out.flagged.push((code.id, why));
            }
        }
        Ok(())
    }
}

/// Fingerprints compared as people read them: case and separators ignored.
fn same_fingerprint(noted: &str, actual: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    norm(noted) == norm(actual)
}
