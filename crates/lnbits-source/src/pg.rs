//! LNbits on PostgreSQL, read inside a `READ ONLY` transaction.
//!
//! The transaction is started with `START TRANSACTION READ ONLY` (the `postgres` crate's
//! `build_transaction().read_only(true)`), so the server itself refuses any write, and it is
//! rolled back at the end. Core tables are in schema `public`, the extension's in its own schema.

use postgres::{Client, NoTls, Transaction};

use crate::schema::Table;
use crate::source::{Lookup, Reader};
use crate::{Error, Result};

/// A PostgreSQL URL, kept with its redacted form for messages.
#[derive(Clone)]
pub(crate) struct Url {
    full: String,
    redacted: String,
}

impl std::fmt::Debug for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl Url {
    pub(crate) fn new(url: &str) -> Self {
        Self {
            full: url.to_owned(),
            redacted: redact(url),
        }
    }

    pub(crate) fn redacted(&self) -> &str {
        &self.redacted
    }

    fn err(&self, source: postgres::Error) -> Error {
        Error::Postgres {
            url: self.redacted.clone(),
            source,
        }
    }

    /// Connects, runs `f` in a read-only transaction, rolls back.
    pub(crate) fn with_reader<R>(&self, f: impl FnOnce(&mut dyn Reader) -> Result<R>) -> Result<R> {
        let mut client = Client::connect(&self.full, NoTls).map_err(|e| self.err(e))?;
        let tx = client
            .build_transaction()
            .read_only(true)
            .start()
            .map_err(|e| self.err(e))?;
        let mut reader = PgReader { url: self, tx };
        let out = f(&mut reader);
        // Nothing was written; rolling back ends the transaction without a commit record.
        reader.tx.rollback().map_err(|e| self.err(e))?;
        out
    }
}

/// Replaces the password of `postgres://user:password@host/…` and any `password=` query
/// parameter with `***`.
fn redact(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (authority_end, _) = rest
        .char_indices()
        .find(|(_, c)| matches!(c, '/' | '?'))
        .unwrap_or((rest.len(), ' '));
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

struct PgReader<'u, 'c> {
    url: &'u Url,
    tx: Transaction<'c>,
}

impl Reader for PgReader<'_, '_> {
    fn lookup(&mut self, table: Table) -> Result<Lookup> {
        let schema = table.pg_schema();
        let name = table.name();
        let display = if schema == "public" {
            name.to_owned()
        } else {
            format!("{schema}.{name}")
        };
        let exists = self
            .tx
            .query(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2",
                &[&schema, &name],
            )
            .map_err(|e| self.url.err(e))?;
        let columns = if exists.is_empty() {
            None
        } else {
            let rows = self
                .tx
                .query(
                    "SELECT column_name::text FROM information_schema.columns
                     WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
                    &[&schema, &name],
                )
                .map_err(|e| self.url.err(e))?;
            Some(
                rows.iter()
                    .map(|r| r.try_get::<_, String>(0))
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|e| self.url.err(e))?,
            )
        };
        Ok(Lookup {
            display,
            location: format!("{} (schema {schema})", self.url.redacted()),
            columns,
        })
    }

    fn select_text(&mut self, table: Table, exprs: &[String]) -> Result<Vec<Vec<Option<String>>>> {
        let sql = format!(
            "SELECT {} FROM \"{}\".\"{}\"",
            exprs.join(", "),
            table.pg_schema(),
            table.name()
        );
        let rows = self.tx.query(&sql, &[]).map_err(|e| self.url.err(e))?;
        rows.iter()
            .map(|row| {
                (0..exprs.len())
                    .map(|i| row.try_get::<_, Option<String>>(i))
                    .collect::<std::result::Result<Vec<_>, _>>()
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.url.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn password_is_redacted_from_urls() {
        assert_eq!(
            redact("postgres://lnbits:s3cret@db.local:5432/lnbits"),
            "postgres://lnbits:***@db.local:5432/lnbits"
        );
        assert_eq!(
            redact("postgresql://u@h/db?sslmode=disable&password=s3cret"),
            "postgresql://u@h/db?sslmode=disable&password=***"
        );
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
    }
}
