//! The OS keyring: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows.

use nostr::SecretKey;

use super::{SecretError, SecretStore};

/// The keyring service name every entry of this app is filed under (user = key name).
pub const KEYRING_SERVICE: &str = "satmachine-operator";

/// Keeps keys in the OS keyring, one entry per name, the value being the key in hex.
///
/// Calls may block on an unlock prompt: use it through [`super::Secrets`].
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
}

impl Default for KeyringStore {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyringStore {
    /// The app's keyring entries.
    pub fn new() -> Self {
        Self::with_service(KEYRING_SERVICE)
    }

    /// Entries under another service name, so tests never touch the app's real entries.
    pub fn with_service(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, name: &str) -> Result<keyring::Entry, SecretError> {
        entry(&self.service, name).map_err(map_err)
    }
}

/// On Linux, talk to the Secret Service directly. The crate's default Linux store
/// (`keyutils_persistent`) also caches every secret in the kernel session keyring, which a
/// desktop app does not need, keeps the key in a second place, and fails outright where
/// `keyctl` is forbidden (containers, some sandboxes).
#[cfg(target_os = "linux")]
fn entry(service: &str, name: &str) -> keyring::Result<keyring::Entry> {
    let credential = keyring::secret_service::SsCredential::new_with_target(None, service, name)?;
    Ok(keyring::Entry::new_with_credential(Box::new(credential)))
}

#[cfg(not(target_os = "linux"))]
fn entry(service: &str, name: &str) -> keyring::Result<keyring::Entry> {
    keyring::Entry::new(service, name)
}

impl SecretStore for KeyringStore {
    fn get(&self, name: &str) -> Result<Option<SecretKey>, SecretError> {
        let value = match self.entry(name)?.get_password() {
            Ok(value) => value,
            Err(keyring::Error::NoEntry) => return Ok(None),
            Err(e) => return Err(map_err(e)),
        };
        // Accepts hex (what `set` writes) and nsec (what a user may have put there by hand).
        SecretKey::parse(value.trim())
            .map(Some)
            .map_err(|_| SecretError::Corrupt {
                location: self.describe(),
                name: name.to_owned(),
                detail: "the value is neither a hex secret key nor an nsec".to_owned(),
            })
    }

    fn set(&self, name: &str, key: &SecretKey) -> Result<(), SecretError> {
        self.entry(name)?
            .set_password(&key.to_secret_hex())
            .map_err(map_err)
    }

    fn delete(&self, name: &str) -> Result<(), SecretError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_err(e)),
        }
    }

    fn describe(&self) -> String {
        if cfg!(target_os = "linux") {
            "OS keyring (Secret Service)".to_owned()
        } else if cfg!(target_os = "macos") {
            "OS keyring (Keychain)".to_owned()
        } else if cfg!(target_os = "windows") {
            "OS keyring (Credential Manager)".to_owned()
        } else {
            "OS keyring".to_owned()
        }
    }
}

/// Maps keyring errors without ever formatting a stored value (`BadEncoding` carries the raw
/// bytes, `Ambiguous` the matching credentials).
fn map_err(e: keyring::Error) -> SecretError {
    match e {
        keyring::Error::NoStorageAccess(inner) => SecretError::Locked {
            detail: inner.to_string(),
        },
        keyring::Error::PlatformFailure(inner) => SecretError::Unavailable {
            detail: inner.to_string(),
        },
        keyring::Error::BadEncoding(_) => SecretError::Corrupt {
            location: "OS keyring".to_owned(),
            name: String::new(),
            detail: "the stored value is not UTF-8".to_owned(),
        },
        keyring::Error::Ambiguous(found) => SecretError::Corrupt {
            location: "OS keyring".to_owned(),
            name: String::new(),
            detail: format!("{} entries match; remove the duplicates", found.len()),
        },
        keyring::Error::NoEntry => SecretError::Unavailable {
            detail: "no entry".to_owned(),
        },
        other => SecretError::Unavailable {
            detail: other.to_string(),
        },
    }
}
