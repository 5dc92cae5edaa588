use fleet_store::{Db, ErrorKind, NewMachine};

#[tokio::test]
async fn file_database_uses_wal_and_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("fleet.sqlite3")).unwrap();
    let (mode, fk): (String, i64) = db
        .interact(|c| {
            let mode = c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            let fk = c.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
            Ok((mode, fk))
        })
        .await
        .unwrap();
    assert_eq!(mode.to_lowercase(), "wal");
    assert_eq!(fk, 1, "foreign keys must be enforced on every connection");
}

#[tokio::test]
async fn interact_returns_the_closures_error() {
    let db = Db::open_in_memory().unwrap();
    let err = db
        .interact(|c| fleet_store::machines::insert(c, &NewMachine::new("   ")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn clones_share_one_database() {
    let db = Db::open_in_memory().unwrap();
    let other = db.clone();
    db.interact(|c| fleet_store::machines::insert(c, &NewMachine::new("A")))
        .await
        .unwrap();
    let all = other
        .interact(|c| fleet_store::machines::list(c))
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
}
