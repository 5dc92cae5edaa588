//! Bulk actions: the selection (names or a site), a bulk revoke's progress and outcome, the
//! sites, and the re-pair queue.

use fleet_core::bulk::{
    BulkPreview, BulkProgress, BulkRevokeReport, BulkStep, Selection, SiteSummary,
};
use fleet_core::repair_queue::{RepairQueueChange, RepairQueued};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::dto::dashboard::{count, FixView};
use crate::dto::RevokeView;

/// Which machines a bulk action takes.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum SelectionInput {
    /// These machines, by name.
    Names {
        /// The names.
        names: Vec<String>,
    },
    /// Every machine at this site.
    Site {
        /// The site.
        site: String,
    },
}

impl From<SelectionInput> for Selection {
    fn from(s: SelectionInput) -> Self {
        match s {
            SelectionInput::Names { names } => Self::Names { names },
            SelectionInput::Site { site } => Self::Site { site },
        }
    }
}

/// One machine's step in a bulk revoke.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum BulkStepView {
    /// `revoke pending`, queued on this computer.
    Queued,
    /// Nothing to revoke.
    Skipped {
        /// Why.
        reason: String,
    },
    /// Talking to the bunker.
    Running,
    /// The bunker refuses the ATM now.
    Revoked {
        /// What was revoked.
        detail: String,
    },
    /// Waiting for the bunker: runs at the next sync.
    Pending {
        /// Why.
        reason: Option<String>,
    },
    /// The bunker refused the revoke.
    Failed {
        /// Why.
        reason: String,
    },
}

impl From<BulkStep> for BulkStepView {
    fn from(s: BulkStep) -> Self {
        match s {
            BulkStep::Queued { .. } => Self::Queued,
            BulkStep::Skipped { reason } => Self::Skipped { reason },
            BulkStep::Running => Self::Running,
            BulkStep::Revoked { detail } => Self::Revoked { detail },
            BulkStep::Pending { reason } => Self::Pending { reason },
            BulkStep::Failed { reason } => Self::Failed { reason },
        }
    }
}

/// Progress of a bulk revoke, per machine.
#[derive(Debug, Clone, Serialize, Type)]
pub struct BulkProgressView {
    /// The machine.
    pub machine_id: i64,
    /// Its name.
    pub machine: String,
    /// What happened to it.
    pub step: BulkStepView,
    /// Machines finished so far.
    pub finished: u32,
    /// Machines selected.
    pub total: u32,
}

impl From<&BulkProgress> for BulkProgressView {
    fn from(p: &BulkProgress) -> Self {
        Self {
            machine_id: p.machine_id,
            machine: p.machine.clone(),
            step: p.step.clone().into(),
            finished: count(p.finished),
            total: count(p.total),
        }
    }
}

/// A machine not revoked, and why.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SkippedMachine {
    /// Its name.
    pub machine: String,
    /// Why.
    pub reason: String,
}

/// How a bulk revoke ended.
#[derive(Debug, Clone, Serialize, Type)]
pub struct BulkRevokeView {
    /// Machines selected.
    pub selected: u32,
    /// Each revoked or queued machine's outcome.
    pub outcomes: Vec<RevokeView>,
    /// Machines with nothing to revoke.
    pub skipped: Vec<SkippedMachine>,
    /// Revoked now.
    pub revoked: u32,
    /// Waiting for the bunker.
    pub pending: u32,
    /// Refused by the bunker.
    pub failed: u32,
}

impl From<BulkRevokeReport> for BulkRevokeView {
    fn from(r: BulkRevokeReport) -> Self {
        Self {
            selected: count(r.selected),
            outcomes: r.outcomes.into_iter().map(RevokeView::from).collect(),
            skipped: r
                .skipped
                .into_iter()
                .map(|(machine, reason)| SkippedMachine { machine, reason })
                .collect(),
            revoked: count(r.revoked),
            pending: count(r.pending),
            failed: count(r.failed),
        }
    }
}

/// A site and its machines.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SiteView {
    /// The site as stored.
    pub site: String,
    /// Machines at it.
    pub machines: u32,
    /// Of which paired now.
    pub paired: u32,
}

impl From<SiteSummary> for SiteView {
    fn from(s: SiteSummary) -> Self {
        Self {
            site: s.site,
            machines: count(s.machines),
            paired: count(s.paired),
        }
    }
}

/// A machine waiting to be re-paired.
#[derive(Debug, Clone, Serialize, Type)]
pub struct RepairQueuedView {
    /// The machine.
    pub machine_id: i64,
    /// Its name.
    pub machine: String,
    /// Its site.
    pub site: Option<String>,
    /// Its state in words.
    pub state: String,
    /// When it was queued (unix seconds).
    pub queued_at: i64,
    /// Renew or pair.
    pub action: FixView,
    /// The action in words.
    pub action_label: String,
}

impl From<RepairQueued> for RepairQueuedView {
    fn from(q: RepairQueued) -> Self {
        Self {
            machine_id: q.machine_id,
            machine: q.machine,
            site: q.site,
            state: q.state.to_string(),
            queued_at: q.queued_at,
            action: q.action.into(),
            action_label: q.action_label.to_string(),
        }
    }
}

/// What a re-pair queue change did, by machine name.
#[derive(Debug, Clone, Serialize, Type)]
pub struct RepairQueueChangeView {
    /// Machines added (or removed) now.
    pub changed: Vec<String>,
    /// Machines that already were (or were not) queued.
    pub unchanged: Vec<String>,
}

impl From<RepairQueueChange> for RepairQueueChangeView {
    fn from(c: RepairQueueChange) -> Self {
        Self {
            changed: c.changed,
            unchanged: c.unchanged,
        }
    }
}

/// What a bulk revoke would do, and the exact text the operator types to confirm it.
#[derive(Debug, Clone, Serialize, Type)]
pub struct BulkPreviewView {
    /// The selected machines' names.
    pub machines: Vec<String>,
    /// Of which have bunker access to revoke.
    pub revocable: u32,
    /// Machines with nothing to revoke.
    pub skipped: Vec<SkippedMachine>,
    /// The exact text to type (the site's name as stored, or the count).
    pub confirmation: String,
    /// What it stands for, in the core's words.
    pub what_to_type: String,
}

impl From<BulkPreview> for BulkPreviewView {
    fn from(p: BulkPreview) -> Self {
        Self {
            machines: p.machines,
            revocable: count(p.revocable),
            skipped: p
                .skipped
                .into_iter()
                .map(|(machine, reason)| SkippedMachine { machine, reason })
                .collect(),
            confirmation: p.confirmation,
            what_to_type: p.what_to_type,
        }
    }
}
