//! App-config documents (NIP-78, `satmachine:config:<name>`): preview and sign with the bunker.

use fleet_core::operator_events::{app_config_doc, parse_config_value};
use tauri::ipc::Channel;
use tauri::State;

use crate::dto::{DiffView, OutboxStep, PublishResult};
use crate::{App, Failure};

/// What publishing `value` (JSON text) under `name` would change. Offline.
#[tauri::command]
#[specta::specta]
pub async fn config_preview(
    app: State<'_, App>,
    name: String,
    value: String,
) -> Result<DiffView, Failure> {
    let doc = app_config_doc(&name, &parse_config_value(&value)?)?;
    Ok(app.fleet().operator_event_diff(&doc).await?.into())
}

/// Has the bunker sign the document, verifies and publishes it; offline it waits in the outbox.
#[tauri::command]
#[specta::specta]
pub async fn config_set(
    app: State<'_, App>,
    name: String,
    value: String,
    on_step: Channel<OutboxStep>,
) -> Result<PublishResult, Failure> {
    let value = parse_config_value(&value)?;
    let doc = app_config_doc(&name, &value)?;
    let fleet = app.fleet();
    let change = fleet.set_app_config(&name, &value, |e| {
        let _ = on_step.send(OutboxStep::from(e));
    });
    let change = change.await?;
    let published = app.fleet().last_published(&doc.d_tag).await?;
    let signer = app.fleet().published_signer(&doc.d_tag).await?;
    Ok(PublishResult::new(change, published, signer))
}
