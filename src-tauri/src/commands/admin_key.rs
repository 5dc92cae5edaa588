//! Where the admin key lives: show it, move it to a remote signer (pasted `bunker://` URL or a
//! `nostrconnect://` code the phone scans), probe the bunker, delete the local key.

use std::time::Duration;

use bunker_client::Sensitive;
use fleet_core::qr::{PairingQr, QrOptions};
use tauri::State;

use crate::dto::{AdminKeyView, SignerOfferView, SignerSetupView};
use crate::{App, Failure};

/// Where the admin key lives and its npub.
#[tauri::command]
#[specta::specta]
pub async fn admin_key_show(app: State<'_, App>) -> Result<AdminKeyView, Failure> {
    Ok(app.fleet().admin_key_status().await?.into())
}

/// Uses the signer at `url` (`bunker://…?relay=…&secret=…`) for the admin key.
#[tauri::command]
#[specta::specta]
pub async fn signer_use_url(app: State<'_, App>, url: String) -> Result<SignerSetupView, Failure> {
    Ok(app
        .fleet()
        .use_remote_signer(&Sensitive::new(url))
        .await?
        .into())
}

/// A `nostrconnect://` code on `relays`, listening already; [`signer_wait`] waits for it.
#[tauri::command]
#[specta::specta]
pub async fn signer_offer(
    app: State<'_, App>,
    relays: Vec<String>,
) -> Result<SignerOfferView, Failure> {
    let offer = app.fleet().offer_nostrconnect(&relays).await?;
    let url = offer.url();
    let qr =
        PairingQr::render(url.expose(), &QrOptions::default()).map_err(fleet_core::Error::from)?;
    let view = SignerOfferView {
        url: url.expose().clone(),
        qr_svg: qr.svg().to_string(),
    };
    app.hold_offer(offer).await;
    Ok(view)
}

/// Waits up to `wait_secs` for the phone to answer the code shown by [`signer_offer`].
#[tauri::command]
#[specta::specta]
pub async fn signer_wait(app: State<'_, App>, wait_secs: u32) -> Result<SignerSetupView, Failure> {
    let offer = app.take_offer().await?;
    let wait = Duration::from_secs(u64::from(wait_secs.clamp(5, 900)));
    Ok(app.fleet().accept_nostrconnect(offer, wait).await?.into())
}

/// One admin `ping` with the current admin key: does the bunker accept it yet?
#[tauri::command]
#[specta::specta]
pub async fn signer_probe(app: State<'_, App>) -> Result<(), Failure> {
    Ok(app.fleet().probe_admin().await?)
}

/// Deletes the local console key once the bunker accepts the remote signer's key.
#[tauri::command]
#[specta::specta]
pub async fn signer_delete_local_key(app: State<'_, App>) -> Result<(), Failure> {
    Ok(app.fleet().delete_local_admin_key().await?)
}
