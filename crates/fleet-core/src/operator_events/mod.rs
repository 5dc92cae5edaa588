//! Operator-authored events (issue #4 item 7; DESIGN.md §3): the fleet roster, the super-fee
//! policy and generic app config, as NIP-78 kind-30078 events with their own `d` tags.
//!
//! The app builds the content, shows it as a diff against the last published version, and
//! queues it. The outbox row has the console's NIP-46 session (`session`) sign it through
//! the bunker, [`verify`]s the result, publishes it to the ATM relays, and only then records it
//! as the published version. Offline, the change waits in the outbox and nothing is recorded.
//!
//! ```no_run
//! # async fn demo(fleet: fleet_core::Fleet) -> fleet_core::Result<()> {
//! use fleet_core::operator_events::FeePolicy;
//! let change = fleet.set_fee(FeePolicy { super_fee_bps: 250, fixed_fee_sats: 0 }, |_| {}).await?;
//! println!("{:?}", change.delivery);
//! # Ok(()) }
//! ```
//!
//! Here: the queue-and-publish flow. `fee` holds the super-fee policy, `documents` the roster
//! and app config, `diff` the field-level diff, `publish` the relay side, [`verify`] the checks
//! on the bunker's event.

mod diff;
mod documents;
mod fee;
pub(crate) mod publish;
pub(crate) mod session;
pub mod verify;

use std::time::Duration;

use fleet_store::{outbox, published, NewAuditEntry, OutboxStatus, PublishedEvent};
use nostr::{JsonUtil, Kind, Tag, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tracing::instrument;

use crate::outbox::{unix_now, Action, Completion, Delivery, Due, OutboxEvent, Session};
use crate::{Error, Fleet, Result};

pub use diff::{diff, EventDiff, FieldChange};
pub use documents::{app_config_doc, parse_config_value};
pub use fee::{FeePolicy, FeeView, PublishedFee, QueuedFee};
pub use session::CONSOLE_POLICY_NAME;

/// NIP-78 application-specific data, addressable by `d` tag.
pub const OPERATOR_EVENT_KIND: u16 = 30078;
/// `d` tag of the super-fee policy.
pub const FEE_D_TAG: &str = "satmachine:super-fee";
/// `d` tag of the fleet roster.
pub const ROSTER_D_TAG: &str = "satmachine:roster";
/// Prefix of the `d` tag of a generic app-config document.
pub const CONFIG_D_PREFIX: &str = "satmachine:config:";
/// How long publishing and the published-already check wait for the relays.
pub(crate) const RELAY_TIMEOUT: Duration = Duration::from_secs(5);

/// A document to publish: its `d` tag and its content (JSON text, built by the app).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorDoc {
    /// The `d` tag.
    pub d_tag: String,
    /// The content.
    pub content: String,
}

/// The queued publication (outbox payload): public data only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishAction {
    /// The `d` tag.
    pub d_tag: String,
    /// The content, exactly as it will be signed.
    pub content: String,
}

/// What a publish request did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperatorChange {
    /// The diff against the last published version.
    pub diff: EventDiff,
    /// `None` when nothing changed (nothing was queued); else where the publication stands.
    pub delivery: Option<Delivery>,
}

/// The last verified, published version of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedDoc {
    /// The `d` tag.
    pub d_tag: String,
    /// Event id (hex).
    pub event_id: String,
    /// The content as signed.
    pub content: String,
    /// When a relay accepted it (unix seconds).
    pub published_at: i64,
    /// Relays that accepted it.
    pub relays: Vec<String>,
}

impl Fleet {
    /// The diff of `doc` against the last published version of its `d` tag.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn operator_event_diff(&self, doc: &OperatorDoc) -> Result<EventDiff> {
        let d = doc.d_tag.clone();
        let previous = self
            .db()
            .interact(move |c| published::get(c, &d))
            .await?
            .map(|p| p.content);
        Ok(diff(&doc.d_tag, previous, &doc.content))
    }

    /// The last verified, published version of `d_tag`, if any. Offline.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn last_published(&self, d_tag: &str) -> Result<Option<PublishedDoc>> {
        let d = d_tag.to_owned();
        let found = self.db().interact(move |c| published::get(c, &d)).await?;
        Ok(found.map(|p| PublishedDoc {
            d_tag: p.d_tag,
            event_id: p.event_id,
            content: p.content,
            published_at: p.published_at,
            relays: p.relays,
        }))
    }

    /// Queues `doc` for signing and publication (unless it equals the last published or queued
    /// version) and runs the outbox. The change counts as made only when
    /// [`Delivery::Done`]: bunker-signed, verified, published, recorded.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty `d` tag or content that is not JSON;
    /// [`Error::Store`].
    #[instrument(skip_all, fields(d = %doc.d_tag))]
    pub async fn publish_operator_event(
        &self,
        doc: OperatorDoc,
        on_event: impl Fn(&OutboxEvent),
    ) -> Result<OperatorChange> {
        if doc.d_tag.trim().is_empty() {
            return Err(Error::InvalidInput(
                "an operator event needs a d tag".into(),
            ));
        }
        if serde_json::from_str::<Value>(&doc.content).is_err() {
            return Err(Error::InvalidInput(
                "an operator event's content must be JSON".into(),
            ));
        }
        let diff = self.operator_event_diff(&doc).await?;
        let action = Action::PublishEvent(PublishAction {
            d_tag: doc.d_tag.clone(),
            content: doc.content.clone(),
        });
        let item = action.to_item(None)?;
        let changed = !diff.changes.is_empty();
        let d_tag = doc.d_tag.clone();
        let queued = self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let latest_queued = outbox::unfinished(&tx)?
                    .into_iter()
                    .filter(|r| r.action == "publish_event" && r.status != OutboxStatus::Failed)
                    .rfind(|r| {
                        r.payload.get("d_tag").and_then(Value::as_str) == Some(d_tag.as_str())
                    });
                let same_as_queued = latest_queued
                    .as_ref()
                    .and_then(|r| r.payload.get("content"))
                    == item.payload.get("content");
                let row = match (&latest_queued, changed, same_as_queued) {
                    (Some(r), _, true) => Some(r.id),
                    (None, false, _) => None,
                    _ => {
                        let row = outbox::enqueue(&tx, &item)?;
                        fleet_store::audit::append(
                            &tx,
                            &NewAuditEntry {
                                action: "publish_event".into(),
                                machine_id: None,
                                outcome: "queued".into(),
                                detail: Some(format!("{d_tag}; outbox #{}", row.id)),
                            },
                        )?;
                        Some(row.id)
                    }
                };
                tx.commit()?;
                Ok(row)
            })
            .await?;
        let Some(row) = queued else {
            return Ok(OperatorChange {
                diff,
                delivery: None,
            });
        };
        let run = self.run_outbox(Due::Now, on_event).await?;
        let delivery = self.delivery(row, &run).await?;
        Ok(OperatorChange {
            diff,
            delivery: Some(delivery),
        })
    }
}

/// Runs one publish row: skip the signing if the relays already hold this exact content (a
/// repeated row after a crash), else sign through the console session, verify, publish.
pub(crate) async fn execute(session: &mut Session, action: &PublishAction) -> Result<Completion> {
    let (_, profile) = session.admin().await?;
    let operator = session::operator_key(&profile)?;
    let relays = crate::connect::stored_atm_relays(&profile)?;
    let kind = Kind::from(OPERATOR_EVENT_KIND);
    let d_tag = Tag::identifier(action.d_tag.clone());
    let found = publish::latest(&relays, operator, kind, &action.d_tag, RELAY_TIMEOUT).await?;
    if let Some(found) =
        found.filter(|f| f.event.content == action.content && f.event.tags.first() == Some(&d_tag))
    {
        // Only the relays that returned the event hold it: the others are not claimed.
        return Ok(completion(
            action,
            &found.event,
            found.relays,
            "found already published",
        ));
    }
    let signer = session.console().await?;
    let sent = verify::Sent {
        kind,
        content: action.content.clone(),
        tags: vec![d_tag],
        sent_at: Timestamp::now(),
    };
    // created_at zero: the bunker stamps addressable kinds itself (§1.4); verify checks it is now.
    let event = signer
        .sign_event(bunker_client::EventTemplate {
            kind,
            content: sent.content.clone(),
            tags: sent.tags.clone(),
            created_at: Timestamp::zero(),
        })
        .await?;
    verify::verify(&event, &sent, &operator).map_err(|problem| Error::EventNotVerified {
        d_tag: action.d_tag.clone(),
        problem,
    })?;
    let accepted = publish::publish(&event, &relays, RELAY_TIMEOUT).await?;
    Ok(completion(
        action,
        &event,
        accepted,
        "signed by the bunker, verified, published",
    ))
}

fn completion(
    action: &PublishAction,
    event: &nostr::Event,
    relays: Vec<String>,
    how: &str,
) -> Completion {
    // The author and signature let the migration check's secret scan prove the id is an event
    // id (a signature by that author over it verifies) long after a newer version replaced
    // this one in `operator_events`; without them the old id reads as a stray 64-hex value.
    let detail = format!(
        "{} event {} {how} to {}; author {}, signature {}",
        action.d_tag,
        event.id.to_hex(),
        relays.join(", "),
        event.pubkey.to_hex(),
        event.sig
    );
    Completion {
        machine_state: None,
        published: Some(PublishedEvent {
            d_tag: action.d_tag.clone(),
            kind: OPERATOR_EVENT_KIND,
            event_id: event.id.to_hex(),
            content: event.content.clone(),
            event_json: event.as_json(),
            created_at: i64::try_from(event.created_at.as_secs()).unwrap_or(i64::MAX),
            published_at: unix_now(),
            relays,
        }),
        audit: Some(NewAuditEntry {
            action: "publish_event".into(),
            machine_id: None,
            outcome: "ok".into(),
            detail: Some(detail),
        }),
    }
}
