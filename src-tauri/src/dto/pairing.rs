//! The Pair wizard: the form, the QR, the live steps, the result.

use fleet_core::pairing::{PairStep, Paired};
use serde::{Deserialize, Serialize};
use specta::Type;

/// The first page of the Pair wizard.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct PairInput {
    /// The machine's name (created when new).
    pub name: String,
    /// Its site (used when created).
    pub site: Option<String>,
    /// How long the code can be redeemed, in minutes.
    pub redeem_window_minutes: u32,
    /// How long the ATM may sign before renewal, in days.
    pub access_term_days: u32,
}

/// A minted pairing: the QR to show.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PairingView {
    /// The id to wait on, reveal or cancel with.
    pub pairing_id: u32,
    /// A re-pair: the machine's current ATM key keeps working until the new one is redeemed,
    /// then it is revoked.
    pub renewal: bool,
    /// The machine's name.
    pub machine: String,
    /// End of the redeem window (unix seconds).
    pub redeem_expires_at: i64,
    /// The QR (SVG, integer pixels per module, quiet zone included).
    pub qr_svg: String,
    /// Modules per side (quiet zone included).
    pub qr_modules: u32,
    /// Pixels per module at natural size.
    pub qr_px_per_module: u32,
}

/// Progress of a pairing.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum PairEvent {
    /// The code was minted (the QR the command returned).
    TokenMinted {
        /// End of the redeem window (unix seconds).
        redeem_expires_at: i64,
    },
    /// Watching for the ATM.
    WaitingForAtm,
    /// The ATM redeemed the code.
    AtmConnected {
        /// Its client key's fingerprint (the ATM shows the same).
        fingerprint: String,
    },
    /// The client is scoped to kind 21000 and recorded.
    Verified,
}

impl From<&PairStep> for PairEvent {
    fn from(step: &PairStep) -> Self {
        match step {
            PairStep::TokenMinted {
                redeem_expires_at, ..
            } => Self::TokenMinted {
                redeem_expires_at: *redeem_expires_at,
            },
            PairStep::WaitingForAtm => Self::WaitingForAtm,
            PairStep::AtmConnected { fingerprint, .. } => Self::AtmConnected {
                fingerprint: fingerprint.clone(),
            },
            PairStep::Verified { .. } => Self::Verified,
        }
    }
}

/// A finished pairing.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PairedView {
    /// The machine's name.
    pub machine: String,
    /// The ATM client key's fingerprint.
    pub fingerprint: String,
    /// End of the access term (unix seconds).
    pub access_expires_at: i64,
    /// For a re-pair: where the revoke of the machine's previous ATM key stands.
    pub old_key: Option<OldKeyView>,
}

impl From<Paired> for PairedView {
    fn from(p: Paired) -> Self {
        Self {
            machine: p.machine,
            fingerprint: p.fingerprint,
            access_expires_at: p.access_expires_at,
            old_key: None,
        }
    }
}

/// The previous ATM key of a re-paired machine.
#[derive(Debug, Clone, Serialize, Type)]
pub struct OldKeyView {
    /// Its bunker client (KeyUser id).
    pub key_user_id: i64,
    /// `revoked`, `pending` (runs at the next sync) or `failed`.
    pub status: String,
    /// Why it is pending or failed.
    pub reason: Option<String>,
}
