//! Machines: add and list the fleet's ATMs, offline (DESIGN.md §3 "Pair" step 1).

use fleet_store::{machines, Machine, NewMachine};
use serde::Serialize;

use crate::rules::text;
use crate::{Error, Fleet, Result};

/// A machine as the CLI and UI show it: public data only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MachineSummary {
    /// Row id (local to this cache).
    pub id: i64,
    /// The machine's id on every console, the bunker and the relays (10 Crockford base32
    /// characters).
    pub uid: String,
    /// The bunker's name for it (`satmachine-<uid>`; `satmachine-<row id>` for machines added
    /// before ids travelled).
    pub client_name: String,
    /// Display name.
    pub name: String,
    /// Where it stands.
    pub site: Option<String>,
    /// `unpaired`, `pairing`, `active`, …
    pub state: String,
    /// The bunker's KeyUser id of its client key, once paired.
    pub bunker_connection_id: Option<i64>,
    /// The ATM's client pubkey (hex), once paired.
    pub atm_client_pubkey: Option<String>,
    /// The client key's short fingerprint, once paired (the ATM shows the same one).
    pub fingerprint: Option<String>,
    /// When the pairing completed (unix seconds).
    pub paired_at: Option<i64>,
    /// End of the access term (unix seconds).
    pub access_expires_at: Option<i64>,
}

impl From<&Machine> for MachineSummary {
    fn from(m: &Machine) -> Self {
        let fingerprint = m
            .atm_client_pubkey
            .as_deref()
            .and_then(|hex| nostr::PublicKey::from_hex(hex).ok())
            .map(|pk| bunker_client::fingerprint(&pk));
        Self {
            id: m.id,
            uid: m.uid.clone(),
            client_name: m.client_name.clone(),
            name: m.name.clone(),
            site: m.site.clone(),
            state: m.state.as_str().to_string(),
            bunker_connection_id: m.bunker_connection_id,
            atm_client_pubkey: m.atm_client_pubkey.clone(),
            fingerprint,
            paired_at: m.paired_at,
            access_expires_at: m.bunker_token_expires_at,
        }
    }
}

impl Fleet {
    /// Adds an unpaired machine. Names are unique ignoring case, 1–50 characters, with no
    /// control, bidi or invisible characters, and stored in NFC ([`crate::rules::text`]).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a bad name or site; [`Error::Store`] with kind `Conflict`
    /// for a taken name (also when the stored row spells it in another Unicode form).
    pub async fn add_machine(&self, name: &str, site: Option<&str>) -> Result<Machine> {
        let new = NewMachine {
            site: text::site(site)?,
            ..NewMachine::new(text::machine_name(name)?)
        };
        let key = text::name_key(&new.name);
        Ok(self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                // Rows stored before names were normalised may be in another form: compare
                // every name in NFC, not only what SQLite's NOCASE sees as equal.
                if let Some(taken) = machines::list(&tx)?
                    .into_iter()
                    .find(|m| text::name_key(&m.name) == key)
                {
                    return Err(fleet_store::Error::NameTaken {
                        name: text::escape_for_terminal(&taken.name).into_owned(),
                    });
                }
                let machine = machines::insert(&tx, &new)?;
                tx.commit()?;
                Ok(machine)
            })
            .await?)
    }

    /// Renames a machine (same rules as [`Fleet::add_machine`]); the roster publication is
    /// queued with it, so the other consoles see the new name after their next sync.
    ///
    /// # Errors
    /// [`Error::MachineNotFound`]; [`Error::InvalidInput`] for a bad name; [`Error::Store`]
    /// with kind `Conflict` for a taken name.
    pub async fn rename_machine(&self, name: &str, new_name: &str) -> Result<Machine> {
        let machine = self.machine(name).await?;
        let new_name = text::machine_name(new_name)?;
        let key = text::name_key(&new_name);
        let id = machine.id;
        Ok(self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                if let Some(taken) = machines::list(&tx)?
                    .into_iter()
                    .find(|m| m.id != id && text::name_key(&m.name) == key)
                {
                    return Err(fleet_store::Error::NameTaken {
                        name: text::escape_for_terminal(&taken.name).into_owned(),
                    });
                }
                machines::rename(&tx, id, &new_name)?;
                let renamed = machines::get(&tx, id)?.ok_or(fleet_store::Error::NotFound {
                    what: "machine",
                    id,
                })?;
                tx.commit()?;
                Ok(renamed)
            })
            .await?)
    }

    /// Sets (or, with `None` or blank, clears) a machine's site; the roster publication is
    /// queued with it.
    ///
    /// # Errors
    /// [`Error::MachineNotFound`]; [`Error::InvalidInput`] for a bad site; [`Error::Store`].
    pub async fn set_machine_site(&self, name: &str, site: Option<&str>) -> Result<Machine> {
        let machine = self.machine(name).await?;
        let site = text::site(site)?;
        let id = machine.id;
        Ok(self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                machines::set_site(&tx, id, site.as_deref())?;
                let changed = machines::get(&tx, id)?.ok_or(fleet_store::Error::NotFound {
                    what: "machine",
                    id,
                })?;
                tx.commit()?;
                Ok(changed)
            })
            .await?)
    }

    /// Every machine, ordered by name.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn machines(&self) -> Result<Vec<Machine>> {
        Ok(self.db().interact(|c| machines::list(c)).await?)
    }

    /// The machine with this name (ignoring case and surrounding spaces).
    ///
    /// # Errors
    /// [`Error::MachineNotFound`]; [`Error::Store`].
    pub async fn machine(&self, name: &str) -> Result<Machine> {
        let wanted = text::name_key(name);
        self.db()
            .interact(move |c| {
                if let Some(found) = machines::find_by_name(c, &wanted)? {
                    return Ok(Some(found));
                }
                // A row stored before names were normalised (NFD, say) is still found.
                Ok(machines::list(c)?
                    .into_iter()
                    .find(|m| text::name_key(&m.name) == wanted))
            })
            .await?
            .ok_or_else(|| Error::MachineNotFound {
                name: name.trim().to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::Secrets;

    #[tokio::test]
    async fn a_name_stored_in_nfd_before_normalising_still_blocks_and_finds_its_nfc_twin() {
        let dir = tempfile::tempdir().unwrap();
        let fleet = Fleet::open(dir.path(), Secrets::memory()).unwrap();
        // A row written by an older version, which stored names as typed (NFD here).
        fleet
            .db()
            .interact(|c| machines::insert(c, &NewMachine::new("Cafe\u{301} ATM")))
            .await
            .unwrap();
        let err = fleet.add_machine("Caf\u{e9} atm", None).await.unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{err}");
        assert!(err.to_string().contains("already exists"), "{err}");
        let found = fleet.machine("CAF\u{c9} ATM").await.unwrap();
        assert_eq!(found.name, "Cafe\u{301} ATM");
    }

    #[tokio::test]
    async fn an_nfd_name_is_stored_in_nfc_and_hidden_characters_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let fleet = Fleet::open(dir.path(), Secrets::memory()).unwrap();
        let m = fleet
            .add_machine("Cafe\u{301}", Some(" Main St "))
            .await
            .unwrap();
        assert_eq!(m.name, "Caf\u{e9}");
        assert_eq!(m.site.as_deref(), Some("Main St"));
        assert!(fleet.add_machine("Caf\u{e9}", None).await.is_err());
        assert!(fleet.add_machine("Evil\u{202E}", None).await.is_err());
        assert!(fleet.add_machine("Ok", Some("x\u{1b}[2J")).await.is_err());
        assert_eq!(fleet.machines().await.unwrap().len(), 1);
    }
}
