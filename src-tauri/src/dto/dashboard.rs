//! The dashboard: counts by state, what needs attention (with its action), bunker, relays and
//! outbox, read offline from the cache "as of" the last sync.

use fleet_core::dashboard::{
    AttentionItem, BunkerHealth, Concern, Dashboard, Fix, OutboxSummary, Reach, RelayHealth,
    StateCounts,
};
use fleet_core::watch::WatchStatus;
use serde::Serialize;
use specta::Type;

use crate::dto::OutboxRow;

/// A count for the boundary (a fleet never nears 2^32 machines).
pub(crate) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Machines (and codes) per state, the clock applied.
#[derive(Debug, Clone, Serialize, Type)]
pub struct CountsView {
    /// Every machine.
    pub machines: u32,
    /// Paired through the bunker (active + expiring + expired).
    pub paired: u32,
    /// More than 7 days of the term left.
    pub active: u32,
    /// The term ends within 7 days.
    pub expiring: u32,
    /// The term is over.
    pub expired: u32,
    /// A pairing code is out.
    pub pairing: u32,
    /// Never paired through the bunker.
    pub unpaired: u32,
    /// Revoke waiting for the bunker.
    pub revoke_pending: u32,
    /// Revoke refused by the bunker.
    pub revoke_failed: u32,
    /// Revoked.
    pub revoked: u32,
    /// Paired the legacy way.
    pub legacy: u32,
    /// Paired and not seen within the silent threshold.
    pub silent: u32,
    /// Prepared codes that can still be shown.
    pub live_codes: u32,
    /// Queued for re-pair.
    pub repair_queued: u32,
}

impl From<StateCounts> for CountsView {
    fn from(c: StateCounts) -> Self {
        Self {
            machines: count(c.machines),
            paired: count(c.paired),
            active: count(c.active),
            expiring: count(c.expiring),
            expired: count(c.expired),
            pairing: count(c.pairing),
            unpaired: count(c.unpaired),
            revoke_pending: count(c.revoke_pending),
            revoke_failed: count(c.revoke_failed),
            revoked: count(c.revoked),
            legacy: count(c.legacy),
            silent: count(c.silent),
            live_codes: count(c.live_codes),
            repair_queued: count(c.repair_queued),
        }
    }
}

/// Why a row needs the operator, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ConcernView {
    /// The bunker refused a revoke.
    RevokeFailed,
    /// A prepared code was redeemed by a client nobody expected.
    CodeFlagged,
    /// The access term is over.
    Expired,
    /// Not heard from within the silent threshold.
    Silent,
    /// A code shown a day ago and never redeemed.
    CodeStale,
    /// A queued action failed.
    OutboxFailed,
    /// The term ends within 7 days.
    Expiring,
    /// Queued for re-pair.
    RepairQueued,
    /// Paired the legacy way.
    Legacy,
    /// A revoke waits for the bunker.
    RevokePending,
}

impl From<Concern> for ConcernView {
    fn from(c: Concern) -> Self {
        match c {
            Concern::RevokeFailed => Self::RevokeFailed,
            Concern::CodeFlagged => Self::CodeFlagged,
            Concern::Expired => Self::Expired,
            Concern::Silent => Self::Silent,
            Concern::CodeStale => Self::CodeStale,
            Concern::OutboxFailed => Self::OutboxFailed,
            Concern::Expiring => Self::Expiring,
            Concern::RepairQueued => Self::RepairQueued,
            Concern::Legacy => Self::Legacy,
            Concern::RevokePending => Self::RevokePending,
        }
    }
}

/// The action that resolves a row (the core's choice; `action_label` is its words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum FixView {
    /// `outbox_retry(outbox_id)`, then sync.
    RetryRevoke,
    /// Re-pair with a new ATM key (`pair_begin` renews).
    Renew,
    /// Pair again.
    Pair,
    /// Look at the machine (power, network, heartbeat timer).
    CheckMachine,
    /// `code_revoke_client(code_id)`.
    RevokeCodeClient,
    /// `codes_burn([code_id])`.
    BurnCode,
    /// `outbox_retry(outbox_id)`.
    RetryAction,
    /// `sync` when the bunker is reachable.
    Sync,
}

impl From<Fix> for FixView {
    fn from(f: Fix) -> Self {
        match f {
            Fix::RetryRevoke => Self::RetryRevoke,
            Fix::Renew => Self::Renew,
            Fix::Pair => Self::Pair,
            Fix::CheckMachine => Self::CheckMachine,
            Fix::RevokeCodeClient => Self::RevokeCodeClient,
            Fix::BurnCode => Self::BurnCode,
            Fix::RetryAction => Self::RetryAction,
            Fix::Sync => Self::Sync,
        }
    }
}

/// One "needs attention" row.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AttentionRow {
    /// Why (the most urgent concern).
    pub concern: ConcernView,
    /// Its other concerns.
    pub also: Vec<ConcernView>,
    /// What resolves it.
    pub action: FixView,
    /// The action in words, as the core says it.
    pub action_label: String,
    /// The machine, if any.
    pub machine_id: Option<i64>,
    /// Its name.
    pub machine: Option<String>,
    /// Its site.
    pub site: Option<String>,
    /// The prepared code, if any.
    pub code_id: Option<i64>,
    /// The outbox row to retry, if any.
    pub outbox_id: Option<i64>,
    /// Since when (unix seconds).
    pub since: Option<i64>,
    /// One line for people.
    pub detail: String,
}

impl From<AttentionItem> for AttentionRow {
    fn from(a: AttentionItem) -> Self {
        Self {
            concern: a.concern.into(),
            also: a.also.into_iter().map(ConcernView::from).collect(),
            action: a.action.into(),
            action_label: a.action_label.to_string(),
            machine_id: a.machine_id,
            machine: a.machine,
            site: a.site,
            code_id: a.code_id,
            outbox_id: a.outbox_id,
            since: a.since,
            detail: a.detail,
        }
    }
}

/// Whether a peer answered at the last sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ReachView {
    /// It answered.
    Reachable,
    /// It did not.
    Unreachable,
    /// No sync yet.
    Unknown,
}

impl From<Reach> for ReachView {
    fn from(r: Reach) -> Self {
        match r {
            Reach::Reachable => Self::Reachable,
            Reach::Unreachable => Self::Unreachable,
            Reach::Unknown => Self::Unknown,
        }
    }
}

/// The bunker as last seen.
#[derive(Debug, Clone, Serialize, Type)]
pub struct BunkerHealthView {
    /// A bunker is configured.
    pub configured: bool,
    /// The nsecbunkerd line in words.
    pub line: Option<String>,
    /// The operator key's name.
    pub key_name: Option<String>,
    /// Whether it answered at the last sync.
    pub reach: ReachView,
    /// When it last answered (unix seconds).
    pub last_reached_at: Option<i64>,
    /// Why it did not answer.
    pub last_error: Option<String>,
}

impl From<BunkerHealth> for BunkerHealthView {
    fn from(b: BunkerHealth) -> Self {
        Self {
            configured: b.configured,
            line: b.line,
            key_name: b.key_name,
            reach: b.reach.into(),
            last_reached_at: b.last_reached_at,
            last_error: b.last_error,
        }
    }
}

/// The ATM relays as last seen.
#[derive(Debug, Clone, Serialize, Type)]
pub struct RelayHealthView {
    /// The ATM relays.
    pub relays: Vec<String>,
    /// Whether they answered at the last sync.
    pub reach: ReachView,
    /// When they were last read for liveness (unix seconds).
    pub last_read_at: Option<i64>,
    /// Why they did not answer.
    pub last_error: Option<String>,
}

impl From<RelayHealth> for RelayHealthView {
    fn from(r: RelayHealth) -> Self {
        Self {
            relays: r.relays,
            reach: r.reach.into(),
            last_read_at: r.last_read_at,
            last_error: r.last_error,
        }
    }
}

/// What waits in the outbox.
#[derive(Debug, Clone, Serialize, Type)]
pub struct OutboxSummaryView {
    /// Waiting to run.
    pub pending: u32,
    /// Running now.
    pub running: u32,
    /// Failed for good.
    pub failed: u32,
    /// When the oldest unfinished row was queued.
    pub oldest_at: Option<i64>,
    /// Why the first pending row waits.
    pub waiting_reason: Option<String>,
    /// The first rows, in order.
    pub rows: Vec<OutboxRow>,
}

impl From<OutboxSummary> for OutboxSummaryView {
    fn from(o: OutboxSummary) -> Self {
        Self {
            pending: count(o.pending),
            running: count(o.running),
            failed: count(o.failed),
            oldest_at: o.oldest_at,
            waiting_reason: o.waiting_reason,
            rows: o.rows.into_iter().map(OutboxRow::from).collect(),
        }
    }
}

/// The dashboard (the home screen), read offline.
#[derive(Debug, Clone, Serialize, Type)]
pub struct DashboardView {
    /// When it was computed (unix seconds).
    pub now: i64,
    /// When the last sync ran: "as of" (`None` before the first).
    pub last_sync_at: Option<i64>,
    /// Counts by state.
    pub counts: CountsView,
    /// What needs the operator, most urgent first.
    pub attention: Vec<AttentionRow>,
    /// The bunker.
    pub bunker: BunkerHealthView,
    /// The ATM relays.
    pub relays: RelayHealthView,
    /// The outbox.
    pub outbox: OutboxSummaryView,
}

impl From<Dashboard> for DashboardView {
    fn from(d: Dashboard) -> Self {
        Self {
            now: d.now,
            last_sync_at: d.last_sync_at,
            counts: d.counts.into(),
            attention: d.attention.into_iter().map(AttentionRow::from).collect(),
            bunker: d.bunker.into(),
            relays: d.relays.into(),
            outbox: d.outbox.into(),
        }
    }
}

/// What the app's live watch of the ATMs' traffic is doing.
#[derive(Debug, Clone, Serialize, Type)]
pub struct WatchView {
    /// Whether it runs (it starts with the app).
    pub running: bool,
    /// ATM relays connected now.
    pub connected_relays: u32,
    /// Paired machines watched.
    pub watched_machines: u32,
    /// Verified sightings since the app started.
    pub seen: u32,
    /// Events ignored (not from a paired machine of this operator).
    pub ignored: u32,
    /// The newest sighting (unix seconds).
    pub last_sighting_at: Option<i64>,
    /// Why it is not watching, if it is not.
    pub waiting: Option<String>,
}

impl From<Option<WatchStatus>> for WatchView {
    fn from(s: Option<WatchStatus>) -> Self {
        let running = s.is_some();
        let s = s.unwrap_or_default();
        let small = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        Self {
            running,
            connected_relays: count(s.connected_relays),
            watched_machines: count(s.watched_machines),
            seen: small(s.seen),
            ignored: small(s.ignored),
            last_sighting_at: s.last_sighting_at,
            waiting: s.waiting,
        }
    }
}
