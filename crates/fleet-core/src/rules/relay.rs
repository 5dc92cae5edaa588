//! Relay URLs the operator gives (the ATM relays that go into every pairing QR).

use crate::rules::text::quoted_for_message;
use crate::{Error, Result};

/// The longest relay URL accepted: real relay URLs are a few dozen characters, and two of them
/// must fit in a pairing QR an ATM camera can read.
pub const MAX_RELAY_URL_CHARS: usize = 120;

/// Checks a relay URL and returns it normalised: `ws://` or `wss://`, a host name or IP address
/// in plain ASCII (an internationalised name in its `xn--` form), no user name or password, no
/// query or fragment, at most [`MAX_RELAY_URL_CHARS`] characters. `what` names it in messages
/// ("ATM relay"). A value that looks like a key is never repeated in the message.
///
/// # Errors
/// [`Error::InvalidInput`] saying what is wrong.
pub fn check_relay_url(value: &str, what: &str) -> Result<String> {
    let value = value.trim();
    let shown = quoted_for_message(value);
    let bad = |why: &str| Error::InvalidInput(format!("{what} {shown} {why}"));
    if crate::rules::text::looks_like_key(value) {
        return Err(Error::InvalidInput(format!(
            "{what} {shown}: a relay URL holds no key; give the relay's address, e.g. wss://relay.example.com (if you pasted a private key, treat it as exposed)"
        )));
    }
    if value.chars().count() > MAX_RELAY_URL_CHARS {
        return Err(bad(&format!(
            "is too long ({} characters): a relay URL has at most {MAX_RELAY_URL_CHARS}",
            value.chars().count()
        )));
    }
    let lower = value.to_ascii_lowercase();
    if !(lower.starts_with("wss://") || lower.starts_with("ws://")) {
        return Err(bad(
            "is not a relay URL: it must start with wss:// (or ws:// on a LAN)",
        ));
    }
    if !value.chars().all(|c| c.is_ascii_graphic()) {
        return Err(bad("contains spaces or non-ASCII characters: write the host in plain ASCII (an internationalised name in its xn-- form)"));
    }
    let url = nostr::Url::parse(value).map_err(|_| bad("is not a valid relay URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::InvalidInput(format!(
            "{what} holds a user name or password (user:password@host): relays used by ATMs take no credentials, and they would be printed in every pairing QR; give the address without them"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad(
            "has a ?query or #fragment: give the relay's address only",
        ));
    }
    match url.host() {
        Some(nostr::types::url::Host::Domain(d)) if valid_host_name(d) => {}
        Some(nostr::types::url::Host::Ipv4(_) | nostr::types::url::Host::Ipv6(_)) => {}
        _ => return Err(bad("has no valid host name")),
    }
    nostr::RelayUrl::parse(value)
        .map(|u| u.to_string())
        .map_err(|_| bad("is not a valid relay URL"))
}

/// DNS rules: labels of 1–63 letters, digits or hyphens, not starting or ending with a hyphen.
fn valid_host_name(host: &str) -> bool {
    host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_relays_are_accepted() {
        assert_eq!(
            check_relay_url(" wss://relay.damus.io ", "ATM relay").unwrap(),
            "wss://relay.damus.io"
        );
        assert!(check_relay_url("ws://127.0.0.1:7777", "ATM relay").is_ok());
        assert!(check_relay_url("ws://[::1]:7777", "ATM relay").is_ok());
        assert!(check_relay_url("wss://relay.example.com/nostr", "ATM relay").is_ok());
    }

    #[test]
    fn credentials_queries_odd_hosts_and_long_urls_are_refused() {
        for bad in [
            "ws://user:pw@relay.example.com",
            "wss://user@relay.example.com",
            "wss://relay.example.com/?token=1",
            "wss://relay.example.com/#x",
            "wss://🏧.example.com",
            "wss://re lay.example.com",
            "https://relay.example.com",
            "wss://-bad-.example.com",
            "relay.example.com",
        ] {
            let err = check_relay_url(bad, "ATM relay").unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{bad}");
            assert!(
                !err.to_string().contains("pw@"),
                "credentials not echoed: {err}"
            );
        }
        let long = format!("wss://{}.com", "a".repeat(10_000));
        let err = check_relay_url(&long, "ATM relay").unwrap_err().to_string();
        assert!(err.len() < 400, "a long value is not echoed in full: {err}");
    }

    #[test]
    fn a_key_given_as_a_relay_is_never_echoed() {
        let nsec = "nsec1qqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0jqgm8yyk";
        for value in [nsec.to_string(), format!("wss://{}", "0f".repeat(32))] {
            let err = check_relay_url(&value, "ATM relay")
                .unwrap_err()
                .to_string();
            assert!(!err.contains("nsec1"), "{err}");
            assert!(!err.contains(&"0f".repeat(32)), "{err}");
        }
    }
}
