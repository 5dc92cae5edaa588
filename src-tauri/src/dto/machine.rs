//! The fleet list and one machine: its state, its history, its revoke.

use fleet_core::audit::AuditRecord;
use fleet_core::liveness::MachineLiveness;
use fleet_core::machines::MachineSummary;
use fleet_core::revoke::{RevokeOutcome, RevokeStep};
use fleet_core::term::{self, MachineState, PairingChoice};
use serde::Serialize;
use specta::Type;

/// A machine's state with the clock applied, as the core computes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum MachineStateView {
    /// Known, never paired through the bunker.
    Unpaired,
    /// A pairing code is out; not redeemed yet.
    Pairing,
    /// Paired; its access term is running.
    Active,
    /// Paired; its access term ends within 7 days.
    Expiring,
    /// Its access term is over.
    Expired,
    /// Revoke requested; waiting for the bunker.
    RevokePending,
    /// The bunker confirmed the revocation.
    Revoked,
    /// Paired the legacy way (operator nsec on the ATM): pair it through the bunker.
    Legacy,
}

impl From<MachineState> for MachineStateView {
    fn from(s: MachineState) -> Self {
        match s {
            MachineState::Unpaired => Self::Unpaired,
            MachineState::Pairing => Self::Pairing,
            MachineState::Active => Self::Active,
            MachineState::Expiring => Self::Expiring,
            MachineState::Expired => Self::Expired,
            MachineState::RevokePending => Self::RevokePending,
            MachineState::Revoked => Self::Revoked,
            MachineState::Legacy => Self::Legacy,
        }
    }
}

/// What the machine's pair button does, as the core decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum PairingChoiceView {
    /// A pairing ("Pair").
    Pair,
    /// A renewal with a new ATM key ("Re-pair"); the old key is revoked once it is redeemed.
    Renew,
}

impl From<PairingChoice> for PairingChoiceView {
    fn from(c: PairingChoice) -> Self {
        match c {
            PairingChoice::Pair => Self::Pair,
            PairingChoice::Renew => Self::Renew,
        }
    }
}

/// A machine in the fleet list.
#[derive(Debug, Clone, Serialize, Type)]
pub struct MachineView {
    /// Row id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Site.
    pub site: Option<String>,
    /// Effective state, the clock applied.
    pub state: MachineStateView,
    /// The state as the operator reads it (`revoke pending`): the core's label, shown as is.
    pub label: String,
    /// Whole days left in the access term (negative once over), while it counts: the core's.
    pub days_left: Option<i64>,
    /// Whether its pair button pairs or renews.
    pub pairing: PairingChoiceView,
    /// The ATM client key's fingerprint, once paired.
    pub fingerprint: Option<String>,
    /// When it was paired (unix seconds).
    pub paired_at: Option<i64>,
    /// End of the access term (unix seconds).
    pub access_expires_at: Option<i64>,
    /// Last change (unix seconds).
    pub updated_at: i64,
    /// When it was last seen on the ATM relays (heartbeat or NIP-46 request; unix seconds).
    pub last_seen_at: Option<i64>,
    /// Paired and not seen within the silent threshold (the core's rule).
    pub silent: bool,
    /// Queued for re-pair and not re-paired since.
    pub repair_queued: bool,
}

impl MachineView {
    /// From fleet-core's summary, its view with the clock applied, and the row's last change.
    pub fn new(s: MachineSummary, view: &term::MachineView, updated_at: i64) -> Self {
        Self {
            id: s.id,
            name: s.name,
            site: s.site,
            state: view.state.into(),
            label: view.label.to_string(),
            days_left: view.days_left,
            pairing: view.pairing.into(),
            fingerprint: s.fingerprint,
            paired_at: s.paired_at,
            access_expires_at: s.access_expires_at,
            updated_at,
            last_seen_at: None,
            silent: false,
            repair_queued: false,
        }
    }

    /// With its liveness (from [`fleet_core::Fleet::liveness`]) and its place in the re-pair
    /// queue.
    pub fn seen(mut self, liveness: Option<&MachineLiveness>, repair_queued: bool) -> Self {
        self.last_seen_at = liveness.and_then(|l| l.last_seen_at);
        self.silent = liveness.is_some_and(|l| l.silent);
        self.repair_queued = repair_queued;
        self
    }
}

/// A state the fleet filter offers, with the core's label.
#[derive(Debug, Clone, Serialize, Type)]
pub struct StateOption {
    /// The state.
    pub state: MachineStateView,
    /// The core's label for it.
    pub label: String,
}

impl StateOption {
    /// Every state, in lifecycle order.
    pub fn all() -> Vec<Self> {
        MachineState::ALL
            .into_iter()
            .map(|s| Self {
                state: s.into(),
                label: fleet_core::lifecycle::label(s).to_string(),
            })
            .collect()
    }
}

/// The fleet list, read offline.
#[derive(Debug, Clone, Serialize, Type)]
pub struct FleetView {
    /// Every machine, by name.
    pub machines: Vec<MachineView>,
    /// The states the filter offers.
    pub states: Vec<StateOption>,
    /// When the cache last matched the bunker (the last reconcile, unix seconds): the list is
    /// "as of" then. `None` before the first sync.
    pub as_of: Option<i64>,
    /// When the ATM relays were last read: `last_seen_at` is "as of" then (`None`: never).
    pub liveness_as_of: Option<i64>,
}

/// One line of a machine's history (the audit log).
#[derive(Debug, Clone, Serialize, Type)]
pub struct HistoryEntry {
    /// Increasing id.
    pub id: i64,
    /// When (unix seconds).
    pub at: i64,
    /// What was done (`pair`, `revoke`, `burn`, …).
    pub action: String,
    /// How it went (`ok`, `queued`, `failed`, …).
    pub outcome: String,
    /// Detail; never a secret.
    pub detail: Option<String>,
}

impl From<AuditRecord> for HistoryEntry {
    fn from(r: AuditRecord) -> Self {
        Self {
            id: r.id,
            at: r.at,
            action: r.action,
            outcome: r.outcome,
            detail: r.detail,
        }
    }
}

/// Progress of a revoke.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum RevokeEvent {
    /// The machine is `revoke pending` and the revoke is queued on this computer.
    Queued,
    /// Talking to the bunker.
    Running,
}

impl From<&RevokeStep> for RevokeEvent {
    fn from(step: &RevokeStep) -> Self {
        match step {
            RevokeStep::Queued { .. } => Self::Queued,
            RevokeStep::Running => Self::Running,
        }
    }
}

/// How a revoke ended.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RevokeView {
    /// The bunker refuses the ATM now; the machine is `revoked`.
    Revoked {
        /// Machine name.
        machine: String,
        /// What was revoked and burned.
        detail: String,
    },
    /// The bunker was not reachable: `revoke pending`, it runs at the next sync.
    Pending {
        /// Machine name.
        machine: String,
        /// Why it waits.
        reason: Option<String>,
    },
    /// The bunker refused the revoke.
    Failed {
        /// Machine name.
        machine: String,
        /// Why.
        reason: String,
    },
}

impl From<RevokeOutcome> for RevokeView {
    fn from(o: RevokeOutcome) -> Self {
        match o {
            RevokeOutcome::Revoked { machine, detail } => Self::Revoked { machine, detail },
            RevokeOutcome::Pending { machine, reason } => Self::Pending { machine, reason },
            RevokeOutcome::Failed { machine, reason } => Self::Failed { machine, reason },
        }
    }
}
