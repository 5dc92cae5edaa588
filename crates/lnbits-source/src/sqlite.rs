//! LNbits' SQLite files, opened read-only.
//!
//! Each file is opened through a `file:` URI with `mode=ro` and `SQLITE_OPEN_READ_ONLY`, then
//! `PRAGMA query_only` is set: SQLite can then neither write pages, nor switch the journal mode
//! (a WAL switch would rewrite the file header), nor create a journal for the main file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::schema::{Table, EXTENSION};
use crate::source::{Lookup, Reader};
use crate::{Error, Result};

/// LNbits core database file name in the data folder.
pub(crate) const CORE_FILE: &str = "database.sqlite3";

/// The satmachineadmin extension's database file name.
fn ext_file() -> String {
    format!("ext_{EXTENSION}.sqlite3")
}

/// The files of one LNbits SQLite data folder.
#[derive(Debug, Clone)]
pub(crate) struct Files {
    /// What the user named.
    given: PathBuf,
    /// `database.sqlite3`, or the file given when it is not an extension file.
    core: Option<PathBuf>,
    /// `ext_satmachineadmin.sqlite3`, or the `ext_*.sqlite3` file given.
    ext: Option<PathBuf>,
}

impl Files {
    /// Finds the files for `path` (a data folder or one of its files).
    pub(crate) fn locate(path: &Path) -> Result<Self> {
        let existing = |p: PathBuf| p.is_file().then_some(p);
        if path.is_dir() {
            let core = existing(path.join(CORE_FILE));
            let ext = existing(path.join(ext_file()));
            if core.is_none() && ext.is_none() {
                return Err(Error::NotFound {
                    path: path.to_path_buf(),
                    why: format!("the directory holds neither {CORE_FILE} nor {}", ext_file()),
                });
            }
            return Ok(Self {
                given: path.to_path_buf(),
                core,
                ext,
            });
        }
        if !path.is_file() {
            return Err(Error::NotFound {
                path: path.to_path_buf(),
                why: "no such file or directory".into(),
            });
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let is_ext = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("ext_"));
        let (core, ext) = if is_ext {
            (existing(dir.join(CORE_FILE)), Some(path.to_path_buf()))
        } else {
            (Some(path.to_path_buf()), existing(dir.join(ext_file())))
        };
        Ok(Self {
            given: path.to_path_buf(),
            core,
            ext,
        })
    }

    pub(crate) fn describe(&self) -> String {
        self.given.display().to_string()
    }

    pub(crate) fn paths(&self) -> Vec<PathBuf> {
        self.core.iter().chain(self.ext.iter()).cloned().collect()
    }

    /// Files that may hold `table`, most likely first: an extension table may also sit in a
    /// single combined file given on its own.
    fn candidates(&self, table: Table) -> Vec<&Path> {
        match table {
            Table::Accounts => self.core.iter().map(PathBuf::as_path).collect(),
            Table::DcaMachines => self
                .ext
                .iter()
                .chain(self.core.iter())
                .map(PathBuf::as_path)
                .collect(),
        }
    }

    pub(crate) fn reader(&self) -> SqliteReader<'_> {
        SqliteReader {
            files: self,
            open: HashMap::new(),
            found: HashMap::new(),
        }
    }
}

/// A read session over the files; connections are opened on first use.
pub(crate) struct SqliteReader<'a> {
    files: &'a Files,
    open: HashMap<PathBuf, Connection>,
    /// Which file each table was found in.
    found: HashMap<&'static str, PathBuf>,
}

/// Opens `path` so that nothing can be written to it.
fn open_read_only(path: &Path) -> Result<Connection> {
    let err = |source| Error::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let uri = format!("file:{}?mode=ro", uri_path(path));
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(uri, flags).map_err(err)?;
    conn.pragma_update(None, "query_only", "ON").map_err(err)?;
    Ok(conn)
}

/// Escapes the characters that mean something in a SQLite URI (RFC 3986 style, as SQLite expects).
fn uri_path(path: &Path) -> String {
    path.to_string_lossy()
        .chars()
        .map(|c| match c {
            '%' => "%25".to_owned(),
            '?' => "%3F".to_owned(),
            '#' => "%23".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

impl SqliteReader<'_> {
    fn conn(&mut self, path: &Path) -> Result<&Connection> {
        if !self.open.contains_key(path) {
            let conn = open_read_only(path)?;
            self.open.insert(path.to_path_buf(), conn);
        }
        self.open.get(path).ok_or_else(|| Error::NotFound {
            path: path.to_path_buf(),
            why: "the connection was lost".into(),
        })
    }

    fn columns_in(&mut self, path: &Path, table: &str) -> Result<Option<Vec<String>>> {
        let err = |source| Error::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let conn = self.conn(path)?;
        let exists: Option<String> = conn
            .query_row(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?1",
                [table],
                |row| row.get(0),
            )
            .optional()
            .map_err(err)?;
        let Some(actual) = exists else {
            return Ok(None);
        };
        let mut stmt = conn
            .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")
            .map_err(err)?;
        let columns = stmt
            .query_map([actual], |row| row.get::<_, String>(0))
            .map_err(err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(err)?;
        Ok(Some(columns))
    }
}

impl Reader for SqliteReader<'_> {
    fn lookup(&mut self, table: Table) -> Result<Lookup> {
        let candidates: Vec<PathBuf> = self
            .files
            .candidates(table)
            .into_iter()
            .map(Path::to_path_buf)
            .collect();
        for path in &candidates {
            if let Some(columns) = self.columns_in(path, table.name())? {
                self.found.insert(table.name(), path.clone());
                return Ok(Lookup {
                    display: table.name().to_owned(),
                    location: path.display().to_string(),
                    columns: Some(columns),
                });
            }
        }
        let location = match (table, candidates.is_empty()) {
            (Table::Accounts, true) => format!("{} (no {CORE_FILE} found)", self.files.describe()),
            (Table::DcaMachines, true) => {
                format!("{} (no {} found)", self.files.describe(), ext_file())
            }
            _ => candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        };
        Ok(Lookup {
            display: table.name().to_owned(),
            location,
            columns: None,
        })
    }

    fn select_text(&mut self, table: Table, exprs: &[String]) -> Result<Vec<Vec<Option<String>>>> {
        let path = match self.found.get(table.name()) {
            Some(p) => p.clone(),
            None => {
                self.lookup(table)?;
                self.found
                    .get(table.name())
                    .cloned()
                    .ok_or_else(|| Error::NotFound {
                        path: self.files.given.clone(),
                        why: format!("no table {}", table.name()),
                    })?
            }
        };
        let err = |source| Error::Sqlite {
            path: path.clone(),
            source,
        };
        let sql = format!("SELECT {} FROM \"{}\"", exprs.join(", "), table.name());
        let conn = self.conn(&path)?;
        let mut stmt = conn.prepare(&sql).map_err(err)?;
        let n = exprs.len();
        let rows = stmt
            .query_map([], |row| {
                (0..n).map(|i| row.get::<_, Option<String>>(i)).collect()
            })
            .map_err(err)?
            .collect::<rusqlite::Result<Vec<Vec<Option<String>>>>>()
            .map_err(err)?;
        Ok(rows)
    }
}
