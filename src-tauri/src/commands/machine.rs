//! One machine: its history, and revoke behind a typed confirmation.

use tauri::ipc::Channel;
use tauri::State;

use crate::dto::{HistoryEntry, RevokeEvent, RevokeView};
use crate::{App, Error, Failure};

/// How many history lines the machine screen shows.
const HISTORY_LIMIT: usize = 200;

/// The machine's audit log, newest first. Offline.
#[tauri::command]
#[specta::specta]
pub async fn machine_history(
    app: State<'_, App>,
    machine_id: i64,
) -> Result<Vec<HistoryEntry>, Failure> {
    let records = app.fleet().audit_for(machine_id, HISTORY_LIMIT).await?;
    Ok(records.into_iter().map(HistoryEntry::from).collect())
}

/// Revokes the machine once `confirm_name` is its name (exact case, spaces around ignored);
/// offline it ends `pending` and runs at the next sync. Steps go to `on_step`.
#[tauri::command]
#[specta::specta]
pub async fn machine_revoke(
    app: State<'_, App>,
    name: String,
    confirm_name: String,
    on_step: Channel<RevokeEvent>,
) -> Result<RevokeView, Failure> {
    let machine = app.fleet().machine(&name).await?;
    confirmed(&machine.name, &confirm_name)?;
    let fleet = app.fleet();
    let outcome = fleet.revoke(&machine.name, |step| {
        let _ = on_step.send(RevokeEvent::from(step));
    });
    Ok(outcome.await?.into())
}

/// The typed confirmation guards against revoking the wrong machine: the lookup by name ignores
/// case, the confirmation does not (only surrounding spaces are forgiven).
fn confirmed(machine: &str, typed: &str) -> Result<(), Error> {
    if typed.trim() == machine {
        Ok(())
    } else {
        Err(Error::ConfirmMismatch {
            machine: machine.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FailureKind;

    #[test]
    fn revoke_confirmation_is_the_exact_name_with_spaces_around_forgiven() {
        assert!(confirmed("Lobby ATM", "Lobby ATM").is_ok());
        assert!(confirmed("Lobby ATM", "  Lobby ATM\n").is_ok());
    }

    #[test]
    fn revoke_confirmation_in_other_case_or_partial_is_refused_as_invalid_input() {
        for typed in ["lobby atm", "Lobby", "", "Lobby  ATM"] {
            let f: Failure = confirmed("Lobby ATM", typed).unwrap_err().into();
            assert_eq!(f.kind, FailureKind::InvalidInput, "{typed:?}");
            assert!(
                f.message.contains("\"Lobby ATM\""),
                "says what to type: {}",
                f.message
            );
        }
    }
}
