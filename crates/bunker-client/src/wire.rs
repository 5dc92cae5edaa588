//! The JSON-RPC messages inside the encrypted content, and how replies are classified
//! (protocol/nsecbunkerd.md §1.3, §2.2, §2.5).

use nostr::secp256k1::rand::random;
use nostr::PublicKey;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Error;
use crate::types::AclRequest;

/// A request: `{"id":"…","method":"…","params":[…]}`. Ids are always JSON strings (§1.3).
#[derive(Debug, Serialize)]
pub(crate) struct Request<'a> {
    pub id: &'a str,
    pub method: &'a str,
    pub params: &'a [Value],
}

impl Request<'_> {
    pub fn to_json(&self) -> String {
        // Serialising strings and `Value`s cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A fresh random request id: 16 hex digits, unguessable enough that a stray reply for another
/// client's request is never matched.
pub(crate) fn new_request_id() -> String {
    format!("{:016x}", random::<u64>())
}

/// A decrypted message from the peer.
#[derive(Debug, PartialEq)]
pub(crate) enum Incoming {
    /// Anything with a non-empty `method`: the peer asks us something (the bunker's `acl`
    /// prompts). Such messages are never replies (§2.1 "Request =", §6.3 C8).
    Request {
        id: String,
        method: String,
        params: Vec<Value>,
    },
    /// A reply to one of our requests, matched by `id` only.
    Response(Response),
}

/// A reply as sent: `result` and `error` are strings when present.
#[derive(Debug, PartialEq)]
pub(crate) struct Response {
    pub id: String,
    pub result: Option<String>,
    pub error: Option<String>,
    /// The kind of the event that carried it (set by the link; 0 until then).
    pub kind: u16,
}

impl Incoming {
    /// Parses decrypted content; `None` for anything that is not an object with a string `id`.
    pub fn parse(text: &str) -> Option<Self> {
        let Value::Object(map) = serde_json::from_str::<Value>(text).ok()? else {
            return None;
        };
        let id = map.get("id")?.as_str()?.to_owned();
        if let Some(method) = map.get("method").and_then(Value::as_str) {
            if !method.is_empty() {
                let params = match map.get("params") {
                    Some(Value::Array(params)) => params.clone(),
                    _ => Vec::new(),
                };
                return Some(Self::Request {
                    id,
                    method: method.to_owned(),
                    params,
                });
            }
        }
        let text_field = |name: &str| map.get(name).and_then(Value::as_str).map(str::to_owned);
        Some(Self::Response(Response {
            id,
            result: text_field("result"),
            error: text_field("error"),
            kind: 0,
        }))
    }
}

/// What a reply means for the waiting call.
#[derive(Debug)]
pub(crate) enum Reply {
    /// Variant A: `result` (a bare string, or JSON text for list/object results).
    Success(String),
    /// Variants B, C, D, or a bare `result: "error"`: a typed error, raw text withheld.
    Failure(Error),
    /// An `auth_url` challenge (§1.7): not an answer; the real reply may follow on the same id.
    AuthChallenge,
}

/// The client parsing rule of §2.2, applied to every reply (admin and NIP-46):
/// 1. `error` present → failure;
/// 2. `result == "error"` → failure;
/// 3. `result` that is a JSON array starting with `"error"` → failure with its second element
///    (variant C);
/// 4. otherwise success.
pub(crate) fn classify(response: &Response) -> Reply {
    let result = response.result.as_deref();
    if result == Some("auth_url") {
        return Reply::AuthChallenge;
    }
    if let Some(error) = response.error.as_deref().filter(|e| !e.is_empty()) {
        return Reply::Failure(Error::from_bunker_message(error));
    }
    let Some(result) = result else {
        return Reply::Failure(Error::Protocol("a reply carried neither result nor error"));
    };
    if result == "error" {
        return Reply::Failure(Error::BunkerInternal {
            excerpt: "no message".to_owned(),
        });
    }
    if result.trim_start().starts_with('[') {
        if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(result) {
            if items.first().and_then(Value::as_str) == Some("error") {
                let message = items.get(1).and_then(Value::as_str).unwrap_or_default();
                return Reply::Failure(Error::from_bunker_message(message));
            }
        }
    }
    Reply::Success(result.to_owned())
}

/// The payload of the bunker's `acl` prompt: `params[0]` is JSON text (§2.5).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AclPayload {
    key_name: String,
    remote_pubkey: String,
    method: String,
    #[serde(default)]
    description: Option<String>,
    // `param` is deliberately not read: for `connect` it is the pairing secret.
}

/// Reads an unsolicited `acl` request; `None` when its payload is malformed.
pub(crate) fn parse_acl_request(params: &[Value]) -> Option<AclRequest> {
    let payload: AclPayload = serde_json::from_str(params.first()?.as_str()?).ok()?;
    Some(AclRequest {
        key_name: payload.key_name,
        client: PublicKey::from_hex(&payload.remote_pubkey).ok()?,
        method: payload.method,
        description: payload.description.filter(|d| !d.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, Refusal};

    fn response(text: &str) -> Response {
        match Incoming::parse(text) {
            Some(Incoming::Response(r)) => r,
            other => panic!("expected a response, got {other:?}"),
        }
    }

    fn failure(text: &str) -> Error {
        match classify(&response(text)) {
            Reply::Failure(e) => e,
            other => panic!("expected a failure for {text}, got {other:?}"),
        }
    }

    #[test]
    fn request_serialises_with_string_id() {
        let params = [Value::from("fleet"), Value::from(4)];
        let json = Request {
            id: "k1",
            method: "create_new_token",
            params: &params,
        }
        .to_json();
        assert_eq!(
            json,
            r#"{"id":"k1","method":"create_new_token","params":["fleet",4]}"#
        );
    }

    #[test]
    fn request_ids_are_random_strings() {
        let a = new_request_id();
        assert_eq!(a.len(), 16);
        assert_ne!(a, new_request_id());
    }

    #[test]
    fn variant_a_plain_and_json_results_succeed() {
        for (text, expected) in [
            (r#"{"id":"a1","result":"ok"}"#, "ok"),
            (r#"{"id":"a2","result":"[\"ok\"]"}"#, r#"["ok"]"#),
            (
                r#"{"id":"a3","result":"[{\"name\":\"cold\"}]"}"#,
                r#"[{"name":"cold"}]"#,
            ),
            (r#"{"id":"a4","result":"pong","error":""}"#, "pong"),
        ] {
            match classify(&response(text)) {
                Reply::Success(result) => assert_eq!(result, expected),
                other => panic!("{text} should succeed, got {other:?}"),
            }
        }
    }

    #[test]
    fn variant_b_error_field_is_a_typed_failure() {
        let err = failure(r#"{"id":"a3","result":"error","error":"Invalid params"}"#);
        assert_eq!(err.refusal(), Some(&Refusal::InvalidParams));
        let err = failure(
            r#"{"id":"a6","result":"error","error":"You are not designated to administrate this bunker"}"#,
        );
        assert_eq!(err.kind(), ErrorKind::NotAdmin);
    }

    #[test]
    fn variant_c_error_array_without_error_field_is_a_failure() {
        let err =
            failure(r#"{"id":"a4","result":"[\"error\",\"Unknown method no_such_method\"]"}"#);
        assert_eq!(
            err.refusal(),
            Some(&Refusal::UnknownMethod(Some("no_such_method".into())))
        );
    }

    #[test]
    fn variant_d_create_account_error_is_a_failure() {
        let err = failure(r#"{"id":"c1","result":"error","error":"no domains available"}"#);
        assert_eq!(err.refusal(), Some(&Refusal::NoDomains));
    }

    #[test]
    fn bare_error_result_and_missing_result_are_failures() {
        assert_eq!(
            failure(r#"{"id":"x","result":"error"}"#).kind(),
            ErrorKind::BunkerFault
        );
        assert_eq!(failure(r#"{"id":"x"}"#).kind(), ErrorKind::Protocol);
    }

    #[test]
    fn auth_url_is_not_an_answer() {
        let r = response(r#"{"id":"x","result":"auth_url","error":"https://bunker/requests/1"}"#);
        assert!(matches!(classify(&r), Reply::AuthChallenge));
    }

    #[test]
    fn acl_prompt_is_a_request_never_a_response() {
        let text = r#"{"id":"q1","method":"acl","params":["{\"keyName\":\"fleet\",\"remotePubkey\":\"45ddf8e0b0d76166844619d5d794c51f122674d7b50c4add7b596d29145d57c9\",\"method\":\"sign_event\",\"param\":\"{}\",\"description\":\"satmachine-42\"}"]}"#;
        let Some(Incoming::Request { id, method, params }) = Incoming::parse(text) else {
            panic!("acl must parse as a request");
        };
        assert_eq!((id.as_str(), method.as_str()), ("q1", "acl"));
        let acl = parse_acl_request(&params).unwrap();
        assert_eq!(acl.key_name, "fleet");
        assert_eq!(acl.method, "sign_event");
        assert_eq!(acl.description.as_deref(), Some("satmachine-42"));
    }

    #[test]
    fn numeric_ids_and_non_objects_are_ignored() {
        assert_eq!(Incoming::parse(r#"{"id":7,"result":"ok"}"#), None);
        assert_eq!(Incoming::parse("[1,2]"), None);
        assert_eq!(Incoming::parse("not json"), None);
    }
}
