//! `satop audit [--json] [--export FILE]`.

use fleet_core::Fleet;

use crate::cli::AuditArgs;
use crate::commands::print_json;
use crate::exit::Failure;
use crate::output::shown;

pub async fn run(fleet: &Fleet, args: AuditArgs) -> Result<(), Failure> {
    if let Some(path) = &args.export {
        let written = if path.as_os_str() == "-" {
            // Through a buffer, so that a reader that goes away (`| head`) is an io error
            // satop ends quietly on, not an export failure.
            let mut buf = Vec::new();
            let written = fleet.export_audit(&mut buf).await?;
            std::io::Write::write_all(&mut std::io::stdout().lock(), &buf)?;
            written
        } else {
            let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
            fleet.export_audit(&mut file).await?
        };
        eprintln!("exported {written} audit entries");
        return Ok(());
    }
    let entries = fleet.audit(args.limit).await?;
    if args.json {
        return print_json(&entries);
    }
    // Entries another console made (learnt from the roster) name it; this console's do not.
    let here = fleet.console().await.ok().map(|c| c.npub());
    for e in &entries {
        let machine = e
            .machine
            .as_deref()
            .map_or_else(|| "-".to_string(), |m| format!("{m:?}"));
        let by = match &e.console {
            Some(c) if Some(c) != here.as_ref() => format!(" (by console {c})"),
            _ => String::new(),
        };
        println!(
            "{} {:<16} {:<10} {machine} {}{by}",
            e.time,
            e.action,
            e.outcome,
            shown(e.detail.as_deref().unwrap_or(""))
        );
    }
    Ok(())
}
