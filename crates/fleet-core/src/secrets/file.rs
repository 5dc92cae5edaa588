//! A passphrase-encrypted key file, for machines without an OS keyring (headless, CI, minimal
//! desktops).
//!
//! Format: `{"version":1,"entries":{"<name>":"ncryptsec1…"}}`, each key NIP-49-encrypted on its
//! own (own salt, own nonce) with the same passphrase. Nothing else is in the file: no npub, no
//! hint, no plaintext. Mode 0600, replaced atomically (temp file + rename), so a crash mid-write
//! leaves either the old or the new file.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use bunker_client::Sensitive;
use nostr::nips::nip19::{FromBech32, ToBech32};
use nostr::nips::nip49::{self, EncryptedSecretKey, KeySecurity};
use nostr::SecretKey;
use serde::{Deserialize, Serialize};

use super::{SecretError, SecretStore};

/// scrypt cost (log2 N) for keys written to the file.
///
/// NIP-49's example value 16 needs 64 MiB and roughly a quarter to half a second per key on a
/// laptop (several seconds in a debug build), paid at every start for each of the two console
/// keys. 14 needs 16 MiB and a quarter of that time, and still makes every passphrase guess cost
/// a 16 MiB memory-hard derivation. The file is also mode 0600 in the user's own data directory,
/// so an attacker must already have read access to it; the passphrase's strength matters far
/// more than the last factor of four. Decryption accepts any log_n up to NIP-49's cap of 18, so
/// files written with a higher cost still open.
pub const FILE_LOG_N: u8 = 14;

const FORMAT_VERSION: u64 = 1;

/// Keeps keys in a NIP-49-encrypted JSON file.
pub struct FileStore {
    path: PathBuf,
    passphrase: Sensitive<String>,
    log_n: u8,
    /// Serialises read-modify-write cycles within this process.
    lock: Mutex<()>,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStore")
            .field("path", &self.path)
            .field("passphrase", &self.passphrase)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    version: u64,
    entries: BTreeMap<String, String>,
}

impl FileStore {
    /// A store at `path` (created on the first write) opened with `passphrase`.
    pub fn new(path: impl Into<PathBuf>, passphrase: Sensitive<String>) -> Self {
        Self::with_log_n(path, passphrase, FILE_LOG_N)
    }

    /// Like [`FileStore::new`] with another scrypt cost for new entries.
    pub fn with_log_n(path: impl Into<PathBuf>, passphrase: Sensitive<String>, log_n: u8) -> Self {
        Self {
            path: path.into(),
            passphrase,
            log_n,
            lock: Mutex::new(()),
        }
    }

    /// The key file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn guard(&self) -> std::sync::MutexGuard<'_, ()> {
        // The guarded data is the file, not the unit value: a poisoned lock is still usable.
        self.lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn read(&self) -> Result<KeyFile, SecretError> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(KeyFile {
                    version: FORMAT_VERSION,
                    entries: BTreeMap::new(),
                })
            }
            Err(source) => return Err(self.io("read", source)),
        };
        let file: KeyFile = serde_json::from_slice(&bytes).map_err(|e| SecretError::Corrupt {
            location: self.describe(),
            name: String::new(),
            // serde_json's message names a line and column, never the content.
            detail: format!("not a key file: {e}"),
        })?;
        if file.version != FORMAT_VERSION {
            return Err(SecretError::UnsupportedFileVersion {
                path: self.path.clone(),
                found: file.version,
            });
        }
        Ok(file)
    }

    fn write(&self, file: &KeyFile) -> Result<(), SecretError> {
        let json =
            serde_json::to_vec_pretty(file).map_err(|e| SecretError::Encrypt(e.to_string()))?;
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        create_private_dir(dir).map_err(|source| SecretError::Io {
            op: "create the directory",
            path: dir.to_path_buf(),
            source,
        })?;
        let file_name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "keys".to_owned());
        let tmp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
        // A leftover from a crash of a process with the same id would block create_new.
        let _ = fs::remove_file(&tmp);
        let written = write_private(&tmp, &json).and_then(|()| fs::rename(&tmp, &self.path));
        if let Err(source) = written {
            let _ = fs::remove_file(&tmp);
            return Err(self.io("write", source));
        }
        Ok(())
    }

    fn decrypt(&self, name: &str, ncryptsec: &str) -> Result<SecretKey, SecretError> {
        let encrypted =
            EncryptedSecretKey::from_bech32(ncryptsec).map_err(|e| SecretError::Corrupt {
                location: self.describe(),
                name: name.to_owned(),
                detail: format!("not an ncryptsec: {e}"),
            })?;
        encrypted
            .decrypt(self.passphrase.expose())
            .map_err(|e| match e {
                // The AEAD tag does not verify: wrong passphrase (or a tampered entry, which
                // the user fixes the same way: with the right passphrase or a backup).
                nip49::Error::ChaCha20Poly1305(_) => SecretError::WrongPassphrase {
                    path: self.path.clone(),
                },
                other => SecretError::Corrupt {
                    location: self.describe(),
                    name: name.to_owned(),
                    detail: other.to_string(),
                },
            })
    }

    fn io(&self, op: &'static str, source: std::io::Error) -> SecretError {
        SecretError::Io {
            op,
            path: self.path.clone(),
            source,
        }
    }
}

impl SecretStore for FileStore {
    fn get(&self, name: &str) -> Result<Option<SecretKey>, SecretError> {
        let _guard = self.guard();
        let file = self.read()?;
        file.entries
            .get(name)
            .map(|ncryptsec| self.decrypt(name, ncryptsec))
            .transpose()
    }

    fn set(&self, name: &str, key: &SecretKey) -> Result<(), SecretError> {
        let _guard = self.guard();
        let mut file = self.read()?;
        // One passphrase per file: refuse to add an entry the other entries' passphrase would
        // not open (checked on one entry; each costs a full scrypt derivation).
        if let Some((other, ncryptsec)) = file.entries.iter().find(|(n, _)| n.as_str() != name) {
            self.decrypt(other, ncryptsec)?;
        }
        let encrypted = encrypt_ncryptsec(key, self.passphrase.expose(), self.log_n)?;
        file.entries.insert(name.to_owned(), encrypted);
        self.write(&file)
    }

    fn delete(&self, name: &str) -> Result<(), SecretError> {
        let _guard = self.guard();
        let mut file = self.read()?;
        if file.entries.remove(name).is_some() {
            self.write(&file)?;
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!("encrypted file {}", self.path.display())
    }
}

/// NIP-49-encrypts `key` to an `ncryptsec1…` string.
pub(crate) fn encrypt_ncryptsec(
    key: &SecretKey,
    passphrase: &str,
    log_n: u8,
) -> Result<String, SecretError> {
    EncryptedSecretKey::new(key, passphrase, log_n, KeySecurity::Unknown)
        .map_err(|e| SecretError::Encrypt(e.to_string()))?
        .to_bech32()
        .map_err(|e| SecretError::Encrypt(e.to_string()))
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

/// Writes a new file readable by its owner only (0600 from creation, never briefly wider).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
