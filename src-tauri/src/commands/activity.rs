//! The Activity screen: the audit log of the whole fleet.

use tauri::State;

use crate::dto::{ActivityEntry, ExportView};
use crate::{App, Error, Failure};

/// The most the screen asks for at once.
const MAX_LIMIT: u32 = 5_000;

/// The newest `limit` audit entries (capped at 5,000), newest first. Offline.
#[tauri::command]
#[specta::specta]
pub async fn activity(app: State<'_, App>, limit: u32) -> Result<Vec<ActivityEntry>, Failure> {
    let limit = usize::try_from(limit.min(MAX_LIMIT)).unwrap_or(usize::MAX);
    let records = app.fleet().audit(limit).await?;
    Ok(records.into_iter().map(ActivityEntry::from).collect())
}

/// Writes the whole audit log, oldest first, as JSON lines (as `satop audit --export`) to a new
/// file under the data directory's `exports/`; returns where and how many lines.
#[tauri::command]
#[specta::specta]
pub async fn activity_export(app: State<'_, App>) -> Result<ExportView, Failure> {
    let mut lines = Vec::new();
    let count = app.fleet().export_audit(&mut lines).await?;
    let stamp = fleet_core::audit::iso(fleet_core::unix_now()).replace(':', "-");
    let path = app
        .fleet()
        .data_dir()
        .join("exports")
        .join(format!("audit-{stamp}.jsonl"));
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&path, &lines));
    written.map_err(|e| Error::File {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    Ok(ExportView {
        path: path.display().to_string(),
        lines: u32::try_from(count).unwrap_or(u32::MAX),
    })
}
