//! The bunker profile: the one bunker this console administers, and what the last probe found.
//!
//! Holds only public data (pubkeys, relay URLs, names); the connection secret of a bunker URL is
//! never stored (DESIGN.md §1).

use std::fmt;
use std::str::FromStr;

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::clock::unix_now;
use crate::{Error, Result};

/// How the bunker encrypts NIP-46 payloads (protocol/nsecbunkerd.md §5: stock nsecbunkerd speaks
/// NIP-04 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Encryption {
    /// NIP-04 only (stock nsecbunkerd).
    #[default]
    Nip04,
    /// NIP-44 understood too.
    Nip44,
}

impl Encryption {
    /// The text stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nip04 => "nip04",
            Self::Nip44 => "nip44",
        }
    }
}

impl fmt::Display for Encryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Encryption {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "nip04" => Ok(Self::Nip04),
            "nip44" => Ok(Self::Nip44),
            other => Err(format!("unknown encryption {other:?}")),
        }
    }
}

/// The bunker this console talks to.
#[derive(Debug, Clone, PartialEq)]
pub struct BunkerProfile {
    /// The bunker's admin pubkey (hex).
    pub admin_pubkey: String,
    /// Relays the bunker's admin RPC listens on.
    pub admin_relays: Vec<String>,
    /// Name of the bunker key that holds the operator key.
    pub key_name: String,
    /// That key's pubkey (hex), once `get_keys` showed it (locked keys have none).
    pub key_pubkey: Option<String>,
    /// Relays the ATMs use (the bunker's `nostr.relays`; no RPC exposes them).
    pub atm_relays: Vec<String>,
    /// Kind the bunker answers admin requests on (24134 or 24133), once probed.
    pub admin_reply_kind: Option<u16>,
    /// What `ping` answered (`ok` or `pong`), once probed.
    pub ping_reply: Option<String>,
    /// Encryption to use towards the bunker.
    pub encryption: Encryption,
    /// The last probe's findings, as the probe wrote them.
    pub capabilities: Option<serde_json::Value>,
    /// When the last probe ran (unix seconds).
    pub probed_at: Option<i64>,
    /// When this row was last written (unix seconds); set by [`save`].
    pub updated_at: i64,
}

impl BunkerProfile {
    /// A profile that has not been probed yet.
    pub fn new(
        admin_pubkey: impl Into<String>,
        admin_relays: Vec<String>,
        key_name: impl Into<String>,
    ) -> Self {
        Self {
            admin_pubkey: admin_pubkey.into(),
            admin_relays,
            key_name: key_name.into(),
            key_pubkey: None,
            atm_relays: Vec::new(),
            admin_reply_kind: None,
            ping_reply: None,
            encryption: Encryption::Nip04,
            capabilities: None,
            probed_at: None,
            updated_at: 0,
        }
    }
}

/// Loads the profile, or `None` if the console was never connected to a bunker.
///
/// # Errors
/// [`Error::Sqlite`], or [`Error::Corrupt`] if a stored value cannot be read back.
pub fn load(conn: &Connection) -> Result<Option<BunkerProfile>> {
    conn.query_row(
        "SELECT admin_pubkey, admin_relays, key_name, key_pubkey, atm_relays, admin_reply_kind,
                ping_reply, encryption, capabilities, probed_at, updated_at
         FROM bunker_profile WHERE id = 1",
        [],
        RawProfile::from_row,
    )
    .optional()?
    .map(RawProfile::decode)
    .transpose()
}

/// Writes the profile (replacing any previous one) and returns it with `updated_at` set to now.
///
/// # Errors
/// [`Error::Sqlite`], [`Error::Json`].
pub fn save(conn: &Connection, profile: &BunkerProfile) -> Result<BunkerProfile> {
    let mut saved = profile.clone();
    saved.updated_at = unix_now();
    let capabilities = saved
        .capabilities
        .as_ref()
        .map(|c| to_json("bunker_profile.capabilities", c))
        .transpose()?;
    conn.execute(
        "INSERT INTO bunker_profile (id, admin_pubkey, admin_relays, key_name, key_pubkey,
             atm_relays, admin_reply_kind, ping_reply, encryption, capabilities, probed_at, updated_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET
             admin_pubkey = excluded.admin_pubkey, admin_relays = excluded.admin_relays,
             key_name = excluded.key_name, key_pubkey = excluded.key_pubkey,
             atm_relays = excluded.atm_relays, admin_reply_kind = excluded.admin_reply_kind,
             ping_reply = excluded.ping_reply, encryption = excluded.encryption,
             capabilities = excluded.capabilities, probed_at = excluded.probed_at,
             updated_at = excluded.updated_at",
        params![
            saved.admin_pubkey,
            to_json("bunker_profile.admin_relays", &saved.admin_relays)?,
            saved.key_name,
            saved.key_pubkey,
            to_json("bunker_profile.atm_relays", &saved.atm_relays)?,
            saved.admin_reply_kind,
            saved.ping_reply,
            saved.encryption.as_str(),
            capabilities,
            saved.probed_at,
            saved.updated_at,
        ],
    )?;
    Ok(saved)
}

fn to_json<T: serde::Serialize>(column: &'static str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|source| Error::Json { column, source })
}

/// Row values before the JSON and enum columns are decoded (decoding errors are ours, not
/// rusqlite's).
struct RawProfile {
    admin_pubkey: String,
    admin_relays: String,
    key_name: String,
    key_pubkey: Option<String>,
    atm_relays: String,
    admin_reply_kind: Option<u16>,
    ping_reply: Option<String>,
    encryption: String,
    capabilities: Option<String>,
    probed_at: Option<i64>,
    updated_at: i64,
}

impl RawProfile {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            admin_pubkey: row.get(0)?,
            admin_relays: row.get(1)?,
            key_name: row.get(2)?,
            key_pubkey: row.get(3)?,
            atm_relays: row.get(4)?,
            admin_reply_kind: row.get(5)?,
            ping_reply: row.get(6)?,
            encryption: row.get(7)?,
            capabilities: row.get(8)?,
            probed_at: row.get(9)?,
            updated_at: row.get(10)?,
        })
    }

    fn decode(self) -> Result<BunkerProfile> {
        let corrupt = |column: &'static str| {
            move |e: serde_json::Error| Error::Corrupt {
                column,
                detail: e.to_string(),
            }
        };
        Ok(BunkerProfile {
            admin_pubkey: self.admin_pubkey,
            admin_relays: serde_json::from_str(&self.admin_relays)
                .map_err(corrupt("bunker_profile.admin_relays"))?,
            key_name: self.key_name,
            key_pubkey: self.key_pubkey,
            atm_relays: serde_json::from_str(&self.atm_relays)
                .map_err(corrupt("bunker_profile.atm_relays"))?,
            admin_reply_kind: self.admin_reply_kind,
            ping_reply: self.ping_reply,
            encryption: self.encryption.parse().map_err(|detail| Error::Corrupt {
                column: "bunker_profile.encryption",
                detail,
            })?,
            capabilities: self
                .capabilities
                .map(|c| serde_json::from_str(&c))
                .transpose()
                .map_err(corrupt("bunker_profile.capabilities"))?,
            probed_at: self.probed_at,
            updated_at: self.updated_at,
        })
    }
}
