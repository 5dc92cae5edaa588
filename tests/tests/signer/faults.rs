//! A person who takes their time, refuses, or whose phone goes offline mid-way.

use std::sync::atomic::Ordering;
use std::time::Duration;

use bunker_client::{ClientOptions, Sensitive};
use fleet_core::outbox::Due;
use fleet_core::revoke::RevokeOutcome;
use fleet_core::ErrorKind;
use fleet_store::MachineState;
use sandbox::AtmSimulator;

use crate::support::{Console, Phone};

/// A console whose admin key is in a started phone, connected to its bunker, approval timeout
/// `approval_secs`.
async fn console_with_phone(approval_secs: u64) -> (Console, Phone) {
    let mut phone = Phone::new();
    let console = Console::start(phone.user.public_key()).await;
    phone.relay = console.relay();
    phone.start().await;
    console
        .fleet
        .set_signer_approval_timeout(approval_secs)
        .await
        .unwrap();
    console
        .fleet
        .use_remote_signer(&Sensitive::new(phone.bunker_url()))
        .await
        .unwrap();
    console.connect().await.unwrap();
    (console, phone)
}

async fn pair(console: &Console, name: &str) -> AtmSimulator {
    let pending = console
        .fleet
        .begin_pairing(&acceptance::quick_pairing(name), |_| {})
        .await
        .unwrap();
    let url = pending.pairing_url().expose().clone();
    let (paired, atm) = tokio::join!(
        pending.wait(std::future::pending(), |_| {}),
        AtmSimulator::redeem(&url, ClientOptions::loopback())
    );
    paired.unwrap();
    atm.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_who_approves_slowly_but_in_time_still_pairs() {
    let (console, phone) = console_with_phone(10).await;
    // Each answer takes 300 ms: far beyond the bunker's 5 s reply window in total, within the
    // approval timeout per call.
    phone.person.delay_ms.store(300, Ordering::Relaxed);
    let atm = pair(&console, "Slow ATM").await;
    atm.sign_21000("withdraw").await.unwrap();
    atm.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_who_does_not_answer_in_time_gets_a_timeout_and_the_revoke_waits() {
    let (console, phone) = console_with_phone(2).await;
    let atm = pair(&console, "Lobby ATM").await;
    phone.person.delay_ms.store(4_000, Ordering::Relaxed);
    let outcome = console.fleet.revoke("Lobby ATM", |_| {}).await.unwrap();
    assert!(
        matches!(outcome, RevokeOutcome::Pending { .. }),
        "a signer that does not answer is like a bunker outage: {outcome:?}"
    );
    assert_eq!(
        console.fleet.machine("Lobby ATM").await.unwrap().state,
        MachineState::RevokePending
    );
    phone.person.delay_ms.store(0, Ordering::Relaxed);
    // The phone's thread may still be "thinking" about the last request: give it time.
    revoke_runs_from_the_outbox(&console, "Lobby ATM").await;
    assert!(atm.sign_21000("after revoke").await.is_err());
    atm.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_who_refuses_to_sign_gets_a_clear_error_and_nothing_is_recorded() {
    let (console, phone) = console_with_phone(10).await;
    *phone.person.refuses.lock().unwrap() = Some("sign_event".into());
    let err = console
        .fleet
        .begin_pairing(&acceptance::quick_pairing("Refused ATM"), |_| {})
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected, "{err}");
    let text = err.to_string();
    assert!(
        text.contains("your signer refused to sign"),
        "says who refused and what: {text}"
    );
    assert!(
        text.contains("approve it on the signer"),
        "says what to do: {text}"
    );
    let machine = console.fleet.machine("Refused ATM").await;
    assert!(
        machine.map_or(true, |m| m.state != MachineState::Active
            && m.bunker_connection_id.is_none()),
        "nothing is recorded as paired"
    );
    // The person changes their mind: the same console pairs.
    *phone.person.refuses.lock().unwrap() = None;
    pair(&console, "Refused ATM").await.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_that_goes_offline_mid_way_leaves_the_revoke_in_the_outbox_and_loses_nothing() {
    let (console, mut phone) = console_with_phone(2).await;
    let atm = pair(&console, "Lobby ATM").await;
    phone.go_offline();
    let outcome = console.fleet.revoke("Lobby ATM", |_| {}).await.unwrap();
    assert!(
        matches!(outcome, RevokeOutcome::Pending { .. }),
        "{outcome:?}"
    );
    let run = console.fleet.run_outbox(Due::Now, |_| {}).await.unwrap();
    let _ = run;
    assert_eq!(
        console.fleet.machine("Lobby ATM").await.unwrap().state,
        MachineState::RevokePending,
        "still waiting while the phone is away"
    );
    atm.sign_21000("still paired").await.unwrap();

    // The phone comes back (same keys, same relay).
    phone.start().await;
    revoke_runs_from_the_outbox(&console, "Lobby ATM").await;
    assert!(atm.sign_21000("after revoke").await.is_err());
    atm.shutdown().await;
}

async fn revoke_runs_from_the_outbox(console: &Console, name: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        console.fleet.run_outbox(Due::Now, |_| {}).await.unwrap();
        if console.fleet.machine(name).await.unwrap().state == MachineState::Revoked {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the queued revoke never ran"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
