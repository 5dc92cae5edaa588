//! Reconcile the local cache with the bunker (issue #4 item 4): `get_key_users` and
//! `get_key_tokens` (protocol §2.3.3, §2.3.4) against the machines table.
//!
//! What it finds and does, in one transaction:
//! - a machine's client **revoked elsewhere** (admin UI, another console): the machine turns
//!   `revoked`, audited;
//! - a token **redeemed while the app was closed** (machine left `pairing`): the redeeming
//!   client is recorded as the machine's, audited as a redemption seen; an earlier client of a
//!   re-paired machine is queued for revoke;
//! - a pairing whose code is gone (expired, burned) without a redemption: back to the state
//!   before it;
//! - a stored client whose KeyUser id was unknown: the id is stored;
//! - **stale clients**: unrevoked KeyUsers named after a machine that are not its current key
//!   (a re-pair that crashed before revoking the old key): queued for revoke;
//! - a machine **revoked here but active again on the bunker** (nsecbunkerd 0.11's
//!   `grant_permission` and `rotate_key` undo a revoke, 0.11 doc §3.5): flagged and audited at
//!   once; with automatic revoke on (the `term.auto_revoke` setting) its client is queued for
//!   revoke again, otherwise it waits for the operator's [`Fleet::re_revoke`];
//! - **clients the app doesn't know**: kept in the `bunker_clients` snapshot and reported, never
//!   hidden; so are machines whose client the bunker no longer lists, and live unredeemed
//!   tokens nobody is waiting for.

use std::collections::{HashMap, HashSet};

use bunker_client::{KeyToken, KeyUser};
use fleet_store::clients::{self, BunkerClient, ClientRole};
use fleet_store::{
    audit, machines, outbox, pairing_terms, settings, Machine, MachineState, NewAuditEntry, Pairing,
};
use serde::Serialize;
use tracing::instrument;

use crate::outbox::{unix_now, Action};
use crate::pairing::DEFAULT_ACCESS_TERM;
use crate::revoke::RevokeAction;
use crate::{Fleet, Result};

/// Token client name of the console's own NIP-46 session (operator-authored events).
pub const CONSOLE_CLIENT_NAME: &str = "satop-console";
/// Setting: unix time of the last reconcile.
pub const LAST_RECONCILE: &str = "reconcile.last_at";

/// What the bunker said, fetched in one go.
#[derive(Debug, Default)]
pub struct BunkerSnapshot {
    /// `get_key_users` of the operator key.
    pub users: Vec<KeyUser>,
    /// `get_key_tokens` of the operator key.
    pub tokens: Vec<KeyToken>,
    /// The console session's pubkey (hex), if it has one.
    pub console_pubkey: Option<String>,
}

/// A bunker client as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientView {
    /// KeyUser id.
    pub id: i64,
    /// Client pubkey (hex).
    pub pubkey: String,
    /// Its short fingerprint.
    pub fingerprint: String,
    /// Description on the bunker.
    pub description: Option<String>,
    /// Revoked on the bunker.
    pub revoked: bool,
    /// `machine`, `stale`, `console`, `burned`, `unknown`.
    pub role: String,
    /// Its machine, if any.
    pub machine_id: Option<i64>,
}

/// What a reconcile found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    /// Machines compared.
    pub machines: usize,
    /// KeyUsers compared.
    pub clients: usize,
    /// Machines whose client was revoked elsewhere, now `revoked`.
    pub revoked_elsewhere: Vec<String>,
    /// Machines whose pairing code was redeemed while the app was closed, now recorded.
    pub redemptions_seen: Vec<String>,
    /// Machines whose pending pairing ended without a redemption.
    pub pairings_ended: Vec<String>,
    /// Machines whose KeyUser id was filled in.
    pub ids_resolved: Vec<String>,
    /// Stale clients queued for revoke (machine name, KeyUser id).
    pub stale_revokes_queued: Vec<(String, i64)>,
    /// Machines whose client the bunker does not list at all.
    pub missing_on_bunker: Vec<String>,
    /// Unredeemed, unexpired tokens no pairing is waiting for (client name, token id).
    pub live_tokens: Vec<(String, u64)>,
    /// Active clients the app knows nothing about.
    pub unknown_clients: Vec<ClientView>,
    /// Machines revoked here whose client is active again on the bunker.
    #[serde(default)]
    pub revived: Vec<RevivedClient>,
}

/// A machine revoked here whose client the bunker lists as active again (0.11
/// `grant_permission`/`rotate_key`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevivedClient {
    /// The machine's name.
    pub machine: String,
    /// The client's KeyUser id.
    pub key_user_id: i64,
    /// `true` when its revoke was queued again (automatic revoke on); `false` when it waits
    /// for the operator ([`Fleet::re_revoke`]; `satop sync` asks in a terminal).
    pub re_revoke_queued: bool,
}

impl Fleet {
    /// Reads the bunker's clients and tokens and reconciles the cache with them.
    ///
    /// # Errors
    /// [`crate::Error::NotConnected`]; [`crate::Error::Bunker`] when the bunker can't be
    /// reached (nothing local changes then); [`crate::Error::Store`].
    #[instrument(skip_all)]
    pub async fn reconcile(&self) -> Result<ReconcileReport> {
        let (admin, profile) = self.admin_session().await?;
        let fetched = async {
            let users = admin.get_key_users(&profile.key_name).await?;
            let tokens = admin.get_key_tokens(&profile.key_name).await?;
            Ok::<_, crate::Error>((users, tokens))
        }
        .await;
        admin.shutdown().await;
        let (users, tokens) = fetched?;
        let console_pubkey = self
            .secrets()
            .get(crate::secrets::CONSOLE_SESSION)
            .await?
            .map(|sk| nostr::Keys::new(sk).public_key().to_hex());
        self.reconcile_with(BunkerSnapshot {
            users,
            tokens,
            console_pubkey,
        })
        .await
    }

    /// Reconciles the cache with an already fetched snapshot (tests, benchmarks).
    ///
    /// # Errors
    /// [`crate::Error::Store`].
    pub async fn reconcile_with(&self, snapshot: BunkerSnapshot) -> Result<ReconcileReport> {
        Ok(self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let report = apply(&tx, &snapshot, unix_now())?;
                tx.commit()?;
                Ok(report)
            })
            .await?)
    }

    /// The bunker's clients as last seen by reconcile (offline).
    ///
    /// # Errors
    /// [`crate::Error::Store`].
    pub async fn bunker_clients(&self) -> Result<Vec<ClientView>> {
        Ok(self
            .db()
            .interact(|c| clients::list(c))
            .await?
            .iter()
            .map(view)
            .collect())
    }
}

fn apply(
    tx: &fleet_store::Transaction<'_>,
    snap: &BunkerSnapshot,
    now: i64,
) -> fleet_store::Result<ReconcileReport> {
    let list = machines::list(tx)?;
    let mut report = ReconcileReport {
        machines: list.len(),
        clients: snap.users.len(),
        ..ReconcileReport::default()
    };
    let by_id: HashMap<u64, &KeyUser> = snap.users.iter().map(|u| (u.id, u)).collect();
    let mut by_name: HashMap<&str, Vec<&KeyUser>> = HashMap::new();
    for u in &snap.users {
        if let Some(d) = u.description.as_deref() {
            by_name.entry(d).or_default().push(u);
        }
    }
    let queued: HashSet<u64> = outbox::unfinished(tx)?
        .iter()
        .filter(|r| r.action == "revoke")
        .filter_map(|r| {
            r.payload
                .get("key_user_id")
                .and_then(serde_json::Value::as_u64)
        })
        .collect();
    let auto_revoke = settings::get_bool(tx, crate::term::AUTO_REVOKE_SETTING, true)?;
    let audit_ok = |machine: i64, action: &str, detail: String| {
        audit::append(
            tx,
            &NewAuditEntry {
                action: action.into(),
                machine_id: Some(machine),
                outcome: "ok".into(),
                detail: Some(detail),
            },
        )
    };

    let mut current: HashMap<String, i64> = HashMap::new();
    for m in &list {
        let name = m.client_name.clone();
        let named = by_name
            .get(name.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mine = find_client(m, &by_id, &snap.users);
        let mut client_pk = m.atm_client_pubkey.clone();
        if m.state == MachineState::Pairing {
            if let Some(new) = redeemer(named, m.atm_client_pubkey.as_deref()) {
                let paired_at = now;
                // The term chosen when the code was minted; the default for a pairing started
                // by a version that did not keep it.
                let term = pairing_terms::get(tx, m.id)?.unwrap_or_else(|| {
                    i64::try_from(DEFAULT_ACCESS_TERM.as_secs()).unwrap_or(i64::MAX)
                });
                machines::set_pairing(
                    tx,
                    m.id,
                    &Pairing {
                        bunker_connection_id: i64::try_from(new.id).unwrap_or(i64::MAX),
                        atm_client_pubkey: new.pubkey.to_hex(),
                        paired_at,
                        bunker_token_expires_at: paired_at.saturating_add(term),
                    },
                )?;
                pairing_terms::clear(tx, m.id)?;
                audit_ok(m.id, "redemption_seen", format!("pairing code redeemed while the app was closed: client KeyUser #{} recorded", new.id))?;
                report.redemptions_seen.push(m.name.clone());
                if let Some(old) = mine.filter(|u| u.id != new.id && !u.is_revoked()) {
                    enqueue_client_revoke(tx, m, old, "re-pair: old key", &queued)?;
                    report
                        .stale_revokes_queued
                        .push((m.name.clone(), i64::try_from(old.id).unwrap_or(i64::MAX)));
                }
                client_pk = Some(new.pubkey.to_hex());
            } else if !snap
                .tokens
                .iter()
                .any(|t| t.client_name == name && !t.is_redeemed() && !token_expired(t, now))
            {
                let back = if mine.is_some() {
                    MachineState::Active
                } else {
                    MachineState::Unpaired
                };
                machines::update_state(tx, m.id, back)?;
                pairing_terms::clear(tx, m.id)?;
                audit::append(
                    tx,
                    &NewAuditEntry {
                        action: "pair".into(),
                        machine_id: Some(m.id),
                        outcome: "ended".into(),
                        detail: Some("no redeemable pairing code is left on the bunker".into()),
                    },
                )?;
                report.pairings_ended.push(m.name.clone());
            }
        } else if let Some(u) = mine {
            if m.state == MachineState::Revoked && !u.is_revoked() {
                report
                    .revived
                    .push(flag_revived(tx, m, u, auto_revoke, &queued)?);
            }
            let paired = matches!(
                m.state,
                MachineState::Active
                    | MachineState::Expiring
                    | MachineState::Expired
                    | MachineState::RevokePending
            );
            let revoked_now = u.is_revoked() && paired;
            if revoked_now {
                machines::update_state(tx, m.id, MachineState::Revoked)?;
                let how = if m.state == MachineState::RevokePending {
                    "revoke confirmed by reconcile"
                } else {
                    "revoked elsewhere (not by this app)"
                };
                audit_ok(m.id, "revoke", format!("client KeyUser #{} {how}", u.id))?;
                report.revoked_elsewhere.push(m.name.clone());
            }
            let stored = m.bunker_connection_id.and_then(|id| u64::try_from(id).ok());
            if stored != Some(u.id) {
                machines::set_pairing(
                    tx,
                    m.id,
                    &Pairing {
                        bunker_connection_id: i64::try_from(u.id).unwrap_or(i64::MAX),
                        atm_client_pubkey: u.pubkey.to_hex(),
                        paired_at: m.paired_at.unwrap_or(now),
                        bunker_token_expires_at: m.bunker_token_expires_at.unwrap_or(now),
                    },
                )?;
                // set_pairing activates; keep the state this reconcile decided.
                machines::update_state(
                    tx,
                    m.id,
                    if revoked_now {
                        MachineState::Revoked
                    } else {
                        m.state
                    },
                )?;
                report.ids_resolved.push(m.name.clone());
            }
        } else if m.atm_client_pubkey.is_some()
            && !matches!(m.state, MachineState::Revoked | MachineState::Legacy)
        {
            report.missing_on_bunker.push(m.name.clone());
        }
        if let Some(pk) = &client_pk {
            current.insert(pk.clone(), m.id);
        }
        if m.state != MachineState::Pairing {
            for stale in named
                .iter()
                .filter(|u| !u.is_revoked() && Some(u.pubkey.to_hex()) != client_pk)
            {
                if enqueue_client_revoke(
                    tx,
                    m,
                    stale,
                    "stale client (not the machine's current key)",
                    &queued,
                )? {
                    report
                        .stale_revokes_queued
                        .push((m.name.clone(), i64::try_from(stale.id).unwrap_or(i64::MAX)));
                }
            }
        }
    }

    let ids: HashMap<String, i64> = list.iter().map(|m| (m.client_name.clone(), m.id)).collect();
    let pairing: HashSet<i64> = list
        .iter()
        .filter(|m| m.state == MachineState::Pairing)
        .map(|m| m.id)
        .collect();
    for t in snap
        .tokens
        .iter()
        .filter(|t| !t.is_redeemed() && !token_expired(t, now))
    {
        let waiting = ids
            .get(&t.client_name)
            .is_some_and(|id| pairing.contains(id))
            || t.client_name == CONSOLE_CLIENT_NAME;
        if !waiting {
            report.live_tokens.push((t.client_name.clone(), t.id));
        }
    }

    let snapshot: Vec<BunkerClient> = snap
        .users
        .iter()
        .map(|u| {
            let pk = u.pubkey.to_hex();
            let described = u.description.as_deref().and_then(|d| ids.get(d).copied());
            let (role, machine_id) = if snap.console_pubkey.as_deref() == Some(pk.as_str())
                || u.description.as_deref() == Some(CONSOLE_CLIENT_NAME)
            {
                (ClientRole::Console, None)
            } else if let Some(&id) = current.get(&pk) {
                (ClientRole::Machine, Some(id))
            } else if let Some(id) = described {
                // Burn throwaways redeem under the machine's name and are revoked at once.
                (
                    if u.is_revoked() && u.signing_conditions.len() <= 2 {
                        ClientRole::Burned
                    } else {
                        ClientRole::Stale
                    },
                    Some(id),
                )
            } else {
                (ClientRole::Unknown, None)
            };
            BunkerClient {
                id: i64::try_from(u.id).unwrap_or(i64::MAX),
                pubkey: pk,
                description: u.description.clone(),
                revoked_at: u.revoked_at.clone(),
                machine_id,
                role,
                seen_at: now,
            }
        })
        .collect();
    report.unknown_clients = snapshot
        .iter()
        .filter(|c| c.role == ClientRole::Unknown && c.revoked_at.is_none())
        .map(view)
        .collect();
    clients::replace_all(tx, &snapshot)?;
    settings::set(tx, LAST_RECONCILE, &now.to_string())?;
    Ok(report)
}

/// The machine's current client: by stored id if it still names the stored pubkey, else by pubkey.
fn find_client<'a>(
    m: &Machine,
    by_id: &HashMap<u64, &'a KeyUser>,
    users: &'a [KeyUser],
) -> Option<&'a KeyUser> {
    let pk = m.atm_client_pubkey.as_deref()?;
    m.bunker_connection_id
        .and_then(|id| u64::try_from(id).ok())
        .and_then(|id| by_id.get(&id).copied())
        .filter(|u| u.pubkey.to_hex() == pk)
        .or_else(|| {
            users
                .iter()
                .filter(|u| u.pubkey.to_hex() == pk)
                .max_by_key(|u| u.id)
        })
}

/// The client that redeemed a machine's pending code: the newest unrevoked client with its name
/// that is not its current key.
fn redeemer<'a>(named: &[&'a KeyUser], current: Option<&str>) -> Option<&'a KeyUser> {
    named
        .iter()
        .copied()
        .filter(|u| !u.is_revoked() && current != Some(u.pubkey.to_hex().as_str()))
        .max_by_key(|u| u.id)
}

/// Reason of a re-revoke, in the outbox and the audit log.
const REVIVED_REASON: &str = "revoked here but active again on the bunker";

/// Audits a revived client and, with automatic revoke on, queues its revoke again.
fn flag_revived(
    tx: &fleet_store::Transaction<'_>,
    m: &Machine,
    u: &KeyUser,
    auto_revoke: bool,
    queued: &HashSet<u64>,
) -> fleet_store::Result<RevivedClient> {
    audit::append(
        tx,
        &NewAuditEntry {
            action: "revoke".into(),
            machine_id: Some(m.id),
            outcome: "revived".into(),
            detail: Some(format!(
                "client KeyUser #{} is revoked here but active on the bunker (nsecbunkerd 0.11 \
                 grant_permission or rotate_key undo a revoke); {}",
                u.id,
                if auto_revoke {
                    "revoking it again (automatic revoke is on)"
                } else {
                    "waiting for the operator to revoke it again"
                }
            )),
        },
    )?;
    let re_revoke_queued = auto_revoke
        && (queued.contains(&u.id) || enqueue_client_revoke(tx, m, u, REVIVED_REASON, queued)?);
    Ok(RevivedClient {
        machine: m.name.clone(),
        key_user_id: i64::try_from(u.id).unwrap_or(i64::MAX),
        re_revoke_queued,
    })
}

impl Fleet {
    /// The operator's confirmation to revoke again a machine whose client the last reconcile
    /// found active on the bunker although it is revoked here; the revoke is queued (run the
    /// outbox, or `satop sync`, to send it). Returns the outbox row.
    ///
    /// # Errors
    /// [`crate::Error::MachineNotFound`]; [`crate::Error::InvalidInput`] when the last reconcile
    /// saw no active client of that revoked machine; [`crate::Error::Store`].
    pub async fn re_revoke(&self, machine: &str) -> Result<i64> {
        let name = machine.trim().to_string();
        let outcome = self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let Some(m) = machines::find_by_name(&tx, &name)? else {
                    return Ok(Err(crate::Error::MachineNotFound { name }));
                };
                let client = clients::list(&tx)?.into_iter().find(|cl| {
                    cl.machine_id == Some(m.id)
                        && cl.revoked_at.is_none()
                        && Some(cl.pubkey.as_str()) == m.atm_client_pubkey.as_deref()
                });
                let (Some(client), MachineState::Revoked) = (client, m.state) else {
                    return Ok(Err(crate::Error::InvalidInput(format!(
                        "machine {:?} has no client that is revoked here but active on the \
                         bunker (as of the last sync): run `satop sync` to check again",
                        m.name
                    ))));
                };
                let id = u64::try_from(client.id).unwrap_or_default();
                let action = Action::Revoke(RevokeAction::client(
                    &m.client_name,
                    id,
                    Some(client.pubkey.clone()),
                    REVIVED_REASON,
                ));
                let item = action
                    .to_item(Some(m.id))
                    .map_err(|e| fleet_store::Error::Task(e.to_string()))?;
                let row = outbox::enqueue(&tx, &item)?;
                audit::append(
                    &tx,
                    &NewAuditEntry {
                        action: "revoke_client".into(),
                        machine_id: Some(m.id),
                        outcome: "queued".into(),
                        detail: Some(format!(
                            "KeyUser #{id}: {REVIVED_REASON}; confirmed by the operator; outbox #{}",
                            row.id
                        )),
                    },
                )?;
                tx.commit()?;
                Ok(Ok(row.id))
            })
            .await?;
        outcome
    }
}

/// Queues a client-only revoke unless one is queued; `true` if queued now.
fn enqueue_client_revoke(
    tx: &fleet_store::Transaction<'_>,
    m: &Machine,
    u: &KeyUser,
    reason: &str,
    queued: &HashSet<u64>,
) -> fleet_store::Result<bool> {
    if queued.contains(&u.id) {
        return Ok(false);
    }
    let action = Action::Revoke(RevokeAction::client(
        &m.client_name,
        u.id,
        Some(u.pubkey.to_hex()),
        reason,
    ));
    let item = action
        .to_item(Some(m.id))
        .map_err(|e| fleet_store::Error::Task(e.to_string()))?;
    let row = outbox::enqueue(tx, &item)?;
    audit::append(
        tx,
        &NewAuditEntry {
            action: "revoke_client".into(),
            machine_id: Some(m.id),
            outcome: "queued".into(),
            detail: Some(format!("KeyUser #{}: {reason}; outbox #{}", u.id, row.id)),
        },
    )?;
    Ok(true)
}

fn token_expired(t: &KeyToken, now: i64) -> bool {
    t.expires_at
        .as_deref()
        .and_then(parse_time)
        .is_some_and(|end| end <= now)
}

/// Parses the bunker's ISO-8601 times (`2024-05-01T12:00:00.000Z`) to unix seconds.
pub fn parse_time(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(time::OffsetDateTime::unix_timestamp)
}

fn view(c: &BunkerClient) -> ClientView {
    ClientView {
        fingerprint: nostr::PublicKey::from_hex(&c.pubkey)
            .map(|pk| bunker_client::fingerprint(&pk))
            .unwrap_or_default(),
        id: c.id,
        pubkey: c.pubkey.clone(),
        description: c.description.clone(),
        revoked: c.revoked_at.is_some(),
        role: c.role.as_str().to_string(),
        machine_id: c.machine_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleet_store::{NewMachine, Transaction};

    const A: &str = "a4818d9d05bbec10166edbefe7b9e0201542b8f45f78c535e56f6c73c383b4f5";
    const B: &str = "654b4314334099912b30b4dd79dad0620204b82b0eafe37e5c3a988842fa3e2e";
    const C: &str = "45ddf8e0b0d76166844619d5d794c51f122674d7b50c4add7b596d29145d57c9";

    fn user(id: u64, pubkey: &str, description: &str, revoked: bool) -> KeyUser {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": "operator", "pubkey": pubkey, "description": description,
            "revokedAt": revoked.then_some("2024-05-01T12:00:00.000Z"),
            "signingConditions": [{"method": "connect"}, {"method": "sign_event", "kind": "21000"}, {"method": "x"}],
        }))
        .unwrap()
    }

    fn conn() -> fleet_store::Connection {
        let mut c = fleet_store::Connection::open_in_memory().unwrap();
        fleet_store::MIGRATIONS.to_latest(&mut c).unwrap();
        c
    }

    fn paired(tx: &Transaction<'_>, name: &str, key_user: Option<i64>, pk: &str) -> Machine {
        let m = machines::insert(tx, &NewMachine::new(name)).unwrap();
        machines::set_pairing(
            tx,
            m.id,
            &Pairing {
                bunker_connection_id: key_user.unwrap_or(0),
                atm_client_pubkey: pk.into(),
                paired_at: 1,
                bunker_token_expires_at: i64::MAX / 2,
            },
        )
        .unwrap();
        machines::get(tx, m.id).unwrap().unwrap()
    }

    #[test]
    fn a_client_revoked_elsewhere_marks_its_machine_revoked() {
        let mut c = conn();
        let tx = c.transaction().unwrap();
        let m = paired(&tx, "Lobby", Some(3), A);
        let snap = BunkerSnapshot {
            users: vec![user(3, A, &m.client_name, true)],
            ..BunkerSnapshot::default()
        };
        let report = apply(&tx, &snap, 100).unwrap();
        assert_eq!(report.revoked_elsewhere, vec!["Lobby".to_string()]);
        assert_eq!(
            machines::get(&tx, m.id).unwrap().unwrap().state,
            MachineState::Revoked
        );
    }

    #[test]
    fn a_redemption_while_closed_is_recorded_and_the_old_key_queued_for_revoke() {
        let mut c = conn();
        let tx = c.transaction().unwrap();
        let m = paired(&tx, "Lobby", Some(3), A);
        machines::update_state(&tx, m.id, MachineState::Pairing).unwrap();
        let snap = BunkerSnapshot {
            users: vec![
                user(3, A, &m.client_name, false),
                user(8, B, &m.client_name, false),
            ],
            ..BunkerSnapshot::default()
        };
        let report = apply(&tx, &snap, 100).unwrap();
        assert_eq!(report.redemptions_seen, vec!["Lobby".to_string()]);
        let now = machines::get(&tx, m.id).unwrap().unwrap();
        assert_eq!(
            (
                now.state,
                now.bunker_connection_id,
                now.atm_client_pubkey.as_deref()
            ),
            (MachineState::Active, Some(8), Some(B))
        );
        assert_eq!(report.stale_revokes_queued, vec![("Lobby".to_string(), 3)]);
        assert_eq!(outbox::unfinished(&tx).unwrap().len(), 1);
        let again = apply(&tx, &snap, 101).unwrap();
        assert!(
            again.stale_revokes_queued.is_empty(),
            "a queued revoke is not queued twice"
        );
    }

    #[test]
    fn a_pairing_without_a_redeemable_code_goes_back() {
        let mut c = conn();
        let tx = c.transaction().unwrap();
        let m = machines::insert(&tx, &NewMachine::new("New")).unwrap();
        machines::update_state(&tx, m.id, MachineState::Pairing).unwrap();
        let report = apply(&tx, &BunkerSnapshot::default(), 100).unwrap();
        assert_eq!(report.pairings_ended, vec!["New".to_string()]);
        assert_eq!(
            machines::get(&tx, m.id).unwrap().unwrap().state,
            MachineState::Unpaired
        );
    }

    #[test]
    fn unknown_clients_are_reported_and_kept_in_the_snapshot() {
        let mut c = conn();
        let tx = c.transaction().unwrap();
        let m = paired(&tx, "Lobby", Some(3), A);
        let snap = BunkerSnapshot {
            users: vec![
                user(3, A, &m.client_name, false),
                user(4, C, "someone's phone", false),
                user(5, B, CONSOLE_CLIENT_NAME, false),
            ],
            ..BunkerSnapshot::default()
        };
        let report = apply(&tx, &snap, 100).unwrap();
        assert_eq!(
            report
                .unknown_clients
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>(),
            vec![4]
        );
        let roles: Vec<_> = clients::list(&tx)
            .unwrap()
            .into_iter()
            .map(|c| (c.id, c.role))
            .collect();
        assert_eq!(
            roles,
            vec![
                (3, ClientRole::Machine),
                (4, ClientRole::Unknown),
                (5, ClientRole::Console)
            ]
        );
    }

    #[test]
    fn a_missing_key_user_id_is_filled_in_by_pubkey() {
        let mut c = conn();
        let tx = c.transaction().unwrap();
        let m = paired(&tx, "Lobby", None, A);
        let report = apply(
            &tx,
            &BunkerSnapshot {
                users: vec![user(6, A, &m.client_name, false)],
                ..BunkerSnapshot::default()
            },
            100,
        )
        .unwrap();
        assert_eq!(report.ids_resolved, vec!["Lobby".to_string()]);
        let now = machines::get(&tx, m.id).unwrap().unwrap();
        assert_eq!(
            (now.bunker_connection_id, now.state),
            (Some(6), MachineState::Active)
        );
    }

    #[test]
    fn bunker_times_parse_to_unix_seconds() {
        assert_eq!(parse_time("1970-01-01T00:01:40.000Z"), Some(100));
        assert_eq!(parse_time("nope"), None);
    }
}
