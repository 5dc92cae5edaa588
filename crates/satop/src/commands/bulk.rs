//! `satop revoke NAME1 NAME2 … --confirm N` and `satop revoke --site SITE --confirm SITE`: the
//! emergency stop for a site; and `satop machine repair-queue add|remove|list`.

use std::io::{BufRead, Write};

use fleet_core::bulk::{BulkStep, Selection};
use fleet_core::Fleet;

use crate::cli::RepairQueueCommand;
use crate::commands::print_json;
use crate::exit::{Failure, BUNKER};
use crate::output::{ago, shown};

/// A selection from the command line: a site, or names.
pub fn selection(names: Vec<String>, site: Option<String>) -> Selection {
    match site {
        Some(site) => Selection::Site { site },
        None => Selection::Names { names },
    }
}

/// Revokes a selection after the typed confirmation (from `--confirm`, else asked on stdin);
/// the core checks it.
pub async fn revoke(
    fleet: &Fleet,
    selection: Selection,
    confirm: Option<String>,
    json: bool,
) -> Result<(), Failure> {
    let confirmation = match confirm {
        Some(text) => text,
        None => ask(fleet, &selection).await?,
    };
    let report = fleet
        .revoke_many(&selection, &confirmation, |p| {
            if json || !p.step.is_final() {
                return;
            }
            let name = shown(&p.machine);
            let line = match &p.step {
                BulkStep::Revoked { detail } => format!("revoked: {}", shown(detail)),
                BulkStep::Pending { reason } => format!(
                    "revoke pending ({}); it runs at the next `satop sync`",
                    shown(reason.as_deref().unwrap_or("waiting"))
                ),
                BulkStep::Failed { reason } => format!("FAILED: {}", shown(reason)),
                BulkStep::Skipped { reason } => format!("skipped: {}", shown(reason)),
                BulkStep::Queued { .. } | BulkStep::Running => return,
            };
            eprintln!("[{}/{}] {name:?} {line}", p.finished, p.total);
        })
        .await?;
    if json {
        print_json(&report)?;
    } else {
        println!(
            "{} revoked, {} waiting for the bunker, {} refused, {} skipped (of {} selected)",
            report.revoked,
            report.pending,
            report.failed,
            report.skipped.len(),
            report.selected
        );
    }
    if report.failed > 0 {
        return Err(Failure::new(
            BUNKER,
            format!(
                "the bunker refused {} revoke(s): see `satop outbox list`",
                report.failed
            ),
        ));
    }
    Ok(())
}

/// Asks for the confirmation the core expects, saying what it is.
async fn ask(fleet: &Fleet, selection: &Selection) -> Result<String, Failure> {
    let preview = fleet.revoke_many_preview(selection).await?;
    let expected = &preview.confirmation;
    eprint!(
        "Revoking {} machine(s) ({} with bunker access) is permanent on the bunker. Type {} to confirm: ",
        preview.machines.len(),
        preview.revocable,
        preview.what_to_type
    );
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let read = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|_| Failure::input(format!("no confirmation: pass --confirm {expected:?}")))?;
    if read == 0 {
        return Err(Failure::input(format!(
            "no confirmation: pass --confirm {expected:?}"
        )));
    }
    Ok(line)
}

pub async fn repair_queue(fleet: &Fleet, cmd: RepairQueueCommand) -> Result<(), Failure> {
    let change = match cmd {
        RepairQueueCommand::List { json } => {
            let queued = fleet.repair_queue().await?;
            if json {
                return print_json(&queued);
            }
            if queued.is_empty() {
                println!("no machine is queued for re-pair");
            }
            let now = fleet_core::unix_now();
            for q in &queued {
                println!(
                    "{:<24} {:<15} {:<20} queued {} → {}",
                    shown(&q.machine),
                    q.state,
                    shown(q.site.as_deref().unwrap_or("")),
                    ago(q.queued_at, now),
                    q.action_label
                );
            }
            return Ok(());
        }
        RepairQueueCommand::Add { machines, site } => {
            let change = fleet.queue_repair(&selection(machines, site)).await?;
            ("queued for re-pair", "already queued", change)
        }
        RepairQueueCommand::Remove { machines, site } => {
            let change = fleet.unqueue_repair(&selection(machines, site)).await?;
            ("taken off the re-pair queue", "was not queued", change)
        }
    };
    let (done, unchanged, change) = change;
    for name in &change.changed {
        println!("{:?}: {done}", shown(name));
    }
    for name in &change.unchanged {
        println!("{:?}: {unchanged}", shown(name));
    }
    Ok(())
}
