//! A short, human-comparable fingerprint of a public key, shown both on the ATM and in the
//! operator's app at pairing time so the operator can see that the client the bunker just
//! registered is the machine in front of them.

use nostr::hashes::{sha256, Hash};
use nostr::PublicKey;

/// `ab12-cd34-ef56-7890`: the first 8 bytes of SHA-256 over the 32 raw bytes of the x-only
/// public key (not its hex or npub text), as 4 groups of 4 lower-case hex characters.
///
/// Hashing (rather than printing the key's first bytes) makes every character depend on the
/// whole key, so a key ground to share a visible prefix does not also share the fingerprint.
/// 64 bits are enough for a person comparing two screens, not for anything cryptographic.
pub fn fingerprint(key: &PublicKey) -> String {
    let digest = sha256::Hash::hash(key.as_bytes()).to_byte_array();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let mut out = String::with_capacity(19);
    for (i, chunk) in hex.as_bytes().chunks(4).enumerate() {
        if i > 0 {
            out.push('-');
        }
        out.push_str(&String::from_utf8_lossy(chunk));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_sha256_prefix_in_four_groups() {
        let key =
            PublicKey::from_hex("a4818d9d05bbec10166edbefe7b9e0201542b8f45f78c535e56f6c73c383b4f5")
                .unwrap();
        let fp = fingerprint(&key);
        let digest = sha256::Hash::hash(key.as_bytes()).to_byte_array();
        let expected = format!(
            "{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}",
            digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7]
        );
        assert_eq!(fp, expected);
        assert_eq!(fp.len(), 19);
    }

    #[test]
    fn different_keys_have_different_fingerprints() {
        let a = nostr::Keys::generate().public_key();
        let b = nostr::Keys::generate().public_key();
        assert_ne!(fingerprint(&a), fingerprint(&b));
    }
}
