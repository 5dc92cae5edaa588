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
    for m in &out.terms.revokes_queued {
        println!("access term of {m:?} ended: revoke queued");
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
        (Some(r), _) => {
            println!(
                "reconciled {} machines with {} bunker clients",
                r.machines, r.clients
            );
            for m in &r.revoked_elsewhere {
                println!("  {m:?}: revoked on the bunker → revoked");
            }
            for m in &r.redemptions_seen {
                println!("  {m:?}: pairing code redeemed while the app was closed → recorded");
            }
            for m in &r.pairings_ended {
                println!("  {m:?}: pairing ended without a redemption");
            }
            for (m, id) in &r.stale_revokes_queued {
                println!("  {m:?}: stale client KeyUser #{id} queued for revoke");
            }
            for m in &r.missing_on_bunker {
                println!("  {m:?}: its client is missing on the bunker");
            }
            for (name, id) in &r.live_tokens {
                println!("  live unredeemed token #{id} ({name}) that no pairing waits for");
            }
            for c in &r.unknown_clients {
                println!(
                    "  UNKNOWN client KeyUser #{} {} ({}) can use the operator key",
                    c.id,
                    c.fingerprint,
                    c.description.as_deref().unwrap_or("no description")
                );
            }
        }
        (None, Some(e)) => println!("reconcile skipped: {e}"),
        (None, None) => {}
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
