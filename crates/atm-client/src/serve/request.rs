//! The line protocol of `serve`: one JSON request per line in, one JSON line out.
//!
//! Request: `{"kind":21000,"content":"…","tags":[["t","atm"]],"id":…}`; `tags` and `id` are
//! optional, `id` is any JSON value other than `null` and is echoed back.
//!
//! Reply without `id`: the signed event itself (exactly what `satmachine-atm sign` prints), or
//! `{"error":{"kind":"…","message":"…"}}`.
//! Reply with `id`: `{"id":…,"event":{…}}` or `{"id":…,"error":{"kind":"…","message":"…"}}`.
//!
//! Requests on one connection are signed concurrently and answered as they complete; a client
//! that sends several before reading gives them ids. Error kinds are [`ErrorKind::code`]:
//! `invalid_input`, `refused`, `timeout`, `unreachable`, `protocol`, …

use nostr::{Event, JsonUtil, Tag};
use serde_json::{json, Map, Value};

use crate::error::{Error, ErrorKind};
use crate::signing::tags_from_strings;

/// The longest request line accepted, in bytes.
pub const MAX_LINE: usize = 64 * 1024;

/// A parsed signing request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SignRequest {
    pub id: Option<Value>,
    pub kind: u16,
    pub content: String,
    pub tags: Vec<Tag>,
}

/// A line that is not a usable request, with the `id` it carried if one could be read.
#[derive(Debug)]
pub(crate) struct BadRequest {
    pub id: Option<Value>,
    pub error: Error,
}

/// Parses one request line.
pub(crate) fn parse(line: &str) -> Result<SignRequest, BadRequest> {
    let bad = |id: Option<Value>, why: &'static str| BadRequest {
        id,
        error: Error::InvalidRequest(why),
    };
    let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(line) else {
        return Err(bad(None, "not a JSON object on one line"));
    };
    let id = object.remove("id").filter(|v| !v.is_null());
    let kind = match object.get("kind").and_then(Value::as_u64) {
        Some(kind) => u16::try_from(kind).map_err(|_| bad(id.clone(), "kind is above 65535"))?,
        None => return Err(bad(id, "kind must be an integer, e.g. 21000")),
    };
    let Some(Value::String(content)) = object.remove("content") else {
        return Err(bad(id, "content must be a string"));
    };
    let tags = match object.remove("tags") {
        None | Some(Value::Null) => Vec::new(),
        Some(raw) => {
            let strings: Vec<Vec<String>> = serde_json::from_value(raw)
                .map_err(|_| bad(id.clone(), "tags must be an array of string arrays"))?;
            tags_from_strings(strings).map_err(|error| BadRequest {
                id: id.clone(),
                error,
            })?
        }
    };
    Ok(SignRequest {
        id,
        kind,
        content,
        tags,
    })
}

/// The reply line for a signed event.
pub(crate) fn signed_line(id: Option<Value>, event: &Event) -> String {
    match id {
        None => event.as_json(),
        Some(id) => {
            let event: Value = serde_json::from_str(&event.as_json()).unwrap_or(Value::Null);
            json!({ "id": id, "event": event }).to_string()
        }
    }
}

/// The reply line for an error.
pub(crate) fn error_line(id: Option<Value>, error: &Error) -> String {
    let mut object = Map::new();
    if let Some(id) = id {
        object.insert("id".into(), id);
    }
    object.insert(
        "error".into(),
        json!({ "kind": error.kind().code(), "message": error.to_string() }),
    );
    Value::Object(object).to_string()
}

/// Reads a reply line: the signed event, or the error the daemon reported.
pub(crate) fn parse_reply(line: &str) -> Result<Event, Error> {
    let value: Value = serde_json::from_str(line)
        .map_err(|_| Error::InvalidRequest("the daemon's reply is not JSON"))?;
    if let Some(error) = value.get("error") {
        let kind = error
            .get("kind")
            .and_then(Value::as_str)
            .and_then(ErrorKind::from_code)
            .unwrap_or(ErrorKind::Protocol);
        let message = error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("the daemon reported an error without a message")
            .to_owned();
        return Err(Error::Daemon { kind, message });
    }
    let event = value.get("event").unwrap_or(&value);
    Event::from_json(event.to_string())
        .map_err(|_| Error::InvalidRequest("the daemon's reply is not a signed event"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_with_tags_and_id_parses() {
        let req =
            parse(r#"{"kind":21000,"content":"cash","tags":[["t","atm"]],"id":"r1"}"#).unwrap();
        assert_eq!(req.kind, 21000);
        assert_eq!(req.content, "cash");
        assert_eq!(req.tags.len(), 1);
        assert_eq!(req.id, Some(json!("r1")));
        assert_eq!(
            parse(r#"{"kind":21000,"content":""}"#).unwrap().id,
            None,
            "id is optional"
        );
    }

    #[test]
    fn malformed_requests_name_the_problem_and_keep_the_id() {
        let cases = [
            ("nope", "JSON object", None),
            ("[1]", "JSON object", None),
            (r#"{"content":"x","id":7}"#, "kind", Some(json!(7))),
            (r#"{"kind":70000,"content":"x"}"#, "65535", None),
            (r#"{"kind":21000,"id":"a"}"#, "content", Some(json!("a"))),
            (r#"{"kind":21000,"content":"x","tags":"t"}"#, "tags", None),
            (r#"{"kind":21000,"content":"x","tags":[[]]}"#, "tag", None),
        ];
        for (line, words, id) in cases {
            let bad = parse(line).unwrap_err();
            assert_eq!(bad.error.kind(), ErrorKind::InvalidInput, "{line}");
            assert!(
                bad.error.to_string().contains(words),
                "{line}: {}",
                bad.error
            );
            assert_eq!(bad.id, id, "{line}");
            let reply: Value = serde_json::from_str(&error_line(bad.id, &bad.error)).unwrap();
            assert_eq!(reply["error"]["kind"], "invalid_input");
        }
    }

    #[test]
    fn error_replies_read_back_as_the_same_kind_and_message() {
        let err = Error::NotAuthorized { kind: 21000 };
        let back = parse_reply(&error_line(Some(json!(1)), &err)).unwrap_err();
        assert_eq!(back.kind(), ErrorKind::NotAuthorized);
        assert_eq!(back.to_string(), err.to_string());
    }
}
