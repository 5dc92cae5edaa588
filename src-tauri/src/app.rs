//! `App`: the one managed Tauri state, a cheap-to-clone handle over the fleet, the embedded
//! sandbox (demo mode), the pairings whose QR is on screen and the notices for the screens.
//!
//! No pairing code outlives the app unnoticed: at exit every open code is noted in the cache,
//! burned (the exit waits for it, bounded by the caller) and its note cleared; a note left
//! behind (the bunker was away, the exit ran out of time) is burned at the next start, which
//! says so ([`App::burn_leftovers`], [`App::notices`]).

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use bunker_client::{ClientOptions, Sensitive};
use fleet_core::pairing::{LeftoverOutcome, PairStep, UnburnedCode};
use fleet_core::secrets::Secrets;
use fleet_core::watch::{LiveWatch, WatchOptions, WatchStatus};
use fleet_core::{ErrorKind, Fleet};
use sandbox::{Flavour, Sandbox, SandboxConfig};
use tokio::sync::{oneshot, Mutex};

use crate::dto::{PairedView, SandboxInfo};
use crate::on_screen::OnScreen;
use crate::Error;

/// How often the running app enforces access terms and runs the due outbox rows.
pub const TICK: std::time::Duration = std::time::Duration::from_secs(60);
/// How long after start the first round runs.
const FIRST_TICK: std::time::Duration = std::time::Duration::from_secs(5);

/// The file in the sandbox directory that remembers its flavour (`0.10`, `0.11`).
const FLAVOUR_FILE: &str = "flavour";

/// Name of the sandbox's operator key (the sandbox hosts one key by default).
pub const SANDBOX_KEY: &str = "operator";

/// The app's state. Clones share everything.
#[derive(Clone)]
pub struct App(Arc<Inner>);

struct Inner {
    /// Replaced (not changed) when a connect sets another timeout: a `Fleet`'s bunker options
    /// are fixed when it is opened.
    fleet: RwLock<Fleet>,
    sandbox: Mutex<Option<Sandbox>>,
    pairings: Mutex<HashMap<u32, Slot>>,
    next_pairing: AtomicU32,
    notices: Mutex<Vec<String>>,
    /// The live watch of the ATMs' traffic (liveness), while the app runs.
    watch: Mutex<Option<LiveWatch>>,
}

/// A pairing the UI knows by id. The URL (a bearer secret) stays here, in memory, for "copy
/// as text" until the pairing ends; `code` is what burning it later would need (no secret).
struct Slot {
    url: Sensitive<String>,
    code: UnburnedCode,
    stage: Stage,
}

/// Minted and shown, or being watched for redemption.
enum Stage {
    /// Minted; nobody waits on it yet.
    Shown(Box<OnScreen>),
    /// [`App::wait_pairing`] watches it: sending on `cancel` cancels (and so burns) it; `ended`
    /// then tells whether no live code is left (recorded, or burned).
    Watched {
        cancel: oneshot::Sender<()>,
        ended: oneshot::Receiver<bool>,
    },
}

impl App {
    /// Opens the fleet in `data_dir` with `secrets`, with the bunker timeout stored at the last
    /// connect.
    ///
    /// # Errors
    /// [`Error::Core`] when the cache cannot be opened.
    pub async fn open(data_dir: &Path, secrets: Secrets) -> Result<Self, Error> {
        let app = Self::new(Fleet::open(data_dir, secrets)?);
        if let Some(timeout) = app.fleet().stored_timeout().await? {
            app.use_timeout(timeout)?;
        }
        Ok(app)
    }

    /// Wraps an open fleet.
    pub fn new(fleet: Fleet) -> Self {
        Self(Arc::new(Inner {
            fleet: RwLock::new(fleet),
            sandbox: Mutex::new(None),
            pairings: Mutex::new(HashMap::new()),
            next_pairing: AtomicU32::new(1),
            notices: Mutex::new(Vec::new()),
            watch: Mutex::new(None),
        }))
    }

    /// The fleet (a cheap clone of the current handle).
    pub fn fleet(&self) -> Fleet {
        self.0
            .fleet
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stores the per-reply bunker timeout typed at connect and uses it from now on, for every
    /// bunker call (and after a restart).
    ///
    /// # Errors
    /// [`Error::Core`] for a zero timeout or a cache that cannot be written.
    pub async fn set_timeout(&self, timeout: Duration) -> Result<(), Error> {
        self.fleet().store_timeout(timeout).await?;
        self.use_timeout(timeout)
    }

    fn use_timeout(&self, timeout: Duration) -> Result<(), Error> {
        let current = self.fleet();
        if current.client_options().timeout == timeout {
            return Ok(());
        }
        let options = ClientOptions {
            timeout,
            ..*current.client_options()
        };
        let reopened = Fleet::open_with(current.data_dir(), current.secrets().clone(), options)?;
        *self.0.fleet.write().unwrap_or_else(PoisonError::into_inner) = reopened;
        Ok(())
    }

    /// Starts the embedded SANDBOX bunker in `flavour` (idempotent for the same flavour; a
    /// running sandbox of the other flavour is stopped first) with this console as its admin
    /// and returns what to connect to. The relay port and the flavour are remembered so that a
    /// restarted app (and its stored profile) finds the sandbox where and as it was.
    ///
    /// # Errors
    /// [`Error::Core`] when the console key can't be made; [`Error::Sandbox`].
    pub async fn start_sandbox(&self, flavour: Flavour) -> Result<SandboxInfo, Error> {
        let mut slot = self.0.sandbox.lock().await;
        if let Some(running) = slot.take() {
            if running.bunker.flavour() == flavour {
                let out = info(&running);
                *slot = Some(running);
                return Ok(out);
            }
            running.shutdown().await;
        }
        let (console, _) = self.fleet().init_console().await?;
        let dir = self.fleet().data_dir().join("sandbox");
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::Setup(format!("cannot create {}: {e}", dir.display())))?;
        let port_file = dir.join("port");
        let remembered = std::fs::read_to_string(&port_file)
            .ok()
            .and_then(|p| p.trim().parse().ok());
        let mut config = SandboxConfig::new(dir.join("bunker.sqlite3"));
        config.admin_npubs = vec![console.public_key()];
        config.port = remembered;
        config.flavour = flavour;
        let started = match Sandbox::start(config.clone()).await {
            Ok(s) => s,
            // The remembered port may be taken now: a fresh one beats no sandbox.
            Err(_) if remembered.is_some() => {
                config.port = None;
                Sandbox::start(config).await?
            }
            Err(e) => return Err(e.into()),
        };
        // Without the port file a restarted app starts the sandbox on another port, where the
        // stored profile does not look: say so rather than pretend.
        for (file, text) in [
            (&port_file, started.relay.port().to_string()),
            (&dir.join(FLAVOUR_FILE), flavour.to_string()),
        ] {
            if let Err(e) = std::fs::write(file, text) {
                tracing::warn!(
                    file = %file.display(),
                    error = %e,
                    "could not remember the sandbox; after a restart, connect to the sandbox again"
                );
            }
        }
        tracing::info!(%flavour, relay = %started.relay.url(), "SANDBOX bunker started");
        let out = info(&started);
        *slot = Some(started);
        Ok(out)
    }

    /// Restarts the sandbox, in the flavour it had, when the stored profile points at it (demo
    /// mode across restarts).
    ///
    /// # Errors
    /// As [`App::start_sandbox`].
    pub async fn resume_sandbox(&self) -> Result<(), Error> {
        let dir = self.fleet().data_dir().join("sandbox");
        let Some(port) = std::fs::read_to_string(dir.join("port"))
            .ok()
            .map(|p| p.trim().to_string())
        else {
            return Ok(());
        };
        let uses_sandbox = self.fleet().profile().await?.is_some_and(|p| {
            p.admin_relays.iter().any(|r| {
                r.trim_end_matches('/')
                    .ends_with(&format!("127.0.0.1:{port}"))
            })
        });
        if uses_sandbox {
            // No (or an unreadable) flavour file: a sandbox from before the choice, 0.10.
            let flavour = std::fs::read_to_string(dir.join(FLAVOUR_FILE))
                .ok()
                .and_then(|f| f.parse().ok())
                .unwrap_or_default();
            self.start_sandbox(flavour).await?;
        }
        Ok(())
    }

    /// The running sandbox, if any.
    pub async fn sandbox_info(&self) -> Option<SandboxInfo> {
        self.0.sandbox.lock().await.as_ref().map(info)
    }

    /// Keeps a minted pairing until it is watched or cancelled; returns its id.
    pub async fn hold_pairing(&self, pending: OnScreen) -> u32 {
        let id = self.0.next_pairing.fetch_add(1, Ordering::Relaxed);
        let url = pending.pairing().pairing_url();
        let code = pending.pairing().unburned();
        self.0.pairings.lock().await.insert(
            id,
            Slot {
                url,
                code,
                stage: Stage::Shown(Box::new(pending)),
            },
        );
        id
    }

    /// The pairing URL of a pairing in progress.
    ///
    /// # Errors
    /// [`Error::NoSuchPairing`] when it has ended.
    pub async fn pairing_url(&self, id: u32) -> Result<String, Error> {
        match self.0.pairings.lock().await.get(&id) {
            Some(slot) => Ok(slot.url.expose().clone()),
            None => Err(Error::NoSuchPairing),
        }
    }

    /// Takes a shown pairing to watch it: a later [`App::cancel_pairing`] fires the returned
    /// receiver, and the watcher reports on the sender whether no live code is left.
    async fn watch_pairing(
        &self,
        id: u32,
    ) -> Result<(OnScreen, oneshot::Receiver<()>, oneshot::Sender<bool>), Error> {
        let mut map = self.0.pairings.lock().await;
        let Some(slot) = map.remove(&id) else {
            return Err(Error::NoSuchPairing);
        };
        match slot.stage {
            Stage::Shown(p) => {
                let (cancel, cancelled) = oneshot::channel();
                let (end, ended) = oneshot::channel();
                map.insert(
                    id,
                    Slot {
                        url: slot.url,
                        code: slot.code,
                        stage: Stage::Watched { cancel, ended },
                    },
                );
                Ok((*p, cancelled, end))
            }
            watched @ Stage::Watched { .. } => {
                map.insert(
                    id,
                    Slot {
                        url: slot.url,
                        code: slot.code,
                        stage: watched,
                    },
                );
                Err(Error::NoSuchPairing)
            }
        }
    }

    /// Waits for the ATM to redeem the code of a shown pairing; steps go to `on_step`. Ends
    /// with the pairing, or with `cancelled` / `timeout` (the code is burned either way).
    ///
    /// # Errors
    /// [`Error::NoSuchPairing`]; the errors of [`OnScreen::wait`].
    pub async fn wait_pairing(
        &self,
        id: u32,
        on_step: impl Fn(&PairStep),
    ) -> Result<PairedView, Error> {
        let (pending, cancel, end) = self.watch_pairing(id).await?;
        let cancelled = async {
            let _ = cancel.await;
        };
        let outcome = pending.wait(cancelled, on_step).await;
        // No live code is left once the pairing is recorded, cancelled (burned) or timed out
        // (burned, or expired on the bunker); after any other failure the burn is unsure.
        let settled = match &outcome {
            Ok(_) => true,
            Err(e) => {
                matches!(e, fleet_core::Error::PairingTimedOut { .. })
                    || e.kind() == ErrorKind::Cancelled
            }
        };
        let _ = end.send(settled);
        self.0.pairings.lock().await.remove(&id);
        Ok(outcome?)
    }

    /// Cancels a pairing: burns its token whether it is shown or being watched (then it waits
    /// for the watcher's burn; the watcher's own call reports how it went).
    ///
    /// # Errors
    /// [`Error::Core`] when the burn failed (the token then expires with its redeem window).
    pub async fn cancel_pairing(&self, id: u32) -> Result<(), Error> {
        let slot = self.0.pairings.lock().await.remove(&id);
        match slot {
            Some(slot) => end_slot(slot.stage).await.map(|_| ()),
            None => Ok(()),
        }
    }

    /// What the screens should tell the operator (e.g. a pairing code burned at start).
    pub async fn notices(&self) -> Vec<String> {
        self.0.notices.lock().await.clone()
    }

    async fn notice(&self, text: String) {
        self.0.notices.lock().await.push(text);
    }

    /// At start: burns the pairing codes an earlier run noted and could not burn at exit, and
    /// says so in [`App::notices`]. Needs the bunker (start the sandbox first when it is the
    /// bunker); when it is away the notes stay for the next start.
    pub async fn burn_leftovers(&self) {
        let codes = match self.fleet().unburned().await {
            Ok(codes) if codes.is_empty() => return,
            Ok(codes) => codes,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the pairing codes left at exit");
                return;
            }
        };
        match self.fleet().burn_unburned().await {
            Ok(done) => {
                for d in done {
                    let m = d.code.machine;
                    self.notice(match d.outcome {
                        LeftoverOutcome::Burned => format!(
                            "The pairing code for {m} was still live when the app last closed: it is burned now."
                        ),
                        LeftoverOutcome::Gone => format!(
                            "The pairing code for {m} could not be burned when the app last closed; the bunker no longer accepts it."
                        ),
                        LeftoverOutcome::Redeemed => format!(
                            "The pairing code for {m} was redeemed after the app last closed: Sync now records the pairing."
                        ),
                    })
                    .await;
                }
            }
            Err(e) => {
                let names: Vec<&str> = codes.iter().map(|c| c.machine.as_str()).collect();
                self.notice(format!(
                    "The pairing code for {} could not be burned when the app last closed, nor now ({e}): it works until its redeem window ends on the bunker. The app tries again at its next start.",
                    names.join(", ")
                ))
                .await;
            }
        }
    }

    /// What the app does while it runs, every [`TICK`]: write the clock into the access terms
    /// (revoking ended terms when automatic revoke is on) and run the due outbox rows, so a
    /// revoke accepted offline goes out once the bunker is back. Never returns.
    pub async fn keep_fleet(self) {
        // The first round waits a few seconds: the fleet list is read at start, and sweeping
        // 10,000 machines at the same moment would slow down the first paint.
        let first = tokio::time::Instant::now() + FIRST_TICK;
        let mut every = tokio::time::interval_at(first, TICK);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match self.fleet().tick(|_| {}).await {
                Ok((sweep, run))
                    if run.done + run.failed > 0 || !sweep.revokes_queued.is_empty() =>
                {
                    tracing::info!(
                        done = run.done,
                        failed = run.failed,
                        revokes_queued = sweep.revokes_queued.len(),
                        "fleet tick"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "fleet tick failed"),
            }
        }
    }

    /// App exit: notes every shown or watched pairing code in the cache, burns each (waiting
    /// for a watcher's burn) and clears the note of each one burned, then stops the sandbox.
    /// The caller bounds the wait; a note left behind is burned at the next start.
    pub async fn shutdown(&self) {
        let slots: Vec<Slot> = self
            .0
            .pairings
            .lock()
            .await
            .drain()
            .map(|(_, s)| s)
            .collect();
        let codes: Vec<UnburnedCode> = slots.iter().map(|s| s.code.clone()).collect();
        if !codes.is_empty() {
            if let Err(e) = self.fleet().note_unburned(codes).await {
                tracing::warn!(error = %e, "could not note the open pairing codes at exit");
            }
        }
        for slot in slots {
            let token = slot.code.token_id;
            match end_slot(slot.stage).await {
                Ok(true) => {
                    if let Err(e) = self.fleet().clear_unburned(token).await {
                        tracing::warn!(error = %e, "could not clear a burned pairing code's note");
                    }
                }
                Ok(false) => {
                    tracing::warn!(
                        "a pairing code could not be burned at exit; the next start burns it"
                    );
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not burn a pairing code at exit; the next start burns it");
                }
            }
        }
        if let Some(watch) = self.0.watch.lock().await.take() {
            watch.stop().await;
        }
        if let Some(s) = self.0.sandbox.lock().await.take() {
            s.shutdown().await;
        }
    }

    /// Starts the live watch of the paired ATMs' NIP-46 traffic and heartbeats (idempotent). It
    /// waits by itself while no bunker is connected and follows later connects and pairings.
    /// Returns a receiver of its status, whose `writes` changes each time new sightings are in
    /// the cache (`None` when it was already running).
    pub async fn start_watch(&self) -> Option<tokio::sync::watch::Receiver<WatchStatus>> {
        let mut slot = self.0.watch.lock().await;
        if slot.is_some() {
            return None;
        }
        let watch = self.fleet().watch_liveness(WatchOptions::default());
        let updates = watch.updates();
        *slot = Some(watch);
        Some(updates)
    }

    /// What the live watch is doing (`None` before it started).
    pub async fn watch_status(&self) -> Option<WatchStatus> {
        self.0.watch.lock().await.as_ref().map(LiveWatch::status)
    }
}

/// Ends a pairing: burns a shown code, or cancels a watched one and waits for its watcher.
/// `true` when no live code is left.
async fn end_slot(stage: Stage) -> Result<bool, Error> {
    match stage {
        Stage::Shown(p) => {
            p.cancel().await?;
            Ok(true)
        }
        Stage::Watched { cancel, ended } => {
            let _ = cancel.send(());
            Ok(ended.await.unwrap_or(false))
        }
    }
}

fn info(s: &Sandbox) -> SandboxInfo {
    SandboxInfo {
        connection: s.bunker.admin_connection_string(),
        key_name: SANDBOX_KEY.to_string(),
        atm_relay: s.relay.url().to_string(),
        flavour: s.bunker.flavour().into(),
    }
}
