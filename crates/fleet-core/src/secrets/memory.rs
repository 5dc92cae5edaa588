//! A secret store that forgets everything when dropped: tests and demo mode.

use std::collections::HashMap;
use std::sync::Mutex;

use nostr::SecretKey;

use super::{SecretError, SecretStore};

/// Keeps keys in process memory only.
#[derive(Default)]
pub struct MemoryStore {
    keys: Mutex<HashMap<String, SecretKey>>,
}

impl MemoryStore {
    fn keys(&self) -> std::sync::MutexGuard<'_, HashMap<String, SecretKey>> {
        // A panic while holding the lock cannot leave the map half-written (every operation is
        // a single insert/remove/clone), so a poisoned lock is still consistent.
        self.keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, name: &str) -> Result<Option<SecretKey>, SecretError> {
        Ok(self.keys().get(name).cloned())
    }

    fn set(&self, name: &str, key: &SecretKey) -> Result<(), SecretError> {
        self.keys().insert(name.to_owned(), key.clone());
        Ok(())
    }

    fn delete(&self, name: &str) -> Result<(), SecretError> {
        self.keys().remove(name);
        Ok(())
    }

    fn describe(&self) -> String {
        "memory (forgotten on exit)".to_owned()
    }
}
