//! `satop machine add|list`.

use fleet_core::machines::MachineSummary;
use fleet_core::term::MachineView;
use fleet_core::Fleet;

use crate::cli::MachineCommand;
use crate::commands::print_json;
use crate::exit::Failure;
use crate::output::shown;

pub async fn run(fleet: &Fleet, cmd: MachineCommand) -> Result<(), Failure> {
    match cmd {
        MachineCommand::Add { name, site } => {
            let m = fleet.add_machine(&name, site.as_deref()).await?;
            println!(
                "added machine #{} {:?} (unpaired): pair it with `satop pair {:?} --wait`",
                m.id, m.name, m.name
            );
            Ok(())
        }
        MachineCommand::Import { lnbits_db, json } => {
            super::migration::import(fleet, &lnbits_db, json).await
        }
        MachineCommand::List { json } => {
            // The clock-applied state (expiring, expired) in the one vocabulary used everywhere.
            let machines = fleet.machines().await?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            let views: Vec<MachineView> =
                machines.iter().map(|m| MachineView::at(m, now)).collect();
            let list: Vec<MachineSummary> = machines
                .iter()
                .zip(&views)
                .map(|(m, v)| MachineSummary {
                    state: v.label.to_string(),
                    ..MachineSummary::from(m)
                })
                .collect();
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                println!("no machines yet: add one with `satop machine add NAME`");
            }
            for (m, v) in list.iter().zip(&views) {
                let fp = m.fingerprint.as_deref().unwrap_or("-");
                let term = match v.days_left {
                    Some(d) if d >= 0 => format!("{d} days left"),
                    Some(d) => format!("ended {} days ago", -d),
                    None => "-".to_string(),
                };
                println!(
                    "#{:<4} {:<24} {:<15} client {fp}  term {term}  {}",
                    m.id,
                    shown(&m.name),
                    m.state,
                    shown(m.site.as_deref().unwrap_or(""))
                );
            }
            Ok(())
        }
    }
}
