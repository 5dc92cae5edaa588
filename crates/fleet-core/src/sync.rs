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
        let (reconcile, reconcile_error) = match self.reconcile().await {
            Ok(r) => (Some(r), None),
            Err(crate::Error::Store(e)) => return Err(crate::Error::Store(e)),
            Err(e) => (None, Some(e.to_string())),
        };
        Ok(SyncReport {
            reconcile,
            reconcile_error,
            terms,
            outbox,
        })
    }
}
