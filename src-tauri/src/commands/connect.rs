//! Connect: probe a bunker, step by step, and store its profile.

use std::time::Duration;

use fleet_core::connect::ConnectRequest;
use tauri::ipc::Channel;
use tauri::State;

use crate::dto::{CapabilitiesView, ConnectInput, ProbeEvent};
use crate::{App, Failure};

/// Probes the bunker; each step goes to `on_step` as it happens. Once it checks out, the
/// profile is stored and so is the timeout, used for every later bunker call.
#[tauri::command]
#[specta::specta]
pub async fn connect(
    app: State<'_, App>,
    input: ConnectInput,
    on_step: Channel<ProbeEvent>,
) -> Result<CapabilitiesView, Failure> {
    let req = ConnectRequest {
        connection: input.connection,
        key_name: input.key_name,
        atm_relays: input
            .atm_relays
            .into_iter()
            .filter(|r| !r.trim().is_empty())
            .collect(),
        timeout: Duration::from_secs(u64::from(input.timeout_secs.clamp(1, 120))),
    };
    let fleet = app.fleet();
    let caps = fleet
        .connect(&req, |step| {
            let _ = on_step.send(ProbeEvent::from(step));
        })
        .await?;
    app.set_timeout(req.timeout).await?;
    Ok(caps.into())
}
