//! Cancel and timeout burn the token: a later redemption gets "Token already redeemed".

use std::time::Duration;

use bunker_client::Refusal;
use fleet_core::{Error, ErrorKind};
use fleet_store::MachineState;
use sandbox::EncryptionMode;

use crate::support::{contains, request, secret_of, Atm, Env};

async fn assert_burned(env: &Env, url: &str) {
    let late = Atm::new()
        .connect_once(url)
        .await
        .expect_err("a burned pairing code must not work");
    assert_eq!(
        late.refusal(),
        Some(&Refusal::TokenAlreadyRedeemed),
        "{late}"
    );
    let db = env.database_bytes();
    assert!(
        !contains(&db, &secret_of(url)),
        "the pairing secret must never reach SQLite"
    );
    env.assert_alive();
}

async fn last_pair_outcome(env: &Env) -> (String, String) {
    let log = env.fleet().audit(1).await.unwrap();
    (
        log[0].outcome.clone(),
        log[0].detail.clone().unwrap_or_default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_burns_the_token_in_both_modes() {
    for mode in [EncryptionMode::Nip04Only, EncryptionMode::Auto] {
        let env = Env::start(mode).await;
        let pending = env
            .fleet()
            .begin_pairing(&request("Cancelled ATM"), |_| {})
            .await
            .unwrap();
        let url = pending.pairing_url().expose().clone();
        pending.cancel().await.unwrap();
        assert_burned(&env, &url).await;
        let machine = env.fleet().machine("Cancelled ATM").await.unwrap();
        assert_eq!(
            machine.state,
            MachineState::Unpaired,
            "a cancelled pairing leaves the machine as it was"
        );
        let (outcome, detail) = last_pair_outcome(&env).await;
        assert_eq!(outcome, "cancelled");
        assert!(
            detail.contains("burned"),
            "the audit log says the code was burned: {detail}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_while_waiting_burns_the_token() {
    let env = Env::start(EncryptionMode::Nip04Only).await;
    let pending = env
        .fleet()
        .begin_pairing(&request("Ctrl-C ATM"), |_| {})
        .await
        .unwrap();
    let url = pending.pairing_url().expose().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let waiting = tokio::spawn(pending.wait(
        async move {
            let _ = stopped.await;
        },
        |_| {},
    ));
    stop.send(()).unwrap();
    let err = waiting.await.unwrap().unwrap_err();
    assert!(matches!(err, Error::PairingCancelled { .. }), "{err}");
    assert_eq!(err.kind(), ErrorKind::Cancelled);
    assert_burned(&env, &url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unredeemed_token_is_burned_when_the_redeem_window_ends() {
    let env = Env::start(EncryptionMode::Nip04Only).await;
    let mut req = request("Slow ATM");
    req.redeem_window = Duration::from_millis(500);
    let pending = env.fleet().begin_pairing(&req, |_| {}).await.unwrap();
    let url = pending.pairing_url().expose().clone();
    let err = pending
        .wait(std::future::pending(), |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::PairingTimedOut { burned: true, .. }),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_burned(&env, &url).await;
    let (outcome, _) = last_pair_outcome(&env).await;
    assert_eq!(outcome, "timed_out");
}
