//! The Activity screen: the whole audit log.

use fleet_core::audit::AuditRecord;
use serde::Serialize;
use specta::Type;

/// One line of the audit log, with the machine it concerns.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ActivityEntry {
    /// Increasing id.
    pub id: i64,
    /// When (unix seconds).
    pub at: i64,
    /// What was done (`pair`, `revoke`, `burn`, `publish_event`, …).
    pub action: String,
    /// The machine's current name, when the entry concerns one.
    pub machine: Option<String>,
    /// How it went (`ok`, `queued`, `failed`, …).
    pub outcome: String,
    /// Detail; never a secret.
    pub detail: Option<String>,
}

impl From<AuditRecord> for ActivityEntry {
    fn from(r: AuditRecord) -> Self {
        Self {
            id: r.id,
            at: r.at,
            action: r.action,
            machine: r.machine,
            outcome: r.outcome,
            detail: r.detail,
        }
    }
}

/// Where the audit log was exported.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ExportView {
    /// The file written.
    pub path: String,
    /// How many entries (lines) it holds.
    pub lines: u32,
}
