//! The Migration screen: is the move to the bunker complete? (issue #6)

use fleet_core::migration::{CheckOptions, LnbitsSource};
use tauri::State;

use crate::dto::{ChecklistView, ImportView};
use crate::{App, Failure};

/// The last checklist run, cached, for offline display; `None` before the first run.
#[tauri::command]
#[specta::specta]
pub async fn migration_last(app: State<'_, App>) -> Result<Option<ChecklistView>, Failure> {
    Ok(app
        .fleet()
        .last_migration_check()
        .await?
        .map(ChecklistView::from))
}

/// Runs every check (with a bunker test signature), optionally reading an LNbits database
/// (data directory, `.sqlite3` file or `postgres://` URL) read-only; caches the result.
#[tauri::command]
#[specta::specta]
pub async fn migration_run(
    app: State<'_, App>,
    lnbits: Option<String>,
) -> Result<ChecklistView, Failure> {
    let opts = CheckOptions {
        lnbits: given(lnbits),
        test_signature: true,
    };
    Ok(app.fleet().migration_check(&opts).await?.into())
}

/// Imports satmachineadmin's machines from an LNbits database as `legacy` machines (to be
/// re-paired); names already in the fleet are skipped.
#[tauri::command]
#[specta::specta]
pub async fn migration_import(app: State<'_, App>, lnbits: String) -> Result<ImportView, Failure> {
    let source = LnbitsSource::open(&lnbits).map_err(fleet_core::Error::from)?;
    Ok(app.fleet().import_legacy(&source).await?.into())
}

/// An empty field means "no LNbits database".
fn given(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_lnbits_field_means_no_lnbits_database() {
        assert_eq!(given(None), None);
        assert_eq!(given(Some("  ".into())), None);
        assert_eq!(
            given(Some(" /var/lib/lnbits ".into())).as_deref(),
            Some("/var/lib/lnbits")
        );
    }
}
