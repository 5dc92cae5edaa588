//! The loopback relay (nostr-relay-builder's `LocalRelay` on 127.0.0.1).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use nostr::{Event, RelayUrl};
use nostr_relay_builder::prelude::{LocalRelay, RateLimit, RelayBuilder};

use crate::error::{Error, Result};

/// How long `start`/`stop` keep retrying while the OS releases a port.
const PORT_WAIT: Duration = Duration::from_secs(5);
const PORT_POLL: Duration = Duration::from_millis(10);

/// An in-process Nostr relay on 127.0.0.1.
///
/// Like the relay built on nostr-relay-builder in Appendix C, it answers `OK` for ephemeral
/// events and never stores them.
#[derive(Debug)]
pub struct SandboxRelay {
    relay: LocalRelay,
    url: RelayUrl,
    port: u16,
}

impl SandboxRelay {
    /// Starts a relay on `127.0.0.1:port`, or on a free port for `None`.
    ///
    /// Starting on the port of a relay that was just stopped waits until the port is free again.
    pub async fn start(port: Option<u16>) -> Result<Self> {
        let deadline = tokio::time::Instant::now() + PORT_WAIT;
        loop {
            let mut builder = RelayBuilder::default()
                .addr(IpAddr::V4(Ipv4Addr::LOCALHOST))
                // Tests and benchmarks send far more than the default 60 events/min per connection.
                .rate_limit(RateLimit {
                    max_reqs: 10_000,
                    notes_per_minute: 1_000_000,
                });
            if let Some(port) = port {
                builder = builder.port(port);
            }
            let relay = LocalRelay::new(builder);
            match relay.run().await {
                Ok(()) => {
                    let url = relay.url().await;
                    let port = url_port(&url)?;
                    return Ok(Self { relay, url, port });
                }
                Err(e) if port.is_some() && tokio::time::Instant::now() < deadline => {
                    tracing::debug!("sandbox relay port busy, retrying: {e}");
                    drop(relay);
                    tokio::time::sleep(PORT_POLL).await;
                }
                Err(e) => return Err(Error::Relay(e.to_string())),
            }
        }
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
        let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), self.port);
        let deadline = tokio::time::Instant::now() + PORT_WAIT;
        loop {
            // The relay's shutdown only wakes tasks that are waiting right now, so repeat it
            // until the listener is really gone.
            self.relay.shutdown();
            if std::net::TcpListener::bind(addr).is_ok() || tokio::time::Instant::now() >= deadline
            {
                break;
            }
            tokio::time::sleep(PORT_POLL).await;
        }
    }
}

fn url_port(url: &RelayUrl) -> Result<u16> {
    url.as_str_without_trailing_slash()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| Error::Relay(format!("relay url without port: {url}")))
}
