//! The fleet: list and add machines, offline.

use fleet_core::machines::MachineSummary;
use tauri::State;

use crate::dto::{FleetView, MachineView};
use crate::{App, Failure};

/// Every machine, read from the local cache.
#[tauri::command]
#[specta::specta]
pub async fn fleet_list(app: State<'_, App>) -> Result<FleetView, Failure> {
    let machines = app.fleet().machines().await?;
    let as_of = app.fleet().profile().await?.and_then(|p| p.probed_at);
    Ok(FleetView {
        machines: machines
            .iter()
            .map(|m| MachineView::new(MachineSummary::from(m), m.updated_at))
            .collect(),
        as_of,
    })
}

/// Adds an unpaired machine.
#[tauri::command]
#[specta::specta]
pub async fn machine_add(
    app: State<'_, App>,
    name: String,
    site: Option<String>,
) -> Result<MachineView, Failure> {
    let m = app.fleet().add_machine(&name, site.as_deref()).await?;
    Ok(MachineView::new(MachineSummary::from(&m), m.updated_at))
}
