//! `satop sync`: reconcile with the bunker, enforce access terms, run the outbox.
//!
//! A bunker that cannot be reached is exit 3 (README: bunker problems exit 3), found out with
//! one bounded ping before anything else waits on it; the access-term sweep, which is local,
//! still runs.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use fleet_core::outbox::{Due, OutboxEvent, OutboxRun};
use fleet_core::sync::SyncReport;
use fleet_core::Fleet;

use crate::commands::print_json;
use crate::exit::{code_for, Failure, BUNKER};
use crate::output::shown;

/// How long the reachability ping may take once the relays are connected: an administrator's
/// ping is answered at once, so a bunker silent this long is down.
const PING_BOUND: Duration = Duration::from_secs(5);

pub async fn run(fleet: &Fleet, json: bool) -> Result<(), Failure> {
    if fleet.profile().await?.is_some() {
        if let Err(reason) = reachable(fleet).await? {
            let terms = fleet.enforce_terms(fleet_core::unix_now()).await?;
            // The ATM relays may answer while the bunker does not: read the machines' liveness.
            let (liveness, liveness_error) = match fleet.check_liveness().await {
                Ok(l) => (Some(l), None),
                Err(e) if e.kind() == fleet_core::ErrorKind::Storage => return Err(e.into()),
                Err(e) => (None, Some(e.to_string())),
            };
            let out = SyncReport {
                reconcile: None,
                reconcile_error: Some(reason.clone()),
                terms,
                outbox: OutboxRun {
                    waiting: Some(reason.clone()),
                    ..OutboxRun::default()
                },
                codes: None,
                liveness,
                liveness_error,
                roster: None,
                roster_error: None,
            };
            if json {
                print_json(&out)?;
            } else {
                for line in out.changes() {
                    println!("  {}", shown(&line));
                }
            }
            return Err(Failure::new(
                BUNKER,
                format!("the bunker cannot be reached: {reason}; nothing was sent, queued work stays in the outbox (`satop outbox list`): check the bunker and its relays, then run `satop sync` again"),
            ));
        }
    }
    let out = fleet.sync(|e| event(json, e)).await?;
    if json {
        print_json(&out)?;
    } else {
        print_text(&out);
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
    }
    match &out.reconcile_error {
        Some(e) if out.reconcile.is_none() => Err(Failure::new(
            BUNKER,
            format!("the reconcile with the bunker did not run: {e}"),
        )),
        _ => Ok(()),
    }
}

/// One admin session and one ping, bounded: the connect timeout, then [`PING_BOUND`].
///
/// `Ok(Err(reason))`: the bunker cannot be reached (exit 3 after the local sweep). `Err`: a
/// problem that is not the bunker's (no console key, a damaged profile), reported as such.
async fn reachable(fleet: &Fleet) -> Result<Result<(), String>, Failure> {
    let bound = fleet.client_options().connect_timeout + PING_BOUND;
    let attempt = async {
        let (admin, profile) = match fleet.admin_session().await {
            Ok(session) => session,
            Err(e) if code_for(e.kind()) == BUNKER => return Ok(Err(e.to_string())),
            Err(e) => return Err(Failure::from(e)),
        };
        let ping = tokio::time::timeout(PING_BOUND, admin.ping()).await;
        admin.shutdown().await;
        Ok(match ping {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(match fleet_core::connect::silence_hint(&profile) {
                Some(hint) => format!(
                    "bunker unreachable: no answer to an admin ping within {} s; {hint}",
                    PING_BOUND.as_secs()
                ),
                None => format!(
                    "no answer to an admin ping within {} s",
                    PING_BOUND.as_secs()
                ),
            }),
        })
    };
    tokio::time::timeout(bound, attempt)
        .await
        .unwrap_or_else(|_| Ok(Err(format!("no connection within {} s", bound.as_secs()))))
}

fn print_text(out: &SyncReport) {
    println!(
        "outbox: {} done, {} failed{}",
        out.outbox.done,
        out.outbox.failed,
        out.outbox
            .waiting
            .as_deref()
            .map(|w| format!(", waiting: {}", shown(w)))
            .unwrap_or_default()
    );
    match (&out.reconcile, &out.reconcile_error) {
        (Some(r), _) => println!(
            "reconciled {} machines with {} bunker clients",
            r.machines, r.clients
        ),
        (None, Some(e)) => println!("reconcile skipped: {}", shown(e)),
        (None, None) => {}
    }
    if let Some(e) = &out.liveness_error {
        println!("liveness not checked: {}", shown(e));
    }
    for line in out.changes() {
        println!("  {}", shown(&line));
    }
    for c in out.reconcile.iter().flat_map(|r| &r.unknown_clients) {
        println!(
            "  UNKNOWN client KeyUser #{} {} ({}) can use the operator key",
            c.id,
            c.fingerprint,
            shown(c.description.as_deref().unwrap_or("no description"))
        );
    }
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
        OutboxEvent::Done { id, detail } => eprintln!("outbox #{id} done: {}", shown(detail)),
        OutboxEvent::Deferred { id, reason, .. } => {
            eprintln!("outbox #{id} waits: {}", shown(reason))
        }
        OutboxEvent::Failed { id, reason } => eprintln!("outbox #{id} failed: {}", shown(reason)),
        _ => {}
    }
}
