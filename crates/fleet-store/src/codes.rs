//! Prepared pairing codes (issue 12): tokens minted ahead at the desk and shown at the site with
//! no network. This table holds only what is not secret; each code's secret lives in the secret
//! store, never here (DESIGN.md §1, "Prepared codes").

use std::fmt;
use std::str::FromStr;

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::clock::unix_now;
use crate::{Error, Result};

/// Where a prepared code stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeState {
    /// Minted, not yet given to a machine.
    Live,
    /// Shown to a machine; not yet seen redeemed.
    Shown,
    /// Redeemed by the machine it was shown to; the machine is paired.
    Redeemed,
    /// Burned (redeemed by a throwaway key that was revoked at once).
    Burned,
    /// Its redeem window ended on the bunker before it was used.
    Expired,
    /// Redeemed in a way nobody expected (never shown, or by another ATM): look at it.
    Flagged,
}

impl CodeState {
    /// Every state.
    pub const ALL: [Self; 6] = [
        Self::Live,
        Self::Shown,
        Self::Redeemed,
        Self::Burned,
        Self::Expired,
        Self::Flagged,
    ];

    /// The text stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Shown => "shown",
            Self::Redeemed => "redeemed",
            Self::Burned => "burned",
            Self::Expired => "expired",
            Self::Flagged => "flagged",
        }
    }

    /// Whether the code may still be redeemed on the bunker (live or shown).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Live | Self::Shown)
    }
}

impl fmt::Display for CodeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CodeState {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| Error::Corrupt {
                column: "prepared_codes.state",
                detail: format!("unknown prepared code state {s:?}"),
            })
    }
}

/// A prepared code as stored (no secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedCode {
    /// Row id (what `satop code burn ID` takes).
    pub id: i64,
    /// The token's client name on the bunker (unique).
    pub client_name: String,
    /// The bunker's KeyToken id.
    pub bunker_token_id: i64,
    /// When it was minted (unix seconds).
    pub created_at: i64,
    /// End of its redeem window (unix seconds).
    pub expires_at: i64,
    /// The site it was prepared for.
    pub site: Option<String>,
    /// The machine it was shown to.
    pub machine_id: Option<i64>,
    /// When it was shown.
    pub shown_at: Option<i64>,
    /// Its state.
    pub state: CodeState,
    /// The fingerprint the operator read off the ATM's screen, if noted.
    pub noted_fingerprint: Option<String>,
    /// The client pubkey (hex) that redeemed it, once seen.
    pub redeemed_by: Option<String>,
    /// When a burn was asked for that could not run yet (offline); done at the next sync.
    pub burn_requested_at: Option<i64>,
    /// Why it was flagged or how it ended, for people.
    pub detail: Option<String>,
}

/// A code to record right after the bunker minted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPreparedCode {
    /// The token's client name.
    pub client_name: String,
    /// The bunker's KeyToken id.
    pub bunker_token_id: i64,
    /// End of its redeem window (unix seconds).
    pub expires_at: i64,
    /// The site it is for.
    pub site: Option<String>,
}

const COLUMNS: &str =
    "id, client_name, bunker_token_id, created_at, expires_at, site, machine_id, \
     shown_at, state, noted_fingerprint, redeemed_by, burn_requested_at, detail";

fn from_row(row: &Row<'_>) -> rusqlite::Result<PreparedCode> {
    let state: String = row.get(8)?;
    Ok(PreparedCode {
        id: row.get(0)?,
        client_name: row.get(1)?,
        bunker_token_id: row.get(2)?,
        created_at: row.get(3)?,
        expires_at: row.get(4)?,
        site: row.get(5)?,
        machine_id: row.get(6)?,
        shown_at: row.get(7)?,
        state: state.parse().map_err(|e: Error| {
            rusqlite::Error::FromSqlConversionFailure(8, rusqlite::types::Type::Text, Box::new(e))
        })?,
        noted_fingerprint: row.get(9)?,
        redeemed_by: row.get(10)?,
        burn_requested_at: row.get(11)?,
        detail: row.get(12)?,
    })
}

/// Records a minted code as `live`.
///
/// # Errors
/// [`Error::Sqlite`] (a client name already recorded is a UNIQUE violation).
pub fn insert(conn: &Connection, new: &NewPreparedCode) -> Result<PreparedCode> {
    let now = unix_now();
    conn.execute(
        "INSERT INTO prepared_codes (client_name, bunker_token_id, created_at, expires_at, site,
             state, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'live', ?3)",
        params![
            new.client_name,
            new.bunker_token_id,
            now,
            new.expires_at,
            new.site
        ],
    )?;
    get(conn, conn.last_insert_rowid())?.ok_or(Error::NotFound {
        what: "prepared code",
        id: conn.last_insert_rowid(),
    })
}

/// Every code, oldest first.
///
/// # Errors
/// [`Error::Sqlite`].
pub fn list(conn: &Connection) -> Result<Vec<PreparedCode>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM prepared_codes ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One code by id.
///
/// # Errors
/// [`Error::Sqlite`].
pub fn get(conn: &Connection, id: i64) -> Result<Option<PreparedCode>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM prepared_codes WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// The code shown to `machine_id` and not yet settled, if any.
///
/// # Errors
/// [`Error::Sqlite`].
pub fn shown_to(conn: &Connection, machine_id: i64) -> Result<Option<PreparedCode>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM prepared_codes WHERE machine_id = ?1 AND state = 'shown'"
            ),
            [machine_id],
            from_row,
        )
        .optional()?)
}

/// The next unused code: `live`, not past `now`, no burn asked, the site's first (a code
/// prepared for `site`, else one prepared for no site, else any), earliest expiry first.
///
/// # Errors
/// [`Error::Sqlite`].
pub fn next_unused(
    conn: &Connection,
    site: Option<&str>,
    now: i64,
) -> Result<Option<PreparedCode>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM prepared_codes
                 WHERE state = 'live' AND expires_at > ?2 AND burn_requested_at IS NULL
                 ORDER BY CASE WHEN site IS ?1 THEN 0 WHEN site IS NULL THEN 1 ELSE 2 END,
                          expires_at, id
                 LIMIT 1"
            ),
            params![site, now],
            from_row,
        )
        .optional()?)
}

/// Assigns a `live` code to a machine: it becomes `shown`.
///
/// # Errors
/// [`Error::NotFound`] when the code is not `live` any more; [`Error::Sqlite`].
pub fn mark_shown(conn: &Connection, id: i64, machine_id: i64, at: i64) -> Result<()> {
    let changed = conn.execute(
        "UPDATE prepared_codes SET state = 'shown', machine_id = ?2, shown_at = ?3, updated_at = ?3
         WHERE id = ?1 AND state = 'live'",
        params![id, machine_id, at],
    )?;
    one(changed, id)
}

/// Sets a code's state, with the client that redeemed it and a detail when known.
///
/// # Errors
/// [`Error::NotFound`]; [`Error::Sqlite`].
pub fn settle(
    conn: &Connection,
    id: i64,
    state: CodeState,
    redeemed_by: Option<&str>,
    detail: Option<&str>,
) -> Result<()> {
    let changed = conn.execute(
        "UPDATE prepared_codes SET state = ?2, redeemed_by = COALESCE(?3, redeemed_by),
             detail = COALESCE(?4, detail), burn_requested_at = CASE WHEN ?2 IN ('live', 'shown')
             THEN burn_requested_at ELSE NULL END, updated_at = ?5
         WHERE id = ?1",
        params![id, state.as_str(), redeemed_by, detail, unix_now()],
    )?;
    one(changed, id)
}

/// Notes the fingerprint the operator read off the ATM's screen.
///
/// # Errors
/// [`Error::NotFound`]; [`Error::Sqlite`].
pub fn note_fingerprint(conn: &Connection, id: i64, fingerprint: &str) -> Result<()> {
    let changed = conn.execute(
        "UPDATE prepared_codes SET noted_fingerprint = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, fingerprint, unix_now()],
    )?;
    one(changed, id)
}

/// Records that a burn was asked for while the bunker could not be reached.
///
/// # Errors
/// [`Error::NotFound`]; [`Error::Sqlite`].
pub fn request_burn(conn: &Connection, id: i64, at: i64) -> Result<()> {
    let changed = conn.execute(
        "UPDATE prepared_codes SET burn_requested_at = COALESCE(burn_requested_at, ?2),
             updated_at = ?2 WHERE id = ?1",
        params![id, at],
    )?;
    one(changed, id)
}

/// Live codes (`live`, not past `now`, no burn asked) and the nearest expiry among them.
///
/// # Errors
/// [`Error::Sqlite`].
pub fn live_summary(conn: &Connection, now: i64) -> Result<(usize, Option<i64>)> {
    let (count, nearest): (i64, Option<i64>) = conn.query_row(
        "SELECT COUNT(*), MIN(expires_at) FROM prepared_codes
         WHERE state = 'live' AND expires_at > ?1 AND burn_requested_at IS NULL",
        [now],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((usize::try_from(count).unwrap_or(0), nearest))
}

fn one(changed: usize, id: i64) -> Result<()> {
    if changed == 0 {
        Err(Error::NotFound {
            what: "prepared code",
            id,
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Db;

    fn code(name: &str, expires_at: i64, site: Option<&str>) -> NewPreparedCode {
        NewPreparedCode {
            client_name: name.into(),
            bunker_token_id: 1,
            expires_at,
            site: site.map(str::to_string),
        }
    }

    #[tokio::test]
    async fn the_next_code_is_the_sites_own_then_siteless_and_never_one_shown_or_expired() {
        let db = Db::open_in_memory().unwrap();
        db.interact(|c: &mut Connection| {
            let a = insert(c, &code("a", 100, Some("Depot")))?;
            let b = insert(c, &code("b", 50, None))?;
            let _old = insert(c, &code("old", 5, Some("Lobby")))?;
            let l = insert(c, &code("l", 200, Some("Lobby")))?;
            assert_eq!(next_unused(c, Some("Lobby"), 10)?.map(|x| x.id), Some(l.id));
            assert_eq!(next_unused(c, Some("Far"), 10)?.map(|x| x.id), Some(b.id));
            mark_shown(c, l.id, 7, 11)?;
            assert_eq!(shown_to(c, 7)?.map(|x| x.id), Some(l.id));
            assert!(
                mark_shown(c, l.id, 8, 12).is_err(),
                "a shown code is not live"
            );
            assert_eq!(next_unused(c, Some("Lobby"), 10)?.map(|x| x.id), Some(b.id));
            request_burn(c, b.id, 12)?;
            assert_eq!(next_unused(c, None, 10)?.map(|x| x.id), Some(a.id));
            assert_eq!(live_summary(c, 10)?, (1, Some(100)));
            settle(c, b.id, CodeState::Burned, None, Some("burned"))?;
            assert_eq!(get(c, b.id)?.unwrap().burn_requested_at, None);
            assert!(
                insert(c, &code("a", 1, None)).is_err(),
                "client names are unique"
            );
            Ok(())
        })
        .await
        .unwrap();
    }
}
