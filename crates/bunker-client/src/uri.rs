//! `bunker://` strings: the NIP-46 pairing URL ([`BunkerUri`]) and the admin connection string
//! ([`AdminConnection`]), which nsecbunkerd writes in its own legacy form (protocol/nsecbunkerd.md
//! §1.5).

use std::fmt;

use nostr::nips::nip19::FromBech32;
use nostr::{PublicKey, RelayUrl};

use crate::error::{Error, Result};
use crate::Sensitive;

const SCHEME: &str = "bunker://";

/// Why a `bunker://` string was refused. Every message says what to do instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UriProblem {
    /// The string does not start with `bunker://`.
    NotABunkerUrl,
    /// The string contains an `nsec` private key.
    PrivateKey,
    /// No relay is named.
    NoRelays,
    /// The public key is not 64 hex characters (or not a valid npub in the legacy form).
    BadKey,
    /// `bunker://npub…?relay=…`: the NIP-46 form needs a hex key.
    NpubInNip46Form,
    /// nsecbunkerd's legacy `bunker://npub…@relay` string given where a pairing URL is needed.
    LegacyAdminForm,
    /// One `relay` parameter holds a comma-separated list.
    RelayList,
    /// A relay does not use `ws://` or `wss://`.
    RelayScheme,
    /// A relay is not a valid URL.
    BadRelay,
    /// Characters that cannot appear in a connection string (spaces, quotes, `#`, ...).
    OddCharacters,
    /// A `%` escape is broken or decodes to invalid UTF-8.
    BadEscape,
    /// More than one `secret` parameter.
    DuplicateSecret,
    /// A pairing URL carrying a secret was given as the admin connection string.
    SecretForAdmin,
}

impl fmt::Display for UriProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotABunkerUrl => {
                "this is not a bunker connection string: it must start with bunker://"
            }
            Self::PrivateKey => {
                "this is a private key (nsec), never paste it here: use the bunker's connection \
                 string instead, and treat the pasted key as exposed"
            }
            Self::NoRelays => {
                "the connection string names no relay: add at least one relay=wss://… parameter"
            }
            Self::BadKey => "the connection string's public key is not a valid key: copy it again",
            Self::NpubInNip46Form => {
                "a bunker://…?relay= URL needs the key as 64 hex characters, not an npub"
            }
            Self::LegacyAdminForm => {
                "this is the bunker's admin connection string (bunker://npub…@relay), not a \
                 pairing URL for a signing key"
            }
            Self::RelayList => {
                "one relay parameter holds several relays separated by commas: give each relay \
                 its own relay= parameter"
            }
            Self::RelayScheme => "relay addresses must start with ws:// or wss://",
            Self::BadRelay => "a relay address in the connection string is not a valid URL",
            Self::OddCharacters => {
                "the connection string contains characters that do not belong in it (spaces, \
                 quotes, brackets, #): copy it again"
            }
            Self::BadEscape => "the connection string contains a broken %-escape: copy it again",
            Self::DuplicateSecret => "the connection string contains more than one secret",
            Self::SecretForAdmin => {
                "this is a pairing URL for a signing key (it carries a secret), not the bunker's \
                 admin connection string (see the bunker's connection.txt)"
            }
        })
    }
}

fn problem(p: UriProblem) -> Error {
    Error::InvalidUri(p)
}

/// A NIP-46 pairing URL: `bunker://<64 hex>?relay=…&relay=…&secret=…`.
///
/// `Debug` never shows the secret; [`BunkerUri::to_url_string`] does, so call it only to hand the
/// URL to the machine that redeems it.
#[derive(Debug, PartialEq, Eq)]
pub struct BunkerUri {
    /// The signing key's public key (the key, not the bunker's admin key; §4.1 item 5).
    pub signer: PublicKey,
    /// Relays the signer listens on (the bunker's `nostr.relays`); never empty after parsing.
    pub relays: Vec<RelayUrl>,
    /// The one-shot pairing secret (nsecbunkerd token, hex), if any.
    pub secret: Option<Sensitive<String>>,
}

impl BunkerUri {
    /// Parses the NIP-46 form. Accepts percent-encoded or raw relay values and upper-case hex;
    /// rejects a missing relay, an npub or legacy host, any `nsec`, comma lists, non-ws(s)
    /// relays and stray characters, each with a typed [`UriProblem`].
    pub fn parse(input: &str) -> Result<Self> {
        let rest = strip_scheme(input)?;
        let (host, query) = match rest.split_once('?') {
            Some((host, query)) => (host, query),
            None => (rest, ""),
        };
        let host = host.strip_suffix('/').unwrap_or(host);
        if host.contains('@') {
            return Err(problem(UriProblem::LegacyAdminForm));
        }
        if host.to_ascii_lowercase().starts_with("npub1") {
            return Err(problem(UriProblem::NpubInNip46Form));
        }
        let signer = parse_hex_key(host)?;

        let mut relays: Vec<RelayUrl> = Vec::new();
        let mut secret: Option<String> = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            match name {
                "relay" => {
                    let value = percent_decode(value)?;
                    if value.contains(',') {
                        return Err(problem(UriProblem::RelayList));
                    }
                    push_unique(&mut relays, parse_relay(&value)?);
                }
                "secret" => {
                    if secret.is_some() {
                        return Err(problem(UriProblem::DuplicateSecret));
                    }
                    secret = Some(percent_decode(value)?);
                }
                // Other parameters (e.g. `name`) carry nothing this client needs.
                _ => {}
            }
        }
        if relays.is_empty() {
            // rust-nostr accepts this with an empty relay list (§5 item 22); we refuse.
            return Err(problem(UriProblem::NoRelays));
        }
        Ok(Self {
            signer,
            relays,
            secret: secret.filter(|s| !s.is_empty()).map(Sensitive::new),
        })
    }

    /// Writes the URL in nostr-tools' `toBunkerURL` style: lower-case hex, percent-encoded relay
    /// values, `secret` last. Only characters in `[?/\w:.=&%-]` appear, so nostr-tools'
    /// `BUNKER_REGEX` and rust-nostr's parser accept it (§1.5, §4.1 item 5).
    pub fn to_url_string(&self) -> String {
        let mut out = format!("{SCHEME}{}", self.signer.to_hex());
        for (i, relay) in self.relays.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str("relay=");
            out.push_str(&percent_encode(relay.as_str_without_trailing_slash()));
        }
        if let Some(secret) = &self.secret {
            out.push_str("&secret=");
            out.push_str(&percent_encode(secret.expose()));
        }
        out
    }

    /// Like [`BunkerUri::to_url_string`], but relay values are written raw when every character
    /// is safe to leave unencoded (`[A-Za-z0-9_:/.-]`, a subset of nostr-tools' `BUNKER_REGEX`
    /// query set `[?/\w:.=&%-]` that also excludes the query's own delimiters and `%`), and
    /// percent-encoded otherwise. Both nostr-tools and rust-nostr parse raw relay values (§1.5).
    ///
    /// Why: two percent-encoded relays push a pairing URL past QR version 10 at ECC M; written
    /// raw, `wss://` costs 6 characters instead of 12 per relay and the URL fits.
    pub fn to_compact_url_string(&self) -> String {
        let mut out = format!("{SCHEME}{}", self.signer.to_hex());
        for (i, relay) in self.relays.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str("relay=");
            let value = relay.as_str_without_trailing_slash();
            if value.bytes().all(is_raw_relay_byte) {
                out.push_str(value);
            } else {
                out.push_str(&percent_encode(value));
            }
        }
        if let Some(secret) = &self.secret {
            out.push_str("&secret=");
            out.push_str(&percent_encode(secret.expose()));
        }
        out
    }

    /// The same URL without its secret: the form to persist after redemption (§4.2 item 8).
    pub fn without_secret(&self) -> Self {
        Self {
            signer: self.signer,
            relays: self.relays.clone(),
            secret: None,
        }
    }
}

/// Where and to whom admin requests go: the bunker's admin public key and its admin relays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminConnection {
    /// The bunker's admin public key (`admin.key`), which signs admin replies.
    pub admin: PublicKey,
    /// The bunker's `admin.adminRelays`; never empty after parsing.
    pub relays: Vec<RelayUrl>,
}

impl AdminConnection {
    /// Parses nsecbunkerd's legacy `bunker://npub1…@relay,relay` (robust parse of §1.5: split at
    /// the first `@`, bech32 npub, percent-decode, split on `,`, `wss://` where no scheme is
    /// given), or the NIP-46 form `bunker://<hex>?relay=…`.
    ///
    /// A NIP-46 string that carries a `secret` is refused ([`UriProblem::SecretForAdmin`]): a
    /// secret marks a pairing URL for a signing key, whose pubkey would never answer admin
    /// requests, so accepting it would only turn a paste mistake into a timeout later.
    pub fn parse(input: &str) -> Result<Self> {
        let rest = strip_scheme(input)?;
        if !rest.to_ascii_lowercase().starts_with("npub1") {
            let uri = BunkerUri::parse(input)?;
            if uri.secret.is_some() {
                return Err(problem(UriProblem::SecretForAdmin));
            }
            return Ok(Self {
                admin: uri.signer,
                relays: uri.relays,
            });
        }
        let (npub, relay_part) = rest.split_once('@').unwrap_or((rest, ""));
        if npub.contains('?') || npub.contains('/') {
            return Err(problem(UriProblem::NpubInNip46Form));
        }
        let admin = PublicKey::from_bech32(npub).map_err(|_| problem(UriProblem::BadKey))?;
        let mut relays = Vec::new();
        for segment in percent_decode(relay_part)?.split(',') {
            let segment = segment.trim();
            if segment.is_empty() {
                continue;
            }
            // nsecbunkerd strips only `wss://` when writing the string; `ws://` stays (§1.5).
            let url = if segment.contains("://") {
                segment.to_owned()
            } else {
                format!("wss://{segment}")
            };
            push_unique(&mut relays, parse_relay(&url)?);
        }
        if relays.is_empty() {
            return Err(problem(UriProblem::NoRelays));
        }
        Ok(Self { admin, relays })
    }

    /// The NIP-46 form (`bunker://<hex>?relay=…`), which [`AdminConnection::parse`] reads back.
    pub fn to_url_string(&self) -> String {
        BunkerUri {
            signer: self.admin,
            relays: self.relays.clone(),
            secret: None,
        }
        .to_url_string()
    }
}

/// Trims, refuses private keys and stray characters, and strips the scheme.
fn strip_scheme(input: &str) -> Result<&str> {
    let s = input.trim();
    if s.to_ascii_lowercase().contains("nsec1") {
        return Err(problem(UriProblem::PrivateKey));
    }
    if !s.chars().all(is_url_char) {
        return Err(problem(UriProblem::OddCharacters));
    }
    let scheme_len = SCHEME.len();
    match s.get(..scheme_len) {
        Some(head) if head.eq_ignore_ascii_case(SCHEME) => Ok(&s[scheme_len..]),
        _ => Err(problem(UriProblem::NotABunkerUrl)),
    }
}

/// RFC 3986 unreserved and reserved characters plus `%`, except `#` (a fragment has no meaning
/// here and usually marks a paste of the `npub#token` form).
fn is_url_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?[]@!$&'()*+,;=%".contains(c)
}

fn parse_hex_key(host: &str) -> Result<PublicKey> {
    if host.len() != 64 || !host.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(problem(UriProblem::BadKey));
    }
    PublicKey::from_hex(&host.to_ascii_lowercase()).map_err(|_| problem(UriProblem::BadKey))
}

fn parse_relay(value: &str) -> Result<RelayUrl> {
    let lower = value.to_ascii_lowercase();
    if !(lower.starts_with("ws://") || lower.starts_with("wss://")) {
        return Err(problem(UriProblem::RelayScheme));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(problem(UriProblem::BadRelay));
    }
    RelayUrl::parse(value).map_err(|_| problem(UriProblem::BadRelay))
}

fn push_unique(relays: &mut Vec<RelayUrl>, relay: RelayUrl) {
    if !relays.contains(&relay) {
        relays.push(relay);
    }
}

/// `decodeURIComponent`: `%XX` escapes to bytes, the result must be UTF-8; `+` stays `+`.
pub(crate) fn percent_decode(value: &str) -> Result<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = bytes.get(i + 1).and_then(|b| (*b as char).to_digit(16));
            let lo = bytes.get(i + 2).and_then(|b| (*b as char).to_digit(16));
            match (hi, lo) {
                (Some(hi), Some(lo)) => out.push((hi * 16 + lo) as u8),
                _ => return Err(problem(UriProblem::BadEscape)),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| problem(UriProblem::BadEscape))
}

/// Bytes a relay value may keep unencoded in [`BunkerUri::to_compact_url_string`]: JavaScript's
/// `\w` plus `:/.-`. `?`, `=`, `&` and `%` are in `BUNKER_REGEX` too, but raw they would split
/// the query or be decoded as escapes.
fn is_raw_relay_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b':' | b'/' | b'.' | b'-')
}

/// Percent-encodes everything except `[A-Za-z0-9_.-]`, so the output fits nostr-tools'
/// `BUNKER_REGEX` (which rejects `~`, `+`, `!`, ...).
pub(crate) fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use nostr::nips::nip19::ToBech32;

    const KEY: &str = "a4818d9d05bbec10166edbefe7b9e0201542b8f45f78c535e56f6c73c383b4f5";
    const SECRET: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

    fn problem_of(result: Result<impl fmt::Debug>) -> UriProblem {
        match result {
            Err(Error::InvalidUri(p)) => p,
            other => panic!("expected an InvalidUri error, got {other:?}"),
        }
    }

    fn npub() -> String {
        PublicKey::from_hex(KEY).unwrap().to_bech32().unwrap()
    }

    #[test]
    fn parses_percent_encoded_and_raw_relays_with_secret() {
        let uri = BunkerUri::parse(&format!(
            "bunker://{KEY}?relay=wss%3A%2F%2Frelay.example.com&relay=ws://127.0.0.1:7777&secret={SECRET}"
        ))
        .unwrap();
        assert_eq!(uri.signer.to_hex(), KEY);
        let relays: Vec<&str> = uri
            .relays
            .iter()
            .map(|r| r.as_str_without_trailing_slash())
            .collect();
        assert_eq!(relays, ["wss://relay.example.com", "ws://127.0.0.1:7777"]);
        assert_eq!(
            uri.secret.as_ref().map(|s| s.expose().as_str()),
            Some(SECRET)
        );
    }

    #[test]
    fn prints_nostr_tools_style_and_round_trips() {
        let input = format!(
            "  bunker://{}?relay=ws://127.0.0.1:7777&relay=wss%3A%2F%2Fr.example.org%2Fpath&secret={SECRET}\n",
            KEY.to_uppercase()
        );
        let uri = BunkerUri::parse(&input).unwrap();
        let printed = uri.to_url_string();
        assert_eq!(
            printed,
            format!(
                "bunker://{KEY}?relay=ws%3A%2F%2F127.0.0.1%3A7777&relay=wss%3A%2F%2Fr.example.org%2Fpath&secret={SECRET}"
            )
        );
        // nostr-tools BUNKER_REGEX: ^bunker:\/\/([0-9a-f]{64})\??([?\/\w:.=&%-]*)$
        let query = &printed[SCHEME.len() + 64..];
        assert!(query
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "?/_:.=&%-".contains(c)));
        assert_eq!(BunkerUri::parse(&printed).unwrap(), uri);
    }

    /// nostr-tools' `BUNKER_REGEX`: `^bunker:\/\/([0-9a-f]{64})\??([?\/\w:.=&%-]*)$`.
    fn matches_nostr_tools_regex(url: &str) -> bool {
        let Some(rest) = url.strip_prefix(SCHEME) else {
            return false;
        };
        let (hex, query) = rest.split_at(64.min(rest.len()));
        hex.len() == 64
            && hex
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
            && query
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "?/_:.=&%-".contains(c))
    }

    #[test]
    fn compact_url_writes_plain_relays_raw_and_round_trips() {
        let uri = BunkerUri::parse(&format!(
            "bunker://{KEY}?relay=wss%3A%2F%2Frelay.nsecbunker.com&relay=ws://127.0.0.1:7777&secret={SECRET}"
        ))
        .unwrap();
        let compact = uri.to_compact_url_string();
        assert_eq!(
            compact,
            format!("bunker://{KEY}?relay=wss://relay.nsecbunker.com&relay=ws://127.0.0.1:7777&secret={SECRET}")
        );
        assert!(matches_nostr_tools_regex(&compact));
        assert_eq!(BunkerUri::parse(&compact).unwrap(), uri);
        assert!(compact.len() < uri.to_url_string().len());
    }

    #[test]
    fn compact_url_percent_encodes_relays_with_unsafe_characters() {
        let uri = BunkerUri {
            signer: PublicKey::from_hex(KEY).unwrap(),
            relays: vec![
                RelayUrl::parse("wss://a.example/x?y=1&z=2").unwrap(),
                RelayUrl::parse("wss://b.example/~me").unwrap(),
            ],
            secret: Some(Sensitive::new(SECRET.to_owned())),
        };
        let compact = uri.to_compact_url_string();
        assert!(
            compact.contains("relay=wss%3A%2F%2Fa.example%2Fx%3Fy%3D1%26z%3D2&"),
            "a relay with ? = & must be encoded, not split the query: {compact}"
        );
        assert!(compact.contains("relay=wss%3A%2F%2Fb.example%2F%7Eme&"));
        assert!(matches_nostr_tools_regex(&compact));
        assert_eq!(BunkerUri::parse(&compact).unwrap(), uri);
    }

    #[test]
    fn without_secret_drops_only_the_secret() {
        let uri = BunkerUri::parse(&format!(
            "bunker://{KEY}?relay=wss://a.example&secret={SECRET}"
        ))
        .unwrap();
        let bare = uri.without_secret();
        assert!(bare.secret.is_none());
        assert_eq!(bare.relays, uri.relays);
        assert!(!bare.to_url_string().contains("secret"));
        assert!(
            !format!("{uri:?}").contains(SECRET),
            "Debug must not show the secret"
        );
    }

    #[test]
    fn rejects_every_malformed_pairing_url() {
        let npub = npub();
        let cases: Vec<(String, UriProblem)> = vec![
            (format!("bunker://{KEY}"), UriProblem::NoRelays),
            (
                format!("bunker://{KEY}?secret={SECRET}"),
                UriProblem::NoRelays,
            ),
            (
                format!("bunker://{}?relay=wss://a.example", &KEY[..63]),
                UriProblem::BadKey,
            ),
            (
                format!("bunker://{}x?relay=wss://a.example", &KEY[..63]),
                UriProblem::BadKey,
            ),
            (
                format!("bunker://{npub}?relay=wss://a.example"),
                UriProblem::NpubInNip46Form,
            ),
            (
                format!("bunker://{npub}@relay.example.com"),
                UriProblem::LegacyAdminForm,
            ),
            (
                "nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5".to_owned(),
                UriProblem::PrivateKey,
            ),
            (
                format!("bunker://{KEY}?relay=wss://a.example&secret=nsec1abc"),
                UriProblem::PrivateKey,
            ),
            (
                format!("bunker://{KEY}?relay=wss%3A%2F%2Fa%2Cwss%3A%2F%2Fb"),
                UriProblem::RelayList,
            ),
            (
                format!("bunker://{KEY}?relay=https://a.example"),
                UriProblem::RelayScheme,
            ),
            (
                format!("bunker://{KEY}?relay=a.example"),
                UriProblem::RelayScheme,
            ),
            (
                format!("bunker://{KEY}?relay=wss://a.example b"),
                UriProblem::OddCharacters,
            ),
            (
                format!("bunker://{KEY}?relay=wss://a.example\""),
                UriProblem::OddCharacters,
            ),
            (
                format!("bunker://{KEY}?relay=wss://a.example#x"),
                UriProblem::OddCharacters,
            ),
            (
                format!("bunker://{KEY}?relay=wss%3A%2F%2Fa.example%2"),
                UriProblem::BadEscape,
            ),
            (
                format!("bunker://{KEY}?relay=wss%3A%2F%2Fa%20b"),
                UriProblem::BadRelay,
            ),
            (
                format!("bunker://{KEY}?relay=wss://a.example&secret=a&secret=b"),
                UriProblem::DuplicateSecret,
            ),
            (
                format!("nostrconnect://{KEY}?relay=wss://a.example"),
                UriProblem::NotABunkerUrl,
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                problem_of(BunkerUri::parse(&input)),
                expected,
                "input: {input}"
            );
        }
    }

    #[test]
    fn every_uri_problem_message_says_what_is_wrong_without_echoing_input() {
        let err = BunkerUri::parse(&format!(
            "bunker://{KEY}?relay=wss://a.example&secret=nsec1xyz"
        ))
        .unwrap_err();
        assert!(err.to_string().contains("private key"));
        assert!(!err.to_string().contains("nsec1xyz"));
        assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
    }

    #[test]
    fn admin_connection_reads_nsecbunkerd_legacy_string() {
        let conn =
            AdminConnection::parse(&format!("bunker://{}@relay.nsecbunker.com", npub())).unwrap();
        assert_eq!(conn.admin.to_hex(), KEY);
        assert_eq!(
            conn.relays,
            [RelayUrl::parse("wss://relay.nsecbunker.com").unwrap()]
        );
    }

    #[test]
    fn admin_connection_reads_encoded_ws_and_multiple_relays() {
        // encodeURIComponent(["wss://a.example","ws://127.0.0.1:7777"].join(",").replace(/wss:\/\//g, ""))
        let conn = AdminConnection::parse(&format!(
            "bunker://{}@a.example%2Cws%3A%2F%2F127.0.0.1%3A7777",
            npub()
        ))
        .unwrap();
        let relays: Vec<&str> = conn
            .relays
            .iter()
            .map(|r| r.as_str_without_trailing_slash())
            .collect();
        assert_eq!(relays, ["wss://a.example", "ws://127.0.0.1:7777"]);
        let raw_commas =
            AdminConnection::parse(&format!("bunker://{}@a.example,b.example", npub())).unwrap();
        assert_eq!(raw_commas.relays.len(), 2);
    }

    #[test]
    fn admin_connection_reads_nip46_form_and_round_trips() {
        let conn =
            AdminConnection::parse(&format!("bunker://{KEY}?relay=ws%3A%2F%2F127.0.0.1%3A7777"))
                .unwrap();
        assert_eq!(conn.admin.to_hex(), KEY);
        assert_eq!(AdminConnection::parse(&conn.to_url_string()).unwrap(), conn);
    }

    #[test]
    fn admin_connection_rejects_pairing_urls_and_missing_relays() {
        let npub = npub();
        let cases: Vec<(String, UriProblem)> = vec![
            (
                format!("bunker://{KEY}?relay=wss://a.example&secret={SECRET}"),
                UriProblem::SecretForAdmin,
            ),
            (format!("bunker://{npub}"), UriProblem::NoRelays),
            (format!("bunker://{npub}@"), UriProblem::NoRelays),
            (
                format!("bunker://{npub}?relay=wss://a.example"),
                UriProblem::NpubInNip46Form,
            ),
            (
                "bunker://npub1qqqq@a.example".to_owned(),
                UriProblem::BadKey,
            ),
            (
                format!("bunker://{npub}@https%3A%2F%2Fa.example"),
                UriProblem::RelayScheme,
            ),
            (format!("{npub}@a.example"), UriProblem::NotABunkerUrl),
        ];
        for (input, expected) in cases {
            assert_eq!(
                problem_of(AdminConnection::parse(&input)),
                expected,
                "input: {input}"
            );
        }
    }

    #[test]
    fn percent_decoding_handles_utf8_and_rejects_broken_escapes() {
        assert_eq!(percent_decode("a%C3%A9b+").unwrap(), "aéb+");
        assert!(percent_decode("%zz").is_err());
        assert!(percent_decode("%C3").is_err());
        assert_eq!(percent_encode("wss://a~b"), "wss%3A%2F%2Fa%7Eb");
    }
}
