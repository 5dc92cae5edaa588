//! Merging a verified roster into the cache: how one console learns what the others did.
//!
//! The rules (README "Several consoles"), per machine id:
//! 1. **Newest change wins**: the record with the later `changed_at` (then the greater console
//!    npub, so every console picks the same) is kept, all its fields at once.
//! 2. **Stricter access wins**: a machine revoked (or being revoked) on one side stays revoked
//!    unless the other side paired it *after* the revoke (a deliberate re-pair, with a new key).
//!    The bunker has the last word at the reconcile that follows: a client revoked there makes
//!    the machine revoked; a client revoked here but active there is flagged and revoked again.
//! 3. **Same name on two machines** (added on two consoles): the machine added first keeps the
//!    name; the later one is renamed `<name> (<id>)` on every console.
//! 4. A machine this console is pairing right now keeps its local record until the pairing ends.
//!
//! Machines are never removed by a merge: a machine missing from the roster stays.

use std::collections::HashMap;

use fleet_store::{
    audit, machines, published, KnownMachine, Machine, MachineState, NewAuditEntry, PublishedEvent,
    Transaction,
};
use nostr::{JsonUtil, TagKind};
use serde::Serialize;

use super::document::{Entry, Roster};
use crate::operator_events::OPERATOR_EVENT_KIND;
use crate::rules::text;

/// What a merge did, for people.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RosterMerge {
    /// Machines in the roster.
    pub machines: usize,
    /// Machines another console added, now known here (names).
    pub added: Vec<String>,
    /// Machines another console changed, taken over here (one line each: what changed, who).
    pub updated: Vec<String>,
    /// Conflicts and how the rules settled them (one line each).
    pub conflicts: Vec<String>,
}

/// The console that made a change: the one stored, else this console.
fn npub(stored: Option<&str>, here: &str) -> String {
    stored.unwrap_or(here).to_owned()
}

fn known(e: &Entry, state: MachineState) -> KnownMachine {
    KnownMachine {
        uid: e.id.clone(),
        client_name: e.client.clone(),
        name: e.name.clone(),
        site: e.site.clone(),
        state,
        atm_client_pubkey: e.atm_pubkey.clone(),
        paired_at: e.paired_at,
        bunker_token_expires_at: e.term_ends_at,
        created_at: e.added_at,
        changed_at: e.changed_at,
        changed_by: Some(e.changed_by.clone()),
    }
}

fn is_revoking(state: MachineState) -> bool {
    matches!(state, MachineState::Revoked | MachineState::RevokePending)
}

fn is_paired(state: MachineState) -> bool {
    matches!(
        state,
        MachineState::Active | MachineState::Expiring | MachineState::Expired
    )
}

/// `name` with the machine id appended, within the name limit.
fn suffixed(name: &str, uid: &str) -> String {
    let tail = format!(" ({uid})");
    let room = text::MAX_NAME_CHARS.saturating_sub(tail.chars().count());
    let base: String = name.chars().take(room).collect();
    format!("{}{tail}", base.trim_end())
}

/// The cache's machines by name key (NFC, lower case): what rule 3 compares with. Built once
/// per merge and kept current, so a merge of 10,000 machines reads the table once.
struct Names {
    by_key: HashMap<String, Machine>,
    key_of: HashMap<String, String>,
    /// Bunker client name → machine id, to catch two machines with one bunker name.
    clients: HashMap<String, String>,
}

impl Names {
    fn load(tx: &Transaction<'_>) -> fleet_store::Result<Self> {
        let mut names = Self {
            by_key: HashMap::new(),
            key_of: HashMap::new(),
            clients: HashMap::new(),
        };
        for m in machines::list(tx)? {
            names.update(m);
        }
        Ok(names)
    }

    /// Records that machine `uid` is now stored as `stored`.
    fn update(&mut self, stored: Machine) {
        let key = text::name_key(&stored.name);
        self.clients
            .insert(stored.client_name.clone(), stored.uid.clone());
        if let Some(old) = self.key_of.insert(stored.uid.clone(), key.clone()) {
            if self.by_key.get(&old).is_some_and(|m| m.uid == stored.uid) {
                self.by_key.remove(&old);
            }
        }
        self.by_key.insert(key, stored);
    }

    fn holder(&self, key: &str, not: &str) -> Option<Machine> {
        self.by_key.get(key).filter(|m| m.uid != not).cloned()
    }
}

/// Rule 3 for `incoming` (which is about to be stored under its name): renames whichever of it
/// and the local holder of the name was added later.
fn settle_name(
    tx: &Transaction<'_>,
    names: &mut Names,
    incoming: &mut KnownMachine,
    here: &str,
    report: &mut RosterMerge,
) -> fleet_store::Result<()> {
    let key = text::name_key(&incoming.name);
    let Some(holder) = names.holder(&key, &incoming.uid) else {
        return Ok(());
    };
    let by = npub(incoming.changed_by.as_deref(), here);
    if (holder.created_at, &holder.uid) <= (incoming.created_at, &incoming.uid) {
        let renamed = suffixed(&incoming.name, &incoming.uid);
        report.conflicts.push(format!(
            "{:?} was added on two consoles ({by} and {}): the one added first keeps the name, \
             the other is now {renamed:?}",
            incoming.name,
            npub(holder.changed_by.as_deref(), here)
        ));
        incoming.name = renamed;
    } else {
        let renamed = suffixed(&holder.name, &holder.uid);
        machines::rename(tx, holder.id, &renamed)?;
        report.conflicts.push(format!(
            "{:?} was added on two consoles ({by} first): this console's machine is now \
             {renamed:?}",
            holder.name
        ));
        if let Some(m) = machines::get(tx, holder.id)? {
            names.update(m);
        }
    }
    Ok(())
}

fn describe(local: &Machine, remote: &KnownMachine) -> String {
    let mut what = Vec::new();
    if local.name != remote.name {
        what.push(format!("name {:?} → {:?}", local.name, remote.name));
    }
    if local.site != remote.site {
        what.push(format!(
            "site {:?} → {:?}",
            local.site.as_deref().unwrap_or(""),
            remote.site.as_deref().unwrap_or("")
        ));
    }
    if local.state != remote.state {
        what.push(format!("state {} → {}", local.state, remote.state));
    }
    if local.atm_client_pubkey != remote.atm_client_pubkey {
        what.push("new ATM key".into());
    }
    if local.bunker_token_expires_at != remote.bunker_token_expires_at {
        what.push("access term changed".into());
    }
    if what.is_empty() {
        "no visible change".into()
    } else {
        what.join(", ")
    }
}

fn audit_by(
    tx: &Transaction<'_>,
    machine: i64,
    outcome: &str,
    detail: String,
    console: Option<&str>,
) -> fleet_store::Result<()> {
    audit::append_by(
        tx,
        &NewAuditEntry {
            action: "roster_merge".into(),
            machine_id: Some(machine),
            outcome: outcome.into(),
            detail: Some(detail),
        },
        console,
    )?;
    Ok(())
}

/// Merges `roster` into the cache (call inside one transaction: all or nothing) and records
/// its events as the last published versions of their `d` tags. `here` is this console's npub.
///
/// # Errors
/// [`fleet_store::Error`] (the transaction is then dropped: nothing changes).
pub(crate) fn merge(
    tx: &Transaction<'_>,
    roster: &Roster,
    here: &str,
) -> fleet_store::Result<RosterMerge> {
    let mut report = RosterMerge {
        machines: roster.entries.len(),
        ..RosterMerge::default()
    };
    let mut names = Names::load(tx)?;
    for e in &roster.entries {
        let Ok(state) = e.state.parse::<MachineState>() else {
            continue; // read() refused these already
        };
        let mut remote = known(e, state);
        let by = e.changed_by.as_str();
        let Some(local) = machines::find_by_uid(tx, &e.id)? else {
            if let Some(other) = names.clients.get(&e.client).filter(|u| **u != e.id) {
                // Two machines added on two consoles before ids travelled, both `satmachine-1`:
                // the bunker cannot tell them apart, so neither is merged over the other.
                report.conflicts.push(format!(
                    "{}: not added: its bunker name {} is also machine {other}'s here (both were \
                     added before machine ids travelled): revoke one of them and add it again, which gives it \
                     a bunker name of its own",
                    e.name, e.client
                ));
                continue;
            }
            settle_name(tx, &mut names, &mut remote, here, &mut report)?;
            let added = machines::insert_known(tx, &remote)?;
            names.update(added.clone());
            let line = format!("{}: added on console {by}", added.name);
            audit_by(
                tx,
                added.id,
                "added",
                line.clone(),
                remote.changed_by.as_deref(),
            )?;
            report.added.push(line);
            continue;
        };
        let local_by = npub(local.changed_by.as_deref(), here);
        let remote_newer = (e.changed_at, by) > (local.changed_at, local_by.as_str());
        if local.state == MachineState::Pairing {
            if remote_newer {
                report.conflicts.push(format!(
                    "{}: changed on console {by} while this console pairs it: kept as here \
                     until the pairing ends",
                    local.name
                ));
            }
            continue;
        }
        if remote_newer {
            let repaired_after_revoke = remote.paired_at.unwrap_or(i64::MIN) > local.changed_at;
            if is_revoking(local.state) && !is_revoking(state) && !repaired_after_revoke {
                // Rule 2: keep the revoke and this console's key; take name and site.
                report.conflicts.push(format!(
                    "{}: revoked here, still paired on console {by} (paired before the revoke): \
                     stays revoked",
                    local.name
                ));
                remote.state = local.state;
                remote.atm_client_pubkey = local.atm_client_pubkey.clone();
                remote.paired_at = local.paired_at;
                remote.bunker_token_expires_at = local.bunker_token_expires_at;
            }
            if remote.name != local.name {
                settle_name(tx, &mut names, &mut remote, here, &mut report)?;
            }
            let line = format!(
                "{}: {} (console {by})",
                local.name,
                describe(&local, &remote)
            );
            machines::adopt(tx, local.id, &remote)?;
            if let Some(m) = machines::get(tx, local.id)? {
                names.update(m);
            }
            audit_by(
                tx,
                local.id,
                "updated",
                line.clone(),
                remote.changed_by.as_deref(),
            )?;
            report.updated.push(line);
        } else if is_revoking(state)
            && is_paired(local.state)
            && local.paired_at.unwrap_or(i64::MIN) <= e.changed_at
        {
            // Rule 2, the other way: the newer change here was made before the revoke there.
            let revoked = KnownMachine {
                state,
                changed_at: e.changed_at,
                changed_by: remote.changed_by.clone(),
                ..known_from_local(&local)
            };
            let line = format!(
                "{}: revoked on console {by} while changed here: revoked",
                local.name
            );
            report.conflicts.push(line.clone());
            machines::adopt(tx, local.id, &revoked)?;
            audit_by(tx, local.id, "revoked", line, remote.changed_by.as_deref())?;
        }
    }
    record_events(tx, roster)?;
    Ok(report)
}

fn known_from_local(m: &Machine) -> KnownMachine {
    KnownMachine {
        uid: m.uid.clone(),
        client_name: m.client_name.clone(),
        name: m.name.clone(),
        site: m.site.clone(),
        state: m.state,
        atm_client_pubkey: m.atm_client_pubkey.clone(),
        paired_at: m.paired_at,
        bunker_token_expires_at: m.bunker_token_expires_at,
        created_at: m.created_at,
        changed_at: m.changed_at,
        changed_by: m.changed_by.clone(),
    }
}

/// Records the roster's events as the last published versions (newer ones only).
fn record_events(tx: &Transaction<'_>, roster: &Roster) -> fleet_store::Result<()> {
    for event in &roster.events {
        let Some(d) = event.tags.find(TagKind::d()).and_then(|t| t.content()) else {
            continue;
        };
        let created = i64::try_from(event.created_at.as_secs()).unwrap_or(i64::MAX);
        if published::get(tx, d)?.is_some_and(|p| p.created_at >= created) {
            continue;
        }
        published::upsert(
            tx,
            &PublishedEvent {
                d_tag: d.to_owned(),
                kind: OPERATOR_EVENT_KIND,
                event_id: event.id.to_hex(),
                content: event.content.clone(),
                event_json: event.as_json(),
                created_at: created,
                published_at: created,
                relays: Vec::new(),
            },
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use fleet_store::NewMachine;

    use super::*;

    const THEM: &str = "npub1v4j5xsenqvnnn8j8xd9hnzd0xvmrqgszqjchxv90hxvfm2w6v0gsrq9shz";

    fn conn() -> fleet_store::Connection {
        let mut c = fleet_store::Connection::open_in_memory().unwrap();
        fleet_store::MIGRATIONS.to_latest(&mut c).unwrap();
        c
    }

    fn entry(id: &str, client: &str, name: &str) -> Entry {
        Entry {
            id: id.into(),
            client: client.into(),
            name: name.into(),
            site: None,
            state: "unpaired".into(),
            atm_pubkey: None,
            paired_at: None,
            term_ends_at: None,
            added_at: 1,
            changed_at: 1,
            changed_by: THEM.into(),
        }
    }

    fn roster(entries: Vec<Entry>) -> Roster {
        Roster {
            buckets: 1,
            entries,
            events: Vec::new(),
        }
    }

    #[test]
    fn a_machine_whose_old_bunker_name_is_taken_here_is_reported_not_merged() {
        let mut c = conn();
        let tx = c.transaction().unwrap();
        let mine = machines::insert(&tx, &NewMachine::new("Mine")).unwrap();
        tx.execute(
            "UPDATE machines SET client_name = 'satmachine-1' WHERE id = ?1",
            [mine.id],
        )
        .unwrap();
        let theirs = entry("7B8QTJK86S", "satmachine-1", "Theirs");
        let report = merge(&tx, &roster(vec![theirs]), "npub1here").unwrap();
        assert!(report.added.is_empty());
        assert!(report.conflicts[0].contains("satmachine-1"), "{report:?}");
        assert_eq!(
            machines::list(&tx).unwrap().len(),
            1,
            "nothing merged over it"
        );
    }

    #[test]
    fn a_newer_change_is_taken_and_an_older_one_is_not() {
        let mut c = conn();
        let tx = c.transaction().unwrap();
        let first = entry("7B8QTJK86S", "satmachine-7B8QTJK86S", "Lobby");
        merge(&tx, &roster(vec![first.clone()]), "npub1here").unwrap();
        let newer = Entry {
            name: "North".into(),
            changed_at: 5,
            ..first.clone()
        };
        let report = merge(&tx, &roster(vec![newer]), "npub1here").unwrap();
        assert_eq!(report.updated.len(), 1, "{report:?}");
        let older = Entry {
            name: "South".into(),
            changed_at: 3,
            ..first
        };
        let report = merge(&tx, &roster(vec![older]), "npub1here").unwrap();
        assert!(report.updated.is_empty(), "{report:?}");
        let m = machines::find_by_uid(&tx, "7B8QTJK86S").unwrap().unwrap();
        assert_eq!((m.name.as_str(), m.changed_at), ("North", 5));
        assert_eq!(
            m.changed_by.as_deref(),
            Some(THEM),
            "attributed to its console"
        );
    }
}
