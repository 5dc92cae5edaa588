//! `satop machine add|list|silent-after|sites|repair-queue`.

use fleet_core::liveness::MachineLiveness;
use fleet_core::machines::MachineSummary;
use fleet_core::term::MachineView;
use fleet_core::Fleet;

use crate::cli::MachineCommand;
use crate::commands::print_json;
use crate::exit::Failure;
use crate::output::{shown, span};

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
        MachineCommand::Sites { json } => {
            let sites = fleet.sites().await?;
            if json {
                return print_json(&sites);
            }
            if sites.is_empty() {
                println!("no machine has a site yet: `satop machine add NAME --site SITE`");
            }
            for s in &sites {
                println!(
                    "{:<30} {} machine(s), {} paired",
                    shown(&s.site),
                    s.machines,
                    s.paired
                );
            }
            Ok(())
        }
        MachineCommand::RepairQueue(cmd) => super::bulk::repair_queue(fleet, cmd).await,
        MachineCommand::Import { lnbits_db, json } => {
            super::migration::import(fleet, &lnbits_db, json).await
        }
        MachineCommand::SilentAfter { duration } => {
            let after = match duration {
                Some(text) => fleet.set_silent_after(&text).await?,
                None => fleet.silent_after().await?,
            };
            println!(
                "a paired machine not seen for {} is shown as silent",
                span(i64::try_from(after.as_secs()).unwrap_or(i64::MAX))
            );
            Ok(())
        }
        MachineCommand::List { json } => {
            // The clock-applied state (expiring, expired) in the one vocabulary used everywhere.
            let machines = fleet.machines().await?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            let views: Vec<MachineView> =
                machines.iter().map(|m| MachineView::at(m, now)).collect();
            let offline = fleet.pairing_offline().await?;
            let list: Vec<MachineSummary> = machines
                .iter()
                .zip(&views)
                .map(|(m, v)| MachineSummary {
                    state: if offline.contains(&m.id) {
                        fleet_core::codes::PAIRING_OFFLINE_LABEL.to_string()
                    } else {
                        v.label.to_string()
                    },
                    ..MachineSummary::from(m)
                })
                .collect();
            let (liveness, checked_at) = fleet.liveness(now).await?;
            let unseen = MachineLiveness {
                last_seen_at: None,
                seen_by: None,
                software: None,
                heartbeat_status: None,
                silent: false,
            };
            if json {
                let rows: Vec<ListRow<'_>> = list
                    .iter()
                    .map(|m| ListRow {
                        machine: m,
                        liveness: liveness.get(&m.id).unwrap_or(&unseen),
                        liveness_checked_at: checked_at,
                    })
                    .collect();
                return print_json(&rows);
            }
            if list.is_empty() {
                println!("no machines yet: add one with `satop machine add NAME`");
            }
            for (m, v) in list.iter().zip(&views) {
                let live = liveness.get(&m.id).unwrap_or(&unseen);
                let seen = match live.last_seen_at {
                    Some(t) => format!("{} ago", span(now.saturating_sub(t).max(0))),
                    None => "never".to_string(),
                };
                let silent = if live.silent { "  SILENT" } else { "" };
                let fp = m.fingerprint.as_deref().unwrap_or("-");
                let term = match v.days_left {
                    Some(d) if d >= 0 => format!("{d} days left"),
                    Some(d) => format!("ended {} days ago", -d),
                    None => "-".to_string(),
                };
                println!(
                    "#{:<4} {:<24} {:<15} client {fp}  term {term}  seen {seen}{silent}  {}",
                    m.id,
                    shown(&m.name),
                    m.state,
                    shown(m.site.as_deref().unwrap_or(""))
                );
            }
            if !list.is_empty() {
                match checked_at {
                    Some(t) => println!(
                        "(last seen as of {} ago: `satop sync` reads the ATM relays again)",
                        span(now.saturating_sub(t).max(0))
                    ),
                    None => println!("(liveness never checked: run `satop sync`)"),
                }
            }
            Ok(())
        }
    }
}

/// A `machine list --json` row: the summary with its liveness fields alongside.
#[derive(serde::Serialize)]
struct ListRow<'a> {
    #[serde(flatten)]
    machine: &'a MachineSummary,
    #[serde(flatten)]
    liveness: &'a MachineLiveness,
    /// When the relays were last read: the "as of" of `last_seen_at`.
    liveness_checked_at: Option<i64>,
}
