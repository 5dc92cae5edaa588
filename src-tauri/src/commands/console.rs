//! The console identity: show it (to add to `admin.npubs`), export it.

use bunker_client::Sensitive;
use fleet_core::qr::{PairingQr, QrOptions};
use tauri::State;

use crate::dto::ConsoleInfo;
use crate::{App, Failure};

/// Creates the console key on first use and shows its npub as text, QR and config line.
#[tauri::command]
#[specta::specta]
pub async fn console_show(app: State<'_, App>) -> Result<ConsoleInfo, Failure> {
    let (console, created) = app.fleet().init_console().await?;
    let npub = console.npub();
    let qr = PairingQr::render(
        &npub,
        &QrOptions::with_px_per_module(QrOptions::MIN_PX_PER_MODULE),
    )
    .map_err(fleet_core::Error::from)?;
    Ok(ConsoleInfo {
        admin_npubs_line: format!("\"admin\": {{ \"npubs\": [\"{npub}\"] }}"),
        qr_svg: qr.svg().to_string(),
        npub,
        created,
    })
}

/// Exports the console key as a NIP-49 `ncryptsec` under `passphrase`.
#[tauri::command]
#[specta::specta]
pub async fn console_export(app: State<'_, App>, passphrase: String) -> Result<String, Failure> {
    let console = app.fleet().console().await?;
    let out = console
        .export_ncryptsec(&Sensitive::new(passphrase))
        .await
        .map_err(fleet_core::Error::from)?;
    Ok(out)
}
