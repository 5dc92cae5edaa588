//! The loopback relay: nostr-relay-builder's `LocalRelay` behind our own listener on 127.0.0.1.
//!
//! We accept the connections ourselves for one reason: to set `TCP_NODELAY`. `LocalRelay`'s own
//! listener does not, and the relay writes twice to a client in a row (`OK`, then the reply
//! event it forwards); with Nagle's algorithm the second write waits for the client's delayed
//! ACK, which put a flat ~40 ms into every request/reply round trip on loopback. The WebSocket
//! upgrade is done here too (`LocalRelay::take_connection` takes an upgraded stream).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nostr::{Event, RelayUrl};
use nostr_relay_builder::prelude::{LocalRelay, RateLimit, RelayBuilder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::AbortHandle;

use crate::error::{Error, Result};

/// How long `start`/`stop` keep retrying while the OS releases a port.
const PORT_WAIT: Duration = Duration::from_secs(5);
const PORT_POLL: Duration = Duration::from_millis(10);
/// The longest HTTP upgrade request accepted, and how long a client may take to send it.
const MAX_UPGRADE_REQUEST: usize = 8 * 1024;
const UPGRADE_TIMEOUT: Duration = Duration::from_secs(5);

/// An in-process Nostr relay on 127.0.0.1.
///
/// Like the relay built on nostr-relay-builder in Appendix C, it answers `OK` for ephemeral
/// events and never stores them.
#[derive(Debug)]
pub struct SandboxRelay {
    relay: LocalRelay,
    url: RelayUrl,
    port: u16,
    /// Tells the accept loop to stop (also when dropped).
    stop: watch::Sender<bool>,
    /// The open connections, aborted by [`SandboxRelay::stop`].
    connections: Arc<Mutex<Vec<AbortHandle>>>,
}

impl SandboxRelay {
    /// Starts a relay on `127.0.0.1:port`, or on a free port for `None`.
    ///
    /// Starting on the port of a relay that was just stopped waits until the port is free again.
    pub async fn start(port: Option<u16>) -> Result<Self> {
        let listener = bind(port).await?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::Relay(e.to_string()))?
            .port();
        let relay = LocalRelay::new(
            RelayBuilder::default()
                // Tests and benchmarks send far more than the default 60 events/min per connection.
                .rate_limit(RateLimit {
                    max_reqs: 10_000,
                    notes_per_minute: 1_000_000,
                }),
        );
        let url = RelayUrl::parse(&format!("ws://127.0.0.1:{port}"))
            .map_err(|e| Error::Relay(e.to_string()))?;
        let (stop, stopped) = watch::channel(false);
        let connections = Arc::new(Mutex::new(Vec::new()));
        tokio::spawn(accept_loop(
            listener,
            relay.clone(),
            stopped,
            Arc::clone(&connections),
        ));
        Ok(Self {
            relay,
            url,
            port,
            stop,
            connections,
        })
    }

    /// `ws://127.0.0.1:PORT`.
    pub fn url(&self) -> RelayUrl {
        self.url.clone()
    }

    /// The TCP port the relay listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Delivers `event` to matching subscribers **without any check** (no id or signature
    /// verification, nothing stored). Models a relay that does not verify events, so tests can
    /// show that the bunker verifies signatures itself (A6). Returns `false` if nobody listens.
    pub fn inject(&self, event: Event) -> bool {
        self.relay.notify_event(event)
    }

    /// Stops the relay, drops its connections and returns once the port can be bound again,
    /// so a new relay can start on the same port (offline tests).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for connection in lock(&self.connections).drain(..) {
            connection.abort();
        }
        self.relay.shutdown();
        let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), self.port);
        let deadline = tokio::time::Instant::now() + PORT_WAIT;
        while std::net::TcpListener::bind(addr).is_err() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(PORT_POLL).await;
        }
    }
}

/// Binds 127.0.0.1:`port` (a free port for `None`), waiting for a just-released port.
async fn bind(port: Option<u16>) -> Result<TcpListener> {
    let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port.unwrap_or(0));
    let deadline = tokio::time::Instant::now() + PORT_WAIT;
    loop {
        match TcpListener::bind(addr).await {
            Ok(listener) => return Ok(listener),
            Err(e) if port.is_some() && tokio::time::Instant::now() < deadline => {
                tracing::debug!("sandbox relay port busy, retrying: {e}");
                tokio::time::sleep(PORT_POLL).await;
            }
            Err(e) => return Err(Error::Relay(format!("cannot listen on {addr}: {e}"))),
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    relay: LocalRelay,
    mut stopped: watch::Receiver<bool>,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, addr)) => {
                    let relay = relay.clone();
                    let task = tokio::spawn(async move {
                        if let Err(e) = serve(relay, stream, addr).await {
                            tracing::debug!("sandbox relay connection from {addr} ended: {e}");
                        }
                    });
                    let mut open = lock(&connections);
                    open.retain(|c| !c.is_finished());
                    open.push(task.abort_handle());
                }
                Err(e) => tracing::warn!("sandbox relay cannot accept a connection: {e}"),
            },
            // A stop, or the relay dropped.
            _ = stopped.changed() => break,
        }
    }
}

async fn serve(relay: LocalRelay, mut stream: TcpStream, addr: SocketAddr) -> Result<()> {
    stream
        .set_nodelay(true)
        .map_err(|e| Error::Relay(e.to_string()))?;
    tokio::time::timeout(UPGRADE_TIMEOUT, upgrade(&mut stream))
        .await
        .map_err(|_| Error::Relay("the WebSocket upgrade timed out".into()))??;
    relay
        .take_connection(stream, addr)
        .await
        .map_err(|e| Error::Relay(e.to_string()))
}

/// Answers the client's HTTP upgrade request with `101 Switching Protocols` (RFC 6455 §4.2).
async fn upgrade(stream: &mut TcpStream) -> Result<()> {
    let mut request = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !request.ends_with(b"\r\n\r\n") {
        if request.len() > MAX_UPGRADE_REQUEST {
            return Err(Error::Relay("the upgrade request is too long".into()));
        }
        // A WebSocket client sends nothing after its request until it has our answer, so
        // reading past the blank line cannot swallow a frame.
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| Error::Relay(e.to_string()))?;
        if n == 0 {
            return Err(Error::Relay("the client closed during the upgrade".into()));
        }
        request.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&request);
    let key = text
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("sec-websocket-key"))
        .map(|(_, value)| value.trim().to_owned())
        .ok_or_else(|| Error::Relay("not a WebSocket upgrade request".into()))?;
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    stream
        .write_all(response.as_bytes())
        .await
        .map_err(|e| Error::Relay(e.to_string()))
}

fn lock(connections: &Mutex<Vec<AbortHandle>>) -> std::sync::MutexGuard<'_, Vec<AbortHandle>> {
    // Every use is a single push/retain/drain: a poisoned lock is still consistent.
    connections
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
