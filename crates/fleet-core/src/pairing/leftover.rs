//! Pairing codes an app could not burn before it closed. A process that shows pairing codes
//! notes them here when it closes, clears each one it burned, and at its next start burns what
//! is left: the token is read back from the bunker with `get_key_tokens` by the machine's client
//! name and token id (the secret never reaches the database), redeemed from a throwaway key and
//! that key revoked, as [`super::burn`] does for a pairing on screen.
//!
//! What is stored, in `settings` under [`UNBURNED_SETTING`], is public: machine, token id and
//! the state to put the machine back in.

use fleet_store::{audit, machines, pairing_terms, settings, MachineState, NewAuditEntry};
use serde::{Deserialize, Serialize};

use super::burn::{self, Burn};
use super::PendingPairing;
use crate::{Error, Fleet, Result};

/// Setting: the pairing codes noted as possibly unburned (a JSON list of [`UnburnedCode`]).
pub const UNBURNED_SETTING: &str = "pairing.unburned";

/// A pairing code that may still be redeemable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnburnedCode {
    /// The machine's id.
    pub machine_id: i64,
    /// The token's client name; notes written before it was kept name `satmachine-<id>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    /// The machine's name, for the notice.
    pub machine: String,
    /// The bunker's token id.
    pub token_id: u64,
    /// The state the machine goes back to once the code is burned.
    pub previous_state: String,
}

/// What burning a leftover code found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeftoverOutcome {
    /// It was still redeemable and is burned now.
    Burned,
    /// The bunker no longer lets anyone redeem it (expired, or burned after all).
    Gone,
    /// Someone redeemed it (the ATM, probably): the next sync records the pairing.
    Redeemed,
}

/// One leftover code and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeftoverBurn {
    /// The code.
    pub code: UnburnedCode,
    /// What burning it found.
    pub outcome: LeftoverOutcome,
}

impl PendingPairing {
    /// The public facts needed to burn this code later, from another process start.
    pub fn unburned(&self) -> UnburnedCode {
        UnburnedCode {
            machine_id: self.machine.id,
            client_name: Some(self.client_name.clone()),
            machine: self.machine.name.clone(),
            token_id: self.token_id,
            previous_state: self.previous_state.as_str().to_string(),
        }
    }
}

impl Fleet {
    /// Notes codes that are about to be burned at exit: whatever is not cleared by
    /// [`Fleet::clear_unburned`] before the process ends is burned at its next start.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn note_unburned(&self, codes: Vec<UnburnedCode>) -> Result<()> {
        Ok(self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let mut list = read(&tx)?;
                for code in codes {
                    if !list.iter().any(|k| k.token_id == code.token_id) {
                        list.push(code);
                    }
                }
                write(&tx, &list)?;
                tx.commit()?;
                Ok(())
            })
            .await?)
    }

    /// Forgets a noted code once it is burned (or was redeemed and recorded).
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn clear_unburned(&self, token_id: u64) -> Result<()> {
        Ok(self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let mut list = read(&tx)?;
                list.retain(|k| k.token_id != token_id);
                write(&tx, &list)?;
                tx.commit()?;
                Ok(())
            })
            .await?)
    }

    /// The codes noted and not cleared: those an earlier run could not burn. Offline.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn unburned(&self) -> Result<Vec<UnburnedCode>> {
        Ok(self.db().interact(|c| read(c)).await?)
    }

    /// Burns every noted code that the bunker still lets be redeemed, puts its machine back as
    /// it was, audits it and clears the note. A code someone redeemed stays with its machine in
    /// `pairing` for the next sync to record.
    ///
    /// # Errors
    /// [`Error::NotConnected`]; [`Error::Bunker`] when the bunker cannot be reached (the notes
    /// stay, for the next try); [`Error::Store`].
    pub async fn burn_unburned(&self) -> Result<Vec<LeftoverBurn>> {
        let codes = self.unburned().await?;
        if codes.is_empty() {
            return Ok(Vec::new());
        }
        let (admin, profile) = self.admin_session().await?;
        let outcome = async {
            let relays = crate::connect::stored_atm_relays(&profile)?;
            let tokens = admin.get_key_tokens(&profile.key_name).await?;
            let mut done = Vec::new();
            for code in codes {
                let name = code
                    .client_name
                    .clone()
                    .unwrap_or_else(|| format!("satmachine-{}", code.machine_id));
                let token = tokens
                    .iter()
                    .find(|t| t.id == code.token_id && t.client_name == name);
                let outcome = match token {
                    None => LeftoverOutcome::Gone,
                    Some(t) if t.is_redeemed() => LeftoverOutcome::Redeemed,
                    Some(t) => {
                        let uri = t.pairing_uri(relays.clone())?;
                        let opts = *self.client_options();
                        match burn::burn(&admin, &profile.key_name, &uri, opts).await? {
                            Burn::Burned(_) => LeftoverOutcome::Burned,
                            Burn::Expired => LeftoverOutcome::Gone,
                            Burn::AlreadyRedeemed => LeftoverOutcome::Redeemed,
                        }
                    }
                };
                self.settle(&code, outcome).await?;
                done.push(LeftoverBurn { code, outcome });
            }
            Ok::<_, Error>(done)
        }
        .await;
        admin.shutdown().await;
        outcome
    }

    /// Records what became of one leftover code and clears its note.
    async fn settle(&self, code: &UnburnedCode, outcome: LeftoverOutcome) -> Result<()> {
        let code = code.clone();
        Ok(self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let back = code
                    .previous_state
                    .parse::<MachineState>()
                    .unwrap_or(MachineState::Unpaired);
                let still_pairing = machines::get(&tx, code.machine_id)?
                    .is_some_and(|m| m.state == MachineState::Pairing);
                if still_pairing && outcome != LeftoverOutcome::Redeemed {
                    machines::update_state(&tx, code.machine_id, back)?;
                    pairing_terms::clear(&tx, code.machine_id)?;
                }
                let (what, detail) = match outcome {
                    LeftoverOutcome::Burned => ("burned_at_start", format!(
                        "pairing code (bunker token #{}) left live when the app closed: burned at start",
                        code.token_id
                    )),
                    LeftoverOutcome::Gone => ("gone_at_start", format!(
                        "pairing code (bunker token #{}) left when the app closed: no longer redeemable",
                        code.token_id
                    )),
                    LeftoverOutcome::Redeemed => ("redeemed_meanwhile", format!(
                        "pairing code (bunker token #{}) left when the app closed: redeemed meanwhile; a sync records it",
                        code.token_id
                    )),
                };
                audit::append(
                    &tx,
                    &NewAuditEntry {
                        action: "pair".into(),
                        machine_id: Some(code.machine_id),
                        outcome: what.into(),
                        detail: Some(detail),
                    },
                )?;
                let mut list = read(&tx)?;
                list.retain(|k| k.token_id != code.token_id);
                write(&tx, &list)?;
                tx.commit()?;
                Ok(())
            })
            .await?)
    }
}

fn read(c: &fleet_store::Connection) -> fleet_store::Result<Vec<UnburnedCode>> {
    Ok(settings::get(c, UNBURNED_SETTING)?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default())
}

fn write(c: &fleet_store::Connection, list: &[UnburnedCode]) -> fleet_store::Result<()> {
    let text = serde_json::to_string(list)
        .map_err(|e| fleet_store::Error::Task(format!("cannot note unburned codes: {e}")))?;
    settings::set(c, UNBURNED_SETTING, &text)
}
