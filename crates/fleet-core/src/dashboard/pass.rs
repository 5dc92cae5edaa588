//! The one pass over the rows read for the dashboard: outbox, machines, prepared codes. Each
//! function turns its rows into counts and "needs attention" rows.

use std::collections::HashMap;
use std::time::Duration;

use fleet_store::codes::{CodeState, PreparedCode};
use fleet_store::{repair_queue, Machine, MachineState, OutboxItem, OutboxStatus};

use super::{AttentionItem, Concern, Fix, OutboxSummary, Rows, StateCounts, STALE_SHOWN_CODE_SECS};
use crate::lifecycle::effective_state;
use crate::liveness::is_silent;

/// A concern of one machine: why, the fix, since when, in words.
type Found = (Concern, Fix, Option<i64>, String);

/// The outbox in numbers, the newest unfinished machine revoke per machine, and a row for each
/// other action that failed for good.
pub(super) fn outbox(
    items: &[OutboxItem],
) -> (OutboxSummary, HashMap<i64, &OutboxItem>, Vec<AttentionItem>) {
    let mut summary = OutboxSummary::default();
    let mut revokes: HashMap<i64, &OutboxItem> = HashMap::new();
    let mut attention = Vec::new();
    for item in items {
        match item.status {
            OutboxStatus::Pending => summary.pending += 1,
            OutboxStatus::Running => summary.running += 1,
            OutboxStatus::Failed => summary.failed += 1,
            OutboxStatus::Done => {}
        }
        summary.oldest_at = Some(
            summary
                .oldest_at
                .map_or(item.created_at, |t| t.min(item.created_at)),
        );
        if summary.waiting_reason.is_none() && item.status == OutboxStatus::Pending {
            summary.waiting_reason = item.last_error.clone();
        }
        let machine_revoke = item.action == "revoke"
            && item.payload.get("scope").and_then(|s| s.as_str()) == Some("machine");
        match (machine_revoke, item.machine_id) {
            // Rows come in id order: the newest one per machine wins.
            (true, Some(id)) => {
                revokes.insert(id, item);
            }
            _ if item.status == OutboxStatus::Failed => attention.push(row(
                (
                    Concern::OutboxFailed,
                    Fix::RetryAction,
                    Some(item.updated_at),
                    format!(
                        "{} failed: {}",
                        item.action,
                        item.last_error.as_deref().unwrap_or("no reason given")
                    ),
                ),
                Vec::new(),
                item.machine_id,
                Some(item.id),
            )),
            _ => {}
        }
    }
    (summary, revokes, attention)
}

/// Counts by state (the clock applied) and one row per machine that needs the operator: its
/// most urgent concern, the others in `also`.
pub(super) fn machines(
    rows: &Rows,
    revokes: &HashMap<i64, &OutboxItem>,
    now: i64,
    silent_after: Duration,
) -> (StateCounts, Vec<AttentionItem>) {
    let seen: HashMap<i64, i64> = rows
        .seen
        .iter()
        .map(|s| (s.machine_id, s.last_seen_at))
        .collect();
    let queued: HashMap<i64, &repair_queue::Queued> =
        rows.queued.iter().map(|q| (q.machine_id, q)).collect();
    let mut counts = StateCounts {
        machines: rows.machines.len(),
        ..StateCounts::default()
    };
    let mut attention = Vec::new();
    for m in &rows.machines {
        let state = effective_state(m, now);
        let revoke = revokes.get(&m.id).copied();
        let revoke_failed = state == MachineState::RevokePending
            && revoke.is_some_and(|r| r.status == OutboxStatus::Failed);
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

        let mut found = state_concern(m, state, revoke, revoke_failed);
        if silent {
            found.push((
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
            found.push((
                Concern::RepairQueued,
                crate::repair_queue::repair_fix(m),
                Some(at),
                "queued for re-pair".into(),
            ));
        }
        found.sort_by_key(|c| c.0);
        let mut found = found.into_iter();
        if let Some(first) = found.next() {
            let retry = (first.1 == Fix::RetryRevoke).then(|| revoke.map(|r| r.id));
            attention.push(row(
                first,
                found.map(|c| c.0).collect(),
                Some(m.id),
                retry.flatten(),
            ));
        }
    }
    counts.paired = counts.active + counts.expiring + counts.expired;
    (counts, attention)
}

/// What a machine's state alone asks for.
fn state_concern(
    m: &Machine,
    state: MachineState,
    revoke: Option<&OutboxItem>,
    revoke_failed: bool,
) -> Vec<Found> {
    let found = match state {
        MachineState::RevokePending if revoke_failed => (
            Concern::RevokeFailed,
            Fix::RetryRevoke,
            revoke.map(|r| r.updated_at),
            format!(
                "the bunker refused the revoke: {}",
                revoke
                    .and_then(|r| r.last_error.as_deref())
                    .unwrap_or("no reason given")
            ),
        ),
        MachineState::RevokePending => (
            Concern::RevokePending,
            Fix::Sync,
            revoke.map(|r| r.created_at),
            "revoke waits for the bunker".into(),
        ),
        MachineState::Expired => (
            Concern::Expired,
            Fix::Renew,
            m.bunker_token_expires_at,
            "access term over, the machine can still sign".into(),
        ),
        MachineState::Expiring => (
            Concern::Expiring,
            Fix::Renew,
            m.bunker_token_expires_at,
            "access term ends within 7 days".into(),
        ),
        MachineState::Legacy => (
            Concern::Legacy,
            Fix::Pair,
            None,
            "paired the legacy way: the operator key sits on the ATM".into(),
        ),
        MachineState::Active
        | MachineState::Pairing
        | MachineState::Unpaired
        | MachineState::Revoked => return Vec::new(),
    };
    vec![found]
}

/// How many codes can still be shown, and a row for each flagged or stale shown code.
pub(super) fn codes(
    codes: &[PreparedCode],
    machines: &HashMap<i64, &Machine>,
    now: i64,
) -> (usize, Vec<AttentionItem>) {
    let mut live = 0;
    let mut attention = Vec::new();
    for code in codes {
        let open =
            code.state.is_open() && code.expires_at > now && code.burn_requested_at.is_none();
        live += usize::from(open && code.state == CodeState::Live);
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
        let mut item = row(
            (
                concern,
                action,
                since,
                format!("prepared code #{}: {detail}", code.id),
            ),
            Vec::new(),
            code.machine_id,
            None,
        );
        item.code_id = Some(code.id);
        item.site = code
            .machine_id
            .and_then(|id| machines.get(&id))
            .and_then(|m| m.site.clone())
            .or_else(|| code.site.clone());
        attention.push(item);
    }
    (live, attention)
}

/// An attention row; the machine's name and site are filled in by the caller.
fn row(
    (concern, action, since, detail): Found,
    also: Vec<Concern>,
    machine_id: Option<i64>,
    outbox_id: Option<i64>,
) -> AttentionItem {
    AttentionItem {
        concern,
        also,
        action,
        action_label: action.label(),
        machine_id,
        machine: None,
        site: None,
        code_id: None,
        outbox_id,
        since,
        detail,
    }
}
