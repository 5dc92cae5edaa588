//! The 30-day access term, enforced by the app (issue #4 item 3): nsecbunkerd checks a token's
//! expiry only at redemption and never expires a KeyUser (protocol §3.4, §5 item 16), so the app
//! lists machines whose term is ending, renews them by re-pairing (a fresh token for a new ATM
//! key; the old KeyUser is revoked only once the new one is redeemed), and revokes machines at
//! the end of their term (automatically while the app runs, unless turned off).

use std::future::Future;

use fleet_store::{machines, settings, Machine, NewAuditEntry};
use serde::Serialize;
use tracing::instrument;

use crate::lifecycle::{effective, effective_state, label};
use crate::outbox::{unix_now, Action, Delivery, Due, OutboxEvent, OutboxRun};
use crate::pairing::{MachineChoice, PairRequest, PairStep, Paired, PendingPairing};
use crate::revoke::{queue_machine_revoke, RevokeAction};
use crate::{Error, Fleet, Result};

/// The machine states, for callers that match on [`MachineView::state`].
pub use fleet_store::MachineState;

/// Setting: revoke machines automatically when their term ends (`true` by default).
pub const AUTO_REVOKE_SETTING: &str = "term.auto_revoke";

/// What pairing a machine means now: the one rule the CLI and the app share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PairingChoice {
    /// A pairing: the machine has no bunker client to renew (new, unpaired, revoked, legacy,
    /// being revoked, or a pairing in progress). A machine that does not exist yet is created.
    Pair,
    /// A renewal ([`Fleet::begin_repair`]): an active, expiring or expired machine gets a new
    /// ATM key; the old one is revoked once the new one is redeemed.
    Renew,
}

impl PairingChoice {
    /// The choice for a stored machine.
    pub fn for_machine(m: &Machine) -> Self {
        if renewable(m) {
            Self::Renew
        } else {
            Self::Pair
        }
    }
}

/// A machine as the fleet list shows it: the state with the clock applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MachineView {
    /// Row id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Site.
    pub site: Option<String>,
    /// Effective state (`active`, `expiring`, `revoke_pending`, …).
    #[serde(serialize_with = "state_text")]
    pub state: MachineState,
    /// The state as the operator reads it (`revoke pending`).
    pub label: &'static str,
    /// End of the access term (unix seconds).
    pub term_ends_at: Option<i64>,
    /// Whole days left in the term (negative once over).
    pub days_left: Option<i64>,
    /// The bunker's KeyUser id.
    pub bunker_connection_id: Option<i64>,
    /// The ATM client pubkey (hex).
    pub atm_client_pubkey: Option<String>,
    /// What pairing it now means (the screens' "Pair" or "Re-pair").
    pub pairing: PairingChoice,
}

impl MachineView {
    /// The view of `m` at `now`.
    pub fn at(m: &Machine, now: i64) -> Self {
        let state = effective_state(m, now);
        let shows_term = matches!(
            state,
            MachineState::Active | MachineState::Expiring | MachineState::Expired
        );
        Self {
            id: m.id,
            name: m.name.clone(),
            site: m.site.clone(),
            state,
            label: label(state),
            term_ends_at: m.bunker_token_expires_at,
            days_left: m
                .bunker_token_expires_at
                .filter(|_| shows_term)
                .map(|end| (end - now).div_euclid(86_400)),
            bunker_connection_id: m.bunker_connection_id,
            atm_client_pubkey: m.atm_client_pubkey.clone(),
            pairing: PairingChoice::for_machine(m),
        }
    }
}

fn state_text<S: serde::Serializer>(
    state: &MachineState,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(state.as_str())
}

/// What a term sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TermSweep {
    /// Machines whose stored state was moved to `expiring` or `expired`.
    pub updated: Vec<String>,
    /// Machines whose term ended and whose revoke was queued.
    pub revokes_queued: Vec<String>,
}

impl Fleet {
    /// Every machine with its effective state, ordered by name. Offline.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn fleet_view(&self) -> Result<Vec<MachineView>> {
        let now = unix_now();
        Ok(self
            .machines()
            .await?
            .iter()
            .map(|m| MachineView::at(m, now))
            .collect())
    }

    /// Machines whose term ends within 7 days or has ended, soonest first. Offline.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn expiring(&self) -> Result<Vec<MachineView>> {
        let mut list: Vec<MachineView> = self
            .fleet_view()
            .await?
            .into_iter()
            .filter(|m| matches!(m.state, MachineState::Expiring | MachineState::Expired))
            .collect();
        list.sort_by_key(|m| m.term_ends_at);
        Ok(list)
    }

    /// Whether pairing the machine called `name` is a renewal or a pairing (a name no machine
    /// has is a pairing: it creates the machine). Offline.
    ///
    /// # Errors
    /// [`Error::Store`] when the cache cannot be read: never guessed to be a pairing, which
    /// would leave a paired machine's old key able to sign.
    pub async fn pairing_choice(&self, name: &str) -> Result<PairingChoice> {
        match self.machine(name).await {
            Ok(m) => Ok(PairingChoice::for_machine(&m)),
            Err(Error::MachineNotFound { .. }) => Ok(PairingChoice::Pair),
            Err(e) => Err(e),
        }
    }

    /// Whether machines are revoked automatically at the end of their term.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn auto_revoke_at_term_end(&self) -> Result<bool> {
        Ok(self
            .db()
            .interact(|c| settings::get_bool(c, AUTO_REVOKE_SETTING, true))
            .await?)
    }

    /// Turns the automatic revoke at the end of the term on or off.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn set_auto_revoke_at_term_end(&self, on: bool) -> Result<()> {
        Ok(self
            .db()
            .interact(move |c| {
                settings::set(c, AUTO_REVOKE_SETTING, if on { "true" } else { "false" })
            })
            .await?)
    }

    /// Writes the clock into the stored states (`active` → `expiring` → `expired`) and, when
    /// automatic revoke is on, queues a revoke for every machine whose term is over. Offline;
    /// the queued revokes run with the outbox.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn enforce_terms(&self, now: i64) -> Result<TermSweep> {
        let auto = self.auto_revoke_at_term_end().await?;
        let swept = self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let mut sweep = TermSweep::default();
                for m in machines::list(&tx)? {
                    let due = effective(m.state, m.bunker_token_expires_at, now);
                    if due == MachineState::Expired && auto {
                        if queue_machine_revoke(&tx, &m, "access term ended").is_ok() {
                            sweep.revokes_queued.push(m.name.clone());
                        }
                    } else if due != m.state {
                        machines::update_state(&tx, m.id, due)?;
                        sweep.updated.push(m.name.clone());
                    }
                }
                tx.commit()?;
                Ok(sweep)
            })
            .await?;
        Ok(swept)
    }

    /// What the app does while it runs (call every minute or so): enforce the terms, run the
    /// due outbox rows, then burn the prepared codes that are due ([`Fleet::burn_due_codes`]);
    /// a bunker that cannot be reached for those is tried again at the next tick.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn tick(&self, on_event: impl Fn(&OutboxEvent)) -> Result<(TermSweep, OutboxRun)> {
        let now = unix_now();
        let sweep = self.enforce_terms(now).await?;
        let run = self.run_outbox(Due::Scheduled, on_event).await?;
        match self.burn_due_codes(now).await {
            Ok(_) => {}
            Err(Error::Store(e)) => return Err(Error::Store(e)),
            Err(e) => {
                tracing::warn!(error = %e, "prepared codes due for burning wait for the next round")
            }
        }
        Ok((sweep, run))
    }

    /// Starts renewing a paired machine: a fresh pairing code for a NEW ATM key. The old key
    /// keeps working until the new one is redeemed; then [`PendingRepair::wait`] revokes it.
    ///
    /// # Errors
    /// [`Error::MachineNotFound`]; [`Error::RepairNotPossible`] for a machine that has no
    /// bunker client to renew (pair it instead) or is being revoked; the errors of
    /// [`Fleet::begin_pairing`].
    #[instrument(skip_all)]
    pub async fn begin_repair(
        &self,
        name: &str,
        mut req: PairRequest,
        on_step: impl Fn(&PairStep),
    ) -> Result<PendingRepair> {
        let machine = self.machine(name).await?;
        let old_id = machine
            .bunker_connection_id
            .and_then(|id| u64::try_from(id).ok());
        let (true, Some(old_id), Some(old_pubkey)) = (
            renewable(&machine),
            old_id,
            machine.atm_client_pubkey.clone(),
        ) else {
            return Err(Error::RepairNotPossible {
                machine: machine.name,
                state: label(machine.state).to_string(),
            });
        };
        req.machine = MachineChoice::Existing(machine.name.clone());
        let pairing = self.begin_pairing(&req, on_step).await?;
        Ok(PendingRepair {
            fleet: self.clone(),
            pairing,
            machine_id: machine.id,
            old_id,
            old_pubkey,
        })
    }
}

/// Whether [`Fleet::begin_repair`] can renew `m`: it has a bunker client (KeyUser and ATM key)
/// and is active, expiring or expired. Pairing such a machine afresh instead would leave its old
/// key able to sign.
pub fn renewable(m: &Machine) -> bool {
    m.bunker_connection_id.is_some()
        && m.atm_client_pubkey.is_some()
        && matches!(
            m.state,
            MachineState::Active | MachineState::Expiring | MachineState::Expired
        )
}

/// A re-pair in progress: the pairing code for the new ATM key is out; the old key still works.
pub struct PendingRepair {
    fleet: Fleet,
    pairing: PendingPairing,
    machine_id: i64,
    old_id: u64,
    old_pubkey: String,
}

impl std::fmt::Debug for PendingRepair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingRepair")
            .field("pairing", &self.pairing)
            .field("old_id", &self.old_id)
            .finish_non_exhaustive()
    }
}

/// A finished re-pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repaired {
    /// The new pairing (new key, new term).
    pub paired: Paired,
    /// The old client's KeyUser id.
    pub old_key_user_id: u64,
    /// Where the old key's revoke stands (pending when the bunker went away meanwhile).
    pub old_key: Delivery,
}

impl PendingRepair {
    /// The pairing code to show (URL, QR).
    pub fn pairing(&self) -> &PendingPairing {
        &self.pairing
    }

    /// Waits for the new key's redemption (see [`PendingPairing::wait`]), then queues and runs
    /// the revoke of the old key. A crash between the two is repaired by reconcile, which
    /// queues the revoke of any unrevoked key of the machine that is not its current one.
    ///
    /// # Errors
    /// The errors of [`PendingPairing::wait`] (the old key then keeps working); [`Error::Store`].
    pub async fn wait(
        self,
        cancel: impl Future<Output = ()>,
        on_step: impl Fn(&PairStep),
    ) -> Result<Repaired> {
        let client = self.pairing.client_name().to_owned();
        let paired = self.pairing.wait(cancel, on_step).await?;
        let (machine_id, old_id, old_pubkey) =
            (self.machine_id, self.old_id, self.old_pubkey.clone());
        let detail = format!(
            "new ATM client KeyUser #{}; old client KeyUser #{old_id} queued for revoke",
            paired.bunker_connection_id
        );
        let row = self
            .fleet
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let action = Action::Revoke(RevokeAction::client(
                    &client,
                    old_id,
                    Some(old_pubkey),
                    "re-pair: old key",
                ));
                let item = action
                    .to_item(Some(machine_id))
                    .map_err(|e| fleet_store::Error::Task(e.to_string()))?;
                let row = fleet_store::outbox::enqueue(&tx, &item)?;
                fleet_store::audit::append(
                    &tx,
                    &NewAuditEntry {
                        action: "repair".into(),
                        machine_id: Some(machine_id),
                        outcome: "ok".into(),
                        detail: Some(detail),
                    },
                )?;
                tx.commit()?;
                Ok(row.id)
            })
            .await?;
        let run = self
            .fleet
            .run_outbox(Due::Now, |_: &OutboxEvent| {})
            .await?;
        let old_key = self.fleet.delivery(row, &run).await?;
        Ok(Repaired {
            paired,
            old_key_user_id: old_id,
            old_key,
        })
    }

    /// Cancels: the code is burned, the old key keeps working.
    ///
    /// # Errors
    /// As [`PendingPairing::cancel`].
    pub async fn cancel(self) -> Result<()> {
        self.pairing.cancel().await
    }
}
