//! `satop sync`: reconcile with the bunker, enforce access terms, run the outbox.

use fleet_core::outbox::OutboxEvent;
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
