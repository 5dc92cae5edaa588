//! `connect` detects the line and stores it; admin sessions and status use the stored line.

use bunker_client::BunkerLine;
use fleet_core::connect::{line_description, stored_line};
use fleet_core::ErrorKind;
use fleet_store::{profile, Encryption};
use sandbox::{Flavour, Sandbox, SandboxRelay};

use crate::support::{connected, Connected};

#[tokio::test]
async fn connect_stores_the_0_11_line_and_every_admin_session_speaks_it() {
    let c = connected(|cfg| cfg.flavour = Flavour::V0_11).await;
    assert_eq!(c.caps.line, "0.11");
    assert_eq!(
        c.caps.line_description,
        "nsecbunkerd 0.11 · admin kind 24133 · NIP-44"
    );
    let stored = c.fleet.profile().await.unwrap().unwrap();
    assert_eq!(stored.admin_reply_kind, Some(24133));
    assert_eq!(stored.ping_reply.as_deref(), Some("pong"));
    assert_eq!(stored.encryption, Encryption::Nip44);
    assert_eq!(stored_line(&stored), Some(BunkerLine::V0_11));

    let (admin, _) = c.fleet.admin_session().await.unwrap();
    assert_eq!(admin.line(), Some(BunkerLine::V0_11));
    assert!(!admin.get_keys().await.unwrap().is_empty());
    assert_eq!(
        c.fleet.status().await.unwrap().bunker.unwrap().line,
        "nsecbunkerd 0.11 · admin kind 24133 · NIP-44"
    );
}

#[tokio::test]
async fn a_0_11_bunker_deaf_after_a_relay_restart_is_reported_with_restart_the_bunker() {
    let Connected {
        fleet,
        sandbox,
        _dir,
        ..
    } = connected(|cfg| cfg.flavour = Flavour::V0_11).await;
    let Sandbox { relay, bunker } = sandbox;
    let port = relay.port();
    relay.stop().await;
    let _relay = SandboxRelay::start(Some(port)).await.unwrap();

    let (admin, _) = fleet.admin_session().await.unwrap();
    let err = fleet_core::Error::from(admin.ping().await.unwrap_err());
    assert_eq!(err.kind(), ErrorKind::Unreachable, "{err}");
    let text = err.to_string();
    assert!(text.contains("bunker unreachable"), "{text}");
    assert!(
        text.contains(
            "nsecbunkerd 0.11 does not reconnect after a relay restart: restart the bunker"
        ),
        "{text}"
    );
    drop(bunker);
}

#[tokio::test]
async fn connect_stores_the_0_10_line_and_every_admin_session_speaks_it() {
    let c = connected(|_| {}).await;
    assert_eq!(c.caps.line, "0.10");
    assert_eq!(
        c.caps.line_description,
        "nsecbunkerd 0.10 · admin kind 24134 · NIP-04"
    );
    let stored = c.fleet.profile().await.unwrap().unwrap();
    assert_eq!(stored.admin_reply_kind, Some(24134));
    assert_eq!(stored.ping_reply.as_deref(), Some("ok"));
    assert_eq!(stored_line(&stored), Some(BunkerLine::V0_10));

    let (admin, _) = c.fleet.admin_session().await.unwrap();
    assert_eq!(
        admin.line(),
        Some(BunkerLine::V0_10),
        "no guessing above bunker-client"
    );
    assert!(!admin.get_keys().await.unwrap().is_empty());

    let status = c.fleet.status().await.unwrap();
    assert_eq!(
        status.bunker.unwrap().line,
        "nsecbunkerd 0.10 · admin kind 24134 · NIP-04"
    );
}

#[tokio::test]
async fn a_profile_that_names_no_line_is_refused_with_what_to_do() {
    let c = connected(|_| {}).await;
    let mut stored = c.fleet.profile().await.unwrap().unwrap();
    // `pong` on kind 24134 fits neither line.
    stored.ping_reply = Some("pong".into());
    crate::support::db_of(&c.fleet)
        .interact(move |conn| profile::save(conn, &stored))
        .await
        .unwrap();
    let stored = c.fleet.profile().await.unwrap().unwrap();
    assert_eq!(stored_line(&stored), None);
    assert!(line_description(&stored).contains("run `satop connect` again"));
    let err = c.fleet.admin_session().await.err().unwrap();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("satop connect"), "{err}");
}

#[tokio::test]
async fn a_profile_stored_before_lines_existed_is_read_as_0_10() {
    let c = connected(|_| {}).await;
    let mut stored = c.fleet.profile().await.unwrap().unwrap();
    stored.admin_reply_kind = None;
    assert_eq!(stored_line(&stored), Some(BunkerLine::V0_10));
    stored.ping_reply = Some("pong".into());
    assert_eq!(
        stored_line(&stored),
        None,
        "an old pong profile must be probed again"
    );
}

#[tokio::test]
async fn c13_cancelling_a_pairing_on_0_11_burns_the_token_by_redeeming_it() {
    use fleet_core::pairing::{MachineChoice, PairRequest};

    let c = connected(|cfg| cfg.flavour = Flavour::V0_11).await;
    let mut req = PairRequest::new(MachineChoice::PickOrCreate {
        name: "Lobby".into(),
        site: None,
    });
    req.poll_every = std::time::Duration::from_millis(20);
    let pending = c.fleet.begin_pairing(&req, |_| {}).await.unwrap();
    let client = pending.machine().client_name.clone();
    pending.cancel().await.unwrap();

    let (admin, _) = c.fleet.admin_session().await.unwrap();
    let tokens = admin.get_key_tokens(crate::support::KEY).await.unwrap();
    let token = tokens
        .iter()
        .find(|t| t.client_name == client)
        .expect("the pairing's token is listed");
    assert!(
        token.is_redeemed(),
        "on 0.11 a revoked token still redeems: cancelling must burn it by redeeming it"
    );
    assert!(
        !token.revoked,
        "revoke_token is never used to cancel a pairing"
    );
}
