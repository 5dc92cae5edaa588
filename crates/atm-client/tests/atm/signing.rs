//! `sign`: through the bunker with the stored pairing.

use atm_client::{pair, parse_tags, sign, AtmState, Error, ErrorKind};
use nostr::Kind;

use crate::support::{opts, pair_opts, World};

#[tokio::test]
async fn paired_atm_signs_21000_as_the_operator() {
    let world = World::start().await;
    let dir = world.state_dir("atm");
    pair(&dir, &world.mint("satmachine-1").await, &pair_opts())
        .await
        .unwrap();

    let tags = parse_tags(r#"[["t","atm"]]"#).unwrap();
    let event = sign(&dir, 21000, "withdrawal 42", tags, opts())
        .await
        .unwrap();

    event.verify().expect("the bunker's event verifies");
    assert_eq!(event.pubkey, world.operator(), "signed by the operator key");
    assert_eq!(event.kind, Kind::from(21000));
    assert!(event.tags.iter().any(|t| t.as_slice() == ["t", "atm"]));
    world.stop().await;
}

#[tokio::test]
async fn restart_signs_from_disk_without_the_secret() {
    let world = World::start().await;
    let dir = world.state_dir("atm");
    pair(&dir, &world.mint("satmachine-1").await, &pair_opts())
        .await
        .unwrap();
    assert!(
        AtmState::load(&dir).unwrap().bunker_uri().secret.is_none(),
        "what a restart reads has no secret to re-send"
    );

    // Each call is a fresh SignerClient from disk, as after a process restart.
    for n in 0..2 {
        let event = sign(&dir, 21000, &format!("restart {n}"), vec![], opts())
            .await
            .unwrap();
        assert_eq!(event.pubkey, world.operator());
    }
    let users = world.key_users().await;
    assert_eq!(users.len(), 1, "restarts do not create new bunker clients");
    world.stop().await;
}

#[tokio::test]
async fn kind_1_is_refused_by_the_bunker_policy() {
    let world = World::start().await;
    let dir = world.state_dir("atm");
    pair(&dir, &world.mint("satmachine-1").await, &pair_opts())
        .await
        .unwrap();

    let err = sign(&dir, 1, "hello", vec![], opts()).await.unwrap_err();

    assert!(
        matches!(err, Error::NotAuthorized { kind: 1 }),
        "got {err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::NotAuthorized);
    assert!(err.to_string().contains("kind 1"), "{err}");
    world.stop().await;
}

#[tokio::test]
async fn revoked_atm_is_told_to_ask_for_a_re_pair() {
    let world = World::start().await;
    let dir = world.state_dir("atm");
    pair(&dir, &world.mint("satmachine-1").await, &pair_opts())
        .await
        .unwrap();
    let user = world
        .admin
        .get_key_users("operator")
        .await
        .unwrap()
        .remove(0);
    world.admin.revoke_user(user.id).await.unwrap();

    let err = sign(&dir, 21000, "after revoke", vec![], opts())
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");
    assert!(
        err.to_string().contains(
            "this ATM's access was revoked or never granted; ask the operator to re-pair"
        ),
        "{err}"
    );
    world.stop().await;
}

#[tokio::test]
async fn signing_without_a_pairing_says_pair_first() {
    let world = World::start().await;
    let err = sign(&world.state_dir("empty"), 21000, "x", vec![], opts())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotPaired);
    assert!(err.to_string().contains("run `pair` first"), "{err}");
    world.stop().await;
}
