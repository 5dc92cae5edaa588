//! The last verified, published version of each operator-authored event (kind 30078), by `d`
//! tag: what the next version is diffed against. Public, signed data only.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::{Error, Result};

/// A published operator event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedEvent {
    /// The `d` tag (e.g. `satmachine:super-fee`).
    pub d_tag: String,
    /// Event kind (30078).
    pub kind: u16,
    /// Event id (hex).
    pub event_id: String,
    /// Content as signed.
    pub content: String,
    /// The full signed event as JSON.
    pub event_json: String,
    /// `created_at` of the event (unix seconds).
    pub created_at: i64,
    /// When a relay accepted it (unix seconds).
    pub published_at: i64,
    /// Relays that accepted it.
    pub relays: Vec<String>,
}

/// Records `event` as the current version of its `d` tag.
///
/// # Errors
/// [`Error::Sqlite`], [`Error::Json`].
pub fn upsert(conn: &Connection, event: &PublishedEvent) -> Result<()> {
    let relays = serde_json::to_string(&event.relays).map_err(|source| Error::Json {
        column: "operator_events.relays",
        source,
    })?;
    conn.execute(
        "INSERT INTO operator_events (d_tag, kind, event_id, content, event_json, created_at,
             published_at, relays)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (d_tag) DO UPDATE SET kind = excluded.kind, event_id = excluded.event_id,
             content = excluded.content, event_json = excluded.event_json,
             created_at = excluded.created_at, published_at = excluded.published_at,
             relays = excluded.relays",
        params![
            event.d_tag,
            event.kind,
            event.event_id,
            event.content,
            event.event_json,
            event.created_at,
            event.published_at,
            relays
        ],
    )?;
    Ok(())
}

/// The current version of `d_tag`, if one was published.
///
/// # Errors
/// [`Error::Sqlite`], [`Error::Corrupt`].
pub fn get(conn: &Connection, d_tag: &str) -> Result<Option<PublishedEvent>> {
    conn.query_row(
        "SELECT d_tag, kind, event_id, content, event_json, created_at, published_at, relays
         FROM operator_events WHERE d_tag = ?1",
        [d_tag],
        raw,
    )
    .optional()?
    .map(decode)
    .transpose()
}

type Raw = (PublishedEvent, String);

fn raw(row: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok((
        PublishedEvent {
            d_tag: row.get(0)?,
            kind: row.get(1)?,
            event_id: row.get(2)?,
            content: row.get(3)?,
            event_json: row.get(4)?,
            created_at: row.get(5)?,
            published_at: row.get(6)?,
            relays: Vec::new(),
        },
        row.get(7)?,
    ))
}

fn decode((event, relays): Raw) -> Result<PublishedEvent> {
    Ok(PublishedEvent {
        relays: serde_json::from_str(&relays).map_err(|e| Error::Corrupt {
            column: "operator_events.relays",
            detail: e.to_string(),
        })?,
        ..event
    })
}
