//! [`LnbitsSource`]: where the LNbits database is, and the questions asked of it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::model::{LegacyMachine, Owner};
use crate::schema::{table_report, Missing, SchemaReport, Table, TableReport, OWNER_COLUMNS};
use crate::{pg, sqlite, Error, Result};

/// A table as found by a reader: its name for people, where it was looked for, its columns.
pub(crate) struct Lookup {
    /// `accounts`, `satmachineadmin.dca_machines`.
    pub display: String,
    /// File path or redacted URL.
    pub location: String,
    /// Column names; `None` when the table does not exist.
    pub columns: Option<Vec<String>>,
}

/// One open, read-only session on the database.
pub(crate) trait Reader {
    /// Finds a table and its columns.
    fn lookup(&mut self, table: Table) -> Result<Lookup>;
    /// `SELECT <exprs> FROM <table>`, every value as text. `exprs` are built by this crate from
    /// fixed column names only.
    fn select_text(&mut self, table: Table, exprs: &[String]) -> Result<Vec<Vec<Option<String>>>>;
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(sqlite::Files),
    Postgres(pg::Url),
}

/// A read-only LNbits database: SQLite files or a PostgreSQL server.
///
/// Holds only where the database is; every question opens its own read-only session (SQLite
/// `mode=ro` + `query_only`, PostgreSQL `READ ONLY` transaction), so the handle is cheap to clone
/// and send. All calls block: run them on a blocking thread.
#[derive(Debug, Clone)]
pub struct LnbitsSource(Backend);

impl LnbitsSource {
    /// Opens `spec`: a PostgreSQL URL (`postgres://…`, `postgresql://…`), an LNbits data
    /// directory (holding `database.sqlite3` and `ext_satmachineadmin.sqlite3`), or one of those
    /// files (its sibling is used when present).
    ///
    /// Nothing is opened yet for PostgreSQL; for SQLite the files are located.
    ///
    /// # Errors
    /// [`Error::InvalidSpec`] for an empty spec or another URL scheme, [`Error::NotFound`] when
    /// the path does not exist or a directory holds neither file.
    pub fn open(spec: &str) -> Result<Self> {
        let spec = spec.trim();
        if spec.is_empty() {
            return Err(Error::InvalidSpec(
                "no LNbits database given: pass a data directory, a .sqlite3 file or a postgres:// URL"
                    .into(),
            ));
        }
        if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
            return Ok(Self(Backend::Postgres(pg::Url::new(spec))));
        }
        if let Some((scheme, _)) = spec.split_once("://") {
            return Err(Error::InvalidSpec(format!(
                "unsupported database URL scheme `{scheme}://`: use a postgres:// URL or a path to LNbits' SQLite files"
            )));
        }
        Ok(Self(Backend::Sqlite(sqlite::Files::locate(Path::new(
            spec,
        ))?)))
    }

    /// Where the data is read from, safe to show (PostgreSQL password redacted).
    pub fn describe(&self) -> String {
        match &self.0 {
            Backend::Sqlite(files) => files.describe(),
            Backend::Postgres(url) => url.redacted().to_owned(),
        }
    }

    /// The SQLite files read, if this is a SQLite source (for callers that verify they are left
    /// untouched).
    pub fn sqlite_files(&self) -> Vec<PathBuf> {
        match &self.0 {
            Backend::Sqlite(files) => files.paths(),
            Backend::Postgres(_) => Vec::new(),
        }
    }

    fn with_reader<R>(&self, f: impl FnOnce(&mut dyn Reader) -> Result<R>) -> Result<R> {
        match &self.0 {
            Backend::Sqlite(files) => f(&mut files.reader()),
            Backend::Postgres(url) => url.with_reader(f),
        }
    }

    /// The tables and columns found, and which required ones are missing.
    ///
    /// # Errors
    /// [`Error::Sqlite`], [`Error::Postgres`] when the database cannot be read at all.
    pub fn schema_report(&self) -> Result<SchemaReport> {
        self.with_reader(|r| {
            let tables = [Table::Accounts, Table::DcaMachines]
                .into_iter()
                .map(|t| Ok(report(t, r.lookup(t)?)))
                .collect::<Result<Vec<_>>>()?;
            Ok(SchemaReport { tables })
        })
    }

    /// Every account that owns at least one machine in `dca_machines`, with whether it still has
    /// a stored private key and its signer type. Ordered by account id.
    ///
    /// # Errors
    /// [`Error::Missing`] naming the first missing table or column (`dca_machines` and its owner
    /// column, `accounts.id`, `accounts.prvkey`, `accounts.signer_type`); [`Error::Sqlite`],
    /// [`Error::Postgres`].
    pub fn machine_owners(&self) -> Result<Vec<Owner>> {
        self.with_reader(|r| {
            let machines = read_machines(r)?;
            let accounts = r.lookup(Table::Accounts)?;
            require(Table::Accounts, accounts)?;
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for m in machines {
                *counts.entry(m.owner).or_default() += 1;
            }
            // The key's value never leaves the database: only whether it is set.
            let exprs = [
                "CAST(\"id\" AS TEXT)".to_owned(),
                "CASE WHEN \"prvkey\" IS NULL OR CAST(\"prvkey\" AS TEXT) = '' THEN '0' ELSE '1' END"
                    .to_owned(),
                "CAST(\"signer_type\" AS TEXT)".to_owned(),
            ];
            let mut found: BTreeMap<String, (bool, Option<String>)> = BTreeMap::new();
            for row in r.select_text(Table::Accounts, &exprs)? {
                let mut row = row.into_iter();
                let (Some(Some(id)), Some(flag), Some(signer)) = (row.next(), row.next(), row.next())
                else {
                    continue;
                };
                if counts.contains_key(&id) {
                    found.insert(id, (flag.as_deref() == Some("1"), signer));
                }
            }
            Ok(counts
                .into_iter()
                .map(|(account_id, machines)| {
                    let hit = found.remove(&account_id);
                    Owner {
                        account_found: hit.is_some(),
                        has_prvkey: hit.as_ref().is_some_and(|h| h.0),
                        signer_type: hit.and_then(|h| h.1),
                        account_id,
                        machines,
                    }
                })
                .collect())
        })
    }

    /// Every machine in satmachineadmin's `dca_machines`, ordered by id.
    ///
    /// # Errors
    /// [`Error::Missing`] when `dca_machines`, its `id` or its owner column (`user_id` or
    /// `owner`) is missing; [`Error::Sqlite`], [`Error::Postgres`].
    pub fn machines(&self) -> Result<Vec<LegacyMachine>> {
        self.with_reader(read_machines)
    }
}

fn report(table: Table, lookup: Lookup) -> TableReport {
    table_report(table, lookup.display, lookup.location, lookup.columns)
}

/// Fails with the first missing table or column; returns the columns otherwise.
fn require(table: Table, lookup: Lookup) -> Result<Vec<String>> {
    let columns = lookup.columns.clone();
    let report = report(table, lookup);
    match report.missing_columns.first() {
        None => Ok(columns.unwrap_or_default()),
        Some(column) => Err(Error::Missing(Missing {
            column: report.present.then(|| column.clone()),
            table: report.table,
            location: report.location,
        })),
    }
}

fn read_machines(r: &mut dyn Reader) -> Result<Vec<LegacyMachine>> {
    let columns = require(Table::DcaMachines, r.lookup(Table::DcaMachines)?)?;
    let actual = |want: &str| {
        columns
            .iter()
            .find(|c| c.eq_ignore_ascii_case(want))
            .cloned()
    };
    let Some(owner) = OWNER_COLUMNS.iter().find_map(|c| actual(c)) else {
        // `require` already checked; keep the type system honest without a panic.
        return Ok(Vec::new());
    };
    let text = |column: Option<String>| match column {
        Some(c) => format!("CAST(\"{c}\" AS TEXT)"),
        None => "NULL".to_owned(),
    };
    let exprs = [
        text(actual("id")),
        text(Some(owner)),
        text(actual("name")),
        text(actual("machine_npub")),
    ];
    let mut machines: Vec<LegacyMachine> = r
        .select_text(Table::DcaMachines, &exprs)?
        .into_iter()
        .filter_map(|row| {
            let mut row = row.into_iter();
            let id = row.next().flatten()?;
            let owner = row.next().flatten()?;
            Some(LegacyMachine {
                id,
                owner,
                name: row.next().flatten().filter(|s| !s.trim().is_empty()),
                machine_npub: row.next().flatten().filter(|s| !s.trim().is_empty()),
            })
        })
        .collect();
    machines.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(machines)
}
