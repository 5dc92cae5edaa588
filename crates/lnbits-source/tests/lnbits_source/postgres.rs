//! PostgreSQL sources: core tables in `public`, the extension in schema `satmachineadmin`.

use lnbits_source::{ErrorKind, LnbitsSource};

use crate::fixture::{accounts_sql, machines_sql, rows_sql, ALICE_PRVKEY};
use crate::pg_server::PgServer;

fn schema(with_prvkey: bool, migrated: bool) -> String {
    let mut sql = format!(
        "CREATE SCHEMA satmachineadmin; {} {}",
        accounts_sql("public.", with_prvkey, true),
        machines_sql("satmachineadmin.", "user_id")
    );
    if with_prvkey {
        sql.push_str(&rows_sql(
            "public.",
            "satmachineadmin.",
            "user_id",
            migrated,
        ));
    }
    sql
}

/// A fingerprint of everything the reader could have changed: row contents and write counters.
fn fingerprint(server: &PgServer, db: &str) -> String {
    server.query_text(
        db,
        "SELECT (SELECT string_agg(a::text, '|' ORDER BY id) FROM public.accounts a) || '#' ||
                (SELECT string_agg(m::text, '|' ORDER BY id) FROM satmachineadmin.dca_machines m) || '#' ||
                (SELECT sum(n_tup_ins + n_tup_upd + n_tup_del)::text FROM pg_stat_user_tables)",
    )
}

#[test]
fn postgres_owners_with_prvkey_fail_and_migrated_pass() {
    let server = PgServer::start();
    server.create("legacy", &schema(true, false));
    server.create("migrated", &schema(true, true));

    let source = LnbitsSource::open(&server.url("legacy")).unwrap();
    let before = fingerprint(&server, "legacy");
    let owners = source.machine_owners().unwrap();
    let with_key: Vec<_> = owners
        .iter()
        .filter(|o| o.has_prvkey)
        .map(|o| o.account_id.as_str())
        .collect();
    assert_eq!(
        with_key,
        ["alice"],
        "alice owns machines and still has a prvkey row"
    );
    assert!(!format!("{owners:?}").contains(ALICE_PRVKEY));
    let machines = source.machines().unwrap();
    assert_eq!(machines.len(), 3);
    assert_eq!(
        fingerprint(&server, "legacy"),
        before,
        "the check never writes"
    );

    let source = LnbitsSource::open(&server.url("migrated")).unwrap();
    let owners = source.machine_owners().unwrap();
    assert!(owners.iter().all(|o| o.is_migrated()), "{owners:?}");
    assert!(source.schema_report().unwrap().is_complete());
}

#[test]
fn postgres_missing_prvkey_column_is_named() {
    let server = PgServer::start();
    server.create(
        "old",
        &format!(
            "{} INSERT INTO satmachineadmin.dca_machines (id, user_id) VALUES ('m1', 'alice');",
            schema(false, false)
        ),
    );
    let source = LnbitsSource::open(&server.url("old")).unwrap();
    let err = source.machine_owners().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SchemaMissing);
    let missing = err.missing().unwrap();
    assert_eq!(missing.table, "accounts");
    assert_eq!(missing.column.as_deref(), Some("prvkey"));

    server.create("empty", "SELECT 1");
    let source = LnbitsSource::open(&server.url("empty")).unwrap();
    let missing = source.schema_report().unwrap().missing();
    let tables: Vec<_> = missing
        .iter()
        .map(|m| (m.table.as_str(), m.column.clone()))
        .collect();
    assert_eq!(
        tables,
        [("accounts", None), ("satmachineadmin.dca_machines", None)]
    );
}

#[test]
fn postgres_url_password_is_never_shown() {
    let source = LnbitsSource::open("postgres://lnbits:hunter2@127.0.0.1:1/lnbits").unwrap();
    assert!(!source.describe().contains("hunter2"));
    let err = source.machine_owners().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unreachable);
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert!(!format!("{source:?}").contains("hunter2"));
}
