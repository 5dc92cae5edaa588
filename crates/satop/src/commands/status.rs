//! `satop status`.

use fleet_core::Fleet;

use crate::commands::print_json;
use crate::exit::Failure;

pub async fn run(fleet: &Fleet, json: bool) -> Result<(), Failure> {
    let status = fleet.status().await?;
    if json {
        return print_json(&status);
    }
    println!(
        "console:      {}",
        status
            .console_npub
            .as_deref()
            .unwrap_or("none yet (run `satop init`)")
    );
    println!("secret store: {}", status.secret_store);
    println!("database:     {}", status.database);
    match &status.bunker {
        None => println!("bunker:       none yet (run `satop connect …`)"),
        Some(b) => {
            println!(
                "bunker:       {} on {}",
                b.admin_pubkey,
                b.admin_relays.join(", ")
            );
            println!("bunker line:  {}", b.line);
            println!(
                "operator key: {} ({})",
                b.key_name,
                b.key_pubkey.as_deref().unwrap_or("pubkey unknown")
            );
            println!("ATM relays:   {}", b.atm_relays.join(", "));
            println!("encryption:   {}", b.encryption);
            if let Some(at) = b.probed_at {
                println!("last probed:  {}", ago(at));
            }
        }
    }
    if status.machines.is_empty() {
        println!("machines:     none");
    } else {
        let parts: Vec<String> = status
            .machines
            .iter()
            .map(|(s, n)| format!("{n} {s}"))
            .collect();
        println!("machines:     {}", parts.join(", "));
    }
    let codes = &status.prepared_codes;
    match codes.nearest_expiry {
        Some(at) if codes.live > 0 => println!(
            "codes:        {} prepared pairing code(s) live, the first expires {}",
            codes.live,
            until(at)
        ),
        _ => println!("codes:        no prepared pairing code live"),
    }
    Ok(())
}

/// "in 3 days" for a future unix time.
fn until(at: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let secs = (at - now).max(0);
    match secs {
        0..=3599 => format!("in {} min", secs / 60),
        3600..=86_399 => format!("in {} h", secs / 3600),
        _ => format!("in {} days", secs / 86_400),
    }
}

/// "3 min ago" for a unix time: how old what is shown is, at a glance.
fn ago(at: i64) -> String {
    crate::output::ago(at, fleet_core::unix_now())
}
