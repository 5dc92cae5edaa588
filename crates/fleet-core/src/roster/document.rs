//! The roster on the wire (version 2): a head event and chunk events, all kind 30078 signed by
//! the operator key through the bunker.
//!
//! - **Head**, `d` = `satmachine:roster`: `{"v":2,"buckets":N,"machines":total,"chunks":[{"d":…,
//!   "machines":count},…]}`: which chunks make the complete set.
//! - **Chunk** `i` of `N`, `d` = `satmachine:roster:<N>:<i>`: `{"v":2,"bucket":i,"buckets":N,
//!   "machines":[entry,…]}`, the machines whose id falls in bucket `i` (the id's value modulo
//!   `N`, a power of two), sorted by id. A change to one machine re-signs its chunk and the head,
//!   not the whole fleet.
//!
//! Size: every chunk's content stays under [`CHUNK_TARGET_BYTES`] (the number of buckets doubles
//! until it does, and never shrinks), because the unsigned event travels inside a NIP-46 request
//! whose NIP-44 plaintext is limited to 65,535 bytes (with its JSON escaped twice on the way),
//! and nostr-rs-relay refuses events over 128 KB by default. A reader refuses any content over
//! [`MAX_CONTENT_BYTES`].

use std::collections::{BTreeMap, HashMap, HashSet};

use fleet_store::machines::{CLIENT_PREFIX, UID_ALPHABET, UID_LEN};
use fleet_store::{Machine, MachineState};
use nostr::nips::nip19::ToBech32;
use nostr::{Event, FromBech32, Kind, PublicKey, TagKind};
use serde::{Deserialize, Serialize};

use crate::operator_events::{OPERATOR_EVENT_KIND, ROSTER_D_TAG};
use crate::rules::text;

/// Format version written and read.
pub const VERSION: u32 = 2;
/// Prefix of a chunk's `d` tag (`satmachine:roster:<buckets>:<bucket>`).
pub const CHUNK_D_PREFIX: &str = "satmachine:roster:";
/// Largest chunk content written (bytes): leaves room for the NIP-46 request around it.
pub const CHUNK_TARGET_BYTES: usize = 24 * 1024;
/// Largest head or chunk content a reader accepts (bytes).
pub const MAX_CONTENT_BYTES: usize = 65_535;
/// Most buckets (chunks) a roster may have: 4,096 × ~70 machines.
pub const MAX_BUCKETS: u32 = 4096;

/// One machine as the roster carries it: public data only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The machine id (10 Crockford base32 characters).
    pub id: String,
    /// Its bunker client name.
    pub client: String,
    /// Display name.
    pub name: String,
    /// Where it stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// `unpaired`, `active`, `expiring`, `expired`, `revoke_pending`, `revoked`, `legacy`.
    pub state: String,
    /// The ATM client pubkey (hex), once paired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub atm_pubkey: Option<String>,
    /// When the pairing completed (unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paired_at: Option<i64>,
    /// End of the access term (unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_ends_at: Option<i64>,
    /// When it was added (unix seconds).
    pub added_at: i64,
    /// When it last changed (unix seconds).
    pub changed_at: i64,
    /// The console that changed it last (npub).
    pub changed_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Head {
    v: u32,
    buckets: u32,
    machines: usize,
    chunks: Vec<ChunkRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ChunkRef {
    d: String,
    machines: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Chunk {
    v: u32,
    bucket: u32,
    buckets: u32,
    machines: Vec<Entry>,
}

/// The documents to publish for a roster: its chunks, then its head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// Number of buckets.
    pub buckets: u32,
    /// `(d tag, content)` of every non-empty chunk.
    pub chunks: Vec<(String, String)>,
    /// The head's content.
    pub head: String,
}

impl Built {
    /// Total content bytes over all events.
    pub fn bytes(&self) -> usize {
        self.head.len() + self.chunks.iter().map(|(_, c)| c.len()).sum::<usize>()
    }
}

/// A roster read from the relays and checked: every chunk the head lists, every entry valid.
#[derive(Debug, Clone)]
pub struct Roster {
    /// Number of buckets.
    pub buckets: u32,
    /// Every machine, sorted by id.
    pub entries: Vec<Entry>,
    /// The head and chunk events it was read from (to record as the last published versions).
    pub events: Vec<Event>,
}

/// The `d` tag of chunk `bucket` of `buckets`.
pub fn chunk_d_tag(buckets: u32, bucket: u32) -> String {
    format!("{CHUNK_D_PREFIX}{buckets}:{bucket}")
}

/// The value of a machine id, if it is one (canonical upper-case Crockford base32).
fn uid_value(uid: &str) -> Option<u64> {
    if uid.len() != UID_LEN {
        return None;
    }
    uid.bytes().rev().try_fold(0_u64, |acc, b| {
        let digit = UID_ALPHABET.iter().position(|&a| a == b)?;
        Some((acc << 5) | digit as u64)
    })
}

/// Whether `uid` is a well-formed machine id.
pub fn is_machine_id(uid: &str) -> bool {
    uid_value(uid).is_some()
}

/// The bucket of `uid` among `buckets` (a power of two); `None` for a malformed id.
pub fn bucket_of(uid: &str, buckets: u32) -> Option<u32> {
    let value = uid_value(uid)?;
    u32::try_from(value % u64::from(buckets.max(1))).ok()
}

/// The state a roster carries for `state`: a pairing in progress is this console's business,
/// shown to the others as what the machine was before (paired if it has a key); expiring and
/// expired are the clock's reading of the term's end (carried), so they travel as `active` and
/// the roster does not change when a term ticks over.
fn carried_state(m: &Machine) -> MachineState {
    match m.state {
        MachineState::Pairing if m.atm_client_pubkey.is_some() => MachineState::Active,
        MachineState::Pairing => MachineState::Unpaired,
        MachineState::Expiring | MachineState::Expired => MachineState::Active,
        other => other,
    }
}

/// A machine's roster entry; `here` is this console's npub (for changes made here).
pub fn entry(m: &Machine, here: &str) -> Entry {
    Entry {
        id: m.uid.clone(),
        client: m.client_name.clone(),
        name: m.name.clone(),
        site: m.site.clone(),
        state: carried_state(m).as_str().to_owned(),
        atm_pubkey: m.atm_client_pubkey.clone(),
        paired_at: m.paired_at,
        term_ends_at: m.bunker_token_expires_at,
        added_at: m.created_at,
        changed_at: m.changed_at,
        changed_by: m.changed_by.clone().unwrap_or_else(|| here.to_owned()),
    }
}

/// Splits `entries` into chunks of at most [`CHUNK_TARGET_BYTES`], with at least `min_buckets`
/// buckets (the number last published: buckets never shrink, so chunks stay where they are).
///
/// # Errors
/// A reason when even [`MAX_BUCKETS`] chunks cannot hold the fleet.
pub fn build(mut entries: Vec<Entry>, min_buckets: u32) -> Result<Built, String> {
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    let mut buckets = min_buckets.clamp(1, MAX_BUCKETS).next_power_of_two();
    loop {
        let mut parts: BTreeMap<u32, Vec<Entry>> = BTreeMap::new();
        for e in &entries {
            let b = bucket_of(&e.id, buckets).ok_or_else(|| format!("bad machine id {}", e.id))?;
            parts.entry(b).or_default().push(e.clone());
        }
        let mut chunks = Vec::with_capacity(parts.len());
        let mut refs = Vec::with_capacity(parts.len());
        let mut fits = true;
        for (bucket, machines) in parts {
            let count = machines.len();
            let content = serde_json::to_string(&Chunk {
                v: VERSION,
                bucket,
                buckets,
                machines,
            })
            .map_err(|e| e.to_string())?;
            fits &= content.len() <= CHUNK_TARGET_BYTES;
            let d = chunk_d_tag(buckets, bucket);
            refs.push(ChunkRef {
                d: d.clone(),
                machines: count,
            });
            chunks.push((d, content));
        }
        if fits {
            let head = serde_json::to_string(&Head {
                v: VERSION,
                buckets,
                machines: entries.len(),
                chunks: refs,
            })
            .map_err(|e| e.to_string())?;
            return Ok(Built {
                buckets,
                chunks,
                head,
            });
        }
        if buckets >= MAX_BUCKETS {
            return Err(format!(
                "{} machines do not fit in {MAX_BUCKETS} roster chunks",
                entries.len()
            ));
        }
        buckets *= 2;
    }
}

/// The number of buckets of the roster whose head content is `head` (1 if unreadable).
pub fn buckets_of_head(head: &str) -> u32 {
    serde_json::from_str::<Head>(head)
        .map(|h| h.buckets)
        .unwrap_or(1)
}

fn d_tag(e: &Event) -> Option<&str> {
    e.tags.find(TagKind::d()).and_then(|t| t.content())
}

/// Checks one event as the operator's; returns its content.
fn checked<'e>(e: &'e Event, operator: &PublicKey, what: &str) -> Result<&'e str, String> {
    if e.verify().is_err() {
        return Err(format!("the {what} event has a wrong id or signature"));
    }
    if &e.pubkey != operator {
        let by = e.pubkey.to_bech32().unwrap_or_else(|_| e.pubkey.to_hex());
        return Err(format!(
            "the {what} event is signed by {by}, not by the operator key"
        ));
    }
    if e.kind != Kind::from(OPERATOR_EVENT_KIND) {
        return Err(format!(
            "the {what} event is not kind {OPERATOR_EVENT_KIND}"
        ));
    }
    if e.content.len() > MAX_CONTENT_BYTES {
        return Err(format!(
            "the {what} event holds {} bytes, more than the {MAX_CONTENT_BYTES} a roster event may",
            e.content.len()
        ));
    }
    Ok(&e.content)
}

/// Checks one entry of chunk `bucket` of `buckets`.
fn check_entry(e: &Entry, bucket: u32, buckets: u32) -> Result<(), String> {
    let id = text::quoted_for_message(&e.id);
    match bucket_of(&e.id, buckets) {
        None => {
            return Err(format!(
                "machine id {id} is not a machine id (10 Crockford base32 characters)"
            ))
        }
        Some(b) if b != bucket => {
            return Err(format!(
                "machine id {id} does not belong in chunk {bucket} of {buckets}: not one of ours"
            ))
        }
        Some(_) => {}
    }
    let legacy = e
        .client
        .strip_prefix(CLIENT_PREFIX)
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()));
    if e.client != format!("{CLIENT_PREFIX}{}", e.id) && !legacy {
        return Err(format!(
            "machine {id} has the bunker name {}, not {CLIENT_PREFIX}<id>",
            text::quoted_for_message(&e.client)
        ));
    }
    let bad = |what: &str, err: crate::Error| format!("machine {id} has a bad {what}: {err}");
    match text::machine_name(&e.name) {
        Ok(name) if name == e.name => {}
        Ok(_) => {
            return Err(format!(
                "machine {id} has a name that is not in its stored form"
            ))
        }
        Err(err) => return Err(bad("name", err)),
    }
    if let Err(err) = text::site(e.site.as_deref()) {
        return Err(bad("site", err));
    }
    match e.state.parse::<MachineState>() {
        Ok(MachineState::Pairing) | Err(_) => {
            return Err(format!(
                "machine {id} has the state {}, which a roster does not carry",
                text::quoted_for_message(&e.state)
            ))
        }
        Ok(_) => {}
    }
    if let Some(pk) = &e.atm_pubkey {
        if PublicKey::from_hex(pk).is_err() || pk.len() != 64 {
            return Err(format!(
                "machine {id} has an ATM key that is not a hex pubkey"
            ));
        }
    }
    if PublicKey::from_bech32(&e.changed_by).is_err() {
        return Err(format!("machine {id} names a console that is not an npub"));
    }
    Ok(())
}

/// Reads the roster among `events` (kind 30078 of the operator key, any `d` tags): the newest
/// head and the newest version of each chunk it lists. `Ok(None)` when there is no head.
///
/// # Errors
/// A reason, for people, when anything is wrong: a bad signature or author, a malformed or
/// oversized event, a missing chunk, a chunk of another size, an invalid or duplicate machine.
/// The roster is then refused as a whole.
pub fn read(events: &[Event], operator: &PublicKey) -> Result<Option<Roster>, String> {
    let mut newest: HashMap<&str, &Event> = HashMap::new();
    for e in events {
        let Some(d) = d_tag(e) else { continue };
        if d != ROSTER_D_TAG && !d.starts_with(CHUNK_D_PREFIX) {
            continue;
        }
        let slot = newest.entry(d).or_insert(e);
        // NIP-01: the newest; at the same second, the lowest id (what relays keep).
        if (e.created_at, std::cmp::Reverse(e.id)) > (slot.created_at, std::cmp::Reverse(slot.id)) {
            *slot = e;
        }
    }
    let Some(head_event) = newest.get(ROSTER_D_TAG).copied() else {
        return Ok(None);
    };
    let content = checked(head_event, operator, "roster head")?;
    let value: serde_json::Value =
        serde_json::from_str(content).map_err(|e| format!("the roster head is not JSON ({e})"))?;
    let version = value.get("v").and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(VERSION)) {
        return Err(format!(
            "the roster head is format version {}, this app reads version {VERSION}: publish the \
             roster again from a console that has the fleet (any change, or `satop roster publish`)",
            version.map_or_else(|| "unknown".to_owned(), |v| v.to_string())
        ));
    }
    let head: Head =
        serde_json::from_value(value).map_err(|e| format!("the roster head is malformed ({e})"))?;
    if !head.buckets.is_power_of_two() || head.buckets > MAX_BUCKETS {
        return Err(format!(
            "the roster head has {} buckets (a power of two up to {MAX_BUCKETS} expected)",
            head.buckets
        ));
    }
    let mut entries = Vec::with_capacity(head.machines.min(100_000));
    let mut used = vec![head_event.clone()];
    let (mut ids, mut clients, mut chunks_seen) = (HashSet::new(), HashSet::new(), HashSet::new());
    for r in &head.chunks {
        if !chunks_seen.insert(r.d.as_str()) {
            return Err(format!("the roster head lists chunk {} twice", r.d));
        }
        let bucket =
            r.d.strip_prefix(&format!("{CHUNK_D_PREFIX}{}:", head.buckets))
                .and_then(|b| b.parse::<u32>().ok())
                .filter(|b| *b < head.buckets)
                .ok_or_else(|| format!("the roster head lists {:?}, not one of its chunks", r.d))?;
        let event = newest.get(r.d.as_str()).copied().ok_or_else(|| {
            format!(
                "chunk {} is not on the relays (a publication in progress, or a relay that \
                 lost it): sync again in a minute",
                r.d
            )
        })?;
        let what = format!("roster chunk {}", r.d);
        let chunk: Chunk = serde_json::from_str(checked(event, operator, &what)?)
            .map_err(|e| format!("{what} is malformed ({e})"))?;
        if chunk.v != VERSION || chunk.bucket != bucket || chunk.buckets != head.buckets {
            return Err(format!(
                "{what} does not say it is bucket {bucket} of {}",
                head.buckets
            ));
        }
        for e in chunk.machines {
            check_entry(&e, bucket, head.buckets)?;
            if !ids.insert(e.id.clone()) || !clients.insert(e.client.clone()) {
                return Err(format!("machine {} appears twice in the roster", e.id));
            }
            entries.push(e);
        }
        used.push(event.clone());
    }
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Some(Roster {
        buckets: head.buckets,
        entries,
        events: used,
    }))
}

#[cfg(test)]
mod tests {
    use nostr::{EventBuilder, Keys, Tag};

    use super::*;

    pub(crate) fn sample(i: usize) -> Entry {
        let mut id = String::new();
        let mut v = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 14;
        for _ in 0..UID_LEN {
            id.push(char::from(UID_ALPHABET[(v & 31) as usize]));
            v >>= 5;
        }
        Entry {
            client: format!("{CLIENT_PREFIX}{id}"),
            id,
            name: format!("ATM {i:05} Main Street Terminal"),
            site: Some("Downtown, 1st floor, next to the pharmacy".into()),
            state: "active".into(),
            atm_pubkey: Some("ab".repeat(32)),
            paired_at: Some(1_700_000_000),
            term_ends_at: Some(1_702_592_000),
            added_at: 1_699_000_000,
            changed_at: 1_700_000_000,
            changed_by: Keys::generate().public_key().to_bech32().unwrap(),
        }
    }

    fn sign(keys: &Keys, d: &str, content: &str) -> Event {
        EventBuilder::new(Kind::from(OPERATOR_EVENT_KIND), content)
            .tags([Tag::identifier(d)])
            .sign_with_keys(keys)
            .unwrap()
    }

    fn publish(keys: &Keys, built: &Built) -> Vec<Event> {
        let mut events: Vec<Event> = built.chunks.iter().map(|(d, c)| sign(keys, d, c)).collect();
        events.push(sign(keys, ROSTER_D_TAG, &built.head));
        events
    }

    #[test]
    fn ten_thousand_machines_split_into_chunks_that_each_fit_a_nip46_request() {
        let entries: Vec<Entry> = (0..10_000).map(sample).collect();
        let built = build(entries, 1).unwrap();
        assert!(built.buckets >= 128, "{} buckets", built.buckets);
        for (d, content) in &built.chunks {
            // The unsigned event as the NIP-46 sign_event request carries it, escaped twice.
            let event = serde_json::json!({"kind": 30078, "content": content,
                "tags": [["d", d]], "created_at": 0});
            let request = serde_json::json!({"id": "0".repeat(32), "method": "sign_event",
                "params": [event.to_string()]});
            assert!(
                request.to_string().len() < 65_535,
                "chunk {d}: {} bytes of NIP-46 plaintext, NIP-44 holds 65,535",
                request.to_string().len()
            );
        }
        assert!(built.head.len() < CHUNK_TARGET_BYTES * 2);
    }

    #[test]
    fn one_change_rewrites_one_chunk_and_buckets_never_shrink() {
        let entries: Vec<Entry> = (0..300).map(sample).collect();
        let before = build(entries.clone(), 1).unwrap();
        let mut changed = entries.clone();
        changed[7].name = "Renamed".into();
        let after = build(changed, before.buckets).unwrap();
        let differing = before
            .chunks
            .iter()
            .zip(&after.chunks)
            .filter(|(a, b)| a != b)
            .count();
        assert_eq!(differing, 1, "only the renamed machine's chunk changes");
        let small = build(entries[..3].to_vec(), before.buckets).unwrap();
        assert_eq!(small.buckets, before.buckets);
    }

    #[test]
    fn a_roster_reads_back_as_built_and_a_missing_chunk_is_refused() {
        let keys = Keys::generate();
        let entries: Vec<Entry> = (0..300).map(sample).collect();
        let built = build(entries.clone(), 4).unwrap();
        let events = publish(&keys, &built);
        let roster = read(&events, &keys.public_key()).unwrap().unwrap();
        let mut sorted = entries;
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(roster.entries, sorted);
        let missing = read(&events[1..], &keys.public_key()).unwrap_err();
        assert!(missing.contains("is not on the relays"), "{missing}");
        assert!(read(&[], &keys.public_key()).unwrap().is_none());
    }

    #[test]
    fn a_roster_signed_by_another_key_malformed_or_oversized_is_refused() {
        let (keys, other) = (Keys::generate(), Keys::generate());
        let built = build((0..5).map(sample).collect(), 1).unwrap();
        let err = read(&publish(&other, &built), &keys.public_key()).unwrap_err();
        assert!(err.contains("not by the operator key"), "{err}");

        let bad = [sign(&keys, ROSTER_D_TAG, "{\"v\":2,\"buckets\":")];
        assert!(read(&bad, &keys.public_key())
            .unwrap_err()
            .contains("not JSON"));

        let huge = format!(
            "{{\"v\":2,\"buckets\":1,\"machines\":0,\"chunks\":[],\"pad\":\"{}\"}}",
            "x".repeat(MAX_CONTENT_BYTES)
        );
        let err = read(&[sign(&keys, ROSTER_D_TAG, &huge)], &keys.public_key()).unwrap_err();
        assert!(err.contains("more than the 65535"), "{err}");
    }

    #[test]
    fn a_machine_id_that_is_not_ours_is_refused() {
        let keys = Keys::generate();
        let mut e = sample(1);
        let buckets = 2;
        let wrong = 1 - bucket_of(&e.id, buckets).unwrap();
        let chunk = serde_json::to_string(&Chunk {
            v: VERSION,
            bucket: wrong,
            buckets,
            machines: vec![e.clone()],
        })
        .unwrap();
        let d = chunk_d_tag(buckets, wrong);
        let head = serde_json::to_string(&Head {
            v: VERSION,
            buckets,
            machines: 1,
            chunks: vec![ChunkRef {
                d: d.clone(),
                machines: 1,
            }],
        })
        .unwrap();
        let events = [sign(&keys, &d, &chunk), sign(&keys, ROSTER_D_TAG, &head)];
        let err = read(&events, &keys.public_key()).unwrap_err();
        assert!(err.contains("not one of ours"), "{err}");

        e.id = "not-an-id!".into();
        assert!(check_entry(&e, 0, 1)
            .unwrap_err()
            .contains("is not a machine id"));
        let mut e = sample(2);
        e.client = "satmachine-someone-else".into();
        assert!(check_entry(&e, bucket_of(&e.id, 1).unwrap(), 1)
            .unwrap_err()
            .contains("bunker name"));
    }
}
