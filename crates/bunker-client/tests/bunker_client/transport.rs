//! The link never waits for a relay's `OK` (protocol/nsecbunkerd.md Appendix C): nostr-rs-relay
//! sends none for kinds 24133/24134. LocalRelay always sends one, so a proxy drops them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bunker_client::{AdminClient, AdminConnection, ClientOptions, PingReply};
use nostr::{Keys, RelayUrl};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{fast_options, start_relay, Out, Responder, Seen};

/// A loopback proxy to `upstream` that forwards everything except server→client WebSocket text
/// frames starting with `["OK"`. Returns its URL and the count of dropped frames.
async fn ok_dropping_proxy(upstream: &RelayUrl) -> (RelayUrl, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let target = upstream
        .as_str_without_trailing_slash()
        .trim_start_matches("ws://")
        .to_owned();
    let dropped = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&dropped);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let server = TcpStream::connect(&target).await.unwrap();
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let (mut client_rx, client_tx) = client.into_split();
                let (server_rx, mut server_tx) = server.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut client_rx, &mut server_tx).await;
                });
                let _ = filter_server_frames(server_rx, client_tx, counter).await;
            });
        }
    });
    (
        RelayUrl::parse(&format!("ws://127.0.0.1:{port}")).unwrap(),
        dropped,
    )
}

async fn filter_server_frames(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    dropped: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    // The HTTP upgrade response, byte by byte up to the blank line.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(from.read_u8().await?);
    }
    to.write_all(&head).await?;
    loop {
        let mut frame = vec![from.read_u8().await?, from.read_u8().await?];
        let opcode = frame[0] & 0x0f;
        let masked = frame[1] & 0x80 != 0;
        let mut len = u64::from(frame[1] & 0x7f);
        if len == 126 {
            let ext = from.read_u16().await?;
            frame.extend_from_slice(&ext.to_be_bytes());
            len = u64::from(ext);
        } else if len == 127 {
            let ext = from.read_u64().await?;
            frame.extend_from_slice(&ext.to_be_bytes());
            len = ext;
        }
        if masked {
            let mut mask = [0u8; 4];
            from.read_exact(&mut mask).await?;
            frame.extend_from_slice(&mask);
        }
        let mut payload = vec![0u8; usize::try_from(len).unwrap()];
        from.read_exact(&mut payload).await?;
        if opcode == 1 && !masked && payload.starts_with(b"[\"OK\"") {
            dropped.fetch_add(1, Ordering::SeqCst);
            continue;
        }
        frame.extend_from_slice(&payload);
        to.write_all(&frame).await?;
    }
}

#[tokio::test]
async fn request_completes_through_a_relay_that_never_sends_ok() {
    let (_relay, url) = start_relay().await.unwrap();
    let bunker = Responder::start(&url, Keys::generate(), &[24133, 24134], |r: &Seen| {
        vec![Out::result(24134, &r.id, "ok")]
    })
    .await
    .unwrap();
    let (proxy, dropped) = ok_dropping_proxy(&url).await;
    let conn = AdminConnection {
        admin: bunker.keys.public_key(),
        relays: vec![proxy],
    };
    // Shorter than nostr-sdk's 10 s wait for OK: a client that awaited OK would time out.
    let opts = ClientOptions {
        timeout: Duration::from_secs(5),
        ..fast_options()
    };
    let admin = AdminClient::connect(Keys::generate(), &conn, opts)
        .await
        .unwrap();
    assert_eq!(admin.ping().await.unwrap(), PingReply::Ok);
    assert_eq!(admin.ping().await.unwrap(), PingReply::Ok);
    // The relay's OKs for both requests are queued before it broadcasts the replies, and the
    // proxy handles them in order, so both have been dropped by now.
    assert!(
        dropped.load(Ordering::SeqCst) >= 2,
        "the proxy must have withheld the relay's OKs"
    );
}
