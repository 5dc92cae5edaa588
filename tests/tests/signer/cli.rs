//! `satop init --signer …`, `satop whoami`, and switching a console from its local key to a
//! phone, as an operator runs them (the satop binary: `cargo build --locked -p satop` first).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use fleet_core::secrets::CONSOLE;
use nostr::nips::nip19::ToBech32;

use crate::support::{Console, Phone, PASSPHRASE};

fn satop(data: &Path) -> Command {
    let exe = std::env::current_exe().unwrap();
    let bin: PathBuf = exe.parent().and_then(Path::parent).unwrap().join("satop");
    assert!(
        bin.exists(),
        "satop is not built: run `cargo build --locked -p satop` first"
    );
    let mut cmd = Command::new(bin);
    cmd.arg("--data-dir")
        .arg(data)
        .arg("--secret-store")
        .arg(format!("file:{}", data.join("keys.json").display()))
        .env("SATOP_PASSPHRASE", PASSPHRASE)
        .env_remove("SATOP_DATA_DIR")
        .env_remove("SATOP_SECRET_STORE")
        .env_remove("RUST_LOG");
    cmd
}

/// Runs `cmd` off the runtime (the phone and the sandbox keep serving meanwhile), with `stdin`.
async fn run(mut cmd: Command, stdin: &str) -> Output {
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn connect_args(console: &Console) -> Vec<String> {
    vec![
        "connect".into(),
        console.sandbox.bunker.admin_connection_string(),
        "--key".into(),
        "operator".into(),
        "--atm-relay".into(),
        console.relay().to_string(),
        "--timeout".into(),
        "5".into(),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn satop_init_with_a_pasted_bunker_url_then_whoami_and_connect() {
    let mut phone = Phone::new();
    let console = Console::start(phone.user.public_key()).await;
    phone.relay = console.relay();
    phone.start().await;
    let data = console.data.path();
    let npub = phone.user.public_key().to_bech32().unwrap();

    let mut init = satop(data);
    init.args(["init", "--signer", "-", "--approval-timeout", "10"]);
    let out = run(init, &format!("{}\n", phone.bunker_url())).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.lines().any(|l| l == npub),
        "prints the signer's npub: {stdout}"
    );
    assert!(
        stderr.contains("Approve on your signer: share its public key"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("\"npubs\": [\"{npub}\"]")),
        "{stderr}"
    );
    assert!(
        !format!("{stdout}{stderr}").contains(&phone.secret),
        "the secret is never echoed"
    );

    let mut whoami = satop(data);
    whoami.arg("whoami");
    let out = run(whoami, "").await;
    assert_eq!(text(&out.stdout).trim(), npub);
    assert!(text(&out.stderr).contains("remote signer"));

    let mut connect = satop(data);
    connect.args(connect_args(&console));
    let out = run(connect, "").await;
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("Approve on your signer: sign the `ping` request"),
        "each signer call is announced: {}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn satop_init_shows_a_nostrconnect_code_and_waits_for_the_phone() {
    let mut phone = Phone::new();
    let console = Console::start(phone.user.public_key()).await;
    phone.relay = console.relay();
    let data = console.data.path().to_path_buf();
    let relay = console.relay().to_string();
    let mut child = satop(&data)
        .args([
            "init",
            "--signer",
            "nostrconnect",
            "--relay",
            &relay,
            "--wait",
            "30",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut text).unwrap();
        text
    });
    let stdout = child.stdout.take().unwrap();
    let (url, rest) = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let url = lines
            .by_ref()
            .map(Result::unwrap)
            .find(|l| l.starts_with("nostrconnect://"))
            .expect("satop prints the nostrconnect URL");
        let rest = std::thread::spawn(move || lines.map(Result::unwrap).collect::<Vec<_>>());
        (url, rest)
    })
    .await
    .unwrap();
    phone.scan(&url);
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    let printed = rest.join().unwrap().join("\n");
    let errors = errors.join().unwrap();
    assert!(status.success(), "{errors}");
    assert!(
        errors.contains("Waiting up to 30 s for your signer"),
        "{errors}"
    );
    assert!(
        printed.contains('\u{2588}') || printed.contains('\u{2580}'),
        "a terminal QR is printed"
    );
    assert!(printed.contains(&phone.user.public_key().to_bech32().unwrap()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_a_console_to_a_phone_probes_the_bunker_then_deletes_the_local_key() {
    let mut phone = Phone::new();
    // The console's key first: the bunker knows it (and, added by the operator, the phone's).
    let local = nostr::Keys::generate();
    let console = Console::start_with(
        vec![local.public_key(), phone.user.public_key()],
        acceptance::flavour(),
    )
    .await;
    console
        .fleet
        .secrets()
        .set(CONSOLE, local.secret_key())
        .await
        .unwrap();
    phone.relay = console.relay();
    phone.start().await;
    let data = console.data.path();

    let mut connect = satop(data);
    connect.args(connect_args(&console));
    let out = run(connect, "").await;
    assert!(
        out.status.success(),
        "connect with the local key: {}",
        text(&out.stderr)
    );

    let mut switch = satop(data);
    switch.args([
        "init",
        "--signer",
        "-",
        "--probe-wait",
        "30",
        "--delete-local-key",
    ]);
    let out = run(switch, &format!("{}\n", phone.bunker_url())).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stderr.contains(&local.public_key().to_bech32().unwrap()),
        "names the old key: {stderr}"
    );
    assert!(
        stdout.contains("The bunker accepts the signer's key."),
        "{stdout}"
    );
    assert!(stdout.contains("Deleted the local console key"), "{stdout}");
    assert!(
        console
            .fleet
            .secrets()
            .get(CONSOLE)
            .await
            .unwrap()
            .is_none(),
        "the local admin key is gone"
    );
    let mut whoami = satop(data);
    whoami.arg("whoami");
    let out = run(whoami, "").await;
    assert_eq!(
        text(&out.stdout).trim(),
        phone.user.public_key().to_bech32().unwrap()
    );
}
