//! `satop` as a new user runs it from the README: `init`, then `sandbox` in one terminal and
//! `connect …` in another; exit codes 0 / 2 / 3 with one-line reasons.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use crate::support::bin;

/// A `satop` invocation with its own data dir and an ncryptsec file store (no desktop keyring).
pub fn satop(data: &Path) -> Command {
    let mut cmd = Command::new(bin("satop"));
    cmd.arg("--data-dir")
        .arg(data)
        .arg("--secret-store")
        .arg(format!("file:{}", data.join("keys.json").display()))
        .env("SATOP_PASSPHRASE", "correct horse battery staple")
        .env_remove("SATOP_DATA_DIR")
        .env_remove("SATOP_SECRET_STORE")
        .stdin(Stdio::null());
    cmd
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A running `satop sandbox`; killed on drop.
pub struct SandboxProcess {
    child: Child,
    pub connect_args: Vec<String>,
    pub printed: String,
}

impl SandboxProcess {
    pub fn start(data: &Path, extra: &[&str]) -> Self {
        let mut child = satop(data)
            .arg("sandbox")
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut printed = String::new();
        let connect_line = loop {
            let line = lines
                .next()
                .expect("satop sandbox exited before printing how to connect")
                .unwrap();
            printed.push_str(&line);
            printed.push('\n');
            if let Some(rest) = line.trim().strip_prefix("satop connect ") {
                break rest.to_string();
            }
        };
        // Keep draining stdout: a closed pipe would kill the sandbox at its next line.
        std::thread::spawn(move || lines.for_each(drop));
        // `'<string>' --key operator --atm-relay ws://…`
        let (quoted, tail) = connect_line.split_once("' ").unwrap();
        let mut connect_args = vec![quoted.trim_start_matches('\'').to_string()];
        connect_args.extend(tail.split_whitespace().map(String::from));
        Self {
            child,
            connect_args,
            printed,
        }
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn new_user_init_then_sandbox_then_connect_prints_the_capabilities() {
    let data = tempfile::tempdir().unwrap();
    let init = run(satop(data.path()).arg("init"));
    assert!(init.status.success(), "init: {}", text(&init.stderr));
    let npub = text(&init.stdout)
        .lines()
        .find(|l| l.starts_with("npub1"))
        .unwrap()
        .to_string();
    assert!(
        text(&init.stderr).contains("admin.npubs") || text(&init.stderr).contains("\"npubs\""),
        "init tells where the npub goes"
    );

    let sandbox = SandboxProcess::start(data.path(), &[]);
    assert!(
        sandbox.printed.contains("SANDBOX"),
        "clearly labelled as a sandbox:\n{}",
        sandbox.printed
    );
    assert!(
        sandbox.printed.contains(&npub),
        "the console is the sandbox's admin:\n{}",
        sandbox.printed
    );

    let out = run(satop(data.path())
        .arg("connect")
        .args(&sandbox.connect_args));
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "connect failed: {}{}",
        stdout,
        text(&out.stderr)
    );
    for expected in [
        "Bunker capabilities",
        "admin ping:    ok",
        "NIP-04 only",
        "operator     unlocked",
        "policies:",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }

    let status = run(satop(data.path()).args(["status", "--json"]));
    assert!(status.status.success());
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json["console_npub"], npub.as_str());
    assert_eq!(json["bunker"]["key_name"], "operator");
    assert_eq!(json["bunker"]["encryption"], "nip04");
}

#[test]
fn garbage_connection_string_exits_2_with_a_reason() {
    let data = tempfile::tempdir().unwrap();
    assert!(run(satop(data.path()).arg("init")).status.success());
    for bad in [
        "https://example.com",
        "bunker://nope@relay",
        "nsec1qqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0jqgm8yyk",
    ] {
        let out = run(satop(data.path()).args([
            "connect",
            bad,
            "--key",
            "operator",
            "--atm-relay",
            "ws://127.0.0.1:1",
        ]));
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", text(&out.stderr));
        let err = text(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(!err.contains("nsec1qqq"), "never echo a private key: {err}");
    }
}

#[test]
fn unreachable_bunker_exits_3() {
    let data = tempfile::tempdir().unwrap();
    assert!(run(satop(data.path()).arg("init")).status.success());
    // A port nobody listens on: bind one, learn it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let admin = nostr::Keys::generate().public_key();
    let conn = format!("bunker://{}?relay=ws://127.0.0.1:{port}", admin.to_hex());
    let out = run(satop(data.path()).args([
        "connect",
        &conn,
        "--key",
        "operator",
        "--atm-relay",
        "ws://127.0.0.1:1",
        "--timeout",
        "2",
    ]));
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("satop:"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn console_that_is_not_an_admin_is_told_to_add_its_npub() {
    let data = tempfile::tempdir().unwrap();
    assert!(run(satop(data.path()).arg("init")).status.success());
    let someone_else = crate::support::npub(&nostr::Keys::generate().public_key());
    let sandbox = SandboxProcess::start(data.path(), &["--admin", &someone_else]);
    let out = run(satop(data.path())
        .arg("connect")
        .args(&sandbox.connect_args));
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let err = text(&out.stderr).to_lowercase();
    assert!(
        err.contains("admin.npubs") && err.contains(&npub_of_console(data.path())),
        "says which npub to add to admin.npubs: {err}"
    );
}

#[test]
fn commands_before_init_say_to_run_init() {
    let data = tempfile::tempdir().unwrap();
    let out = run(satop(data.path()).arg("whoami"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("satop init"),
        "{}",
        text(&out.stderr)
    );
}

fn npub_of_console(data: &Path) -> String {
    let out = run(satop(data).arg("whoami"));
    text(&out.stdout).trim().to_string()
}
