//! Verifying a bunker-signed operator event before anything is published (DESIGN.md §3
//! "Operator-authored events": nothing is published unverified).
//!
//! Checked: id and signature; author = the operator key; kind; content byte for byte as sent;
//! the tags sent, in order, as the first tags; `created_at` within [`CLOCK_SKEW_SECS`] of the
//! moment it was sent. NDK 2.8.1 keeps a template's `created_at` only for kinds that are not
//! replaceable (§1.4); kind 30078 is addressable, so the bunker stamps its own time, and the
//! check can only be that the time is current (not a replayed old signature).
//!
//! **Tags the bunker may add.** NDK 2.8.1 signs through `generateContentTags`, which appends
//! `t`, `p`, `e`, `q` and `a` tags for hashtags and mentions it finds in the content
//! (protocol/nsecbunkerd.md §1.4, §5 item 19). Such tags only index the content; readers of a
//! NIP-78 event go by its `d` tag and its content. So appended tags of exactly those five names
//! are accepted; any other added tag, a second `d` tag, a changed or reordered tag sent by us,
//! or a rewritten content is refused.

use nostr::{Event, Kind, PublicKey, Tag, Timestamp};

/// How far the bunker's `created_at` may be from the send time (clocks of two machines).
pub const CLOCK_SKEW_SECS: u64 = 600;

/// Tag names NDK 2.8.1's content tagging may append (§1.4).
pub const ACCEPTED_ADDED_TAGS: [&str; 5] = ["t", "p", "e", "q", "a"];

/// What was sent to the bunker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// Kind.
    pub kind: Kind,
    /// Content.
    pub content: String,
    /// Tags.
    pub tags: Vec<Tag>,
    /// When it was sent to the bunker.
    pub sent_at: Timestamp,
}

/// Checks `event` against what was sent; `Err` says what is wrong.
///
/// # Errors
/// A short reason, e.g. `"is signed by another key than the operator key"`.
pub fn verify(event: &Event, sent: &Sent, operator: &PublicKey) -> Result<(), &'static str> {
    if event.verify().is_err() {
        return Err("has a wrong id or signature");
    }
    if &event.pubkey != operator {
        return Err("is signed by another key than the operator key");
    }
    if event.kind != sent.kind {
        return Err("has another kind than requested");
    }
    if event.created_at.as_secs().abs_diff(sent.sent_at.as_secs()) > CLOCK_SKEW_SECS {
        return Err("has a creation time far from now");
    }
    if event.content != sent.content {
        return Err("has another content than requested");
    }
    let tags: Vec<&Tag> = event.tags.iter().collect();
    if tags.len() < sent.tags.len() || tags.iter().zip(&sent.tags).any(|(got, want)| *got != want) {
        return Err("does not carry the tags sent, in order");
    }
    for extra in &tags[sent.tags.len()..] {
        let name = extra
            .as_slice()
            .first()
            .map(String::as_str)
            .unwrap_or_default();
        if !ACCEPTED_ADDED_TAGS.contains(&name) {
            return Err("carries a tag the bunker may not add");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nostr::{EventBuilder, Keys};

    fn sent() -> Sent {
        Sent {
            kind: Kind::from(30078),
            content: r#"{"v":1,"super_fee_bps":250}"#.into(),
            tags: vec![Tag::identifier("satmachine:super-fee")],
            sent_at: Timestamp::from(1_700_000_000),
        }
    }

    fn sign(keys: &Keys, s: &Sent, extra: Vec<Tag>) -> Event {
        EventBuilder::new(s.kind, s.content.clone())
            .tags(s.tags.iter().cloned().chain(extra))
            .custom_created_at(s.sent_at)
            .sign_with_keys(keys)
            .unwrap()
    }

    #[test]
    fn the_event_as_sent_is_accepted_and_content_tags_may_be_appended() {
        let op = Keys::generate();
        assert_eq!(
            verify(&sign(&op, &sent(), vec![]), &sent(), &op.public_key()),
            Ok(())
        );
        let tagged = sign(&op, &sent(), vec![Tag::hashtag("#fee")]);
        assert_eq!(
            verify(&tagged, &sent(), &op.public_key()),
            Ok(()),
            "NDK appends t tags for hashtags (§1.4)"
        );
    }

    #[test]
    fn another_signer_content_kind_time_or_tag_is_refused() {
        let op = Keys::generate();
        let s = sent();
        assert!(
            verify(&sign(&Keys::generate(), &s, vec![]), &s, &op.public_key()).is_err(),
            "signer"
        );
        let other_content = Sent {
            content: "{}".into(),
            ..s.clone()
        };
        assert!(
            verify(&sign(&op, &other_content, vec![]), &s, &op.public_key()).is_err(),
            "content"
        );
        let other_kind = Sent {
            kind: Kind::from(1),
            ..s.clone()
        };
        assert!(
            verify(&sign(&op, &other_kind, vec![]), &s, &op.public_key()).is_err(),
            "kind"
        );
        let stamped = Sent {
            sent_at: Timestamp::from(1_700_000_000 + CLOCK_SKEW_SECS),
            ..s.clone()
        };
        assert!(
            verify(&sign(&op, &stamped, vec![]), &s, &op.public_key()).is_ok(),
            "the bunker stamps its own time (§1.4)"
        );
        let old = Sent {
            sent_at: Timestamp::from(1),
            ..s.clone()
        };
        assert!(
            verify(&sign(&op, &old, vec![]), &s, &op.public_key()).is_err(),
            "an old signature is not current"
        );
        let dropped = Sent {
            tags: vec![],
            ..s.clone()
        };
        assert!(
            verify(&sign(&op, &dropped, vec![]), &s, &op.public_key()).is_err(),
            "missing d tag"
        );
        let second_d = sign(&op, &s, vec![Tag::identifier("other")]);
        assert!(
            verify(&second_d, &s, &op.public_key()).is_err(),
            "an added d tag would change the address"
        );
    }
}
