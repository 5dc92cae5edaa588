//! `pair`: redemption, what is stored, refusals.

use atm_client::{
    fingerprint, pair, pair_from_qr, status, AtmState, Error, ErrorKind, PairOptions,
};
use bunker_client::Redemption;

use crate::support::{all_files, file_names, opts, pair_opts, qr_png, secret_of, World};

#[tokio::test]
async fn paired_atm_is_registered_with_the_bunker_under_its_fresh_key() {
    let world = World::start().await;
    let url = world.mint("satmachine-1").await;
    let dir = world.state_dir("atm");

    let paired = pair(&dir, &url, &pair_opts()).await.unwrap();

    assert_eq!(paired.redemption, Redemption::Redeemed);
    assert_eq!(paired.pairing.operator_pubkey, world.operator().to_hex());
    let state = AtmState::load(&dir).unwrap();
    assert_eq!(
        paired.pairing.fingerprint,
        fingerprint(&state.client_public_key())
    );
    assert!(
        state.bunker_uri().secret.is_none(),
        "the stored URL has no secret"
    );
    let users = world.key_users().await;
    assert_eq!(
        users,
        vec![(state.client_public_key().to_hex(), false)],
        "the bunker knows exactly this ATM's client key"
    );
    assert_eq!(
        file_names(&dir),
        ["client.key", "pairing.json"],
        "no pending or previous files are left after a pairing"
    );
    world.stop().await;
}

#[tokio::test]
async fn state_dir_never_holds_the_pairing_secret() {
    let world = World::start().await;
    let url = world.mint("satmachine-1").await;
    let secret = secret_of(&url);
    let dir = world.state_dir("atm");
    pair(&dir, &url, &pair_opts()).await.unwrap();
    atm_client::sign(&dir, 21000, "withdrawal", vec![], opts())
        .await
        .unwrap();

    for (path, bytes) in all_files(&dir) {
        let text = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
        assert!(
            !text.contains(&secret),
            "{} contains the pairing secret",
            path.display()
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode(&dir.join("client.key")),
            0o600,
            "client.key is owner-only"
        );
        assert_eq!(mode(&dir), 0o700, "the state dir is owner-only");
    }
    world.stop().await;
}

#[tokio::test]
async fn second_atm_with_the_same_url_is_refused_as_already_redeemed() {
    let world = World::start().await;
    let url = world.mint("satmachine-1").await;
    pair(&world.state_dir("first"), &url, &pair_opts())
        .await
        .unwrap();

    let second = world.state_dir("second");
    let err = pair(&second, &url, &pair_opts()).await.unwrap_err();

    assert!(matches!(err, Error::SeedUsedElsewhere), "got {err:?}");
    assert_eq!(err.kind(), ErrorKind::SeedRefused);
    assert!(err.to_string().contains("Token already redeemed"), "{err}");
    assert!(
        file_names(&second).is_empty(),
        "the refused ATM's key is discarded, never reused: {:?}",
        file_names(&second)
    );
    assert!(!status(&second).unwrap().paired);
    world.stop().await;
}

#[tokio::test]
async fn unknown_secret_is_refused_and_its_key_discarded() {
    let world = World::start().await;
    let url = world.mint("satmachine-1").await;
    let forged = url.replace(&secret_of(&url), &"ab".repeat(32));
    let dir = world.state_dir("atm");

    let err = pair(&dir, &forged, &pair_opts()).await.unwrap_err();

    assert!(
        matches!(
            err,
            Error::SeedRefused(bunker_client::Refusal::TokenNotFound)
        ),
        "got {err:?}"
    );
    assert!(file_names(&dir).is_empty(), "{:?}", file_names(&dir));
    world.stop().await;
}

#[tokio::test]
async fn existing_pairing_is_kept_unless_replace_and_replace_makes_a_new_key() {
    let world = World::start().await;
    let dir = world.state_dir("atm");
    pair(&dir, &world.mint("satmachine-1").await, &pair_opts())
        .await
        .unwrap();
    let old = AtmState::load(&dir).unwrap().client_public_key();

    let url = world.mint("satmachine-1").await;
    let err = pair(&dir, &url, &pair_opts()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyPaired, "{err}");
    assert!(err.to_string().contains("--replace"), "{err}");
    assert_eq!(AtmState::load(&dir).unwrap().client_public_key(), old);

    let replace = PairOptions {
        replace: true,
        ..pair_opts()
    };
    pair(&dir, &url, &replace).await.unwrap();
    let new = AtmState::load(&dir).unwrap().client_public_key();
    assert_ne!(
        new, old,
        "a re-pairing never reuses the old client key (§3.2)"
    );
    assert_eq!(file_names(&dir), ["client.key", "pairing.json"]);
    atm_client::sign(&dir, 21000, "after re-pair", vec![], opts())
        .await
        .unwrap();
    world.stop().await;
}

#[tokio::test]
async fn seeds_an_atm_must_not_take_are_refused_before_any_file_is_written() {
    let world = World::start().await;
    let url = world.mint("satmachine-1").await;
    let operator_nsec = {
        use nostr::ToBech32;
        nostr::Keys::generate().secret_key().to_bech32().unwrap()
    };
    let legacy = {
        use nostr::ToBech32;
        format!(
            "bunker://{}@relay.example.com",
            world.operator().to_bech32().unwrap()
        )
    };
    let no_relay = url.split_once('?').unwrap().0.to_owned() + "?secret=" + &secret_of(&url);
    let cases = [
        (operator_nsec.clone(), "operator's private key"),
        (
            format!("{url}&relay=wss%3A%2F%2F{operator_nsec}"),
            "operator's private key",
        ),
        (legacy, "legacy npub@relay"),
        (no_relay, "relay"),
        (
            url.split_once("&secret=").unwrap().0.to_owned(),
            "no pairing secret",
        ),
    ];
    for (seed, words) in cases {
        let dir = world.state_dir("atm");
        let err = pair(&dir, &seed, &pair_opts()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{seed}: {err}");
        assert!(err.to_string().contains(words), "{seed}: {err}");
        assert!(!dir.exists(), "nothing is written for a refused seed");
    }
    world.stop().await;
}

#[tokio::test]
async fn pairing_from_a_qr_png_works_like_the_url() {
    let world = World::start().await;
    let url = world.mint("satmachine-1").await;
    let png = world.dir.path().join("pairing.png");
    qr_png(&url, &png);
    let dir = world.state_dir("atm");

    let paired = pair_from_qr(&dir, &png, &pair_opts()).await.unwrap();

    assert_eq!(paired.pairing.operator_pubkey, world.operator().to_hex());
    let missing = pair_from_qr(
        &world.state_dir("other"),
        &dir.join("nope.png"),
        &pair_opts(),
    )
    .await
    .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::InvalidInput);
    world.stop().await;
}

#[tokio::test]
async fn pairing_interrupted_after_redemption_resumes_with_the_same_key() {
    let world = World::start().await;
    let url = world.mint("satmachine-1").await;
    let dir = world.state_dir("atm");
    // The state a crash leaves behind: the pending key was written, `connect` reached the
    // bunker and redeemed the secret, the ack never got back (§4.2 item 5).
    let keys = nostr::Keys::generate();
    let uri = bunker_client::BunkerUri::parse(&url).unwrap();
    let bare = uri.without_secret();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("pending.key"), keys.secret_key().to_secret_hex()).unwrap();
    let pending = serde_json::json!({
        "bunker_url": bare.to_url_string(),
        "client_pubkey": keys.public_key().to_hex(),
        "started_at": 0,
    });
    std::fs::write(dir.join("pending.json"), pending.to_string()).unwrap();
    assert!(status(&dir).unwrap().pairing_in_progress);
    let early = bunker_client::SignerClient::new(keys.clone(), &bare, opts())
        .await
        .unwrap();
    early.connect(uri.secret.as_ref()).await.unwrap();
    early.shutdown().await;

    let paired = pair(&dir, &url, &pair_opts()).await.unwrap();

    assert_eq!(paired.redemption, Redemption::AlreadyRedeemed);
    assert_eq!(paired.pairing.client_pubkey, keys.public_key().to_hex());
    assert_eq!(world.key_users().await.len(), 1);
    assert_eq!(file_names(&dir), ["client.key", "pairing.json"]);
    atm_client::sign(&dir, 21000, "resumed", vec![], opts())
        .await
        .unwrap();
    world.stop().await;
}

#[tokio::test]
async fn unreachable_relay_keeps_the_pending_key_for_a_retry() {
    let dead_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!(
        "bunker://{}?relay=ws%3A%2F%2F127.0.0.1%3A{dead_port}&secret={}",
        nostr::Keys::generate().public_key().to_hex(),
        "ef".repeat(32)
    );
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("atm");
    let quick = PairOptions {
        replace: false,
        client: bunker_client::ClientOptions {
            timeout: std::time::Duration::from_secs(2),
            connect_timeout: std::time::Duration::from_secs(1),
            ..opts()
        },
    };

    let err = pair(&dir, &url, &quick).await.unwrap_err();

    assert!(err.is_transient(), "got {err:?}");
    assert_eq!(file_names(&dir), ["pending.json", "pending.key"]);
    let st = status(&dir).unwrap();
    assert!(!st.paired && st.pairing_in_progress);
}

#[tokio::test]
async fn code_redeemed_by_another_machine_is_refused_at_once_not_after_the_approval_wait() {
    // nsecbunkerd waits for an admin (10 s) on a secret-less `connect` from a key it does not
    // know; a fresh key that gets "Token already redeemed" must not send one.
    let world = World::start_with_approval(std::time::Duration::from_secs(8)).await;
    let url = world.mint("satmachine-1").await;
    pair(&world.state_dir("first"), &url, &pair_opts())
        .await
        .unwrap();

    let started = std::time::Instant::now();
    let err = pair(&world.state_dir("second"), &url, &pair_opts())
        .await
        .unwrap_err();

    assert!(matches!(err, Error::SeedUsedElsewhere), "got {err:?}");
    assert!(err.to_string().contains("another machine"), "{err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "told after {:?}",
        started.elapsed()
    );
    world.stop().await;
}

#[tokio::test]
async fn interrupted_pairing_with_a_recorded_digest_still_resumes_after_a_lost_ack() {
    let world = World::start_with_approval(std::time::Duration::from_secs(8)).await;
    let url = world.mint("satmachine-1").await;
    let dir = world.state_dir("atm");
    // A first attempt whose relay was unreachable leaves pending.key + pending.json (with the
    // digest of this secret); then, as if that attempt's `connect` had reached the bunker and
    // only the ack was lost, the pending key redeems the secret.
    let dead_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let live_relay = format!("ws%3A%2F%2F127.0.0.1%3A{}", world.sandbox.relay.port());
    let dead_url = url.replace(&live_relay, &format!("ws%3A%2F%2F127.0.0.1%3A{dead_port}"));
    assert_ne!(dead_url, url);
    let quick = PairOptions {
        replace: false,
        client: bunker_client::ClientOptions {
            timeout: std::time::Duration::from_secs(2),
            connect_timeout: std::time::Duration::from_secs(1),
            ..opts()
        },
    };
    assert!(pair(&dir, &dead_url, &quick)
        .await
        .unwrap_err()
        .is_transient());
    let pending = std::fs::read_to_string(dir.join("pending.json")).unwrap();
    assert!(pending.contains("secret_digest"), "{pending}");
    assert!(!pending.contains(&secret_of(&url)), "only a digest is kept");
    let key = std::fs::read_to_string(dir.join("pending.key")).unwrap();
    let keys = nostr::Keys::parse(key.trim()).unwrap();
    // Same bunker, same secret, the live relay: rewrite the stored URL to it.
    let bare = bunker_client::BunkerUri::parse(&url)
        .unwrap()
        .without_secret();
    let rewritten = pending.replace(
        &bunker_client::BunkerUri::parse(&dead_url)
            .unwrap()
            .without_secret()
            .to_url_string(),
        &bare.to_url_string(),
    );
    std::fs::write(dir.join("pending.json"), rewritten).unwrap();
    let early = bunker_client::SignerClient::new(keys.clone(), &bare, opts())
        .await
        .unwrap();
    early
        .connect(
            bunker_client::BunkerUri::parse(&url)
                .unwrap()
                .secret
                .as_ref(),
        )
        .await
        .unwrap();
    early.shutdown().await;

    let paired = pair(&dir, &url, &pair_opts()).await.unwrap();

    assert_eq!(paired.redemption, Redemption::AlreadyRedeemed);
    assert_eq!(paired.pairing.client_pubkey, keys.public_key().to_hex());
    world.stop().await;
}
