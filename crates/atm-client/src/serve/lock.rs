//! One `serve` per state directory: an exclusive lock on `serve.lock`, held while it runs.
//!
//! The OS releases the lock when the process ends, however it ends, so a crash never leaves a
//! stale lock behind (unlike a PID file).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

use crate::error::{Error, Result};

/// The lock file's name in the state directory.
pub(crate) const LOCK_FILE: &str = "serve.lock";

/// The held lock; released on drop.
#[derive(Debug)]
pub(crate) struct StateLock {
    _file: File,
}

impl StateLock {
    /// Takes the lock of `dir`, or says that another `serve` holds it.
    pub(crate) fn acquire(dir: &Path) -> Result<Self> {
        let path = dir.join(LOCK_FILE);
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path).map_err(|e| Error::storage(&path, &e))?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => Err(Error::AlreadyServing {
                dir: dir.to_path_buf(),
            }),
            Err(TryLockError::Error(e)) => Err(Error::storage(&path, &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_on_the_same_dir_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = StateLock::acquire(dir.path()).unwrap();
        let err = StateLock::acquire(dir.path()).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::AlreadyRunning);
        assert!(err.to_string().contains("already running"), "{err}");
        drop(first);
        StateLock::acquire(dir.path()).unwrap();
    }
}
