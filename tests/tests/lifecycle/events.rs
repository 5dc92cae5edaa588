//! Operator-authored events: the super-fee policy as a bunker-signed, verified, published
//! kind-30078 event; nothing recorded while the bunker is unreachable.

use std::time::Duration;

use fleet_core::operator_events::{FeePolicy, FEE_D_TAG, OPERATOR_EVENT_KIND};
use fleet_core::outbox::{Delivery, Due};
use nostr::{EventId, Filter, Kind, TagKind};

use crate::support::{eventually, Env};

#[tokio::test]
async fn a_fee_change_is_a_bunker_signed_verified_published_kind_30078_event() {
    let env = Env::start().await;
    let policy = FeePolicy {
        super_fee_bps: 250,
        fixed_fee_sats: 100,
    };
    let change = env.fleet.set_fee(policy, |_| {}).await.unwrap();
    assert_eq!(change.delivery, Some(Delivery::Done), "{change:?}");
    assert_eq!(
        change.diff.changes.len(),
        3,
        "a first version shows every field"
    );

    let published = env
        .fleet
        .fee()
        .await
        .unwrap()
        .published
        .expect("the change is recorded once published");
    assert_eq!(published.policy, policy);

    // Read it back from the relay as an ATM would.
    let client = nostr_sdk::Client::default();
    client
        .add_relay(env.relay.as_ref().unwrap().url())
        .await
        .unwrap();
    client.connect().await;
    let id = EventId::from_hex(&published.event_id).unwrap();
    let events = client
        .fetch_events(Filter::new().id(id), Duration::from_secs(5))
        .await
        .unwrap();
    let event = events.into_iter().next().expect("the relay has the event");
    client.shutdown().await;
    event.verify().expect("valid id and signature");
    assert_eq!(
        event.pubkey,
        env.operator(),
        "signed by the operator key, through the bunker"
    );
    assert_eq!(event.kind, Kind::from(OPERATOR_EVENT_KIND));
    assert_eq!(
        event.tags.find(TagKind::d()).and_then(|t| t.content()),
        Some(FEE_D_TAG)
    );
    assert_eq!(FeePolicy::from_content(&event.content), Some(policy));

    let same = env.fleet.set_fee(policy, |_| {}).await.unwrap();
    assert_eq!(
        same.delivery, None,
        "an unchanged policy is not signed again"
    );
    let audit = env.fleet.audit(20).await.unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "publish_event" && e.outcome == "ok"));
    assert!(
        audit
            .iter()
            .any(|e| e.action == "console_session" && e.outcome == "ok"),
        "the console redeemed its own token"
    );
}

#[tokio::test]
async fn with_the_bunker_unreachable_no_fee_change_is_recorded_as_done() {
    let mut env = Env::start().await;
    env.relay_down().await;
    let policy = FeePolicy {
        super_fee_bps: 300,
        fixed_fee_sats: 0,
    };
    let change = env.fleet.set_fee(policy, |_| {}).await.unwrap();
    assert!(
        matches!(change.delivery, Some(Delivery::Pending { .. })),
        "{change:?}"
    );
    let view = env.fleet.fee().await.unwrap();
    assert!(
        view.published.is_none(),
        "nothing is recorded as published while the bunker is unreachable"
    );
    assert_eq!(view.queued.len(), 1, "the change waits in the outbox");

    env.relay_up().await;
    let fleet = env.fleet.clone();
    let published = eventually(
        "the queued fee change is published once the relay is back",
        || {
            let fleet = fleet.clone();
            async move {
                fleet.run_outbox(Due::Now, |_| {}).await.unwrap();
                fleet.fee().await.unwrap().published
            }
        },
    )
    .await;
    assert_eq!(published.policy, policy);
}
