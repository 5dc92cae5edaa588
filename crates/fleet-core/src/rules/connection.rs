//! The bunker's admin connection string as the operator gives it to *connect*.
//!
//! bunker-client parses both `bunker://` forms for every caller; its words for a wrong form are
//! written from a pairing URL's point of view. Here they are put the way round that fits
//! connecting as the bunker's administrator.

use bunker_client::{AdminConnection, Error as BunkerError, UriProblem};

use crate::{Error, Result};

/// Parses the admin connection string (`bunker://npub1…@relay` or `bunker://<hex>?relay=…`).
///
/// # Errors
/// [`Error::InvalidInput`] with words for connecting; other parse problems as
/// [`Error::Bunker`] (kind `InvalidInput`), never echoing the input.
pub fn admin_connection(input: &str) -> Result<AdminConnection> {
    AdminConnection::parse(input.trim()).map_err(|e| match e {
        BunkerError::InvalidUri(UriProblem::LegacyAdminForm) => Error::InvalidInput(
            "this connection string puts a hex key before @: the admin connection string is \
             either bunker://npub1…@relay (nsecbunkerd's connection.txt) or \
             bunker://<64 hex>?relay=wss://…; copy it again from the bunker"
                .into(),
        ),
        other => Error::Bunker(other),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hex_key_before_at_gets_words_for_connecting_not_for_pairing() {
        let input = format!("bunker://{}@relay.example.com", "ab".repeat(32));
        let err = admin_connection(&input).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
        let text = err.to_string();
        assert!(!text.contains("not a pairing URL"), "{text}");
        assert!(text.contains("bunker://npub1…@relay"), "{text}");
        assert!(
            !text.contains(&"ab".repeat(32)),
            "the input is not echoed: {text}"
        );
    }

    #[test]
    fn both_admin_forms_parse() {
        let hex = nostr::Keys::generate().public_key().to_hex();
        assert!(admin_connection(&format!("bunker://{hex}?relay=wss://relay.example.com")).is_ok());
    }
}
