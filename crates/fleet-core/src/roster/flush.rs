//! The `publish_roster` outbox row: read and merge the roster on the relays, build the roster
//! from the cache, and have the bunker sign, the console verify and the relays take every chunk
//! that changed, then the head.

use std::collections::HashMap;

use fleet_store::{machines, published};
use tracing::{info, warn};

use super::document::{self, Built};
use crate::operator_events::{self, PublishAction, ROSTER_D_TAG};
use crate::outbox::{Completion, Session};
use crate::{Error, Result};

/// Runs one roster row. A repeated row (after a crash) re-signs nothing the relays already
/// hold: each chunk is compared with its recorded version, then with the relays' copy.
pub(crate) async fn execute(session: &mut Session) -> Result<Completion> {
    let fleet = session.fleet().clone();
    // Read-merge-write: another console's changes come in first, so this publication never
    // drops them. A refused roster on the relays is replaced by this console's.
    let events = fleet.operator_documents().await?;
    let refused = match fleet.merge_roster_events(&events, false).await {
        Ok(_) => None,
        Err(Error::RosterRefused { reason }) => {
            warn!(%reason, "the roster on the relays was refused; publishing this console's");
            Some(reason)
        }
        Err(e) => return Err(e),
    };
    let here = fleet.admin_npub().await?;
    let (built, recorded) = fleet
        .db()
        .interact(move |c| {
            let list = machines::list(c)?;
            let head = published::get(c, ROSTER_D_TAG)?.map(|p| p.content);
            let min = head.as_deref().map_or(1, document::buckets_of_head);
            let entries = list.iter().map(|m| document::entry(m, &here)).collect();
            let built = document::build(entries, min).map_err(fleet_store::Error::Task)?;
            let mut recorded = HashMap::new();
            for (d, _) in &built.chunks {
                if let Some(p) = published::get(c, d)? {
                    recorded.insert(d.clone(), p.content);
                }
            }
            if let Some(h) = head {
                recorded.insert(ROSTER_D_TAG.to_owned(), h);
            }
            Ok((built, recorded))
        })
        .await?;
    let signed = publish_chunks(session, &built, &recorded).await?;
    if signed == 0 && recorded.get(ROSTER_D_TAG) == Some(&built.head) {
        return Ok(Completion::default());
    }
    let mut done = operator_events::execute(
        session,
        &PublishAction {
            d_tag: ROSTER_D_TAG.into(),
            content: built.head.clone(),
        },
    )
    .await?;
    info!(
        chunks = built.chunks.len(),
        signed,
        bytes = built.bytes(),
        "roster published"
    );
    if let Some(audit) = done.audit.as_mut() {
        audit.action = super::ACTION.into();
        audit.detail = Some(format!(
            "{} chunk(s) of {} re-signed, {} bytes in all{}; head: {}",
            signed,
            built.chunks.len(),
            built.bytes(),
            refused
                .map(|r| format!("; the roster on the relays was refused ({r})"))
                .unwrap_or_default(),
            audit.detail.take().unwrap_or_default()
        ));
    }
    Ok(done)
}

/// Signs and publishes every chunk whose content differs from its recorded version, recording
/// each as it goes; returns how many.
async fn publish_chunks(
    session: &mut Session,
    built: &Built,
    recorded: &HashMap<String, String>,
) -> Result<usize> {
    let mut signed = 0;
    for (d, content) in &built.chunks {
        if recorded.get(d) == Some(content) {
            continue;
        }
        let done = operator_events::execute(
            session,
            &PublishAction {
                d_tag: d.clone(),
                content: content.clone(),
            },
        )
        .await?;
        if let Some(p) = done.published {
            session
                .fleet()
                .db()
                .interact(move |c| published::upsert(c, &p))
                .await?;
        }
        signed += 1;
    }
    Ok(signed)
}
