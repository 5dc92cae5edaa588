//! The fleet roster: the fleet's shared record on the relays (issue 13; DESIGN.md §3 "One
//! fleet, many consoles").
//!
//! Every machine (id, bunker name, name, site, state, ATM client key, paired-at, end of the
//! access term, when and by which console it last changed; nothing secret) is published as
//! bunker-signed kind-30078 events, split into chunks that fit relay and NIP-46 size limits
//! ([`document`]). Publication is automatic: a change the roster carries (add, pair, revoke,
//! rename, site, access term) queues one `publish_roster` outbox row in the same transaction
//! (migration 06; coalesced: one pending row at a time), and the row builds the content from the
//! cache when it runs. Before publishing it reads the roster on the relays and merges it
//! ([`merge`]), so a console never drops another console's machines.
//!
//! Reading: `satop sync` merges the roster into the cache ([`Fleet::sync_roster`]); a new or
//! wiped console rebuilds its cache from it with [`Fleet::restore`].
//!
//! ```no_run
//! # async fn demo(fleet: fleet_core::Fleet) -> fleet_core::Result<()> {
//! let report = fleet.restore().await?;
//! for line in report.lines() {
//!     println!("{line}");
//! }
//! # Ok(()) }
//! ```

pub mod document;
mod flush;
pub mod merge;
mod restore;

use fleet_store::{outbox, published, OutboxStatus};
use nostr::{Event, Kind};
use serde::{Deserialize, Serialize};

use crate::operator_events::{
    diff, publish, session, OperatorChange, OPERATOR_EVENT_KIND, RELAY_TIMEOUT, ROSTER_D_TAG,
};
use crate::outbox::{Action, Due, OutboxEvent};
use crate::{Error, Fleet, Result};

pub(crate) use flush::execute;
pub use merge::RosterMerge;
pub use restore::RestoreReport;

/// The queued roster publication (outbox payload): empty, the content is built when it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterAction {}

/// The outbox action name of a roster publication (the migration's trigger writes it too).
pub const ACTION: &str = "publish_roster";

impl Fleet {
    /// Queues a roster publication (unless one is pending) and runs the outbox. Nothing is
    /// signed when the roster on the relays already says what the cache says.
    ///
    /// # Errors
    /// [`Error::NotConnected`] before `connect`; [`Error::Store`].
    pub async fn publish_roster(&self, on_event: impl Fn(&OutboxEvent)) -> Result<OperatorChange> {
        if self.profile().await?.is_none() {
            return Err(Error::NotConnected);
        }
        let item = Action::PublishRoster(RosterAction::default()).to_item(None)?;
        let (row, before) = self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let pending = outbox::unfinished(&tx)?
                    .into_iter()
                    .find(|r| r.action == ACTION && r.status == OutboxStatus::Pending);
                let row = match pending {
                    Some(r) => r.id,
                    None => outbox::enqueue(&tx, &item)?.id,
                };
                let before = published::get(&tx, ROSTER_D_TAG)?.map(|p| p.content);
                tx.commit()?;
                Ok((row, before))
            })
            .await?;
        let run = self.run_outbox(Due::Now, on_event).await?;
        let delivery = self.delivery(row, &run).await?;
        let after = self
            .last_published(ROSTER_D_TAG)
            .await?
            .map(|p| p.content)
            .unwrap_or_default();
        let changed = before.as_deref() != Some(after.as_str());
        Ok(OperatorChange {
            diff: diff(ROSTER_D_TAG, before, &after),
            delivery: changed.then_some(delivery),
        })
    }

    /// Reads the roster on the ATM relays and merges it into the cache (what `satop sync` does
    /// after the outbox): the other consoles' pairings, revocations, renames and term changes.
    /// `None` when no roster is published yet.
    ///
    /// # Errors
    /// [`Error::NotConnected`]; [`Error::NotPublished`] when no relay answers;
    /// [`Error::RosterRefused`] for a bad roster (nothing changes); [`Error::Store`].
    pub async fn sync_roster(&self) -> Result<Option<RosterMerge>> {
        let events = self.operator_documents().await?;
        self.merge_roster_events(&events, true).await
    }

    /// Every operator document (kind 30078 by the operator key) on the ATM relays.
    pub(crate) async fn operator_documents(&self) -> Result<Vec<Event>> {
        let profile = self.profile().await?.ok_or(Error::NotConnected)?;
        let operator = session::operator_key(&profile)?;
        let relays = crate::connect::stored_atm_relays(&profile)?;
        publish::all(
            &relays,
            operator,
            Kind::from(OPERATOR_EVENT_KIND),
            RELAY_TIMEOUT,
        )
        .await
    }

    /// Reads the roster among `events` and merges it, in one transaction. With `catch_up`, a
    /// roster publication is queued when the relays do not say what this cache says (a
    /// change made here that another console's publication overtook, or no roster yet).
    pub(crate) async fn merge_roster_events(
        &self,
        events: &[Event],
        catch_up: bool,
    ) -> Result<Option<RosterMerge>> {
        let profile = self.profile().await?.ok_or(Error::NotConnected)?;
        let operator = session::operator_key(&profile)?;
        let roster =
            document::read(events, &operator).map_err(|reason| Error::RosterRefused { reason })?;
        let here = self.admin_npub().await?;
        let item = Action::PublishRoster(RosterAction::default()).to_item(None)?;
        let report = self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let report = match &roster {
                    Some(r) => Some(merge::merge(&tx, r, &here)?),
                    None => None,
                };
                if catch_up && relays_behind(&tx, roster.as_ref(), &here)? {
                    let pending = outbox::unfinished(&tx)?
                        .into_iter()
                        .any(|r| r.action == ACTION && r.status == OutboxStatus::Pending);
                    if !pending {
                        outbox::enqueue(&tx, &item)?;
                    }
                }
                tx.commit()?;
                Ok(report)
            })
            .await?;
        Ok(report)
    }
}

/// Whether the roster on the relays (`None`: none) differs from the one this cache builds.
fn relays_behind(
    tx: &fleet_store::Transaction<'_>,
    roster: Option<&document::Roster>,
    here: &str,
) -> fleet_store::Result<bool> {
    let list = fleet_store::machines::list(tx)?;
    let Some(roster) = roster else {
        return Ok(!list.is_empty());
    };
    let entries = list.iter().map(|m| document::entry(m, here)).collect();
    let Ok(built) = document::build(entries, roster.buckets) else {
        return Ok(false);
    };
    let on_relays: std::collections::HashMap<&str, &str> = roster
        .events
        .iter()
        .filter_map(|e| {
            let d = e.tags.find(nostr::TagKind::d()).and_then(|t| t.content())?;
            Some((d, e.content.as_str()))
        })
        .collect();
    Ok(on_relays.get(ROSTER_D_TAG) != Some(&built.head.as_str())
        || built
            .chunks
            .iter()
            .any(|(d, c)| on_relays.get(d.as_str()) != Some(&c.as_str())))
}
