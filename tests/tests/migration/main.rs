//! Issue #6 acceptance: an operator with an LNbits database full of legacy state imports their
//! machines, re-pairs them through the (sandbox) bunker, migrates LNbits, and the whole
//! migration checklist passes; the LNbits files are never modified by the checks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use bunker_client::ClientOptions;
use fleet_core::migration::{CheckId, CheckOptions, CheckStatus, LnbitsSource};
use fleet_core::pairing::{MachineChoice, PairRequest};
use fleet_core::secrets::Secrets;
use fleet_core::Fleet;
use fleet_store::MachineState;
use rusqlite::Connection;
use sandbox::{AtmSimulator, Sandbox};

const KEY: &str = "operator";
const ALICE_PRVKEY: &str = "0b5e1f3c2d4a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

fn options() -> ClientOptions {
    ClientOptions::loopback()
}

/// LNbits' data folder as the assumed schema has it (see lnbits-source `schema`): alice owns
/// the "Lobby ATM" and still has her key in `accounts.prvkey`.
fn lnbits_fixture(dir: &Path, with_prvkey_column: bool) {
    let core = Connection::open(dir.join("database.sqlite3")).unwrap();
    let prvkey = if with_prvkey_column {
        ", prvkey TEXT"
    } else {
        ""
    };
    core.execute_batch(&format!(
        "CREATE TABLE accounts (id TEXT PRIMARY KEY, email TEXT{prvkey}, signer_type TEXT);"
    ))
    .unwrap();
    if with_prvkey_column {
        core.execute(
            "INSERT INTO accounts (id, prvkey) VALUES ('alice', ?1)",
            [ALICE_PRVKEY],
        )
        .unwrap();
    } else {
        core.execute_batch("INSERT INTO accounts (id) VALUES ('alice');")
            .unwrap();
    }
    let ext = Connection::open(dir.join("ext_satmachineadmin.sqlite3")).unwrap();
    ext.execute_batch(
        "CREATE TABLE dca_machines (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, name TEXT);
         INSERT INTO dca_machines VALUES ('m1', 'alice', 'Lobby ATM');",
    )
    .unwrap();
}

/// What the operator does in LNbits once the key is in the bunker.
fn migrate_lnbits(dir: &Path) {
    let core = Connection::open(dir.join("database.sqlite3")).unwrap();
    core.execute_batch("UPDATE accounts SET prvkey = NULL, signer_type = 'RemoteBunkerSigner';")
        .unwrap();
}

fn bytes_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn status(list: &fleet_core::migration::Checklist, id: CheckId) -> CheckStatus {
    list.get(id).unwrap().status
}

fn evidence(list: &fleet_core::migration::Checklist, id: CheckId) -> String {
    list.get(id).unwrap().evidence.join("\n")
}

async fn start() -> (Sandbox, Fleet, tempfile::TempDir, tempfile::TempDir) {
    let data_dir = tempfile::tempdir().unwrap();
    let bunker_dir = tempfile::tempdir().unwrap();
    let fleet = Fleet::open_with(data_dir.path(), Secrets::memory(), options()).unwrap();
    let mut cfg = acceptance::sandbox_config(bunker_dir.path().join("bunker.sqlite3"));
    cfg.approval_timeout = Duration::from_millis(300);
    let sandbox = acceptance::connected_sandbox(&fleet, cfg).await.unwrap();
    (sandbox, fleet, data_dir, bunker_dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_machine_imported_repaired_and_the_whole_checklist_passes() {
    let (sandbox, fleet, _data, _bunker) = start().await;
    let lnbits = tempfile::tempdir().unwrap();
    lnbits_fixture(lnbits.path(), true);
    let spec = lnbits.path().to_str().unwrap().to_owned();
    let opts = CheckOptions {
        lnbits: Some(spec.clone()),
        test_signature: true,
    };

    // Before: the bunker holds the key, but LNbits still has alice's prvkey.
    let before = bytes_of(lnbits.path());
    let list = fleet.migration_check(&opts).await.unwrap();
    assert_eq!(
        bytes_of(lnbits.path()),
        before,
        "the check never writes to the LNbits database"
    );
    assert_eq!(
        status(&list, CheckId::OperatorKeyInBunker),
        CheckStatus::Pass,
        "{list:#?}"
    );
    assert!(evidence(&list, CheckId::OperatorKeyInBunker).contains("test signature"));
    assert_eq!(
        status(&list, CheckId::ConsoleHoldsNoAccountKey),
        CheckStatus::Pass,
        "{list:#?}"
    );
    assert_eq!(
        status(&list, CheckId::LnbitsAccountsMigrated),
        CheckStatus::Fail
    );
    let lnbits_evidence = evidence(&list, CheckId::LnbitsAccountsMigrated);
    assert!(
        lnbits_evidence.contains("account alice still has a prvkey"),
        "{lnbits_evidence}"
    );
    assert!(
        !lnbits_evidence.contains(ALICE_PRVKEY),
        "never the key's value"
    );
    assert!(!list.passed());

    // The test signature's throwaway client was revoked again.
    let (admin, _) = fleet.admin_session().await.unwrap();
    let users = admin.get_key_users(KEY).await.unwrap();
    assert!(
        users
            .iter()
            .filter(|u| u.description.as_deref() == Some("satop-migration-check"))
            .all(|u| u.is_revoked()),
        "no live client is left behind by the test signature"
    );
    admin.shutdown().await;

    // Import: the LNbits machine becomes a legacy machine, re-pair required.
    let source = LnbitsSource::open(&spec).unwrap();
    let report = fleet.import_legacy(&source).await.unwrap();
    assert_eq!(report.imported_names, ["Lobby ATM"]);
    let again = fleet.import_legacy(&source).await.unwrap();
    assert!(
        again.imported_names.is_empty() && again.skipped.len() == 1,
        "importing twice adds nothing"
    );
    let m = fleet.machine("Lobby ATM").await.unwrap();
    assert_eq!(m.state, MachineState::Legacy);
    assert!(m.legacy);
    let list = fleet.migration_check(&opts).await.unwrap();
    assert_eq!(
        status(&list, CheckId::MachinesPairedThroughBunker),
        CheckStatus::Fail
    );
    assert!(
        evidence(&list, CheckId::MachinesPairedThroughBunker).contains("\"Lobby ATM\" is legacy")
    );

    // Re-pair through the sandbox bunker: legacy → active.
    let mut req = PairRequest::new(MachineChoice::Existing("Lobby ATM".into()));
    req.poll_every = Duration::from_millis(50);
    let pending = fleet.begin_pairing(&req, |_| {}).await.unwrap();
    let url = pending.pairing_url().expose().clone();
    let (paired, atm) = tokio::join!(
        pending.wait(std::future::pending(), |_| {}),
        AtmSimulator::redeem(&url, options())
    );
    let (paired, atm) = (paired.unwrap(), atm.unwrap());
    let event = atm.sign_21000("after re-pairing").await.unwrap();
    assert_eq!(event.pubkey, sandbox.bunker.key_pubkey(KEY).unwrap());
    atm.shutdown().await;
    let m = fleet.machine("Lobby ATM").await.unwrap();
    assert_eq!(m.state, MachineState::Active);
    assert!(!m.legacy);
    assert_eq!(m.bunker_connection_id, Some(paired.bunker_connection_id));

    // The operator migrates LNbits; now everything passes, and the files stay untouched.
    migrate_lnbits(lnbits.path());
    let before = bytes_of(lnbits.path());
    let list = fleet.migration_check(&opts).await.unwrap();
    assert_eq!(
        bytes_of(lnbits.path()),
        before,
        "the check never writes to the LNbits database"
    );
    assert!(
        list.passed(),
        "every check passes after the migration: {list:#?}"
    );

    // The result is cached for offline display.
    let cached = fleet.last_migration_check().await.unwrap().unwrap();
    assert_eq!(cached, list);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lnbits_without_prvkey_column_is_unknown_naming_the_column() {
    let (sandbox, fleet, _data, _bunker) = start().await;
    let lnbits = tempfile::tempdir().unwrap();
    lnbits_fixture(lnbits.path(), false);
    let opts = CheckOptions {
        lnbits: Some(lnbits.path().to_str().unwrap().into()),
        test_signature: false,
    };
    let list = fleet.migration_check(&opts).await.unwrap();
    assert_eq!(
        status(&list, CheckId::LnbitsAccountsMigrated),
        CheckStatus::Unknown,
        "never a pass"
    );
    let e = evidence(&list, CheckId::LnbitsAccountsMigrated);
    assert!(e.contains("column `prvkey` of table `accounts`"), "{e}");
    assert_eq!(
        status(&list, CheckId::OperatorKeyInBunker),
        CheckStatus::Unknown,
        "skipped test signature"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn offline_console_reports_unknown_not_pass() {
    let data = tempfile::tempdir().unwrap();
    let fleet = Fleet::open_with(data.path(), Secrets::memory(), options()).unwrap();
    let list = fleet
        .migration_check(&CheckOptions::default())
        .await
        .unwrap();
    assert_eq!(
        status(&list, CheckId::OperatorKeyInBunker),
        CheckStatus::Unknown
    );
    assert_eq!(
        status(&list, CheckId::LnbitsAccountsMigrated),
        CheckStatus::Unknown
    );
    assert_eq!(
        status(&list, CheckId::MachinesPairedThroughBunker),
        CheckStatus::Pass
    );
    assert!(!list.passed());
}

/// Issue 10's false positive: a second fee change replaces the first in `operator_events`, but
/// the first event's id stays in the audit log. The scan must still explain it (the audit
/// records the event's author and signature, and the signature verifies), and a real secret
/// planted in the cache must still fail the check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaced_fee_event_ids_pass_the_secret_scan_but_a_planted_secret_fails_it() {
    let (sandbox, fleet, data, _bunker) = start().await;
    for bps in [250, 300] {
        let change = fleet
            .set_fee(
                fleet_core::operator_events::FeePolicy {
                    super_fee_bps: bps,
                    fixed_fee_sats: 0,
                },
                |_| {},
            )
            .await
            .unwrap();
        assert_eq!(
            change.delivery,
            Some(fleet_core::outbox::Delivery::Done),
            "fee {bps} is published"
        );
    }
    let opts = CheckOptions {
        lnbits: None,
        test_signature: false,
    };
    let list = fleet.migration_check(&opts).await.unwrap();
    assert_eq!(
        status(&list, CheckId::ConsoleHoldsNoAccountKey),
        CheckStatus::Pass,
        "{list:#?}"
    );

    let planted = nostr::Keys::generate().secret_key().to_secret_hex();
    let db = Connection::open(data.path().join(fleet_core::DB_FILE)).unwrap();
    db.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES ('backup', ?1, 0)",
        [&planted],
    )
    .unwrap();
    drop(db);
    let list = fleet.migration_check(&opts).await.unwrap();
    assert_eq!(
        status(&list, CheckId::ConsoleHoldsNoAccountKey),
        CheckStatus::Fail,
        "{list:#?}"
    );
    let e = evidence(&list, CheckId::ConsoleHoldsNoAccountKey);
    assert!(
        e.contains(
            "an unexplained 64-hex value (possibly a private key) is stored in settings.value"
        ),
        "{e}"
    );
    assert!(!e.contains(&planted), "never the value");
    sandbox.shutdown().await;
}

/// The secret scan fails closed: when the bunker profile cannot be read, the console's keys
/// cannot be compared with the operator key, so the check is `unknown` with the reason and the
/// fix, never a pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_bunker_profile_makes_the_console_check_unknown_not_pass() {
    let (sandbox, fleet, data, _bunker) = start().await;
    let opts = CheckOptions {
        lnbits: None,
        test_signature: false,
    };
    let list = fleet.migration_check(&opts).await.unwrap();
    assert_eq!(
        status(&list, CheckId::ConsoleHoldsNoAccountKey),
        CheckStatus::Pass,
        "{list:#?}"
    );
    let db = Connection::open(data.path().join(fleet_core::DB_FILE)).unwrap();
    db.execute_batch("UPDATE bunker_profile SET atm_relays = '{\"not\": \"a list\"}'")
        .unwrap();
    drop(db);
    let list = fleet.migration_check(&opts).await.unwrap();
    let check = list.get(CheckId::ConsoleHoldsNoAccountKey).unwrap();
    assert_eq!(check.status, CheckStatus::Unknown, "{list:#?}");
    assert!(
        check
            .evidence
            .iter()
            .any(|e| e.starts_with("the bunker profile could not be read")),
        "{check:#?}"
    );
    assert!(check.fix.is_some(), "says what to do");
    sandbox.shutdown().await;
}
