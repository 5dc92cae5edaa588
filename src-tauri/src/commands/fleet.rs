//! The fleet: list (states as [`fleet_core::Fleet::fleet_view`] shows them) and add machines, offline.

use std::collections::HashSet;

use fleet_core::unix_now;

use fleet_core::machines::MachineSummary;
use fleet_core::term;
use tauri::State;

use crate::dto::{FleetView, MachineView, StateOption};
use crate::{App, Failure};

/// Every machine, read from the local cache.
#[tauri::command]
#[specta::specta]
pub async fn fleet_list(app: State<'_, App>) -> Result<FleetView, Failure> {
    let fleet = app.fleet();
    let machines = fleet.machines().await?;
    let as_of = fleet.reconciled_at().await?;
    let now = unix_now();
    let (liveness, liveness_as_of) = fleet.liveness(now).await?;
    let queued: HashSet<i64> = fleet
        .repair_queue()
        .await?
        .into_iter()
        .map(|q| q.machine_id)
        .collect();
    Ok(FleetView {
        machines: machines
            .iter()
            .map(|m| {
                MachineView::new(m.into(), &term::MachineView::at(m, now), m.updated_at)
                    .seen(liveness.get(&m.id), queued.contains(&m.id))
            })
            .collect(),
        states: StateOption::all(),
        as_of,
        liveness_as_of,
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
    let view = term::MachineView::at(&m, unix_now());
    Ok(MachineView::new(
        MachineSummary::from(&m),
        &view,
        m.updated_at,
    ))
}
