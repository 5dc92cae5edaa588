//! Revoke a machine (DESIGN.md §3 "Revoke"; protocol/nsecbunkerd.md §2.3.8, §3.5, §5 item 16).
//!
//! The request is local and instant: the machine turns `revoke pending` and a `revoke` row is
//! queued in the same transaction. The row then runs (now, or when the bunker is reachable
//! again): resolve the KeyUser (stored id, else by ATM pubkey, else by the token's client name),
//! `revoke_user`, re-read `get_key_users` until `revokedAt` shows, burn the machine's unredeemed
//! tokens (§3.5 option b: no admin method deletes a token), and only then record `revoked`.
//!
//! ```no_run
//! # async fn demo(fleet: fleet_core::Fleet) -> fleet_core::Result<()> {
//! use fleet_core::revoke::RevokeOutcome;
//! match fleet.revoke("Lobby ATM", |step| println!("{step:?}")).await? {
//!     RevokeOutcome::Revoked { .. } => println!("the bunker now refuses the ATM"),
//!     RevokeOutcome::Pending { reason, .. } => println!("revoke pending: {reason:?}"),
//!     RevokeOutcome::Failed { reason, .. } => println!("revoke failed: {reason}"),
//! }
//! # Ok(()) }
//! ```

use std::time::Duration;

use bunker_client::{
    AdminClient, BunkerUri, ClientOptions, Error as BunkerError, KeyToken, KeyUser, Refusal,
    SignerClient,
};
use fleet_store::{audit, machines, outbox, BunkerProfile, Machine, MachineState, NewAuditEntry};
use nostr::Keys;
use serde::{Deserialize, Serialize};
use tracing::{info, instrument};

use crate::lifecycle::{next, Transition};
use crate::outbox::{unix_now, Action, Completion, Delivery, Due, OutboxEvent, Session};
use crate::{Error, Fleet, Result};

/// How often the bunker is re-read to see `revokedAt` before the row is retried later.
const CONFIRM_READS: u32 = 20;
/// Pause between two confirmation reads.
const CONFIRM_PAUSE: Duration = Duration::from_millis(100);

/// Whose access a revoke row ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokeScope {
    /// The machine's: every client described as its token name, and its unredeemed tokens; the
    /// machine ends `revoked`.
    Machine,
    /// One client only (the old key after a re-pair, a stale leftover); the machine's state
    /// is not touched.
    Client,
}

/// A queued revoke (outbox payload). Holds ids and public keys only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeAction {
    /// Whose access ends.
    pub scope: RevokeScope,
    /// The KeyUser id, when known.
    pub key_user_id: Option<u64>,
    /// The client's pubkey (hex), when known.
    pub atm_pubkey: Option<String>,
    /// The machine's bunker client name, the last resort to find the client.
    pub client_name: String,
    /// Why (`operator`, `access term ended`, `re-pair: old key`, …), for the audit log.
    pub reason: String,
}

impl RevokeAction {
    /// Revoke the machine named `client_name` on the bunker whose stored client is
    /// `key_user_id` / `atm_pubkey`.
    pub fn machine(
        client_name: &str,
        key_user_id: Option<u64>,
        atm_pubkey: Option<String>,
        reason: &str,
    ) -> Self {
        Self {
            scope: RevokeScope::Machine,
            key_user_id,
            atm_pubkey,
            client_name: client_name.to_owned(),
            reason: reason.into(),
        }
    }

    /// Revoke only one client of the machine named `client_name` on the bunker.
    pub fn client(
        client_name: &str,
        key_user_id: u64,
        atm_pubkey: Option<String>,
        reason: &str,
    ) -> Self {
        Self {
            scope: RevokeScope::Client,
            key_user_id: Some(key_user_id),
            atm_pubkey,
            client_name: client_name.to_owned(),
            reason: reason.into(),
        }
    }

    /// One line for the outbox list.
    pub fn summary(&self) -> String {
        match (self.scope, self.key_user_id) {
            (RevokeScope::Machine, _) => format!("revoke {} ({})", self.client_name, self.reason),
            (RevokeScope::Client, Some(id)) => format!(
                "revoke client KeyUser #{id} of {} ({})",
                self.client_name, self.reason
            ),
            (RevokeScope::Client, None) => {
                format!("revoke a client of {} ({})", self.client_name, self.reason)
            }
        }
    }
}

/// Progress of [`Fleet::revoke`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum RevokeStep {
    /// The machine is `revoke pending`; the revoke is in the outbox (row id).
    Queued {
        /// Outbox row.
        outbox_id: i64,
    },
    /// Talking to the bunker (earlier queued rows run first, in order).
    Running,
}

/// How [`Fleet::revoke`] ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RevokeOutcome {
    /// The bunker shows the client revoked; the machine is `revoked`.
    Revoked {
        /// Machine name.
        machine: String,
        /// The audit detail (KeyUser ids, burned tokens).
        detail: String,
    },
    /// The bunker could not be reached; the machine stays `revoke pending` and the revoke runs
    /// at the next sync.
    Pending {
        /// Machine name.
        machine: String,
        /// Why it is waiting.
        reason: Option<String>,
    },
    /// The bunker refused; the row is failed (see `satop outbox list`).
    Failed {
        /// Machine name.
        machine: String,
        /// Why.
        reason: String,
    },
}

impl Fleet {
    /// Requests a revoke without touching the network: the machine turns `revoke pending` and
    /// the revoke is queued, in one transaction. Returns the outbox row id. Requesting again
    /// while one is queued returns the queued row.
    ///
    /// # Errors
    /// [`Error::MachineNotFound`]; [`Error::RevokeNotPossible`] for a machine that was never
    /// paired through the bunker, or is already revoked; [`Error::Store`].
    pub async fn request_revoke(&self, name: &str, reason: &str) -> Result<i64> {
        let machine = self.machine(name).await?;
        let reason = reason.to_string();
        self.db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let queued = queue_machine_revoke(&tx, &machine, &reason);
                if queued.is_ok() {
                    tx.commit()?;
                }
                Ok(queued)
            })
            .await?
    }

    /// Revokes a machine: [`Fleet::request_revoke`], then runs the outbox. Offline, the
    /// machine stays `revoke pending` and [`RevokeOutcome::Pending`] is returned.
    ///
    /// # Errors
    /// As [`Fleet::request_revoke`]; [`Error::Store`].
    #[instrument(skip_all)]
    pub async fn revoke(&self, name: &str, on_step: impl Fn(&RevokeStep)) -> Result<RevokeOutcome> {
        let machine = self.machine(name).await?;
        let outbox_id = self.request_revoke(name, "operator").await?;
        on_step(&RevokeStep::Queued { outbox_id });
        on_step(&RevokeStep::Running);
        let run = self.run_outbox(Due::Now, |_: &OutboxEvent| {}).await?;
        Ok(match self.delivery(outbox_id, &run).await? {
            Delivery::Done => {
                let detail = self
                    .audit_for(machine.id, 1)
                    .await?
                    .into_iter()
                    .next()
                    .and_then(|e| e.detail)
                    .unwrap_or_default();
                RevokeOutcome::Revoked {
                    machine: machine.name,
                    detail,
                }
            }
            Delivery::Pending { reason } => RevokeOutcome::Pending {
                machine: machine.name,
                reason,
            },
            Delivery::Failed { reason } => RevokeOutcome::Failed {
                machine: machine.name,
                reason,
            },
        })
    }
}

/// The local half of a revoke: state `revoke pending`, the outbox row, an audit entry; reuses a
/// row already queued for the machine. Call inside a transaction.
pub(crate) fn queue_machine_revoke(
    tx: &fleet_store::Transaction<'_>,
    machine: &Machine,
    reason: &str,
) -> Result<i64> {
    if let Some(row) = outbox::unfinished(tx)?.into_iter().find(|r| {
        r.machine_id == Some(machine.id)
            && r.action == "revoke"
            && r.payload.get("scope").and_then(|s| s.as_str()) == Some("machine")
            && r.status != fleet_store::OutboxStatus::Failed
    }) {
        return Ok(row.id);
    }
    let to = next(machine.state, Transition::RevokeRequested).ok_or_else(|| {
        Error::RevokeNotPossible {
            machine: machine.name.clone(),
            state: crate::lifecycle::label(machine.state).to_string(),
        }
    })?;
    let key_user_id = machine
        .bunker_connection_id
        .and_then(|id| u64::try_from(id).ok());
    let action = Action::Revoke(RevokeAction::machine(
        &machine.client_name,
        key_user_id,
        machine.atm_client_pubkey.clone(),
        reason,
    ));
    machines::update_state(tx, machine.id, to)?;
    let row = outbox::enqueue(tx, &action.to_item(Some(machine.id))?)?;
    audit::append(
        tx,
        &NewAuditEntry {
            action: "revoke".into(),
            machine_id: Some(machine.id),
            outcome: "queued".into(),
            detail: Some(format!("reason: {reason}; outbox #{}", row.id)),
        },
    )?;
    Ok(row.id)
}

/// Runs one revoke row. Checks the bunker before acting, so a repeated row (after a crash)
/// never calls `revoke_user` again for a client that is already revoked.
pub(crate) async fn execute(
    session: &mut Session,
    machine_id: Option<i64>,
    action: &RevokeAction,
) -> Result<Completion> {
    let (admin, profile) = session.admin().await?;
    let key = profile.key_name.as_str();
    let users = admin.get_key_users(key).await?;
    let targets = resolve(&users, action);
    let mut revoked_now = Vec::new();
    for user in users
        .iter()
        .filter(|u| targets.contains(&u.id) && !u.is_revoked())
    {
        admin.revoke_user(user.id).await?;
        revoked_now.push(user.id);
    }
    if !revoked_now.is_empty() {
        confirm(&admin, key, &targets).await?;
    }
    let burned = match action.scope {
        RevokeScope::Machine => {
            burn_unredeemed(
                &admin,
                &profile,
                &action.client_name,
                *session.fleet().client_options(),
            )
            .await?
        }
        RevokeScope::Client => 0,
    };
    let already: Vec<u64> = targets
        .iter()
        .copied()
        .filter(|id| !revoked_now.contains(id))
        .collect();
    let mut detail = match (revoked_now.as_slice(), already.as_slice()) {
        ([], []) => "the bunker lists no client for it".to_string(),
        (now, []) => format!("KeyUser {} revoked", ids(now)),
        ([], before) => format!("KeyUser {} was already revoked", ids(before)),
        (now, before) => format!(
            "KeyUser {} revoked ({} already revoked)",
            ids(now),
            ids(before)
        ),
    };
    detail.push_str(&format!("; reason: {}", action.reason));
    if burned > 0 {
        detail.push_str(&format!("; {burned} unredeemed token(s) burned"));
    }
    info!(machine = ?machine_id, revoked = revoked_now.len(), burned, "revoke done");
    let (audit_action, machine_state) = match (action.scope, machine_id) {
        (RevokeScope::Machine, Some(id)) => ("revoke", Some((id, MachineState::Revoked))),
        (RevokeScope::Machine, None) => ("revoke", None),
        (RevokeScope::Client, _) => ("revoke_client", None),
    };
    Ok(Completion {
        machine_state,
        published: None,
        audit: Some(NewAuditEntry {
            action: audit_action.into(),
            machine_id,
            outcome: "ok".into(),
            detail: Some(detail),
        }),
    })
}

/// The KeyUser ids a revoke row targets (protocol §6.3 C7): the stored id if it still names the
/// client's pubkey, else the client by pubkey, else (machine scope) by the token client name;
/// for a machine, every other unrevoked client with its client name too, so no leftover key
/// keeps signing for it. A client revoke never matches by name: that would hit the new key.
pub fn resolve(users: &[KeyUser], action: &RevokeAction) -> Vec<u64> {
    let pubkey_matches = |u: &KeyUser| {
        action
            .atm_pubkey
            .as_deref()
            .is_none_or(|pk| u.pubkey.to_hex() == pk)
    };
    let by_id = action
        .key_user_id
        .and_then(|id| users.iter().find(|u| u.id == id && pubkey_matches(u)));
    let by_pubkey = || {
        action.atm_pubkey.as_deref().and_then(|pk| {
            users
                .iter()
                .filter(|u| u.pubkey.to_hex() == pk)
                .max_by_key(|u| u.id)
        })
    };
    let mut ids: Vec<u64> = by_id.or_else(by_pubkey).map(|u| u.id).into_iter().collect();
    if action.scope == RevokeScope::Machine {
        ids.extend(
            users
                .iter()
                .filter(|u| {
                    u.description.as_deref() == Some(action.client_name.as_str()) && !u.is_revoked()
                })
                .map(|u| u.id),
        );
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Re-reads `get_key_users` until every target shows `revokedAt` (§2.3.8).
async fn confirm(admin: &AdminClient, key: &str, targets: &[u64]) -> Result<()> {
    for attempt in 0..CONFIRM_READS {
        if attempt > 0 {
            tokio::time::sleep(CONFIRM_PAUSE).await;
        }
        let users = admin.get_key_users(key).await?;
        let open = users
            .iter()
            .any(|u| targets.contains(&u.id) && !u.is_revoked());
        if !open {
            return Ok(());
        }
    }
    Err(Error::RevokeUnconfirmed {
        key_user_ids: ids(targets),
    })
}

/// Burns every unredeemed, unexpired token of `client_name` (§3.5 option b): redeem it from a
/// throwaway key, revoke that key. The secret is read from the bunker now and never stored.
async fn burn_unredeemed(
    admin: &AdminClient,
    profile: &BunkerProfile,
    client_name: &str,
    opts: ClientOptions,
) -> Result<usize> {
    let tokens: Vec<KeyToken> = admin
        .get_key_tokens(&profile.key_name)
        .await?
        .into_iter()
        .filter(|t| t.client_name == client_name && !t.is_redeemed() && !expired(t))
        .collect();
    if tokens.is_empty() {
        return Ok(0);
    }
    let relays = crate::connect::stored_atm_relays(profile)?;
    let mut burned = 0;
    for token in &tokens {
        let uri = token.pairing_uri(relays.clone())?;
        if burn(admin, &profile.key_name, &uri, opts).await? {
            burned += 1;
        }
    }
    Ok(burned)
}

/// Redeems `uri`'s secret from a throwaway key and revokes that key; `false` when someone
/// redeemed it first or it expired meanwhile.
async fn burn(
    admin: &AdminClient,
    key: &str,
    uri: &BunkerUri,
    opts: ClientOptions,
) -> Result<bool> {
    let throwaway = Keys::generate();
    let pk = throwaway.public_key();
    let signer = SignerClient::new(throwaway, &uri.without_secret(), opts).await?;
    let redeemed = signer.connect(uri.secret.as_ref()).await;
    signer.shutdown().await;
    match redeemed {
        Ok(()) => {}
        Err(BunkerError::Refused(Refusal::TokenAlreadyRedeemed | Refusal::TokenExpired)) => {
            return Ok(false)
        }
        Err(e) => return Err(e.into()),
    }
    let user = admin
        .get_key_users(key)
        .await?
        .into_iter()
        .find(|u| u.pubkey == pk)
        .ok_or(BunkerError::Protocol(
            "the burned token's throwaway client is missing from get_key_users",
        ))?;
    admin.revoke_user(user.id).await?;
    Ok(true)
}

/// Whether the token's redemption window is over (unparseable times count as open: burning an
/// expired token is harmless, leaving a live one is not).
fn expired(token: &KeyToken) -> bool {
    token
        .expires_at
        .as_deref()
        .and_then(crate::reconcile::parse_time)
        .is_some_and(|end| end <= unix_now())
}

fn ids(ids: &[u64]) -> String {
    ids.iter()
        .map(|id| format!("#{id}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "a4818d9d05bbec10166edbefe7b9e0201542b8f45f78c535e56f6c73c383b4f5";
    const B: &str = "654b4314334099912b30b4dd79dad0620204b82b0eafe37e5c3a988842fa3e2e";
    const C: &str = "45ddf8e0b0d76166844619d5d794c51f122674d7b50c4add7b596d29145d57c9";

    fn user(id: u64, pubkey: &str, description: &str, revoked: bool) -> KeyUser {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": "operator", "pubkey": pubkey, "description": description,
            "revokedAt": revoked.then_some("2024-05-01T12:00:00.000Z"),
        }))
        .unwrap()
    }

    #[test]
    fn the_stored_id_wins_when_it_still_names_the_atm_key() {
        let users = vec![
            user(3, A, "satmachine-1", false),
            user(4, B, "renamed", false),
        ];
        let action = RevokeAction::machine("satmachine-1", Some(4), Some(B.into()), "operator");
        assert_eq!(
            resolve(&users, &action),
            vec![3, 4],
            "stored id, plus the machine's other unrevoked client"
        );
    }

    #[test]
    fn a_stale_id_falls_back_to_the_pubkey_then_to_the_client_name() {
        let users = vec![
            user(3, A, "satmachine-1", false),
            user(9, C, "other", false),
        ];
        let stale_id = RevokeAction::machine("satmachine-2", Some(9), Some(A.into()), "operator");
        assert_eq!(
            resolve(&users, &stale_id),
            vec![3],
            "id 9 belongs to another key"
        );
        let by_name = RevokeAction::machine("satmachine-1", None, None, "operator");
        assert_eq!(resolve(&users, &by_name), vec![3]);
        assert!(resolve(
            &users,
            &RevokeAction::machine("satmachine-5", None, None, "operator")
        )
        .is_empty());
    }

    #[test]
    fn a_client_revoke_never_matches_by_name() {
        let users = vec![
            user(3, A, "satmachine-1", false),
            user(5, B, "satmachine-1", false),
        ];
        let old = RevokeAction::client("satmachine-1", 3, Some(A.into()), "re-pair: old key");
        assert_eq!(
            resolve(&users, &old),
            vec![3],
            "the new key (#5) must keep working"
        );
    }

    #[test]
    fn an_already_revoked_client_is_a_target_but_not_revoked_again() {
        let users = vec![user(3, A, "satmachine-1", true)];
        let action = RevokeAction::machine("satmachine-1", Some(3), Some(A.into()), "operator");
        assert_eq!(resolve(&users, &action), vec![3]);
    }
}
