//! `satop revoke MACHINE [--yes]`: type the machine's name to confirm, then revoke (or queue).
//! Several machines or a site: [`super::bulk`].

use std::io::{BufRead, Write};

use fleet_core::revoke::{RevokeOutcome, RevokeStep};
use fleet_core::Fleet;

use crate::cli::RevokeArgs;
use crate::commands::print_json;
use crate::exit::{Failure, BUNKER};

pub async fn run(fleet: &Fleet, args: RevokeArgs) -> Result<(), Failure> {
    let one = match (args.site.is_some(), args.machines.as_slice()) {
        (false, [one]) => one.clone(),
        _ => {
            if args.yes {
                return Err(Failure::input(
                    "--yes is for one machine: a revoke of several is confirmed with --confirm \
                     (the site's name, or how many machines)",
                ));
            }
            let selection = super::bulk::selection(args.machines, args.site);
            return super::bulk::revoke(fleet, selection, args.confirm, args.json).await;
        }
    };
    let machine = fleet.machine(&one).await?;
    if let Some(typed) = &args.confirm {
        if typed.trim() != machine.name {
            return Err(Failure::input(format!(
                "not confirmed: type exactly {:?}; nothing was changed",
                machine.name
            )));
        }
    }
    if !args.yes && args.confirm.is_none() {
        confirm(&machine.name)?;
    }
    let quiet = args.json;
    let outcome = fleet
        .revoke(&machine.name, |step| {
            if let (false, RevokeStep::Queued { outbox_id }) = (quiet, step) {
                eprintln!(
                    "{:?} is now revoke pending (outbox #{outbox_id}); contacting the bunker…",
                    machine.name
                );
            }
        })
        .await?;
    if args.json {
        print_json(&outcome)?;
    }
    match outcome {
        RevokeOutcome::Revoked { machine, detail } => {
            if !quiet {
                println!("revoked {machine:?}: {detail}");
            }
            Ok(())
        }
        RevokeOutcome::Pending { machine, reason } => {
            if !quiet {
                println!(
                    "revoke pending for {machine:?}: {}; it runs at the next `satop sync`",
                    reason.as_deref().unwrap_or("waiting")
                );
            }
            Ok(())
        }
        RevokeOutcome::Failed { machine, reason } => Err(Failure::new(
            BUNKER,
            format!("revoking {machine:?} failed: {reason} (see `satop outbox list`)"),
        )),
    }
}

/// Asks to type the machine's name (DESIGN.md §3 "Revoke": confirm by typing the name).
fn confirm(name: &str) -> Result<(), Failure> {
    eprint!("Revoking is permanent on the bunker. Type the machine's name ({name}) to confirm: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let read = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|_| Failure::input("no confirmation: pass --yes"))?;
    if read == 0 || !line.trim().eq_ignore_ascii_case(name) {
        return Err(Failure::input(format!(
            "not confirmed: type exactly {name:?}, or pass --yes"
        )));
    }
    Ok(())
}
