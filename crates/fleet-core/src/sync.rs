//! One sync, as `satop sync` and the app's "Sync now" run it: write the clock into the access
//! terms (queueing the revokes of ended terms when automatic revoke is on), run every queued
//! network action now, then reconcile the cache with the bunker.

use serde::Serialize;

use crate::outbox::{unix_now, Due, OutboxEvent, OutboxRun};
use crate::reconcile::ReconcileReport;
use crate::term::TermSweep;
use crate::{Fleet, Result};

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// The reconcile, when the bunker could be reached.
    pub reconcile: Option<ReconcileReport>,
    /// Why the reconcile was skipped (never a secret: fleet-core's own message).
    pub reconcile_error: Option<String>,
    /// The access-term sweep.
    pub terms: TermSweep,
    /// The outbox run.
    pub outbox: OutboxRun,
    /// The prepared-codes step (redemptions paired or flagged, codes burned), when it ran.
    #[serde(default)]
    pub codes: Option<crate::codes::CodeSync>,
    /// The liveness check (heartbeats and NIP-46 requests on the ATM relays), when it ran.
    #[serde(default)]
    pub liveness: Option<crate::liveness::LivenessReport>,
    /// Why the liveness check did not run (ATM relays unreachable, …); never fatal.
    #[serde(default)]
    pub liveness_error: Option<String>,
}

impl Fleet {
    /// Runs a sync. The outbox runs before the reconcile so that the reconcile confirms the
    /// revokes it just sent; an unreachable bunker skips the reconcile and leaves the cache
    /// as it was.
    ///
    /// # Errors
    /// [`crate::Error::Store`].
    pub async fn sync(&self, on_event: impl Fn(&OutboxEvent)) -> Result<SyncReport> {
        let terms = self.enforce_terms(unix_now()).await?;
        let outbox = self.run_outbox(Due::Now, on_event).await?;
        // Prepared codes before the reconcile, so that a machine paired from a redeemed code is
        // known to the reconcile as the owner of its client.
        let codes = match self.sync_codes(unix_now()).await {
            Ok(c) => Some(c),
            Err(crate::Error::Store(e)) => return Err(crate::Error::Store(e)),
            Err(e) => {
                tracing::warn!(error = %e, "prepared codes not settled this sync");
                None
            }
        };
        let (reconcile, reconcile_error) = match self.reconcile().await {
            Ok(mut r) => {
                // Prepared codes are expected to wait unredeemed on the bunker.
                r.live_tokens
                    .retain(|(name, _)| !name.starts_with(crate::codes::CLIENT_PREFIX));
                (Some(r), None)
            }
            Err(crate::Error::Store(e)) => return Err(crate::Error::Store(e)),
            Err(e) => (None, Some(e.to_string())),
        };
        // Liveness reads only the ATM relays: it runs whether or not the bunker answered.
        let (liveness, liveness_error) = match self.check_liveness().await {
            Ok(l) => (Some(l), None),
            Err(crate::Error::Store(e)) => return Err(crate::Error::Store(e)),
            Err(e) => (None, Some(e.to_string())),
        };
        let report = SyncReport {
            reconcile,
            reconcile_error,
            terms,
            outbox,
            codes,
            liveness,
            liveness_error,
        };
        self.note_sync(&report, unix_now()).await?;
        Ok(report)
    }
}

impl SyncReport {
    /// What the sync changed or found, one line each, for people (`satop sync`, the app's
    /// Sync now). The clients nobody knows are in [`ReconcileReport::unknown_clients`].
    pub fn changes(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for m in &self.terms.revokes_queued {
            lines.push(format!("{m}: access term ended, revoke queued"));
        }
        for m in &self.terms.updated {
            lines.push(format!("{m}: access term state updated"));
        }
        if let Some(c) = &self.codes {
            lines.extend(c.changes());
        }
        if let Some(l) = self.liveness.as_ref().filter(|l| l.is_news()) {
            lines.push(l.summary());
        }
        let Some(r) = &self.reconcile else {
            return lines;
        };
        for m in &r.revoked_elsewhere {
            lines.push(format!("{m}: revoked on the bunker, now revoked here"));
        }
        for m in &r.redemptions_seen {
            lines.push(format!(
                "{m}: pairing code redeemed while the app was closed, recorded"
            ));
        }
        for m in &r.pairings_ended {
            lines.push(format!("{m}: pairing ended without a redemption"));
        }
        for (m, id) in &r.stale_revokes_queued {
            lines.push(format!("{m}: old client #{id} still active, revoke queued"));
        }
        for m in &r.missing_on_bunker {
            lines.push(format!(
                "{m}: its client is missing on the bunker (re-pair it)"
            ));
        }
        for c in &r.revived {
            lines.push(if c.re_revoke_queued {
                format!(
                    "{}: revoked here but active again on the bunker (client #{}), revoke queued again",
                    c.machine, c.key_user_id
                )
            } else {
                format!(
                    "{}: revoked here but active again on the bunker (client #{}): confirm to revoke it again (run `satop sync` in a terminal, or Sync in the app)",
                    c.machine, c.key_user_id
                )
            });
        }
        for (name, id) in &r.live_tokens {
            lines.push(format!(
                "unredeemed pairing code #{id} ({name}) that no pairing waits for"
            ));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sync_words_its_term_sweep_even_when_the_bunker_was_not_reached() {
        let mut report = SyncReport {
            reconcile: None,
            reconcile_error: Some("unreachable".into()),
            terms: TermSweep::default(),
            outbox: OutboxRun::default(),
            codes: None,
            liveness: None,
            liveness_error: None,
        };
        report.terms.revokes_queued.push("Lobby".into());
        assert_eq!(
            report.changes(),
            ["Lobby: access term ended, revoke queued"]
        );

        let mut reconcile = ReconcileReport::default();
        reconcile.revoked_elsewhere.push("Depot".into());
        reconcile.stale_revokes_queued.push(("Depot".into(), 7));
        report.reconcile = Some(reconcile);
        assert_eq!(
            report.changes(),
            [
                "Lobby: access term ended, revoke queued",
                "Depot: revoked on the bunker, now revoked here",
                "Depot: old client #7 still active, revoke queued",
            ]
        );
    }
}
