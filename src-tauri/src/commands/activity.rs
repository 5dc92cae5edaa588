//! The Activity screen: the audit log of the whole fleet.

use tauri::State;

use crate::dto::ActivityEntry;
use crate::{App, Failure};

/// The most the screen asks for at once.
const MAX_LIMIT: u32 = 5_000;

/// The newest `limit` audit entries (capped at 5,000), newest first. Offline.
#[tauri::command]
#[specta::specta]
pub async fn activity(app: State<'_, App>, limit: u32) -> Result<Vec<ActivityEntry>, Failure> {
    let limit = usize::try_from(limit.min(MAX_LIMIT)).unwrap_or(usize::MAX);
    let records = app.fleet().audit(limit).await?;
    Ok(records.into_iter().map(ActivityEntry::from).collect())
}
