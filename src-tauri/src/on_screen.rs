//! A pairing whose QR is on screen: a first pairing, or a re-pair of a machine that already
//! has an ATM key. A re-pair goes through fleet-core's renewal (issue #4 item 3), so the old
//! key keeps working until the new one is redeemed and is then revoked; pairing such a machine
//! afresh would leave the old key able to sign.

use std::future::Future;

use fleet_core::outbox::Delivery;
use fleet_core::pairing::{PairRequest, PairStep, PendingPairing};
use fleet_core::term::{PairingChoice, PendingRepair};
use fleet_core::Fleet;

use crate::dto::{OldKeyView, PairedView};

/// A first pairing or a renewal.
#[derive(Debug)]
pub enum OnScreen {
    /// The machine has no ATM key yet (or a revoked one).
    Pair(PendingPairing),
    /// The machine's current ATM key is revoked once the new one is redeemed.
    Repair(PendingRepair),
}

impl OnScreen {
    /// Mints the code for `name`: a renewal or a pairing (which creates the machine when it is
    /// new), as fleet-core's [`Fleet::pairing_choice`] decides.
    ///
    /// # Errors
    /// The errors of [`Fleet::pairing_choice`] (a cache that cannot be read is an error, never
    /// a guess), [`Fleet::begin_pairing`] and [`Fleet::begin_repair`].
    pub async fn begin(fleet: &Fleet, name: &str, req: PairRequest) -> fleet_core::Result<Self> {
        match fleet.pairing_choice(name).await? {
            PairingChoice::Renew => Ok(Self::Repair(fleet.begin_repair(name, req, |_| {}).await?)),
            PairingChoice::Pair => Ok(Self::Pair(fleet.begin_pairing(&req, |_| {}).await?)),
        }
    }

    /// The pairing code to show.
    pub fn pairing(&self) -> &PendingPairing {
        match self {
            Self::Pair(p) => p,
            Self::Repair(r) => r.pairing(),
        }
    }

    /// Waits for the ATM; a renewal then revokes the old key.
    ///
    /// # Errors
    /// As [`PendingPairing::wait`] (a renewal's old key then keeps working).
    pub async fn wait(
        self,
        cancel: impl Future<Output = ()>,
        on_step: impl Fn(&PairStep),
    ) -> fleet_core::Result<PairedView> {
        match self {
            Self::Pair(p) => Ok(p.wait(cancel, on_step).await?.into()),
            Self::Repair(r) => {
                let done = r.wait(cancel, on_step).await?;
                let mut view = PairedView::from(done.paired);
                view.old_key = Some(OldKeyView::new(done.old_key_user_id, done.old_key));
                Ok(view)
            }
        }
    }

    /// Burns the code; a renewal's old key keeps working.
    ///
    /// # Errors
    /// As [`PendingPairing::cancel`].
    pub async fn cancel(self) -> fleet_core::Result<()> {
        match self {
            Self::Pair(p) => p.cancel().await,
            Self::Repair(r) => r.cancel().await,
        }
    }
}

impl OldKeyView {
    fn new(key_user_id: u64, delivery: Delivery) -> Self {
        let (status, reason) = match delivery {
            Delivery::Done => ("revoked", None),
            Delivery::Pending { reason } => ("pending", reason),
            Delivery::Failed { reason } => ("failed", Some(reason)),
        };
        Self {
            key_user_id: i64::try_from(key_user_id).unwrap_or(i64::MAX),
            status: status.to_owned(),
            reason,
        }
    }
}
