//! `satop status`.

use fleet_core::Fleet;

use crate::commands::print_json;
use crate::exit::Failure;

pub async fn run(fleet: &Fleet, json: bool) -> Result<(), Failure> {
    let status = fleet.status().await?;
    if json {
        return print_json(&status);
    }
    println!("console:      {}", status.console_npub.as_deref().unwrap_or("none yet (run `satop init`)"));
    println!("secret store: {}", status.secret_store);
    println!("database:     {}", status.database);
    match &status.bunker {
        None => println!("bunker:       none yet (run `satop connect …`)"),
        Some(b) => {
            println!("bunker:       {} on {}", b.admin_pubkey, b.admin_relays.join(", "));
            println!("operator key: {} ({})", b.key_name, b.key_pubkey.as_deref().unwrap_or("pubkey unknown"));
            println!("ATM relays:   {}", b.atm_relays.join(", "));
            println!("encryption:   {}", b.encryption);
            if let Some(at) = b.probed_at {
                println!("last probed:  {} (unix time)", at);
            }
        }
    }
    if status.machines.is_empty() {
        println!("machines:     none");
    } else {
        let parts: Vec<String> = status.machines.iter().map(|(s, n)| format!("{n} {s}")).collect();
        println!("machines:     {}", parts.join(", "));
    }
    Ok(())
}
