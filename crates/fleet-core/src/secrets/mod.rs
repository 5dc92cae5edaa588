//! Where the console's own Nostr keys live: the OS keyring, or a passphrase-encrypted file where
//! no keyring is available, or memory in tests.
//!
//! A [`SecretStore`] is synchronous because the platform APIs are; [`Secrets`] is the async door
//! the rest of the app uses. It runs every call on a blocking thread with a timeout, because a
//! locked keyring may open a password prompt and block for as long as the user ignores it
//! (STYLE.md item 7).

mod error;
mod file;
mod keyring;
mod memory;

use std::sync::Arc;
use std::time::Duration;

use nostr::SecretKey;

pub use self::error::{SecretError, SecretErrorKind};
pub(crate) use self::file::encrypt_ncryptsec;
pub use self::file::{FileStore, FILE_LOG_N};
pub use self::keyring::{KeyringStore, KEYRING_SERVICE};
pub use self::memory::MemoryStore;

/// Name of the console key (this app's identity; an admin of the bunker).
pub const CONSOLE: &str = "console";
/// Name of the console session key (the NIP-46 client for operator-authored events).
pub const CONSOLE_SESSION: &str = "console-session";

/// How long one secret-store call may take before [`SecretError::Timeout`].
pub const STORE_TIMEOUT: Duration = Duration::from_secs(10);

/// A place that keeps named Nostr secret keys.
///
/// Implementations may block (keyring prompts, disk, scrypt); call them through [`Secrets`].
pub trait SecretStore: Send + Sync + 'static {
    /// The key stored under `name`, or `None` if there is none.
    ///
    /// # Errors
    /// The store is unreachable or locked, or the stored value is not a secret key.
    fn get(&self, name: &str) -> Result<Option<SecretKey>, SecretError>;

    /// Stores `key` under `name`, replacing any previous key.
    ///
    /// # Errors
    /// The store is unreachable, locked or not writable.
    fn set(&self, name: &str, key: &SecretKey) -> Result<(), SecretError>;

    /// Removes the key under `name`; removing a missing key is not an error.
    ///
    /// # Errors
    /// The store is unreachable, locked or not writable.
    fn delete(&self, name: &str) -> Result<(), SecretError>;

    /// Where the keys are, for the user: "OS keyring (Secret Service)", "encrypted file /path".
    fn describe(&self) -> String;
}

/// The async, cheap-to-clone handle to a [`SecretStore`].
#[derive(Clone)]
pub struct Secrets {
    store: Arc<dyn SecretStore>,
    timeout: Duration,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Secrets")
            .field(&self.store.describe())
            .finish()
    }
}

impl Secrets {
    /// Wraps a store; calls time out after [`STORE_TIMEOUT`].
    pub fn new(store: impl SecretStore) -> Self {
        Self::with_timeout(store, STORE_TIMEOUT)
    }

    /// Wraps a store with another timeout per call.
    pub fn with_timeout(store: impl SecretStore, timeout: Duration) -> Self {
        Self {
            store: Arc::new(store),
            timeout,
        }
    }

    /// An in-memory store (tests, demo mode).
    pub fn memory() -> Self {
        Self::new(MemoryStore::default())
    }

    /// Where the keys are, for the user.
    pub fn describe(&self) -> String {
        self.store.describe()
    }

    /// The key stored under `name`, if any.
    ///
    /// # Errors
    /// [`SecretError::Timeout`] after the timeout, or the store's own error.
    pub async fn get(&self, name: &str) -> Result<Option<SecretKey>, SecretError> {
        let name = name.to_owned();
        self.run("read", move |store| store.get(&name)).await
    }

    /// Stores `key` under `name`.
    ///
    /// # Errors
    /// [`SecretError::Timeout`] after the timeout, or the store's own error.
    pub async fn set(&self, name: &str, key: &SecretKey) -> Result<(), SecretError> {
        let name = name.to_owned();
        let key = key.clone();
        self.run("write", move |store| store.set(&name, &key)).await
    }

    /// Removes the key under `name`.
    ///
    /// # Errors
    /// [`SecretError::Timeout`] after the timeout, or the store's own error.
    pub async fn delete(&self, name: &str) -> Result<(), SecretError> {
        let name = name.to_owned();
        self.run("delete", move |store| store.delete(&name)).await
    }

    async fn run<R, F>(&self, op: &'static str, f: F) -> Result<R, SecretError>
    where
        F: FnOnce(&dyn SecretStore) -> Result<R, SecretError> + Send + 'static,
        R: Send + 'static,
    {
        let store = Arc::clone(&self.store);
        // On timeout the blocking thread is left to finish on its own (it cannot be cancelled);
        // the caller gets an answer it can show instead of a frozen screen.
        let task = tokio::task::spawn_blocking(move || f(store.as_ref()));
        match tokio::time::timeout(self.timeout, task).await {
            Err(_) => Err(SecretError::Timeout {
                op,
                store: self.describe(),
                millis: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
            }),
            Ok(Err(join)) => Err(SecretError::Task(join.to_string())),
            Ok(Ok(result)) => result,
        }
    }
}
