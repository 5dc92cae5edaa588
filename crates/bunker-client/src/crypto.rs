//! Content encryption for NIP-46 and admin messages (protocol/nsecbunkerd.md §1.2).
//!
//! Requests are encrypted with the scheme the caller chose (NIP-04 unless NIP-44 was proven
//! safe); replies are decrypted by the `?iv=` rule (§6.2 V3), so a bunker that answers in
//! either scheme is understood.

use nostr::nips::{nip04, nip44};
use nostr::{PublicKey, SecretKey};

use crate::error::{Error, Result};

/// The encryption scheme of a request's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encryption {
    /// NIP-04 (AES-256-CBC): the only scheme stock nsecbunkerd 0.10.5 understands.
    Nip04,
    /// NIP-44 v2: crashes a stock nsecbunkerd's key backend (§0.3 item 2); use only with proof.
    Nip44,
}

impl Encryption {
    /// The scheme a received payload uses, by the `?iv=` rule: NIP-04 payloads carry `?iv=`.
    pub fn of_payload(payload: &str) -> Self {
        if payload.contains("?iv=") {
            Self::Nip04
        } else {
            Self::Nip44
        }
    }
}

/// Encrypts `plaintext` from `secret_key` to `peer` with `scheme`.
pub fn encrypt(
    scheme: Encryption,
    secret_key: &SecretKey,
    peer: &PublicKey,
    plaintext: &str,
) -> Result<String> {
    match scheme {
        Encryption::Nip04 => nip04::encrypt(secret_key, peer, plaintext)
            .map_err(|_| Error::Local("NIP-04 encryption failed")),
        Encryption::Nip44 => nip44::encrypt(secret_key, peer, plaintext, nip44::Version::V2)
            .map_err(|_| Error::Local("NIP-44 encryption failed")),
    }
}

/// Decrypts a payload from `peer`: first with the scheme its shape suggests (the `?iv=` rule),
/// then with the other one, because nsecbunkerd 0.11 picks its reply scheme per endpoint, not
/// per request (protocol/nsecbunkerd-0.11.md §1.2), so a shape can mislead. Returns the
/// plaintext and the scheme that worked. The error carries no payload text: undecryptable
/// events are dropped, never shown.
pub fn decrypt_any(
    secret_key: &SecretKey,
    peer: &PublicKey,
    payload: &str,
) -> Result<(String, Encryption)> {
    let first = Encryption::of_payload(payload);
    let second = match first {
        Encryption::Nip04 => Encryption::Nip44,
        Encryption::Nip44 => Encryption::Nip04,
    };
    for scheme in [first, second] {
        if let Ok(plaintext) = decrypt_with(scheme, secret_key, peer, payload) {
            return Ok((plaintext, scheme));
        }
    }
    Err(Error::Protocol(
        "a payload could be decrypted with neither NIP-04 nor NIP-44",
    ))
}

/// Decrypts a payload from `peer` (see [`decrypt_any`]); the plaintext only.
pub fn decrypt(secret_key: &SecretKey, peer: &PublicKey, payload: &str) -> Result<String> {
    decrypt_any(secret_key, peer, payload).map(|(plaintext, _)| plaintext)
}

fn decrypt_with(
    scheme: Encryption,
    secret_key: &SecretKey,
    peer: &PublicKey,
    payload: &str,
) -> Result<String> {
    match scheme {
        Encryption::Nip04 => nip04::decrypt(secret_key, peer, payload)
            .map_err(|_| Error::Protocol("a NIP-04 payload could not be decrypted")),
        Encryption::Nip44 => nip44::decrypt(secret_key, peer, payload)
            .map_err(|_| Error::Protocol("a NIP-44 payload could not be decrypted")),
    }
}

/// Encrypts a request for `peer` and proves, before anything is published, that the peer will
/// read a JSON object from it: the content is decrypted again (both schemes use a symmetric
/// shared secret, so our secret key and the peer's public key open what the peer will open) and
/// parsed. A plaintext, wrong-key or non-JSON kind-24133 event kills nsecbunkerd 0.11
/// (protocol/nsecbunkerd-0.11.md §1.6), so the link publishes only what passes here.
pub fn seal(
    scheme: Encryption,
    secret_key: &SecretKey,
    peer: &PublicKey,
    plaintext: &str,
) -> Result<String> {
    require_json_object(plaintext)?;
    let content = encrypt(scheme, secret_key, peer, plaintext)?;
    match decrypt_with(scheme, secret_key, peer, &content) {
        Ok(back) if back == plaintext && Encryption::of_payload(&content) == scheme => Ok(content),
        _ => Err(Error::Local(
            "a request did not decrypt back to itself for the bunker",
        )),
    }
}

/// Only a JSON object may ever be sealed for a peer (see [`seal`]).
pub(crate) fn require_json_object(plaintext: &str) -> Result<()> {
    match serde_json::from_str::<serde_json::Value>(plaintext) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(Error::Local("a request was not a JSON object")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nostr::nips::nip44::v2::ConversationKey;

    // protocol/nsecbunkerd.md §6.2: throwaway test keys.
    const CLIENT_SK: &str = "10c5f292eda9f1a7a097965191129eb17b6aa6b526e98e83f9b071a7576d324d";
    const CLIENT_PK: &str = "45ddf8e0b0d76166844619d5d794c51f122674d7b50c4add7b596d29145d57c9";
    const ADMIN_SK: &str = "f6a36770cc3212fe59317060629c78551cbb31347a27d41a11e212205d8e9e6e";
    const ADMIN_PK: &str = "a4818d9d05bbec10166edbefe7b9e0201542b8f45f78c535e56f6c73c383b4f5";
    const PLAINTEXT: &str = r#"{"id":"a1","method":"ping","params":[]}"#;
    const V1_CONTENT: &str =
        "lymelgouWB/HoS9tUL5jXJfT3K24YRlISzRXzne0VhdYamIRjY0zzDKw8tnanMi5?iv=AAECAwQFBgcICQoLDA0ODw==";
    const V2_CONVERSATION_KEY: &str =
        "fdeec8a48c8acb92fdc578e746b5a60feca617bcae5a02a7ea031295233882f7";
    const V2_PAYLOAD: &str = "AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABo6alcSRd9lhYIguGbdc+mefB3yc6YLfBxV48GQGJH+7bYPr1G3QoVt0oj9gpkTNy2bZOCJ0KYER/3MbGL7sKE169l362JZvC/up5UTjQ3n/Wb9px92Y2RD+wDifsK0NIS2M=";

    fn keys() -> (SecretKey, PublicKey, SecretKey, PublicKey) {
        (
            SecretKey::from_hex(CLIENT_SK).unwrap(),
            PublicKey::from_hex(CLIENT_PK).unwrap(),
            SecretKey::from_hex(ADMIN_SK).unwrap(),
            PublicKey::from_hex(ADMIN_PK).unwrap(),
        )
    }

    #[test]
    fn v1_nip04_vector_decrypts_on_both_sides() {
        let (client_sk, client_pk, admin_sk, admin_pk) = keys();
        assert_eq!(
            decrypt(&admin_sk, &client_pk, V1_CONTENT).unwrap(),
            PLAINTEXT
        );
        assert_eq!(
            decrypt(&client_sk, &admin_pk, V1_CONTENT).unwrap(),
            PLAINTEXT
        );
    }

    #[test]
    fn v2_nip44_conversation_key_and_payload_match() {
        let (client_sk, client_pk, admin_sk, admin_pk) = keys();
        let key = ConversationKey::derive(&client_sk, &admin_pk).unwrap();
        let hex: String = key.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, V2_CONVERSATION_KEY);
        assert_eq!(
            decrypt(&admin_sk, &client_pk, V2_PAYLOAD).unwrap(),
            PLAINTEXT
        );
    }

    #[test]
    fn v3_scheme_is_chosen_by_iv_marker() {
        assert_eq!(Encryption::of_payload(V1_CONTENT), Encryption::Nip04);
        assert_eq!(Encryption::of_payload(V2_PAYLOAD), Encryption::Nip44);
    }

    #[test]
    fn encrypt_uses_the_chosen_scheme_and_round_trips() {
        let (client_sk, client_pk, admin_sk, admin_pk) = keys();
        let nip04 = encrypt(Encryption::Nip04, &client_sk, &admin_pk, PLAINTEXT).unwrap();
        assert!(nip04.contains("?iv="), "NIP-04 content must carry ?iv=");
        let nip44 = encrypt(Encryption::Nip44, &client_sk, &admin_pk, PLAINTEXT).unwrap();
        assert!(
            !nip44.contains("?iv="),
            "NIP-44 content must not carry ?iv="
        );
        for payload in [nip04, nip44] {
            assert_eq!(decrypt(&admin_sk, &client_pk, &payload).unwrap(), PLAINTEXT);
        }
    }

    #[test]
    fn a_payload_whose_shape_misleads_is_decrypted_with_the_other_scheme() {
        let (client_sk, client_pk, admin_sk, admin_pk) = keys();
        // A NIP-44 payload carrying "?iv=" after its base64 is still tried as NIP-44; a NIP-04
        // payload is found whatever its shape says.
        let nip04 = encrypt(Encryption::Nip04, &client_sk, &admin_pk, PLAINTEXT).unwrap();
        let (text, scheme) = decrypt_any(&admin_sk, &client_pk, &nip04).unwrap();
        assert_eq!((text.as_str(), scheme), (PLAINTEXT, Encryption::Nip04));
        let (text, scheme) = decrypt_any(&admin_sk, &client_pk, V2_PAYLOAD).unwrap();
        assert_eq!((text.as_str(), scheme), (PLAINTEXT, Encryption::Nip44));
    }

    #[test]
    fn seal_refuses_anything_but_a_json_object_and_round_trips_for_the_peer() {
        let (client_sk, client_pk, admin_sk, admin_pk) = keys();
        for scheme in [Encryption::Nip04, Encryption::Nip44] {
            for bad in ["hello", "", "not json", "[1,2]", "\"ping\"", "42"] {
                assert!(
                    seal(scheme, &client_sk, &admin_pk, bad).is_err(),
                    "{bad:?} must never be published"
                );
            }
            let content = seal(scheme, &client_sk, &admin_pk, PLAINTEXT).unwrap();
            assert_eq!(decrypt(&admin_sk, &client_pk, &content).unwrap(), PLAINTEXT);
        }
    }

    #[test]
    fn garbage_payload_is_an_error_not_a_panic() {
        let (_, client_pk, admin_sk, _) = keys();
        assert!(decrypt(&admin_sk, &client_pk, "not a payload").is_err());
        assert!(decrypt(&admin_sk, &client_pk, "abc?iv=def").is_err());
    }
}
