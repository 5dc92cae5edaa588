//! App-wide pushes to the screens (typed, registered once in [`crate::bindings`]).

use fleet_core::watch::WatchStatus;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri_specta::Event;

/// The live watch wrote new sightings: `last_seen_at` changed for some machines; the fleet
/// list and the dashboard read them again.
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
pub struct LivenessSeen {
    /// The newest sighting (unix seconds).
    pub last_sighting_at: Option<i64>,
}

/// Emits [`LivenessSeen`] each time the watch writes sightings, until the watch ends.
pub async fn forward_liveness(
    mut updates: tokio::sync::watch::Receiver<WatchStatus>,
    handle: tauri::AppHandle,
) {
    let mut writes = updates.borrow().writes;
    while updates.changed().await.is_ok() {
        let status = updates.borrow_and_update().clone();
        if status.writes == writes {
            continue;
        }
        writes = status.writes;
        let event = LivenessSeen {
            last_sighting_at: status.last_sighting_at,
        };
        if let Err(e) = event.emit(&handle) {
            tracing::warn!(error = %e, "could not tell the screens about new sightings");
        }
    }
}
