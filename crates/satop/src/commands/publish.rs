//! `satop roster publish` and `satop config set`: operator documents as bunker-signed
//! kind-30078 events, and the report every such change prints (`satop fee set` too).

use fleet_core::operator_events::{parse_config_value, OperatorChange};
use fleet_core::outbox::Delivery;
use fleet_core::Fleet;

use crate::cli::{ConfigCommand, RosterCommand};
use crate::commands::{print_json, sync};
use crate::exit::{Failure, BUNKER};

pub async fn roster(fleet: &Fleet, cmd: RosterCommand) -> Result<(), Failure> {
    match cmd {
        RosterCommand::Publish { json } => {
            let change = fleet.publish_roster(|e| sync::event(json, e)).await?;
            report(&change, json, "fleet roster")
        }
    }
}

pub async fn config(fleet: &Fleet, cmd: ConfigCommand) -> Result<(), Failure> {
    match cmd {
        ConfigCommand::Set { name, value, json } => {
            let value = parse_config_value(&value)?;
            let change = fleet
                .set_app_config(&name, &value, |e| sync::event(json, e))
                .await?;
            report(&change, json, &format!("app config {name:?}"))
        }
    }
}

/// Prints the diff and where the publication stands; a publication that failed for good is
/// a non-zero exit.
pub fn report(change: &OperatorChange, json: bool, what: &str) -> Result<(), Failure> {
    if json {
        return print_json(change);
    }
    for c in &change.diff.changes {
        println!(
            "{}: {} → {}",
            c.field,
            c.before.as_deref().unwrap_or("(none)"),
            c.after.as_deref().unwrap_or("(none)")
        );
    }
    match &change.delivery {
        None => println!("no change: this is the published {what}"),
        Some(Delivery::Done) => println!("{what} signed by the bunker, verified and published"),
        Some(Delivery::Pending { reason }) => println!(
            "{what} queued, NOT yet published: {}; it runs at the next `satop sync`",
            reason.as_deref().unwrap_or("waiting")
        ),
        Some(Delivery::Failed { reason }) => {
            return Err(Failure::new(BUNKER, format!("{what} failed: {reason}")))
        }
    }
    Ok(())
}
