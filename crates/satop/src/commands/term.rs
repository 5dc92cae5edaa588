//! `satop term [--auto-revoke on|off]`: machines whose access term is ending.

use fleet_core::Fleet;

use crate::cli::TermArgs;
use crate::commands::print_json;
use crate::exit::Failure;
use crate::output::shown;

pub async fn run(fleet: &Fleet, args: TermArgs) -> Result<(), Failure> {
    match args.auto_revoke.as_deref() {
        Some("on") => fleet.set_auto_revoke_at_term_end(true).await?,
        Some("off") => fleet.set_auto_revoke_at_term_end(false).await?,
        Some(other) => {
            return Err(Failure::input(format!(
                "--auto-revoke takes on or off, not {other:?}"
            )))
        }
        None => {}
    }
    let list = fleet.expiring().await?;
    if args.json {
        return print_json(&list);
    }
    let auto = fleet.auto_revoke_at_term_end().await?;
    println!(
        "automatic revoke at the end of the term: {}",
        if auto { "on" } else { "off" }
    );
    if list.is_empty() {
        println!("no machine's access term ends within 7 days");
    }
    for m in &list {
        let days = m
            .days_left
            .map_or_else(|| "-".to_string(), |d| d.to_string());
        println!(
            "#{:<4} {:<24} {:<10} {days} days left — renew with `satop repair {:?}`",
            m.id,
            shown(&m.name),
            m.label,
            m.name
        );
    }
    Ok(())
}
