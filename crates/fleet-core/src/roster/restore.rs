//! Restore: rebuild the cache of a new or wiped console from what the bunker and the relays
//! hold (issue 13 item 3): the latest verified roster, the fee policy and app config, then the
//! bunker's KeyUsers and tokens through the reconcile, where the stricter access state wins.

use std::collections::HashMap;

use fleet_store::{published, PublishedEvent};
use nostr::{Event, JsonUtil, TagKind};
use serde::Serialize;

use super::RosterMerge;
use crate::operator_events::{CONFIG_D_PREFIX, FEE_D_TAG, OPERATOR_EVENT_KIND};
use crate::reconcile::ReconcileReport;
use crate::{Error, Fleet, Result};

/// What a restore found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreReport {
    /// The roster merge; `None` when no roster is published.
    pub roster: Option<RosterMerge>,
    /// Operator documents (fee policy, app config) restored, by `d` tag.
    pub documents: Vec<String>,
    /// The reconcile with the bunker's KeyUsers and tokens.
    pub reconcile: ReconcileReport,
}

impl RestoreReport {
    /// Every conflict found: the roster merge's, and where the bunker and the roster disagree
    /// on access (revoked on the bunker; revoked in the roster but active on the bunker).
    pub fn conflicts(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .roster
            .iter()
            .flat_map(|r| r.conflicts.iter().cloned())
            .collect();
        let r = &self.reconcile;
        lines.extend(
            r.revoked_elsewhere
                .iter()
                .map(|m| format!("{m}: active in the roster, revoked on the bunker: revoked")),
        );
        lines.extend(r.revived.iter().map(|c| {
            format!(
                "{}: revoked in the roster, active on the bunker (client #{}): {}",
                c.machine,
                c.key_user_id,
                if c.re_revoke_queued {
                    "revoke queued again"
                } else {
                    "confirm to revoke it again (satop sync)"
                }
            )
        }));
        lines.extend(
            r.missing_on_bunker
                .iter()
                .map(|m| format!("{m}: its client is missing on the bunker (re-pair it)")),
        );
        lines
    }

    /// What was found, one line each, for people (`satop fleet restore`, the app).
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        match &self.roster {
            None => lines.push("no fleet roster is published on the relays".into()),
            Some(r) => {
                lines.push(format!(
                    "roster: {} machine(s), {} new here, {} updated",
                    r.machines,
                    r.added.len(),
                    r.updated.len()
                ));
                lines.extend(r.added.iter().cloned());
                lines.extend(r.updated.iter().cloned());
            }
        }
        for d in &self.documents {
            lines.push(format!("restored {d}"));
        }
        lines.push(format!(
            "bunker: {} client(s) compared with {} machine(s)",
            self.reconcile.clients, self.reconcile.machines
        ));
        for c in self.conflicts() {
            lines.push(format!("conflict: {c}"));
        }
        lines
    }
}

impl Fleet {
    /// Rebuilds the cache from the bunker and the relays: merges the latest verified roster
    /// (machines never seen here are added with their ids), restores the fee policy and app
    /// config documents, then reconciles with the bunker's KeyUsers and tokens. Safe to run on
    /// a cache that is not empty: it is a merge, by the rules of [`super::merge`].
    ///
    /// # Errors
    /// [`Error::NotConnected`] before `connect`; [`Error::NotPublished`] when no relay answers;
    /// [`Error::RosterRefused`] for a bad roster (nothing changes); [`Error::Bunker`] when the
    /// bunker cannot be reached (the roster and documents are restored, the reconcile is not);
    /// [`Error::Store`].
    pub async fn restore(&self) -> Result<RestoreReport> {
        let events = self.operator_documents().await?;
        // Refuse a bad roster before anything is written.
        let roster = self.merge_roster_events(&events, false).await?;
        let documents = self.restore_documents(&events).await?;
        let reconcile = self.reconcile().await?;
        Ok(RestoreReport {
            roster,
            documents,
            reconcile,
        })
    }

    /// Records the newest fee policy and app-config events as the last published versions.
    async fn restore_documents(&self, events: &[Event]) -> Result<Vec<String>> {
        let profile = self.profile().await?.ok_or(Error::NotConnected)?;
        let operator = crate::operator_events::session::operator_key(&profile)?;
        let mut newest: HashMap<String, &Event> = HashMap::new();
        for e in events.iter().filter(|e| e.pubkey == operator) {
            let Some(d) = e.tags.find(TagKind::d()).and_then(|t| t.content()) else {
                continue;
            };
            if d != FEE_D_TAG && !d.starts_with(CONFIG_D_PREFIX) {
                continue;
            }
            let slot = newest.entry(d.to_owned()).or_insert(e);
            // NIP-01: the newest; at the same second, the lowest id (what relays keep).
            if (e.created_at, std::cmp::Reverse(e.id))
                > (slot.created_at, std::cmp::Reverse(slot.id))
            {
                *slot = e;
            }
        }
        let found: Vec<PublishedEvent> = newest
            .into_iter()
            .map(|(d, e)| {
                let created = i64::try_from(e.created_at.as_secs()).unwrap_or(i64::MAX);
                PublishedEvent {
                    d_tag: d,
                    kind: OPERATOR_EVENT_KIND,
                    event_id: e.id.to_hex(),
                    content: e.content.clone(),
                    event_json: e.as_json(),
                    created_at: created,
                    published_at: created,
                    relays: Vec::new(),
                }
            })
            .collect();
        Ok(self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let mut restored = Vec::new();
                for p in found {
                    if published::get(&tx, &p.d_tag)?
                        .is_some_and(|old| old.created_at >= p.created_at)
                    {
                        continue;
                    }
                    published::upsert(&tx, &p)?;
                    restored.push(p.d_tag);
                }
                tx.commit()?;
                restored.sort();
                Ok(restored)
            })
            .await?)
    }
}
