//! The crate's one error type, the typed bunker refusals, and the redaction of raw bunker text.
//!
//! nsecbunkerd error strings can carry file paths and freshly generated token secrets
//! (protocol/nsecbunkerd.md Appendix C: a raw ORM error for a string `policyId`), so a raw
//! message never reaches `Display`, `Debug` or a log. Known messages become a [`Refusal`];
//! anything else becomes [`Error::BunkerInternal`] with a redacted excerpt.

use std::fmt;
use std::time::Duration;

use crate::uri::UriProblem;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A stable, coarse classification of [`Error`] that callers (and the UI) branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No reply arrived within the call's timeout.
    Timeout,
    /// None of the relays could be reached.
    Unreachable,
    /// Our console key is not in the bunker's `admin.npubs`.
    NotAdmin,
    /// The signing key exists on the bunker but is locked (needs `unlock_key`).
    KeyLocked,
    /// The bunker refused the request (token problems, no permission, revoked client, ...).
    Rejected,
    /// The bunker does not support what was asked (unknown method, no NIP-44 proof).
    Unsupported,
    /// The bunker failed internally; its raw message was withheld.
    BunkerFault,
    /// The caller passed something unusable (a malformed URL, an empty name, ...).
    InvalidInput,
    /// The bunker answered with something this client cannot interpret.
    Protocol,
    /// A signed event from the bunker failed verification.
    BadSignature,
    /// The client was shut down.
    Closed,
    /// The remote signer holding the admin key said no (a person refused on the phone, or the
    /// signer does not allow this method).
    SignerRefused,
    /// The remote signer did not answer within the approval timeout.
    SignerTimeout,
    /// The remote signer could not be reached (no relay to it connected).
    SignerUnreachable,
}

/// Errors of the bunker client.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No reply within the timeout (protocol/nsecbunkerd.md §6.3 C10).
    #[error(
        "no reply from the bunker within {}: check that it is running, that it is connected to \
         the relays ({relays}) and that this key is allowed to talk to it",
        seconds(*waited)
    )]
    Timeout {
        /// How long the call waited.
        waited: Duration,
        /// The relays used, for the message.
        relays: String,
    },
    /// No relay accepted a connection or a message.
    #[error(
        "could not reach any of the relays ({relays}): check the relay addresses and that the \
         relays are running"
    )]
    Unreachable {
        /// The relays tried, for the message.
        relays: String,
    },
    /// The bunker refused with a message this crate knows.
    #[error("{0}")]
    Refused(Refusal),
    /// The bunker reported an error this crate does not know; the raw text is withheld.
    #[error(
        "the bunker reported an internal error (\"{excerpt}\"): check the bunker's log; the full \
         text is not shown because it can contain file paths and secrets"
    )]
    BunkerInternal {
        /// A redacted, shortened excerpt of the bunker's message.
        excerpt: String,
    },
    /// The named key exists on the bunker but is locked.
    #[error("the key \"{name}\" is locked on the bunker: unlock it there, then retry")]
    KeyLocked {
        /// Key name on the bunker.
        name: String,
    },
    /// The bunker has no key with this name.
    #[error("the bunker has no key named \"{name}\": check the key name in the bunker's config")]
    UnknownKey {
        /// Key name that was asked for.
        name: String,
    },
    /// A `bunker://` string could not be used.
    #[error("{0}")]
    InvalidUri(UriProblem),
    /// An argument was unusable.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// NIP-44 was asked for a signer that the admin probe did not prove NIP-44-capable.
    #[error(
        "this signer has not been shown to understand NIP-44; stay on NIP-04 (a NIP-44 request \
         crashes a stock nsecbunkerd)"
    )]
    Nip44NotProven,
    /// The bunker's reply could not be interpreted.
    #[error("unexpected reply from the bunker: {0}; the bunker version may not be supported")]
    Protocol(&'static str),
    /// The event the bunker signed is not acceptable.
    #[error("the bunker returned a signed event that {0}: do not use it")]
    BadSignedEvent(&'static str),
    /// Encryption or signing on our side failed.
    #[error("could not prepare the request: {0}")]
    Local(&'static str),
    /// The client was shut down while a call was running.
    #[error("the bunker connection was closed")]
    Closed,
    /// The admin `ping` probe was answered in a way that fits neither nsecbunkerd line
    /// (protocol/nsecbunkerd-0.11.md §5); nothing was learnt and nothing should be stored.
    #[error(
        "the bunker answered the admin ping with {seen}, which fits neither nsecbunkerd 0.10 \
         (\"ok\" on kind 24134) nor 0.11 (\"pong\" on kind 24133): this bunker version is not \
         supported"
    )]
    UnknownLine {
        /// What was seen: the answer (shortened, safe characters only) and its kind.
        seen: String,
    },
    /// An nsecbunkerd 0.11 bunker that answered before no longer answers: 0.11 does not
    /// reconnect after its relay restarts (protocol/nsecbunkerd-0.11.md §0.3 item 9, §6).
    #[error(
        "bunker unreachable: it answered before but not within {}; nsecbunkerd 0.11 does not \
         reconnect after a relay restart: restart the bunker (relays: {relays})",
        seconds(*waited)
    )]
    Deaf {
        /// How long the call waited.
        waited: Duration,
        /// The relays used, for the message.
        relays: String,
    },
    /// The remote signer holding the admin key refused a call.
    #[error(
        "your signer refused to {what}: approve it on the signer (or allow this app to use \
         sign_event for kinds 24133/24134 and nip04/nip44 encrypt and decrypt), then retry"
    )]
    SignerRefused {
        /// What it was asked, in words.
        what: String,
    },
    /// The remote signer did not answer in time.
    #[error(
        "your signer did not answer within {} when asked to {what}: open the signer app, \
         approve the request there (or raise the approval timeout), then retry",
        seconds(*waited)
    )]
    SignerTimeout {
        /// What it was asked, in words.
        what: String,
        /// How long we waited.
        waited: Duration,
    },
    /// The remote signer could not be reached.
    #[error(
        "could not reach your signer to {what}: check that its relay is up and the signer app \
         is online; queued actions wait and are sent when it is back"
    )]
    SignerUnreachable {
        /// What it was asked, in words.
        what: String,
    },
    /// The remote signer answered with something other than what was asked; nothing was used.
    #[error("your signer {0}: nothing was sent or recorded; check which key the signer uses for this app")]
    SignerMisbehaved(&'static str),
}

/// Which kind of call a remote signer was asked to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignerStep {
    PublicKey,
    Sign,
    Encrypt,
    Decrypt,
}

impl SignerStep {
    /// A local key's failure: only a malformed payload from the peer can cause one.
    pub(crate) fn local_failure(self) -> Error {
        match self {
            Self::PublicKey | Self::Sign => Error::Local("signing the request failed"),
            Self::Encrypt => Error::Local("encrypting the request failed"),
            Self::Decrypt => Error::Protocol("a payload could not be decrypted"),
        }
    }
}

impl Error {
    /// The stable classification of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Timeout { .. } => ErrorKind::Timeout,
            Self::Unreachable { .. } => ErrorKind::Unreachable,
            Self::Refused(refusal) => refusal.kind(),
            Self::BunkerInternal { .. } => ErrorKind::BunkerFault,
            Self::KeyLocked { .. } => ErrorKind::KeyLocked,
            Self::UnknownKey { .. } | Self::InvalidUri(_) | Self::InvalidInput(_) => {
                ErrorKind::InvalidInput
            }
            Self::Nip44NotProven => ErrorKind::Unsupported,
            Self::Protocol(_) | Self::Local(_) => ErrorKind::Protocol,
            Self::BadSignedEvent(_) => ErrorKind::BadSignature,
            Self::Closed => ErrorKind::Closed,
            Self::UnknownLine { .. } => ErrorKind::Unsupported,
            Self::Deaf { .. } => ErrorKind::Unreachable,
            Self::SignerRefused { .. } => ErrorKind::SignerRefused,
            Self::SignerTimeout { .. } => ErrorKind::SignerTimeout,
            Self::SignerUnreachable { .. } => ErrorKind::SignerUnreachable,
            Self::SignerMisbehaved(_) => ErrorKind::BadSignature,
        }
    }

    /// The typed refusal, when the bunker refused with a known message.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Self::Refused(refusal) => Some(refusal),
            _ => None,
        }
    }

    /// Maps a raw bunker error message to a typed error without keeping the raw text.
    pub(crate) fn from_bunker_message(raw: &str) -> Self {
        match Refusal::recognise(raw) {
            Some(refusal) => Self::Refused(refusal),
            None => Self::BunkerInternal {
                excerpt: redact(raw),
            },
        }
    }

    pub(crate) fn timeout(waited: Duration, relays: &[nostr::RelayUrl]) -> Self {
        Self::Timeout {
            waited,
            relays: relay_list(relays),
        }
    }

    /// A timeout of a 0.11 bunker that answered before becomes [`Error::Deaf`]; any other
    /// error is returned as it is.
    pub(crate) fn deaf_if_timeout(self) -> Self {
        match self {
            Self::Timeout { waited, relays } => Self::Deaf { waited, relays },
            other => other,
        }
    }

    pub(crate) fn unreachable(relays: &[nostr::RelayUrl]) -> Self {
        Self::Unreachable {
            relays: relay_list(relays),
        }
    }
}

/// `15 s`, or `0.4 s` for sub-second test timeouts.
fn seconds(waited: Duration) -> String {
    if waited.subsec_millis() == 0 {
        format!("{} s", waited.as_secs())
    } else {
        format!("{:.1} s", waited.as_secs_f64())
    }
}

fn relay_list(relays: &[nostr::RelayUrl]) -> String {
    relays
        .iter()
        .map(|r| r.as_str_without_trailing_slash())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A refusal message nsecbunkerd is known to send (protocol/nsecbunkerd.md §2.3, §3.2, §6.3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// `Not authorized`: no matching permission, a revoked client, or a timed-out approval.
    NotAuthorized,
    /// `You are not designated to administrate this bunker`.
    NotAdmin,
    /// `Token not found`: the pairing secret is unknown to the bunker.
    TokenNotFound,
    /// `Token already redeemed`: the pairing secret was used before.
    TokenAlreadyRedeemed,
    /// `Token expired`: the redemption window has passed.
    TokenExpired,
    /// `Policy not found`.
    PolicyNotFound,
    /// `Invalid params`.
    InvalidParams,
    /// `Key user not found`.
    KeyUserNotFound,
    /// `Unknown method <m>` (variant C, §2.2); the method name if it looked like one.
    UnknownMethod(Option<String>),
    /// `no domains available` / `domain not available` (account creation is off).
    NoDomains,
    /// `policy.rules is not iterable` or a rule without a kind: the policy was created only
    /// partly (§2.3.6).
    IncompletePolicy,
}

impl Refusal {
    /// The [`ErrorKind`] this refusal belongs to.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotAdmin => ErrorKind::NotAdmin,
            Self::UnknownMethod(_) | Self::NoDomains => ErrorKind::Unsupported,
            Self::IncompletePolicy => ErrorKind::BunkerFault,
            _ => ErrorKind::Rejected,
        }
    }

    /// Whether this is the generic `Not authorized` that NDK 2.8.1 sends after a more specific
    /// error for the same request id (§1.3 "Double response").
    pub(crate) fn is_generic(&self) -> bool {
        matches!(self, Self::NotAuthorized)
    }

    fn recognise(raw: &str) -> Option<Self> {
        let text = raw.trim();
        let refusal = match text {
            "Not authorized" => Self::NotAuthorized,
            "You are not designated to administrate this bunker" => Self::NotAdmin,
            "Token not found" => Self::TokenNotFound,
            "Token already redeemed" => Self::TokenAlreadyRedeemed,
            "Token expired" => Self::TokenExpired,
            "Policy not found" => Self::PolicyNotFound,
            "Invalid params" => Self::InvalidParams,
            "Key user not found" => Self::KeyUserNotFound,
            "no domains available" | "domain not available" | "no domains configured" => {
                Self::NoDomains
            }
            "policy.rules is not iterable" => Self::IncompletePolicy,
            _ if text.starts_with("Cannot read properties of")
                && text.ends_with("(reading 'toString')") =>
            {
                Self::IncompletePolicy
            }
            _ => {
                let method = text.strip_prefix("Unknown method")?.trim();
                let plausible = !method.is_empty()
                    && method.len() <= 64
                    && method
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_');
                Self::UnknownMethod(plausible.then(|| method.to_owned()))
            }
        };
        Some(refusal)
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAuthorized => f.write_str(
                "the bunker answered \"Not authorized\": this client has no permission for the \
                 request (no matching policy rule, a revoked client, or an approval that timed out)",
            ),
            Self::NotAdmin => f.write_str(
                "the bunker does not accept this console as an administrator: add the console's \
                 npub to admin.npubs in the bunker's config and restart it",
            ),
            Self::TokenNotFound => f.write_str(
                "the bunker does not know this pairing secret: create a new pairing for the machine",
            ),
            Self::TokenAlreadyRedeemed => f.write_str(
                "this pairing secret was already used: pair the machine again with a new one",
            ),
            Self::TokenExpired => f.write_str(
                "this pairing secret expired before it was used: create a new pairing",
            ),
            Self::PolicyNotFound => f.write_str(
                "the bunker has no such policy: reload the policies and retry",
            ),
            Self::InvalidParams => f.write_str(
                "the bunker rejected the request's parameters (\"Invalid params\"): this is a bug \
                 in the client or an unsupported bunker version",
            ),
            Self::KeyUserNotFound => f.write_str(
                "the bunker has no client with this public key: reload the client list",
            ),
            Self::UnknownMethod(Some(method)) => write!(
                f,
                "the bunker does not support the method \"{method}\": it may be an older or \
                 different bunker version"
            ),
            Self::UnknownMethod(None) => f.write_str(
                "the bunker does not support this method: it may be an older or different bunker \
                 version",
            ),
            Self::NoDomains => f.write_str(
                "account creation is not enabled on this bunker (no domains configured)",
            ),
            Self::IncompletePolicy => f.write_str(
                "the bunker created the policy only partly (a rule was rejected): check the \
                 policy list and create a corrected policy under a new name",
            ),
        }
    }
}

/// Longest excerpt of an unknown bunker message that is kept.
const EXCERPT_MAX_CHARS: usize = 120;

/// Shortens a raw bunker message and removes what may be secret or revealing: every run of 16 or
/// more hex digits (tokens, keys), every path-like or URL-like word, and control characters.
pub(crate) fn redact(raw: &str) -> String {
    let words: Vec<String> = raw
        .split_whitespace()
        .map(|word| {
            if is_path_like(word) {
                "<path>".to_owned()
            } else {
                mask_hex_runs(word)
            }
        })
        .collect();
    let joined = words.join(" ");
    let cleaned: String = joined
        .chars()
        .map(|c| if c.is_control() || c == '"' { '\'' } else { c })
        .collect();
    if cleaned.chars().count() > EXCERPT_MAX_CHARS {
        let short: String = cleaned.chars().take(EXCERPT_MAX_CHARS).collect();
        format!("{short}…")
    } else {
        cleaned
    }
}

fn is_path_like(word: &str) -> bool {
    word.contains('/') || word.contains('\\') || word.starts_with('~') || word.contains("file:")
}

fn mask_hex_runs(word: &str) -> String {
    const MIN_RUN: usize = 16;
    let mut out = String::with_capacity(word.len());
    let mut run = String::new();
    for c in word.chars() {
        if c.is_ascii_hexdigit() {
            run.push(c);
            continue;
        }
        flush_run(&mut out, &mut run, MIN_RUN);
        out.push(c);
    }
    flush_run(&mut out, &mut run, MIN_RUN);
    out
}

fn flush_run(out: &mut String, run: &mut String, min_run: usize) {
    if run.len() >= min_run {
        out.push_str("<hex>");
    } else {
        out.push_str(run);
    }
    run.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX64: &str = "3f1c0a9e5b7d2c4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6";

    fn contains_hex_run(text: &str, len: usize) -> bool {
        let mut run = 0;
        for c in text.chars() {
            run = if c.is_ascii_hexdigit() { run + 1 } else { 0 };
            if run >= len {
                return true;
            }
        }
        false
    }

    #[test]
    fn known_messages_map_to_typed_refusals() {
        let cases = [
            (
                "Not authorized",
                Refusal::NotAuthorized,
                ErrorKind::Rejected,
            ),
            (
                "You are not designated to administrate this bunker",
                Refusal::NotAdmin,
                ErrorKind::NotAdmin,
            ),
            (
                "Token not found",
                Refusal::TokenNotFound,
                ErrorKind::Rejected,
            ),
            (
                "Token already redeemed",
                Refusal::TokenAlreadyRedeemed,
                ErrorKind::Rejected,
            ),
            ("Token expired", Refusal::TokenExpired, ErrorKind::Rejected),
            (
                "Policy not found",
                Refusal::PolicyNotFound,
                ErrorKind::Rejected,
            ),
            (
                "Invalid params",
                Refusal::InvalidParams,
                ErrorKind::Rejected,
            ),
            (
                "Key user not found",
                Refusal::KeyUserNotFound,
                ErrorKind::Rejected,
            ),
            (
                "no domains available",
                Refusal::NoDomains,
                ErrorKind::Unsupported,
            ),
            (
                "Unknown method revoke_token",
                Refusal::UnknownMethod(Some("revoke_token".into())),
                ErrorKind::Unsupported,
            ),
            (
                "policy.rules is not iterable",
                Refusal::IncompletePolicy,
                ErrorKind::BunkerFault,
            ),
            (
                "Cannot read properties of undefined (reading 'toString')",
                Refusal::IncompletePolicy,
                ErrorKind::BunkerFault,
            ),
        ];
        for (raw, refusal, kind) in cases {
            let err = Error::from_bunker_message(raw);
            assert_eq!(err.refusal(), Some(&refusal), "{raw} should be recognised");
            assert_eq!(err.kind(), kind, "{raw} has the wrong kind");
        }
    }

    #[test]
    fn unknown_method_with_odd_name_does_not_echo_it() {
        let err = Error::from_bunker_message(&format!("Unknown method /etc/{HEX64}"));
        assert_eq!(err.refusal(), Some(&Refusal::UnknownMethod(None)));
        assert!(!err.to_string().contains(HEX64));
    }

    #[test]
    fn unknown_bunker_message_never_shows_secrets_or_paths() {
        let raw = format!(
            "\nInvalid `prisma.token.create()` invocation in\n/app/src/daemon/admin/commands/\
             create_new_token.ts:18:38\n  data: {{ token: \"{HEX64}\", keyName: \"fleet\", \
             policyId: \"4\" }} C:\\Users\\op\\db.sqlite ~/bunker/config"
        );
        let err = Error::from_bunker_message(&raw);
        assert_eq!(err.kind(), ErrorKind::BunkerFault);
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!contains_hex_run(&text, 16), "hex run leaked: {text}");
            assert!(!text.contains("/app/src"), "path leaked: {text}");
            assert!(!text.contains("create_new_token.ts"), "path leaked: {text}");
            assert!(!text.contains("Users"), "windows path leaked: {text}");
            assert!(!text.contains("~/bunker"), "home path leaked: {text}");
        }
    }

    #[test]
    fn redaction_keeps_short_words_and_bounds_length() {
        assert_eq!(
            redact("Record to update not found."),
            "Record to update not found."
        );
        assert_eq!(redact(&format!("token={HEX64}x")), "token=<hex>x");
        let long = "word ".repeat(100);
        assert!(redact(&long).chars().count() <= EXCERPT_MAX_CHARS + 1);
    }

    #[test]
    fn every_display_says_what_to_do_without_raw_text() {
        let timeout = Error::timeout(
            Duration::from_secs(15),
            &[nostr::RelayUrl::parse("ws://127.0.0.1:7777").expect("relay")],
        );
        let text = timeout.to_string();
        assert!(
            text.contains("15 s") && text.contains("ws://127.0.0.1:7777"),
            "{text}"
        );
        assert_eq!(timeout.kind(), ErrorKind::Timeout);
    }
}
