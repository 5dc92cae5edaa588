//! `App`: the one managed Tauri state, a cheap-to-clone handle over the fleet, the embedded
//! sandbox (demo mode) and the pairings whose QR is on screen.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use bunker_client::Sensitive;
use fleet_core::secrets::Secrets;
use fleet_core::Fleet;
use sandbox::{Sandbox, SandboxConfig};
use tokio::sync::{oneshot, Mutex};

use crate::dto::SandboxInfo;
use crate::on_screen::OnScreen;
use crate::Error;

/// How often the running app enforces access terms and runs the due outbox rows.
pub const TICK: std::time::Duration = std::time::Duration::from_secs(60);
/// How long after start the first round runs.
const FIRST_TICK: std::time::Duration = std::time::Duration::from_secs(5);

/// Name of the sandbox's operator key (the sandbox hosts one key by default).
pub const SANDBOX_KEY: &str = "operator";

/// The app's state. Clones share everything.
#[derive(Clone)]
pub struct App(Arc<Inner>);

struct Inner {
    fleet: Fleet,
    sandbox: Mutex<Option<Sandbox>>,
    pairings: Mutex<HashMap<u32, Slot>>,
    next_pairing: AtomicU32,
}

/// A pairing the UI knows by id. The URL (a bearer secret) stays here, in memory, for "copy
/// as text" until the pairing ends.
struct Slot {
    url: Sensitive<String>,
    stage: Stage,
}

/// Minted and shown, or being watched for redemption.
enum Stage {
    /// Minted; nobody waits on it yet.
    Shown(Box<OnScreen>),
    /// [`App::watch_pairing`] handed it out; sending on this cancels (and so burns) it.
    Watched(oneshot::Sender<()>),
}

impl App {
    /// Opens the fleet in `data_dir` with `secrets`.
    ///
    /// # Errors
    /// [`Error::Core`] when the cache cannot be opened.
    pub fn open(data_dir: &Path, secrets: Secrets) -> Result<Self, Error> {
        Ok(Self::new(Fleet::open(data_dir, secrets)?))
    }

    /// Wraps an open fleet.
    pub fn new(fleet: Fleet) -> Self {
        Self(Arc::new(Inner {
            fleet,
            sandbox: Mutex::new(None),
            pairings: Mutex::new(HashMap::new()),
            next_pairing: AtomicU32::new(1),
        }))
    }

    /// The fleet.
    pub fn fleet(&self) -> &Fleet {
        &self.0.fleet
    }

    /// Starts the embedded SANDBOX bunker (idempotent) with this console as its admin and
    /// returns what to connect to. The relay port is remembered so that a restarted app (and
    /// its stored profile) finds the sandbox where it was.
    ///
    /// # Errors
    /// [`Error::Core`] when the console key can't be made; [`Error::Sandbox`].
    pub async fn start_sandbox(&self) -> Result<SandboxInfo, Error> {
        let mut slot = self.0.sandbox.lock().await;
        if let Some(running) = slot.as_ref() {
            return Ok(info(running));
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
        let started = match Sandbox::start(config.clone()).await {
            Ok(s) => s,
            // The remembered port may be taken now: a fresh one beats no sandbox.
            Err(_) if remembered.is_some() => {
                config.port = None;
                Sandbox::start(config).await?
            }
            Err(e) => return Err(e.into()),
        };
        let _ = std::fs::write(&port_file, started.relay.port().to_string());
        let out = info(&started);
        *slot = Some(started);
        Ok(out)
    }

    /// Restarts the sandbox when the stored profile points at it (demo mode across restarts).
    ///
    /// # Errors
    /// As [`App::start_sandbox`].
    pub async fn resume_sandbox(&self) -> Result<(), Error> {
        let port_file = self.fleet().data_dir().join("sandbox").join("port");
        let Some(port) = std::fs::read_to_string(&port_file)
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
            self.start_sandbox().await?;
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
        self.0.pairings.lock().await.insert(
            id,
            Slot {
                url,
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

    /// Takes a shown pairing to watch it; a later [`App::cancel_pairing`] fires the returned
    /// receiver.
    ///
    /// # Errors
    /// [`Error::NoSuchPairing`].
    pub async fn watch_pairing(&self, id: u32) -> Result<(OnScreen, oneshot::Receiver<()>), Error> {
        let mut map = self.0.pairings.lock().await;
        let Some(slot) = map.remove(&id) else {
            return Err(Error::NoSuchPairing);
        };
        match slot.stage {
            Stage::Shown(p) => {
                let (tx, rx) = oneshot::channel();
                map.insert(
                    id,
                    Slot {
                        url: slot.url,
                        stage: Stage::Watched(tx),
                    },
                );
                Ok((*p, rx))
            }
            watched @ Stage::Watched(_) => {
                map.insert(
                    id,
                    Slot {
                        url: slot.url,
                        stage: watched,
                    },
                );
                Err(Error::NoSuchPairing)
            }
        }
    }

    /// Forgets a pairing once its watch ended.
    pub async fn forget_pairing(&self, id: u32) {
        self.0.pairings.lock().await.remove(&id);
    }

    /// Cancels a pairing: burns its token whether it is shown or being watched.
    ///
    /// # Errors
    /// [`Error::Core`] when the burn failed (the token then expires with its redeem window).
    pub async fn cancel_pairing(&self, id: u32) -> Result<(), Error> {
        let slot = self.0.pairings.lock().await.remove(&id);
        match slot.map(|s| s.stage) {
            Some(Stage::Shown(p)) => Ok(p.cancel().await?),
            // The watcher burns the token and reports the cancellation on its own call.
            Some(Stage::Watched(tx)) => {
                let _ = tx.send(());
                Ok(())
            }
            None => Ok(()),
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

    /// Burns every shown or watched pairing and stops the sandbox (app exit).
    pub async fn shutdown(&self) {
        let ids: Vec<u32> = self.0.pairings.lock().await.keys().copied().collect();
        for id in ids {
            if let Err(e) = self.cancel_pairing(id).await {
                tracing::warn!(error = %e, "could not burn a pairing code at exit");
            }
        }
        if let Some(s) = self.0.sandbox.lock().await.take() {
            s.shutdown().await;
        }
    }
}

fn info(s: &Sandbox) -> SandboxInfo {
    SandboxInfo {
        connection: s.bunker.admin_connection_string(),
        key_name: SANDBOX_KEY.to_string(),
        atm_relay: s.relay.url().to_string(),
    }
}
