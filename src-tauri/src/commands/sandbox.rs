//! "Try the sandbox": the embedded SANDBOX bunker (test keys only).

use tauri::State;

use crate::dto::SandboxInfo;
use crate::{App, Failure};

/// Starts the sandbox bunker with this console as admin; returns what to connect to.
#[tauri::command]
#[specta::specta]
pub async fn sandbox_start(app: State<'_, App>) -> Result<SandboxInfo, Failure> {
    Ok(app.start_sandbox().await?)
}
