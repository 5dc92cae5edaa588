//! One pairing of a machine at a time, across processes: a lock file per machine in the data
//! directory (`pairing-<id>.lock`, an OS file lock the kernel releases if the process dies),
//! taken before the token is minted and held until the pairing ends. A second process that
//! tries to pair the same machine is refused at once, before anything is minted.
//!
//! Within one process, pairings of the same machine share the claim (they already take turns
//! for the mint and each reads back its own token, see [`super::token::lock`]).

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};

use crate::{Error, Result};

/// A held claim on one machine's pairing; released when the last holder drops it.
#[derive(Debug, Clone)]
pub(super) struct Claim(#[allow(dead_code)] Arc<File>);

/// The lock file of a machine's pairing.
pub(super) fn path(data_dir: &Path, machine_id: i64) -> PathBuf {
    data_dir.join(format!("pairing-{machine_id}.lock"))
}

/// Claims the pairing of `machine` (id, name).
///
/// # Errors
/// [`Error::PairingInProgress`] when another process is pairing it; [`Error::LockFile`] when the
/// lock file cannot be opened or locked.
pub(super) fn take(data_dir: &Path, machine_id: i64, machine: &str) -> Result<Claim> {
    static HELD: OnceLock<Mutex<HashMap<PathBuf, Weak<File>>>> = OnceLock::new();
    let path = path(data_dir, machine_id);
    let mut held = HELD
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(file) = held.get(&path).and_then(Weak::upgrade) {
        return Ok(Claim(file));
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| Error::LockFile {
            path: path.clone(),
            action: "open",
            source,
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(Error::PairingInProgress {
                machine: machine.to_string(),
            })
        }
        Err(TryLockError::Error(source)) => {
            return Err(Error::LockFile {
                path,
                action: "lock",
                source,
            })
        }
    }
    let file = Arc::new(file);
    held.retain(|_, w| w.strong_count() > 0);
    held.insert(path, Arc::downgrade(&file));
    Ok(Claim(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_is_shared_in_process_and_released_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = take(dir.path(), 7, "Lobby").unwrap();
        let again = take(dir.path(), 7, "Lobby").unwrap();
        // Another open file description (as another process has) is refused meanwhile.
        let other = File::options()
            .write(true)
            .open(path(dir.path(), 7))
            .unwrap();
        assert!(matches!(other.try_lock(), Err(TryLockError::WouldBlock)));
        drop((first, again));
        assert!(other.try_lock().is_ok(), "released with the last holder");
    }

    #[test]
    fn a_lock_file_that_cannot_be_opened_is_its_own_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(path(dir.path(), 3)).unwrap();
        let err = take(dir.path(), 3, "X").unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::LocalFile, "{err}");
    }
}
