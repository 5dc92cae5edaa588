//! `satop sync`: reconcile with the bunker, enforce access terms, run the outbox.

use std::io::{BufRead, IsTerminal, Write};

use fleet_core::outbox::{Due, OutboxEvent};
use fleet_core::Fleet;

use crate::commands::print_json;
use crate::exit::Failure;

pub async fn run(fleet: &Fleet, json: bool) -> Result<(), Failure> {
    let out = fleet.sync(|e| event(json, e)).await?;
    if json {
        return print_json(&out);
    }
    println!(
        "outbox: {} done, {} failed{}",
        out.outbox.done,
        out.outbox.failed,
        out.outbox
            .waiting
            .as_deref()
            .map(|w| format!(", waiting: {w}"))
            .unwrap_or_default()
    );
    match (&out.reconcile, &out.reconcile_error) {
        (Some(r), _) => println!(
            "reconciled {} machines with {} bunker clients",
            r.machines, r.clients
        ),
        (None, Some(e)) => println!("reconcile skipped: {e}"),
        (None, None) => {}
    }
    for line in out.changes() {
        println!("  {line}");
    }
    for c in out.reconcile.iter().flat_map(|r| &r.unknown_clients) {
        println!(
            "  UNKNOWN client KeyUser #{} {} ({}) can use the operator key",
            c.id,
            c.fingerprint,
            c.description.as_deref().unwrap_or("no description")
        );
    }
    let waiting: Vec<String> = out
        .reconcile
        .iter()
        .flat_map(|r| &r.revived)
        .filter(|c| !c.re_revoke_queued)
        .map(|c| c.machine.clone())
        .collect();
    if !waiting.is_empty() && std::io::stdin().is_terminal() {
        confirm_re_revokes(fleet, &waiting).await?;
    }
    Ok(())
}

/// Asks, machine by machine, whether to revoke again a client the bunker revived; a yes queues
/// the revoke (`Fleet::re_revoke`) and sends it at once.
async fn confirm_re_revokes(fleet: &Fleet, machines: &[String]) -> Result<(), Failure> {
    let mut queued = 0;
    for name in machines {
        eprint!("Revoke {name:?} again on the bunker? Type its name to confirm, Enter to skip: ");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if line.trim().eq_ignore_ascii_case(name) {
            let row = fleet.re_revoke(name).await?;
            println!("  {name}: revoke queued again (outbox #{row})");
            queued += 1;
        } else {
            println!("  {name}: skipped; it stays active on the bunker");
        }
    }
    if queued > 0 {
        let run = fleet.run_outbox(Due::Now, |e| event(false, e)).await?;
        println!("outbox: {} done, {} failed", run.done, run.failed);
    }
    Ok(())
}

pub fn event(json: bool, e: &OutboxEvent) {
    if json {
        return;
    }
    match e {
        OutboxEvent::Done { id, detail } => eprintln!("outbox #{id} done: {detail}"),
        OutboxEvent::Deferred { id, reason, .. } => eprintln!("outbox #{id} waits: {reason}"),
        OutboxEvent::Failed { id, reason } => eprintln!("outbox #{id} failed: {reason}"),
        _ => {}
    }
}
