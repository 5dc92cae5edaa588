//! Signing through the bunker with the stored pairing (protocol/nsecbunkerd.md §4.2 items 7-8):
//! a restart needs only the client key and the secret-less URL, never the pairing secret.

use std::path::Path;

use bunker_client::{ClientOptions, EventTemplate, SignerClient};
use nostr::{Event, Kind, Tag, Timestamp};

use crate::error::{Error, Result};
use crate::state::AtmState;

/// The event kind an ATM pairing is scoped to (the bunker policy's only rule).
pub const ATM_KIND: u16 = 21000;

/// Signs an event of `kind` as the operator, through the bunker.
///
/// Any kind is sent: the bunker's policy, not this client, decides (an ATM pairing allows only
/// [`ATM_KIND`]; other kinds are refused after the bunker's approval timeout). The returned
/// event is the bunker's, verified (id, signature, operator key, kind, `created_at`); it may
/// carry tags or content the bunker added (§1.4): use it, not the template.
///
/// # Errors
/// [`Error::NotPaired`] without a pairing, [`Error::NotAuthorized`] when the bunker refuses
/// (revoked, never granted, or a kind outside the policy), bunker/relay errors otherwise.
pub async fn sign(
    state_dir: &Path,
    kind: u16,
    content: &str,
    tags: Vec<Tag>,
    opts: ClientOptions,
) -> Result<Event> {
    let state = AtmState::load(state_dir)?;
    let client = SignerClient::new(state.keys().clone(), state.bunker_uri(), opts).await?;
    let result = client
        .sign_event(EventTemplate {
            kind: Kind::from(kind),
            content: content.to_owned(),
            tags,
            created_at: Timestamp::now(),
        })
        .await;
    client.shutdown().await;
    result.map_err(|e| Error::from_sign(e, kind))
}

/// Parses `--tags`: a JSON array of non-empty string arrays, e.g. `[["t","atm"],["x","y"]]`.
pub fn parse_tags(json: &str) -> Result<Vec<Tag>> {
    let raw: Vec<Vec<String>> = serde_json::from_str(json)
        .map_err(|_| Error::InvalidTags("not a JSON array of string arrays"))?;
    tags_from_strings(raw)
}

/// Tags from string arrays; each must be non-empty and valid.
pub(crate) fn tags_from_strings(raw: Vec<Vec<String>>) -> Result<Vec<Tag>> {
    raw.into_iter()
        .map(|tag| {
            if tag.is_empty() {
                return Err(Error::InvalidTags("a tag is empty"));
            }
            Tag::parse(tag).map_err(|_| Error::InvalidTags("a tag is not valid"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_parse_from_json_arrays() {
        let tags = parse_tags(r#"[["t","atm"],["x","y","z"]]"#).unwrap();
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[1].as_slice(), ["x", "y", "z"]);
        assert!(parse_tags("[]").unwrap().is_empty());
    }

    #[test]
    fn malformed_tags_are_invalid_input() {
        for bad in ["{}", r#"["t"]"#, "[[]]", "[[1]]", "nope"] {
            let err = parse_tags(bad).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "input {bad}");
        }
    }
}
