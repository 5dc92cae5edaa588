//! Settings kept in the local cache.

use tauri::State;

use crate::{App, Failure};

/// Whether a machine is revoked automatically when its access term ends (default on).
#[tauri::command]
#[specta::specta]
pub async fn auto_revoke_get(app: State<'_, App>) -> Result<bool, Failure> {
    Ok(app.fleet().auto_revoke_at_term_end().await?)
}

/// Turns the automatic revoke at the end of the access term on or off.
#[tauri::command]
#[specta::specta]
pub async fn auto_revoke_set(app: State<'_, App>, on: bool) -> Result<(), Failure> {
    Ok(app.fleet().set_auto_revoke_at_term_end(on).await?)
}
