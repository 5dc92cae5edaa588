//! `satop dashboard [--json]`: is anything wrong? Counts by state, what needs attention with the
//! command that fixes it, bunker, relays and outbox, from the cache "as of" the last sync.

use fleet_core::dashboard::{AttentionItem, Dashboard, Fix, Reach};
use fleet_core::{unix_now, Fleet};

use crate::commands::print_json;
use crate::exit::Failure;
use crate::output::{ago, shown};

/// How many attention rows the text view prints (`--json` has them all).
const ROWS_PRINTED: usize = 50;

pub async fn run(fleet: &Fleet, json: bool) -> Result<(), Failure> {
    let board = fleet.dashboard(unix_now()).await?;
    if json {
        return print_json(&board);
    }
    print!("{}", text(&board));
    Ok(())
}

fn text(board: &Dashboard) -> String {
    let now = board.now;
    let c = &board.counts;
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!(
        "machines:     {} · paired {} (active {}, expiring {}, expired {}) · silent {}",
        c.machines, c.paired, c.active, c.expiring, c.expired, c.silent
    ));
    line(format!(
        "              revoke pending {} · revoke failed {} · revoked {} · legacy {} · unpaired {} · pairing {}",
        c.revoke_pending, c.revoke_failed, c.revoked, c.legacy, c.unpaired, c.pairing
    ));
    line(format!(
        "              live prepared codes {} · queued for re-pair {}",
        c.live_codes, c.repair_queued
    ));
    let b = &board.bunker;
    if b.configured {
        line(format!(
            "bunker:       {}{} · {}",
            reach(b.reach),
            b.last_error
                .as_deref()
                .map(|e| format!(" ({})", shown(e)))
                .unwrap_or_default(),
            b.line.as_deref().unwrap_or("")
        ));
        if let Some(at) = b.last_reached_at {
            line(format!("              last answered {}", ago(at, now)));
        }
    } else {
        line("bunker:       none yet (run `satop connect …`)".into());
    }
    let r = &board.relays;
    line(format!(
        "ATM relays:   {}{} · {} · {}",
        reach(r.reach),
        r.last_error
            .as_deref()
            .map(|e| format!(" ({})", shown(e)))
            .unwrap_or_default(),
        r.last_read_at.map_or_else(
            || "never read".to_string(),
            |at| format!("read {}", ago(at, now))
        ),
        if r.relays.is_empty() {
            "none".to_string()
        } else {
            r.relays.join(", ")
        }
    ));
    let o = &board.outbox;
    let waiting = o
        .waiting_reason
        .as_deref()
        .map(|w| format!(" · waiting: {}", shown(w)))
        .unwrap_or_default();
    line(format!(
        "outbox:       {} pending, {} failed{}{}",
        o.pending,
        o.failed,
        o.oldest_at
            .map(|at| format!(" · oldest queued {}", ago(at, now)))
            .unwrap_or_default(),
        waiting
    ));
    line(match board.last_sync_at {
        Some(at) => format!(
            "as of:        the last sync, {} (`satop sync` to refresh)",
            ago(at, now)
        ),
        None => "as of:        never synced: run `satop sync`".into(),
    });
    if board.attention.is_empty() {
        line("needs attention: nothing".into());
        return out;
    }
    line(format!("needs attention ({}):", board.attention.len()));
    for row in board.attention.iter().take(ROWS_PRINTED) {
        line(format!("  {}", attention_line(row)));
    }
    if board.attention.len() > ROWS_PRINTED {
        line(format!(
            "  … and {} more (`satop dashboard --json` lists them all)",
            board.attention.len() - ROWS_PRINTED
        ));
    }
    out
}

fn reach(r: Reach) -> &'static str {
    match r {
        Reach::Reachable => "reachable at the last sync",
        Reach::Unreachable => "NOT reachable at the last sync",
        Reach::Unknown => "not tried yet",
    }
}

fn attention_line(row: &AttentionItem) -> String {
    let who = match (&row.machine, row.code_id) {
        (Some(m), _) => format!("{:?}", shown(m)),
        (None, Some(id)) => format!("code #{id}"),
        (None, None) => "outbox".to_string(),
    };
    let name = row.machine.as_deref().map(|m| shown(m).into_owned());
    let how = match (row.action, &name) {
        (Fix::RetryRevoke | Fix::RetryAction, _) => row
            .outbox_id
            .map(|id| format!("`satop outbox retry {id}`, then `satop sync`")),
        (Fix::Renew, Some(n)) => Some(format!("`satop repair {n:?}`")),
        (Fix::Pair, Some(n)) => Some(format!("`satop pair {n:?} --wait`")),
        (Fix::CheckMachine, _) => {
            Some("check its power, network and `satmachine-atm heartbeat` timer".into())
        }
        (Fix::RevokeCodeClient, _) => row.code_id.map(|id| format!("`satop code revoke {id}`")),
        (Fix::BurnCode, _) => row.code_id.map(|id| format!("`satop code burn {id}`")),
        (Fix::Sync, _) => Some("`satop sync` when the bunker is reachable".into()),
        (Fix::Renew | Fix::Pair, None) => None,
    };
    format!(
        "{who}: {} → {}{}",
        shown(&row.detail),
        row.action_label,
        how.map(|h| format!(": {h}")).unwrap_or_default()
    )
}
