//! lnbits-source against fixture LNbits databases built by the tests: SQLite files in a temp
//! directory, and a real PostgreSQL server started from Debian's `postgresql` package.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixture;
mod pg_server;
mod postgres;
mod sqlite;
