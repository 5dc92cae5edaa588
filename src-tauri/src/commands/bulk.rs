//! Bulk actions: revoke a selection (names or a site) behind one typed confirmation, the sites,
//! and the re-pair queue. The confirmation is checked in the core.

use tauri::ipc::Channel;
use tauri::State;

use crate::dto::{
    BulkPreviewView, BulkProgressView, BulkRevokeView, RepairQueueChangeView, RepairQueuedView,
    SelectionInput, SiteView,
};
use crate::{App, Failure};

/// What revoking the selection would do, and the exact text to type to confirm it. Offline.
#[tauri::command]
#[specta::specta]
pub async fn revoke_many_preview(
    app: State<'_, App>,
    selection: SelectionInput,
) -> Result<BulkPreviewView, Failure> {
    Ok(app
        .fleet()
        .revoke_many_preview(&selection.into())
        .await?
        .into())
}

/// Revokes every selected machine once `confirmation` is the site's name (or, for names, how
/// many); offline each waits in the outbox. Per-machine progress goes to `on_progress`.
#[tauri::command]
#[specta::specta]
pub async fn revoke_many(
    app: State<'_, App>,
    selection: SelectionInput,
    confirmation: String,
    on_progress: Channel<BulkProgressView>,
) -> Result<BulkRevokeView, Failure> {
    let fleet = app.fleet();
    let selection = selection.into();
    let report = fleet.revoke_many(&selection, &confirmation, |p| {
        let _ = on_progress.send(BulkProgressView::from(p));
    });
    Ok(report.await?.into())
}

/// Every site with its machine counts. Offline.
#[tauri::command]
#[specta::specta]
pub async fn sites(app: State<'_, App>) -> Result<Vec<SiteView>, Failure> {
    let sites = app.fleet().sites().await?;
    Ok(sites.into_iter().map(SiteView::from).collect())
}

/// The machines waiting to be re-paired, oldest first. Offline.
#[tauri::command]
#[specta::specta]
pub async fn repair_queue_list(app: State<'_, App>) -> Result<Vec<RepairQueuedView>, Failure> {
    let queued = app.fleet().repair_queue().await?;
    Ok(queued.into_iter().map(RepairQueuedView::from).collect())
}

/// Queues the selected machines for re-pair. Offline.
#[tauri::command]
#[specta::specta]
pub async fn repair_queue_add(
    app: State<'_, App>,
    selection: SelectionInput,
) -> Result<RepairQueueChangeView, Failure> {
    Ok(app.fleet().queue_repair(&selection.into()).await?.into())
}

/// Takes the selected machines off the re-pair queue. Offline.
#[tauri::command]
#[specta::specta]
pub async fn repair_queue_remove(
    app: State<'_, App>,
    selection: SelectionInput,
) -> Result<RepairQueueChangeView, Failure> {
    Ok(app.fleet().unqueue_repair(&selection.into()).await?.into())
}
