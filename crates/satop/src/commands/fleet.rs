//! `satop fleet restore`: rebuild the cache from the bunker and the relays.

use fleet_core::Fleet;

use crate::cli::FleetCommand;
use crate::commands::print_json;
use crate::exit::Failure;
use crate::output::shown;

pub async fn run(fleet: &Fleet, cmd: FleetCommand) -> Result<(), Failure> {
    match cmd {
        FleetCommand::Restore { json } => {
            let report = fleet.restore().await?;
            if json {
                return print_json(&report);
            }
            for line in report.lines() {
                println!("{}", shown(&line));
            }
            Ok(())
        }
    }
}
