//! `satop init` and `satop whoami`.

use fleet_core::Fleet;

use crate::exit::Failure;

pub async fn init(fleet: &Fleet) -> Result<(), Failure> {
    let (console, created) = fleet.init_console().await?;
    if created {
        println!("Created the console key in {}.", fleet.secrets().describe());
    } else {
        println!(
            "The console key already exists in {}; kept it.",
            fleet.secrets().describe()
        );
    }
    println!("{}", console.npub());
    print_admin_hint(&console.npub());
    Ok(())
}

pub async fn whoami(fleet: &Fleet) -> Result<(), Failure> {
    let console = fleet.console().await?;
    println!("{}", console.npub());
    print_admin_hint(&console.npub());
    Ok(())
}

fn print_admin_hint(npub: &str) {
    eprintln!("To let this console administer your bunker, add it to nsecbunker.json and restart the bunker:");
    eprintln!("  \"admin\": {{ \"npubs\": [\"{npub}\"] }}");
}
