//! `satop repair MACHINE`: a fresh pairing code for a new ATM key; the old key is revoked once
//! the new one is redeemed.

use fleet_core::outbox::Delivery;
use fleet_core::pairing::{parse_duration, MachineChoice, PairRequest, PairStep};
use fleet_core::qr::QrOptions;
use fleet_core::Fleet;

use crate::cli::RepairArgs;
use crate::commands::print_json;
use crate::exit::Failure;

pub async fn run(fleet: &Fleet, args: RepairArgs) -> Result<(), Failure> {
    let mut req = PairRequest::new(MachineChoice::Existing(args.machine.clone()));
    if let Some(window) = &args.redeem_window {
        req.redeem_window = parse_duration(window)?;
    }
    let quiet = args.json;
    let pending = fleet
        .begin_repair(&args.machine, req, |s| progress(quiet, s))
        .await?;
    if let Err(e) = show(&pending, &args) {
        // The renewal code is burned (the old key keeps working); a failed burn is reported.
        return Err(match pending.cancel().await {
            Ok(()) => Failure::new(
                e.code,
                format!("{}; the renewal code was burned", e.message),
            ),
            Err(burn) => Failure::new(
                e.code.max(crate::exit::code_for(burn.kind())),
                format!(
                    "{}; and the renewal code could NOT be burned: {burn}",
                    e.message
                ),
            ),
        });
    }
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let repaired = pending.wait(ctrl_c, |s| progress(quiet, s)).await?;
    if args.json {
        return print_json(&repaired);
    }
    let p = &repaired.paired;
    println!(
        "re-paired {:?}: new ATM fingerprint {}, access until {} (unix)",
        p.machine, p.fingerprint, p.access_expires_at
    );
    match &repaired.old_key {
        Delivery::Done => println!("old client KeyUser #{} revoked", repaired.old_key_user_id),
        Delivery::Pending { reason } => println!(
            "old client KeyUser #{} revoke pending: {}",
            repaired.old_key_user_id,
            reason.as_deref().unwrap_or("waiting")
        ),
        Delivery::Failed { reason } => println!(
            "old client KeyUser #{} revoke FAILED: {reason}",
            repaired.old_key_user_id
        ),
    }
    Ok(())
}

/// Shows the renewal code: QR file (0600), terminal QR, URL.
fn show(pending: &fleet_core::term::PendingRepair, args: &RepairArgs) -> Result<(), Failure> {
    if let Some(path) = &args.qr_png {
        let qr = pending.pairing().qr(&QrOptions::default())?;
        crate::output::write_secret_file(path, qr.png()).map_err(|e| {
            Failure::new(
                crate::exit::OTHER,
                format!("cannot write the QR to {}: {e}", path.display()),
            )
        })?;
        eprintln!(
            "QR written to {} (it holds the pairing secret: delete it after use)",
            path.display()
        );
    }
    if args.qr_terminal {
        println!("{}", pending.pairing().qr_terminal()?);
    }
    if args.show_secret {
        println!("{}", pending.pairing().pairing_url().expose());
    }
    Ok(())
}

fn progress(quiet: bool, step: &PairStep) {
    if quiet {
        return;
    }
    match step {
        PairStep::TokenMinted {
            machine,
            redeem_expires_at,
            ..
        } => {
            eprintln!("renewal code minted for {machine:?}; redeemable until {redeem_expires_at} (unix); the old key keeps working until then");
        }
        PairStep::WaitingForAtm => eprintln!(
            "waiting for the ATM to scan the code with a NEW key (Ctrl-C cancels and burns it)…"
        ),
        PairStep::AtmConnected { fingerprint, .. } => {
            eprintln!("new ATM key connected: fingerprint {fingerprint}")
        }
        _ => {}
    }
}
