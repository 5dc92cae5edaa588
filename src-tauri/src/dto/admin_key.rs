//! Where the admin key lives (issue #11): the Welcome and Settings screens.

use fleet_core::admin_key::{admin_npubs_line, AdminKeyHome, AdminKeyStatus, SignerSetup};
use serde::{Deserialize, Serialize};
use specta::Type;

/// Where the admin key lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum KeyHome {
    /// A remote NIP-46 signer (phone, hardware signer, another bunker).
    RemoteSigner,
    /// This computer's secret store.
    ThisComputer,
}

/// The admin key as the screens show it.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AdminKeyView {
    /// Where it lives.
    pub home: KeyHome,
    /// The signer's secret-less address, or the secret store in words.
    pub place: String,
    /// The admin npub (absent while no key exists yet).
    pub npub: Option<String>,
    /// The line for the bunker's `admin.npubs`.
    pub admin_npubs_line: Option<String>,
    /// Whether a local console key is still stored.
    pub local_key_stored: bool,
}

impl From<AdminKeyStatus> for AdminKeyView {
    fn from(s: AdminKeyStatus) -> Self {
        let (home, place) = match s.home {
            AdminKeyHome::RemoteSigner { address } => (KeyHome::RemoteSigner, address),
            AdminKeyHome::Local { store } => (KeyHome::ThisComputer, store),
        };
        Self {
            home,
            place,
            admin_npubs_line: s.npub.as_deref().map(admin_npubs_line),
            npub: s.npub,
            local_key_stored: s.local_key_stored,
        }
    }
}

/// A remote signer just set up.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SignerSetupView {
    /// The admin npub: the signer's user key.
    pub npub: String,
    /// The line for the bunker's `admin.npubs`.
    pub admin_npubs_line: String,
    /// The signer's secret-less address.
    pub address: String,
    /// The old local console key's npub, when one is still stored.
    pub local_npub: Option<String>,
    /// What to allow in the signer for one-tap pairing.
    pub auto_approve_hint: String,
}

impl From<SignerSetup> for SignerSetupView {
    fn from(s: SignerSetup) -> Self {
        Self {
            admin_npubs_line: admin_npubs_line(&s.admin_npub),
            npub: s.admin_npub,
            address: s.address,
            local_npub: s.local_npub,
            auto_approve_hint: fleet_core::admin_key::AUTO_APPROVE_HINT.to_owned(),
        }
    }
}

/// A `nostrconnect://` code for the phone to scan. The URL carries the one-time connection
/// secret: it is shown, never stored.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SignerOfferView {
    /// The URL (for "paste into the signer").
    pub url: String,
    /// The URL as a QR (SVG), large.
    pub qr_svg: String,
}

/// The app is about to ask the remote signer for something a person may have to approve:
/// the screens show "Approve on your signer: <what>" with a countdown.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct SignerApproval {
    /// What the signer is asked, in words.
    pub what: String,
    /// How long it has to answer, in seconds.
    pub timeout_secs: u32,
}

impl From<&bunker_client::Approval> for SignerApproval {
    fn from(a: &bunker_client::Approval) -> Self {
        Self {
            what: a.what.clone(),
            timeout_secs: u32::try_from(a.timeout.as_secs()).unwrap_or(u32::MAX),
        }
    }
}
