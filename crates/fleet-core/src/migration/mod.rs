//! Is the move to the bunker complete? (issue #6)
//!
//! Before the bunker, ATMs were provisioned with the operator's own nsec and LNbits accounts
//! kept `accounts.prvkey`. [`Fleet::migration_check`] runs a checklist that says what is left,
//! each check with a status, the evidence it rests on and a fix-it hint; the result is cached
//! in SQLite (`migration_checks`) so [`Fleet::last_migration_check`] can show it offline.
//! [`Fleet::import_legacy`] brings the machines of satmachineadmin's `dca_machines` in as
//! `legacy` machines, to be re-paired.
//!
//! No check ever puts a secret into its evidence: key names, table and column names, account
//! ids and public keys only.

mod admin_key;
mod bunker;
mod console;
mod import;
mod lnbits;
mod paired;

use fleet_store::checks;
use serde::{Deserialize, Serialize};

use crate::clock::unix_now;
use crate::{Error, Fleet, Result};

pub use import::{ImportReport, Skipped};
pub use lnbits_source::{LnbitsSource, Missing};

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// Verified done.
    Pass,
    /// Verified not done: the evidence says what is left.
    Fail,
    /// Could not be verified (offline, not set up, a table or column missing): never a pass.
    Unknown,
    /// Works, but is not as safe as it should be: the evidence says why, the fix how.
    Warn,
}

impl CheckStatus {
    /// `pass`, `fail`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Unknown => "unknown",
            Self::Warn => "warn",
        }
    }
}

/// Which check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckId {
    /// The operator key is held by the bunker: unlocked, expected pubkey, a test signature
    /// verifies.
    OperatorKeyInBunker,
    /// The console holds no account key: only its own two keys, and the cache holds no secret.
    ConsoleHoldsNoAccountKey,
    /// Every machine is paired through a bunker token, none legacy, none past its term.
    MachinesPairedThroughBunker,
    /// No key that can administer the bunker is stored here: the admin key is in a remote
    /// signer (a warning, not a failure, with the keyring or a file).
    AdminKeyOffComputer,
    /// No LNbits account that owns machines keeps a private key; all sign through the bunker.
    LnbitsAccountsMigrated,
}

impl CheckId {
    /// The stable name (`operator-key-in-bunker`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OperatorKeyInBunker => "operator-key-in-bunker",
            Self::ConsoleHoldsNoAccountKey => "console-holds-no-account-key",
            Self::MachinesPairedThroughBunker => "machines-paired-through-bunker",
            Self::AdminKeyOffComputer => "admin-key-off-computer",
            Self::LnbitsAccountsMigrated => "lnbits-accounts-migrated",
        }
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Which check.
    pub id: CheckId,
    /// What it verifies, for people.
    pub title: String,
    /// The outcome.
    pub status: CheckStatus,
    /// What was looked at and found, one fact per line.
    pub evidence: Vec<String>,
    /// What to do when it does not pass.
    pub fix: Option<String>,
}

impl Check {
    fn new(id: CheckId, title: &str) -> Self {
        Self {
            id,
            title: title.to_owned(),
            status: CheckStatus::Pass,
            evidence: Vec::new(),
            fix: None,
        }
    }

    fn note(&mut self, fact: impl Into<String>) {
        self.evidence.push(fact.into());
    }

    /// Records a failure; a failure outranks an unknown.
    fn fail(&mut self, fact: impl Into<String>, fix: impl Into<String>) {
        self.status = CheckStatus::Fail;
        self.note(fact);
        self.fix.get_or_insert_with(|| fix.into());
    }

    /// Records a warning, unless the check already failed or could not be verified.
    fn warn(&mut self, fact: impl Into<String>, fix: impl Into<String>) {
        if self.status == CheckStatus::Pass {
            self.status = CheckStatus::Warn;
        }
        self.note(fact);
        self.fix.get_or_insert_with(|| fix.into());
    }

    /// Records that something could not be verified, unless it already failed.
    fn unknown(&mut self, fact: impl Into<String>, fix: impl Into<String>) {
        if self.status != CheckStatus::Fail {
            self.status = CheckStatus::Unknown;
        }
        self.note(fact);
        self.fix.get_or_insert_with(|| fix.into());
    }
}

/// The whole checklist, as run at `run_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    /// When it ran (unix seconds).
    pub run_at: i64,
    /// The checks, in a fixed order.
    pub checks: Vec<Check>,
}

impl Checklist {
    /// `true` when no check failed or stayed unknown (warnings pass: they say what is safer).
    pub fn passed(&self) -> bool {
        self.checks
            .iter()
            .all(|c| matches!(c.status, CheckStatus::Pass | CheckStatus::Warn))
    }

    /// The checks that did not pass cleanly (warnings included).
    pub fn not_passed(&self) -> Vec<&Check> {
        self.checks
            .iter()
            .filter(|c| c.status != CheckStatus::Pass)
            .collect()
    }

    /// The check with this id.
    pub fn get(&self, id: CheckId) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }
}

/// What to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOptions {
    /// The LNbits database (data directory, `.sqlite3` file or `postgres://` URL); without it
    /// the LNbits check is `unknown`.
    pub lnbits: Option<String>,
    /// Ask the bunker for a test signature (mints a one-shot token for a throwaway client,
    /// signs, verifies, revokes that client).
    pub test_signature: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            lnbits: None,
            test_signature: true,
        }
    }
}

impl Fleet {
    /// Runs the migration checklist and caches the result.
    ///
    /// Checks never fail the call: what cannot be verified is `unknown` with the reason. The
    /// bunker checks need the network; the others are local (and the LNbits database).
    ///
    /// # Errors
    /// [`Error::Store`] when the result cannot be cached.
    pub async fn migration_check(&self, opts: &CheckOptions) -> Result<Checklist> {
        let checks = vec![
            bunker::operator_key(self, opts.test_signature).await,
            console::no_account_key(self).await,
            admin_key::admin_key_off_computer(self).await,
            paired::machines(self).await,
            lnbits::accounts(opts.lnbits.as_deref()).await,
        ];
        let list = Checklist {
            run_at: unix_now(),
            checks,
        };
        let json = serde_json::to_value(&list)
            .map_err(|_| Error::InvalidInput("the checklist could not be encoded".into()))?;
        let run_at = list.run_at;
        self.db()
            .interact(move |conn| checks::insert(conn, run_at, &json))
            .await?;
        Ok(list)
    }

    /// The last cached checklist, if any (offline).
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn last_migration_check(&self) -> Result<Option<Checklist>> {
        let run = self.db().interact(|conn| checks::latest(conn)).await?;
        Ok(run.and_then(|r| serde_json::from_value(r.result).ok()))
    }
}
