//! The Fee policy screen: show the published policy, preview a change as a diff, and have the
//! bunker sign it (issue #4 item 7): only a bunker-signed, verified, published event counts.

use fleet_core::operator_events::{FeePolicy, FEE_D_TAG};
use tauri::ipc::Channel;
use tauri::State;

use crate::commands::roster::operator_npub;
use crate::dto::{DiffView, FeeInfo, FeeInput, OutboxStep, PublishResult};
use crate::{App, Failure};

/// The published policy and the changes waiting in the outbox. Offline.
#[tauri::command]
#[specta::specta]
pub async fn fee_show(app: State<'_, App>) -> Result<FeeInfo, Failure> {
    Ok(fee_info(&app).await?)
}

/// The published policy with who signed it (read from the verified event, not assumed to be
/// the operator key), the operator key to compare with, and the changes waiting.
///
/// # Errors
/// [`fleet_core::Error::Store`].
pub async fn fee_info(app: &App) -> Result<FeeInfo, fleet_core::Error> {
    let view = app.fleet().fee().await?;
    let signer = app.fleet().published_signer(FEE_D_TAG).await?;
    Ok(FeeInfo::new(view, signer, operator_npub(app).await?))
}

/// What "Sign with bunker" would change, against the last published version. Offline.
#[tauri::command]
#[specta::specta]
pub async fn fee_preview(app: State<'_, App>, input: FeeInput) -> Result<DiffView, Failure> {
    let doc = policy(&input)?.doc();
    Ok(app.fleet().operator_event_diff(&doc).await?.into())
}

/// Has the bunker sign the new policy, verifies and publishes it; steps go to `on_step`.
/// Offline the change waits in the outbox and nothing is recorded as done.
#[tauri::command]
#[specta::specta]
pub async fn fee_set(
    app: State<'_, App>,
    input: FeeInput,
    on_step: Channel<OutboxStep>,
) -> Result<PublishResult, Failure> {
    let fleet = app.fleet();
    let change = fleet.set_fee(policy(&input)?, |e| {
        let _ = on_step.send(OutboxStep::from(e));
    });
    let change = change.await?;
    let published = app.fleet().last_published(FEE_D_TAG).await?;
    let signer = app.fleet().published_signer(FEE_D_TAG).await?;
    Ok(PublishResult::new(change, published, signer))
}

/// Reads the form with fleet-core's rules (percent, fixed sats, the whole policy): the app
/// decides nothing itself.
fn policy(input: &FeeInput) -> Result<FeePolicy, fleet_core::Error> {
    let policy = FeePolicy {
        super_fee_bps: FeePolicy::parse_percent(&input.super_fee_percent)?,
        fixed_fee_sats: FeePolicy::parse_fixed_sats(&input.fixed_fee_sats)?,
    };
    policy.check()?;
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(percent: &str, sats: &str) -> FeeInput {
        FeeInput {
            super_fee_percent: percent.into(),
            fixed_fee_sats: sats.into(),
        }
    }

    #[test]
    fn the_form_reads_percent_with_two_decimals_and_whole_sats() {
        let p = policy(&input("2.5", " 500 ")).unwrap();
        assert_eq!((p.super_fee_bps, p.fixed_fee_sats), (250, 500));
        let p = policy(&input("0", "0")).unwrap();
        assert_eq!((p.super_fee_bps, p.fixed_fee_sats), (0, 0));
    }

    #[test]
    fn a_bad_fee_field_is_invalid_input_naming_what_to_write() {
        for (percent, sats) in [
            ("2.555", "0"),
            ("abc", "0"),
            ("101", "0"),
            ("1", ""),
            ("1", "-5"),
            ("1", "1.5"),
            ("1", "1_000"),
        ] {
            let f: Failure = policy(&input(percent, sats)).unwrap_err().into();
            assert_eq!(
                f.kind,
                crate::FailureKind::InvalidInput,
                "{percent:?} {sats:?}"
            );
            assert!(
                f.message.contains("write"),
                "says what to write: {}",
                f.message
            );
        }
    }

    #[test]
    fn the_fixed_fee_limit_is_fleet_cores_one_btc() {
        let max = FeePolicy::MAX_FIXED_SATS.to_string();
        let p = policy(&input("1", &max)).unwrap();
        assert_eq!(p.fixed_fee_sats, FeePolicy::MAX_FIXED_SATS);
        // 2.1e15 sats passed the app's own old limit; fleet-core's limit is 1 BTC.
        for over in [
            (FeePolicy::MAX_FIXED_SATS + 1).to_string(),
            "2100000000000000".to_string(),
            "99999999999999999999".to_string(),
        ] {
            let f: Failure = policy(&input("1", &over)).unwrap_err().into();
            assert_eq!(f.kind, crate::FailureKind::InvalidInput);
            assert!(
                f.message.contains("1 BTC"),
                "fleet-core's words: {}",
                f.message
            );
        }
    }
}
