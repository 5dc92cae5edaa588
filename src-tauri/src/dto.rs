//! What crosses the IPC boundary. Domain types stay in fleet-core; these are converted from them
//! with `From` and exhaustive matches where the core's types allow (STYLE.md item 10).
//!
//! Integers are unix seconds and small ids: well inside the 2^53 a JavaScript number holds
//! exactly, which is why the bindings export them as `number` (see [`crate::bindings`]).

mod activity;
mod fee;
mod migration;
mod outbox;
mod publish;

pub use activity::ActivityEntry;
pub use fee::{FeeInfo, FeeInput, FeeValues, PublishedFeeView, QueuedFeeView};
pub use migration::{CheckState, CheckView, ChecklistView, ImportView, SkippedView};
pub use outbox::{OutboxRow, OutboxStep, SyncView, UnknownClientView};
pub use publish::{DiffView, FieldChangeView, PublishResult, RosterView};

use fleet_core::audit::AuditRecord;
use fleet_core::connect::{Capabilities, ProbeStep};
use fleet_core::machines::MachineSummary;
use fleet_core::pairing::{PairStep, Paired};
use fleet_core::revoke::{RevokeOutcome, RevokeStep};
use fleet_core::term;
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
    /// When the bunker was last probed (unix seconds).
    pub probed_at: Option<i64>,
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
}

impl From<fleet_core::status::Status> for StatusView {
    fn from(s: fleet_core::status::Status) -> Self {
        Self {
            console_npub: s.console_npub,
            secret_store: s.secret_store,
            database: s.database,
            bunker: s.bunker.map(|b| BunkerView {
                admin_relays: b.admin_relays,
                key_name: b.key_name,
                atm_relays: b.atm_relays,
                encryption: b.encryption,
                probed_at: b.probed_at,
            }),
            sandbox: None,
            demo: false,
        }
    }
}

/// The Connect form.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct ConnectInput {
    /// The bunker's admin connection string.
    pub connection: String,
    /// The key that holds the operator key.
    pub key_name: String,
    /// The relays the ATMs use (1 or 2).
    pub atm_relays: Vec<String>,
    /// Seconds to wait for each bunker reply.
    pub timeout_secs: u32,
}

/// One step of the capability probe, as it happens.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ProbeEvent {
    /// The connection string was understood.
    Parsed {
        /// Admin relays.
        relays: Vec<String>,
    },
    /// The admin ping was answered.
    Pinged {
        /// `ok` (stock) or `pong`.
        reply: String,
    },
    /// The bunker's encryption was found.
    Encryption {
        /// `nip04` or `nip44`.
        mode: String,
    },
    /// The bunker listed its keys.
    Keys {
        /// How many.
        count: u32,
    },
    /// The bunker listed its policies.
    Policies {
        /// How many.
        count: u32,
    },
    /// A step this version does not describe yet.
    Other,
}

impl From<&ProbeStep> for ProbeEvent {
    fn from(step: &ProbeStep) -> Self {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        match step {
            ProbeStep::Parsed { relays, .. } => Self::Parsed {
                relays: relays.clone(),
            },
            ProbeStep::Pinged(reply) => Self::Pinged {
                reply: reply.clone(),
            },
            ProbeStep::Encryption(e) => Self::Encryption {
                mode: e.as_str().to_string(),
            },
            ProbeStep::Keys(n) => Self::Keys { count: count(*n) },
            ProbeStep::Policies(n) => Self::Policies { count: count(*n) },
            // ProbeStep is #[non_exhaustive]: a new step shows as a generic one.
            _ => Self::Other,
        }
    }
}

/// A key on the bunker.
#[derive(Debug, Clone, Serialize, Type)]
pub struct KeyView {
    /// Key name.
    pub name: String,
    /// npub; absent while locked.
    pub npub: Option<String>,
}

/// A policy on the bunker.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PolicyView {
    /// Policy name.
    pub name: String,
    /// Rules as `method` or `method:kind`.
    pub rules: Vec<String>,
}

/// The bunker capabilities the probe found.
#[derive(Debug, Clone, Serialize, Type)]
pub struct CapabilitiesView {
    /// Admin relays.
    pub admin_relays: Vec<String>,
    /// `ok` or `pong`.
    pub ping_reply: String,
    /// `nip04` or `nip44`.
    pub encryption: String,
    /// The bunker's keys.
    pub keys: Vec<KeyView>,
    /// The operator key name.
    pub operator_key: String,
    /// The bunker's policies.
    pub policies: Vec<PolicyView>,
    /// The ATM relays.
    pub atm_relays: Vec<String>,
}

impl From<Capabilities> for CapabilitiesView {
    fn from(c: Capabilities) -> Self {
        Self {
            admin_relays: c.admin_relays,
            ping_reply: c.ping_reply,
            encryption: c.encryption,
            keys: c
                .keys
                .into_iter()
                .map(|k| KeyView {
                    name: k.name,
                    npub: k.npub,
                })
                .collect(),
            operator_key: c.operator_key,
            policies: c
                .policies
                .into_iter()
                .map(|p| PolicyView {
                    name: p.name,
                    rules: p.rules,
                })
                .collect(),
            atm_relays: c.atm_relays,
        }
    }
}

/// A machine in the fleet list.
#[derive(Debug, Clone, Serialize, Type)]
pub struct MachineView {
    /// Row id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Site.
    pub site: Option<String>,
    /// Effective state, the clock applied: `unpaired`, `pairing`, `active`, `expiring`,
    /// `revoke_pending`, …
    pub state: String,
    /// The state as the operator reads it (`revoke pending`).
    pub label: String,
    /// Whole days left in the access term (negative once over), while it counts.
    pub days_left: Option<i64>,
    /// The ATM client key's fingerprint, once paired.
    pub fingerprint: Option<String>,
    /// When it was paired (unix seconds).
    pub paired_at: Option<i64>,
    /// End of the access term (unix seconds).
    pub access_expires_at: Option<i64>,
    /// Last change (unix seconds).
    pub updated_at: i64,
}

impl MachineView {
    /// From fleet-core's summary, its view with the clock applied, and the row's last change.
    pub fn new(s: MachineSummary, view: &term::MachineView, updated_at: i64) -> Self {
        Self {
            id: s.id,
            name: s.name,
            site: s.site,
            state: view.state.as_str().to_string(),
            label: view.label.to_string(),
            days_left: view.days_left,
            fingerprint: s.fingerprint,
            paired_at: s.paired_at,
            access_expires_at: s.access_expires_at,
            updated_at,
        }
    }
}

/// The fleet list, read offline.
#[derive(Debug, Clone, Serialize, Type)]
pub struct FleetView {
    /// Every machine, by name.
    pub machines: Vec<MachineView>,
    /// When the bunker was last heard from (unix seconds): the list is "as of" then.
    pub as_of: Option<i64>,
}

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
    /// Watching for the ATM.
    WaitingForAtm,
    /// The ATM redeemed the code.
    AtmConnected {
        /// Its client key's fingerprint (the ATM shows the same).
        fingerprint: String,
    },
    /// The client is scoped to kind 21000 and recorded.
    Verified,
    /// A step this version does not describe.
    Other,
}

impl From<&PairStep> for PairEvent {
    fn from(step: &PairStep) -> Self {
        match step {
            PairStep::WaitingForAtm => Self::WaitingForAtm,
            PairStep::AtmConnected { fingerprint, .. } => Self::AtmConnected {
                fingerprint: fingerprint.clone(),
            },
            PairStep::Verified { .. } => Self::Verified,
            // TokenMinted is answered by the command's return value; PairStep is #[non_exhaustive].
            _ => Self::Other,
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

/// One line of a machine's history (the audit log).
#[derive(Debug, Clone, Serialize, Type)]
pub struct HistoryEntry {
    /// Increasing id.
    pub id: i64,
    /// When (unix seconds).
    pub at: i64,
    /// What was done (`pair`, `revoke`, `burn`, …).
    pub action: String,
    /// How it went (`ok`, `queued`, `failed`, …).
    pub outcome: String,
    /// Detail; never a secret.
    pub detail: Option<String>,
}

impl From<AuditRecord> for HistoryEntry {
    fn from(r: AuditRecord) -> Self {
        Self {
            id: r.id,
            at: r.at,
            action: r.action,
            outcome: r.outcome,
            detail: r.detail,
        }
    }
}

/// Progress of a revoke.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum RevokeEvent {
    /// The machine is `revoke pending` and the revoke is queued on this computer.
    Queued,
    /// Talking to the bunker.
    Running,
    /// A step this version does not describe.
    Other,
}

impl From<&RevokeStep> for RevokeEvent {
    fn from(step: &RevokeStep) -> Self {
        match step {
            RevokeStep::Queued { .. } => Self::Queued,
            RevokeStep::Running => Self::Running,
            // RevokeStep is #[non_exhaustive].
            _ => Self::Other,
        }
    }
}

/// How a revoke ended.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RevokeView {
    /// The bunker refuses the ATM now; the machine is `revoked`.
    Revoked {
        /// Machine name.
        machine: String,
        /// What was revoked and burned.
        detail: String,
    },
    /// The bunker was not reachable: `revoke pending`, it runs at the next sync.
    Pending {
        /// Machine name.
        machine: String,
        /// Why it waits.
        reason: Option<String>,
    },
    /// The bunker refused the revoke.
    Failed {
        /// Machine name.
        machine: String,
        /// Why.
        reason: String,
    },
}

impl From<RevokeOutcome> for RevokeView {
    fn from(o: RevokeOutcome) -> Self {
        match o {
            RevokeOutcome::Revoked { machine, detail } => Self::Revoked { machine, detail },
            RevokeOutcome::Pending { machine, reason } => Self::Pending { machine, reason },
            RevokeOutcome::Failed { machine, reason } => Self::Failed { machine, reason },
        }
    }
}
