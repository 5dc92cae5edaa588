//! Queued network actions: list them, retry a failed one, and sync (terms, outbox, reconcile).

use tauri::ipc::Channel;
use tauri::State;

use crate::dto::{OutboxRow, OutboxStep, SyncView};
use crate::{App, Failure};

/// The actions not done yet, oldest first. Offline.
#[tauri::command]
#[specta::specta]
pub async fn outbox_list(app: State<'_, App>) -> Result<Vec<OutboxRow>, Failure> {
    let rows = app.fleet().outbox().await?;
    Ok(rows.into_iter().map(OutboxRow::from).collect())
}

/// Puts a failed action back in the queue, due now (it runs at the next sync).
#[tauri::command]
#[specta::specta]
pub async fn outbox_retry(app: State<'_, App>, id: i64) -> Result<(), Failure> {
    Ok(app.fleet().retry_outbox_item(id).await?)
}

/// Sync now: enforce the access terms, run every queued action, compare with the bunker.
/// Steps go to `on_step`.
#[tauri::command]
#[specta::specta]
pub async fn sync(app: State<'_, App>, on_step: Channel<OutboxStep>) -> Result<SyncView, Failure> {
    let fleet = app.fleet();
    let report = fleet.sync(|e| {
        let _ = on_step.send(OutboxStep::from(e));
    });
    Ok(report.await?.into())
}
