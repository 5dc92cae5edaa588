//! Prepared pairing codes (issue 12; DESIGN.md "Prepared codes"): pair an ATM where the laptop
//! has no network.
//!
//! At the desk, online, [`Fleet::prepare_codes`] mints N kind-21000 tokens ahead (days, not
//! minutes), each with its own client name. Each code's secret goes only into the secret store
//! (entry [`secret_name`]); SQLite holds the rest. At the site, with no network at all,
//! [`Fleet::show_code`] gives the next unused code to a machine and builds its pairing URL and QR
//! from the stored profile and the secret store. The next sync ([`Fleet::sync_codes`]) turns a
//! redemption into a pairing, flags a redemption nobody expected, and burns unused codes past
//! their expiry. Burning is always burn-by-redeem (0.11's `revoke_token` does not stop a
//! redemption); offline, a burn waits for the next sync.

mod burn;
mod prepare;
mod revoke;
mod settle;
mod show;

use std::time::Duration;

use fleet_store::codes::{self, CodeState, PreparedCode};
use fleet_store::{audit, machines, NewAuditEntry};
use serde::Serialize;

use crate::{Fleet, Result};

pub use burn::{BurnReport, BurnSelection};
pub use prepare::PrepareRequest;
pub use settle::CodeSync;
pub use show::ShownCode;

/// Validity of a prepared code when none is given.
pub const DEFAULT_VALIDITY: Duration = Duration::from_secs(7 * 24 * 3600);
/// Longest validity of a prepared code: a prepared code is a bearer secret.
pub const MAX_VALIDITY: Duration = Duration::from_secs(14 * 24 * 3600);
/// Most codes one `prepare` mints.
pub const MAX_COUNT: usize = 50;
/// Prefix of a prepared code's token client name (and of the KeyUser it turns into).
pub const CLIENT_PREFIX: &str = "satmachine-code-";

/// The secret-store entry that holds a prepared code's secret.
pub fn secret_name(client_name: &str) -> String {
    format!("prepared-code:{client_name}")
}

/// A prepared code as shown to people: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeView {
    /// Row id (what `satop code burn ID` takes).
    pub id: i64,
    /// The token's client name on the bunker.
    pub client_name: String,
    /// `live`, `shown`, `redeemed`, `burned`, `expired`, `flagged`.
    pub state: String,
    /// When it was minted (unix seconds).
    pub created_at: i64,
    /// End of its redeem window (unix seconds).
    pub expires_at: i64,
    /// The site it was prepared for.
    pub site: Option<String>,
    /// The machine it was shown to.
    pub machine_id: Option<i64>,
    /// That machine's name.
    pub machine: Option<String>,
    /// When it was shown.
    pub shown_at: Option<i64>,
    /// The fingerprint the operator noted at the site.
    pub noted_fingerprint: Option<String>,
    /// The fingerprint of the client that redeemed it, once seen.
    pub redeemed_fingerprint: Option<String>,
    /// A burn was asked for while offline; it runs at the next sync.
    pub burn_pending: bool,
    /// Why it was flagged or how it ended.
    pub detail: Option<String>,
}

/// The live codes, for `satop status` and the app.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CodesSummary {
    /// Codes that can still be shown.
    pub live: usize,
    /// The nearest expiry among them (unix seconds).
    pub nearest_expiry: Option<i64>,
}

/// How a machine reads while a prepared code is shown to it and the next sync has not yet
/// recorded the pairing.
pub const PAIRING_OFFLINE_LABEL: &str = "pairing (offline)";

impl Fleet {
    /// The machines a prepared code is shown to and not yet settled: they read
    /// [`PAIRING_OFFLINE_LABEL`] until the next sync records the pairing (or flags the code).
    ///
    /// # Errors
    /// [`crate::Error::Store`].
    pub async fn pairing_offline(&self) -> Result<std::collections::HashSet<i64>> {
        Ok(self
            .db()
            .interact(|c| {
                Ok(codes::list(c)?
                    .into_iter()
                    .filter(|x| x.state == CodeState::Shown)
                    .filter_map(|x| x.machine_id)
                    .collect())
            })
            .await?)
    }

    /// Every prepared code, oldest first (offline).
    ///
    /// # Errors
    /// [`crate::Error::Store`].
    pub async fn codes(&self) -> Result<Vec<CodeView>> {
        Ok(self
            .db()
            .interact(|c| {
                let names: std::collections::HashMap<i64, String> = machines::list(c)?
                    .into_iter()
                    .map(|m| (m.id, m.name))
                    .collect();
                Ok(codes::list(c)?
                    .into_iter()
                    .map(|code| {
                        view(
                            &code,
                            code.machine_id.and_then(|id| names.get(&id).cloned()),
                        )
                    })
                    .collect())
            })
            .await?)
    }

    /// How many codes can still be shown and the nearest expiry among them (offline).
    ///
    /// # Errors
    /// [`crate::Error::Store`].
    pub async fn codes_summary(&self) -> Result<CodesSummary> {
        let now = crate::unix_now();
        let (live, nearest_expiry) = self
            .db()
            .interact(move |c| codes::live_summary(c, now))
            .await?;
        Ok(CodesSummary {
            live,
            nearest_expiry,
        })
    }

    /// Notes the fingerprint the ATM shows after redeeming the code given to `machine`; the
    /// next sync flags the code if the client that redeemed it has another fingerprint.
    ///
    /// # Errors
    /// [`crate::Error::MachineNotFound`]; [`crate::Error::InvalidInput`] when no code is shown
    /// to the machine or the fingerprint is empty; [`crate::Error::Store`].
    pub async fn note_code_fingerprint(&self, machine: &str, fingerprint: &str) -> Result<()> {
        let fingerprint = fingerprint.trim().to_string();
        if fingerprint.is_empty()
            || fingerprint
                .chars()
                .any(crate::rules::text::is_hidden_or_control)
        {
            return Err(crate::Error::InvalidInput(
                "give the fingerprint exactly as the ATM shows it".into(),
            ));
        }
        let m = self.machine(machine).await?;
        let name = m.name.clone();
        let found = self
            .db()
            .interact(move |c| {
                let Some(code) = codes::shown_to(c, m.id)? else {
                    return Ok(false);
                };
                codes::note_fingerprint(c, code.id, &fingerprint)?;
                Ok(true)
            })
            .await?;
        if found {
            Ok(())
        } else {
            Err(crate::Error::InvalidInput(format!(
                "no prepared code is shown to machine {}: show one with `satop code show`",
                crate::rules::text::quoted_for_message(&name)
            )))
        }
    }
}

pub(crate) fn view(code: &PreparedCode, machine: Option<String>) -> CodeView {
    CodeView {
        id: code.id,
        client_name: code.client_name.clone(),
        state: code.state.as_str().to_string(),
        created_at: code.created_at,
        expires_at: code.expires_at,
        site: code.site.clone(),
        machine_id: code.machine_id,
        machine,
        shown_at: code.shown_at,
        noted_fingerprint: code.noted_fingerprint.clone(),
        redeemed_fingerprint: code
            .redeemed_by
            .as_deref()
            .and_then(|hex| nostr::PublicKey::from_hex(hex).ok())
            .map(|pk| bunker_client::fingerprint(&pk)),
        burn_pending: code.burn_requested_at.is_some() && code.state.is_open(),
        detail: code.detail.clone(),
    }
}

/// Appends one audit entry.
pub(crate) fn audit_entry(
    conn: &fleet_store::Connection,
    action: &str,
    machine_id: Option<i64>,
    outcome: &str,
    detail: String,
) -> fleet_store::Result<()> {
    audit::append(
        conn,
        &NewAuditEntry {
            action: action.into(),
            machine_id,
            outcome: outcome.into(),
            detail: Some(detail),
        },
    )
    .map(|_| ())
}

/// Sets a code's end state and writes the audit entry, in one transaction, then forgets its
/// secret: every end state (redeemed, burned, expired, flagged) leaves the secret spent.
pub(crate) async fn settle_code(
    fleet: &Fleet,
    code: &PreparedCode,
    state: CodeState,
    redeemed_by: Option<String>,
    action: &'static str,
    outcome: &'static str,
    detail: String,
) -> Result<()> {
    let (id, machine_id) = (code.id, code.machine_id);
    fleet
        .db()
        .interact(move |c| {
            let tx = c.transaction()?;
            codes::settle(&tx, id, state, redeemed_by.as_deref(), Some(&detail))?;
            audit_entry(
                &tx,
                action,
                machine_id,
                outcome,
                format!("prepared code #{id}: {detail}"),
            )?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    forget_secret(fleet, code).await;
    Ok(())
}

/// Removes a settled code's secret from the secret store (best effort: a spent secret is
/// harmless, but it should not linger).
pub(crate) async fn forget_secret(fleet: &Fleet, code: &PreparedCode) {
    if let Err(e) = fleet
        .secrets()
        .delete(&secret_name(&code.client_name))
        .await
    {
        tracing::warn!(code = code.id, error = %e, "could not remove a spent prepared code's secret");
    }
}
