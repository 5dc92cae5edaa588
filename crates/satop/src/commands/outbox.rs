//! `satop outbox list|run|retry`.

use fleet_core::audit::iso;
use fleet_core::outbox::Due;
use fleet_core::Fleet;

use crate::cli::OutboxCommand;
use crate::commands::{print_json, sync};
use crate::exit::Failure;
use crate::output::shown;

pub async fn run(fleet: &Fleet, cmd: OutboxCommand) -> Result<(), Failure> {
    match cmd {
        OutboxCommand::List { json } => {
            let rows = fleet.outbox().await?;
            if json {
                return print_json(&rows);
            }
            if rows.is_empty() {
                println!("the outbox is empty: nothing waits for the network");
            }
            for r in &rows {
                let why = r
                    .last_error
                    .as_deref()
                    .map(|e| format!(" — {}", shown(e)))
                    .unwrap_or_default();
                println!(
                    "#{:<5} {:<8} {} (attempts {}, next {}){why}",
                    r.id,
                    r.status,
                    shown(&r.summary),
                    r.attempts,
                    iso(r.next_attempt_at)
                );
            }
            Ok(())
        }
        OutboxCommand::Run { json } => {
            let run = fleet.run_outbox(Due::Now, |e| sync::event(json, e)).await?;
            if json {
                return print_json(&run);
            }
            if run.busy {
                println!("another satop process is running the outbox; try again shortly");
            } else {
                println!(
                    "outbox: {} done, {} failed{}",
                    run.done,
                    run.failed,
                    run.waiting
                        .map(|w| format!(", waiting: {w}"))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        OutboxCommand::Retry { id } => {
            fleet.retry_outbox_item(id).await?;
            println!(
                "outbox #{id} queued again; it runs at the next `satop sync` or `satop outbox run`"
            );
            Ok(())
        }
    }
}
