//! SQLite sources: LNbits' `database.sqlite3` and `ext_satmachineadmin.sqlite3`.

use std::path::{Path, PathBuf};

use lnbits_source::{ErrorKind, LnbitsSource};
use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::fixture::{accounts_sql, machines_sql, rows_sql, ALICE_PRVKEY};

struct Data {
    dir: tempfile::TempDir,
}

impl Data {
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn core(&self) -> PathBuf {
        self.path().join("database.sqlite3")
    }
    fn ext(&self) -> PathBuf {
        self.path().join("ext_satmachineadmin.sqlite3")
    }
}

fn build(with_prvkey: bool, with_signer: bool, owner_column: &str, migrated: bool) -> Data {
    let dir = tempfile::tempdir().unwrap();
    let data = Data { dir };
    let core = Connection::open(data.core()).unwrap();
    core.execute_batch(&accounts_sql("", with_prvkey, with_signer))
        .unwrap();
    let ext = Connection::open(data.ext()).unwrap();
    ext.execute_batch(&machines_sql("", owner_column)).unwrap();
    if with_prvkey && with_signer {
        // Both files are written through one connection so the rows go where LNbits keeps them.
        core.execute_batch(&format!(
            "ATTACH DATABASE '{}' AS ext;",
            data.ext().display()
        ))
        .unwrap();
        core.execute_batch(&rows_sql("main.", "ext.", owner_column, migrated))
            .unwrap();
        core.execute_batch("DETACH DATABASE ext;").unwrap();
    } else {
        ext.execute_batch(
            "INSERT INTO dca_machines (id, user_id, name) VALUES ('m1', 'alice', 'Lobby ATM');",
        )
        .unwrap();
        core.execute_batch("INSERT INTO accounts (id) VALUES ('alice');")
            .unwrap();
    }
    data
}

fn digest(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                format!("{:x}", Sha256::digest(&bytes)),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn owners_with_a_stored_prvkey_are_reported_by_account() {
    let data = build(true, true, "user_id", false);
    let source = LnbitsSource::open(data.path().to_str().unwrap()).unwrap();
    let owners = source.machine_owners().unwrap();
    let ids: Vec<&str> = owners.iter().map(|o| o.account_id.as_str()).collect();
    assert_eq!(
        ids,
        ["alice", "bob"],
        "only accounts that own machines are listed (not carol)"
    );
    let alice = &owners[0];
    assert!(alice.has_prvkey, "alice's prvkey row must be seen");
    assert_eq!(alice.machines, 2);
    assert!(!alice.is_migrated());
    let bob = &owners[1];
    assert!(!bob.has_prvkey, "an empty prvkey counts as no key");
    assert!(
        bob.is_migrated(),
        "bob has no key and signs through the bunker"
    );
    assert!(
        !format!("{owners:?}").contains(ALICE_PRVKEY),
        "the key's value never leaves the database"
    );
}

#[test]
fn migrated_owners_all_pass() {
    let data = build(true, true, "user_id", true);
    let source = LnbitsSource::open(data.path().to_str().unwrap()).unwrap();
    let owners = source.machine_owners().unwrap();
    assert_eq!(owners.len(), 2);
    assert!(owners.iter().all(|o| o.is_migrated()), "{owners:?}");
    assert!(source.schema_report().unwrap().is_complete());
}

#[test]
fn missing_prvkey_column_is_named_not_guessed() {
    let data = build(false, true, "user_id", false);
    let source = LnbitsSource::open(data.path().to_str().unwrap()).unwrap();
    let err = source.machine_owners().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SchemaMissing);
    let missing = err.missing().unwrap();
    assert_eq!(missing.table, "accounts");
    assert_eq!(missing.column.as_deref(), Some("prvkey"));
    assert!(
        missing.location.ends_with("database.sqlite3"),
        "{}",
        missing.location
    );
    assert!(
        err.to_string()
            .contains("column `prvkey` of table `accounts`"),
        "{err}"
    );
    let report = source.schema_report().unwrap();
    let names: Vec<_> = report.missing().into_iter().map(|m| m.column).collect();
    assert_eq!(names, [Some("prvkey".to_owned())]);
}

#[test]
fn missing_signer_type_column_is_named() {
    let data = build(true, false, "user_id", false);
    let source = LnbitsSource::open(data.path().to_str().unwrap()).unwrap();
    let err = source.machine_owners().unwrap_err();
    assert_eq!(
        err.missing().unwrap().column.as_deref(),
        Some("signer_type")
    );
}

#[test]
fn missing_extension_database_is_a_missing_table() {
    let data = build(true, true, "user_id", false);
    std::fs::remove_file(data.ext()).unwrap();
    let source = LnbitsSource::open(data.path().to_str().unwrap()).unwrap();
    let err = source.machines().unwrap_err();
    let missing = err.missing().unwrap();
    assert_eq!(missing.table, "dca_machines");
    assert_eq!(missing.column, None);
}

#[test]
fn missing_owner_column_is_named() {
    let data = build(true, true, "operator", false);
    let source = LnbitsSource::open(data.path().to_str().unwrap()).unwrap();
    let err = source.machines().unwrap_err();
    let missing = err.missing().unwrap();
    assert_eq!(missing.table, "dca_machines");
    assert_eq!(missing.column.as_deref(), Some("user_id"));
}

#[test]
fn machines_are_read_with_owner_name_and_npub() {
    let data = build(true, true, "owner", false);
    // A single file may be given: its sibling extension file is found next to it.
    let source = LnbitsSource::open(data.core().to_str().unwrap()).unwrap();
    let machines = source.machines().unwrap();
    let got: Vec<_> = machines
        .iter()
        .map(|m| {
            (
                m.id.as_str(),
                m.owner.as_str(),
                m.name.as_deref(),
                m.machine_npub.is_some(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("m1", "alice", Some("Lobby ATM"), false),
            ("m2", "alice", Some("Mall ATM"), true),
            ("m3", "bob", None, false)
        ]
    );
}

#[test]
fn database_files_are_byte_identical_after_every_read() {
    let data = build(true, true, "user_id", false);
    let before = digest(data.path());
    for spec in [data.path(), &data.core(), &data.ext()] {
        let source = LnbitsSource::open(spec.to_str().unwrap()).unwrap();
        let _ = source.schema_report().unwrap();
        let _ = source.machines().unwrap();
        let _ = source.machine_owners();
    }
    assert_eq!(
        digest(data.path()),
        before,
        "reading must not change, add or remove any file (no WAL switch, no journal)"
    );
}

#[test]
fn wal_database_is_read_without_being_changed() {
    let data = build(true, true, "user_id", false);
    for file in [data.core(), data.ext()] {
        let conn = Connection::open(&file).unwrap();
        let _: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .unwrap();
    }
    let before: Vec<_> = digest(data.path())
        .into_iter()
        .filter(|(n, _)| n.ends_with(".sqlite3"))
        .collect();
    let source = LnbitsSource::open(data.path().to_str().unwrap()).unwrap();
    assert_eq!(source.machine_owners().unwrap().len(), 2);
    let after: Vec<_> = digest(data.path())
        .into_iter()
        .filter(|(n, _)| n.ends_with(".sqlite3"))
        .collect();
    assert_eq!(after, before, "the main database files are untouched");
}

#[test]
fn nonexistent_path_and_foreign_url_are_refused() {
    let err = LnbitsSource::open("/nonexistent/lnbits").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = LnbitsSource::open("mysql://db/lnbits").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let empty = tempfile::tempdir().unwrap();
    let err = LnbitsSource::open(empty.path().to_str().unwrap()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn a_file_that_is_not_a_database_is_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("database.sqlite3");
    std::fs::write(&file, b"not a database at all, just text").unwrap();
    let source = LnbitsSource::open(file.to_str().unwrap()).unwrap();
    let err = source.schema_report().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unreadable);
}
