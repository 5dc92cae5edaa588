//! The outbox runner (DESIGN.md §3 "Offline and the outbox"; issue #4 item 5).
//!
//! Every action that needs the network is a row written in the same transaction as its local
//! effect ([`fleet_store::outbox::enqueue`]). The runner executes the rows in id order:
//!
//! - **One runner at a time.** A lock file (`outbox.lock` in the data directory, an OS file lock
//!   the kernel drops when the process dies) keeps two processes apart, an async mutex keeps two
//!   tasks of one process apart. Holding the lock proves every `running` row was left by a dead
//!   runner, so those rows go back to `pending` first.
//! - **Exactly once.** An action's completion (machine state, published version, audit entry)
//!   and its `done` mark commit in one transaction. A run killed after the network effect but
//!   before that commit repeats the action, so every executor first checks whether its effect is
//!   already there (a revoked client is not revoked again, a published event is not signed
//!   again) and then only records it.
//! - **In order, with backoff.** A network failure (timeout, unreachable) puts the row back to
//!   `pending` with an exponential backoff and stops the run: later rows would meet the same dead
//!   relay, and running them first would break the order. A refusal fails the row for good with
//!   its reason; the run goes on.

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use bunker_client::{AdminClient, SignerClient};
use fleet_store::{
    audit, machines, outbox, published, BunkerProfile, MachineState, NewAuditEntry, OutboxItem,
    OutboxStatus, PublishedEvent,
};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use crate::operator_events::PublishAction;
use crate::revoke::RevokeAction;
use crate::roster::RosterAction;
use crate::{Error, ErrorKind, Fleet, Result};

/// Name of the lock file in the data directory.
pub const LOCK_FILE: &str = "outbox.lock";
/// Longest wait between two attempts of one action.
pub const MAX_BACKOFF_SECS: i64 = 600;

/// An action the outbox knows how to run; stored as `action` + JSON `payload`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", content = "payload", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// `revoke_user` for a machine's client(s) (and burn its unredeemed tokens).
    Revoke(RevokeAction),
    /// Sign an operator-authored event through the bunker, verify and publish it.
    PublishEvent(PublishAction),
    /// Read, merge, build and publish the fleet roster (content built when it runs).
    PublishRoster(RosterAction),
}

impl Action {
    /// The `action` column value.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Revoke(_) => "revoke",
            Self::PublishEvent(_) => "publish_event",
            Self::PublishRoster(_) => crate::roster::ACTION,
        }
    }

    /// The row to enqueue for this action.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] if the payload cannot be encoded (never for the types above).
    pub fn to_item(&self, machine_id: Option<i64>) -> Result<outbox::NewOutboxItem> {
        let value = serde_json::to_value(self)
            .map_err(|e| Error::InvalidInput(format!("cannot encode an outbox action: {e}")))?;
        Ok(outbox::NewOutboxItem {
            action: self.name().to_string(),
            machine_id,
            payload: value
                .get("payload")
                .cloned()
                .unwrap_or(serde_json::Value::Null),
        })
    }

    fn from_item(item: &OutboxItem) -> Option<Self> {
        serde_json::from_value(serde_json::json!({"action": item.action, "payload": item.payload}))
            .ok()
    }
}

/// Which rows a run takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Every pending row, ignoring backoff: the operator asked (`satop sync`, a button).
    Now,
    /// Only rows whose backoff has passed: the app's background tick.
    Scheduled,
}

/// Progress of a run, per row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum OutboxEvent {
    /// A row is being executed.
    Started {
        /// Row id.
        id: i64,
        /// Action name.
        action: String,
        /// Its machine.
        machine_id: Option<i64>,
    },
    /// The row ran and its effect is recorded.
    Done {
        /// Row id.
        id: i64,
        /// What was done, as audited.
        detail: String,
    },
    /// The network failed; the row waits and the run stops.
    Deferred {
        /// Row id.
        id: i64,
        /// Why.
        reason: String,
        /// Next attempt (unix seconds).
        retry_at: i64,
    },
    /// The row failed for good.
    Failed {
        /// Row id.
        id: i64,
        /// Why.
        reason: String,
    },
}

/// How a run went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OutboxRun {
    /// Rows executed and recorded.
    pub done: usize,
    /// Rows that failed for good.
    pub failed: usize,
    /// Rows put back after a crash of an earlier runner.
    pub recovered: usize,
    /// Why the run stopped early (bunker unreachable…), if it did.
    pub waiting: Option<String>,
    /// Another runner (process) holds the outbox; nothing was run.
    pub busy: bool,
}

/// An outbox row as the CLI and UI show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxEntry {
    /// Row id (execution order).
    pub id: i64,
    /// Action name.
    pub action: String,
    /// Its machine, by id and name.
    pub machine_id: Option<i64>,
    /// The machine's name.
    pub machine: Option<String>,
    /// `pending`, `running`, `failed` (done rows are not listed).
    pub status: String,
    /// Attempts so far.
    pub attempts: u32,
    /// Reason of the last failure.
    pub last_error: Option<String>,
    /// Next attempt (unix seconds).
    pub next_attempt_at: i64,
    /// When it was queued.
    pub created_at: i64,
    /// Short human description.
    pub summary: String,
}

/// What an executor achieved; committed with the row's `done` mark.
#[derive(Debug, Default)]
pub(crate) struct Completion {
    /// A machine's new state.
    pub machine_state: Option<(i64, MachineState)>,
    /// A new published operator event.
    pub published: Option<PublishedEvent>,
    /// The audit entry.
    pub audit: Option<NewAuditEntry>,
}

/// Network resources shared by the rows of one run, opened on first use.
pub(crate) struct Session {
    fleet: Fleet,
    admin: Option<(AdminClient, BunkerProfile)>,
    console: Option<SignerClient>,
}

impl Session {
    pub(crate) fn new(fleet: &Fleet) -> Self {
        Self {
            fleet: fleet.clone(),
            admin: None,
            console: None,
        }
    }

    pub(crate) fn fleet(&self) -> &Fleet {
        &self.fleet
    }

    /// The admin client, connected on first use.
    pub(crate) async fn admin(&mut self) -> Result<(AdminClient, BunkerProfile)> {
        if let Some((admin, profile)) = &self.admin {
            return Ok((admin.clone(), profile.clone()));
        }
        let (admin, profile) = self.fleet.admin_session().await?;
        self.admin = Some((admin.clone(), profile.clone()));
        Ok((admin, profile))
    }

    /// The console's NIP-46 session with the operator key, set up on first use.
    pub(crate) async fn console(&mut self) -> Result<&SignerClient> {
        if self.console.is_none() {
            let (admin, profile) = self.admin().await?;
            let signer =
                crate::operator_events::session::open(&self.fleet, &admin, &profile).await?;
            self.console = Some(signer);
        }
        self.console.as_ref().ok_or(Error::NotConnected)
    }

    /// Drops connections after a network failure, so a later row reconnects.
    async fn reset(&mut self) {
        if let Some((admin, _)) = self.admin.take() {
            admin.shutdown().await;
        }
        if let Some(console) = self.console.take() {
            console.shutdown().await;
        }
    }

    pub(crate) async fn close(mut self) {
        self.reset().await;
    }
}

/// Whether a failure is the network's (retry later) rather than a refusal (fail now).
pub(crate) fn is_transient(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Timeout
            | ErrorKind::Unreachable
            | ErrorKind::SecretStore
            | ErrorKind::KeyLocked
            | ErrorKind::NotInitialized
    )
}

/// Seconds to wait before attempt `attempts + 1`: 5 s, 10 s, 20 s, … up to [`MAX_BACKOFF_SECS`].
pub fn backoff_secs(attempts: u32) -> i64 {
    let exp = attempts.saturating_sub(1).min(16);
    (5_i64 << exp).min(MAX_BACKOFF_SECS)
}

impl Fleet {
    /// Runs the outbox: every due row, in order, each exactly once. Reports per row through
    /// `on_event`. Returns quickly with `busy` when another process runs it.
    ///
    /// # Errors
    /// [`Error::Store`] when the local database fails (rows stay as they were).
    pub async fn run_outbox(&self, due: Due, on_event: impl Fn(&OutboxEvent)) -> Result<OutboxRun> {
        let _turn = process_turn(self.data_dir().to_path_buf()).await;
        let Some(_lock) = try_lock_file(self.data_dir().join(LOCK_FILE))? else {
            return Ok(OutboxRun {
                busy: true,
                ..OutboxRun::default()
            });
        };
        let mut run = OutboxRun {
            recovered: self.db().interact(|c| outbox::recover_running(c)).await?,
            ..OutboxRun::default()
        };
        if run.recovered > 0 {
            warn!(
                rows = run.recovered,
                "outbox rows left running by a previous run are retried"
            );
        }
        let mut session = Session::new(self);
        let result = self.drain(&mut session, due, &on_event, &mut run).await;
        session.close().await;
        result.map(|()| run)
    }

    async fn drain(
        &self,
        session: &mut Session,
        due: Due,
        on_event: &impl Fn(&OutboxEvent),
        run: &mut OutboxRun,
    ) -> Result<()> {
        // Rows queued while this run goes are picked up by the next query round.
        loop {
            let rows = self
                .db()
                .interact(move |c| outbox::pending(c, i64::MAX))
                .await?;
            if rows.is_empty() {
                return Ok(());
            }
            for item in rows {
                // A row still backing off holds back every later row: order before progress.
                if due == Due::Scheduled && item.next_attempt_at > unix_now() {
                    run.waiting =
                        Some(item.last_error.unwrap_or_else(|| "waiting to retry".into()));
                    return Ok(());
                }
                if !self.run_one(session, item, on_event, run).await? {
                    return Ok(());
                }
            }
        }
    }

    /// Runs one row; `false` when the run must stop (network down).
    async fn run_one(
        &self,
        session: &mut Session,
        item: OutboxItem,
        on_event: &impl Fn(&OutboxEvent),
        run: &mut OutboxRun,
    ) -> Result<bool> {
        let id = item.id;
        let claimed = self
            .db()
            .interact(move |c| outbox::mark_running(c, id))
            .await;
        if claimed.is_err() {
            // Taken meanwhile (cannot happen under the lock) or gone: skip it.
            return Ok(true);
        }
        on_event(&OutboxEvent::Started {
            id,
            action: item.action.clone(),
            machine_id: item.machine_id,
        });
        let outcome = match Action::from_item(&item) {
            Some(Action::Revoke(action)) => {
                crate::revoke::execute(session, item.machine_id, &action).await
            }
            Some(Action::PublishEvent(action)) => {
                crate::operator_events::execute(session, &action).await
            }
            Some(Action::PublishRoster(_)) => crate::roster::execute(session).await,
            None => Err(Error::InvalidInput(format!(
                "unknown outbox action {:?}",
                item.action
            ))),
        };
        match outcome {
            Ok(done) => {
                let detail = done
                    .audit
                    .as_ref()
                    .and_then(|a| a.detail.clone())
                    .unwrap_or_default();
                self.db().interact(move |c| complete(c, id, done)).await?;
                info!(id, "outbox row done");
                run.done += 1;
                on_event(&OutboxEvent::Done { id, detail });
                Ok(true)
            }
            Err(e) if is_transient(&e) => {
                let reason = e.to_string();
                let retry_at = unix_now().saturating_add(backoff_secs(item.attempts + 1));
                let why = reason.clone();
                self.db()
                    .interact(move |c| outbox::mark_failed(c, id, &why, Some(retry_at)))
                    .await?;
                session.reset().await;
                run.waiting = Some(reason.clone());
                on_event(&OutboxEvent::Deferred {
                    id,
                    reason,
                    retry_at,
                });
                Ok(false)
            }
            Err(e) => {
                let reason = e.to_string();
                let (why, machine_id, action) =
                    (reason.clone(), item.machine_id, item.action.clone());
                self.db()
                    .interact(move |c| {
                        let tx = c.transaction()?;
                        outbox::mark_failed(&tx, id, &why, None)?;
                        audit::append(
                            &tx,
                            &NewAuditEntry {
                                action,
                                machine_id,
                                outcome: "failed".into(),
                                detail: Some(why),
                            },
                        )?;
                        tx.commit()?;
                        Ok(())
                    })
                    .await?;
                run.failed += 1;
                on_event(&OutboxEvent::Failed { id, reason });
                Ok(true)
            }
        }
    }

    /// The rows not done yet (pending, running, failed), oldest first, with machine names.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        let (rows, names) = self
            .db()
            .interact(|c| {
                let rows = outbox::unfinished(c)?;
                let names: HashMap<i64, String> = machines::list(c)?
                    .into_iter()
                    .map(|m| (m.id, m.name))
                    .collect();
                Ok((rows, names))
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| OutboxEntry {
                summary: summarize(&r),
                machine: r.machine_id.and_then(|id| names.get(&id).cloned()),
                id: r.id,
                action: r.action,
                machine_id: r.machine_id,
                status: r.status.as_str().to_string(),
                attempts: r.attempts,
                last_error: r.last_error,
                next_attempt_at: r.next_attempt_at,
                created_at: r.created_at,
            })
            .collect())
    }

    /// Puts a failed row back in the queue, due now.
    ///
    /// # Errors
    /// [`Error::Store`] (kind `NotFound` when no failed row has this id).
    pub async fn retry_outbox_item(&self, id: i64) -> Result<()> {
        Ok(self.db().interact(move |c| outbox::retry(c, id)).await?)
    }

    /// One unfinished row by id, if it is unfinished.
    pub(crate) async fn outbox_row(&self, id: i64) -> Result<OutboxItem> {
        Ok(self.db().interact(move |c| outbox::get(c, id)).await?)
    }
}

/// Records a completion and marks the row done, in one transaction (the exactly-once point).
fn complete(
    conn: &mut fleet_store::Connection,
    id: i64,
    done: Completion,
) -> fleet_store::Result<()> {
    let tx = conn.transaction()?;
    if let Some((machine, state)) = done.machine_state {
        machines::update_state(&tx, machine, state)?;
    }
    if let Some(event) = &done.published {
        published::upsert(&tx, event)?;
    }
    if let Some(entry) = &done.audit {
        audit::append(&tx, entry)?;
    }
    outbox::mark_done(&tx, id)?;
    tx.commit()?;
    Ok(())
}

fn summarize(item: &OutboxItem) -> String {
    match Action::from_item(item) {
        Some(Action::Revoke(a)) => a.summary(),
        Some(Action::PublishEvent(a)) => format!("publish {} (kind 30078)", a.d_tag),
        Some(Action::PublishRoster(_)) => "publish the fleet roster (kind 30078)".into(),
        None => item.action.clone(),
    }
}

/// The status of a row after a run, for use cases that enqueue and run at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Delivery {
    /// Ran and recorded.
    Done,
    /// Waiting for the network (or another runner); runs at the next sync.
    Pending {
        /// The last failure, if any.
        reason: Option<String>,
    },
    /// Failed for good.
    Failed {
        /// Why.
        reason: String,
    },
}

impl Fleet {
    /// Where row `id` stands after a run.
    pub(crate) async fn delivery(&self, id: i64, run: &OutboxRun) -> Result<Delivery> {
        let row = self.outbox_row(id).await?;
        Ok(match row.status {
            OutboxStatus::Done => Delivery::Done,
            OutboxStatus::Failed => Delivery::Failed {
                reason: row.last_error.unwrap_or_default(),
            },
            OutboxStatus::Pending | OutboxStatus::Running => Delivery::Pending {
                // A row the run did not reach waits for what stopped the run.
                reason: row.last_error.or_else(|| {
                    run.busy
                        .then(|| "another satop process is running the outbox".to_string())
                        .or_else(|| run.waiting.clone())
                }),
            },
        })
    }
}

/// One in-process runner per data directory.
async fn process_turn(dir: PathBuf) -> tokio::sync::OwnedMutexGuard<()> {
    static TURNS: OnceLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let lock = {
        let mut map = TURNS
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(map.entry(dir).or_default())
    };
    lock.lock_owned().await
}

/// The cross-process lock: `None` when another process holds it. Released when the returned file
/// is dropped, or by the kernel when the process dies.
fn try_lock_file(path: PathBuf) -> Result<Option<File>> {
    let file = match OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
    {
        Ok(file) => file,
        Err(source) => {
            return Err(Error::LockFile {
                path,
                action: "open",
                source,
            })
        }
    };
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(source)) => Err(Error::LockFile {
            path,
            action: "lock",
            source,
        }),
    }
}

pub(crate) use crate::clock::unix_now;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_five_seconds_up_to_ten_minutes() {
        assert_eq!(backoff_secs(1), 5);
        assert_eq!(backoff_secs(2), 10);
        assert_eq!(backoff_secs(3), 20);
        assert_eq!(backoff_secs(50), MAX_BACKOFF_SECS);
    }

    #[test]
    fn actions_round_trip_through_an_outbox_row() {
        let action = Action::Revoke(RevokeAction::machine(
            "satmachine-7",
            Some(3),
            Some("ab".into()),
            "operator",
        ));
        let item = action.to_item(Some(7)).unwrap();
        assert_eq!(item.action, "revoke");
        let row = OutboxItem {
            id: 1,
            action: item.action,
            machine_id: Some(7),
            payload: item.payload,
            status: OutboxStatus::Pending,
            attempts: 0,
            last_error: None,
            next_attempt_at: 0,
            created_at: 0,
            updated_at: 0,
        };
        assert_eq!(Action::from_item(&row), Some(action));
    }

    #[test]
    fn a_second_lock_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = try_lock_file(dir.path().join(LOCK_FILE)).unwrap();
        assert!(first.is_some());
        assert!(
            try_lock_file(dir.path().join(LOCK_FILE)).unwrap().is_none(),
            "two runners must not overlap"
        );
        drop(first);
        assert!(try_lock_file(dir.path().join(LOCK_FILE)).unwrap().is_some());
    }

    #[test]
    fn a_lock_file_os_error_is_a_local_file_error_not_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the lock file should be: opening it for writing fails.
        std::fs::create_dir(dir.path().join(LOCK_FILE)).unwrap();
        let err = try_lock_file(dir.path().join(LOCK_FILE)).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::LocalFile, "{err}");
        assert!(err.to_string().contains(LOCK_FILE), "{err}");
    }
}
