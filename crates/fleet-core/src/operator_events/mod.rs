//! Operator-authored events (issue #4 item 7; DESIGN.md §3): the fleet roster, the super-fee
//! policy and generic app config, as NIP-78 kind-30078 events with their own `d` tags.
//!
//! The app builds the content, shows it as a diff against the last published version, and
//! queues it. The outbox row has the console's NIP-46 session ([`session`]) sign it through
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

mod publish;
pub(crate) mod session;
pub mod verify;

use std::collections::BTreeSet;
use std::time::Duration;

use fleet_store::{
    machines, outbox, published, MachineState, NewAuditEntry, OutboxStatus, PublishedEvent,
};
use nostr::{JsonUtil, Kind, Tag, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tracing::instrument;

use crate::outbox::{unix_now, Action, Completion, Delivery, Due, OutboxEvent, Session};
use crate::{Error, Fleet, Result};

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
const RELAY_TIMEOUT: Duration = Duration::from_secs(5);

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

/// The super-fee policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeePolicy {
    /// Super fee in basis points (250 = 2.5 %).
    pub super_fee_bps: u32,
    /// A fixed fee per transaction, in sats.
    pub fixed_fee_sats: u64,
}

impl FeePolicy {
    /// Highest accepted fee: 100 %.
    pub const MAX_BPS: u32 = 10_000;

    /// The document: `{"v":1,"super_fee_bps":250,"fixed_fee_sats":0}`.
    pub fn doc(&self) -> OperatorDoc {
        let content = serde_json::json!({"v": 1, "super_fee_bps": self.super_fee_bps, "fixed_fee_sats": self.fixed_fee_sats});
        OperatorDoc {
            d_tag: FEE_D_TAG.into(),
            content: content.to_string(),
        }
    }

    /// Reads a published content back.
    pub fn from_content(content: &str) -> Option<Self> {
        serde_json::from_str(content).ok()
    }

    /// Parses a percentage such as `2.5` or `0.75` into basis points.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for anything that is not 0–100 with at most two decimals.
    pub fn parse_percent(text: &str) -> Result<u32> {
        let bad = || {
            Error::InvalidInput(format!(
                "{text:?} is not a fee percentage: write e.g. 2.5 (at most two decimals, 0 to 100)"
            ))
        };
        let t = text.trim().trim_end_matches('%');
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        if whole.is_empty()
            || frac.len() > 2
            || !whole
                .chars()
                .chain(frac.chars())
                .all(|c| c.is_ascii_digit())
        {
            return Err(bad());
        }
        let whole: u32 = whole.parse().map_err(|_| bad())?;
        let frac: u32 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        let bps = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(frac))
            .ok_or_else(bad)?;
        if bps > Self::MAX_BPS {
            return Err(bad());
        }
        Ok(bps)
    }
}

/// One top-level field that differs between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// Field name (`super_fee_bps`), or `content` when a side is not a JSON object.
    pub field: String,
    /// Before (JSON text), `None` if absent.
    pub before: Option<String>,
    /// After (JSON text), `None` if removed.
    pub after: Option<String>,
}

/// A new version against the last published one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventDiff {
    /// The `d` tag.
    pub d_tag: String,
    /// The last published content.
    pub previous: Option<String>,
    /// The new content.
    pub next: String,
    /// Changed fields; empty when nothing changes.
    pub changes: Vec<FieldChange>,
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

/// The fee policy as known locally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeeView {
    /// The last verified, published policy.
    pub published: Option<PublishedFee>,
    /// Changes waiting in the outbox (pending or failed), oldest first.
    pub queued: Vec<QueuedFee>,
}

/// A published fee policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedFee {
    /// The policy.
    pub policy: FeePolicy,
    /// Event id (hex).
    pub event_id: String,
    /// When a relay accepted it.
    pub published_at: i64,
    /// Relays that accepted it.
    pub relays: Vec<String>,
}

/// A fee change in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueuedFee {
    /// Outbox row.
    pub outbox_id: i64,
    /// The policy.
    pub policy: Option<FeePolicy>,
    /// `pending`, `running`, `failed`.
    pub status: String,
    /// The last failure.
    pub last_error: Option<String>,
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

    /// The fee policy: published, and queued changes. Offline.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn fee(&self) -> Result<FeeView> {
        let (published, rows) = self
            .db()
            .interact(|c| Ok((published::get(c, FEE_D_TAG)?, outbox::unfinished(c)?)))
            .await?;
        Ok(FeeView {
            published: published.and_then(|p| {
                Some(PublishedFee {
                    policy: FeePolicy::from_content(&p.content)?,
                    event_id: p.event_id,
                    published_at: p.published_at,
                    relays: p.relays,
                })
            }),
            queued: rows
                .into_iter()
                .filter(|r| {
                    r.action == "publish_event"
                        && r.payload.get("d_tag").and_then(Value::as_str) == Some(FEE_D_TAG)
                })
                .map(|r| QueuedFee {
                    outbox_id: r.id,
                    policy: r
                        .payload
                        .get("content")
                        .and_then(Value::as_str)
                        .and_then(FeePolicy::from_content),
                    status: r.status.as_str().to_string(),
                    last_error: r.last_error,
                })
                .collect(),
        })
    }

    /// Changes the super-fee policy (see [`Fleet::publish_operator_event`]).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a fee over 100 %; as [`Fleet::publish_operator_event`].
    pub async fn set_fee(
        &self,
        policy: FeePolicy,
        on_event: impl Fn(&OutboxEvent),
    ) -> Result<OperatorChange> {
        if policy.super_fee_bps > FeePolicy::MAX_BPS {
            return Err(Error::InvalidInput(
                "the super fee can be at most 100 %".into(),
            ));
        }
        self.publish_operator_event(policy.doc(), on_event).await
    }

    /// Publishes the fleet roster: every paired machine's name, site and ATM pubkey.
    ///
    /// # Errors
    /// As [`Fleet::publish_operator_event`].
    pub async fn publish_roster(&self, on_event: impl Fn(&OutboxEvent)) -> Result<OperatorChange> {
        let list = self.db().interact(|c| machines::list(c)).await?;
        let machines: Vec<Value> = list
            .iter()
            .filter(|m| {
                matches!(
                    m.state,
                    MachineState::Active
                        | MachineState::Expiring
                        | MachineState::Expired
                        | MachineState::Pairing
                )
            })
            .filter_map(|m| {
                let pk = m.atm_client_pubkey.as_ref()?;
                Some(serde_json::json!({"name": m.name, "site": m.site, "atm_pubkey": pk}))
            })
            .collect();
        let content = serde_json::json!({"v": 1, "machines": machines}).to_string();
        self.publish_operator_event(
            OperatorDoc {
                d_tag: ROSTER_D_TAG.into(),
                content,
            },
            on_event,
        )
        .await
    }

    /// Publishes a generic NIP-78 app-config document under `satmachine:config:<name>`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty name; as [`Fleet::publish_operator_event`].
    pub async fn set_app_config(
        &self,
        name: &str,
        value: &Value,
        on_event: impl Fn(&OutboxEvent),
    ) -> Result<OperatorChange> {
        if name.trim().is_empty() {
            return Err(Error::InvalidInput(
                "an app-config document needs a name".into(),
            ));
        }
        let doc = OperatorDoc {
            d_tag: format!("{CONFIG_D_PREFIX}{}", name.trim()),
            content: value.to_string(),
        };
        self.publish_operator_event(doc, on_event).await
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
    if let Some(event) =
        found.filter(|e| e.content == action.content && e.tags.first() == Some(&d_tag))
    {
        let accepted = relays.iter().map(ToString::to_string).collect();
        return Ok(completion(
            action,
            &event,
            accepted,
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
    let detail = format!(
        "{} event {} {how} to {}",
        action.d_tag,
        event.id.to_hex(),
        relays.join(", ")
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

/// Field-level diff of two JSON-object contents (whole content when either is not an object).
pub fn diff(d_tag: &str, previous: Option<String>, next: &str) -> EventDiff {
    let parse = |s: &str| {
        serde_json::from_str::<Value>(s)
            .ok()
            .and_then(|v| v.as_object().cloned())
    };
    let changes = match (previous.as_deref().map(parse), parse(next)) {
        (None, Some(after)) => fields(&Map::new(), &after),
        (Some(Some(before)), Some(after)) => fields(&before, &after),
        _ if previous.as_deref() == Some(next) => Vec::new(),
        _ => vec![FieldChange {
            field: "content".into(),
            before: previous.clone(),
            after: Some(next.to_string()),
        }],
    };
    EventDiff {
        d_tag: d_tag.into(),
        previous,
        next: next.into(),
        changes,
    }
}

fn fields(before: &Map<String, Value>, after: &Map<String, Value>) -> Vec<FieldChange> {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| FieldChange {
            field: k.clone(),
            before: before.get(k).map(Value::to_string),
            after: after.get(k).map(Value::to_string),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_percent_parses_to_basis_points() {
        assert_eq!(FeePolicy::parse_percent("2.5").unwrap(), 250);
        assert_eq!(FeePolicy::parse_percent("0.75%").unwrap(), 75);
        assert_eq!(FeePolicy::parse_percent("100").unwrap(), 10_000);
        for bad in ["", "-1", "1.234", "100.01", "abc", ".5"] {
            assert!(
                FeePolicy::parse_percent(bad).is_err(),
                "{bad:?} must be refused"
            );
        }
    }

    #[test]
    fn the_diff_names_the_changed_fields_and_is_empty_without_change() {
        let old = FeePolicy {
            super_fee_bps: 200,
            fixed_fee_sats: 0,
        }
        .doc()
        .content;
        let new = FeePolicy {
            super_fee_bps: 250,
            fixed_fee_sats: 0,
        }
        .doc()
        .content;
        let d = diff(FEE_D_TAG, Some(old.clone()), &new);
        assert_eq!(
            d.changes,
            vec![FieldChange {
                field: "super_fee_bps".into(),
                before: Some("200".into()),
                after: Some("250".into())
            }]
        );
        assert!(diff(FEE_D_TAG, Some(old.clone()), &old).changes.is_empty());
        assert_eq!(
            diff(FEE_D_TAG, None, &new).changes.len(),
            3,
            "a first version shows every field"
        );
    }

    #[test]
    fn the_fee_document_reads_back() {
        let p = FeePolicy {
            super_fee_bps: 125,
            fixed_fee_sats: 500,
        };
        assert_eq!(FeePolicy::from_content(&p.doc().content), Some(p));
        assert_eq!(p.doc().d_tag, FEE_D_TAG);
    }
}
