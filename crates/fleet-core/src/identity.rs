//! The console identity: this app's own Nostr key, an admin of the bunker (its npub goes into
//! nsecbunkerd's `admin.npubs`), and the console session key used as a NIP-46 client.
//!
//! Both keys live in the [`Secrets`] store, never in SQLite (DESIGN.md §1). Losing the console
//! key means re-adding a new npub on the bunker, so nothing here replaces it silently.

use std::fmt;

use bunker_client::Sensitive;
use nostr::nips::nip19::{FromBech32, ToBech32};
use nostr::nips::nip49::{self, EncryptedSecretKey};
use nostr::{Keys, PublicKey};

use crate::secrets::{SecretError, Secrets, CONSOLE, CONSOLE_SESSION};

/// scrypt cost (log2 N) for exported keys. An export leaves the machine (backup, USB stick), so
/// it gets NIP-49's recommended 16 (64 MiB per guess); exporting is rare, so its cost is
/// affordable, unlike the key file read at every start (see [`crate::secrets::FILE_LOG_N`]).
pub const EXPORT_LOG_N: u8 = 16;

/// This console's key pair.
#[derive(Clone)]
pub struct ConsoleIdentity {
    keys: Keys,
}

impl fmt::Debug for ConsoleIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsoleIdentity")
            .field("npub", &self.npub())
            .finish()
    }
}

impl ConsoleIdentity {
    /// The console key, if one was created or imported.
    ///
    /// # Errors
    /// The store's errors.
    pub async fn load(secrets: &Secrets) -> Result<Option<Self>, SecretError> {
        Ok(secrets.get(CONSOLE).await?.map(|sk| Self {
            keys: Keys::new(sk),
        }))
    }

    /// Generates and stores a new console key.
    ///
    /// # Errors
    /// [`SecretError::IdentityExists`] if there already is one, or the store's errors.
    pub async fn create(secrets: &Secrets) -> Result<Self, SecretError> {
        if let Some(existing) = Self::load(secrets).await? {
            return Err(SecretError::IdentityExists {
                npub: existing.npub(),
            });
        }
        let keys = Keys::generate();
        secrets.set(CONSOLE, keys.secret_key()).await?;
        Ok(Self { keys })
    }

    /// The stored console key, or a new one.
    ///
    /// # Errors
    /// The store's errors.
    pub async fn load_or_create(secrets: &Secrets) -> Result<Self, SecretError> {
        match Self::load(secrets).await? {
            Some(identity) => Ok(identity),
            None => Self::create(secrets).await,
        }
    }

    /// The public key as `npub1…`, what the operator adds to the bunker's `admin.npubs`.
    pub fn npub(&self) -> String {
        // Encoding 32 bytes as bech32 cannot fail; fall back to hex rather than panic.
        self.keys
            .public_key()
            .to_bech32()
            .unwrap_or_else(|_| self.keys.public_key().to_hex())
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        self.keys.public_key()
    }

    /// The key pair, for signing admin requests.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The console key encrypted with `passphrase` (NIP-49, `ncryptsec1…`), for a backup or to
    /// move the console to another machine.
    ///
    /// The memory-hard key derivation ([`EXPORT_LOG_N`], 64 MiB, up to seconds) runs on a
    /// blocking thread, never on the async runtime.
    ///
    /// # Errors
    /// [`SecretError::Encrypt`]; [`SecretError::Task`] when the blocking thread failed.
    pub async fn export_ncryptsec(
        &self,
        passphrase: &Sensitive<String>,
    ) -> Result<String, SecretError> {
        let key = self.keys.secret_key().clone();
        let passphrase = passphrase.clone_secret();
        tokio::task::spawn_blocking(move || {
            crate::secrets::encrypt_ncryptsec(&key, passphrase.expose(), EXPORT_LOG_N)
        })
        .await
        .map_err(|e| SecretError::Task(e.to_string()))?
    }

    /// Decrypts `ncryptsec` with `passphrase` and stores it as the console key.
    ///
    /// Importing the key that is already stored is a no-op. Replacing a different stored key
    /// needs `replace`, because the bunker knows the old npub as admin, not the new one.
    ///
    /// # Errors
    /// [`SecretError::InvalidNcryptsec`], [`SecretError::WrongImportPassphrase`],
    /// [`SecretError::DifferentIdentity`], or the store's errors.
    pub async fn import_ncryptsec(
        secrets: &Secrets,
        ncryptsec: &str,
        passphrase: &Sensitive<String>,
        replace: bool,
    ) -> Result<Self, SecretError> {
        let encrypted = EncryptedSecretKey::from_bech32(ncryptsec.trim()).map_err(|e| {
            SecretError::InvalidNcryptsec {
                detail: e.to_string(),
            }
        })?;
        let passphrase = passphrase.clone_secret();
        // scrypt is deliberately slow: keep it off the async runtime.
        let secret = tokio::task::spawn_blocking(move || encrypted.decrypt(passphrase.expose()))
            .await
            .map_err(|e| SecretError::Task(e.to_string()))?
            .map_err(|e| match e {
                nip49::Error::ChaCha20Poly1305(_) => SecretError::WrongImportPassphrase,
                other => SecretError::InvalidNcryptsec {
                    detail: other.to_string(),
                },
            })?;
        let imported = Self {
            keys: Keys::new(secret),
        };
        if let Some(existing) = Self::load(secrets).await? {
            if existing.public_key() == imported.public_key() {
                return Ok(existing);
            }
            if !replace {
                return Err(SecretError::DifferentIdentity {
                    existing: existing.npub(),
                    imported: imported.npub(),
                });
            }
        }
        secrets.set(CONSOLE, imported.keys.secret_key()).await?;
        Ok(imported)
    }
}

/// The console session key: loaded, or created and stored on first use.
///
/// # Errors
/// The store's errors.
pub async fn session_keys(secrets: &Secrets) -> Result<Keys, SecretError> {
    if let Some(secret) = secrets.get(CONSOLE_SESSION).await? {
        return Ok(Keys::new(secret));
    }
    let keys = Keys::generate();
    secrets.set(CONSOLE_SESSION, keys.secret_key()).await?;
    Ok(keys)
}
