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

use fleet_store::codes::{self, CodeState, PreparedCode};
use fleet_store::liveness::{self as seen_store, Seen};
use fleet_store::{machines, outbox, profile, repair_queue, settings, Machine, MachineState};
use fleet_store::{BunkerProfile, OutboxItem, OutboxStatus};
use serde::Serialize;

use crate::lifecycle::effective_state;
use crate::liveness::is_silent;
use crate::sync::SyncReport;
use crate::{Fleet, Result};

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
struct Rows {
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
    let setting = |key: &str| rows.settings.get(key).cloned().flatten();
    let time = |key: &str| setting(key).and_then(|v| v.trim().parse::<i64>().ok());
    let error = |key: &str| setting(key).filter(|v| !v.is_empty());
    let last_sync_at = time(SYNC_AT_SETTING);

    let seen: HashMap<i64, i64> = rows
        .seen
        .iter()
        .map(|s| (s.machine_id, s.last_seen_at))
        .collect();
    let queued: HashMap<i64, &repair_queue::Queued> =
        rows.queued.iter().map(|q| (q.machine_id, q)).collect();
    // The newest unfinished machine revoke per machine: failed or waiting.
    let mut revoke_rows: HashMap<i64, &OutboxItem> = HashMap::new();
    let mut outbox = OutboxSummary::default();
    let mut attention = Vec::new();
    for item in &rows.outbox {
        match item.status {
            OutboxStatus::Pending => outbox.pending += 1,
            OutboxStatus::Running => outbox.running += 1,
            OutboxStatus::Failed => outbox.failed += 1,
            OutboxStatus::Done => {}
        }
        outbox.oldest_at = Some(
            outbox
                .oldest_at
                .map_or(item.created_at, |t| t.min(item.created_at)),
        );
        if outbox.waiting_reason.is_none() && item.status == OutboxStatus::Pending {
            outbox.waiting_reason = item.last_error.clone();
        }
        let machine_revoke = item.action == "revoke"
            && item.payload.get("scope").and_then(|s| s.as_str()) == Some("machine");
        match (machine_revoke, item.machine_id) {
            (true, Some(id)) => {
                revoke_rows.insert(id, item);
            }
            _ if item.status == OutboxStatus::Failed => attention.push(AttentionItem {
                concern: Concern::OutboxFailed,
                also: Vec::new(),
                action: Fix::RetryAction,
                action_label: Fix::RetryAction.label(),
                machine_id: item.machine_id,
                machine: None,
                site: None,
                code_id: None,
                outbox_id: Some(item.id),
                since: Some(item.updated_at),
                detail: format!(
                    "{} failed: {}",
                    item.action,
                    item.last_error.as_deref().unwrap_or("no reason given")
                ),
            }),
            _ => {}
        }
    }
    outbox.rows = outbox_rows;

    let mut counts = StateCounts {
        machines: rows.machines.len(),
        ..StateCounts::default()
    };
    let names: HashMap<i64, &Machine> = rows.machines.iter().map(|m| (m.id, m)).collect();
    for m in &rows.machines {
        let state = effective_state(m, now);
        let revoke_row = revoke_rows.get(&m.id).copied();
        let revoke_failed = state == MachineState::RevokePending
            && revoke_row.is_some_and(|r| r.status == OutboxStatus::Failed);
        match state {
            MachineState::Active => counts.active += 1,
            MachineState::Expiring => counts.expiring += 1,
            MachineState::Expired => counts.expired += 1,
            MachineState::Pairing => counts.pairing += 1,
            MachineState::Unpaired => counts.unpaired += 1,
            MachineState::RevokePending if revoke_failed => counts.revoke_failed += 1,
            MachineState::RevokePending => counts.revoke_pending += 1,
            MachineState::Revoked => counts.revoked += 1,
            MachineState::Legacy => counts.legacy += 1,
        }
        let last_seen = seen.get(&m.id).copied();
        let silent = is_silent(m, last_seen, now, silent_after);
        counts.silent += usize::from(silent);
        let repair_since = queued
            .get(&m.id)
            .filter(|q| crate::repair_queue::still_queued(m, q))
            .map(|q| q.queued_at);
        counts.repair_queued += usize::from(repair_since.is_some());

        let mut concerns: Vec<(Concern, Fix, Option<i64>, String)> = Vec::new();
        match state {
            MachineState::RevokePending if revoke_failed => concerns.push((
                Concern::RevokeFailed,
                Fix::RetryRevoke,
                revoke_row.map(|r| r.updated_at),
                format!(
                    "the bunker refused the revoke: {}",
                    revoke_row
                        .and_then(|r| r.last_error.as_deref())
                        .unwrap_or("no reason given")
                ),
            )),
            MachineState::RevokePending => concerns.push((
                Concern::RevokePending,
                Fix::Sync,
                revoke_row.map(|r| r.created_at),
                "revoke waits for the bunker".into(),
            )),
            MachineState::Expired => concerns.push((
                Concern::Expired,
                Fix::Renew,
                m.bunker_token_expires_at,
                "access term over, the machine can still sign".into(),
            )),
            MachineState::Expiring => concerns.push((
                Concern::Expiring,
                Fix::Renew,
                m.bunker_token_expires_at,
                "access term ends within 7 days".into(),
            )),
            MachineState::Legacy => concerns.push((
                Concern::Legacy,
                Fix::Pair,
                None,
                "paired the legacy way: the operator key sits on the ATM".into(),
            )),
            _ => {}
        }
        if silent {
            concerns.push((
                Concern::Silent,
                Fix::CheckMachine,
                last_seen.or(m.paired_at),
                match last_seen {
                    Some(_) => "not seen within the silent threshold".into(),
                    None => "never seen since it was paired".into(),
                },
            ));
        }
        if let Some(at) = repair_since {
            let fix = crate::repair_queue::repair_fix(m);
            concerns.push((
                Concern::RepairQueued,
                fix,
                Some(at),
                "queued for re-pair".into(),
            ));
        }
        concerns.sort_by_key(|c| c.0);
        let mut concerns = concerns.into_iter();
        if let Some((concern, action, since, detail)) = concerns.next() {
            attention.push(AttentionItem {
                concern,
                also: concerns.map(|c| c.0).collect(),
                action,
                action_label: action.label(),
                machine_id: Some(m.id),
                machine: Some(m.name.clone()),
                site: m.site.clone(),
                code_id: None,
                outbox_id: revoke_row
                    .filter(|_| action == Fix::RetryRevoke)
                    .map(|r| r.id),
                since,
                detail,
            });
        }
    }
    counts.paired = counts.active + counts.expiring + counts.expired;

    for code in &rows.codes {
        let open =
            code.state.is_open() && code.expires_at > now && code.burn_requested_at.is_none();
        counts.live_codes += usize::from(open && code.state == CodeState::Live);
        let (concern, action, since, detail) = match code.state {
            CodeState::Flagged => (
                Concern::CodeFlagged,
                Fix::RevokeCodeClient,
                code.shown_at,
                code.detail
                    .clone()
                    .unwrap_or_else(|| "redeemed by a client nobody expected".into()),
            ),
            CodeState::Shown
                if open
                    && code
                        .shown_at
                        .is_some_and(|t| now - t > STALE_SHOWN_CODE_SECS) =>
            {
                (
                    Concern::CodeStale,
                    Fix::BurnCode,
                    code.shown_at,
                    "shown over a day ago and never redeemed".into(),
                )
            }
            _ => continue,
        };
        let machine = code.machine_id.and_then(|id| names.get(&id));
        attention.push(AttentionItem {
            concern,
            also: Vec::new(),
            action,
            action_label: action.label(),
            machine_id: code.machine_id,
            machine: machine.map(|m| m.name.clone()),
            site: machine
                .and_then(|m| m.site.clone())
                .or_else(|| code.site.clone()),
            code_id: Some(code.id),
            outbox_id: None,
            since,
            detail: format!("prepared code #{}: {detail}", code.id),
        });
    }
    for row in attention
        .iter_mut()
        .filter(|r| r.concern == Concern::OutboxFailed)
    {
        if let Some(m) = row.machine_id.and_then(|id| names.get(&id)) {
            row.machine = Some(m.name.clone());
            row.site = m.site.clone();
        }
    }
    attention.sort_by(|a, b| {
        (a.concern, a.since, &a.machine, a.code_id)
            .cmp(&(b.concern, b.since, &b.machine, b.code_id))
    });

    let reconciled_at = time(crate::reconcile::LAST_RECONCILE);
    let profile = rows.profile.as_ref();
    let reach = |err: Option<String>| match (last_sync_at, err) {
        (None, _) => (Reach::Unknown, None),
        (Some(_), None) => (Reach::Reachable, None),
        (Some(_), Some(e)) => (Reach::Unreachable, Some(e)),
    };
    let (bunker_reach, bunker_error) = reach(error(SYNC_BUNKER_ERROR_SETTING));
    let (relay_reach, relay_error) = reach(error(SYNC_RELAY_ERROR_SETTING));
    Dashboard {
        now,
        last_sync_at,
        counts,
        attention,
        bunker: BunkerHealth {
            configured: profile.is_some(),
            line: profile.map(crate::connect::line_description),
            key_name: profile.map(|p| p.key_name.clone()),
            reach: bunker_reach,
            last_reached_at: reconciled_at.max(profile.and_then(|p| p.probed_at)),
            last_error: bunker_error,
        },
        relays: RelayHealth {
            relays: profile.map(|p| p.atm_relays.clone()).unwrap_or_default(),
            reach: relay_reach,
            last_read_at: rows.checked_at,
            last_error: relay_error,
        },
        outbox,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::outbox::Action;
    use crate::revoke::RevokeAction;
    use crate::secrets::Secrets;
    use fleet_store::codes::NewPreparedCode;
    use fleet_store::liveness::SeenBy;
    use fleet_store::{NewMachine, Pairing};

    const DAY: i64 = 86_400;

    /// A cache with one machine in every state, a silent one, codes and a failed revoke.
    async fn seeded(now: i64) -> (tempfile::TempDir, Fleet) {
        let dir = tempfile::tempdir().unwrap();
        let fleet = Fleet::open(dir.path(), Secrets::memory()).unwrap();
        fleet
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let paired = |name: &str, term_end: i64, seen: Option<i64>| {
                    let m = machines::insert(&tx, &NewMachine::new(name))?;
                    machines::set_pairing(
                        &tx,
                        m.id,
                        &Pairing {
                            bunker_connection_id: m.id,
                            atm_client_pubkey: format!("{:064x}", m.id),
                            paired_at: now - 3 * DAY,
                            bunker_token_expires_at: term_end,
                        },
                    )?;
                    if let Some(at) = seen {
                        seen_store::record(
                            &tx,
                            &Seen {
                                machine_id: m.id,
                                last_seen_at: at,
                                seen_by: SeenBy::Heartbeat,
                                atm_pubkey: format!("{:064x}", m.id),
                                software: None,
                                status: None,
                            },
                        )?;
                    }
                    Ok::<_, fleet_store::Error>(m)
                };
                paired("Active", now + 20 * DAY, Some(now - 60))?;
                paired("Expiring", now + 2 * DAY, Some(now - 60))?;
                paired("Expired", now - DAY, Some(now - 60))?;
                paired("Silent", now + 20 * DAY, Some(now - 2 * DAY))?;
                let queued = paired("Queued", now + 20 * DAY, Some(now - 60))?;
                let key = format!("{:064x}", queued.id);
                repair_queue::add(&tx, queued.id, now - 60, Some(&key))?;
                let done = paired("Repaired", now + 20 * DAY, Some(now - 60))?;
                repair_queue::add(&tx, done.id, now - 4 * DAY, Some("00"))?; // another key now
                machines::insert(&tx, &NewMachine::new("Unpaired"))?;
                machines::insert(
                    &tx,
                    &NewMachine {
                        legacy: true,
                        ..NewMachine::new("Legacy")
                    },
                )?;
                let revoked = paired("Revoked", now + 20 * DAY, None)?;
                machines::update_state(&tx, revoked.id, MachineState::Revoked)?;
                for (name, fail) in [("Waiting", false), ("Refused", true)] {
                    let m = paired(name, now + 20 * DAY, Some(now - 60))?;
                    machines::update_state(&tx, m.id, MachineState::RevokePending)?;
                    let action =
                        Action::Revoke(RevokeAction::machine(m.id, Some(1), None, "operator"));
                    let row = outbox::enqueue(&tx, &action.to_item(Some(m.id)).unwrap())?;
                    if fail {
                        outbox::mark_running(&tx, row.id)?;
                        outbox::mark_failed(&tx, row.id, "the bunker refused", None)?;
                    }
                }
                for (i, expires) in [(1, now + DAY), (2, now + DAY), (3, now - DAY)] {
                    codes::insert(
                        &tx,
                        &NewPreparedCode {
                            client_name: format!("satmachine-code-{i}"),
                            bunker_token_id: i,
                            expires_at: expires,
                            site: None,
                        },
                    )?;
                }
                let shown = codes::insert(
                    &tx,
                    &NewPreparedCode {
                        client_name: "satmachine-code-4".into(),
                        bunker_token_id: 4,
                        expires_at: now + 5 * DAY,
                        site: None,
                    },
                )?;
                let unpaired = machines::find_by_name(&tx, "unpaired")?.unwrap();
                codes::mark_shown(&tx, shown.id, unpaired.id, now - 2 * DAY)?;
                tx.commit()?;
                Ok(())
            })
            .await
            .unwrap();
        (dir, fleet)
    }

    #[tokio::test]
    async fn every_state_is_counted_and_each_problem_has_its_action() {
        let now = crate::unix_now();
        let (_dir, fleet) = seeded(now).await;
        let board = fleet.dashboard(now).await.unwrap();
        let c = &board.counts;
        assert_eq!(c.machines, 11);
        assert_eq!((c.active, c.expiring, c.expired), (4, 1, 1), "{c:?}");
        assert_eq!(c.paired, 6);
        assert_eq!((c.revoke_pending, c.revoke_failed), (1, 1), "{c:?}");
        assert_eq!((c.revoked, c.legacy, c.unpaired), (1, 1, 1), "{c:?}");
        assert_eq!(c.silent, 1, "{c:?}");
        assert_eq!(
            c.live_codes, 2,
            "the expired code is not live, the shown one not unused"
        );
        assert_eq!(
            c.repair_queued, 1,
            "a machine paired after it was queued is done"
        );

        let rows: Vec<(Option<&str>, Concern, Fix)> = board
            .attention
            .iter()
            .map(|r| (r.machine.as_deref(), r.concern, r.action))
            .collect();
        assert_eq!(
            rows,
            [
                (Some("Refused"), Concern::RevokeFailed, Fix::RetryRevoke),
                (Some("Expired"), Concern::Expired, Fix::Renew),
                (Some("Silent"), Concern::Silent, Fix::CheckMachine),
                (Some("Unpaired"), Concern::CodeStale, Fix::BurnCode),
                (Some("Expiring"), Concern::Expiring, Fix::Renew),
                (Some("Queued"), Concern::RepairQueued, Fix::Renew),
                (Some("Legacy"), Concern::Legacy, Fix::Pair),
                (Some("Waiting"), Concern::RevokePending, Fix::Sync),
            ]
        );
        assert!(
            board.attention[0].outbox_id.is_some(),
            "retry names its row"
        );
        assert_eq!(board.attention[3].code_id, Some(4));
        assert_eq!(board.outbox.pending, 1);
        assert_eq!(board.outbox.failed, 1);
        assert_eq!(board.outbox.rows.len(), 2);
        assert_eq!(board.bunker.reach, Reach::Unknown, "never synced");
        assert!(!board.bunker.configured);
        assert_eq!(board.last_sync_at, None);
    }

    #[tokio::test]
    async fn the_last_sync_says_as_of_when_and_whether_the_bunker_and_relays_answered() {
        let now = crate::unix_now();
        let (_dir, fleet) = seeded(now).await;
        let mut report = SyncReport {
            reconcile: None,
            reconcile_error: Some("the bunker did not answer within 5 s".into()),
            terms: crate::term::TermSweep::default(),
            outbox: crate::outbox::OutboxRun::default(),
            codes: None,
            liveness: None,
            liveness_error: None,
        };
        fleet.note_sync(&report, now - 30).await.unwrap();
        let board = fleet.dashboard(now).await.unwrap();
        assert_eq!(board.last_sync_at, Some(now - 30));
        assert_eq!(board.bunker.reach, Reach::Unreachable);
        assert_eq!(
            board.bunker.last_error.as_deref(),
            Some("the bunker did not answer within 5 s")
        );
        assert_eq!(board.relays.reach, Reach::Reachable);
        report.reconcile_error = None;
        fleet.note_sync(&report, now).await.unwrap();
        let board = fleet.dashboard(now).await.unwrap();
        assert_eq!(board.bunker.reach, Reach::Reachable);
        assert_eq!(board.bunker.last_error, None);
    }
}
