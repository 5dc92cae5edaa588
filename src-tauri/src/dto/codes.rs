//! Prepared pairing codes: prepare, list, show at the site, burn.

use fleet_core::codes::{BurnReport, CodeView, CodesSummary};
use serde::{Deserialize, Serialize};
use specta::Type;

/// The "Prepare codes for a site visit" form.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct PrepareInput {
    /// How many codes to mint.
    pub count: u32,
    /// How long each can be redeemed, in days.
    pub valid_days: u32,
    /// The site they are for.
    pub site: Option<String>,
}

/// A prepared code as listed (never its secret).
#[derive(Debug, Clone, Serialize, Type)]
pub struct CodeRow {
    /// Row id.
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
    pub machine: Option<String>,
    /// When it was shown (unix seconds).
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

impl From<CodeView> for CodeRow {
    fn from(c: CodeView) -> Self {
        Self {
            id: c.id,
            client_name: c.client_name,
            state: c.state,
            created_at: c.created_at,
            expires_at: c.expires_at,
            site: c.site,
            machine: c.machine,
            shown_at: c.shown_at,
            noted_fingerprint: c.noted_fingerprint,
            redeemed_fingerprint: c.redeemed_fingerprint,
            burn_pending: c.burn_pending,
            detail: c.detail,
        }
    }
}

/// Live prepared codes (each a bearer secret): always on the Fleet screen when any.
#[derive(Debug, Clone, Copy, Serialize, Type)]
pub struct CodesSummaryView {
    /// Codes that can still be shown.
    pub live: u32,
    /// The nearest expiry among them (unix seconds).
    pub nearest_expiry: Option<i64>,
}

impl From<CodesSummary> for CodesSummaryView {
    fn from(s: CodesSummary) -> Self {
        Self {
            live: u32::try_from(s.live).unwrap_or(u32::MAX),
            nearest_expiry: s.nearest_expiry,
        }
    }
}

/// A prepared code shown to a machine, offline: the QR as the Pair wizard renders it.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ShownCodeView {
    /// The code (prepared on `created_at`, valid until `expires_at`).
    pub code: CodeRow,
    /// The machine's name.
    pub machine: String,
    /// The machine was created by showing the code.
    pub machine_created: bool,
    /// The QR (SVG, integer pixels per module, quiet zone included).
    pub qr_svg: String,
    /// Modules per side (quiet zone included).
    pub qr_modules: u32,
    /// Pixels per module at natural size.
    pub qr_px_per_module: u32,
}

/// What a burn did.
#[derive(Debug, Clone, Serialize, Type)]
pub struct BurnView {
    /// Codes burned now.
    pub burned: Vec<i64>,
    /// Codes whose redeem window had already ended on the bunker.
    pub expired: Vec<i64>,
    /// Codes someone had redeemed first: flagged.
    pub already_redeemed: Vec<i64>,
    /// Codes whose burn waits for the network (the next sync runs it).
    pub pending: Vec<i64>,
    /// Why the bunker could not be reached, when codes are pending.
    pub offline_reason: Option<String>,
}

impl From<BurnReport> for BurnView {
    fn from(r: BurnReport) -> Self {
        Self {
            burned: r.burned,
            expired: r.expired,
            already_redeemed: r.already_redeemed,
            pending: r.pending,
            offline_reason: r.offline_reason,
        }
    }
}
