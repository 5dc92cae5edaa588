//! Machine liveness (issue 14 item 1): when each paired ATM was last seen on the ATM relays, and
//! which ones are silent.
//!
//! A machine is *seen* by its heartbeat (kind 30078, `d` = `satmachine:heartbeat`, signed by the
//! ATM's own client key and naming the operator key, see [`bunker_client::heartbeat`]) or by a
//! NIP-46 request it sent (kind 24133 authored by its ATM key, `p`-tagging the operator key);
//! both are public metadata. Only events signed by a machine's stored ATM client key count; a
//! machine's `last_seen_at` never moves backwards. A paired machine is *silent* when it has not
//! been seen (or, never seen, was paired) longer ago than the `silent after` setting (default
//! 24 h, 1 h to 30 d). Offline, everything is read from the cache "as of" the last check.

use std::collections::HashMap;
use std::time::Duration;

use bunker_client::heartbeat::{fleet_filter, verify_heartbeat, HeartbeatStatus};
use fleet_store::liveness::{self, Seen, SeenBy};
use fleet_store::{settings, Machine, MachineState};
use nostr::{Event, Filter, Kind, PublicKey, RelayUrl, TagKind};
use nostr_sdk::Client;
use serde::Serialize;

use crate::{Error, Fleet, Result};

/// The settings key of the silent threshold (seconds).
pub const SILENT_AFTER_SETTING: &str = "liveness.silent_after_secs";
/// The default silent threshold: 24 h.
pub const DEFAULT_SILENT_AFTER: Duration = Duration::from_secs(24 * 60 * 60);
/// The shortest silent threshold: 1 h.
pub const MIN_SILENT_AFTER: Duration = Duration::from_secs(60 * 60);
/// The longest silent threshold: 30 d.
pub const MAX_SILENT_AFTER: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// The NIP-46 request kind an ATM sends to the bunker.
pub const NIP46_KIND: u16 = 24133;

/// What a liveness check found on the relays.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LivenessReport {
    /// Machines seen by a verified event in this check (newer or not than the cache).
    pub seen: Vec<String>,
    /// Machines whose `last_seen_at` moved forward.
    pub updated: Vec<String>,
    /// Events ignored: not verified, signed by no paired machine's key, for another operator.
    pub ignored: usize,
    /// Paired machines silent after this check.
    pub silent: Vec<String>,
    /// When the check ran (unix seconds).
    pub checked_at: i64,
}

impl LivenessReport {
    /// Whether there is anything to tell: a machine seen or silent, or an event ignored.
    pub fn is_news(&self) -> bool {
        !self.seen.is_empty() || !self.silent.is_empty() || self.ignored > 0
    }

    /// One line for people: `3 machines seen, 1 silent` (and the ignored events, if any).
    pub fn summary(&self) -> String {
        let n = self.seen.len();
        let mut line = format!(
            "{n} machine{} seen, {} silent",
            if n == 1 { "" } else { "s" },
            self.silent.len()
        );
        if self.ignored > 0 {
            line.push_str(&format!(
                ", {} relay event{} ignored (not signed by a paired machine of this operator)",
                self.ignored,
                if self.ignored == 1 { "" } else { "s" }
            ));
        }
        line
    }
}

/// A machine's liveness as shown (CLI, UI), from the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MachineLiveness {
    /// When it was last seen (unix seconds), if ever.
    pub last_seen_at: Option<i64>,
    /// `heartbeat` or `nip46`, if seen.
    pub seen_by: Option<String>,
    /// The software its newest heartbeat named.
    pub software: Option<String>,
    /// The status its newest heartbeat gave (`ok`, `refused`, `unreachable`).
    pub heartbeat_status: Option<String>,
    /// Paired and not seen within the silent threshold.
    pub silent: bool,
}

/// Whether a machine is paired (it has an ATM key that should be heard from).
pub fn is_paired(m: &Machine) -> bool {
    m.atm_client_pubkey.is_some()
        && matches!(
            m.state,
            MachineState::Active | MachineState::Expiring | MachineState::Expired
        )
}

/// Whether a paired machine is silent at `now`: not seen since `silent_after` ago, counting
/// from its pairing when it was never seen (a machine paired an hour ago is not silent yet).
pub fn is_silent(m: &Machine, last_seen_at: Option<i64>, now: i64, silent_after: Duration) -> bool {
    if !is_paired(m) {
        return false;
    }
    let since = match (last_seen_at, m.paired_at) {
        (Some(seen), Some(paired)) => seen.max(paired),
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => return true,
    };
    let after = i64::try_from(silent_after.as_secs()).unwrap_or(i64::MAX);
    now.saturating_sub(since) > after
}

/// The newest verified sighting per machine among `events`, and how many events were ignored.
///
/// `keys` maps each machine's stored ATM client key to the machine's id. A heartbeat counts
/// only when it verifies against the key that signed it and names `operator`; a NIP-46 request
/// only when its signature verifies and it `p`-tags `operator`.
pub fn newest_sightings(
    events: &[Event],
    keys: &HashMap<PublicKey, i64>,
    operator: &PublicKey,
) -> (HashMap<i64, Seen>, usize) {
    let mut newest: HashMap<i64, Seen> = HashMap::new();
    let mut ignored = 0;
    for event in events {
        let Some(seen) = sighting(event, keys, operator) else {
            ignored += 1;
            continue;
        };
        match newest.get(&seen.machine_id) {
            Some(old) if old.last_seen_at >= seen.last_seen_at => {}
            _ => {
                newest.insert(seen.machine_id, seen);
            }
        }
    }
    (newest, ignored)
}

fn sighting(event: &Event, keys: &HashMap<PublicKey, i64>, operator: &PublicKey) -> Option<Seen> {
    let machine_id = *keys.get(&event.pubkey)?;
    let at = i64::try_from(event.created_at.as_secs()).ok()?;
    if event.kind == Kind::from(NIP46_KIND) {
        event.verify().ok()?;
        let names_operator = event
            .tags
            .iter()
            .filter(|t| t.kind() == TagKind::p())
            .any(|t| t.content() == Some(operator.to_hex().as_str()));
        return names_operator.then(|| Seen {
            machine_id,
            last_seen_at: at,
            seen_by: SeenBy::Nip46,
            atm_pubkey: event.pubkey.to_hex(),
            software: None,
            status: None,
        });
    }
    let beat = verify_heartbeat(event, &event.pubkey).ok()?;
    if &beat.operator != operator {
        return None;
    }
    let status = match beat.content.status {
        HeartbeatStatus::Ok => "ok",
        HeartbeatStatus::Refused => "refused",
        HeartbeatStatus::Unreachable => "unreachable",
    };
    Some(Seen {
        machine_id,
        last_seen_at: at,
        seen_by: SeenBy::Heartbeat,
        atm_pubkey: event.pubkey.to_hex(),
        software: Some(beat.content.software),
        status: Some(status.to_owned()),
    })
}

/// Checks a silent threshold: 1 h to 30 d.
///
/// # Errors
/// [`Error::InvalidInput`] saying the bounds.
pub fn check_silent_after(after: Duration) -> Result<Duration> {
    if after < MIN_SILENT_AFTER || after > MAX_SILENT_AFTER {
        return Err(Error::InvalidInput(format!(
            "a machine can be called silent after 1h to 30d, not {}s: write e.g. 24h or 3d",
            after.as_secs()
        )));
    }
    Ok(after)
}

impl Fleet {
    /// The silent threshold ([`DEFAULT_SILENT_AFTER`] unless set; an unreadable or out-of-range
    /// stored value also reads as the default).
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn silent_after(&self) -> Result<Duration> {
        let stored = self
            .db()
            .interact(|c| settings::get(c, SILENT_AFTER_SETTING))
            .await?;
        Ok(stored
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_secs)
            .and_then(|d| check_silent_after(d).ok())
            .unwrap_or(DEFAULT_SILENT_AFTER))
    }

    /// Sets the silent threshold from text such as `24h` or `3d` (1 h to 30 d).
    ///
    /// # Errors
    /// [`Error::InvalidInput`]; [`Error::Store`].
    pub async fn set_silent_after(&self, text: &str) -> Result<Duration> {
        let after = check_silent_after(crate::pairing::parse_duration(text)?).map_err(|_| {
            Error::InvalidInput(format!(
                "a machine can be called silent after 1h to 30d, not {:?}: write e.g. 24h or 3d",
                text.trim()
            ))
        })?;
        let value = after.as_secs().to_string();
        self.db()
            .interact(move |c| settings::set(c, SILENT_AFTER_SETTING, &value))
            .await?;
        Ok(after)
    }

    /// Every machine's liveness from the cache at `now`, by machine id, and when the relays
    /// were last read ("as of"; `None` if never).
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn liveness(&self, now: i64) -> Result<(HashMap<i64, MachineLiveness>, Option<i64>)> {
        let after = self.silent_after().await?;
        let (machines, seen, checked_at) = self
            .db()
            .interact(|c| {
                Ok((
                    fleet_store::machines::list(c)?,
                    liveness::all(c)?,
                    liveness::checked_at(c)?,
                ))
            })
            .await?;
        let seen: HashMap<i64, Seen> = seen.into_iter().map(|s| (s.machine_id, s)).collect();
        let out = machines
            .iter()
            .map(|m| {
                let s = seen.get(&m.id);
                let last = s.map(|s| s.last_seen_at);
                let view = MachineLiveness {
                    last_seen_at: last,
                    seen_by: s.map(|s| s.seen_by.as_str().to_owned()),
                    software: s.and_then(|s| s.software.clone()),
                    heartbeat_status: s.and_then(|s| s.status.clone()),
                    silent: is_silent(m, last, now, after),
                };
                (m.id, view)
            })
            .collect();
        Ok((out, checked_at))
    }

    /// What to watch: the operator key, the ATM relays and the paired machines' ATM keys.
    ///
    /// # Errors
    /// [`Error::NotConnected`]; [`Error::InvalidInput`] when the profile lacks the operator key
    /// or has damaged relays; [`Error::Store`].
    pub async fn liveness_targets(&self) -> Result<Targets> {
        let profile = self.profile().await?.ok_or(Error::NotConnected)?;
        let operator = profile
            .key_pubkey
            .as_deref()
            .and_then(|hex| PublicKey::from_hex(hex).ok())
            .ok_or_else(|| {
                Error::InvalidInput(
                    "the operator key's pubkey is not known yet (the bunker key was locked at \
                     connect): unlock it on the bunker, then run `satop connect` again"
                        .into(),
                )
            })?;
        let relays = profile
            .atm_relays
            .iter()
            .map(|r| RelayUrl::parse(r))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| {
                Error::InvalidInput(
                    "the stored ATM relays are damaged: run `satop connect` again".into(),
                )
            })?;
        let machines = self.machines().await?;
        let keys = machines
            .iter()
            .filter_map(|m| {
                let pk = PublicKey::from_hex(m.atm_client_pubkey.as_deref()?).ok()?;
                Some((pk, m.id))
            })
            .collect();
        Ok(Targets {
            operator,
            relays,
            keys,
            names: machines.into_iter().map(|m| (m.id, m.name)).collect(),
        })
    }

    /// Records sightings (a machine's `last_seen_at` never moves backwards) and, when given, the
    /// time the relays were read ("as of"), in one transaction. Returns the machines whose
    /// `last_seen_at` moved forward.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub(crate) async fn record_sightings(
        &self,
        sightings: Vec<Seen>,
        checked_at: Option<i64>,
    ) -> Result<Vec<i64>> {
        Ok(self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let mut updated = Vec::new();
                for s in &sightings {
                    if liveness::record(&tx, s)? {
                        updated.push(s.machine_id);
                    }
                }
                if let Some(at) = checked_at {
                    liveness::set_checked_at(&tx, at)?;
                }
                tx.commit()?;
                Ok(updated)
            })
            .await?)
    }

    /// Reads the paired machines' heartbeats and NIP-46 requests from the ATM relays (bounded by
    /// the client timeout) and records the newest verified sighting per machine.
    ///
    /// # Errors
    /// As [`Fleet::liveness_targets`]; [`Error::Bunker`] (`Unreachable`) when no ATM relay
    /// answers; [`Error::Store`].
    pub async fn check_liveness(&self) -> Result<LivenessReport> {
        let targets = self.liveness_targets().await?;
        let options = self.client_options();
        let events = fetch(
            &targets.relays,
            &targets.operator,
            &targets.keys,
            options.connect_timeout,
            options.timeout,
        )
        .await?;
        let (newest, ignored) = newest_sightings(&events, &targets.keys, &targets.operator);
        let now = crate::unix_now();
        let sightings: Vec<Seen> = newest.into_values().collect();
        let seen: Vec<i64> = sightings.iter().map(|s| s.machine_id).collect();
        let updated = self.record_sightings(sightings, Some(now)).await?;
        let (views, _) = self.liveness(now).await?;
        let name = |id: &i64| targets.names.get(id).cloned();
        let mut silent: Vec<String> = views
            .iter()
            .filter(|(_, v)| v.silent)
            .filter_map(|(id, _)| name(id))
            .collect();
        silent.sort();
        let mut report = LivenessReport {
            seen: seen.iter().filter_map(name).collect(),
            updated: updated.iter().filter_map(name).collect(),
            ignored,
            silent,
            checked_at: now,
        };
        report.seen.sort();
        report.updated.sort();
        Ok(report)
    }
}

/// What liveness reads: whose events count, where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    /// The operator key the ATMs sign for.
    pub operator: PublicKey,
    /// The ATM relays.
    pub relays: Vec<RelayUrl>,
    /// Each paired machine's stored ATM client key → its id.
    pub keys: HashMap<PublicKey, i64>,
    /// Every machine's name by id.
    pub names: HashMap<i64, String>,
}

/// The fleet's heartbeats and the paired keys' NIP-46 requests on `relays`, from every relay
/// that answers within `timeout`.
async fn fetch(
    relays: &[RelayUrl],
    operator: &PublicKey,
    keys: &HashMap<PublicKey, i64>,
    connect_timeout: Duration,
    timeout: Duration,
) -> Result<Vec<Event>> {
    let unreachable = || {
        Error::Bunker(bunker_client::Error::Unreachable {
            relays: relays
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
    };
    if relays.is_empty() {
        return Err(unreachable());
    }
    let client = Client::default();
    for r in relays {
        client
            .add_relay(r.clone())
            .await
            .map_err(|_| unreachable())?;
    }
    let connected = client.try_connect(connect_timeout).await;
    if connected.success.is_empty() {
        client.shutdown().await;
        return Err(unreachable());
    }
    let mut events: Vec<Event> = Vec::new();
    let mut answered = false;
    if let Ok(found) = client.fetch_events(fleet_filter(operator), timeout).await {
        answered = true;
        events.extend(found);
    }
    if !keys.is_empty() {
        let nip46 = Filter::new()
            .kind(Kind::from(NIP46_KIND))
            .authors(keys.keys().copied())
            .pubkey(*operator);
        if let Ok(found) = client.fetch_events(nip46, timeout).await {
            answered = true;
            events.extend(found);
        }
    }
    client.shutdown().await;
    if !answered {
        return Err(unreachable());
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use bunker_client::heartbeat::{heartbeat_event, HeartbeatContent, HEARTBEAT_VERSION};
    use nostr::{EventBuilder, Keys, Tag, Timestamp};

    use super::*;

    fn content() -> HeartbeatContent {
        HeartbeatContent {
            v: HEARTBEAT_VERSION,
            software: "satmachine-atm 0.1.0".into(),
            status: HeartbeatStatus::Ok,
            interval_secs: Some(300),
        }
    }

    fn machine(state: MachineState, paired_at: Option<i64>) -> Machine {
        Machine {
            id: 1,
            name: "Lobby".into(),
            site: None,
            state,
            bunker_connection_id: Some(2),
            atm_client_pubkey: Some("ab".repeat(32)),
            paired_at,
            bunker_token_expires_at: None,
            legacy: false,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn the_newest_verified_heartbeat_per_machine_wins_and_strangers_are_ignored() {
        let (atm, other, operator) = (Keys::generate(), Keys::generate(), Keys::generate());
        let op = operator.public_key();
        let keys = HashMap::from([(atm.public_key(), 7)]);
        let beat = |k: &Keys, to: &PublicKey, at: u64| {
            heartbeat_event(k, to, &content(), Timestamp::from(at)).unwrap()
        };
        let events = vec![
            beat(&atm, &op, 100),
            beat(&atm, &op, 300),
            beat(&atm, &op, 200),
            beat(&other, &op, 900), // not a paired key
            beat(&atm, &Keys::generate().public_key(), 950), // another operator
        ];
        let (newest, ignored) = newest_sightings(&events, &keys, &op);
        assert_eq!(ignored, 2);
        let seen = &newest[&7];
        assert_eq!(seen.last_seen_at, 300);
        assert_eq!(seen.seen_by, SeenBy::Heartbeat);
        assert_eq!(seen.status.as_deref(), Some("ok"));
    }

    #[test]
    fn a_nip46_request_to_the_operator_key_counts_as_seen() {
        let (atm, operator) = (Keys::generate(), Keys::generate());
        let op = operator.public_key();
        let keys = HashMap::from([(atm.public_key(), 7)]);
        let request = |to: PublicKey| {
            EventBuilder::new(Kind::from(NIP46_KIND), "ciphertext")
                .tag(Tag::public_key(to))
                .custom_created_at(Timestamp::from(500))
                .sign_with_keys(&atm)
                .unwrap()
        };
        let (newest, ignored) = newest_sightings(
            &[request(op), request(Keys::generate().public_key())],
            &keys,
            &op,
        );
        assert_eq!(ignored, 1);
        assert_eq!(newest[&7].seen_by, SeenBy::Nip46);
        assert_eq!(newest[&7].last_seen_at, 500);
    }

    #[test]
    fn only_paired_machines_not_seen_within_the_threshold_are_silent() {
        let day = DEFAULT_SILENT_AFTER;
        let now = 10 * 86_400;
        let paired = machine(MachineState::Active, Some(now - 3 * 86_400));
        assert!(is_silent(&paired, None, now, day));
        assert!(is_silent(&paired, Some(now - 86_401), now, day));
        assert!(!is_silent(&paired, Some(now - 3_600), now, day));
        let fresh = machine(MachineState::Active, Some(now - 3_600));
        assert!(!is_silent(&fresh, None, now, day), "paired an hour ago");
        let revoked = machine(MachineState::Revoked, Some(0));
        assert!(!is_silent(&revoked, None, now, day));
    }

    #[test]
    fn the_silent_threshold_is_bounded() {
        assert!(check_silent_after(Duration::from_secs(59 * 60)).is_err());
        assert!(check_silent_after(MAX_SILENT_AFTER + Duration::from_secs(1)).is_err());
        assert_eq!(
            check_silent_after(DEFAULT_SILENT_AFTER).unwrap(),
            DEFAULT_SILENT_AFTER
        );
    }

    #[test]
    fn the_summary_counts_seen_and_silent_machines() {
        let report = LivenessReport {
            seen: vec!["A".into(), "B".into(), "C".into()],
            silent: vec!["D".into()],
            ..LivenessReport::default()
        };
        assert_eq!(report.summary(), "3 machines seen, 1 silent");
    }
}
