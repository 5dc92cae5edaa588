//! The Pair wizard: mint and show the QR, watch for the ATM, cancel (= burn).

use std::time::Duration;

use fleet_core::pairing::{MachineChoice, PairRequest};
use fleet_core::qr::QrOptions;
use tauri::ipc::Channel;
use tauri::State;

use crate::dto::{PairEvent, PairInput, PairedView, PairingView};
use crate::on_screen::OnScreen;
use crate::{App, Failure};

/// Mints a pairing code for the machine (created if new) and returns its QR. A machine that
/// has an ATM key is renewed: its old key is revoked once the new one is redeemed.
#[tauri::command]
#[specta::specta]
pub async fn pair_begin(app: State<'_, App>, input: PairInput) -> Result<PairingView, Failure> {
    let mut req = PairRequest::new(MachineChoice::PickOrCreate {
        name: input.name.clone(),
        site: input.site,
    });
    req.redeem_window = Duration::from_secs(u64::from(input.redeem_window_minutes) * 60);
    req.access_term = Duration::from_secs(u64::from(input.access_term_days) * 86_400);
    let on_screen = OnScreen::begin(&app.fleet(), input.name.trim(), req).await?;
    let pending = on_screen.pairing();
    let qr = pending.qr(&QrOptions::default())?;
    let (machine, redeem_expires_at) =
        (pending.machine().name.clone(), pending.redeem_expires_at());
    let renewal = matches!(on_screen, OnScreen::Repair(_));
    let (qr_svg, qr_modules, qr_px_per_module) =
        (qr.svg().to_string(), qr.modules(), qr.px_per_module());
    let pairing_id = app.hold_pairing(on_screen).await;
    Ok(PairingView {
        pairing_id,
        renewal,
        machine,
        redeem_expires_at,
        qr_svg,
        qr_modules,
        qr_px_per_module,
    })
}

/// Waits for the ATM to redeem the code; steps go to `on_step`. Ends with the pairing, or
/// with `cancelled` / `timeout` (the code is burned either way).
#[tauri::command]
#[specta::specta]
pub async fn pair_wait(
    app: State<'_, App>,
    pairing_id: u32,
    on_step: Channel<PairEvent>,
) -> Result<PairedView, Failure> {
    let outcome = app.wait_pairing(pairing_id, |step| {
        let _ = on_step.send(PairEvent::from(step));
    });
    Ok(outcome.await?)
}

/// The pairing URL as text, for "copy as text" behind a reveal.
#[tauri::command]
#[specta::specta]
pub async fn pair_reveal(app: State<'_, App>, pairing_id: u32) -> Result<String, Failure> {
    Ok(app.pairing_url(pairing_id).await?)
}

/// Cancels the pairing: the code is burned and the machine goes back to how it was.
#[tauri::command]
#[specta::specta]
pub async fn pair_cancel(app: State<'_, App>, pairing_id: u32) -> Result<(), Failure> {
    Ok(app.cancel_pairing(pairing_id).await?)
}
