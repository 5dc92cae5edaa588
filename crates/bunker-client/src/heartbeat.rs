//! The ATM heartbeat: a small addressable event an ATM publishes on the bunker's relays so the
//! operator's console can show the fleet at a glance ("last seen", software version, whether the
//! bunker still signs for it). Protocol only: building, filtering and verifying the event.
//!
//! Format (version 1):
//! - kind **30078** (NIP-78 application data, addressable): each ATM key keeps exactly one
//!   heartbeat on a relay, the newest replacing the older ones;
//! - signed by the **ATM's own client key** (no bunker round trip, no permission needed), so the
//!   event's `pubkey` is the ATM key the operator saw at pairing;
//! - tags: `["d", "satmachine:heartbeat"]` and `["p", <operator key hex>]` (the fleet it belongs
//!   to; a console asks relays for `kinds=[30078], #d=[satmachine:heartbeat], #p=[operator]`);
//! - `created_at`: when it was sent (the "last seen" time);
//! - content, JSON: `{"v":1,"software":"satmachine-atm 0.1.0","status":"ok","interval_secs":300}`
//!   where `status` is `ok` (the last signature worked, or none was asked), `refused` (the bunker
//!   refused this ATM: revoked or never granted) or `unreachable` (the ATM could not reach the
//!   bunker lately), and `interval_secs` (optional) is how often the ATM sends one, so a console
//!   can tell a late machine from a quiet one.
//!
//! Nothing in it is secret: no pairing secret, no key, no transaction data.

use std::fmt;

use nostr::{Event, EventBuilder, Filter, Keys, Kind, PublicKey, Tag, TagKind, Timestamp};
use serde::{Deserialize, Serialize};

/// The heartbeat's kind (NIP-78, addressable).
pub const HEARTBEAT_KIND: u16 = 30078;
/// The heartbeat's `d` tag.
pub const HEARTBEAT_D_TAG: &str = "satmachine:heartbeat";
/// The content version this module writes and reads.
pub const HEARTBEAT_VERSION: u32 = 1;
/// The longest `software` string accepted.
const MAX_SOFTWARE_LEN: usize = 64;

/// What the ATM says about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeartbeatStatus {
    /// The last signature worked, or none was asked yet.
    Ok,
    /// The bunker refused this ATM (revoked or never granted).
    Refused,
    /// The ATM could not reach the bunker lately.
    Unreachable,
}

/// The heartbeat's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatContent {
    /// Format version, [`HEARTBEAT_VERSION`].
    pub v: u32,
    /// The ATM software and its version, e.g. `satmachine-atm 0.1.0`.
    pub software: String,
    /// How the ATM's signing fares.
    pub status: HeartbeatStatus,
    /// How often the ATM sends a heartbeat, in seconds, if on a timer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_secs: Option<u64>,
}

/// A verified heartbeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heartbeat {
    /// The ATM's client key (the event's author).
    pub atm: PublicKey,
    /// The operator key the ATM names (its `p` tag).
    pub operator: PublicKey,
    /// When it was sent (`created_at`).
    pub sent_at: Timestamp,
    /// The content.
    pub content: HeartbeatContent,
}

/// Why an event is not a usable heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeartbeatProblem {
    /// Not kind 30078 or not the heartbeat's `d` tag.
    NotAHeartbeat,
    /// The id or signature does not verify.
    BadSignature,
    /// Signed by another key than the expected ATM's.
    WrongAtm,
    /// No valid `p` tag naming the operator key, or more than one.
    NoOperator,
    /// The content is not the version-1 JSON, or a field is out of range.
    BadContent,
    /// The event could not be signed (building only).
    Signing,
}

impl fmt::Display for HeartbeatProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotAHeartbeat => "the event is not a satmachine heartbeat (kind 30078, d tag)",
            Self::BadSignature => "the heartbeat's id or signature does not verify",
            Self::WrongAtm => "the heartbeat is signed by another key than this machine's",
            Self::NoOperator => "the heartbeat does not name exactly one operator key",
            Self::BadContent => "the heartbeat's content is not a version-1 heartbeat",
            Self::Signing => "the heartbeat could not be signed",
        })
    }
}

impl std::error::Error for HeartbeatProblem {}

/// Builds and signs a heartbeat with the ATM's own key, naming `operator`.
///
/// # Errors
/// [`HeartbeatProblem::BadContent`] for content [`verify_heartbeat`] would refuse,
/// [`HeartbeatProblem::Signing`] if signing fails.
pub fn heartbeat_event(
    atm_keys: &Keys,
    operator: &PublicKey,
    content: &HeartbeatContent,
    at: Timestamp,
) -> Result<Event, HeartbeatProblem> {
    check_content(content)?;
    let json = serde_json::to_string(content).map_err(|_| HeartbeatProblem::BadContent)?;
    EventBuilder::new(Kind::from(HEARTBEAT_KIND), json)
        .tag(Tag::identifier(HEARTBEAT_D_TAG))
        .tag(Tag::public_key(*operator))
        .custom_created_at(at)
        .sign_with_keys(atm_keys)
        .map_err(|_| HeartbeatProblem::Signing)
}

/// The relay filter for the heartbeats of `operator`'s fleet (one per ATM key on each relay).
pub fn fleet_filter(operator: &PublicKey) -> Filter {
    Filter::new()
        .kind(Kind::from(HEARTBEAT_KIND))
        .identifier(HEARTBEAT_D_TAG)
        .pubkey(*operator)
}

/// Checks that `event` is a heartbeat signed by `expected_atm` and reads it.
///
/// The caller still compares [`Heartbeat::operator`] with its own operator key, and judges
/// [`Heartbeat::sent_at`] against its clock.
///
/// # Errors
/// The first [`HeartbeatProblem`] found.
pub fn verify_heartbeat(
    event: &Event,
    expected_atm: &PublicKey,
) -> Result<Heartbeat, HeartbeatProblem> {
    if event.kind != Kind::from(HEARTBEAT_KIND) || event.tags.identifier() != Some(HEARTBEAT_D_TAG)
    {
        return Err(HeartbeatProblem::NotAHeartbeat);
    }
    if event.verify().is_err() {
        return Err(HeartbeatProblem::BadSignature);
    }
    if &event.pubkey != expected_atm {
        return Err(HeartbeatProblem::WrongAtm);
    }
    let mut named = event
        .tags
        .iter()
        .filter(|t| t.kind() == TagKind::p())
        .map(|t| t.content().and_then(|hex| PublicKey::from_hex(hex).ok()));
    let operator = match (named.next(), named.next()) {
        (Some(Some(operator)), None) => operator,
        _ => return Err(HeartbeatProblem::NoOperator),
    };
    let content: HeartbeatContent =
        serde_json::from_str(&event.content).map_err(|_| HeartbeatProblem::BadContent)?;
    check_content(&content)?;
    Ok(Heartbeat {
        atm: event.pubkey,
        operator,
        sent_at: event.created_at,
        content,
    })
}

fn check_content(content: &HeartbeatContent) -> Result<(), HeartbeatProblem> {
    let software_ok = !content.software.is_empty()
        && content.software.len() <= MAX_SOFTWARE_LEN
        && !content.software.chars().any(char::is_control);
    if content.v != HEARTBEAT_VERSION || !software_ok || content.interval_secs == Some(0) {
        return Err(HeartbeatProblem::BadContent);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nostr::JsonUtil;

    fn content() -> HeartbeatContent {
        HeartbeatContent {
            v: HEARTBEAT_VERSION,
            software: "satmachine-atm 0.1.0".into(),
            status: HeartbeatStatus::Ok,
            interval_secs: Some(300),
        }
    }

    #[test]
    fn heartbeat_round_trips_through_json_and_verifies() {
        let atm = Keys::generate();
        let operator = Keys::generate().public_key();
        let at = Timestamp::from(1_700_000_000);
        let event = heartbeat_event(&atm, &operator, &content(), at).unwrap();
        let parsed = Event::from_json(event.as_json()).unwrap();

        let beat = verify_heartbeat(&parsed, &atm.public_key()).unwrap();

        assert_eq!(beat.atm, atm.public_key());
        assert_eq!(beat.operator, operator);
        assert_eq!(beat.sent_at, at);
        assert_eq!(beat.content, content());
        assert_eq!(event.kind, Kind::from(HEARTBEAT_KIND));
        assert!(fleet_filter(&operator).match_event(&event, Default::default()));
        assert!(!fleet_filter(&atm.public_key()).match_event(&event, Default::default()));
    }

    #[test]
    fn heartbeat_signed_by_another_key_is_refused() {
        let atm = Keys::generate();
        let impostor = Keys::generate();
        let operator = Keys::generate().public_key();
        let event = heartbeat_event(&impostor, &operator, &content(), Timestamp::now()).unwrap();

        assert_eq!(
            verify_heartbeat(&event, &atm.public_key()),
            Err(HeartbeatProblem::WrongAtm)
        );
    }

    #[test]
    fn tampered_heartbeat_is_refused() {
        let atm = Keys::generate();
        let operator = Keys::generate().public_key();
        let event = heartbeat_event(&atm, &operator, &content(), Timestamp::now()).unwrap();
        let mut json: serde_json::Value = serde_json::from_str(&event.as_json()).unwrap();
        json["content"] = r#"{"v":1,"software":"x","status":"refused"}"#.into();
        let tampered = Event::from_json(json.to_string()).unwrap();

        assert_eq!(
            verify_heartbeat(&tampered, &atm.public_key()),
            Err(HeartbeatProblem::BadSignature)
        );
    }

    #[test]
    fn events_that_are_not_version_1_heartbeats_are_refused() {
        let atm = Keys::generate();
        let operator = Keys::generate().public_key();
        let sign = |builder: EventBuilder| builder.sign_with_keys(&atm).unwrap();
        let good = serde_json::to_string(&content()).unwrap();
        let cases = [
            (
                sign(
                    EventBuilder::new(Kind::from(1), good.clone())
                        .tag(Tag::identifier(HEARTBEAT_D_TAG))
                        .tag(Tag::public_key(operator)),
                ),
                HeartbeatProblem::NotAHeartbeat,
            ),
            (
                sign(
                    EventBuilder::new(Kind::from(HEARTBEAT_KIND), good.clone())
                        .tag(Tag::identifier("satmachine:fees"))
                        .tag(Tag::public_key(operator)),
                ),
                HeartbeatProblem::NotAHeartbeat,
            ),
            (
                sign(
                    EventBuilder::new(Kind::from(HEARTBEAT_KIND), good.clone())
                        .tag(Tag::identifier(HEARTBEAT_D_TAG)),
                ),
                HeartbeatProblem::NoOperator,
            ),
            (
                sign(
                    EventBuilder::new(Kind::from(HEARTBEAT_KIND), good)
                        .tag(Tag::identifier(HEARTBEAT_D_TAG))
                        .tag(Tag::public_key(operator))
                        .tag(Tag::public_key(Keys::generate().public_key())),
                ),
                HeartbeatProblem::NoOperator,
            ),
            (
                sign(
                    EventBuilder::new(
                        Kind::from(HEARTBEAT_KIND),
                        r#"{"v":2,"software":"x","status":"ok"}"#,
                    )
                    .tag(Tag::identifier(HEARTBEAT_D_TAG))
                    .tag(Tag::public_key(operator)),
                ),
                HeartbeatProblem::BadContent,
            ),
            (
                sign(
                    EventBuilder::new(
                        Kind::from(HEARTBEAT_KIND),
                        r#"{"v":1,"software":"x","status":"asleep"}"#,
                    )
                    .tag(Tag::identifier(HEARTBEAT_D_TAG))
                    .tag(Tag::public_key(operator)),
                ),
                HeartbeatProblem::BadContent,
            ),
        ];
        for (event, problem) in cases {
            assert_eq!(
                verify_heartbeat(&event, &atm.public_key()),
                Err(problem),
                "{}",
                event.as_json()
            );
        }
    }
}
