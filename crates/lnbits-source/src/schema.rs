//! The tables and columns this crate relies on, and how their absence is reported.
//!
//! # Schema assumptions
//!
//! What was verified against public sources (lnbits/lnbits `lnbits/core/migrations.py`, read
//! through the project's source library): LNbits core keeps its users in a table `accounts` with
//! a text primary key `id` (later migrations add `email`, `password_hash`, `username`, `pubkey`,
//! `external_id`, …); in SQLite the core tables live in `database.sqlite3` in the data folder,
//! every extension in its own `ext_<name>.sqlite3` file with unqualified table names; in
//! PostgreSQL the core tables are in schema `public` and each extension has a schema named after
//! it (Atitlanio/satmachineadmin `migrations.py` creates `satmachineadmin.dca_clients`, …).
//!
//! What could NOT be verified offline and is therefore an assumption, checked strictly at run
//! time (never guessed around): the columns `accounts.prvkey` (the Nostr private key LNbits kept
//! for an account) and `accounts.signer_type` (`RemoteBunkerSigner` once the account signs
//! through a bunker), and the table `dca_machines` of the satmachineadmin extension, with
//! `id`, the owning account in `user_id` (or `owner`), and optionally `name` and `machine_npub`.
//! When any required table or column is absent, the reader returns [`Missing`] naming it, so the
//! checklist can say `unknown` instead of a false `pass`.

use serde::Serialize;

/// The extension whose machines are read.
pub const EXTENSION: &str = "satmachineadmin";

/// A table this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    /// LNbits core `accounts`.
    Accounts,
    /// satmachineadmin `dca_machines`.
    DcaMachines,
}

impl Table {
    /// The table's own name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Accounts => "accounts",
            Self::DcaMachines => "dca_machines",
        }
    }

    /// The PostgreSQL schema holding it.
    pub(crate) fn pg_schema(self) -> &'static str {
        match self {
            Self::Accounts => "public",
            Self::DcaMachines => EXTENSION,
        }
    }

    /// Columns without which no question about this table can be answered.
    pub(crate) fn required(self) -> &'static [&'static str] {
        match self {
            Self::Accounts => &["id", "prvkey", "signer_type"],
            Self::DcaMachines => &["id"],
        }
    }
}

/// Accepted names of the column of `dca_machines` that holds the owning LNbits account, in order
/// of preference.
pub(crate) const OWNER_COLUMNS: [&str; 2] = ["user_id", "owner"];

/// A table or column that the answer depends on is not in the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// The table, as the operator would find it (`accounts`, `satmachineadmin.dca_machines`).
    pub table: String,
    /// The missing column; `None` when the whole table is missing.
    pub column: Option<String>,
    /// Where it was looked for (file path, or the PostgreSQL URL with its password redacted).
    pub location: String,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(column) => write!(
                f,
                "column `{column}` of table `{}` is missing in {}",
                self.table, self.location
            ),
            None => write!(f, "table `{}` is missing in {}", self.table, self.location),
        }
    }
}

/// What was found for one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableReport {
    /// The table (`accounts`, `satmachineadmin.dca_machines`).
    pub table: String,
    /// Where it was looked for.
    pub location: String,
    /// Whether the table exists.
    pub present: bool,
    /// Its columns, in order (empty when absent).
    pub columns: Vec<String>,
    /// Required columns that are absent (all of them when the table is absent).
    pub missing_columns: Vec<String>,
}

/// The detected schema of the tables this crate reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaReport {
    /// One entry per table read.
    pub tables: Vec<TableReport>,
}

impl SchemaReport {
    /// Every missing table and column; empty when the schema is as expected.
    pub fn missing(&self) -> Vec<Missing> {
        let mut out = Vec::new();
        for t in &self.tables {
            if !t.present {
                out.push(Missing {
                    table: t.table.clone(),
                    column: None,
                    location: t.location.clone(),
                });
                continue;
            }
            out.extend(t.missing_columns.iter().map(|c| Missing {
                table: t.table.clone(),
                column: Some(c.clone()),
                location: t.location.clone(),
            }));
        }
        out
    }

    /// `true` when every table and required column is present.
    pub fn is_complete(&self) -> bool {
        self.missing().is_empty()
    }
}

/// Builds the report for one table from its columns (`None` = table absent).
pub(crate) fn table_report(
    table: Table,
    display_name: String,
    location: String,
    columns: Option<Vec<String>>,
) -> TableReport {
    let present = columns.is_some();
    let columns = columns.unwrap_or_default();
    let has = |c: &str| columns.iter().any(|have| have.eq_ignore_ascii_case(c));
    let mut missing_columns: Vec<String> = table
        .required()
        .iter()
        .filter(|c| !has(c))
        .map(|c| (*c).to_owned())
        .collect();
    if table == Table::DcaMachines && !OWNER_COLUMNS.iter().any(|c| has(c)) {
        missing_columns.push(OWNER_COLUMNS[0].to_owned());
    }
    TableReport {
        table: display_name,
        location,
        present,
        columns,
        missing_columns,
    }
}
