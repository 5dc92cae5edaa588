//! The embedded schema migrations (`/migrations/NN-name/up.sql`) and the version gate.

use std::sync::LazyLock;

use include_dir::{include_dir, Dir};
use rusqlite::Connection;
use rusqlite_migration::{Migrations, SchemaVersion};

use crate::{Error, Result};

/// The migration files, embedded at build time from the workspace's `migrations/` directory.
pub static MIGRATION_DIR: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../migrations");

/// The schema migrations, in order. `MIGRATIONS.validate()` is a test.
///
/// Loading can only fail if the embedded directory is malformed, which is a build defect: then
/// this is an empty list, [`migrate`] fails with [`Error::Migration`] ("no migrations defined")
/// and the validation test fails (the test suite also loads the directory directly to show the
/// loader's own message).
pub static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::from_directory(&MIGRATION_DIR).unwrap_or_else(|_| Migrations::new(Vec::new()))
});

/// Refuses a database written by a newer app without writing to it.
///
/// Must run before anything that could change the file (WAL mode is persistent).
pub(crate) fn refuse_newer(conn: &Connection) -> Result<()> {
    let version = MIGRATIONS.current_version(conn).map_err(Error::Migration)?;
    if let SchemaVersion::Outside(found) = version {
        let pending = MIGRATIONS
            .pending_migrations(conn)
            .map_err(Error::Migration)?;
        let found = usize::from(found);
        // pending = known - found, negative here.
        let supported =
            usize::try_from(i64::try_from(found).unwrap_or(i64::MAX) + i64::from(pending))
                .unwrap_or(0);
        return Err(Error::NewerDatabase { found, supported });
    }
    Ok(())
}

/// Brings the schema up to date, all pending migrations in one transaction.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    refuse_newer(conn)?;
    MIGRATIONS.to_latest(conn).map_err(Error::Migration)
}
