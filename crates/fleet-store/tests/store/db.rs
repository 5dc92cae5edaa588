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

fn machine_count(db: &Db) -> usize {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(db.interact(|c| fleet_store::machines::list(c)))
        .unwrap()
        .len()
}

/// A database with one machine, closed again; returns its path.
fn fleet_file(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("fleet.sqlite3");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    drop(conn);
    let db = Db::open(&path).unwrap();
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(db.interact(|c| fleet_store::machines::insert(c, &NewMachine::new("Lobby ATM"))))
        .unwrap();
    drop(db);
    path
}

#[test]
fn an_empty_database_file_is_refused_not_taken_for_a_new_fleet() {
    let dir = tempfile::tempdir().unwrap();
    let path = fleet_file(dir.path());
    std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    let err = Db::open(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&path.display().to_string()),
        "names the file: {text}"
    );
    assert!(
        text.contains("empty") && text.contains("restore") && text.contains("move it aside"),
        "{text}"
    );
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        0,
        "the file is left untouched"
    );
}

#[test]
fn a_missing_file_is_a_new_fleet() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("sub/fleet.sqlite3")).unwrap();
    assert_eq!(machine_count(&db), 0);
    assert!(!db.is_read_only());
}

#[test]
fn a_foreign_file_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fleet.sqlite3");
    std::fs::write(&path, b"{\"machines\": []}\n").unwrap();
    let err = Db::open(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    assert!(err.to_string().contains("not an SQLite file"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"{\"machines\": []}\n");
}

#[test]
fn a_truncated_database_file_is_reported_as_damaged_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = fleet_file(dir.path());
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 4096, "the fixture has more than one page");
    // Keep the header page only: the schema and tables it points to are gone.
    std::fs::write(&path, &bytes[..1024]).unwrap();
    let err = Db::open(&path).unwrap_err();
    let text = err.to_string();
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{text}");
    assert!(
        text.contains(&path.display().to_string()),
        "names the file: {text}"
    );
    assert!(
        text.contains("damaged") && text.contains("restore it from a backup"),
        "{text}"
    );
    assert!(
        !text.contains("user_version"),
        "no SQL in the reason: {text}"
    );
}

#[test]
fn a_read_only_database_serves_reads_and_refuses_writes_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = fleet_file(dir.path());
    let db = Db::open_read_only(&path).unwrap();
    assert!(db.is_read_only());
    assert_eq!(machine_count(&db), 1, "reads work");
    let err = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(db.interact(|c| fleet_store::machines::insert(c, &NewMachine::new("Other"))))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ReadOnly, "{err}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("make the file and its directory writable"),
        "{err}"
    );
}

#[test]
fn read_then_write_transactions_of_two_connections_wait_their_turn() {
    // Without BEGIN IMMEDIATE, a deferred transaction that read and then writes while another
    // connection committed meanwhile fails at once with "database is locked" (no busy wait).
    let dir = tempfile::tempdir().unwrap();
    let path = fleet_file(dir.path());
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
    let workers: Vec<_> = (0..8)
        .map(|i| {
            let (path, barrier) = (path.clone(), std::sync::Arc::clone(&barrier));
            std::thread::spawn(move || {
                let db = Db::open(&path).unwrap();
                barrier.wait();
                tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap()
                    .block_on(db.interact(move |c| {
                        let tx = c.transaction()?;
                        let n = fleet_store::machines::list(&tx)?.len();
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        fleet_store::machines::insert(
                            &tx,
                            &NewMachine::new(format!("ATM {i} after {n}")),
                        )?;
                        tx.commit()?;
                        Ok(())
                    }))
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap().unwrap();
    }
    assert_eq!(machine_count(&Db::open(&path).unwrap()), 9);
}
