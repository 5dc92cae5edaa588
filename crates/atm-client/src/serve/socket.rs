//! The daemon's Unix socket: created owner-only (0600) with no window in which another user
//! could connect, and removed on shutdown.
//!
//! The socket is bound inside a fresh 0700 directory next to the target, set to 0600, then
//! renamed into place; a path that exists already is reused only if it is a stale socket
//! (nothing answers on it).

use std::fs;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tokio::net::{UnixListener, UnixStream};

use crate::error::{Error, Result};

/// The socket's name in the state directory when `--socket` is not given.
pub const DEFAULT_SOCKET: &str = "atm.sock";

/// The socket `serve` listens on by default for `state_dir`.
pub fn default_socket(state_dir: &Path) -> PathBuf {
    state_dir.join(DEFAULT_SOCKET)
}

/// A bound socket; the file is removed when this is dropped.
#[derive(Debug)]
pub(crate) struct BoundSocket {
    pub listener: UnixListener,
    pub path: PathBuf,
}

impl Drop for BoundSocket {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Binds `path` with mode 0600.
pub(crate) async fn bind(path: &Path) -> Result<BoundSocket> {
    clear_stale(path).await?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::Socket {
            path: path.to_path_buf(),
            reason: "not a file path".into(),
        })?
        .to_string_lossy()
        .into_owned();
    let staging = parent.join(format!(".{name}.{}.tmp", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    fs::DirBuilder::new()
        .mode(0o700)
        .create(&staging)
        .map_err(|e| Error::socket(path, &e))?;
    let result = bind_in(&staging, path);
    let _ = fs::remove_dir_all(&staging);
    result
}

fn bind_in(staging: &Path, path: &Path) -> Result<BoundSocket> {
    let temp = staging.join("s");
    let listener = UnixListener::bind(&temp).map_err(|e| Error::socket(path, &e))?;
    fs::set_permissions(&temp, fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::socket(path, &e))?;
    fs::rename(&temp, path).map_err(|e| Error::socket(path, &e))?;
    Ok(BoundSocket {
        listener,
        path: path.to_path_buf(),
    })
}

/// Removes a socket file nothing listens on; refuses a live socket or a non-socket file.
async fn clear_stale(path: &Path) -> Result<()> {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return Ok(());
    };
    if !meta.file_type().is_socket() {
        return Err(Error::Socket {
            path: path.to_path_buf(),
            reason: "exists and is not a socket; choose another --socket path".into(),
        });
    }
    if UnixStream::connect(path).await.is_ok() {
        return Err(Error::Socket {
            path: path.to_path_buf(),
            reason: "another process is listening on it; choose another --socket path".into(),
        });
    }
    fs::remove_file(path).map_err(|e| Error::socket(path, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn socket_is_owner_only_and_removed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sock");
        let bound = bind(&path).await.unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        UnixStream::connect(&path).await.unwrap();
        let again = bind(&path).await.unwrap_err();
        assert!(again.to_string().contains("listening"), "{again}");
        drop(bound);
        assert!(!path.exists());
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert!(names.is_empty(), "no staging directory is left behind");
    }

    #[tokio::test]
    async fn a_regular_file_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        fs::write(&path, "keep me").unwrap();
        assert!(bind(&path).await.is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "keep me");
    }
}
