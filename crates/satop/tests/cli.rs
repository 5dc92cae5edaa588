//! `satop` as a person (or a tester) runs it: the real binary, real files, real second
//! processes. Issue 17 (faults and hostile input) and the CLI items of issues 10 and 15.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const PASSPHRASE: &str = "correct horse battery staple";

/// A `satop` invocation with its own data dir and an ncryptsec file store (no desktop keyring).
fn satop(data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_satop"));
    cmd.arg("--data-dir")
        .arg(data)
        .arg("--secret-store")
        .arg(format!("file:{}", data.join("keys.json").display()))
        .env("SATOP_PASSPHRASE", PASSPHRASE)
        .env_remove("SATOP_DATA_DIR")
        .env_remove("SATOP_SECRET_STORE")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Exit code and stderr, asserting stderr is exactly one line.
fn one_line_failure(out: &Output) -> (Option<i32>, String) {
    let err = text(&out.stderr);
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line on stderr: {err:?}"
    );
    assert!(err.starts_with("satop: "), "{err:?}");
    (out.status.code(), err)
}

/// Exit code and the failure line of a command that reports progress on stderr first.
fn failure_after_progress(out: &Output) -> (Option<i32>, String) {
    let err = text(&out.stderr);
    let last = err.trim_end().lines().last().unwrap_or("").to_string();
    assert!(
        last.starts_with("satop: "),
        "ends with one failure line: {err:?}"
    );
    assert_eq!(
        err.matches("satop: ").count(),
        1,
        "one failure line: {err:?}"
    );
    (out.status.code(), last)
}

fn db_file(data: &Path) -> PathBuf {
    data.join("fleet.sqlite3")
}

/// A data dir with a console key and one machine.
fn fleet_with_a_machine() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    assert!(run(satop(data.path()).arg("init")).status.success());
    let add = run(satop(data.path()).args(["machine", "add", "Lobby ATM", "--site", "Main St"]));
    assert!(add.status.success(), "{}", text(&add.stderr));
    data
}

// ---- 1, 2: the database file -------------------------------------------------------------

#[test]
fn an_empty_database_file_is_refused_with_what_to_do() {
    let data = fleet_with_a_machine();
    std::fs::File::create(db_file(data.path())).unwrap(); // truncate -s 0
    let out = run(satop(data.path()).arg("status"));
    let (code, err) = one_line_failure(&out);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        !text(&out.stdout).contains("machines:"),
        "no empty status: {}",
        text(&out.stdout)
    );
    for words in [
        "fleet.sqlite3",
        "empty",
        "restore it from a backup",
        "move it aside",
    ] {
        assert!(err.contains(words), "missing {words:?}: {err}");
    }
    assert_eq!(
        std::fs::metadata(db_file(data.path())).unwrap().len(),
        0,
        "left untouched"
    );
}

#[test]
fn a_truncated_database_file_is_named_as_damaged_not_a_migration_failure() {
    let data = fleet_with_a_machine();
    let bytes = std::fs::read(db_file(data.path())).unwrap();
    std::fs::write(db_file(data.path()), &bytes[..bytes.len().min(2048)]).unwrap();
    let out = run(satop(data.path()).args(["machine", "list"]));
    let (code, err) = one_line_failure(&out);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("fleet.sqlite3") && err.contains("damaged"),
        "{err}"
    );
    assert!(
        !err.contains("user_version") && !err.contains("migrating"),
        "{err}"
    );
}

/// Runs as an unprivileged user when the tests run as root: root writes through a 0444 file,
/// so only a non-root process sees a read-only file the way an operator's would.
#[cfg(unix)]
fn as_unprivileged(cmd: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    let root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    if root {
        cmd.uid(65534).gid(65534);
    }
    cmd
}

#[cfg(unix)]
#[test]
fn a_read_only_database_serves_read_commands_and_refuses_writes_with_the_way_out() {
    use std::os::unix::fs::PermissionsExt;
    let data = fleet_with_a_machine();
    let dir = data.path();
    std::fs::remove_file(dir.join("keys.json")).unwrap();
    std::fs::set_permissions(db_file(dir), std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let list = run(as_unprivileged(satop(dir).args(["machine", "list"])));
    let audit = run(as_unprivileged(satop(dir).args(["audit"])));
    let outbox = run(as_unprivileged(satop(dir).args(["outbox", "list"])));
    let status = run(as_unprivileged(satop(dir).args(["status"])));
    let fee = run(as_unprivileged(satop(dir).args(["fee", "show"])));
    let add = run(as_unprivileged(
        satop(dir).args(["machine", "add", "Depot"]),
    ));
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(
        list.status.success(),
        "machine list: {}",
        text(&list.stderr)
    );
    assert!(text(&list.stdout).contains("Lobby ATM"));
    assert!(audit.status.success(), "audit: {}", text(&audit.stderr));
    assert!(
        outbox.status.success(),
        "outbox list: {}",
        text(&outbox.stderr)
    );
    assert!(status.status.success(), "status: {}", text(&status.stderr));
    assert!(
        text(&status.stdout).contains("machines:"),
        "{}",
        text(&status.stdout)
    );
    assert!(fee.status.success(), "fee show: {}", text(&fee.stderr));
    let (code, err) = one_line_failure(&add);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("read-only") && err.contains("fleet.sqlite3") && err.contains("writable"),
        "{err}"
    );
}

// ---- 6, 7, 8: inputs refused by fleet-core's rules -----------------------------------------

#[test]
fn a_fixed_fee_above_one_btc_is_refused_before_anything_is_signed() {
    let data = tempfile::tempdir().unwrap();
    for sats in ["100000001", "9007199254740993", "18446744073709551616"] {
        let out =
            run(satop(data.path()).args(["fee", "set", "--percent", "1", "--fixed-sats", sats]));
        let (code, err) = one_line_failure(&out);
        assert_eq!(code, Some(2), "{sats}: {err}");
        assert!(err.contains("fixed fee"), "{err}");
    }
}

#[test]
fn init_refuses_a_short_passphrase_for_a_new_key_file() {
    let data = tempfile::tempdir().unwrap();
    let out = run(satop(data.path())
        .arg("init")
        .env("SATOP_PASSPHRASE", "short"));
    let (code, err) = one_line_failure(&out);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("at least 8 characters"), "{err}");
    assert!(!data.path().join("keys.json").exists());
}

#[test]
fn names_with_hidden_characters_are_refused_and_nfc_nfd_twins_are_one_name() {
    let data = tempfile::tempdir().unwrap();
    for bad in [
        "Evil\u{1b}[2J",
        "ATM \u{202e}MTA",
        "Lob\u{200b}by",
        "two\nlines",
    ] {
        let out = run(satop(data.path()).args(["machine", "add", bad]));
        let (code, err) = one_line_failure(&out);
        assert_eq!(code, Some(2), "{bad:?}: {err}");
        assert!(
            !err.contains('\u{1b}') && !err.contains('\u{202e}'),
            "{err:?}"
        );
    }
    let out = run(satop(data.path()).args(["machine", "add", "Ok", "--site", "x\u{1b}[31m"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        run(satop(data.path()).args(["machine", "add", "Cafe\u{301}"]))
            .status
            .success()
    );
    let twin = run(satop(data.path()).args(["machine", "add", "CAF\u{c9}"]));
    let (code, err) = one_line_failure(&twin);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn stored_names_with_escape_codes_are_escaped_in_every_listing() {
    let data = fleet_with_a_machine();
    // A row written before the rule existed (or by another tool).
    let raw = "Fake\u{1b}[2J\n#9    Injected row\u{202e}";
    let db = fleet_store::Db::open(db_file(data.path())).unwrap();
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(db.interact(move |c| {
            fleet_store::machines::insert(c, &fleet_store::NewMachine::new(raw))
        }))
        .unwrap();
    drop(db);
    for args in [
        &["machine", "list"][..],
        &["machine", "list", "--json"],
        &["status"],
        &["term"],
    ] {
        let out = run(satop(data.path()).args(args));
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            !stdout.contains('\u{1b}') && !stdout.contains('\u{202e}') && !stdout.contains("\n#9"),
            "{args:?} printed stored text raw: {stdout:?}"
        );
    }
    let list = text(&run(satop(data.path()).args(["machine", "list"])).stdout);
    assert!(list.contains("Fake\\u{001B}[2J\\u{000A}#9"), "{list}");
}

#[test]
fn atm_relays_with_credentials_odd_hosts_or_keys_are_refused_without_echo() {
    let data = tempfile::tempdir().unwrap();
    let conn = format!("bunker://{}?relay=ws://127.0.0.1:9", "ab".repeat(32));
    let nsec = "nsec1qqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0jqgm8yyk";
    let long = format!("ws://{}.example.com", "a".repeat(10_000));
    for relay in [
        "ws://user:pw@127.0.0.1:9",
        "wss://\u{1f3e7}.example.com",
        long.as_str(),
        nsec,
        "wss://relay.example.com/?t=1",
    ] {
        let out = run(satop(data.path()).args([
            "connect",
            &conn,
            "--key",
            "operator",
            "--atm-relay",
            relay,
        ]));
        let (code, err) = one_line_failure(&out);
        assert_eq!(code, Some(2), "{relay}: {err}");
        assert!(
            !err.contains("pw@") && !err.contains("nsec1") && err.len() < 600,
            "{err}"
        );
    }
}

// ---- 10, 11: output and argument errors ------------------------------------------------------

#[test]
fn a_closed_stdout_pipe_ends_the_listing_quietly() {
    let data = fleet_with_a_machine();
    for args in [
        &["machine", "list"][..],
        &["audit"],
        &["audit", "--export", "-"],
        &["machine", "list", "--json"],
        &["--help"],
    ] {
        let mut child = satop(data.path())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader is gone before satop prints (`| head -0`)
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let err = text(&out.stderr);
        assert!(
            !err.contains("satop:") && !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?}: quiet: {err}"
        );
    }
}

#[test]
fn argument_errors_are_one_line_with_where_to_look() {
    let data = tempfile::tempdir().unwrap();
    for (args, help) in [
        (&["--x"][..], "(see satop --help)"),
        (
            &["machine", "list", "--x"],
            "(see satop machine list --help)",
        ),
        (&["pair"], "(see satop pair --help)"),
        (&["frobnicate"], "(see satop --help)"),
    ] {
        let out = run(satop(data.path()).args(args));
        let (code, err) = one_line_failure(&out);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.trim_end().ends_with(help), "{args:?}: {err}");
        assert!(!err.contains("Usage:"), "{err}");
    }
    let nsec = "nsec1qqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0jqgm8yyk";
    let out = run(satop(data.path()).args(["status", nsec]));
    let (code, err) = one_line_failure(&out);
    assert_eq!(code, Some(2));
    assert!(!err.contains("nsec1"), "{err}");
}

#[test]
fn connect_words_a_hex_key_before_at_for_connecting() {
    let data = tempfile::tempdir().unwrap();
    let conn = format!("bunker://{}@relay.example.com", "ab".repeat(32));
    let out = run(satop(data.path()).args([
        "connect",
        &conn,
        "--key",
        "operator",
        "--atm-relay",
        "wss://relay.example.com",
    ]));
    let (code, err) = one_line_failure(&out);
    assert_eq!(code, Some(2), "{err}");
    assert!(!err.contains("not a pairing URL"), "{err}");
    assert!(err.contains("bunker://npub1…@relay"), "{err}");
}

#[test]
fn warnings_carry_no_colour_codes_when_stderr_is_not_a_terminal() {
    let data = fleet_with_a_machine();
    let out = run(satop(data.path())
        .args(["machine", "list"])
        .env("RUST_LOG", "trace"));
    assert!(out.status.success());
    let err = text(&out.stderr);
    assert!(!err.is_empty(), "trace logging produced nothing to check");
    assert!(!err.contains('\u{1b}'), "ANSI in a pipe: {err:?}");
}

// ---- 4: concurrent revokes -----------------------------------------------------------------

#[test]
fn eight_parallel_revokes_of_different_machines_all_queue_their_revoke() {
    let data = paired_fleet(&[None; 8]);
    let children: Vec<Child> = (0..8)
        .map(|i| {
            satop(data.path())
                .args(["revoke", &format!("ATM {i}"), "--yes", "--json"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        let err = text(&out.stderr);
        assert!(!err.contains("locked"), "revoke {i}: {err}");
        assert!(out.status.success(), "revoke {i}: {err}");
    }
    let list: serde_json::Value =
        serde_json::from_slice(&run(satop(data.path()).args(["machine", "list", "--json"])).stdout)
            .unwrap();
    for m in list.as_array().unwrap() {
        assert_ne!(m["state"], "active", "{m}");
    }
    let outbox: serde_json::Value =
        serde_json::from_slice(&run(satop(data.path()).args(["outbox", "list", "--json"])).stdout)
            .unwrap();
    assert_eq!(
        outbox.as_array().unwrap().len(),
        8,
        "one queued revoke per machine: {outbox}"
    );
}

// ---- 3, 5 and the pair output: with a sandbox bunker -----------------------------------------

/// A running `satop sandbox`; killed on drop.
struct SandboxProcess {
    child: Child,
    connect_args: Vec<String>,
}

impl SandboxProcess {
    fn start(data: &Path) -> Self {
        let mut child = satop(data)
            .arg("sandbox")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let connect_line = loop {
            let line = lines.next().expect("satop sandbox exited early").unwrap();
            if let Some(rest) = line.trim().strip_prefix("satop connect ") {
                break rest.to_string();
            }
        };
        std::thread::spawn(move || lines.for_each(drop));
        let (quoted, tail) = connect_line.split_once("' ").unwrap();
        let mut connect_args = vec![quoted.trim_start_matches('\'').to_string()];
        connect_args.extend(tail.split_whitespace().map(String::from));
        Self {
            child,
            connect_args,
        }
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// init, sandbox, connect (ATM relay replaced when `atm_relay` is given), one machine "Twin".
fn connected(atm_relay: Option<&str>) -> (tempfile::TempDir, SandboxProcess) {
    let data = tempfile::tempdir().unwrap();
    assert!(run(satop(data.path()).arg("init")).status.success());
    let sandbox = SandboxProcess::start(data.path());
    let mut args = sandbox.connect_args.clone();
    if let (Some(relay), Some(i)) = (atm_relay, args.iter().position(|a| a == "--atm-relay")) {
        args[i + 1] = relay.to_string();
    }
    let out = run(satop(data.path()).arg("connect").args(&args));
    assert!(out.status.success(), "connect: {}", text(&out.stderr));
    assert!(run(satop(data.path()).args(["machine", "add", "Twin"]))
        .status
        .success());
    (data, sandbox)
}

fn audit(data: &Path) -> Vec<serde_json::Value> {
    let out = run(satop(data).args(["audit", "--json"]));
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn machine_state(data: &Path, name: &str) -> String {
    let out = run(satop(data).args(["machine", "list", "--json"]));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap()["state"]
        .as_str()
        .unwrap()
        .to_string()
}

#[cfg(unix)]
#[test]
fn a_second_process_pairing_the_same_machine_is_refused_and_nothing_extra_is_minted() {
    use std::os::unix::fs::PermissionsExt;
    let (data, _sandbox) = connected(None);
    let png = data.path().join("pair.png");
    let mut first = satop(data.path())
        .args(["pair", "Twin", "--wait", "--qr-png"])
        .arg(&png)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = first.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    // The QR file is announced as soon as it is written, while the pairing still waits.
    let announced = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the QR file must be announced while the pairing waits, not when it ends");
    assert!(announced.starts_with("QR written to"), "{announced}");
    let mode = std::fs::metadata(&png).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the QR holds the pairing secret");
    let mut err_lines = BufReader::new(first.stderr.take().unwrap()).lines();
    loop {
        let line = err_lines.next().expect("first pair exited early").unwrap();
        if line.contains("waiting for the ATM") {
            break;
        }
    }
    let second = run(satop(data.path()).args(["pair", "Twin"]));
    let (code, err) = one_line_failure(&second);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("being paired"), "{err}");

    let kill = Command::new("kill")
        .args(["-INT", &first.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    std::thread::spawn(move || err_lines.for_each(drop));
    let status = first.wait().unwrap();
    assert_eq!(status.code(), Some(1), "cancelled pairing");
    let started = audit(data.path())
        .iter()
        .filter(|e| e["action"] == "pair" && e["outcome"] == "started")
        .count();
    assert_eq!(started, 1, "one pairing, one token");
    assert_eq!(machine_state(data.path(), "Twin"), "unpaired");
}

#[test]
fn a_pairing_that_fails_after_the_mint_restores_the_machine_and_reports_the_burn() {
    // The ATM relay is dead, so the code cannot be burned; the QR cannot be written either.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (data, _sandbox) = connected(Some(&format!("ws://127.0.0.1:{port}")));
    let out =
        run(satop(data.path()).args(["pair", "Twin", "--qr-png", "/nonexistent-dir/pair.png"]));
    let (code, err) = failure_after_progress(&out);
    assert_ne!(code, Some(0), "{err}");
    assert!(err.contains("cannot write the QR"), "{err}");
    assert!(
        err.contains("could NOT be burned"),
        "a failed burn is reported: {err}"
    );
    assert_eq!(
        machine_state(data.path(), "Twin"),
        "unpaired",
        "the machine is put back"
    );
    let entries = audit(data.path());
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "pair" && e["outcome"] == "failed"),
        "the failure is audited: {entries:?}"
    );
}

#[test]
fn a_pairing_whose_qr_cannot_be_written_burns_its_code() {
    let (data, _sandbox) = connected(None);
    let out =
        run(satop(data.path()).args(["pair", "Twin", "--qr-png", "/nonexistent-dir/pair.png"]));
    let (code, err) = failure_after_progress(&out);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("the pairing code was burned"), "{err}");
    assert_eq!(machine_state(data.path(), "Twin"), "unpaired");
    let entries = audit(data.path());
    let failed = entries
        .iter()
        .find(|e| e["action"] == "pair" && e["outcome"] == "failed")
        .unwrap();
    assert!(
        failed["detail"]
            .as_str()
            .unwrap()
            .contains("pairing code burned"),
        "{failed}"
    );
}

#[test]
fn sync_with_the_bunker_down_exits_3_within_the_bound() {
    let (data, sandbox) = connected(None);
    drop(sandbox); // the bunker and its relay are gone
    let started = std::time::Instant::now();
    let out = run(satop(data.path()).arg("sync"));
    let (code, err) = one_line_failure(&out);
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("cannot be reached"), "{err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn migration_check_prints_a_date_a_person_reads() {
    let (data, _sandbox) = connected(None);
    let out = run(satop(data.path()).args(["migration", "check", "--no-test-signature"]));
    let stdout = text(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("migration checklist, run at"))
        .unwrap();
    assert!(!line.contains("unix"), "{line}");
    let when = line
        .trim_start_matches("migration checklist, run at ")
        .trim();
    assert!(
        when.len() >= 20 && when.contains('T') && when.ends_with('Z'),
        "ISO-8601 UTC: {line}"
    );
}

// ---- issue 14: bulk revoke, re-pair queue, dashboard ---------------------------------------

/// A data dir with paired machines (seeded in the cache, no bunker configured): three at
/// "Main St", one at "Harbour".
fn fleet_with_sites() -> tempfile::TempDir {
    paired_fleet(&[
        Some("Main St"),
        Some("Main St"),
        Some("Main St"),
        Some("Harbour"),
    ])
}

/// An initialised data dir whose cache holds one paired machine per entry of `sites` (named
/// `ATM <i>`, at that site; ATM key `<i + 1>` in hex, KeyUser `100 + i`), no bunker configured.
fn paired_fleet(sites: &[Option<&str>]) -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    assert!(run(satop(data.path()).arg("init")).status.success());
    let db = fleet_store::Db::open(db_file(data.path())).unwrap();
    let sites: Vec<Option<String>> = sites.iter().map(|s| s.map(str::to_string)).collect();
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(db.interact(move |c| {
            for (i, site) in sites.into_iter().enumerate() {
                let i = i64::try_from(i).unwrap();
                let m = fleet_store::machines::insert(
                    c,
                    &fleet_store::NewMachine {
                        site,
                        ..fleet_store::NewMachine::new(format!("ATM {i}"))
                    },
                )?;
                fleet_store::machines::set_pairing(
                    c,
                    m.id,
                    &fleet_store::Pairing {
                        bunker_connection_id: 100 + i,
                        atm_client_pubkey: format!("{:064x}", i + 1),
                        paired_at: 1,
                        bunker_token_expires_at: 4_000_000_000,
                    },
                )?;
            }
            Ok(())
        }))
        .unwrap();
    data
}

fn json(cmd: &mut Command) -> serde_json::Value {
    let out = run(cmd);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_bulk_revoke_with_the_wrong_confirmation_exits_2_and_changes_nothing() {
    let data = fleet_with_sites();
    for args in [
        vec!["revoke", "--site", "main st", "--confirm", "Main"],
        vec!["revoke", "--site", "main st", "--confirm", "3x"],
        vec!["revoke", "ATM 0", "ATM 1", "--confirm", "3"],
        vec!["revoke", "ATM 0", "ATM 1", "--yes"],
        vec!["revoke", "ATM 0", "Ghost", "--confirm", "2"],
    ] {
        let out = run(satop(data.path()).args(&args));
        let (code, err) = one_line_failure(&out);
        assert_eq!(code, Some(2), "{args:?}: {err}");
    }
    let out = run(satop(data.path()).args(["revoke", "--site", "main st", "--confirm", "x"]));
    assert!(
        text(&out.stderr).contains("\"Main St\""),
        "says what to type: {}",
        text(&out.stderr)
    );
    for i in 0..4 {
        assert_eq!(machine_state(data.path(), &format!("ATM {i}")), "active");
    }
    let outbox = json(satop(data.path()).args(["outbox", "list", "--json"]));
    assert!(outbox.as_array().unwrap().is_empty(), "{outbox}");
}

#[test]
fn revoking_a_site_offline_queues_each_machine_there_and_the_dashboard_shows_them_waiting() {
    let data = fleet_with_sites();
    let report = json(satop(data.path()).args([
        "revoke",
        "--site",
        "main st",
        "--confirm",
        "Main St",
        "--json",
    ]));
    assert_eq!(report["selected"], 3, "{report}");
    assert_eq!(
        report["pending"], 3,
        "offline: every revoke waits: {report}"
    );
    for i in 0..3 {
        assert_eq!(
            machine_state(data.path(), &format!("ATM {i}")),
            "revoke pending"
        );
    }
    assert_eq!(
        machine_state(data.path(), "ATM 3"),
        "active",
        "another site"
    );
    let outbox = json(satop(data.path()).args(["outbox", "list", "--json"]));
    assert_eq!(outbox.as_array().unwrap().len(), 3, "{outbox}");

    let board = json(satop(data.path()).args(["dashboard", "--json"]));
    assert_eq!(board["counts"]["revoke_pending"], 3, "{board}");
    assert_eq!(board["counts"]["active"], 1, "{board}");
    assert_eq!(board["outbox"]["pending"], 3, "{board}");
    let rows = board["attention"].as_array().unwrap();
    assert!(
        rows.iter()
            .filter(|r| r["concern"] == "revoke_pending")
            .all(|r| r["action"] == "sync"),
        "{board}"
    );
    let out = run(satop(data.path()).arg("dashboard"));
    assert!(out.status.success());
    let shown = text(&out.stdout);
    assert!(shown.contains("revoke pending 3"), "{shown}");
    assert!(
        shown.contains("`satop sync` when the bunker is reachable"),
        "{shown}"
    );
}

#[test]
fn a_bulk_revoke_asks_for_the_count_on_stdin_when_no_confirm_is_given() {
    let data = fleet_with_sites();
    let mut child = satop(data.path())
        .args(["revoke", "ATM 0", "atm 3"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"2\n").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("the number of machines (2)"),
        "the prompt says what to type: {}",
        text(&out.stderr)
    );
    assert_eq!(machine_state(data.path(), "ATM 0"), "revoke pending");
    assert_eq!(machine_state(data.path(), "ATM 3"), "revoke pending");
    assert_eq!(machine_state(data.path(), "ATM 1"), "active");
}

#[test]
fn the_repair_queue_takes_a_site_lists_the_action_and_lets_machines_off() {
    let data = fleet_with_sites();
    let add = run(satop(data.path()).args(["machine", "repair-queue", "add", "--site", "Harbour"]));
    assert!(add.status.success(), "{}", text(&add.stderr));
    let add = run(satop(data.path()).args(["machine", "repair-queue", "add", "ATM 0", "ATM 3"]));
    assert!(
        text(&add.stdout).contains("\"ATM 3\": already queued"),
        "{}",
        text(&add.stdout)
    );
    let list = json(satop(data.path()).args(["machine", "repair-queue", "list", "--json"]));
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["machine"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{list}");
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|q| q["action"] == "renew"),
        "{list}"
    );
    let board = json(satop(data.path()).args(["dashboard", "--json"]));
    assert_eq!(board["counts"]["repair_queued"], 2, "{board}");
    let machines = json(satop(data.path()).args(["machine", "list", "--json"]));
    let flagged: Vec<&str> = machines
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["repair_queued"] == true)
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(flagged, ["ATM 0", "ATM 3"], "{machines}");
    assert!(
        run(satop(data.path()).args(["machine", "repair-queue", "remove", "ATM 3"]))
            .status
            .success()
    );
    let list = json(satop(data.path()).args(["machine", "repair-queue", "list", "--json"]));
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let sites = json(satop(data.path()).args(["machine", "sites", "--json"]));
    assert_eq!(sites.as_array().unwrap().len(), 2, "{sites}");
}

#[test]
fn rename_and_site_keep_the_machine_id_and_restore_before_connect_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert!(run(satop(data).arg("init")).status.success());
    assert!(
        run(satop(data).args(["machine", "add", "Lobby", "--site", "Main St"]))
            .status
            .success()
    );
    let list = |data: &Path| -> serde_json::Value {
        let out = run(satop(data).args(["machine", "list", "--json"]));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let before = list(data);
    let uid = before[0]["uid"].as_str().unwrap().to_owned();
    assert_eq!(uid.len(), 10);
    assert_eq!(before[0]["client_name"], format!("satmachine-{uid}"));

    let out = run(satop(data).args(["machine", "rename", "lobby", "North door"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&uid), "{}", text(&out.stdout));
    let out = run(satop(data).args(["machine", "site", "North door"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let after = list(data);
    assert_eq!(after[0]["name"], "North door");
    assert_eq!(after[0]["site"], serde_json::Value::Null, "site cleared");
    assert_eq!(after[0]["uid"], uid.as_str(), "the id stays");

    let taken = run(satop(data).args(["machine", "add", "Spare"]));
    assert!(taken.status.success());
    let (code, err) = one_line_failure(&run(satop(data).args([
        "machine",
        "rename",
        "Spare",
        "NORTH DOOR",
    ])));
    assert_eq!(code, Some(2), "{err}");

    let (code, err) = one_line_failure(&run(satop(data).args(["fleet", "restore"])));
    assert_ne!(code, Some(0));
    assert!(err.contains("satop connect"), "{err}");
}
