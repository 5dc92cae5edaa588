//! The machines (ATMs) of the fleet and their pairing state.

use std::fmt;
use std::str::FromStr;

use rusqlite::{params, Connection, ErrorCode, OptionalExtension, Row};

use crate::clock::unix_now;
use crate::{Error, Result};

/// Longest machine name, in characters (DESIGN.md §3 Pair step 1).
pub const MAX_NAME_CHARS: usize = 50;

/// Where a machine stands with the bunker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MachineState {
    /// Known, never paired through the bunker.
    Unpaired,
    /// A pairing QR is on screen; the token is not redeemed yet.
    Pairing,
    /// Paired; its access term is running.
    Active,
    /// Paired; its access term ends soon.
    Expiring,
    /// Its access term is over; it should be renewed or revoked.
    Expired,
    /// Revoke requested; waiting in the outbox for the network.
    RevokePending,
    /// The bunker confirmed the revocation.
    Revoked,
    /// Paired the legacy way: the operator nsec sits on the ATM.
    Legacy,
}

impl MachineState {
    /// Every state, in lifecycle order.
    pub const ALL: [Self; 8] = [
        Self::Unpaired,
        Self::Pairing,
        Self::Active,
        Self::Expiring,
        Self::Expired,
        Self::RevokePending,
        Self::Revoked,
        Self::Legacy,
    ];

    /// The text stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unpaired => "unpaired",
            Self::Pairing => "pairing",
            Self::Active => "active",
            Self::Expiring => "expiring",
            Self::Expired => "expired",
            Self::RevokePending => "revoke_pending",
            Self::Revoked => "revoked",
            Self::Legacy => "legacy",
        }
    }
}

impl fmt::Display for MachineState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MachineState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| format!("unknown machine state {s:?}"))
    }
}

/// Characters of a machine id: Crockford base32 (no I, L, O, U).
pub const UID_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Length of a machine id (50 random bits).
pub const UID_LEN: usize = 10;
/// Prefix of every machine's bunker client name.
pub const CLIENT_PREFIX: &str = "satmachine-";

/// A machine as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// Row id: local to this cache, never shown to the bunker or the relays.
    pub id: i64,
    /// The machine's identity everywhere the bunker or relays see it: 10 Crockford base32
    /// characters, random, made when the machine was added (on whichever console).
    pub uid: String,
    /// The bunker's name for it (token client name, KeyUser description):
    /// `satmachine-<uid>`, or `satmachine-<row id>` for a machine added before ids travelled.
    pub client_name: String,
    /// Display name, trimmed, unique ignoring case.
    pub name: String,
    /// Where it stands, free text.
    pub site: Option<String>,
    /// Pairing state.
    pub state: MachineState,
    /// The bunker's KeyUser id for this machine's client key, once paired.
    pub bunker_connection_id: Option<i64>,
    /// The ATM's client pubkey (hex), once paired.
    pub atm_client_pubkey: Option<String>,
    /// When the pairing completed (unix seconds).
    pub paired_at: Option<i64>,
    /// End of the access term the app enforces (unix seconds).
    pub bunker_token_expires_at: Option<i64>,
    /// Currently paired the legacy way (operator nsec on the ATM).
    pub legacy: bool,
    /// When the row was created (unix seconds).
    pub created_at: i64,
    /// When the row last changed (unix seconds).
    pub updated_at: i64,
    /// When it last changed in a way the roster carries (unix seconds), here or elsewhere.
    pub changed_at: i64,
    /// The console (npub) that made that change; `None` when it was this console.
    pub changed_by: Option<String>,
}

/// A machine as another console recorded it (from the roster): its identity travels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownMachine {
    /// Its id.
    pub uid: String,
    /// Its bunker client name.
    pub client_name: String,
    /// Display name (already checked by the caller).
    pub name: String,
    /// Where it stands.
    pub site: Option<String>,
    /// Its state.
    pub state: MachineState,
    /// The ATM's client pubkey (hex), once paired.
    pub atm_client_pubkey: Option<String>,
    /// When the pairing completed.
    pub paired_at: Option<i64>,
    /// End of the access term.
    pub bunker_token_expires_at: Option<i64>,
    /// When it was added.
    pub created_at: i64,
    /// When it last changed.
    pub changed_at: i64,
    /// Which console changed it last (npub).
    pub changed_by: Option<String>,
}

/// A machine to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMachine {
    /// Display name; trimmed before it is checked and stored.
    pub name: String,
    /// Where it stands.
    pub site: Option<String>,
    /// Already paired the legacy way: it starts in [`MachineState::Legacy`].
    pub legacy: bool,
}

impl NewMachine {
    /// A new, unpaired machine without a site.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            site: None,
            legacy: false,
        }
    }
}

/// The result of a completed pairing (DESIGN.md §3 Pair step 7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pairing {
    /// The bunker's KeyUser id for the ATM's client key.
    pub bunker_connection_id: i64,
    /// The ATM's client pubkey (hex).
    pub atm_client_pubkey: String,
    /// When the token was redeemed (unix seconds).
    pub paired_at: i64,
    /// End of the access term (unix seconds).
    pub bunker_token_expires_at: i64,
}

/// Checks a machine name and returns it trimmed.
///
/// # Errors
/// [`Error::NameInvalid`] if it is empty after trimming or longer than [`MAX_NAME_CHARS`].
pub fn validate_name(name: &str) -> Result<String> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 {
        return Err(Error::NameInvalid {
            problem: "is empty".to_owned(),
        });
    }
    if chars > MAX_NAME_CHARS {
        return Err(Error::NameInvalid {
            problem: format!("is {chars} characters long"),
        });
    }
    Ok(name.to_owned())
}

const COLUMNS: &str = "id, name, site, state, bunker_connection_id, atm_client_pubkey, paired_at,
                       bunker_token_expires_at, legacy, created_at, updated_at, uid, client_name,
                       changed_at, changed_by";

/// The bunker client name of the machine `uid`.
pub fn client_name_for(uid: &str) -> String {
    format!("{CLIENT_PREFIX}{uid}")
}

/// A fresh machine id no row holds: 50 bits from SQLite's randomness (seeded from the OS),
/// as 10 Crockford base32 characters.
///
/// # Errors
/// [`Error::Sqlite`].
pub fn fresh_uid(conn: &Connection) -> Result<String> {
    loop {
        let bytes: Vec<u8> = conn.query_row("SELECT randomblob(8)", [], |r| r.get(0))?;
        let mut bits = bytes
            .iter()
            .fold(0_u64, |acc, b| (acc << 8) | u64::from(*b));
        let mut uid = String::with_capacity(UID_LEN);
        for _ in 0..UID_LEN {
            uid.push(char::from(UID_ALPHABET[(bits & 31) as usize]));
            bits >>= 5;
        }
        let taken: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM machines WHERE uid = ?1)",
            [&uid],
            |r| r.get(0),
        )?;
        if !taken {
            return Ok(uid);
        }
    }
}

/// Adds a machine.
///
/// # Errors
/// [`Error::NameInvalid`], [`Error::NameTaken`] (names are unique ignoring case),
/// [`Error::Sqlite`].
pub fn insert(conn: &Connection, new: &NewMachine) -> Result<Machine> {
    let name = validate_name(&new.name)?;
    let state = if new.legacy {
        MachineState::Legacy
    } else {
        MachineState::Unpaired
    };
    let now = unix_now();
    let uid = fresh_uid(conn)?;
    conn.execute(
        "INSERT INTO machines (name, site, state, legacy, created_at, updated_at, uid,
             client_name, changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?5)",
        params![
            name,
            new.site,
            state.as_str(),
            new.legacy,
            now,
            uid,
            client_name_for(&uid)
        ],
    )
    .map_err(|e| name_conflict(e, &name))?;
    let id = conn.last_insert_rowid();
    get(conn, id)?.ok_or(Error::NotFound {
        what: "machine",
        id,
    })
}

/// Adds a machine another console recorded, with its identity and last change as recorded
/// (no roster publication is queued for it).
///
/// # Errors
/// [`Error::NameInvalid`], [`Error::NameTaken`], [`Error::Sqlite`] (also for a taken uid).
pub fn insert_known(conn: &Connection, known: &KnownMachine) -> Result<Machine> {
    let name = validate_name(&known.name)?;
    conn.execute(
        "INSERT INTO machines (name, site, state, legacy, created_at, updated_at, uid,
             client_name, changed_at, changed_by, atm_client_pubkey, paired_at,
             bunker_token_expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            name,
            known.site,
            known.state.as_str(),
            known.state == MachineState::Legacy,
            known.created_at,
            unix_now(),
            known.uid,
            known.client_name,
            known.changed_at,
            known.changed_by,
            known.atm_client_pubkey,
            known.paired_at,
            known.bunker_token_expires_at,
        ],
    )
    .map_err(|e| name_conflict(e, &name))?;
    let id = conn.last_insert_rowid();
    get(conn, id)?.ok_or(Error::NotFound {
        what: "machine",
        id,
    })
}

/// Takes another console's newer record of machine `id` (same uid): every field the roster
/// carries, and its change time and author, so no roster publication is queued for it. The
/// stored KeyUser id is dropped when the client key changed.
///
/// # Errors
/// [`Error::NameInvalid`], [`Error::NameTaken`], [`Error::NotFound`], [`Error::Sqlite`].
pub fn adopt(conn: &Connection, id: i64, known: &KnownMachine) -> Result<()> {
    let name = validate_name(&known.name)?;
    let changed = conn
        .execute(
            "UPDATE machines SET name = ?2, site = ?3, state = ?4, atm_client_pubkey = ?5,
                 paired_at = ?6, bunker_token_expires_at = ?7, changed_at = ?8, changed_by = ?9,
                 bunker_connection_id = CASE WHEN atm_client_pubkey IS ?5
                                             THEN bunker_connection_id END,
                 legacy = (?4 = 'legacy'), updated_at = ?10
             WHERE id = ?1",
            params![
                id,
                name,
                known.site,
                known.state.as_str(),
                known.atm_client_pubkey,
                known.paired_at,
                known.bunker_token_expires_at,
                known.changed_at,
                known.changed_by,
                unix_now(),
            ],
        )
        .map_err(|e| name_conflict(e, &name))?;
    expect_one(changed, id)
}

/// The machine with this uid, if any.
///
/// # Errors
/// [`Error::Sqlite`], [`Error::Corrupt`].
pub fn find_by_uid(conn: &Connection, uid: &str) -> Result<Option<Machine>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM machines WHERE uid = ?1"),
        [uid],
        RawMachine::from_row,
    )
    .optional()?
    .map(RawMachine::decode)
    .transpose()
}

/// Sets a machine's site.
///
/// # Errors
/// [`Error::NotFound`], [`Error::Sqlite`].
pub fn set_site(conn: &Connection, id: i64, site: Option<&str>) -> Result<()> {
    let changed = conn.execute(
        "UPDATE machines SET site = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, site, unix_now()],
    )?;
    expect_one(changed, id)
}

/// Renames a machine.
///
/// # Errors
/// [`Error::NameInvalid`], [`Error::NameTaken`], [`Error::NotFound`], [`Error::Sqlite`].
pub fn rename(conn: &Connection, id: i64, name: &str) -> Result<()> {
    let name = validate_name(name)?;
    let changed = conn
        .execute(
            "UPDATE machines SET name = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, name, unix_now()],
        )
        .map_err(|e| name_conflict(e, &name))?;
    expect_one(changed, id)
}

/// Every machine, ordered by name (ignoring case).
///
/// # Errors
/// [`Error::Sqlite`], [`Error::Corrupt`].
pub fn list(conn: &Connection) -> Result<Vec<Machine>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM machines ORDER BY name, id"))?;
    let raw = stmt
        .query_map([], RawMachine::from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raw.into_iter().map(RawMachine::decode).collect()
}

/// The machine with this id, if any.
///
/// # Errors
/// [`Error::Sqlite`], [`Error::Corrupt`].
pub fn get(conn: &Connection, id: i64) -> Result<Option<Machine>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM machines WHERE id = ?1"),
        [id],
        RawMachine::from_row,
    )
    .optional()?
    .map(RawMachine::decode)
    .transpose()
}

/// The machine with this name, compared ignoring case and surrounding spaces.
///
/// # Errors
/// [`Error::Sqlite`], [`Error::Corrupt`].
pub fn find_by_name(conn: &Connection, name: &str) -> Result<Option<Machine>> {
    // The column is COLLATE NOCASE, so `=` ignores (ASCII) case and uses the unique index.
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM machines WHERE name = ?1"),
        [name.trim()],
        RawMachine::from_row,
    )
    .optional()?
    .map(RawMachine::decode)
    .transpose()
}

/// Sets a machine's state.
///
/// # Errors
/// [`Error::NotFound`], [`Error::Sqlite`].
pub fn update_state(conn: &Connection, id: i64, state: MachineState) -> Result<()> {
    let changed = conn.execute(
        "UPDATE machines SET state = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, state.as_str(), unix_now()],
    )?;
    expect_one(changed, id)
}

/// Records a completed pairing: the machine becomes [`MachineState::Active`] and is no longer
/// legacy (its ATM now signs through the bunker).
///
/// # Errors
/// [`Error::NotFound`], [`Error::Sqlite`].
pub fn set_pairing(conn: &Connection, id: i64, pairing: &Pairing) -> Result<()> {
    let changed = conn.execute(
        "UPDATE machines SET state = ?2, bunker_connection_id = ?3, atm_client_pubkey = ?4,
             paired_at = ?5, bunker_token_expires_at = ?6, legacy = 0, updated_at = ?7
         WHERE id = ?1",
        params![
            id,
            MachineState::Active.as_str(),
            pairing.bunker_connection_id,
            pairing.atm_client_pubkey,
            pairing.paired_at,
            pairing.bunker_token_expires_at,
            unix_now(),
        ],
    )?;
    expect_one(changed, id)
}

fn expect_one(changed: usize, id: i64) -> Result<()> {
    if changed == 0 {
        Err(Error::NotFound {
            what: "machine",
            id,
        })
    } else {
        Ok(())
    }
}

/// Turns the UNIQUE violation on `machines.name` into [`Error::NameTaken`].
fn name_conflict(e: rusqlite::Error, name: &str) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == ErrorCode::ConstraintViolation
                && f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
        {
            Error::NameTaken {
                name: name.to_owned(),
            }
        }
        _ => Error::from(e),
    }
}

struct RawMachine {
    id: i64,
    name: String,
    site: Option<String>,
    state: String,
    bunker_connection_id: Option<i64>,
    atm_client_pubkey: Option<String>,
    paired_at: Option<i64>,
    bunker_token_expires_at: Option<i64>,
    legacy: bool,
    created_at: i64,
    updated_at: i64,
    uid: Option<String>,
    client_name: Option<String>,
    changed_at: Option<i64>,
    changed_by: Option<String>,
}

impl RawMachine {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            name: row.get(1)?,
            site: row.get(2)?,
            state: row.get(3)?,
            bunker_connection_id: row.get(4)?,
            atm_client_pubkey: row.get(5)?,
            paired_at: row.get(6)?,
            bunker_token_expires_at: row.get(7)?,
            legacy: row.get(8)?,
            created_at: row.get(9)?,
            updated_at: row.get(10)?,
            uid: row.get(11)?,
            client_name: row.get(12)?,
            changed_at: row.get(13)?,
            changed_by: row.get(14)?,
        })
    }

    fn decode(self) -> Result<Machine> {
        let missing = |column: &'static str| Error::Corrupt {
            column,
            detail: "missing (set by migration 06)".into(),
        };
        Ok(Machine {
            id: self.id,
            uid: self.uid.ok_or_else(|| missing("machines.uid"))?,
            client_name: self
                .client_name
                .ok_or_else(|| missing("machines.client_name"))?,
            changed_at: self.changed_at.unwrap_or(self.updated_at),
            changed_by: self.changed_by,
            name: self.name,
            site: self.site,
            state: self.state.parse().map_err(|detail| Error::Corrupt {
                column: "machines.state",
                detail,
            })?,
            bunker_connection_id: self.bunker_connection_id,
            atm_client_pubkey: self.atm_client_pubkey,
            paired_at: self.paired_at,
            bunker_token_expires_at: self.bunker_token_expires_at,
            legacy: self.legacy,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}
