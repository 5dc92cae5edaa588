//! `satmachine-atm sign` through a running `serve`.

use std::path::Path;
use std::time::Duration;

use nostr::{Event, Tag};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::time::timeout;

use super::request;
use crate::error::{Error, Result};
use crate::state::AtmState;

/// How long connecting to the socket may take before signing falls back to its own link.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);

/// Signs through the daemon listening on `socket`. `Ok(None)` when no daemon answers there
/// (no socket, or a stale one): the caller signs with its own connection.
///
/// The reply is checked like a direct signature's (signature, operator key, kind); the daemon's
/// errors come back as [`Error::Daemon`] with the daemon's kind and message, so the output and
/// exit code match a direct `sign`. `wait` bounds the whole exchange.
///
/// # Errors
/// The daemon's error, or [`Error::Socket`] when the daemon accepted the request and then
/// failed to answer (nothing is re-sent, so nothing is signed twice).
pub async fn sign_via_daemon(
    socket: &Path,
    state: &AtmState,
    kind: u16,
    content: &str,
    tags: &[Tag],
    wait: Duration,
) -> Result<Option<Event>> {
    if !socket.exists() {
        return Ok(None);
    }
    let stream = match timeout(CONNECT_TIMEOUT, UnixStream::connect(socket)).await {
        Ok(Ok(stream)) => stream,
        _ => return Ok(None),
    };
    let tags: Vec<&[String]> = tags.iter().map(Tag::as_slice).collect();
    let mut line = json!({ "kind": kind, "content": content, "tags": tags }).to_string();
    line.push('\n');
    let exchange = async {
        let (read, mut write) = stream.into_split();
        write.write_all(line.as_bytes()).await?;
        write.shutdown().await?;
        let mut reply = String::new();
        BufReader::new(read).read_line(&mut reply).await?;
        Ok::<_, std::io::Error>(reply)
    };
    let reply = match timeout(wait, exchange).await {
        Err(_) => {
            return Err(Error::Socket {
                path: socket.to_path_buf(),
                reason: format!(
                    "the daemon did not answer within {} s",
                    wait.as_secs().max(1)
                ),
            })
        }
        Ok(Err(e)) => return Err(Error::socket(socket, &e)),
        Ok(Ok(reply)) if reply.trim().is_empty() => {
            return Err(Error::Socket {
                path: socket.to_path_buf(),
                reason: "the daemon closed the connection without an answer".into(),
            })
        }
        Ok(Ok(reply)) => reply,
    };
    let event = request::parse_reply(reply.trim())?;
    if event.verify().is_err()
        || event.pubkey != state.operator_public_key()
        || event.kind.as_u16() != kind
    {
        return Err(Error::Bunker(bunker_client::Error::BadSignedEvent(
            "does not verify, or is not the operator's event of the requested kind",
        )));
    }
    Ok(Some(event))
}
