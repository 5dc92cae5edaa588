//! The `satmachine-atm` binary: output, exit codes, and that the secret never shows.

use std::path::Path;
use std::process::Output;

use nostr::{Event, JsonUtil};
use tokio::process::Command;

use crate::support::{qr_png, secret_of, World};

/// Runs the binary with `args`; `seed` goes into SATMACHINE_SEED_URL when given.
async fn atm(dir: &Path, seed: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_satmachine-atm"));
    cmd.arg("--state-dir")
        .arg(dir)
        .args(["--timeout", "10"])
        .args(args);
    cmd.env_remove("SATMACHINE_SEED_URL");
    if let Some(seed) = seed {
        cmd.env("SATMACHINE_SEED_URL", seed);
    }
    cmd.output().await.unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_exit(out: &Output, code: i32, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: stdout {:?} stderr {:?}",
        stdout(out),
        stderr(out)
    );
}

#[tokio::test]
async fn cli_pairs_from_env_signs_and_reports_status() {
    let world = World::start().await;
    let url = world.mint("satmachine-1").await;
    let secret = secret_of(&url);
    let dir = world.state_dir("atm");

    let paired = atm(&dir, Some(&url), &["pair"]).await;
    assert_exit(&paired, 0, "pair");
    let text = stdout(&paired);
    assert!(text.starts_with("paired\n"), "{text}");
    assert!(
        text.contains("fingerprint: ") && text.contains("client: npub1"),
        "{text}"
    );

    let signed = atm(
        &dir,
        None,
        &[
            "sign",
            "--kind",
            "21000",
            "--content",
            "cash out",
            "--tags",
            r#"[["t","atm"]]"#,
        ],
    )
    .await;
    assert_exit(&signed, 0, "sign");
    let line = stdout(&signed);
    assert_eq!(line.lines().count(), 1, "one JSON line: {line}");
    let event = Event::from_json(line.trim()).unwrap();
    event.verify().unwrap();
    assert_eq!(event.pubkey, world.operator());

    let status = atm(&dir, None, &["status", "--json", "--check"]).await;
    assert_exit(&status, 0, "status");
    let json: serde_json::Value = serde_json::from_str(stdout(&status).trim()).unwrap();
    assert_eq!(json["status"]["paired"], true);
    assert_eq!(json["status"]["operator_pubkey"], world.operator().to_hex());
    assert_eq!(json["check"]["operator_key_matches"], true);
    let text_status = atm(&dir, None, &["status", "--check"]).await;
    assert!(stdout(&text_status).contains("not an authorisation check"));

    for out in [&paired, &signed, &status, &text_status] {
        assert!(
            !stdout(out).contains(&secret) && !stderr(out).contains(&secret),
            "the secret never appears in output"
        );
    }
    world.stop().await;
}

#[tokio::test]
async fn cli_pairs_from_a_qr_image() {
    let world = World::start().await;
    let url = world.mint("satmachine-1").await;
    let png = world.dir.path().join("qr.png");
    qr_png(&url, &png);
    let dir = world.state_dir("atm");

    let out = atm(&dir, None, &["pair", "--qr-image", png.to_str().unwrap()]).await;

    assert_exit(&out, 0, "pair --qr-image");
    assert!(!stdout(&out).contains(&secret_of(&url)));
    world.stop().await;
}

#[tokio::test]
async fn cli_exit_codes_are_2_for_bad_input_and_3_for_bunker_refusals() {
    let world = World::start().await;
    let url = world.mint("satmachine-1").await;
    let dir = world.state_dir("atm");
    let nsec = {
        use nostr::ToBech32;
        nostr::Keys::generate().secret_key().to_bech32().unwrap()
    };

    let cases: Vec<(Option<String>, Vec<&str>, i32, &str)> = vec![
        (Some(nsec), vec!["pair"], 2, "operator's private key"),
        (None, vec!["pair"], 2, "no pairing URL"),
        (
            None,
            vec!["sign", "--kind", "21000", "--content", "x"],
            2,
            "run `pair` first",
        ),
        (
            Some(url.replace(&secret_of(&url), &"cd".repeat(32))),
            vec!["pair"],
            3,
            "does not know this pairing secret",
        ),
    ];
    for (seed, args, code, words) in cases {
        let out = atm(&dir, seed.as_deref(), &args).await;
        assert_exit(&out, code, &format!("{args:?}"));
        let err = stderr(&out);
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "one line on stderr: {err}"
        );
        assert!(err.contains(words), "{args:?}: {err}");
    }

    assert_exit(&atm(&dir, Some(&url), &["pair"]).await, 0, "pair");
    let again = atm(&dir, Some(&url), &["pair"]).await;
    assert_exit(&again, 2, "pair without --replace");
    let kind1 = atm(&dir, None, &["sign", "--kind", "1", "--content", "x"]).await;
    assert_exit(&kind1, 3, "sign kind 1");
    assert!(stderr(&kind1).contains("refused"), "{}", stderr(&kind1));
    let bad_tags = atm(
        &dir,
        None,
        &["sign", "--kind", "21000", "--content", "x", "--tags", "{"],
    )
    .await;
    assert_exit(&bad_tags, 2, "bad tags");
    world.stop().await;
}

#[tokio::test]
async fn cli_status_of_an_empty_dir_says_not_paired() {
    let dir = tempfile::tempdir().unwrap();
    let out = atm(&dir.path().join("none"), None, &["status"]).await;
    assert_exit(&out, 0, "status");
    assert!(stdout(&out).contains("paired: no"), "{}", stdout(&out));
}

#[tokio::test]
async fn state_dir_is_accepted_after_the_subcommand_too() {
    let world = World::start().await;
    let url = world.mint("satmachine-1").await;
    let dir = world.state_dir("atm");

    let out = Command::new(env!("CARGO_BIN_EXE_satmachine-atm"))
        .args(["pair", "--seed-url", &url, "--state-dir"])
        .arg(&dir)
        .output()
        .await
        .unwrap();

    assert_exit(&out, 0, "pair --seed-url URL --state-dir DIR");
    let missing = Command::new(env!("CARGO_BIN_EXE_satmachine-atm"))
        .args(["status"])
        .output()
        .await
        .unwrap();
    assert_exit(&missing, 2, "no --state-dir");
    assert!(
        stderr(&missing).contains("--state-dir"),
        "{}",
        stderr(&missing)
    );
    world.stop().await;
}

#[tokio::test]
async fn malformed_secret_is_bad_input_and_nothing_is_sent() {
    // A relay nobody listens on: had anything been sent, the answer would be exit 3.
    let dead_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let key = nostr::Keys::generate().public_key().to_hex();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("atm");
    for secret in [
        "zz".repeat(32),
        "ab".repeat(31),
        "ab".repeat(33),
        "not-a-secret".into(),
    ] {
        let url =
            format!("bunker://{key}?relay=ws%3A%2F%2F127.0.0.1%3A{dead_port}&secret={secret}");
        let started = std::time::Instant::now();
        let out = atm(&dir, Some(&url), &["pair"]).await;
        assert_exit(&out, 2, &format!("secret {secret}"));
        assert!(stderr(&out).contains("64 hex"), "{}", stderr(&out));
        assert!(!stderr(&out).contains(&secret), "the secret is not echoed");
        assert!(started.elapsed() < std::time::Duration::from_secs(3));
        assert!(!dir.exists(), "nothing is written");
    }
}
