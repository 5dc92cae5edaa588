//! The dashboard (issue 14 item 2): "is anything wrong?" before "what is there?". Counts by
//! state, the machines and codes that need the operator (each with the one action that fixes
//! it), whether the bunker and the ATM relays answered, and what waits in the outbox. Read from
//! the cache only, so it works offline and says "as of" when.
//!
//! Built in one pass over rows read in one database call, so it stays quick with 10,000
//! machines (see the `dashboard` bench).
//!
//! ```no_run
//! # async fn demo(fleet: fleet_core::Fleet) -> fleet_core::Result<()> {
//! let board = fleet.dashboard(fleet_core::unix_now()).await?;
//! for row in &board.attention {
//!     println!("{:?}: {} → {}", row.machine, row.detail, row.action.label());
//! }
//! # Ok(()) }
//! ```

use std::collections::HashMap;

use fleet_store::codes::{self, PreparedCode};
use fleet_store::liveness::{self as seen_store, Seen};
use fleet_store::OutboxItem;
use fleet_store::{machines, outbox, profile, repair_queue, settings, BunkerProfile, Machine};
use serde::Serialize;

use crate::sync::SyncReport;
use crate::{Fleet, Result};

mod pass;

/// A code shown to a machine longer ago than this and still not seen redeemed is a bearer
/// secret left out in the world: burn it (24 h).
pub const STALE_SHOWN_CODE_SECS: i64 = 24 * 60 * 60;
/// How many outbox rows the dashboard lists (the counts cover all of them).
pub const OUTBOX_ROWS_SHOWN: usize = 10;

/// Setting: when the last sync ran (unix seconds).
pub const SYNC_AT_SETTING: &str = "sync.last_at";
/// Setting: why the bunker did not answer at the last sync (empty when it did).
pub const SYNC_BUNKER_ERROR_SETTING: &str = "sync.bunker_error";
/// Setting: why the ATM relays did not answer at the last sync (empty when they did).
pub const SYNC_RELAY_ERROR_SETTING: &str = "sync.relay_error";

/// Machines (and codes) per state, with the clock applied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StateCounts {
    /// Every machine.
    pub machines: usize,
    /// Paired through the bunker with access now (active + expiring + expired).
    pub paired: usize,
    /// Paired, more than 7 days of the term left.
    pub active: usize,
    /// Paired, the term ends within 7 days.
    pub expiring: usize,
    /// Paired, the term is over.
    pub expired: usize,
    /// A pairing code is out.
    pub pairing: usize,
    /// Never paired through the bunker.
    pub unpaired: usize,
    /// Revoke requested, waiting for the bunker (not failed).
    pub revoke_pending: usize,
    /// Revoke requested, and the bunker refused it.
    pub revoke_failed: usize,
    /// Revoked.
    pub revoked: usize,
    /// Paired the legacy way (operator nsec on the ATM).
    pub legacy: usize,
    /// Paired and not seen within the silent threshold.
    pub silent: usize,
    /// Prepared codes that can still be shown.
    pub live_codes: usize,
    /// Machines queued for re-pair and not re-paired since.
    pub repair_queued: usize,
}

/// Why a row needs the operator, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Concern {
    /// The bunker refused a revoke: the machine may still sign.
    RevokeFailed,
    /// A prepared code was redeemed by a client nobody expected.
    CodeFlagged,
    /// The access term is over and the machine still has access.
    Expired,
    /// Paired and not heard from within the silent threshold.
    Silent,
    /// A code shown a day ago and never redeemed: a live secret out in the world.
    CodeStale,
    /// Another queued action failed for good.
    OutboxFailed,
    /// The term ends within 7 days.
    Expiring,
    /// Queued for re-pair.
    RepairQueued,
    /// The operator nsec still sits on the ATM.
    Legacy,
    /// A revoke waits for the bunker.
    RevokePending,
}

/// The action that resolves a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fix {
    /// Put the failed revoke back in the queue (`outbox_id`) and sync.
    RetryRevoke,
    /// Re-pair with a new ATM key (the old one is revoked once the new one is redeemed).
    Renew,
    /// Pair again (a revoked or never-bunker-paired machine).
    Pair,
    /// Go and look at the machine: power, network, the `satmachine-atm heartbeat` timer.
    CheckMachine,
    /// Revoke the client that redeemed the flagged code (`code_id`).
    RevokeCodeClient,
    /// Burn the code (`code_id`).
    BurnCode,
    /// Put the failed action back in the queue (`outbox_id`).
    RetryAction,
    /// Sync when the bunker is reachable: the queued work runs then.
    Sync,
}

impl Fix {
    /// The action in words, as both fronts show it.
    pub fn label(self) -> &'static str {
        match self {
            Self::RetryRevoke => "retry revoke",
            Self::Renew => "renew",
            Self::Pair => "pair",
            Self::CheckMachine => "check silent machine",
            Self::RevokeCodeClient => "revoke the code's client",
            Self::BurnCode => "burn code",
            Self::RetryAction => "retry",
            Self::Sync => "sync now",
        }
    }
}

/// One row of "needs attention".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttentionItem {
    /// Why, the most urgent concern of this machine or code.
    pub concern: Concern,
    /// Its other concerns, if any (an expired machine that is also silent).
    pub also: Vec<Concern>,
    /// What resolves it.
    pub action: Fix,
    /// The action in words ([`Fix::label`]).
    pub action_label: &'static str,
    /// The machine, if the row is about one.
    pub machine_id: Option<i64>,
    /// Its name.
    pub machine: Option<String>,
    /// Its site.
    pub site: Option<String>,
    /// The prepared code, if the row is about one.
    pub code_id: Option<i64>,
    /// The outbox row to retry, if any.
    pub outbox_id: Option<i64>,
    /// Since when (unix seconds): term end, last seen, queued, shown.
    pub since: Option<i64>,
    /// One line for people.
    pub detail: String,
}

/// Whether a peer answered, as last seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// It answered at the last try.
    Reachable,
    /// It did not answer at the last try.
    Unreachable,
    /// Never tried (no sync yet).
    Unknown,
}

/// The bunker as last seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BunkerHealth {
    /// Whether a bunker is configured at all (`satop connect`).
    pub configured: bool,
    /// The nsecbunkerd line in words ([`crate::connect::line_description`]).
    pub line: Option<String>,
    /// The operator key's name on the bunker.
    pub key_name: Option<String>,
    /// Whether it answered at the last sync.
    pub reach: Reach,
    /// When it last answered (last reconcile or probe, unix seconds).
    pub last_reached_at: Option<i64>,
    /// Why it did not answer at the last sync.
    pub last_error: Option<String>,
}

/// The ATM relays as last seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelayHealth {
    /// The ATM relays.
    pub relays: Vec<String>,
    /// Whether they answered at the last sync.
    pub reach: Reach,
    /// When they were last read for liveness (a sync, or the app's live watch).
    pub last_read_at: Option<i64>,
    /// Why they did not answer at the last sync.
    pub last_error: Option<String>,
}

/// What waits in the outbox.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OutboxSummary {
    /// Rows waiting to run.
    pub pending: usize,
    /// Rows a runner holds now.
    pub running: usize,
    /// Rows that failed for good.
    pub failed: usize,
    /// When the oldest unfinished row was queued.
    pub oldest_at: Option<i64>,
    /// Why the first pending row waits (its last error), if it tried.
    pub waiting_reason: Option<String>,
    /// The first rows, in execution order (at most [`OUTBOX_ROWS_SHOWN`]).
    pub rows: Vec<crate::outbox::OutboxEntry>,
}

/// The dashboard, read from the cache.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    /// The time it was computed for (unix seconds).
    pub now: i64,
    /// When the last sync ran: what the numbers are "as of" (`None` before the first).
    pub last_sync_at: Option<i64>,
    /// Counts by state.
    pub counts: StateCounts,
    /// What needs the operator, most urgent first.
    pub attention: Vec<AttentionItem>,
    /// The bunker.
    pub bunker: BunkerHealth,
    /// The ATM relays.
    pub relays: RelayHealth,
    /// The outbox.
    pub outbox: OutboxSummary,
}

/// Everything the dashboard reads, in one database call.
pub(crate) struct Rows {
    machines: Vec<Machine>,
    seen: Vec<Seen>,
    codes: Vec<PreparedCode>,
    outbox: Vec<OutboxItem>,
    queued: Vec<repair_queue::Queued>,
    profile: Option<BunkerProfile>,
    settings: HashMap<&'static str, Option<String>>,
    checked_at: Option<i64>,
}

const SETTINGS: [&str; 4] = [
    SYNC_AT_SETTING,
    SYNC_BUNKER_ERROR_SETTING,
    SYNC_RELAY_ERROR_SETTING,
    crate::reconcile::LAST_RECONCILE,
];

impl Fleet {
    /// The dashboard at `now`, from the cache (no network).
    ///
    /// # Errors
    /// [`crate::Error::Store`].
    pub async fn dashboard(&self, now: i64) -> Result<Dashboard> {
        let silent_after = self.silent_after().await?;
        let rows = self
            .db()
            .interact(|c| {
                let mut settings_read = HashMap::new();
                for key in SETTINGS {
                    settings_read.insert(key, settings::get(c, key)?);
                }
                Ok(Rows {
                    machines: machines::list(c)?,
                    seen: seen_store::all(c)?,
                    codes: codes::list(c)?,
                    outbox: outbox::unfinished(c)?,
                    queued: repair_queue::all(c)?,
                    profile: profile::load(c)?,
                    settings: settings_read,
                    checked_at: seen_store::checked_at(c)?,
                })
            })
            .await?;
        let outbox_rows: Vec<_> = self
            .outbox()
            .await?
            .into_iter()
            .take(OUTBOX_ROWS_SHOWN)
            .collect();
        Ok(build(rows, outbox_rows, now, silent_after))
    }

    /// Notes how a sync went (the bunker's and the relays' reach, "as of"), for the dashboard.
    ///
    /// # Errors
    /// [`crate::Error::Store`].
    pub(crate) async fn note_sync(&self, report: &SyncReport, at: i64) -> Result<()> {
        let bunker = report.reconcile_error.clone().unwrap_or_default();
        let relays = report.liveness_error.clone().unwrap_or_default();
        Ok(self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                settings::set(&tx, SYNC_AT_SETTING, &at.to_string())?;
                settings::set(&tx, SYNC_BUNKER_ERROR_SETTING, &bunker)?;
                settings::set(&tx, SYNC_RELAY_ERROR_SETTING, &relays)?;
                tx.commit()?;
                Ok(())
            })
            .await?)
    }
}

fn build(
    rows: Rows,
    outbox_rows: Vec<crate::outbox::OutboxEntry>,
    now: i64,
    silent_after: std::time::Duration,
) -> Dashboard {
    let (mut outbox, revoke_rows, mut attention) = pass::outbox(&rows.outbox);
    outbox.rows = outbox_rows;
    let (mut counts, machine_rows) = pass::machines(&rows, &revoke_rows, now, silent_after);
    attention.extend(machine_rows);
    let names: HashMap<i64, &Machine> = rows.machines.iter().map(|m| (m.id, m)).collect();
    let (live_codes, code_rows) = pass::codes(&rows.codes, &names, now);
    counts.live_codes = live_codes;
    attention.extend(code_rows);
    for row in attention.iter_mut().filter(|r| r.machine.is_none()) {
        if let Some(m) = row.machine_id.and_then(|id| names.get(&id)) {
            row.machine = Some(m.name.clone());
            row.site = m.site.clone().or(row.site.take());
        }
    }
    attention.sort_by(|a, b| {
        (a.concern, a.since, &a.machine, a.code_id)
            .cmp(&(b.concern, b.since, &b.machine, b.code_id))
    });
    let (bunker, relays, last_sync_at) = health(&rows);
    Dashboard {
        now,
        last_sync_at,
        counts,
        attention,
        bunker,
        relays,
        outbox,
    }
}

/// The bunker and the relays as the last sync found them, and when it ran.
fn health(rows: &Rows) -> (BunkerHealth, RelayHealth, Option<i64>) {
    let setting = |key: &str| rows.settings.get(key).cloned().flatten();
    let time = |key: &str| setting(key).and_then(|v| v.trim().parse::<i64>().ok());
    let error = |key: &str| setting(key).filter(|v| !v.is_empty());
    let last_sync_at = time(SYNC_AT_SETTING);
    let reach = |err: Option<String>| match (last_sync_at, err) {
        (None, _) => (Reach::Unknown, None),
        (Some(_), None) => (Reach::Reachable, None),
        (Some(_), Some(e)) => (Reach::Unreachable, Some(e)),
    };
    let (bunker_reach, bunker_error) = reach(error(SYNC_BUNKER_ERROR_SETTING));
    let (relay_reach, relay_error) = reach(error(SYNC_RELAY_ERROR_SETTING));
    let profile = rows.profile.as_ref();
    let bunker = BunkerHealth {
        configured: profile.is_some(),
        line: profile.map(crate::connect::line_description),
        key_name: profile.map(|p| p.key_name.clone()),
        reach: bunker_reach,
        last_reached_at: time(crate::reconcile::LAST_RECONCILE)
            .max(profile.and_then(|p| p.probed_at)),
        last_error: bunker_error,
    };
    let relays = RelayHealth {
        relays: profile.map(|p| p.atm_relays.clone()).unwrap_or_default(),
        reach: relay_reach,
        last_read_at: rows.checked_at,
        last_error: relay_error,
    };
    (bunker, relays, last_sync_at)
}

#[cfg(test)]
mod tests;
