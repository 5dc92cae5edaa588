//! The audit log as the operator reads it (issue #4 item 6): every mint, redemption seen, burn,
//! revoke, re-pair and signed operator event, with time, machine and outcome. The table is
//! append-only (triggers refuse UPDATE and DELETE); this module only reads and exports it.

use std::collections::HashMap;
use std::io::Write;

use fleet_store::{audit, machines, AuditEntry};
use serde::Serialize;

use crate::{Error, Fleet, Result};

/// Rows read per page when exporting.
const EXPORT_PAGE: usize = 1000;

/// One audit entry, with the machine's name and an ISO-8601 time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// Increasing id.
    pub id: i64,
    /// When (unix seconds).
    pub at: i64,
    /// When, as `2026-11-24T13:46:26Z`.
    pub time: String,
    /// What was done (`pair`, `revoke`, `repair`, `burn`, `publish_event`, …).
    pub action: String,
    /// The machine's id.
    pub machine_id: Option<i64>,
    /// The machine's current name (machines can be renamed; the id is the stable reference).
    pub machine: Option<String>,
    /// How it went (`ok`, `queued`, `failed`, …).
    pub outcome: String,
    /// Detail; never a secret.
    pub detail: Option<String>,
    /// The console that acted (npub): this one, or another console of the same bunker whose
    /// change came in with the roster. `None` for entries older than consoles being named.
    #[serde(default)]
    pub console: Option<String>,
}

impl Fleet {
    /// The newest `limit` entries, newest first.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn audit(&self, limit: usize) -> Result<Vec<AuditRecord>> {
        let (entries, names) = self
            .db()
            .interact(move |c| Ok((audit::list(c, limit)?, names(c)?)))
            .await?;
        Ok(entries.into_iter().map(|e| record(e, &names)).collect())
    }

    /// The newest `limit` entries of one machine, newest first.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn audit_for(&self, machine_id: i64, limit: usize) -> Result<Vec<AuditRecord>> {
        let (entries, names) = self
            .db()
            .interact(move |c| Ok((audit::list_for_machine(c, machine_id, limit)?, names(c)?)))
            .await?;
        Ok(entries.into_iter().map(|e| record(e, &names)).collect())
    }

    /// Writes the whole log, oldest first, as JSON lines (one [`AuditRecord`] per line).
    /// Returns how many lines were written.
    ///
    /// # Errors
    /// [`Error::Store`]; [`Error::InvalidInput`] when writing fails.
    pub async fn export_audit(&self, out: &mut impl Write) -> Result<usize> {
        let names = self.db().interact(|c| names(c)).await?;
        let mut after = 0;
        let mut written = 0;
        loop {
            let page = self
                .db()
                .interact(move |c| audit::list_after(c, after, EXPORT_PAGE))
                .await?;
            let Some(last) = page.last() else {
                return Ok(written);
            };
            after = last.id;
            for entry in page {
                let line = serde_json::to_string(&record(entry, &names))
                    .map_err(|e| Error::InvalidInput(e.to_string()))?;
                writeln!(out, "{line}").map_err(|e| {
                    Error::InvalidInput(format!("cannot write the audit export: {e}"))
                })?;
                written += 1;
            }
        }
    }
}

fn names(c: &fleet_store::Connection) -> fleet_store::Result<HashMap<i64, String>> {
    Ok(machines::list(c)?
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect())
}

fn record(e: AuditEntry, names: &HashMap<i64, String>) -> AuditRecord {
    AuditRecord {
        time: iso(e.at),
        machine: e.machine_id.and_then(|id| names.get(&id).cloned()),
        id: e.id,
        at: e.at,
        action: e.action,
        machine_id: e.machine_id,
        outcome: e.outcome,
        detail: e.detail,
        console: e.console,
    }
}

/// `2026-11-24T13:46:26Z`; the raw number if the time is out of range.
pub fn iso(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}
