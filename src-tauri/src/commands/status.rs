//! What is stored, offline.

use tauri::State;

use crate::dto::StatusView;
use crate::{App, Failure};

/// The stored state: console, secret store, bunker profile, sandbox.
#[tauri::command]
#[specta::specta]
pub async fn status(app: State<'_, App>) -> Result<StatusView, Failure> {
    let mut view = StatusView::from(app.fleet().status().await?);
    view.sandbox = app.sandbox_info().await;
    view.notices = app.notices().await;
    view.demo = std::env::var("SATOP_DEMO").is_ok_and(|v| v == "1");
    Ok(view)
}
