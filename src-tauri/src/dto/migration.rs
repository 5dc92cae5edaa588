//! The Migration screen: the checklist of issue #6 and the legacy import.

use fleet_core::migration::{Check, CheckStatus, Checklist, ImportReport};
use serde::Serialize;
use specta::Type;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum CheckState {
    /// Verified done.
    Pass,
    /// Verified not done.
    Fail,
    /// Could not be verified; never a pass.
    Unknown,
    /// Works, but a safer setup exists (the fix says how).
    Warn,
}

impl From<CheckStatus> for CheckState {
    fn from(s: CheckStatus) -> Self {
        match s {
            CheckStatus::Pass => Self::Pass,
            CheckStatus::Fail => Self::Fail,
            CheckStatus::Unknown => Self::Unknown,
            CheckStatus::Warn => Self::Warn,
        }
    }
}

/// One check as the screen shows it.
#[derive(Debug, Clone, Serialize, Type)]
pub struct CheckView {
    /// Stable name (`operator-key-in-bunker`, …).
    pub id: String,
    /// What it verifies.
    pub title: String,
    /// The outcome.
    pub status: CheckState,
    /// What was looked at and found, one fact per line; never a secret.
    pub evidence: Vec<String>,
    /// What to do when it does not pass.
    pub fix: Option<String>,
}

impl From<Check> for CheckView {
    fn from(c: Check) -> Self {
        Self {
            id: c.id.as_str().to_owned(),
            title: c.title,
            status: c.status.into(),
            evidence: c.evidence,
            fix: c.fix,
        }
    }
}

/// The checklist as last run.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ChecklistView {
    /// When it ran (unix seconds).
    pub run_at: i64,
    /// True only when every check passed: the move to the bunker is complete.
    pub passed: bool,
    /// The checks, in a fixed order.
    pub checks: Vec<CheckView>,
}

impl From<Checklist> for ChecklistView {
    fn from(list: Checklist) -> Self {
        Self {
            run_at: list.run_at,
            passed: list.passed(),
            checks: list.checks.into_iter().map(CheckView::from).collect(),
        }
    }
}

/// A machine the import left out.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SkippedView {
    /// `dca_machines.id`.
    pub lnbits_id: String,
    /// The name it would have had.
    pub name: String,
    /// Why it was left out.
    pub reason: String,
}

/// What a legacy import did.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ImportView {
    /// Where the machines were read from (password redacted).
    pub source: String,
    /// Machines added as `legacy`.
    pub imported: Vec<String>,
    /// Machines left out.
    pub skipped: Vec<SkippedView>,
}

impl From<ImportReport> for ImportView {
    fn from(r: ImportReport) -> Self {
        Self {
            source: r.source,
            imported: r.imported_names,
            skipped: r
                .skipped
                .into_iter()
                .map(|s| SkippedView {
                    lnbits_id: s.lnbits_id,
                    name: s.name,
                    reason: s.reason,
                })
                .collect(),
        }
    }
}
