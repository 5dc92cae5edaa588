//! The ATM's `--state-dir`: its client key and its secret-less pairing.
//!
//! Files:
//! - `client.key`: the client secret key of the current pairing, lower-case hex, mode 0600.
//! - `pairing.json`: [`Pairing`], the bunker URL WITHOUT its secret plus metadata.
//! - `pending.key` + `pending.json`: a pairing in progress. The key is written before `connect`
//!   is sent, so a crash after the bunker redeemed the secret does not lose the one key the
//!   bunker now knows; `pair` with the same QR then resumes with it (§4.2 items 1, 5).
//! - `client.key.previous` + `pairing.json.previous`: the pairing being replaced, only while
//!   `pair --replace` swaps files; deleted once the new pairing is in place.
//!
//! Why the key is plain hex and not NIP-49 `ncryptsec`: an ATM boots and signs unattended, so
//! the passphrase would have to sit on the same disk as the ciphertext and would protect
//! nothing. File mode 0600 in a 0700 directory is the protection; disk encryption of the ATM
//! is the operator's layer. The pairing secret itself is never written anywhere.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use bunker_client::BunkerUri;
use nostr::{Keys, PublicKey, SecretKey};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub(crate) const CLIENT_KEY: &str = "client.key";
pub(crate) const PAIRING: &str = "pairing.json";
pub(crate) const PENDING_KEY: &str = "pending.key";
pub(crate) const PENDING: &str = "pending.json";
const PREVIOUS_SUFFIX: &str = ".previous";

/// What `pairing.json` holds. No field is secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pairing {
    /// The bunker URL without `secret` (§4.2 item 8): signer key and relays.
    pub bunker_url: String,
    /// The operator key the bunker signs with (hex), as named by the URL and confirmed by
    /// `get_public_key` at pairing time.
    pub operator_pubkey: String,
    /// This ATM's client public key (hex).
    pub client_pubkey: String,
    /// [`crate::fingerprint`] of the client key, as the operator's app shows it.
    pub fingerprint: String,
    /// When the pairing completed, Unix seconds.
    pub paired_at: u64,
}

/// A pairing in progress (`pending.json`): enough to resume with the same key and QR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PendingPairing {
    pub bunker_url: String,
    pub client_pubkey: String,
    pub started_at: u64,
    /// SHA-256 (domain-separated) of the secret being redeemed, never the secret itself;
    /// absent in files written by older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_digest: Option<String>,
}

/// A loaded pairing: the client keys plus [`Pairing`].
pub struct AtmState {
    dir: PathBuf,
    keys: Keys,
    pairing: Pairing,
    uri: BunkerUri,
}

impl AtmState {
    /// Loads `client.key` and `pairing.json` from `dir`.
    ///
    /// # Errors
    /// [`Error::NotPaired`] if there is no pairing, [`Error::CorruptState`] if the files do not
    /// parse or do not belong together, [`Error::Storage`] on I/O errors.
    pub fn load(dir: &Path) -> Result<Self> {
        let pairing_path = dir.join(PAIRING);
        let Some(pairing) = read_json::<Pairing>(&pairing_path)? else {
            return Err(Error::NotPaired {
                dir: dir.to_path_buf(),
            });
        };
        let key_path = dir.join(CLIENT_KEY);
        let keys = read_key(&key_path)?.ok_or(Error::CorruptState {
            path: key_path.clone(),
            reason: "pairing.json exists but the client key is missing",
        })?;
        if keys.public_key().to_hex() != pairing.client_pubkey {
            return Err(Error::CorruptState {
                path: key_path,
                reason: "the client key does not match pairing.json",
            });
        }
        let uri = BunkerUri::parse(&pairing.bunker_url).map_err(|_| Error::CorruptState {
            path: pairing_path.clone(),
            reason: "the stored bunker URL does not parse",
        })?;
        if uri.secret.is_some() || uri.signer.to_hex() != pairing.operator_pubkey {
            return Err(Error::CorruptState {
                path: pairing_path,
                reason: "the stored bunker URL does not match the operator key",
            });
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            keys,
            pairing,
            uri,
        })
    }

    /// The state directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The pairing metadata.
    pub fn pairing(&self) -> &Pairing {
        &self.pairing
    }

    /// The secret-less bunker URL.
    pub fn bunker_uri(&self) -> &BunkerUri {
        &self.uri
    }

    /// The client public key.
    pub fn client_public_key(&self) -> PublicKey {
        self.keys.public_key()
    }

    /// The operator key the bunker signs with.
    pub fn operator_public_key(&self) -> PublicKey {
        self.uri.signer
    }

    pub(crate) fn keys(&self) -> &Keys {
        &self.keys
    }
}

/// Creates the state directory (mode 0700 on Unix) if needed.
pub(crate) fn ensure_dir(dir: &Path) -> Result<()> {
    if !dir.exists() {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir).map_err(|e| Error::storage(dir, &e))?;
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically (temp file, fsync, rename), readable only by the owner.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = with_suffix(path, ".tmp");
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let write = || -> std::io::Result<()> {
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        if let Some(parent) = path.parent() {
            // Make the rename itself durable; not every platform can open a directory.
            if let Ok(dir) = fs::File::open(parent) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::storage(path, &e)
    })
}

pub(crate) fn write_key(path: &Path, keys: &Keys) -> Result<()> {
    let hex = format!("{}\n", keys.secret_key().to_secret_hex());
    write_private(path, hex.as_bytes())
}

pub(crate) fn read_key(path: &Path) -> Result<Option<Keys>> {
    let Some(text) = read_text(path)? else {
        return Ok(None);
    };
    let secret = SecretKey::from_hex(text.trim()).map_err(|_| Error::CorruptState {
        path: path.to_path_buf(),
        reason: "the client key is not 64 hex characters",
    })?;
    Ok(Some(Keys::new(secret)))
}

pub(crate) fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut json = serde_json::to_string_pretty(value).map_err(|_| Error::CorruptState {
        path: path.to_path_buf(),
        reason: "could not serialise",
    })?;
    json.push('\n');
    write_private(path, json.as_bytes())
}

pub(crate) fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>> {
    let Some(text) = read_text(path)? else {
        return Ok(None);
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|_| Error::CorruptState {
            path: path.to_path_buf(),
            reason: "not the expected JSON",
        })
}

fn read_text(path: &Path) -> Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::storage(path, &e)),
    }
}

pub(crate) fn remove_if_exists(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::storage(path, &e)),
    }
}

pub(crate) fn rename(from: &Path, to: &Path) -> Result<()> {
    fs::rename(from, to).map_err(|e| Error::storage(from, &e))
}

/// `client.key` → `client.key.previous` (same for `pairing.json`).
pub(crate) fn previous(path: &Path) -> PathBuf {
    with_suffix(path, PREVIOUS_SUFFIX)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_round_trips_and_is_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CLIENT_KEY);
        let keys = Keys::generate();
        write_key(&path, &keys).unwrap();
        let loaded = read_key(&path).unwrap().unwrap();
        assert_eq!(loaded.public_key(), keys.public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(
                mode, 0o600,
                "the client key must be readable by its owner only"
            );
        }
    }

    #[test]
    fn missing_state_is_not_paired() {
        let dir = tempfile::tempdir().unwrap();
        let err = AtmState::load(dir.path()).err().unwrap();
        assert_eq!(err.kind(), crate::ErrorKind::NotPaired);
    }

    #[test]
    fn damaged_key_is_reported_as_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CLIENT_KEY);
        fs::write(&path, "not hex").unwrap();
        let err = read_key(&path).err().unwrap();
        assert_eq!(err.kind(), crate::ErrorKind::Storage);
    }
}
