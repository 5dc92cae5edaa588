//! `WarmSigner`: one warm link for many signatures, through relay restarts, bunker outages and
//! revocation.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use atm_client::{AtmState, ErrorKind, WarmOptions, WarmSigner};
use bunker_client::ClientOptions;
use nostr::Kind;
use sandbox::SandboxRelay;

use crate::support::{opts, World};

fn warm(timeout: Duration) -> WarmOptions {
    WarmOptions::with_client(ClientOptions {
        timeout,
        connect_timeout: Duration::from_secs(2),
        ..opts()
    })
}

#[tokio::test]
async fn warm_signer_signs_50_concurrent_requests_each_once_as_the_operator() {
    let world = World::start().await;
    let dir = world.paired("atm").await;
    let signer = WarmSigner::connect(&dir, warm(Duration::from_secs(10)))
        .await
        .unwrap();

    let requests = (0..50).map(|n| {
        let signer = signer.clone();
        async move { signer.sign(21000, &format!("withdrawal {n}"), vec![]).await }
    });
    let events = futures_join_all(requests).await;

    let mut contents = HashSet::new();
    for event in events {
        let event = event.unwrap();
        event.verify().unwrap();
        assert_eq!(event.pubkey, world.operator());
        assert_eq!(event.kind, Kind::from(21000));
        assert!(contents.insert(event.content.clone()), "answered twice");
    }
    assert_eq!(contents.len(), 50);
    assert_eq!(world.key_users().await.len(), 1);
    signer.shutdown().await;
    world.stop().await;
}

#[tokio::test]
async fn warm_signer_signs_again_after_the_relay_restarts_on_the_same_port() {
    let mut world = World::start().await;
    let dir = world.paired("atm").await;
    let signer = WarmSigner::connect(&dir, warm(Duration::from_secs(10)))
        .await
        .unwrap();
    signer.sign(21000, "before", vec![]).await.unwrap();

    let port = world.sandbox.relay.port();
    let placeholder = SandboxRelay::start(None).await.unwrap();
    std::mem::replace(&mut world.sandbox.relay, placeholder)
        .stop()
        .await;
    // Requests sent while the relay is down wait for it (within their deadline).
    let during: Vec<_> = (0..5)
        .map(|n| {
            let signer = signer.clone();
            tokio::spawn(async move { signer.sign(21000, &format!("during {n}"), vec![]).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let restarted = SandboxRelay::start(Some(port)).await.unwrap();
    std::mem::replace(&mut world.sandbox.relay, restarted)
        .stop()
        .await;

    for task in during {
        let event = task
            .await
            .unwrap()
            .expect("a request sent during the outage is answered");
        assert_eq!(event.pubkey, world.operator());
    }
    for n in 0..5 {
        let event = signer
            .sign(21000, &format!("after {n}"), vec![])
            .await
            .unwrap();
        assert_eq!(event.content, format!("after {n}"));
    }
    signer.shutdown().await;
    world.stop().await;
}

#[tokio::test]
async fn bunker_down_each_request_fails_within_its_timeout() {
    let world = World::start().await;
    let dir = world.paired("atm").await;
    let timeout = Duration::from_secs(1);
    let signer = WarmSigner::connect(&dir, warm(timeout)).await.unwrap();
    signer.sign(21000, "while up", vec![]).await.unwrap();
    let World {
        sandbox,
        admin,
        dir: _keep,
        ..
    } = world;
    sandbox.bunker.shutdown().await;

    let started = Instant::now();
    let requests = (0..5).map(|n| {
        let signer = signer.clone();
        async move {
            let err = signer
                .sign(21000, &format!("n{n}"), vec![])
                .await
                .unwrap_err();
            (err, started.elapsed())
        }
    });
    for (err, took) in futures_join_all(requests).await {
        assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
        assert!(
            err.to_string().contains("no reply from the bunker"),
            "{err}"
        );
        assert!(
            took < timeout + Duration::from_millis(500),
            "ended after {took:?}, timeout {timeout:?}"
        );
    }
    signer.shutdown().await;
    admin.shutdown().await;
    sandbox.relay.stop().await;
}

#[tokio::test]
async fn revoked_atm_is_refused_at_once_and_later_requests_never_reach_the_bunker() {
    let world = World::start().await;
    let dir = world.paired("atm").await;
    let signer = WarmSigner::connect(&dir, warm(Duration::from_secs(2)))
        .await
        .unwrap();
    signer.sign(21000, "before", vec![]).await.unwrap();
    world.revoke_all().await;

    let first = signer
        .sign(21000, "after revoke", vec![])
        .await
        .unwrap_err();
    assert_eq!(first.kind(), ErrorKind::NotAuthorized, "{first}");
    assert!(first.to_string().contains("revoked"), "{first}");

    // With the bunker gone, only a held refusal can still answer "refused" (a request sent to
    // the relay would time out): later requests are not sent.
    let World {
        sandbox,
        admin,
        dir: _keep,
        ..
    } = world;
    sandbox.bunker.shutdown().await;
    let started = Instant::now();
    for n in 0..3 {
        let err = signer
            .sign(21000, &format!("again {n}"), vec![])
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");
    }
    assert!(started.elapsed() < Duration::from_millis(200));
    assert_eq!(signer.health(), atm_client::SignerHealth::Refused);
    assert!(
        AtmState::load(&dir).is_ok(),
        "the pairing on disk is untouched"
    );
    signer.shutdown().await;
    admin.shutdown().await;
    sandbox.relay.stop().await;
}

/// Runs the futures concurrently (one task each) and returns their outputs in order.
pub async fn futures_join_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.unwrap());
    }
    outputs
}
