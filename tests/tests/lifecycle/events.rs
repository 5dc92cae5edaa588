//! Operator-authored events: the super-fee policy as a bunker-signed, verified, published
//! kind-30078 event; nothing recorded while the bunker is unreachable.

use std::time::Duration;

use fleet_core::operator_events::{
    FeePolicy, CONFIG_D_PREFIX, FEE_D_TAG, OPERATOR_EVENT_KIND, ROSTER_D_TAG,
};
use fleet_core::outbox::{Delivery, Due};
use nostr::{Event, EventId, Filter, Kind, TagKind};
use serde_json::{json, Value};

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
    let event = fetch(&env, &published.event_id).await;
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

#[tokio::test]
async fn the_roster_lists_the_paired_machines_and_app_config_gets_its_own_d_tag() {
    let env = Env::start().await;
    let atm = env.pair("Lobby ATM").await;
    env.fleet.add_machine("Spare", None).await.unwrap();

    let change = env.fleet.publish_roster(|_| {}).await.unwrap();
    assert_eq!(change.delivery, Some(Delivery::Done), "{change:?}");
    let doc = env
        .fleet
        .last_published(ROSTER_D_TAG)
        .await
        .unwrap()
        .expect("the roster is recorded once published");
    let head: Value = serde_json::from_str(&doc.content).unwrap();
    assert_eq!(head["v"], 2);
    assert_eq!(head["machines"], 2, "every machine is on the roster");
    let mut machines = Vec::new();
    for chunk in head["chunks"].as_array().unwrap() {
        let d = chunk["d"].as_str().unwrap();
        let part = env.fleet.last_published(d).await.unwrap().unwrap();
        let content: Value = serde_json::from_str(&part.content).unwrap();
        machines.extend(content["machines"].as_array().unwrap().clone());
        let event = fetch(&env, &part.event_id).await;
        assert_eq!(
            event.pubkey,
            env.operator(),
            "each chunk signed through the bunker"
        );
    }
    let lobby = machines.iter().find(|m| m["name"] == "Lobby ATM").unwrap();
    assert_eq!(lobby["atm_pubkey"], atm.keys.public_key().to_hex());
    assert_eq!(lobby["state"], "active");
    let spare = machines.iter().find(|m| m["name"] == "Spare").unwrap();
    assert_eq!(spare["state"], "unpaired");
    assert!(spare.get("atm_pubkey").is_none());
    let event = fetch(&env, &doc.event_id).await;
    event.verify().expect("valid id and signature");
    assert_eq!(event.pubkey, env.operator(), "signed through the bunker");
    assert_eq!(
        event.tags.find(TagKind::d()).and_then(|t| t.content()),
        Some(ROSTER_D_TAG)
    );
    let again = env.fleet.publish_roster(|_| {}).await.unwrap();
    assert_eq!(
        again.delivery, None,
        "an unchanged roster is not signed again"
    );

    let value = json!({"max_withdraw_sats": 500_000});
    let change = env
        .fleet
        .set_app_config("limits", &value, |_| {})
        .await
        .unwrap();
    assert_eq!(change.delivery, Some(Delivery::Done), "{change:?}");
    let d_tag = format!("{CONFIG_D_PREFIX}limits");
    let doc = env.fleet.last_published(&d_tag).await.unwrap().unwrap();
    assert_eq!(serde_json::from_str::<Value>(&doc.content).unwrap(), value);
    let event = fetch(&env, &doc.event_id).await;
    assert_eq!(event.pubkey, env.operator());
    assert_eq!(
        event.tags.find(TagKind::d()).and_then(|t| t.content()),
        Some(d_tag.as_str())
    );
    let nameless = env.fleet.set_app_config("  ", &value, |_| {}).await;
    assert!(
        matches!(nameless, Err(fleet_core::Error::InvalidInput(_))),
        "{nameless:?}"
    );
}

/// Reads a published event back from the relay, as an ATM would.
async fn fetch(env: &Env, event_id: &str) -> Event {
    let client = nostr_sdk::Client::default();
    client
        .add_relay(env.relay.as_ref().unwrap().url())
        .await
        .unwrap();
    client.connect().await;
    let id = EventId::from_hex(event_id).unwrap();
    let events = client
        .fetch_events(Filter::new().id(id), Duration::from_secs(5))
        .await
        .unwrap();
    client.shutdown().await;
    events.into_iter().next().expect("the relay has the event")
}
