//! The home screen: the dashboard, read offline from the cache.

use fleet_core::unix_now;
use tauri::State;

use crate::dto::{DashboardView, WatchView};
use crate::{App, Failure};

/// Counts by state, what needs attention, bunker, relays and outbox, "as of" the last sync.
#[tauri::command]
#[specta::specta]
pub async fn dashboard(app: State<'_, App>) -> Result<DashboardView, Failure> {
    Ok(app.fleet().dashboard(unix_now()).await?.into())
}

/// What the live watch of the ATMs' traffic is doing (relays connected, machines watched).
#[tauri::command]
#[specta::specta]
pub async fn watch_status(app: State<'_, App>) -> Result<WatchView, Failure> {
    Ok(app.watch_status().await.into())
}
