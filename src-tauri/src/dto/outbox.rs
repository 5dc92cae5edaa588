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
    /// A step this version does not describe.
    Other,
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
            // OutboxEvent is #[non_exhaustive].
            _ => Self::Other,
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
        let mut changes = Vec::new();
        for m in &r.terms.revokes_queued {
            changes.push(format!("{m}: access term ended, revoke queued"));
        }
        for m in &r.terms.updated {
            changes.push(format!("{m}: access term state updated"));
        }
        let mut unknown_clients = Vec::new();
        let mut compared = None;
        if let Some(rec) = r.reconcile {
            compared = Some((count(rec.machines), count(rec.clients)));
            for m in rec.revoked_elsewhere {
                changes.push(format!("{m}: revoked on the bunker, now revoked here"));
            }
            for m in rec.redemptions_seen {
                changes.push(format!(
                    "{m}: pairing code redeemed while the app was closed, recorded"
                ));
            }
            for m in rec.pairings_ended {
                changes.push(format!("{m}: pairing ended without a redemption"));
            }
            for (m, id) in rec.stale_revokes_queued {
                changes.push(format!("{m}: old client #{id} still active, revoke queued"));
            }
            for m in rec.missing_on_bunker {
                changes.push(format!(
                    "{m}: its client is missing on the bunker (re-pair it)"
                ));
            }
            for (name, id) in rec.live_tokens {
                changes.push(format!(
                    "unredeemed pairing code #{id} ({name}) that no pairing waits for"
                ));
            }
            unknown_clients = rec.unknown_clients.into_iter().map(Into::into).collect();
        }
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
