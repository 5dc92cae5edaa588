//! `satop machine add|list`.

use fleet_core::machines::MachineSummary;
use fleet_core::Fleet;

use crate::cli::MachineCommand;
use crate::commands::print_json;
use crate::exit::Failure;

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
        MachineCommand::Import { lnbits_db, json } => super::migration::import(fleet, &lnbits_db, json).await,
        MachineCommand::List { json } => {
            let list: Vec<MachineSummary> = fleet
                .machines()
                .await?
                .iter()
                .map(MachineSummary::from)
                .collect();
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                println!("no machines yet: add one with `satop machine add NAME`");
            }
            for m in &list {
                let fp = m.fingerprint.as_deref().unwrap_or("-");
                let until = m
                    .access_expires_at
                    .map_or_else(|| "-".to_string(), |t| t.to_string());
                println!(
                    "#{:<4} {:<24} {:<14} client {fp}  access until {until}  {}",
                    m.id,
                    m.name,
                    m.state,
                    m.site.as_deref().unwrap_or("")
                );
            }
            Ok(())
        }
    }
}
