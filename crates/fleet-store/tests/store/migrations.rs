use fleet_store::{Db, ErrorKind, MIGRATIONS, MIGRATION_DIR};
use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

#[test]
fn migrations_are_valid() {
    MIGRATIONS
        .validate()
        .expect("every migration must apply to an empty database");
}

#[test]
fn migration_directory_loads() {
    let loaded = Migrations::from_directory(&MIGRATION_DIR);
    assert!(
        loaded.is_ok(),
        "migrations/ must follow NN-name/up.sql: {:?}",
        loaded.err()
    );
}

fn user_version(path: &std::path::Path) -> i64 {
    let conn = Connection::open(path).unwrap();
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

fn known_version() -> i64 {
    i64::try_from(MIGRATION_DIR.dirs().count()).unwrap()
}

#[test]
fn rejects_database_from_newer_app() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fleet.sqlite3");
    let newer = known_version() + 1;
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE from_the_future (x INTEGER);")
            .unwrap();
        conn.pragma_update(None, "user_version", newer).unwrap();
    }
    let before = std::fs::read(&path).unwrap();

    let err = Db::open(&path).expect_err("a database from a newer app must be refused");
    assert_eq!(err.kind(), ErrorKind::NewerDatabase);
    match &err {
        fleet_store::Error::NewerDatabase { found, supported } => {
            assert_eq!(*found as i64, newer);
            assert_eq!(*supported as i64, known_version());
        }
        other => panic!("expected NewerDatabase, got {other:?}"),
    }
    assert!(
        err.to_string().contains("update the app"),
        "the message must say what to do: {err}"
    );

    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the newer file must be left byte-for-byte untouched"
    );
    assert!(
        !dir.path().join("fleet.sqlite3-wal").exists(),
        "no WAL file may be created for a refused database"
    );
    assert_eq!(user_version(&path), newer);
}

#[tokio::test]
async fn migrating_an_existing_v1_database_keeps_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fleet.sqlite3");
    // Build a v1 database with only the first migration, as the first release wrote it.
    let first = MIGRATION_DIR
        .dirs()
        .find(|d| d.path().to_string_lossy().starts_with("01-"))
        .and_then(|d| d.get_file(d.path().join("up.sql")))
        .and_then(|f| f.contents_utf8())
        .expect("migrations/01-*/up.sql");
    {
        let mut conn = Connection::open(&path).unwrap();
        Migrations::new(vec![M::up(first)])
            .to_latest(&mut conn)
            .unwrap();
        conn.execute(
            "INSERT INTO machines (name, state, created_at, updated_at) VALUES ('Lobby', 'active', 1, 1)",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO audit_log (at, action, outcome) VALUES (1, 'pair', 'ok')",
            [],
        )
        .unwrap();
    }
    assert_eq!(user_version(&path), 1);

    let db = Db::open(&path).unwrap();
    let (machines, audit) = db
        .interact(|conn| {
            Ok((
                fleet_store::machines::list(conn)?,
                fleet_store::audit::list(conn, 10)?,
            ))
        })
        .await
        .unwrap();
    assert_eq!(
        machines.len(),
        1,
        "rows written by v1 must survive the migration"
    );
    assert_eq!(machines[0].name, "Lobby");
    assert_eq!(audit.len(), 1);
    drop(db);
    assert_eq!(
        user_version(&path),
        known_version(),
        "open must migrate to the latest schema"
    );
}

#[tokio::test]
async fn reopening_a_database_keeps_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/fleet.sqlite3");
    let db = Db::open(&path).expect("open must create missing parent directories");
    db.interact(|c| fleet_store::machines::insert(c, &fleet_store::NewMachine::new("Kiosk")))
        .await
        .unwrap();
    drop(db);
    let db = Db::open(&path).unwrap();
    let found = db
        .interact(|c| fleet_store::machines::find_by_name(c, "kiosk"))
        .await
        .unwrap();
    assert!(found.is_some());
}
