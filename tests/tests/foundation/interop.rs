//! Interop with clients nobody on this team wrote: nostr-tools (npm, pinned in tests/interop)
//! parses our pairing URLs and its `BunkerSigner` redeems a sandbox token and signs kind 21000;
//! rust-nostr's `NostrConnectURI::parse` accepts the same URLs.

use std::process::Command;

use nostr::{Event, JsonUtil, Kind};
use sandbox::EncryptionMode;

use crate::support::{interop_dir, mint, Bunker};

fn node(script: &str, args: &[&str]) -> std::process::Output {
    let dir = interop_dir();
    Command::new("node")
        .arg(dir.join(script))
        .args(args)
        .current_dir(&dir)
        .output()
        .expect("node is installed")
}

#[tokio::test]
async fn nostr_tools_and_rust_nostr_parse_our_pairing_url() {
    let bunker = Bunker::start(EncryptionMode::Nip04Only).await;
    let (token, uri) = mint(
        &bunker.admin().await,
        "satmachine-1",
        vec![bunker.sandbox.relay.url()],
    )
    .await;
    let url = uri.to_url_string();

    let out = tokio::task::spawn_blocking(move || node("parse-url.mjs", &[&url]))
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "nostr-tools parseBunkerInput rejected our URL: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(parsed["pubkey"], bunker.operator().to_hex());
    assert_eq!(
        parsed["relays"][0],
        bunker.sandbox.relay.url().as_str().trim_end_matches('/')
    );
    assert_eq!(parsed["secret"], token.secret_hex().expose().as_str());

    let rn = nostr::nips::nip46::NostrConnectURI::parse(uri.to_url_string()).unwrap();
    assert_eq!(rn.remote_signer_public_key(), Some(&bunker.operator()));
    assert_eq!(rn.secret(), Some(token.secret_hex().expose().as_str()));
}

#[tokio::test]
async fn nostr_tools_bunker_signer_redeems_a_sandbox_token_and_signs_kind_21000() {
    // nostr-tools 2.x speaks NIP-44 only: against a stock (nip04_only) bunker it would kill it
    // (protocol §0.3 item 2), so this runs in the sandbox's `auto` mode.
    let bunker = Bunker::start(EncryptionMode::Auto).await;
    let (_, uri) = mint(
        &bunker.admin().await,
        "satmachine-nt",
        vec![bunker.sandbox.relay.url()],
    )
    .await;
    let url = uri.to_url_string();
    let out =
        tokio::task::spawn_blocking(move || node("redeem-and-sign.mjs", &[&url, "interop 21000"]))
            .await
            .unwrap();
    assert!(
        out.status.success(),
        "nostr-tools BunkerSigner failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8_lossy(&out.stdout);
    let event = Event::from_json(line.trim()).unwrap();
    event.verify().unwrap();
    assert_eq!(event.pubkey, bunker.operator());
    assert_eq!(event.kind, Kind::Custom(21000));
    assert_eq!(event.content, "interop 21000");
    assert!(!bunker.sandbox.bunker.is_dead());
}
