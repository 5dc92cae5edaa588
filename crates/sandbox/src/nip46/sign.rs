//! `sign_event` as NDK 2.8.1 does it (§1.4): parse the template into an `NDKEvent`, check the
//! ACL on its kind, then sign with NDK's mutations.

use nostr::{FromBech32, Kind, PublicKey, Tag, Timestamp, UnsignedEvent};
use serde::Serialize;
use serde_json::Value;

use crate::acl::{self, Ask};
use crate::bunker::{HostedKey, Inner};
use crate::js::{self, Thrown};

/// `JSON.stringify(await event.toNostrEvent())`: keys in this order (§1.4).
#[derive(Serialize)]
struct Signed<'a> {
    created_at: u64,
    content: &'a str,
    tags: &'a [Vec<String>],
    kind: u16,
    pubkey: String,
    id: String,
    sig: String,
}

pub(super) async fn sign_event(
    inner: &Inner,
    key: &HostedKey,
    client: &nostr::PublicKey,
    params: &[Value],
) -> Result<Option<String>, Thrown> {
    let raw = js::to_js_string(params.first());
    if let Some(error) = js::json_parse_error(&raw) {
        return Err(Thrown(error)); // N10
    }
    let template: Value = serde_json::from_str(&raw).map_err(|e| Thrown(e.to_string()))?;
    let field = |name: &str| template.as_object().and_then(|o| o.get(name));
    // The ACL query does `payload.kind.toString()`.
    let kind_value = match field("kind") {
        None => {
            return Err(Thrown::new(
                "Cannot read properties of undefined (reading 'toString')",
            ))
        }
        Some(Value::Null) => {
            return Err(Thrown::new(
                "Cannot read properties of null (reading 'toString')",
            ))
        }
        Some(k) => k.clone(),
    };
    let kind_text = js::to_js_string(Some(&kind_value));
    let ask = Ask {
        key_name: &key.name,
        client,
        method: "sign_event",
        kind: Some(kind_text.clone()),
        param: Some(raw.clone()),
    };
    if !acl::permit(inner, ask).await {
        return Ok(None);
    }
    let kind = kind_value
        .as_u64()
        .and_then(|k| u16::try_from(k).ok())
        .map(Kind::from)
        .ok_or_else(|| Thrown(format!("Invalid kind {kind_text}")))?;
    // NDKEvent: `content || ""`, `tags || []`.
    let content = if js::truthy(field("content")) {
        js::to_js_string(field("content"))
    } else {
        String::new()
    };
    let mut tags: Vec<Vec<String>> = match field("tags") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|t| match t {
                Value::Array(parts) => parts.iter().map(|p| js::to_js_string(Some(p))).collect(),
                other => vec![js::to_js_string(Some(other))],
            })
            .collect(),
        _ => Vec::new(),
    };
    let content = content_tags(&content, &mut tags, !inner.v011());
    // created_at kept if truthy and the kind is not replaceable; otherwise now.
    let created_at = match field("created_at").and_then(Value::as_f64) {
        Some(t) if t >= 1.0 && !kind.is_replaceable() && !kind.is_addressable() => {
            Timestamp::from(t as u64)
        }
        _ => Timestamp::now(),
    };
    let parsed_tags = tags
        .iter()
        .map(|t| Tag::parse(t.clone()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Thrown(e.to_string()))?;
    let event = UnsignedEvent::new(
        key.keys.public_key(),
        created_at,
        kind,
        parsed_tags,
        content.clone(),
    )
    .sign_with_keys(&key.keys)
    .map_err(|e| Thrown(e.to_string()))?;
    let signed = Signed {
        created_at: event.created_at.as_secs(),
        content: &content,
        tags: &tags,
        kind: kind.as_u16(),
        pubkey: event.pubkey.to_hex(),
        id: event.id.to_hex(),
        sig: event.sig.to_string(),
    };
    serde_json::to_string(&signed)
        .map(Some)
        .map_err(|e| Thrown(e.to_string()))
}

/// NDK `generateContentTags`: `@npub`/`nostr:npub` (and `nprofile`) mentions that decode
/// become `["p", hex]` and are rewritten to `nostr:…`; hashtags add `["t", "#tag"]` **keeping
/// the `#`** in NDK 2.8.1 (`keep_hash`), `["t", "tag"]` in NDK 2.18.1 (0.11 §1.4, V60), case
/// kept either way. Tags are appended only if new. Note/event/address mentions are left as
/// they are (the sandbox does not model their `e`/`q`/`a` tags).
fn content_tags(content: &str, tags: &mut Vec<Vec<String>>, keep_hash: bool) -> String {
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while !rest.is_empty() {
        let prefix = ["nostr:", "@"].into_iter().find(|p| rest.starts_with(p));
        if let Some(prefix) = prefix {
            let after = &rest[prefix.len()..];
            let end = after
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(after.len());
            let entity = &after[..end];
            if let Some(pk) = mentioned_pubkey(entity) {
                push_new(tags, vec!["p".to_owned(), pk.to_hex()]);
                out.push_str("nostr:");
                out.push_str(entity);
                rest = &after[end..];
                continue;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    for tag in hashtags(&out) {
        let tag = if keep_hash {
            tag
        } else {
            tag.trim_start_matches('#').to_owned()
        };
        push_new(tags, vec!["t".to_owned(), tag]);
    }
    out
}

fn mentioned_pubkey(entity: &str) -> Option<PublicKey> {
    if entity.starts_with("npub1") {
        PublicKey::from_bech32(entity).ok()
    } else if entity.starts_with("nprofile1") {
        nostr::nips::nip19::Nip19Profile::from_bech32(entity)
            .ok()
            .map(|p| p.public_key)
    } else {
        None
    }
}

/// `/(?<=\s|^)(#[^\s!@#$%^&*()=+./,[{\]};:'"?><]+)/g`, group 1.
fn hashtags(content: &str) -> Vec<String> {
    const STOP: &str = "!@#$%^&*()=+./,[{]};:'\"?><";
    let mut found = Vec::new();
    let mut prev_is_boundary = true;
    for (i, c) in content.char_indices() {
        if c == '#' && prev_is_boundary {
            let body = &content[i + 1..];
            let len = body
                .find(|ch: char| ch.is_whitespace() || STOP.contains(ch))
                .unwrap_or(body.len());
            if len > 0 {
                found.push(content[i..i + 1 + len].to_owned());
            }
        }
        prev_is_boundary = c.is_whitespace();
    }
    found
}

fn push_new(tags: &mut Vec<Vec<String>>, tag: Vec<String>) {
    if !tags
        .iter()
        .any(|t| t.first() == tag.first() && t.get(1) == tag.get(1))
    {
        tags.push(tag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashtags_keep_the_hash_and_invalid_npubs_stay() {
        let mut tags = vec![vec!["x".to_owned(), "y".to_owned()]];
        let content = content_tags(
            "pay #tag nostr:npub1tj2dmc4udvgafxxxxxxxrtgne8j8l6rgrnaykzc8sys9mzfcz",
            &mut tags,
            true,
        );
        assert_eq!(
            content,
            "pay #tag nostr:npub1tj2dmc4udvgafxxxxxxxrtgne8j8l6rgrnaykzc8sys9mzfcz"
        );
        assert_eq!(
            tags,
            vec![
                vec!["x".to_owned(), "y".to_owned()],
                vec!["t".to_owned(), "#tag".to_owned()]
            ]
        );
    }

    #[test]
    fn valid_npub_mentions_become_p_tags() {
        use nostr::ToBech32;
        let pk = nostr::Keys::generate().public_key();
        let npub = pk.to_bech32().unwrap();
        let mut tags = Vec::new();
        let content = content_tags(&format!("hi @{npub}!"), &mut tags, true);
        assert_eq!(content, format!("hi nostr:{npub}!"));
        assert_eq!(tags, vec![vec!["p".to_owned(), pk.to_hex()]]);
    }
}
