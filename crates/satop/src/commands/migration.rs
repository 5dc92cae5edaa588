//! `satop migration check` and `satop machine import` (issue #6).

use fleet_core::migration::{CheckOptions, CheckStatus, Checklist};
use fleet_core::Fleet;

use crate::cli::MigrationCommand;
use crate::commands::print_json;
use crate::exit::Failure;
use crate::output::shown;

/// Exit code when the checklist ran but not every check passed.
pub const INCOMPLETE: u8 = 4;

pub async fn run(fleet: &Fleet, cmd: MigrationCommand) -> Result<(), Failure> {
    let MigrationCommand::Check {
        lnbits_db,
        json,
        no_test_signature,
        cached,
    } = cmd;
    let list = if cached {
        fleet
            .last_migration_check()
            .await?
            .ok_or_else(|| Failure::input("no cached checklist yet: run `satop migration check`"))?
    } else {
        fleet
            .migration_check(&CheckOptions {
                lnbits: lnbits_db,
                test_signature: !no_test_signature,
            })
            .await?
    };
    if json {
        print_json(&list)?;
    } else {
        print_text(&list);
    }
    outcome(&list)
}

fn print_text(list: &Checklist) {
    println!(
        "migration checklist, run at {}",
        fleet_core::audit::iso(list.run_at)
    );
    for c in &list.checks {
        println!("[{:<7}] {} ({})", c.status.as_str(), c.title, c.id.as_str());
        for e in &c.evidence {
            println!("           - {e}");
        }
        if c.status != CheckStatus::Pass {
            if let Some(fix) = &c.fix {
                println!("           fix: {fix}");
            }
        }
    }
}

fn outcome(list: &Checklist) -> Result<(), Failure> {
    if list.passed() {
        return Ok(());
    }
    let left: Vec<String> = list
        .not_passed()
        .iter()
        .map(|c| format!("{} ({})", c.id.as_str(), c.status.as_str()))
        .collect();
    Err(Failure::new(
        INCOMPLETE,
        format!("migration not complete: {}", left.join(", ")),
    ))
}

/// `satop machine import --lnbits-db …`.
pub async fn import(fleet: &Fleet, lnbits_db: &str, json: bool) -> Result<(), Failure> {
    let source =
        fleet_core::migration::LnbitsSource::open(lnbits_db).map_err(fleet_core::Error::from)?;
    let report = fleet.import_legacy(&source).await?;
    if json {
        return print_json(&report);
    }
    println!("read {} (read-only)", report.source);
    for name in &report.imported_names {
        println!("imported {name:?} as legacy: re-pair required (`satop pair {name:?} --wait`)");
    }
    for s in &report.skipped {
        println!(
            "skipped LNbits machine {} ({:?}): {}",
            s.lnbits_id,
            s.name,
            shown(&s.reason)
        );
    }
    println!(
        "{} imported, {} skipped",
        report.imported_names.len(),
        report.skipped.len()
    );
    Ok(())
}
