//! What is stored, read offline: the console identity, the bunker profile, the embedded sandbox.

use serde::{Deserialize, Serialize};
use specta::Type;

/// The console identity, to add to the bunker's `admin.npubs`.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ConsoleInfo {
    /// The console npub.
    pub npub: String,
    /// The npub as a QR (SVG).
    pub qr_svg: String,
    /// The line to paste into nsecbunker.json.
    pub admin_npubs_line: String,
    /// True when the key was created just now.
    pub created: bool,
}

/// The embedded sandbox bunker: what to connect to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct SandboxInfo {
    /// Admin connection string.
    pub connection: String,
    /// Its operator key name.
    pub key_name: String,
    /// Its relay (the ATM relay too).
    pub atm_relay: String,
    /// Which nsecbunkerd it behaves like.
    pub flavour: SandboxFlavour,
}

/// Which nsecbunkerd line the sandbox imitates ([`sandbox::Flavour`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
pub enum SandboxFlavour {
    /// Stock nsecbunkerd 0.10.5.
    #[serde(rename = "0.10")]
    V0_10,
    /// nsecbunkerd 0.11.2 (the 398ja fork).
    #[serde(rename = "0.11")]
    V0_11,
}

impl From<SandboxFlavour> for sandbox::Flavour {
    fn from(f: SandboxFlavour) -> Self {
        match f {
            SandboxFlavour::V0_10 => Self::V0_10,
            SandboxFlavour::V0_11 => Self::V0_11,
        }
    }
}

impl From<sandbox::Flavour> for SandboxFlavour {
    fn from(f: sandbox::Flavour) -> Self {
        match f {
            sandbox::Flavour::V0_10 => Self::V0_10,
            sandbox::Flavour::V0_11 => Self::V0_11,
        }
    }
}

/// The stored bunker profile, public parts.
#[derive(Debug, Clone, Serialize, Type)]
pub struct BunkerView {
    /// Admin relays.
    pub admin_relays: Vec<String>,
    /// Operator key name.
    pub key_name: String,
    /// ATM relays.
    pub atm_relays: Vec<String>,
    /// `nip04` or `nip44`.
    pub encryption: String,
    /// The nsecbunkerd line in words: "nsecbunkerd 0.11 · admin kind 24133 · NIP-44".
    pub line: String,
    /// When the bunker was last probed (unix seconds).
    pub probed_at: Option<i64>,
    /// Seconds the app waits for each bunker reply (stored at the last connect).
    pub timeout_secs: u32,
}

/// What the app has stored, read offline.
#[derive(Debug, Clone, Serialize, Type)]
pub struct StatusView {
    /// The console npub, once created.
    pub console_npub: Option<String>,
    /// Where the console key lives.
    pub secret_store: String,
    /// The local cache file.
    pub database: String,
    /// The configured bunker.
    pub bunker: Option<BunkerView>,
    /// The embedded sandbox, when it runs.
    pub sandbox: Option<SandboxInfo>,
    /// Demo mode (`SATOP_DEMO=1`, set by `scripts/run.sh`): with no bunker configured, the UI
    /// starts on the sandbox.
    pub demo: bool,
    /// What the app has to tell the operator (e.g. a pairing code burned at start).
    pub notices: Vec<String>,
    /// The fewest characters a new passphrase may have (fleet-core's rule; shown, not checked,
    /// by the UI).
    pub min_passphrase_chars: u32,
    /// Prepared pairing codes that can still be shown (each a bearer secret) and the nearest
    /// expiry among them.
    pub prepared_codes: super::CodesSummaryView,
}

impl From<fleet_core::status::Status> for StatusView {
    fn from(s: fleet_core::status::Status) -> Self {
        Self {
            console_npub: s.console_npub,
            secret_store: s.secret_store,
            database: s.database,
            bunker: s.bunker.map(|b| BunkerView {
                timeout_secs: u32::try_from(s.timeout_secs).unwrap_or(u32::MAX),
                admin_relays: b.admin_relays,
                key_name: b.key_name,
                atm_relays: b.atm_relays,
                encryption: b.encryption,
                line: b.line,
                probed_at: b.probed_at,
            }),
            sandbox: None,
            demo: false,
            notices: Vec::new(),
            min_passphrase_chars: u32::try_from(
                fleet_core::rules::passphrase::MIN_PASSPHRASE_CHARS,
            )
            .unwrap_or(u32::MAX),
            prepared_codes: s.prepared_codes.into(),
        }
    }
}
