//! The two nsecbunkerd lines this client speaks, and how an admin `ping` tells them apart
//! (protocol/nsecbunkerd-0.11.md §0.3, §5).
//!
//! | | 0.10 (kind-0, NDK 2.8.1) | 0.11 (398ja, NDK 2.18.1) |
//! |---|---|---|
//! | admin requests accepted on | 24133 and 24134 | 24133 only |
//! | admin replies on | 24134 (success), 24133 (errors) | 24133 |
//! | admin `ping` | `ok` on 24134 | `pong` on 24133 |
//! | NIP-44 | crashes a signing key's backend | accepted everywhere |
//!
//! The probe is one admin `ping`, NIP-04, kind 24133, to the bunker's ADMIN key while listening
//! on 24133 and 24134: safe on both lines and answered by both.

use std::fmt;
use std::str::FromStr;

use crate::crypto::Encryption;
use crate::error::{Error, Result};
use crate::link::{KIND_ADMIN, KIND_NOSTR_CONNECT};
use crate::types::PingReply;

/// An nsecbunkerd line, as the admin `ping` probe found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BunkerLine {
    /// Stock nsecbunkerd 0.10.x (kind-0): NIP-04 only, admin successes on kind 24134.
    V0_10,
    /// nsecbunkerd 0.11.x (398ja): admin RPC on kind 24133 only, NIP-04 and NIP-44.
    V0_11,
}

impl BunkerLine {
    /// Every line, oldest first.
    pub const ALL: [Self; 2] = [Self::V0_10, Self::V0_11];

    /// The kind admin requests are sent with. 0.10 accepts both kinds; 24134 is what its own
    /// admin UI sends (protocol/nsecbunkerd.md §2.1). 0.11 listens on 24133 only.
    pub fn admin_request_kind(self) -> u16 {
        match self {
            Self::V0_10 => KIND_ADMIN,
            Self::V0_11 => KIND_NOSTR_CONNECT,
        }
    }

    /// The kinds admin replies and `acl` prompts arrive on.
    pub fn admin_reply_kinds(self) -> &'static [u16] {
        match self {
            Self::V0_10 => &[KIND_ADMIN, KIND_NOSTR_CONNECT],
            Self::V0_11 => &[KIND_NOSTR_CONNECT],
        }
    }

    /// The kind a successful admin `ping` is answered on: what the profile stores as the
    /// admin reply kind.
    pub fn ping_reply_kind(self) -> u16 {
        match self {
            Self::V0_10 => KIND_ADMIN,
            Self::V0_11 => KIND_NOSTR_CONNECT,
        }
    }

    /// What the admin `ping` answers.
    pub fn ping_reply(self) -> PingReply {
        match self {
            Self::V0_10 => PingReply::Ok,
            Self::V0_11 => PingReply::Pong,
        }
    }

    /// The best scheme for admin requests and for NIP-46 requests to this bunker's signing
    /// keys. On 0.10 NIP-44 is only ever used on a signing key with a
    /// [`crate::Nip44Capable`] proof from [`crate::AdminClient::probe_nip44`].
    pub fn best_encryption(self) -> Encryption {
        match self {
            Self::V0_10 => Encryption::Nip04,
            Self::V0_11 => Encryption::Nip44,
        }
    }

    /// Short stable text for storage and JSON: `0.10` or `0.11`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V0_10 => "0.10",
            Self::V0_11 => "0.11",
        }
    }

    /// Words for people: "nsecbunkerd 0.11 · admin kind 24133 · NIP-44".
    pub fn description(self) -> String {
        let scheme = match self.best_encryption() {
            Encryption::Nip04 => "NIP-04",
            Encryption::Nip44 => "NIP-44",
        };
        format!(
            "nsecbunkerd {} · admin kind {} · {scheme}",
            self.as_str(),
            self.admin_request_kind()
        )
    }

    /// The line a stored profile describes: the kind the admin `ping` was answered on and what
    /// it answered. `None` when the pair fits neither line.
    pub fn from_ping(reply_kind: u16, reply: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|line| {
            line.ping_reply_kind() == reply_kind && ping_text(line.ping_reply()) == reply
        })
    }

    /// Classifies the answer to the line probe: `ok` on 24134 is 0.10, `pong` on 24133 is 0.11,
    /// anything else is [`Error::UnknownLine`] naming what was seen.
    pub(crate) fn classify_probe(reply_kind: u16, result: &str) -> Result<Self> {
        Self::from_ping(reply_kind, result).ok_or_else(|| Error::UnknownLine {
            seen: describe_answer(reply_kind, result),
        })
    }
}

impl fmt::Display for BunkerLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description())
    }
}

impl FromStr for BunkerLine {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|line| line.as_str() == s)
            .ok_or(Error::InvalidInput("unknown nsecbunkerd line"))
    }
}

fn ping_text(reply: PingReply) -> &'static str {
    match reply {
        PingReply::Ok => "ok",
        PingReply::Pong => "pong",
    }
}

/// `"ok" on kind 24133`, with the answer shortened and stripped to safe characters.
fn describe_answer(kind: u16, result: &str) -> String {
    let shown: String = result
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.'))
        .take(24)
        .collect();
    format!("{shown:?} on kind {kind}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_on_24134_is_0_10_and_pong_on_24133_is_0_11() {
        assert_eq!(
            BunkerLine::classify_probe(24134, "ok").unwrap(),
            BunkerLine::V0_10
        );
        assert_eq!(
            BunkerLine::classify_probe(24133, "pong").unwrap(),
            BunkerLine::V0_11
        );
    }

    #[test]
    fn answers_fitting_neither_line_name_what_was_seen() {
        for (kind, answer, words) in [
            (24133, "ok", "\"ok\" on kind 24133"),
            (24134, "pong", "\"pong\" on kind 24134"),
            (24133, "ack", "\"ack\" on kind 24133"),
        ] {
            let err = BunkerLine::classify_probe(kind, answer).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Unsupported);
            assert!(err.to_string().contains(words), "{err}");
        }
    }

    #[test]
    fn description_names_version_admin_kind_and_scheme() {
        assert_eq!(
            BunkerLine::V0_11.description(),
            "nsecbunkerd 0.11 · admin kind 24133 · NIP-44"
        );
        assert_eq!(
            BunkerLine::V0_10.description(),
            "nsecbunkerd 0.10 · admin kind 24134 · NIP-04"
        );
    }

    #[test]
    fn stored_text_round_trips() {
        for line in BunkerLine::ALL {
            assert_eq!(line.as_str().parse::<BunkerLine>().unwrap(), line);
        }
        assert!("0.12".parse::<BunkerLine>().is_err());
    }
}
