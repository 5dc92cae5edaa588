//! `satmachine-atm serve`: a [`WarmSigner`] behind a Unix socket for the ATM's own software, in
//! any language, plus the heartbeat on a timer — one process on the ATM.
//!
//! - One `serve` per state directory (an OS file lock, [`lock`]); a second one is refused.
//! - The socket is mode 0600 ([`socket`]); the line protocol is in [`request`].
//! - A malformed line gets an error line and the connection stays open; the daemon stays up
//!   through bunker and relay outages (each request fails within its deadline meanwhile).
//! - [`serve`] returns when `shutdown` completes (the CLI: SIGTERM or SIGINT) after removing the
//!   socket file.

mod client;
mod lock;
pub mod request;
mod socket;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

pub use client::sign_via_daemon;
pub use socket::{default_socket, DEFAULT_SOCKET};

use crate::error::{Error, Result};
use crate::heartbeat::{publish_heartbeat, status_of};
use crate::state::AtmState;
use crate::warm::{WarmOptions, WarmSigner};

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Where to listen; [`default_socket`] when `None`.
    pub socket: Option<PathBuf>,
    /// The warm signer's timing.
    pub warm: WarmOptions,
    /// How often to publish the heartbeat; `None` sends none.
    pub heartbeat_every: Option<Duration>,
}

/// Parses `--heartbeat-every`: `30s`, `5m`, `1h`, a plain number of seconds, or `off`.
///
/// # Errors
/// [`Error::InvalidArgument`] for anything else, or an interval under 10 seconds.
pub fn parse_interval(text: &str) -> Result<Option<Duration>> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, "s"),
    };
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => 0,
    };
    let secs = number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|&s| s > 0)
        .ok_or(Error::InvalidArgument(
            "--heartbeat-every must be like 30s, 5m or 1h, or off",
        ))?;
    if secs < 10 {
        return Err(Error::InvalidArgument(
            "--heartbeat-every must be at least 10s (or off)",
        ));
    }
    Ok(Some(Duration::from_secs(secs)))
}

/// Runs the daemon for the pairing in `state_dir` until `shutdown` completes.
///
/// `ready` is called with the socket path once it accepts connections.
///
/// # Errors
/// [`Error::NotPaired`] without a pairing, [`Error::AlreadyServing`] when another `serve` runs
/// on `state_dir`, [`Error::Socket`] when the socket cannot be created.
pub async fn serve(
    state_dir: &Path,
    opts: ServeOptions,
    ready: impl FnOnce(&Path),
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let state = AtmState::load(state_dir)?;
    let _lock = lock::StateLock::acquire(state_dir)?;
    let path = opts
        .socket
        .clone()
        .unwrap_or_else(|| default_socket(state_dir));
    let bound = socket::bind(&path).await?;
    let signer = WarmSigner::from_state(state, opts.warm);
    let mut tasks = JoinSet::new();
    {
        // Connect now, so the first request finds the link warm; failures are retried per
        // request with backoff.
        let signer = signer.clone();
        tasks.spawn(async move { signer.warm_up().await });
    }
    if let Some(every) = opts.heartbeat_every {
        tasks.spawn(heartbeat_loop(signer.clone(), every, opts.warm));
    }
    tracing::info!(socket = %bound.path.display(), "serving");
    ready(&bound.path);

    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = bound.listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tasks.spawn(connection(stream, signer.clone()));
                }
                Err(e) => tracing::warn!(error = %e, "accepting a connection failed"),
            },
        }
    }
    tracing::info!("shutting down");
    drop(bound);
    tasks.shutdown().await;
    signer.shutdown().await;
    Ok(())
}

async fn heartbeat_loop(signer: WarmSigner, every: Duration, opts: WarmOptions) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let status = status_of(signer.health());
        match publish_heartbeat(signer.state(), status, Some(every), opts.client).await {
            Ok(_) => tracing::debug!("heartbeat sent"),
            Err(e) => tracing::warn!(error = %e, "heartbeat not sent"),
        }
    }
}

/// Serves one connection: reads lines, signs concurrently, writes each reply as one line.
async fn connection(stream: UnixStream, signer: WarmSigner) {
    let (read, mut write) = stream.into_split();
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    let writer = tokio::spawn(async move {
        while let Some(mut line) = rx.recv().await {
            line.push('\n');
            if write.write_all(line.as_bytes()).await.is_err() {
                break;
            }
        }
    });
    let mut reader = BufReader::new(read);
    let signer = Arc::new(signer);
    let mut requests = JoinSet::new();
    loop {
        let mut buf = Vec::new();
        let limit = u64::try_from(request::MAX_LINE + 1).unwrap_or(u64::MAX);
        match (&mut reader).take(limit).read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if buf.len() > request::MAX_LINE && buf.last() != Some(&b'\n') {
            let _ = tx.send(request::error_line(
                None,
                &Error::InvalidRequest("the line is longer than 64 KiB; the connection is closed"),
            ));
            break;
        }
        let Ok(line) = std::str::from_utf8(&buf) else {
            let _ = tx.send(request::error_line(
                None,
                &Error::InvalidRequest("the line is not UTF-8"),
            ));
            continue;
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match request::parse(line) {
            Err(bad) => {
                let _ = tx.send(request::error_line(bad.id, &bad.error));
            }
            Ok(req) => {
                let tx = tx.clone();
                let signer = Arc::clone(&signer);
                requests.spawn(async move {
                    let reply = match signer.sign(req.kind, &req.content, req.tags).await {
                        Ok(event) => request::signed_line(req.id, &event),
                        Err(e) => request::error_line(req.id, &e),
                    };
                    let _ = tx.send(reply);
                });
            }
        }
    }
    // Answer what was asked before the client stopped sending, then close.
    while requests.join_next().await.is_some() {}
    drop(tx);
    let _ = writer.await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeat_interval_takes_units_or_off_and_refuses_the_rest() {
        assert_eq!(
            parse_interval("5m").unwrap(),
            Some(Duration::from_secs(300))
        );
        assert_eq!(
            parse_interval("30s").unwrap(),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_interval("1h").unwrap(),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(parse_interval("90").unwrap(), Some(Duration::from_secs(90)));
        assert_eq!(parse_interval("off").unwrap(), None);
        for bad in ["", "5x", "m", "0s", "5s", "-1m", "1.5m"] {
            let err = parse_interval(bad).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{bad}");
        }
    }
}
