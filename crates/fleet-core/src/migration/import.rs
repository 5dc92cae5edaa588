//! Legacy import: the machines of satmachineadmin's `dca_machines` become `legacy` machines in
//! the cache ("re-pair required"); pairing one through the bunker makes it `active`.

use fleet_store::{audit, machines, Machine, NewAuditEntry, NewMachine, MAX_NAME_CHARS};
use lnbits_source::{LegacyMachine, LnbitsSource};
use serde::Serialize;

use crate::{Error, Fleet, Result};

/// A machine of the LNbits database that was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// `dca_machines.id`.
    pub lnbits_id: String,
    /// The name it would have had.
    pub name: String,
    /// Why it was skipped.
    pub reason: String,
}

/// What [`Fleet::import_legacy`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Where the machines were read from (password redacted).
    pub source: String,
    /// The machines added, in state `legacy`.
    #[serde(skip)]
    pub imported: Vec<Machine>,
    /// Names of the machines added.
    pub imported_names: Vec<String>,
    /// Machines left out, with the reason.
    pub skipped: Vec<Skipped>,
}

/// The cache name for an LNbits machine: its name, else `LNbits <id>`, cut to the length limit.
fn name_for(m: &LegacyMachine) -> String {
    let base = m
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map_or_else(|| format!("LNbits {}", m.id.trim()), str::to_owned);
    base.chars()
        .take(MAX_NAME_CHARS)
        .collect::<String>()
        .trim()
        .to_owned()
}

impl Fleet {
    /// Imports the machines of an LNbits database (read-only) as `legacy` machines. A machine
    /// whose name is already in the cache is skipped, so importing twice adds nothing.
    ///
    /// # Errors
    /// [`Error::Lnbits`] when the database cannot be read or lacks `dca_machines` or its
    /// columns; [`Error::Store`].
    pub async fn import_legacy(&self, source: &LnbitsSource) -> Result<ImportReport> {
        let reader = source.clone();
        let found = tokio::task::spawn_blocking(move || reader.machines())
            .await
            .map_err(|e| {
                Error::InvalidInput(format!("reading the LNbits database did not finish: {e}"))
            })??;
        let described = source.describe();
        let report = self
            .db()
            .interact(move |conn| {
                let tx = conn.transaction()?;
                let mut imported = Vec::new();
                let mut skipped = Vec::new();
                for m in &found {
                    let name = name_for(m);
                    if machines::find_by_name(&tx, &name)?.is_some() {
                        skipped.push(Skipped {
                            lnbits_id: m.id.clone(),
                            name,
                            reason: "a machine with this name is already in the fleet".into(),
                        });
                        continue;
                    }
                    let added = machines::insert(
                        &tx,
                        &NewMachine {
                            name,
                            site: None,
                            legacy: true,
                        },
                    )?;
                    audit::append(
                        &tx,
                        &NewAuditEntry {
                            action: "import_legacy".into(),
                            machine_id: Some(added.id),
                            outcome: "ok".into(),
                            detail: Some(format!(
                                "from LNbits dca_machines id {} (owner {})",
                                m.id, m.owner
                            )),
                        },
                    )?;
                    imported.push(added);
                }
                tx.commit()?;
                Ok(ImportReport {
                    source: described,
                    imported_names: imported.iter().map(|m: &Machine| m.name.clone()).collect(),
                    imported,
                    skipped,
                })
            })
            .await?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lm(id: &str, name: Option<&str>) -> LegacyMachine {
        LegacyMachine {
            id: id.into(),
            owner: "alice".into(),
            name: name.map(Into::into),
            machine_npub: None,
        }
    }

    #[test]
    fn imported_names_fall_back_to_the_lnbits_id_and_fit_the_limit() {
        assert_eq!(name_for(&lm("m1", Some("  Lobby ATM "))), "Lobby ATM");
        assert_eq!(name_for(&lm("m2", None)), "LNbits m2");
        assert_eq!(name_for(&lm("m3", Some(" "))), "LNbits m3");
        assert_eq!(
            name_for(&lm("x", Some(&"a".repeat(80)))).chars().count(),
            MAX_NAME_CHARS
        );
    }
}
