//! `satop fee show|set`.

use fleet_core::operator_events::FeePolicy;
use fleet_core::Fleet;

use crate::cli::FeeCommand;
use crate::commands::{print_json, sync};
use crate::exit::Failure;

pub async fn run(fleet: &Fleet, cmd: FeeCommand) -> Result<(), Failure> {
    match cmd {
        FeeCommand::Show { json } => {
            let view = fleet.fee().await?;
            if json {
                return print_json(&view);
            }
            match &view.published {
                Some(p) => println!(
                    "super fee {} ({} bps), fixed {} sats — event {} published {}",
                    percent(p.policy.super_fee_bps),
                    p.policy.super_fee_bps,
                    p.policy.fixed_fee_sats,
                    p.event_id,
                    fleet_core::audit::iso(p.published_at)
                ),
                None => println!("no fee policy published yet"),
            }
            for q in &view.queued {
                let what = q
                    .policy
                    .map_or_else(|| "?".to_string(), |p| percent(p.super_fee_bps));
                println!(
                    "queued (outbox #{}, {}): super fee {what}{}",
                    q.outbox_id,
                    q.status,
                    q.last_error
                        .as_deref()
                        .map(|e| format!(" — {}", crate::output::shown(e)))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        FeeCommand::Set {
            percent: text,
            fixed_sats,
            json,
        } => {
            let policy = FeePolicy {
                super_fee_bps: FeePolicy::parse_percent(&text)?,
                fixed_fee_sats: FeePolicy::parse_fixed_sats(&fixed_sats)?,
            };
            let change = fleet.set_fee(policy, |e| sync::event(json, e)).await?;
            super::publish::report(&change, json, "fee policy")
        }
    }
}

fn percent(bps: u32) -> String {
    format!("{}.{:02} %", bps / 100, bps % 100)
}
