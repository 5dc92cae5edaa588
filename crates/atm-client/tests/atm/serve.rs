//! `satmachine-atm serve` as a real child process: the socket protocol, concurrency, malformed
//! lines, one daemon per state directory, revocation, SIGTERM, and `sign` through it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use bunker_client::heartbeat::{fleet_filter, verify_heartbeat, HeartbeatStatus};
use nostr::{Event, JsonUtil};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::process::{Child, Command};

use crate::support::World;

const BIN: &str = env!("CARGO_BIN_EXE_satmachine-atm");

/// A running `serve`; killed if the test ends early.
struct Daemon {
    child: Child,
    socket: PathBuf,
}

impl Daemon {
    /// Starts `serve` and waits until it says it listens.
    async fn start(dir: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(["serve", "--timeout", "5", "--heartbeat-every", "off"])
            .arg("--state-dir")
            .arg(dir)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("serve says it is ready")
            .unwrap()
            .unwrap_or_default();
        let socket = PathBuf::from(
            first
                .strip_prefix("serving on ")
                .unwrap_or_else(|| panic!("unexpected first line {first:?}")),
        );
        Self { child, socket }
    }

    /// SIGTERM, then the exit status.
    async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().unwrap().to_string();
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(killed.success());
        tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("serve exits on SIGTERM")
            .unwrap()
    }
}

/// One connection: sends `lines`, then reads `n` reply lines.
async fn exchange(socket: &Path, lines: &[String], n: usize) -> Vec<Value> {
    let stream = UnixStream::connect(socket).await.unwrap();
    let (read, mut write) = stream.into_split();
    for line in lines {
        write.write_all(line.as_bytes()).await.unwrap();
        write.write_all(b"\n").await.unwrap();
    }
    let mut reader = BufReader::new(read).lines();
    let mut replies = Vec::new();
    for _ in 0..n {
        let line = tokio::time::timeout(Duration::from_secs(30), reader.next_line())
            .await
            .expect("a reply line")
            .unwrap()
            .expect("the daemon keeps the connection open");
        replies.push(serde_json::from_str(&line).unwrap());
    }
    replies
}

async fn atm(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--state-dir")
        .arg(dir)
        .args(["--timeout", "5"])
        .args(args)
        .output()
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn daemon_signs_a_request_line_with_an_owner_only_socket() {
    let world = World::start().await;
    let dir = world.paired("atm").await;
    let daemon = Daemon::start(&dir, &[]).await;
    assert_eq!(daemon.socket, dir.join("atm.sock"), "default socket");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&daemon.socket)
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "the socket is owner-only");
    }

    let plain = json!({"kind": 21000, "content": "cash out", "tags": [["t", "atm"]]});
    let with_id = json!({"kind": 21000, "content": "second", "id": "r-2"});
    let replies = exchange(&daemon.socket, &[plain.to_string()], 1).await;
    let event = Event::from_json(replies[0].to_string()).unwrap();
    event.verify().unwrap();
    assert_eq!(event.pubkey, world.operator());
    assert!(event.tags.iter().any(|t| t.as_slice() == ["t", "atm"]));
    let replies = exchange(&daemon.socket, &[with_id.to_string()], 1).await;
    assert_eq!(replies[0]["id"], "r-2", "the id is echoed");
    let event = Event::from_json(replies[0]["event"].to_string()).unwrap();
    assert_eq!(event.content, "second");

    let socket = daemon.socket.clone();
    let status = daemon.terminate().await;
    assert!(status.success(), "SIGTERM is a clean exit: {status:?}");
    assert!(!socket.exists(), "the socket file is removed on shutdown");
    world.stop().await;
}

#[tokio::test]
async fn fifty_concurrent_requests_are_each_answered_once() {
    let world = World::start().await;
    let dir = world.paired("atm").await;
    let daemon = Daemon::start(&dir, &[]).await;
    let lines: Vec<String> = (0..50)
        .map(|n| json!({"kind": 21000, "content": format!("n{n}"), "id": n}).to_string())
        .collect();

    let replies = exchange(&daemon.socket, &lines, 50).await;

    let mut seen: HashMap<u64, String> = HashMap::new();
    for reply in replies {
        let id = reply["id"].as_u64().unwrap();
        let event = Event::from_json(reply["event"].to_string())
            .unwrap_or_else(|_| panic!("request {id} failed: {reply}"));
        assert_eq!(
            event.content,
            format!("n{id}"),
            "the reply matches its request"
        );
        assert!(
            seen.insert(id, event.content).is_none(),
            "{id} answered twice"
        );
    }
    assert_eq!(seen.len(), 50);
    daemon.terminate().await;
    world.stop().await;
}

#[tokio::test]
async fn malformed_lines_get_an_error_line_each_and_the_daemon_stays_up() {
    let world = World::start().await;
    let dir = world.paired("atm").await;
    let daemon = Daemon::start(&dir, &[]).await;
    let lines = [
        "not json".to_owned(),
        r#"{"content":"no kind","id":"a"}"#.to_owned(),
        r#"{"kind":21000,"content":"x","tags":"t","id":"b"}"#.to_owned(),
        "[1,2]".to_owned(),
    ];

    let replies = exchange(&daemon.socket, &lines, lines.len()).await;

    for reply in &replies {
        assert_eq!(reply["error"]["kind"], "invalid_input", "{reply}");
        assert!(reply["error"]["message"].as_str().unwrap().len() > 10);
    }
    let ids: Vec<&Value> = replies.iter().map(|r| &r["id"]).collect();
    assert!(ids.contains(&&json!("a")) && ids.contains(&&json!("b")));
    let good = json!({"kind": 21000, "content": "still here"}).to_string();
    let after = exchange(&daemon.socket, &[good], 1).await;
    assert_eq!(after[0]["content"], "still here", "{}", after[0]);
    daemon.terminate().await;
    world.stop().await;
}

#[tokio::test]
async fn second_daemon_on_the_same_state_dir_is_refused() {
    let world = World::start().await;
    let dir = world.paired("atm").await;
    let first = Daemon::start(&dir, &[]).await;
    let other_socket = world.dir.path().join("other.sock");

    let second = atm(&dir, &["serve", "--socket", other_socket.to_str().unwrap()]).await;

    assert_eq!(second.status.code(), Some(2), "{}", text(&second.stderr));
    assert!(
        text(&second.stderr).contains("already running"),
        "{}",
        text(&second.stderr)
    );
    assert!(!other_socket.exists());
    let still = exchange(
        &first.socket,
        &[json!({"kind": 21000, "content": "first still serves"}).to_string()],
        1,
    )
    .await;
    assert!(still[0].get("sig").is_some(), "{}", still[0]);
    first.terminate().await;
    world.stop().await;
}

#[tokio::test]
async fn sign_through_the_daemon_and_without_it_gives_the_same_output_and_exit_codes() {
    let world = World::start().await;
    let dir = world.paired("atm").await;
    let args = [
        "sign",
        "--kind",
        "21000",
        "--content",
        "same",
        "--tags",
        r#"[["t","atm"]]"#,
    ];
    let kind1 = ["sign", "--kind", "1", "--content", "not allowed"];
    let bad_tags = ["sign", "--kind", "21000", "--content", "x", "--tags", "{"];

    let direct = atm(&dir, &args).await;
    let direct_kind1 = atm(&dir, &kind1).await;
    let direct_bad = atm(&dir, &bad_tags).await;
    let daemon = Daemon::start(&dir, &[]).await;
    let via = atm(&dir, &args).await;
    let via_kind1 = atm(&dir, &kind1).await;
    let via_bad = atm(&dir, &bad_tags).await;

    for (a, b, what) in [
        (&direct, &via, "sign"),
        (&direct_kind1, &via_kind1, "kind 1"),
        (&direct_bad, &via_bad, "bad tags"),
    ] {
        assert_eq!(
            a.status.code(),
            b.status.code(),
            "{what}: {}",
            text(&b.stderr)
        );
        assert_eq!(text(&a.stderr), text(&b.stderr), "{what}");
    }
    assert_eq!(via.status.code(), Some(0));
    assert_eq!(via_kind1.status.code(), Some(3));
    assert_eq!(via_bad.status.code(), Some(2));
    let events: Vec<Event> = [&direct, &via]
        .iter()
        .map(|o| {
            let out = text(&o.stdout);
            assert_eq!(out.lines().count(), 1);
            Event::from_json(out.trim()).unwrap()
        })
        .collect();
    for event in &events {
        event.verify().unwrap();
        assert_eq!(event.pubkey, world.operator());
        assert_eq!(event.content, "same");
        assert!(event.tags.iter().any(|t| t.as_slice() == ["t", "atm"]));
    }
    daemon.terminate().await;
    world.stop().await;
}

#[tokio::test]
async fn revoked_atm_is_refused_at_once_through_the_daemon_which_stays_up() {
    let world = World::start().await;
    let dir = world.paired("atm").await;
    let daemon = Daemon::start(&dir, &[]).await;
    let line = |c: &str| json!({"kind": 21000, "content": c}).to_string();
    let ok = exchange(&daemon.socket, &[line("before")], 1).await;
    assert!(ok[0].get("sig").is_some(), "{}", ok[0]);
    world.revoke_all().await;

    let refused = exchange(&daemon.socket, &[line("after")], 1).await;
    assert_eq!(refused[0]["error"]["kind"], "refused", "{}", refused[0]);

    // The bunker is gone now: only the daemon's held refusal can answer, and `sign` uses it
    // (a direct connection would time out instead).
    let World {
        sandbox,
        admin,
        dir: _keep,
        ..
    } = world;
    sandbox.bunker.shutdown().await;
    let started = std::time::Instant::now();
    let via = atm(&dir, &["sign", "--kind", "21000", "--content", "again"]).await;
    assert_eq!(via.status.code(), Some(3), "{}", text(&via.stderr));
    assert!(
        text(&via.stderr).contains("revoked"),
        "{}",
        text(&via.stderr)
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    let again = exchange(&daemon.socket, &[line("again")], 1).await;
    assert_eq!(again[0]["error"]["kind"], "refused");
    daemon.terminate().await;
    admin.shutdown().await;
    sandbox.relay.stop().await;
}

#[tokio::test]
async fn serve_and_heartbeat_publish_a_heartbeat_signed_by_the_atm_key() {
    let world = World::start().await;
    let dir = world.paired("atm").await;
    let atm_key = atm_client::AtmState::load(&dir)
        .unwrap()
        .client_public_key();

    let once = atm(&dir, &["heartbeat"]).await;
    assert_eq!(once.status.code(), Some(0), "{}", text(&once.stderr));
    let printed = Event::from_json(text(&once.stdout).trim()).unwrap();
    let beat = verify_heartbeat(&printed, &atm_key).unwrap();
    assert_eq!(beat.operator, world.operator());
    assert_eq!(beat.content.status, HeartbeatStatus::Ok);
    assert!(beat.content.software.starts_with("satmachine-atm "));

    // serve sends one at start, then on its timer; the relay keeps the newest per ATM key.
    let mut child = Command::new(BIN)
        .arg("--state-dir")
        .arg(&dir)
        .args(["serve", "--heartbeat-every", "10m"])
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let client = nostr_sdk::Client::default();
    client.add_relay(world.sandbox.relay.url()).await.unwrap();
    client.connect().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let from_serve = loop {
        let events = client
            .fetch_events(fleet_filter(&world.operator()), Duration::from_secs(2))
            .await
            .unwrap();
        let found = events
            .into_iter()
            .filter_map(|e| verify_heartbeat(&e, &atm_key).ok())
            .find(|b| b.content.interval_secs == Some(600));
        if let Some(found) = found {
            break found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no heartbeat from serve"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(from_serve.operator, world.operator());
    child.start_kill().unwrap();
    let _ = child.wait().await;
    client.shutdown().await;
    world.stop().await;
}
