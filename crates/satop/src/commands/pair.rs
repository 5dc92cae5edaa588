//! `satop pair MACHINE`: mint the pairing code, show it, optionally wait for the ATM.

use fleet_core::pairing::{
    parse_duration, MachineChoice, PairRequest, PairStep, Paired, PendingPairing,
};
use fleet_core::qr::QrOptions;
use fleet_core::Fleet;
use serde::Serialize;

use crate::cli::PairArgs;
use crate::commands::print_json;
use crate::exit::Failure;

/// What `--json` prints. `pairing_url` only with `--show-secret`.
#[derive(Serialize)]
struct PairOutput {
    machine_id: i64,
    machine: String,
    redeem_expires_at: i64,
    qr_png: Option<String>,
    qr_version: u8,
    pairing_url: Option<String>,
    paired: Option<Paired>,
}

pub async fn run(fleet: &Fleet, args: PairArgs) -> Result<(), Failure> {
    let mut req = PairRequest::new(MachineChoice::Existing(args.machine.clone()));
    if let Some(window) = &args.redeem_window {
        req.redeem_window = parse_duration(window)?;
    }
    let quiet = args.json;
    let pending = fleet.begin_pairing(&req, |s| progress(quiet, s)).await?;
    let out = match show(&pending, &args) {
        Ok(out) => out,
        Err(e) => {
            // Burn the code, put the machine back, record the failure; a code that could not
            // be burned is reported, never dropped.
            return Err(match pending.abort(&e.message).await {
                Ok(()) => Failure::new(
                    e.code,
                    format!("{}; the pairing code was burned", e.message),
                ),
                Err(burn) => Failure::new(
                    e.code.max(crate::exit::code_for(burn.kind())),
                    format!(
                        "{}; and the pairing code could NOT be burned: {burn}",
                        e.message
                    ),
                ),
            });
        }
    };
    let paired = if args.wait {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        Some(pending.wait(ctrl_c, |s| progress(quiet, s)).await?)
    } else {
        if !quiet {
            eprintln!("not waiting (no --wait): the code stays redeemable until the window ends; the pairing is recorded only with --wait");
        }
        None
    };
    finish(PairOutput { paired, ..out }, args.json)
}

fn show(pending: &PendingPairing, args: &PairArgs) -> Result<PairOutput, Failure> {
    let qr = pending.qr(&QrOptions::default())?;
    if let Some(path) = &args.qr_png {
        crate::output::write_secret_file(path, qr.png()).map_err(|e| {
            Failure::new(
                crate::exit::OTHER,
                format!("cannot write the QR to {}: {e}", path.display()),
            )
        })?;
        if !args.json {
            // Now, not when the pairing ends: the operator shows this file to the ATM meanwhile.
            println!(
                "QR written to {} (version {}; it holds the pairing secret: delete it after use)",
                path.display(),
                qr.version()
            );
        }
    }
    if args.qr_terminal {
        println!("{}", pending.qr_terminal()?);
    }
    let url = args
        .show_secret
        .then(|| pending.pairing_url().expose().clone());
    if let (Some(url), false) = (&url, args.json) {
        println!("{url}");
    }
    Ok(PairOutput {
        machine_id: pending.machine().id,
        machine: pending.machine().name.clone(),
        redeem_expires_at: pending.redeem_expires_at(),
        qr_png: args.qr_png.as_ref().map(|p| p.display().to_string()),
        qr_version: qr.version(),
        pairing_url: url,
        paired: None,
    })
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
            eprintln!(
                "pairing code minted for {machine:?}; redeemable until {}",
                fleet_core::audit::iso(*redeem_expires_at)
            );
        }
        PairStep::WaitingForAtm => {
            eprintln!("waiting for the ATM to scan the code (Ctrl-C cancels and burns it)…")
        }
        PairStep::AtmConnected { fingerprint, .. } => {
            eprintln!(
                "ATM connected: client fingerprint {fingerprint} (check the ATM shows the same)"
            );
        }
        PairStep::Verified {
            bunker_connection_id,
        } => {
            eprintln!(
                "verified: the ATM can sign kind 21000 (bunker KeyUser #{bunker_connection_id})"
            );
        }
    }
}

fn finish(out: PairOutput, json: bool) -> Result<(), Failure> {
    if json {
        return print_json(&out);
    }
    if let Some(p) = &out.paired {
        println!(
            "paired {:?}: fingerprint {}, access until {} (unix)",
            p.machine, p.fingerprint, p.access_expires_at
        );
    }
    Ok(())
}
