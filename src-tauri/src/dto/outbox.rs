//! Queued network actions and syncs: the outbox rows, their progress, what a sync found.

use fleet_core::outbox::{OutboxEntry, OutboxEvent};
use fleet_core::reconcile::ClientView;
use fleet_core::sync::SyncReport;
use serde::Serialize;
use specta::Type;

/// Progress of an outbox run (a revoke, a fee change, a sync).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum OutboxStep {
    /// A queued action is being sent to the bunker.
    Started {
        /// The action (`revoke`, `publish_event`).
        action: String,
    },
    /// Done and recorded.
    Done {
        /// What was done.
        detail: String,
    },
    /// The bunker or relay is not reachable: the action waits in the outbox.
    Waiting {
        /// Why.
        reason: String,
    },
    /// The action failed for good.
    Failed {
        /// Why.
        reason: String,
    },
}

impl From<&OutboxEvent> for OutboxStep {
    fn from(e: &OutboxEvent) -> Self {
        match e {
            OutboxEvent::Started { action, .. } => Self::Started {
                action: action.clone(),
            },
            OutboxEvent::Done { detail, .. } => Self::Done {
                detail: detail.clone(),
            },
            OutboxEvent::Deferred { reason, .. } => Self::Waiting {
                reason: reason.clone(),
            },
            OutboxEvent::Failed { reason, .. } => Self::Failed {
                reason: reason.clone(),
            },
        }
    }
}

/// An action waiting in the outbox.
#[derive(Debug, Clone, Serialize, Type)]
pub struct OutboxRow {
    /// Row id (execution order).
    pub id: i64,
    /// What it does, in words.
    pub summary: String,
    /// Its machine's name.
    pub machine: Option<String>,
    /// `pending`, `running`, `failed`.
    pub status: String,
    /// Attempts so far.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Next attempt (unix seconds).
    pub next_attempt_at: i64,
    /// When it was queued (unix seconds).
    pub created_at: i64,
}

impl From<OutboxEntry> for OutboxRow {
    fn from(e: OutboxEntry) -> Self {
        Self {
            id: e.id,
            summary: e.summary,
            machine: e.machine,
            status: e.status,
            attempts: e.attempts,
            last_error: e.last_error,
            next_attempt_at: e.next_attempt_at,
            created_at: e.created_at,
        }
    }
}

/// A bunker client that can use the operator key and that the app knows nothing about.
#[derive(Debug, Clone, Serialize, Type)]
pub struct UnknownClientView {
    /// KeyUser id.
    pub id: i64,
    /// Its key's short fingerprint.
    pub fingerprint: String,
    /// Its description on the bunker.
    pub description: Option<String>,
}

impl From<ClientView> for UnknownClientView {
    fn from(c: ClientView) -> Self {
        Self {
            id: c.id,
            fingerprint: c.fingerprint,
            description: c.description,
        }
    }
}

/// What a sync did, in words for the Fleet screen.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SyncView {
    /// Queued actions done.
    pub done: u32,
    /// Queued actions that failed for good.
    pub failed: u32,
    /// Why the outbox stopped early (bunker unreachable…).
    pub waiting: Option<String>,
    /// Why the comparison with the bunker was skipped.
    pub reconcile_error: Option<String>,
    /// Machines and bunker clients compared.
    pub compared: Option<(u32, u32)>,
    /// What changed, one line each.
    pub changes: Vec<String>,
    /// Clients that can use the operator key and match no machine: shown, never hidden.
    pub unknown_clients: Vec<UnknownClientView>,
}

impl From<SyncReport> for SyncView {
    fn from(r: SyncReport) -> Self {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let changes = r.changes();
        let (compared, unknown_clients) = match r.reconcile {
            Some(rec) => (
                Some((count(rec.machines), count(rec.clients))),
                rec.unknown_clients.into_iter().map(Into::into).collect(),
            ),
            None => (None, Vec::new()),
        };
        Self {
            done: count(r.outbox.done),
            failed: count(r.outbox.failed),
            waiting: r.outbox.waiting,
            reconcile_error: r.reconcile_error,
            compared,
            changes,
            unknown_clients,
        }
    }
}
