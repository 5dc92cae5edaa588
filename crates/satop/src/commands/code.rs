//! `satop code prepare|list|show|note|burn`: pairing codes prepared in advance (issue 12).
//! Every rule is in `fleet_core::codes`; this prints.

use fleet_core::codes::{BurnSelection, CodeView, PrepareRequest};
use fleet_core::pairing::parse_duration;
use fleet_core::qr::QrOptions;
use fleet_core::Fleet;

use crate::cli::CodeCommand;
use crate::commands::print_json;
use crate::exit::{Failure, OTHER};
use crate::output::shown;

pub async fn run(fleet: &Fleet, cmd: CodeCommand) -> Result<(), Failure> {
    match cmd {
        CodeCommand::Prepare { count, valid, site } => {
            let mut req = PrepareRequest::new(count);
            if let Some(v) = valid {
                req.valid = parse_duration(&v)?;
            }
            req.site = site;
            req.check()?;
            let made = fleet.prepare_codes(&req).await?;
            println!(
                "{} pairing code(s) prepared; their secrets are in the secret store ({})",
                made.len(),
                fleet.secrets().describe()
            );
            for c in &made {
                print_line(c);
            }
            Ok(())
        }
        CodeCommand::List { json } => {
            let all = fleet.codes().await?;
            if json {
                return print_json(&all);
            }
            if all.is_empty() {
                println!("no prepared codes (prepare some with `satop code prepare --count N`)");
            }
            for c in &all {
                print_line(c);
            }
            Ok(())
        }
        CodeCommand::Show {
            machine,
            qr_png,
            qr_terminal,
            show_secret,
        } => {
            let shown_code = fleet.show_code(&machine).await?;
            println!(
                "prepared code #{} given to {}: pairing (offline); it is recorded at the next `satop sync`",
                shown_code.code.id,
                shown(&shown_code.machine)
            );
            if let Some(path) = &qr_png {
                let qr = shown_code.qr(&QrOptions::default())?;
                crate::output::write_secret_file(path, qr.png()).map_err(|e| {
                    Failure::new(
                        OTHER,
                        format!("cannot write the QR to {}: {e}", path.display()),
                    )
                })?;
                println!(
                    "QR written to {} (it holds the pairing secret: delete it after use)",
                    path.display()
                );
            }
            if qr_terminal {
                println!("{}", shown_code.qr_terminal()?);
            }
            if show_secret {
                println!("{}", shown_code.pairing_url().expose());
            }
            Ok(())
        }
        CodeCommand::Note {
            machine,
            fingerprint,
        } => {
            fleet.note_code_fingerprint(&machine, &fingerprint).await?;
            println!("fingerprint noted; the next `satop sync` checks it");
            Ok(())
        }
        CodeCommand::Revoke { id } => {
            let user = fleet.revoke_flagged_code(id).await?;
            println!(
                "#{id}: the client that redeemed it (KeyUser #{user}) is revoked on the bunker"
            );
            Ok(())
        }
        CodeCommand::Burn { all, ids } => {
            let which = if all {
                BurnSelection::All
            } else {
                BurnSelection::Ids(ids)
            };
            let report = fleet.burn_codes(&which).await?;
            for id in &report.burned {
                println!("#{id} burned");
            }
            for id in &report.expired {
                println!("#{id} had already expired on the bunker");
            }
            for id in &report.already_redeemed {
                println!("#{id} had been redeemed first: run `satop sync` to see by whom");
            }
            if !report.pending.is_empty() {
                println!(
                    "{} code(s) not burned yet: {}; they are burned at the next `satop sync` and are not shown meanwhile",
                    report.pending.len(),
                    shown(report.offline_reason.as_deref().unwrap_or("the bunker cannot be reached"))
                );
            }
            Ok(())
        }
    }
}

fn print_line(c: &CodeView) {
    let machine = c
        .machine
        .as_deref()
        .map(|m| format!(" → {}", shown(m)))
        .unwrap_or_default();
    let site = c
        .site
        .as_deref()
        .map(|s| format!(" site {}", shown(s)))
        .unwrap_or_default();
    let pending = if c.burn_pending {
        " (burn pending)"
    } else {
        ""
    };
    println!(
        "#{:<4} {:<9} expires {}{site}{machine}{pending}{}",
        c.id,
        c.state,
        c.expires_at,
        c.detail
            .as_deref()
            .map(|d| format!(" — {}", shown(d)))
            .unwrap_or_default()
    );
}
