//! The fleet roster: every machine's id, name, site, state and ATM key, published as
//! bunker-signed kind-30078 events (issue 13), and the restore that reads it back.

use fleet_core::operator_events::ROSTER_D_TAG;
use tauri::ipc::Channel;
use tauri::State;

use crate::dto::{OutboxStep, PublishResult, RestoreView, RosterView};
use crate::{App, Failure};

/// The last published roster, if any. Offline.
#[tauri::command]
#[specta::specta]
pub async fn roster_last(app: State<'_, App>) -> Result<Option<RosterView>, Failure> {
    Ok(app
        .fleet()
        .last_published(ROSTER_D_TAG)
        .await?
        .map(RosterView::from))
}

/// Has the bunker sign the current roster, verifies and publishes it (nothing is sent when it
/// equals the published one); offline it waits in the outbox. Steps go to `on_step`.
#[tauri::command]
#[specta::specta]
pub async fn roster_publish(
    app: State<'_, App>,
    on_step: Channel<OutboxStep>,
) -> Result<PublishResult, Failure> {
    let fleet = app.fleet();
    let change = fleet.publish_roster(|e| {
        let _ = on_step.send(OutboxStep::from(e));
    });
    let change = change.await?;
    let published = app.fleet().last_published(ROSTER_D_TAG).await?;
    let signer = app.fleet().published_signer(ROSTER_D_TAG).await?;
    Ok(PublishResult::new(change, published, signer))
}

/// Rebuilds the local cache from the bunker and the relays: the roster, fee policy and app
/// config, then the bunker's clients and tokens (a new laptop, or another console's changes).
#[tauri::command]
#[specta::specta]
pub async fn fleet_restore(app: State<'_, App>) -> Result<RestoreView, Failure> {
    Ok(app.fleet().restore().await?.into())
}

/// The operator key (npub) every operator event must be signed by.
pub(crate) async fn operator_npub(app: &App) -> Result<Option<String>, fleet_core::Error> {
    Ok(app.fleet().status().await?.bunker.and_then(|b| b.key_npub))
}
