//! A bad roster on the relays (malformed, oversized, a machine id that is not ours, a head
//! signed by another key) is refused with a clear reason and changes nothing.

use std::time::Duration;

use fleet_core::operator_events::{OPERATOR_EVENT_KIND, ROSTER_D_TAG};
use fleet_core::roster::document::{bucket_of, chunk_d_tag};
use fleet_core::ErrorKind;
use nostr::{EventBuilder, Keys, Kind, Tag, Timestamp};
use nostr_sdk::Client;
use serde_json::json;

use crate::support::{pair, sync, Consoles};

/// Publishes `content` under `d` signed by `keys`, `ahead` seconds in the future so that it is
/// the newest version.
async fn forge(env: &Consoles, keys: &Keys, d: &str, content: &str, ahead: u64) {
    let event = EventBuilder::new(Kind::from(OPERATOR_EVENT_KIND), content)
        .tags([Tag::identifier(d)])
        .custom_created_at(Timestamp::from(Timestamp::now().as_secs() + ahead))
        .sign_with_keys(keys)
        .unwrap();
    let client = Client::default();
    client.add_relay(env.sandbox.relay.url()).await.unwrap();
    client.connect().await;
    client.wait_for_connection(Duration::from_secs(5)).await;
    let sent = client.send_event(&event).await.unwrap();
    assert!(!sent.success.is_empty(), "the relay took the forged event");
    client.shutdown().await;
}

async fn assert_refused(env: &Consoles, why: &str) {
    let before = env.b.machines().await.unwrap();
    let err = env.b.restore().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected, "{err}");
    let text = err.to_string();
    assert!(text.contains(why), "{text}");
    assert!(text.contains("nothing was changed"), "{text}");
    assert_eq!(
        env.b.machines().await.unwrap(),
        before,
        "a refused roster changes nothing"
    );
    let report = env.b.sync(|_| {}).await.unwrap();
    assert!(
        report
            .roster_error
            .as_deref()
            .is_some_and(|e| e.contains(why)),
        "{report:?}"
    );
    assert_eq!(env.b.machines().await.unwrap().len(), before.len());
}

#[tokio::test]
async fn a_malformed_oversized_or_foreign_roster_is_refused_and_changes_nothing() {
    let env = Consoles::start().await;
    pair(&env.a, "m1").await;
    sync(&env.a).await;
    let op = env.operator.clone();

    // Signed by another key: not the operator's roster at all; the operator's is read.
    forge(&env, &Keys::generate(), ROSTER_D_TAG, "{\"v\":2}", 2).await;
    let report = env.b.restore().await.unwrap();
    assert_eq!(
        report.roster.map(|r| r.machines),
        Some(1),
        "the operator's roster"
    );
    assert_eq!(env.b.machines().await.unwrap().len(), 1);

    // Each forged head is newer than the one before.
    forge(&env, &op, ROSTER_D_TAG, "{\"v\":2,\"buckets\":", 3).await;
    assert_refused(&env, "not JSON").await;

    let huge = json!({"v": 2, "buckets": 1, "machines": 0, "chunks": [],
        "pad": "x".repeat(70_000)})
    .to_string();
    forge(&env, &op, ROSTER_D_TAG, &huge, 4).await;
    assert_refused(&env, "more than the 65535").await;

    // A machine id filed in a chunk it does not belong to.
    let id = "7B8QTJK86S";
    let wrong = 1 - bucket_of(id, 2).unwrap();
    let d = chunk_d_tag(2, wrong);
    let chunk = json!({"v": 2, "bucket": wrong, "buckets": 2, "machines": [{
        "id": id, "client": format!("satmachine-{id}"), "name": "Intruder", "state": "active",
        "added_at": 1, "changed_at": 1,
        "changed_by": "npub1v4j5xsenqvnnn8j8xd9hnzd0xvmrqgszqjchxv90hxvfm2w6v0gsrq9shz"}]});
    forge(&env, &op, &d, &chunk.to_string(), 5).await;
    let head = json!({"v": 2, "buckets": 2, "machines": 1, "chunks": [{"d": d, "machines": 1}]});
    forge(&env, &op, ROSTER_D_TAG, &head.to_string(), 5).await;
    assert_refused(&env, "not one of ours").await;
}
