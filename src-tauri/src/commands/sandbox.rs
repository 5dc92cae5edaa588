//! "Try the sandbox": the embedded SANDBOX bunker (test keys only).

use tauri::State;

use crate::dto::{SandboxFlavour, SandboxInfo};
use crate::{App, Failure};

/// Starts the sandbox bunker in `flavour` (nsecbunkerd 0.10 or 0.11) with this console as
/// admin; returns what to connect to.
#[tauri::command]
#[specta::specta]
pub async fn sandbox_start(
    app: State<'_, App>,
    flavour: SandboxFlavour,
) -> Result<SandboxInfo, Failure> {
    Ok(app.start_sandbox(flavour.into()).await?)
}
