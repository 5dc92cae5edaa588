//! Bulk actions (issue 14 item 3): the operator's emergency stop when a site is compromised.
//!
//! Select machines by name or "every machine at site X", confirm once by typing the site's name
//! (or, for names, how many machines), and every selected machine turns `revoke pending` with its
//! revoke queued, all in one transaction; then the outbox runs them ([`crate::revoke`] does each
//! one, nothing here talks to the bunker itself). Offline, every revoke waits in the outbox and
//! runs at the next sync. Progress is reported per machine.
//!
//! ```no_run
//! # async fn demo(fleet: fleet_core::Fleet) -> fleet_core::Result<()> {
//! use fleet_core::bulk::Selection;
//! let site = Selection::Site { site: "Main St".into() };
//! let report = fleet.revoke_many(&site, "Main St", |p| println!("{p:?}")).await?;
//! println!("{} revoked, {} waiting", report.revoked, report.pending);
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, PoisonError};

use fleet_store::{machines, Machine};
use serde::{Deserialize, Serialize};
use tracing::instrument;

use crate::lifecycle::{label, next, Transition};
use crate::outbox::{Delivery, Due, OutboxEvent};
use crate::revoke::{queue_machine_revoke, RevokeOutcome};
use crate::rules::text;
use crate::{Error, Fleet, Result};

/// Which machines a bulk action takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Selection {
    /// These machines, by name (ignoring case and surrounding spaces).
    Names {
        /// The names.
        names: Vec<String>,
    },
    /// Every machine at this site (ignoring case and surrounding spaces).
    Site {
        /// The site.
        site: String,
    },
}

impl Selection {
    /// A selection by names.
    pub fn names<S: AsRef<str>>(names: &[S]) -> Self {
        Self::Names {
            names: names.iter().map(|n| n.as_ref().to_string()).collect(),
        }
    }

    /// What the operator types to confirm an action on `machines` (the selected ones): the
    /// site's name as stored, or how many machines were named.
    pub fn confirmation(&self, machines: &[Machine]) -> String {
        match self {
            Self::Site { site } => machines
                .iter()
                .find_map(|m| m.site.clone())
                .unwrap_or_else(|| site.trim().to_string()),
            Self::Names { .. } => machines.len().to_string(),
        }
    }

    /// What the confirmation stands for, in words: `the site's name ("Main St")`.
    pub fn what_to_type(&self, expected: &str) -> String {
        match self {
            Self::Site { .. } => format!("the site's name ({expected:?})"),
            Self::Names { .. } => format!("the number of machines ({expected})"),
        }
    }

    /// The reason recorded with each revoke.
    fn reason(&self, machines: &[Machine]) -> String {
        match self {
            Self::Site { .. } => format!("bulk revoke of site {}", self.confirmation(machines)),
            Self::Names { .. } => format!("bulk revoke of {} machines", machines.len()),
        }
    }
}

/// What a bulk revoke of a selection would do, and what to type to confirm it: the screens
/// show this before asking (the rule is the core's, [`Selection::confirmation`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkPreview {
    /// The selected machines' names.
    pub machines: Vec<String>,
    /// Of which have bunker access to revoke.
    pub revocable: usize,
    /// The machines with nothing to revoke, with why.
    pub skipped: Vec<(String, String)>,
    /// The exact text to type.
    pub confirmation: String,
    /// What it stands for, in words: `the site's name ("Main St")`.
    pub what_to_type: String,
}

/// A site and how many machines stand there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteSummary {
    /// The site as stored (the first spelling, by machine name).
    pub site: String,
    /// Machines at it.
    pub machines: usize,
    /// Of which paired through the bunker now (active, expiring, expired).
    pub paired: usize,
}

/// One machine's step in a bulk revoke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum BulkStep {
    /// `revoke pending`; its revoke is queued (outbox row).
    Queued {
        /// Outbox row.
        outbox_id: i64,
    },
    /// Not revoked: nothing to revoke (never paired, legacy, already revoked).
    Skipped {
        /// Why.
        reason: String,
    },
    /// Its revoke is running on the bunker.
    Running,
    /// The bunker shows it revoked.
    Revoked {
        /// What was revoked and burned.
        detail: String,
    },
    /// Waiting for the bunker; runs at the next sync.
    Pending {
        /// Why it waits.
        reason: Option<String>,
    },
    /// The bunker refused.
    Failed {
        /// Why.
        reason: String,
    },
}

impl BulkStep {
    /// Whether this machine's part is over (for now).
    pub fn is_final(&self) -> bool {
        !matches!(self, Self::Queued { .. } | Self::Running)
    }
}

/// Progress of a bulk revoke, one machine at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkProgress {
    /// The machine.
    pub machine_id: i64,
    /// Its name.
    pub machine: String,
    /// What happened to it.
    pub step: BulkStep,
    /// Machines whose part is over so far.
    pub finished: usize,
    /// Machines selected.
    pub total: usize,
}

/// How a bulk revoke ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkRevokeReport {
    /// Machines selected.
    pub selected: usize,
    /// Each revoked or queued machine's outcome, by name.
    pub outcomes: Vec<RevokeOutcome>,
    /// Machines not revoked, with why.
    pub skipped: Vec<(String, String)>,
    /// How many the bunker now refuses.
    pub revoked: usize,
    /// How many wait for the bunker (offline): they run at the next sync.
    pub pending: usize,
    /// How many the bunker refused to revoke.
    pub failed: usize,
}

/// Tracks per-machine progress while the outbox runs (the runner reports rows by id).
struct Tracker<'a, F> {
    by_row: HashMap<i64, (i64, String)>,
    done: Mutex<(HashSet<i64>, HashMap<i64, String>)>,
    total: usize,
    on_progress: &'a F,
}

impl<F: Fn(&BulkProgress)> Tracker<'_, F> {
    fn report(&self, machine_id: i64, machine: &str, step: BulkStep) {
        let finished = {
            let mut done = self.done.lock().unwrap_or_else(PoisonError::into_inner);
            if step.is_final() && !done.0.insert(machine_id) {
                return;
            }
            if let BulkStep::Revoked { detail } = &step {
                done.1.insert(machine_id, detail.clone());
            }
            done.0.len()
        };
        (self.on_progress)(&BulkProgress {
            machine_id,
            machine: machine.to_string(),
            step,
            finished,
            total: self.total,
        });
    }

    fn on_row(&self, event: &OutboxEvent) {
        let (id, step) = match event {
            OutboxEvent::Started { id, .. } => (id, BulkStep::Running),
            OutboxEvent::Done { id, detail } => (
                id,
                BulkStep::Revoked {
                    detail: detail.clone(),
                },
            ),
            OutboxEvent::Deferred { id, reason, .. } => (
                id,
                BulkStep::Pending {
                    reason: Some(reason.clone()),
                },
            ),
            OutboxEvent::Failed { id, reason } => (
                id,
                BulkStep::Failed {
                    reason: reason.clone(),
                },
            ),
        };
        if let Some((machine_id, name)) = self.by_row.get(id) {
            self.report(*machine_id, name, step);
        }
    }

    fn detail(&self, machine_id: i64) -> Option<String> {
        let done = self.done.lock().unwrap_or_else(PoisonError::into_inner);
        done.1.get(&machine_id).cloned()
    }
}

impl Fleet {
    /// The machines `selection` takes, by name. Offline.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty selection, names no machine has (all of them
    /// listed), or a site no machine stands at (the known sites listed); [`Error::Store`].
    pub async fn select(&self, selection: &Selection) -> Result<Vec<Machine>> {
        let all = self.db().interact(|c| machines::list(c)).await?;
        select_from(all, selection)
    }

    /// What revoking `selection` would do and the confirmation it takes. Offline.
    ///
    /// # Errors
    /// As [`Fleet::select`].
    pub async fn revoke_many_preview(&self, selection: &Selection) -> Result<BulkPreview> {
        let selected = self.select(selection).await?;
        let confirmation = selection.confirmation(&selected);
        let skipped: Vec<(String, String)> = selected
            .iter()
            .filter(|m| next(m.state, Transition::RevokeRequested).is_none())
            .map(|m| (m.name.clone(), nothing_to_revoke(m)))
            .collect();
        Ok(BulkPreview {
            revocable: selected.len() - skipped.len(),
            machines: selected.iter().map(|m| m.name.clone()).collect(),
            skipped,
            what_to_type: selection.what_to_type(&confirmation),
            confirmation,
        })
    }

    /// Every site with its machine counts, by name. Offline.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn sites(&self) -> Result<Vec<SiteSummary>> {
        let all = self.db().interact(|c| machines::list(c)).await?;
        Ok(sites_of(&all))
    }

    /// Revokes every machine in `selection` once `confirmation` is [`Selection::confirmation`]
    /// (surrounding spaces forgiven). All of them turn `revoke pending` and are queued in one
    /// transaction, then the outbox runs; offline they wait for the next sync. Machines with
    /// nothing to revoke are skipped and reported. `on_progress` hears each machine's steps.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a bad selection or a wrong confirmation (nothing changed);
    /// [`Error::Store`].
    #[instrument(skip_all)]
    pub async fn revoke_many(
        &self,
        selection: &Selection,
        confirmation: &str,
        on_progress: impl Fn(&BulkProgress),
    ) -> Result<BulkRevokeReport> {
        let selected = self.select(selection).await?;
        let expected = selection.confirmation(&selected);
        if confirmation.trim() != expected {
            return Err(Error::InvalidInput(format!(
                "not confirmed: type {} to revoke {} machine{}; nothing was changed",
                selection.what_to_type(&expected),
                selected.len(),
                if selected.len() == 1 { "" } else { "s" }
            )));
        }
        let reason = selection.reason(&selected);
        let (revocable, skipped): (Vec<Machine>, Vec<Machine>) = selected
            .iter()
            .cloned()
            .partition(|m| next(m.state, Transition::RevokeRequested).is_some());
        let queue = revocable.clone();
        let rows: Vec<i64> = self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let mut rows = Vec::with_capacity(queue.len());
                for m in &queue {
                    match queue_machine_revoke(&tx, m, &reason) {
                        Ok(row) => rows.push(row),
                        Err(e) => return Ok(Err(e)),
                    }
                }
                tx.commit()?;
                Ok(Ok(rows))
            })
            .await??;

        let tracker = Tracker {
            by_row: rows
                .iter()
                .zip(&revocable)
                .map(|(row, m)| (*row, (m.id, m.name.clone())))
                .collect(),
            done: Mutex::new((HashSet::new(), HashMap::new())),
            total: selected.len(),
            on_progress: &on_progress,
        };
        let mut skipped_out = Vec::new();
        for m in &skipped {
            let why = nothing_to_revoke(m);
            tracker.report(
                m.id,
                &m.name,
                BulkStep::Skipped {
                    reason: why.clone(),
                },
            );
            skipped_out.push((m.name.clone(), why));
        }
        for (row, m) in rows.iter().zip(&revocable) {
            tracker.report(m.id, &m.name, BulkStep::Queued { outbox_id: *row });
        }
        let run = if rows.is_empty() {
            crate::outbox::OutboxRun::default()
        } else {
            self.run_outbox(Due::Now, |e| tracker.on_row(e)).await?
        };

        let mut report = BulkRevokeReport {
            selected: selected.len(),
            outcomes: Vec::with_capacity(rows.len()),
            skipped: skipped_out,
            revoked: 0,
            pending: 0,
            failed: 0,
        };
        for (row, m) in rows.iter().zip(&revocable) {
            let machine = m.name.clone();
            let (outcome, step) = match self.delivery(*row, &run).await? {
                Delivery::Done => {
                    report.revoked += 1;
                    let detail = tracker.detail(m.id).unwrap_or_else(|| "revoked".into());
                    (
                        RevokeOutcome::Revoked {
                            machine,
                            detail: detail.clone(),
                        },
                        BulkStep::Revoked { detail },
                    )
                }
                Delivery::Pending { reason } => {
                    report.pending += 1;
                    (
                        RevokeOutcome::Pending {
                            machine,
                            reason: reason.clone(),
                        },
                        BulkStep::Pending { reason },
                    )
                }
                Delivery::Failed { reason } => {
                    report.failed += 1;
                    (
                        RevokeOutcome::Failed {
                            machine,
                            reason: reason.clone(),
                        },
                        BulkStep::Failed { reason },
                    )
                }
            };
            tracker.report(m.id, &m.name, step);
            report.outcomes.push(outcome);
        }
        Ok(report)
    }
}

/// Why a machine is skipped by a bulk revoke.
fn nothing_to_revoke(m: &Machine) -> String {
    format!("{}: nothing to revoke", label(m.state))
}

/// [`Fleet::select`] over a list already read.
fn select_from(all: Vec<Machine>, selection: &Selection) -> Result<Vec<Machine>> {
    match selection {
        Selection::Names { names } => {
            if names.iter().all(|n| n.trim().is_empty()) {
                return Err(Error::InvalidInput(
                    "name at least one machine (see `satop machine list`)".into(),
                ));
            }
            let by_key: HashMap<String, &Machine> =
                all.iter().map(|m| (text::name_key(&m.name), m)).collect();
            let mut unknown = Vec::new();
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for name in names.iter().filter(|n| !n.trim().is_empty()) {
                match by_key.get(&text::name_key(name)) {
                    Some(m) if seen.insert(m.id) => out.push((*m).clone()),
                    Some(_) => {}
                    None => unknown.push(format!("{:?}", name.trim())),
                }
            }
            if !unknown.is_empty() {
                return Err(Error::InvalidInput(format!(
                    "no machine is named {}: check the names with `satop machine list`; nothing \
                     was changed",
                    unknown.join(", ")
                )));
            }
            Ok(out)
        }
        Selection::Site { site } => {
            let key = text::name_key(site);
            if key.is_empty() {
                return Err(Error::InvalidInput("name the site".into()));
            }
            let sites = sites_of(&all);
            let out: Vec<Machine> = all
                .into_iter()
                .filter(|m| m.site.as_deref().is_some_and(|s| text::name_key(s) == key))
                .collect();
            if out.is_empty() {
                let known: Vec<String> = sites.iter().map(|s| format!("{:?}", s.site)).collect();
                return Err(Error::InvalidInput(format!(
                    "no machine stands at site {:?}; the sites are: {}",
                    site.trim(),
                    if known.is_empty() {
                        "none yet".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            }
            Ok(out)
        }
    }
}

/// The sites of `machines` (ignoring case), each in its first spelling, by name.
fn sites_of(machines: &[Machine]) -> Vec<SiteSummary> {
    let mut by_key: BTreeMap<String, SiteSummary> = BTreeMap::new();
    for m in machines {
        let Some(site) = m.site.as_deref() else {
            continue;
        };
        let entry = by_key
            .entry(text::name_key(site))
            .or_insert_with(|| SiteSummary {
                site: site.to_string(),
                machines: 0,
                paired: 0,
            });
        entry.machines += 1;
        entry.paired += usize::from(crate::liveness::is_paired(m));
    }
    by_key.into_values().collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use fleet_store::MachineState;

    fn machine(id: i64, name: &str, site: Option<&str>) -> Machine {
        Machine {
            id,
            name: name.into(),
            site: site.map(str::to_string),
            state: MachineState::Active,
            bunker_connection_id: Some(id),
            atm_client_pubkey: Some("ab".repeat(32)),
            paired_at: Some(0),
            bunker_token_expires_at: None,
            legacy: false,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn fleet() -> Vec<Machine> {
        vec![
            machine(1, "Lobby", Some("Main St")),
            machine(2, "Bar", Some("main st")),
            machine(3, "Dock", Some("Harbour")),
            machine(4, "Spare", None),
        ]
    }

    #[test]
    fn a_site_selects_every_machine_there_ignoring_case_and_confirms_with_its_stored_name() {
        let sel = Selection::Site {
            site: " MAIN ST ".into(),
        };
        let picked = select_from(fleet(), &sel).unwrap();
        assert_eq!(picked.iter().map(|m| m.id).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(sel.confirmation(&picked), "Main St");
        let err = select_from(
            fleet(),
            &Selection::Site {
                site: "Nowhere".into(),
            },
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("\"Harbour\""),
            "lists the sites: {err}"
        );
    }

    #[test]
    fn names_select_once_each_confirm_with_the_count_and_unknown_names_are_all_listed() {
        let sel = Selection::names(&["lobby", "Dock", "LOBBY"]);
        let picked = select_from(fleet(), &sel).unwrap();
        assert_eq!(picked.len(), 2);
        assert_eq!(sel.confirmation(&picked), "2");
        let err = select_from(fleet(), &Selection::names(&["Lobby", "Ghost", "Nope"])).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("\"Ghost\"") && text.contains("\"Nope\""),
            "{text}"
        );
        assert!(select_from(fleet(), &Selection::names(&[" "])).is_err());
    }

    #[test]
    fn sites_are_grouped_ignoring_case() {
        let sites = sites_of(&fleet());
        assert_eq!(sites.len(), 2);
        assert_eq!(sites[1].site, "Main St");
        assert_eq!(sites[1].machines, 2);
        assert_eq!(sites[1].paired, 2);
    }
}
