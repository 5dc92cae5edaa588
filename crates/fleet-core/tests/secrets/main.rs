//! fleet-core secret stores and console identity.
// Test helpers outside #[test] fns may panic too: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod file;
mod identity;
mod keyring;
mod memory;

use bunker_client::Sensitive;
use nostr::nips::nip19::ToBech32;
use nostr::SecretKey;

pub fn passphrase(s: &str) -> Sensitive<String> {
    Sensitive::new(s.to_owned())
}

/// Every text form of `key` that must never appear in a file or message: hex (both cases),
/// nsec, and the raw bytes.
pub fn forms_of(key: &SecretKey) -> Vec<Vec<u8>> {
    let hex = key.to_secret_hex();
    vec![
        hex.as_bytes().to_vec(),
        hex.to_uppercase().into_bytes(),
        key.to_bech32().unwrap().into_bytes(),
        key.to_secret_bytes().to_vec(),
    ]
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
