//! The console identity: show it (to add to `admin.npubs`), export it.

use bunker_client::Sensitive;
use fleet_core::qr::{PairingQr, QrOptions};
use fleet_core::rules::passphrase::check_new_passphrase;
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
    Ok(export_console(&app, Sensitive::new(passphrase)).await?)
}

/// Exports the console key as a NIP-49 `ncryptsec`, once fleet-core's rule for a new
/// passphrase ([`check_new_passphrase`]) accepts `passphrase`.
///
/// # Errors
/// [`fleet_core::Error::InvalidInput`] for a passphrase the rule refuses (the message never
/// repeats it); [`fleet_core::Error::NoConsole`]; [`fleet_core::Error::Secrets`].
pub async fn export_console(
    app: &App,
    passphrase: Sensitive<String>,
) -> Result<String, fleet_core::Error> {
    check_new_passphrase(passphrase.expose())?;
    let console = app.fleet().console().await?;
    Ok(console.export_ncryptsec(&passphrase).await?)
}
