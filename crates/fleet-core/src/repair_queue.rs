//! The re-pair queue (issue 14 item 3): machines to pair again with a new ATM key, for the next
//! visit (after a site was revoked, say). The dashboard lists each with its action: renew (a
//! paired machine; the old key is revoked once the new one is redeemed) or pair (a revoked or
//! legacy one). A machine paired after it was queued is done and leaves the list by itself.

use fleet_store::{audit, machines, repair_queue, Machine, NewAuditEntry};
use serde::Serialize;

use crate::bulk::Selection;
use crate::dashboard::Fix;
use crate::lifecycle::{effective_state, label};
use crate::{Fleet, Result};

/// A machine waiting to be re-paired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepairQueued {
    /// The machine.
    pub machine_id: i64,
    /// Its name.
    pub machine: String,
    /// Its site.
    pub site: Option<String>,
    /// Its state as shown (`revoked`, `active`, …).
    pub state: &'static str,
    /// When it was queued (unix seconds).
    pub queued_at: i64,
    /// What to do at the machine: [`Fix::Renew`] or [`Fix::Pair`].
    pub action: Fix,
    /// The action in words.
    pub action_label: &'static str,
}

/// What a queue change did, by machine name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RepairQueueChange {
    /// Machines added to (or taken off) the queue now.
    pub changed: Vec<String>,
    /// Machines that already were (or were not) queued.
    pub unchanged: Vec<String>,
}

/// Whether a queued machine still waits: it was not paired with a new ATM key since (every
/// pairing makes a fresh key; a pairing in progress still waits).
pub fn still_queued(m: &Machine, queued: &repair_queue::Queued) -> bool {
    !(crate::liveness::is_paired(m) && m.atm_client_pubkey != queued.atm_pubkey)
}

/// The action that re-pairs `m`.
pub fn repair_fix(m: &Machine) -> Fix {
    if crate::term::renewable(m) {
        Fix::Renew
    } else {
        Fix::Pair
    }
}

impl Fleet {
    /// Queues the selected machines for re-pair (a machine queued already keeps its time).
    /// Offline.
    ///
    /// # Errors
    /// As [`Fleet::select`]; [`crate::Error::Store`].
    pub async fn queue_repair(&self, selection: &Selection) -> Result<RepairQueueChange> {
        self.change_repair_queue(selection, true).await
    }

    /// Takes the selected machines off the re-pair queue. Offline.
    ///
    /// # Errors
    /// As [`Fleet::select`]; [`crate::Error::Store`].
    pub async fn unqueue_repair(&self, selection: &Selection) -> Result<RepairQueueChange> {
        self.change_repair_queue(selection, false).await
    }

    async fn change_repair_queue(
        &self,
        selection: &Selection,
        add: bool,
    ) -> Result<RepairQueueChange> {
        let selected = self.select(selection).await?;
        let now = crate::unix_now();
        Ok(self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let mut change = RepairQueueChange::default();
                for m in &selected {
                    let changed = if add {
                        repair_queue::add(&tx, m.id, now, m.atm_client_pubkey.as_deref())?
                    } else {
                        repair_queue::remove(&tx, m.id)?
                    };
                    if changed {
                        audit::append(
                            &tx,
                            &NewAuditEntry {
                                action: "repair_queue".into(),
                                machine_id: Some(m.id),
                                outcome: if add { "queued" } else { "removed" }.into(),
                                detail: None,
                            },
                        )?;
                        change.changed.push(m.name.clone());
                    } else {
                        change.unchanged.push(m.name.clone());
                    }
                }
                tx.commit()?;
                Ok(change)
            })
            .await?)
    }

    /// The machines waiting to be re-paired, oldest first. Offline.
    ///
    /// # Errors
    /// [`crate::Error::Store`].
    pub async fn repair_queue(&self) -> Result<Vec<RepairQueued>> {
        let now = crate::unix_now();
        let (queued, all) = self
            .db()
            .interact(|c| Ok((repair_queue::all(c)?, machines::list(c)?)))
            .await?;
        let by_id: std::collections::HashMap<i64, &Machine> =
            all.iter().map(|m| (m.id, m)).collect();
        Ok(queued
            .into_iter()
            .filter_map(|q| {
                let m = by_id.get(&q.machine_id)?;
                still_queued(m, &q).then(|| {
                    let action = repair_fix(m);
                    RepairQueued {
                        machine_id: m.id,
                        machine: m.name.clone(),
                        site: m.site.clone(),
                        state: label(effective_state(m, now)),
                        queued_at: q.queued_at,
                        action,
                        action_label: action.label(),
                    }
                })
            })
            .collect())
    }
}
