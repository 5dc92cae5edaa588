//! The pairing token: its client name, finding it after `create_new_token` (which returns
//! nothing, protocol §2.3.7), and keeping two pairings of one machine from taking each other's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use bunker_client::{AdminClient, KeyToken};

use crate::{Error, Result};
use tokio::sync::OwnedMutexGuard;

/// The token `create_new_token` just made: the newest (highest id) unredeemed token with this
/// client name (§4.1 step 4; `get_key_tokens` has no defined order, so sort by id).
pub(super) fn newest_unredeemed(tokens: Vec<KeyToken>, client_name: &str) -> Option<KeyToken> {
    tokens
        .into_iter()
        .filter(|t| t.client_name == client_name && !t.is_redeemed())
        .max_by_key(|t| t.id)
}

/// Reads back the token `create_new_token` just made for `client_name` on `key`.
///
/// # Errors
/// [`Error::TokenNotListed`] when the bunker lists none (e.g. the key is locked, §5 item 11);
/// [`Error::Bunker`].
pub(crate) async fn read_back(
    admin: &AdminClient,
    key: &str,
    client_name: &str,
) -> Result<KeyToken> {
    newest_unredeemed(admin.get_key_tokens(key).await?, client_name).ok_or_else(|| {
        Error::TokenNotListed {
            key: key.to_string(),
        }
    })
}

/// Holds the create-and-read-back of one client name, so two pairings of the same machine in
/// this process never read back each other's token (§4.1 step 4: "serialise steps 3–4 per
/// client name"). Keyed by bunker too, for a process that administers more than one.
pub(crate) async fn lock(bunker: &str, client_name: &str) -> OwnedMutexGuard<()> {
    static LOCKS: OnceLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let key = format!("{bunker}/{client_name}");
    let lock = {
        let mut map = LOCKS
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(map.entry(key).or_default())
    };
    lock.lock_owned().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(id: u64, client: &str, redeemed: bool) -> KeyToken {
        let npub = "npub1v4j5xsenqvnnn8j8xd9hnzd0xvmrqgszqjchxv90hxvfm2w6v0gsrq9shz";
        KeyToken {
            id,
            key_name: "operator".into(),
            client_name: client.into(),
            token: format!("{npub}#{id:064x}").into(),
            policy_id: Some(1),
            created_at: None,
            expires_at: None,
            redeemed_at: redeemed.then(|| "2024-05-01T12:00:00.000Z".into()),
            redeemed_by: None,
            key_npub: None,
            revoked: false,
        }
    }

    #[test]
    fn read_back_takes_the_newest_unredeemed_token_of_the_machine() {
        let tokens = vec![
            token(9, "satmachine-1", true),
            token(4, "satmachine-1", false),
            token(7, "satmachine-1", false),
            token(8, "satmachine-10", false),
        ];
        assert_eq!(
            newest_unredeemed(tokens, "satmachine-1").map(|t| t.id),
            Some(7)
        );
        assert!(newest_unredeemed(vec![token(1, "satmachine-1", true)], "satmachine-1").is_none());
    }

    #[tokio::test]
    async fn pairings_of_one_machine_take_turns_and_others_do_not_wait() {
        let held = lock("b", "satmachine-1").await;
        let same = tokio::time::timeout(
            std::time::Duration::from_millis(50),
            lock("b", "satmachine-1"),
        )
        .await;
        assert!(
            same.is_err(),
            "a second pairing of the same machine must wait"
        );
        let other =
            tokio::time::timeout(std::time::Duration::from_secs(5), lock("b", "satmachine-2"))
                .await;
        assert!(other.is_ok(), "another machine must not wait");
        drop(held);
        assert!(
            tokio::time::timeout(std::time::Duration::from_secs(5), lock("b", "satmachine-1"))
                .await
                .is_ok()
        );
    }
}
