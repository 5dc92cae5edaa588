//! The live watch (issue 14 item 1): while the app runs, a subscription on the ATM relays to the
//! paired ATM keys' NIP-46 requests (kind 24133, ephemeral: relays never store them, so only a
//! subscription open "now" sees them) and to the fleet's heartbeats. Every verified sighting
//! moves that machine's `last_seen_at` forward by the rules of [`crate::liveness`] (the same
//! check, the same store), never backwards; anything else is ignored.
//!
//! Bounded: sightings are kept newest-per-machine in memory and written once per flush
//! interval in one transaction; a slow writer makes the relay pool drop notifications (counted
//! as lagged) rather than grow a queue. Relays reconnect and resubscribe by themselves
//! (nostr-sdk); when none is connected at a recheck, or the profile's relays or operator key
//! change, the watch starts over after `retry`. When the set of paired machines changes, it
//! resubscribes on the same connection.
//!
//! ```no_run
//! # async fn demo(fleet: fleet_core::Fleet) {
//! use fleet_core::watch::WatchOptions;
//! let watch = fleet.watch_liveness(WatchOptions::default());
//! println!("{:?}", watch.status());
//! watch.stop().await;
//! # }
//! ```

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use bunker_client::heartbeat::fleet_filter;
use fleet_store::liveness::Seen;
use nostr::{Filter, Kind, PublicKey, RelayUrl, SubscriptionId, Timestamp};
use nostr_sdk::{Client, RelayPoolNotification, RelayStatus};
use serde::Serialize;
use tokio::sync::{broadcast, oneshot, watch};
use tokio::task::JoinHandle;
use tracing::{debug, warn};

use crate::liveness::{newest_sightings, Targets, NIP46_KIND};
use crate::{Error, Fleet, Result};

/// The watch's subscription ids: this prefix and a number.
const WATCH_ID_PREFIX: &str = "satop-watch-";

/// How the watch paces itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchOptions {
    /// How often the paired machines and the relays' connection are checked again.
    pub recheck: Duration,
    /// How often the sightings gathered are written to the cache.
    pub flush: Duration,
    /// How long to wait before starting over (no bunker profile yet, no relay answering).
    pub retry: Duration,
    /// At most this many ATM keys per relay filter (relays limit a filter's size).
    pub authors_per_filter: usize,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self {
            recheck: Duration::from_secs(30),
            flush: Duration::from_secs(1),
            retry: Duration::from_secs(30),
            authors_per_filter: 500,
        }
    }
}

/// What the watch is doing, for the screens and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WatchStatus {
    /// ATM relays connected now.
    pub connected_relays: usize,
    /// Paired machines whose keys the current subscriptions cover.
    pub watched_machines: usize,
    /// How many times it subscribed (a change in the paired machines subscribes again).
    pub subscriptions: u64,
    /// Verified sightings so far.
    pub seen: u64,
    /// Events ignored (not signed by a paired key, for another operator, not verifying).
    pub ignored: u64,
    /// Notifications the relay pool dropped because the watch fell behind.
    pub lagged: u64,
    /// The newest sighting's time (unix seconds).
    pub last_sighting_at: Option<i64>,
    /// How many times sightings were written to the cache: a change means the screens can
    /// read new `last_seen_at` values.
    pub writes: u64,
    /// Why it is not watching, if it is not (never a secret: fleet-core's words).
    pub waiting: Option<String>,
}

/// A running live watch. Dropping it stops it too (without the last flush).
pub struct LiveWatch {
    status: watch::Receiver<WatchStatus>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl LiveWatch {
    /// The current status.
    pub fn status(&self) -> WatchStatus {
        self.status.borrow().clone()
    }

    /// A receiver that sees every status change (tests wait on it, not on sleeps).
    pub fn updates(&self) -> watch::Receiver<WatchStatus> {
        self.status.clone()
    }

    /// Stops the watch, writing the sightings gathered so far first.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for LiveWatch {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Fleet {
    /// Starts the live watch on the current tokio runtime.
    pub fn watch_liveness(&self, options: WatchOptions) -> LiveWatch {
        let (status_tx, status) = watch::channel(WatchStatus::default());
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(run(self.clone(), options, status_tx, stopped));
        LiveWatch {
            status,
            stop: Some(stop),
            task: Some(task),
        }
    }
}

/// Why one connected round ended.
enum Ended {
    /// Asked to stop.
    Stopped,
    /// Start over (relays or operator changed, no relay connected, the pool closed).
    Restart,
}

async fn run(
    fleet: Fleet,
    options: WatchOptions,
    status: watch::Sender<WatchStatus>,
    mut stopped: oneshot::Receiver<()>,
) {
    loop {
        let waiting = match fleet.liveness_targets().await {
            Ok(targets) if targets.relays.is_empty() => {
                "no ATM relays are configured: run `satop connect`".to_string()
            }
            Ok(targets) => match round(&fleet, &options, &status, &mut stopped, targets).await {
                Ok(Ended::Stopped) => return,
                Ok(Ended::Restart) => String::new(),
                Err(e) => e.to_string(),
            },
            Err(e) => e.to_string(),
        };
        if !waiting.is_empty() {
            debug!(%waiting, "live watch waits");
        }
        status.send_modify(|s| {
            s.connected_relays = 0;
            s.watched_machines = 0;
            s.waiting = (!waiting.is_empty()).then_some(waiting);
        });
        tokio::select! {
            _ = &mut stopped => return,
            () = tokio::time::sleep(options.retry) => {}
        }
    }
}

/// One connection to the relays: subscribe, gather, flush, recheck, until a stop or a restart.
async fn round(
    fleet: &Fleet,
    options: &WatchOptions,
    status: &watch::Sender<WatchStatus>,
    stopped: &mut oneshot::Receiver<()>,
    mut targets: Targets,
) -> Result<Ended> {
    let client = Client::default();
    let unreachable = |relays: &[RelayUrl]| {
        Error::Bunker(bunker_client::Error::Unreachable {
            relays: relays
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        })
    };
    for r in &targets.relays {
        client
            .add_relay(r.clone())
            .await
            .map_err(|_| unreachable(&targets.relays))?;
    }
    let connected = client
        .try_connect(fleet.client_options().connect_timeout)
        .await;
    if connected.success.is_empty() {
        client.shutdown().await;
        return Err(unreachable(&targets.relays));
    }
    let mut notes = client.notifications();
    let result = gather(
        fleet,
        options,
        status,
        stopped,
        &client,
        &mut notes,
        &mut targets,
    )
    .await;
    client.shutdown().await;
    result
}

async fn gather(
    fleet: &Fleet,
    options: &WatchOptions,
    status: &watch::Sender<WatchStatus>,
    stopped: &mut oneshot::Receiver<()>,
    client: &Client,
    notes: &mut broadcast::Receiver<RelayPoolNotification>,
    targets: &mut Targets,
) -> Result<Ended> {
    subscribe(fleet, options, status, client, targets).await?;
    let mut pending: HashMap<i64, Seen> = HashMap::new();
    // Subscribed: from now on the cache is current ("as of" now) while the watch runs.
    write(fleet, status, &mut pending, Some(crate::unix_now())).await?;
    let mut flush = tokio::time::interval(options.flush);
    let mut recheck = tokio::time::interval(options.recheck);
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    recheck.tick().await; // the first tick is now: subscribed just above
    loop {
        tokio::select! {
            _ = &mut *stopped => {
                write(fleet, status, &mut pending, None).await?;
                return Ok(Ended::Stopped);
            }
            note = notes.recv() => match note {
                Ok(RelayPoolNotification::Event { event, .. }) => {
                    let (newest, ignored) =
                        newest_sightings(std::slice::from_ref(&*event), &targets.keys, &targets.operator);
                    status.send_modify(|s| {
                        s.ignored += ignored as u64;
                        s.seen += newest.len() as u64;
                        for seen in newest.values() {
                            s.last_sighting_at = s.last_sighting_at.max(Some(seen.last_seen_at));
                        }
                    });
                    for seen in newest.into_values() {
                        match pending.get(&seen.machine_id) {
                            Some(old) if old.last_seen_at >= seen.last_seen_at => {}
                            _ => {
                                pending.insert(seen.machine_id, seen);
                            }
                        }
                    }
                }
                Ok(RelayPoolNotification::Message { .. }) => {}
                Ok(RelayPoolNotification::Shutdown) | Err(broadcast::error::RecvError::Closed) => {
                    write(fleet, status, &mut pending, None).await?;
                    return Ok(Ended::Restart);
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    warn!(dropped = n, "live watch fell behind; relay notifications dropped");
                    status.send_modify(|s| s.lagged += n);
                }
            },
            _ = flush.tick() => write(fleet, status, &mut pending, None).await?,
            _ = recheck.tick() => {
                let connected = client
                    .relays()
                    .await
                    .values()
                    .filter(|r| r.status() == RelayStatus::Connected)
                    .count();
                status.send_modify(|s| s.connected_relays = connected);
                let now = crate::unix_now();
                if connected == 0 {
                    write(fleet, status, &mut pending, None).await?;
                    return Ok(Ended::Restart);
                }
                // Connected all along: the cache is current as of now.
                write(fleet, status, &mut pending, Some(now)).await?;
                let fresh = fleet.liveness_targets().await?;
                if fresh.operator != targets.operator || fresh.relays != targets.relays {
                    return Ok(Ended::Restart);
                }
                let old: HashSet<&PublicKey> = targets.keys.keys().collect();
                let new: HashSet<&PublicKey> = fresh.keys.keys().collect();
                let changed = old != new;
                *targets = fresh;
                if changed {
                    subscribe(fleet, options, status, client, targets).await?;
                }
            }
        }
    }
}

/// Subscribes to the fleet's heartbeats and to the paired keys' NIP-46 requests, `authors_per_filter`
/// keys per subscription, from now on (heartbeats from a minute back, to cover the gap).
async fn subscribe(
    fleet: &Fleet,
    options: &WatchOptions,
    status: &watch::Sender<WatchStatus>,
    client: &Client,
    targets: &Targets,
) -> Result<()> {
    let now = Timestamp::now();
    let since = Timestamp::from(now.as_secs().saturating_sub(60));
    let mut filters = vec![fleet_filter(&targets.operator).since(since)];
    let keys: Vec<PublicKey> = targets.keys.keys().copied().collect();
    for chunk in keys.chunks(options.authors_per_filter.max(1)) {
        filters.push(
            Filter::new()
                .kind(Kind::from(NIP46_KIND))
                .authors(chunk.iter().copied())
                .pubkey(targets.operator)
                .since(now),
        );
    }
    let timeout = fleet.client_options().timeout;
    let mut accepted = false;
    let count = filters.len();
    // Stable ids: a REQ with an id already open replaces its filter (NIP-01), so a resubscribe
    // needs no CLOSE; ids beyond the new count (fewer machines now) are closed.
    for (i, filter) in filters.into_iter().enumerate() {
        let id = SubscriptionId::new(format!("{WATCH_ID_PREFIX}{i}"));
        match tokio::time::timeout(timeout, client.subscribe_with_id(id, filter, None)).await {
            Ok(Ok(out)) if !out.success.is_empty() => accepted = true,
            Ok(Ok(_)) | Ok(Err(_)) | Err(_) => {}
        }
    }
    for (id, _) in client.subscriptions().await {
        let extra = id
            .as_str()
            .strip_prefix(WATCH_ID_PREFIX)
            .and_then(|n| n.parse::<usize>().ok())
            .is_some_and(|n| n >= count);
        if extra {
            client.unsubscribe(&id).await;
        }
    }
    if !accepted {
        return Err(Error::Bunker(bunker_client::Error::Unreachable {
            relays: targets
                .relays
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        }));
    }
    let connected = client
        .relays()
        .await
        .values()
        .filter(|r| r.status() == RelayStatus::Connected)
        .count();
    status.send_modify(|s| {
        s.subscriptions += 1;
        s.watched_machines = targets.keys.len();
        s.connected_relays = connected;
        s.waiting = None;
    });
    Ok(())
}

/// Writes the gathered sightings (and the "as of", when given) and empties the buffer.
async fn write(
    fleet: &Fleet,
    status: &watch::Sender<WatchStatus>,
    pending: &mut HashMap<i64, Seen>,
    checked_at: Option<i64>,
) -> Result<()> {
    if pending.is_empty() && checked_at.is_none() {
        return Ok(());
    }
    let sightings: Vec<Seen> = pending.drain().map(|(_, s)| s).collect();
    let any = !sightings.is_empty();
    fleet.record_sightings(sightings, checked_at).await?;
    if any {
        status.send_modify(|s| s.writes += 1);
    }
    Ok(())
}
