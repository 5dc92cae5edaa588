//! What is read from LNbits: never a key value, only whether one is stored.

use serde::Serialize;

/// The `accounts.signer_type` of an account that signs through a remote bunker.
pub const REMOTE_BUNKER_SIGNER: &str = "RemoteBunkerSigner";

/// An LNbits account that owns at least one satmachineadmin machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owner {
    /// `accounts.id` (the `dca_machines` owner column).
    pub account_id: String,
    /// Whether a row for this account exists in `accounts`.
    pub account_found: bool,
    /// Whether `accounts.prvkey` is set (non-empty). The value itself is never read out.
    pub has_prvkey: bool,
    /// `accounts.signer_type`, if set.
    pub signer_type: Option<String>,
    /// How many `dca_machines` rows this account owns.
    pub machines: usize,
}

impl Owner {
    /// `true` when the account has no stored key and signs through a bunker.
    pub fn is_migrated(&self) -> bool {
        self.account_found
            && !self.has_prvkey
            && self.signer_type.as_deref() == Some(REMOTE_BUNKER_SIGNER)
    }
}

/// A machine listed in satmachineadmin's `dca_machines`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegacyMachine {
    /// `dca_machines.id`, as text.
    pub id: String,
    /// The owning LNbits account id.
    pub owner: String,
    /// `dca_machines.name`, when the column exists and is set.
    pub name: Option<String>,
    /// `dca_machines.machine_npub`, when the column exists and is set.
    pub machine_npub: Option<String>,
}
