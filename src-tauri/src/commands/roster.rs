//! The fleet roster: every paired machine's name, site and ATM key, published as a
//! bunker-signed kind-30078 event (issue #4 item 7).

use fleet_core::operator_events::ROSTER_D_TAG;
use tauri::ipc::Channel;
use tauri::State;

use crate::dto::{OutboxStep, PublishResult, RosterView};
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

/// The operator key (npub) every operator event must be signed by.
pub(crate) async fn operator_npub(app: &App) -> Result<Option<String>, fleet_core::Error> {
    Ok(app.fleet().status().await?.bunker.and_then(|b| b.key_npub))
}
