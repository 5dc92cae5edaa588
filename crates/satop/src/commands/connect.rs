//! `satop connect`.

use std::time::Duration;

use fleet_core::connect::{Capabilities, ConnectRequest, ProbeStep};
use fleet_core::Fleet;

use crate::cli::ConnectArgs;
use crate::exit::Failure;

pub async fn run(fleet: &Fleet, args: ConnectArgs) -> Result<(), Failure> {
    let req = ConnectRequest {
        connection: args.connection,
        key_name: args.key_name,
        atm_relays: args.atm_relays,
        timeout: Duration::from_secs(args.timeout.max(1)),
    };
    let caps = fleet.connect(&req, print_step).await?;
    print_capabilities(&caps);
    Ok(())
}

fn print_step(step: &ProbeStep) {
    match step {
        ProbeStep::Parsed {
            admin_pubkey,
            relays,
        } => {
            eprintln!("probing bunker {admin_pubkey} on {}", relays.join(", "));
        }
        ProbeStep::Pinged(reply) => eprintln!("  admin ping answered: {reply}"),
        ProbeStep::Line(words) => eprintln!("  bunker: {words}"),
        ProbeStep::Encryption(e) => eprintln!("  encryption: {e}"),
        ProbeStep::Keys(n) => eprintln!("  keys listed: {n}"),
        ProbeStep::Policies(n) => eprintln!("  policies listed: {n}"),
    }
}

fn print_capabilities(caps: &Capabilities) {
    println!("Bunker capabilities");
    println!("  admin pubkey:  {}", caps.admin_pubkey);
    println!("  admin relays:  {}", caps.admin_relays.join(", "));
    println!("  bunker line:   {}", caps.line_description);
    println!("  admin ping:    {}", caps.ping_reply);
    let enc = if caps.encryption == "nip44" {
        "NIP-04 and NIP-44"
    } else {
        "NIP-04 only (stock): this app will never send it NIP-44"
    };
    println!("  encryption:    {enc}");
    println!("  keys:");
    for k in &caps.keys {
        match &k.npub {
            Some(npub) => println!(
                "    {:<12} unlocked  {npub}  users {}  tokens {}",
                crate::output::shown(&k.name),
                k.user_count,
                k.token_count
            ),
            None => println!("    {:<12} locked", crate::output::shown(&k.name)),
        }
    }
    if caps.policies.is_empty() {
        println!("  policies:      none yet (pairing creates the ATM policy)");
    } else {
        println!("  policies:");
        for p in &caps.policies {
            println!(
                "    #{:<4} {:<20} {}",
                p.id,
                crate::output::shown(&p.name),
                crate::output::shown(&p.rules.join(", "))
            );
        }
    }
    println!("  ATM relays:    {}", caps.atm_relays.join(", "));
    println!(
        "Saved: operator key {:?} = {}",
        caps.operator_key, caps.operator_pubkey
    );
}
