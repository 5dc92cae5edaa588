//! Prepared pairing codes: prepare at the desk, show at the site (offline), note the
//! fingerprint, burn. Every rule is fleet-core's.

use std::time::Duration;

use fleet_core::codes::{BurnSelection, PrepareRequest};
use fleet_core::qr::QrOptions;
use tauri::State;

use crate::dto::{BurnView, CodeRow, PrepareInput, ShownCodeView};
use crate::{App, Failure};

/// Mints prepared codes (online).
#[tauri::command]
#[specta::specta]
pub async fn codes_prepare(
    app: State<'_, App>,
    input: PrepareInput,
) -> Result<Vec<CodeRow>, Failure> {
    Ok(prepare(&app, &input)
        .await?
        .into_iter()
        .map(CodeRow::from)
        .collect())
}

/// Every prepared code, oldest first (offline).
#[tauri::command]
#[specta::specta]
pub async fn codes_list(app: State<'_, App>) -> Result<Vec<CodeRow>, Failure> {
    Ok(list(&app).await?)
}

/// Shows the next unused prepared code to the machine (created if new), offline: the machine
/// is "pairing (offline)" from now on.
#[tauri::command]
#[specta::specta]
pub async fn code_show(app: State<'_, App>, machine: String) -> Result<ShownCodeView, Failure> {
    Ok(show(&app, &machine).await?)
}

/// The pairing URL of the code shown to the machine, for "copy as text" behind a reveal.
#[tauri::command]
#[specta::specta]
pub async fn code_reveal(app: State<'_, App>, machine: String) -> Result<String, Failure> {
    let shown = app.fleet().show_code(&machine).await?;
    Ok(shown.pairing_url().expose().clone())
}

/// Notes the fingerprint the ATM shows; the next sync flags the code if it differs.
#[tauri::command]
#[specta::specta]
pub async fn code_note_fingerprint(
    app: State<'_, App>,
    machine: String,
    fingerprint: String,
) -> Result<(), Failure> {
    Ok(app
        .fleet()
        .note_code_fingerprint(&machine, &fingerprint)
        .await?)
}

/// Revokes, on the bunker, the client that redeemed a flagged code (needs the bunker).
#[tauri::command]
#[specta::specta]
pub async fn code_revoke_client(app: State<'_, App>, id: i64) -> Result<(), Failure> {
    app.fleet().revoke_flagged_code(id).await?;
    Ok(())
}

/// Burns these codes (now, or at the next sync when offline).
#[tauri::command]
#[specta::specta]
pub async fn codes_burn(app: State<'_, App>, ids: Vec<i64>) -> Result<BurnView, Failure> {
    Ok(burn(&app, &BurnSelection::Ids(ids)).await?)
}

/// Burns every unused code (now, or at the next sync when offline).
#[tauri::command]
#[specta::specta]
pub async fn codes_burn_all(app: State<'_, App>) -> Result<BurnView, Failure> {
    Ok(burn(&app, &BurnSelection::All).await?)
}

/// [`codes_prepare`] without Tauri.
///
/// # Errors
/// fleet-core's: bad count, validity or site; the bunker unreachable or refusing.
pub async fn prepare(
    app: &App,
    input: &PrepareInput,
) -> Result<Vec<fleet_core::codes::CodeView>, crate::Error> {
    let req = PrepareRequest {
        count: usize::try_from(input.count).unwrap_or(usize::MAX),
        valid: Duration::from_secs(u64::from(input.valid_days) * 86_400),
        site: input.site.clone(),
    };
    Ok(app.fleet().prepare_codes(&req).await?)
}

/// [`code_show`] without Tauri.
///
/// # Errors
/// fleet-core's: no code left, the machine already paired, a secret missing.
pub async fn show(app: &App, machine: &str) -> Result<ShownCodeView, crate::Error> {
    let shown = app.fleet().show_code(machine).await?;
    shown_view(&shown)
}

/// The view of a shown code, its QR rendered as the Pair wizard renders one.
///
/// # Errors
/// The QR cannot be rendered.
pub fn shown_view(shown: &fleet_core::codes::ShownCode) -> Result<ShownCodeView, crate::Error> {
    let qr = shown.qr(&QrOptions::default())?;
    Ok(ShownCodeView {
        code: CodeRow::from(shown.code.clone()),
        machine: shown.machine.clone(),
        machine_created: shown.machine_created,
        qr_svg: qr.svg().to_string(),
        qr_modules: qr.modules(),
        qr_px_per_module: qr.px_per_module(),
    })
}

/// [`codes_burn`] / [`codes_burn_all`] without Tauri.
///
/// # Errors
/// fleet-core's: an unknown id or a code no longer redeemable; a refusal.
pub async fn burn(app: &App, which: &BurnSelection) -> Result<BurnView, crate::Error> {
    Ok(BurnView::from(app.fleet().burn_codes(which).await?))
}

/// [`codes_list`] without Tauri.
///
/// # Errors
/// The local cache cannot be read.
pub async fn list(app: &App) -> Result<Vec<CodeRow>, crate::Error> {
    Ok(app
        .fleet()
        .codes()
        .await?
        .into_iter()
        .map(CodeRow::from)
        .collect())
}
