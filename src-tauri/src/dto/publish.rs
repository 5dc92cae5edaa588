//! Operator documents (fee policy, fleet roster) as bunker-signed kind-30078 events: the diff
//! shown before signing, and how a publication ended.

use fleet_core::operator_events::{EventDiff, FieldChange, OperatorChange, PublishedDoc};
use fleet_core::outbox::Delivery;
use serde::Serialize;
use specta::Type;

/// One changed field.
#[derive(Debug, Clone, Serialize, Type)]
pub struct FieldChangeView {
    /// Field name (`super_fee_bps`).
    pub field: String,
    /// Before (JSON text), absent when new.
    pub before: Option<String>,
    /// After (JSON text), absent when removed.
    pub after: Option<String>,
}

/// The new version against the last published one.
#[derive(Debug, Clone, Serialize, Type)]
pub struct DiffView {
    /// The `d` tag.
    pub d_tag: String,
    /// The last published content.
    pub previous: Option<String>,
    /// The content that will be signed.
    pub next: String,
    /// Changed fields; empty when nothing changes.
    pub changes: Vec<FieldChangeView>,
}

impl From<EventDiff> for DiffView {
    fn from(d: EventDiff) -> Self {
        Self {
            d_tag: d.d_tag,
            previous: d.previous,
            next: d.next,
            changes: d
                .changes
                .into_iter()
                .map(
                    |FieldChange {
                         field,
                         before,
                         after,
                     }| FieldChangeView {
                        field,
                        before,
                        after,
                    },
                )
                .collect(),
        }
    }
}

/// How "Sign with bunker" ended.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PublishResult {
    /// Same as the published (or already queued) version: nothing was sent.
    Unchanged {
        /// The (empty) diff.
        diff: DiffView,
    },
    /// Bunker-signed, verified (signer = operator key), published and recorded.
    Published {
        /// What changed.
        diff: DiffView,
        /// The published event's id (hex).
        event_id: Option<String>,
        /// Who signed it: read from the verified, recorded event.
        signer_npub: Option<String>,
        /// The relays that accepted it, or already held it (a repeated outbox row): only those,
        /// never every relay tried.
        relays: Vec<String>,
    },
    /// Not reachable: nothing is recorded as done; the change waits in the outbox.
    Pending {
        /// What will change.
        diff: DiffView,
        /// Why it waits.
        reason: Option<String>,
    },
    /// Refused or not verifiable: nothing is recorded as done.
    Failed {
        /// What would have changed.
        diff: DiffView,
        /// Why.
        reason: String,
    },
}

impl PublishResult {
    /// From a change and, once published, the recorded version and its verified signer.
    pub fn new(
        change: OperatorChange,
        published: Option<PublishedDoc>,
        signer_npub: Option<String>,
    ) -> Self {
        let diff = DiffView::from(change.diff);
        match change.delivery {
            None => Self::Unchanged { diff },
            Some(Delivery::Done) => {
                let (event_id, relays) = published
                    .map(|p| (Some(p.event_id), p.relays))
                    .unwrap_or_default();
                Self::Published {
                    diff,
                    event_id,
                    signer_npub,
                    relays,
                }
            }
            Some(Delivery::Pending { reason }) => Self::Pending { diff, reason },
            Some(Delivery::Failed { reason }) => Self::Failed { diff, reason },
        }
    }
}

/// What a restore from the bunker and the relays found (fleet-core's words).
#[derive(Debug, Clone, Serialize, Type)]
pub struct RestoreView {
    /// Machines on the roster (0 when none is published).
    pub machines: u32,
    /// What was found and done, one line each.
    pub lines: Vec<String>,
    /// Every conflict and how it was settled, one line each.
    pub conflicts: Vec<String>,
}

impl From<fleet_core::roster::RestoreReport> for RestoreView {
    fn from(r: fleet_core::roster::RestoreReport) -> Self {
        Self {
            machines: u32::try_from(r.roster.as_ref().map_or(0, |m| m.machines))
                .unwrap_or(u32::MAX),
            lines: r.lines(),
            conflicts: r.conflicts(),
        }
    }
}

/// The last published fleet roster.
#[derive(Debug, Clone, Serialize, Type)]
pub struct RosterView {
    /// The event id (hex).
    pub event_id: String,
    /// When a relay accepted it (unix seconds).
    pub published_at: i64,
    /// How many machines it lists.
    pub machines: u32,
}

impl From<PublishedDoc> for RosterView {
    fn from(p: PublishedDoc) -> Self {
        // The roster head counts the machines; a version-1 roster listed them.
        let machines = serde_json::from_str::<serde_json::Value>(&p.content)
            .ok()
            .and_then(|v| {
                v["machines"]
                    .as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .or_else(|| v["machines"].as_array().map(Vec::len))
            })
            .unwrap_or(0);
        Self {
            event_id: p.event_id,
            published_at: p.published_at,
            machines: u32::try_from(machines).unwrap_or(u32::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use fleet_core::operator_events::diff;

    use super::*;

    #[test]
    fn published_names_only_the_relays_that_hold_the_event() {
        let change = OperatorChange {
            diff: diff("satmachine:super-fee", None, "{\"v\":1}"),
            delivery: Some(Delivery::Done),
        };
        let recorded = PublishedDoc {
            d_tag: "satmachine:super-fee".into(),
            event_id: "ab".repeat(32),
            content: "{\"v\":1}".into(),
            published_at: 1,
            relays: vec!["ws://127.0.0.1:7001".into()],
        };
        let PublishResult::Published {
            event_id, relays, ..
        } = PublishResult::new(change, Some(recorded), None)
        else {
            panic!("a done delivery is published");
        };
        assert_eq!(event_id, Some("ab".repeat(32)));
        assert_eq!(relays, vec!["ws://127.0.0.1:7001".to_string()]);
    }
}
