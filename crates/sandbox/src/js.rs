//! The few JavaScript semantics nsecbunkerd's handlers rely on (truthiness, `parseInt`,
//! `toString`, `JSON.parse` error texts of Node 20), so replies match the real daemon.

use serde_json::Value;

/// A JavaScript exception: its message goes to the client verbatim (variant B, §2.2; NIP-46
/// double responses, §1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Thrown(pub String);

impl Thrown {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl From<rusqlite::Error> for Thrown {
    fn from(e: rusqlite::Error) -> Self {
        Self(e.to_string())
    }
}

impl From<crate::store::StoreFault> for Thrown {
    fn from(fault: crate::store::StoreFault) -> Self {
        Self(fault.0)
    }
}

/// JavaScript truthiness; `None` is `undefined`.
pub(crate) fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(_) | Value::Object(_)) => true,
    }
}

/// `String(v)`; `None` is `"undefined"`.
pub(crate) fn to_js_string(v: Option<&Value>) -> String {
    match v {
        None => "undefined".to_owned(),
        Some(Value::Null) => "null".to_owned(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{f:.0}"),
            _ => n.to_string(),
        },
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::Null => String::new(),
                other => to_js_string(Some(other)),
            })
            .collect::<Vec<_>>()
            .join(","),
        Some(Value::Object(_)) => "[object Object]".to_owned(),
    }
}

/// `parseInt(v)`; `None` is `NaN`.
pub(crate) fn parse_int(v: Option<&Value>) -> Option<i64> {
    let text = to_js_string(v);
    let t = text.trim_start();
    let (sign, digits) = match t.as_bytes().first() {
        Some(b'-') => (-1, &t[1..]),
        Some(b'+') => (1, &t[1..]),
        _ => (1, t),
    };
    let end = digits.bytes().take_while(u8::is_ascii_digit).count();
    digits[..end].parse::<i64>().ok().map(|n| sign * n)
}

/// The message of the `SyntaxError` Node 20 throws for `JSON.parse(text)`, or `None` if the
/// text parses.
pub(crate) fn json_parse_error(text: &str) -> Option<String> {
    let err = serde_json::from_str::<Value>(text).err()?;
    let msg = err.to_string();
    let pos = char_offset(text, err.line(), err.column());
    let at = |what: &str| format!("{what} in JSON at position {pos}");
    Some(if msg.starts_with("key must be a string") {
        at("Expected property name or '}'")
    } else if msg.starts_with("expected `:`") {
        at("Expected ':' after property name")
    } else if msg.starts_with("expected `,` or `}`") {
        at("Expected ',' or '}' after property value")
    } else if msg.starts_with("expected `,` or `]`") {
        at("Expected ',' or ']' after array element")
    } else if msg.starts_with("trailing characters") {
        format!("Unexpected non-whitespace character after JSON at position {pos}")
    } else if msg.starts_with("control character") {
        at("Bad control character in string literal")
    } else if msg.starts_with("EOF while parsing a string") {
        at("Unterminated string")
    } else if err.is_eof() {
        "Unexpected end of JSON input".to_owned()
    } else {
        let token = text.chars().nth(pos).unwrap_or(' ');
        format!(
            "Unexpected token '{token}', \"{}\" is not valid JSON",
            context(text)
        )
    })
}

/// Zero-based character offset of serde_json's (1-based line, 1-based column).
fn char_offset(text: &str, line: usize, column: usize) -> usize {
    let before: usize = text
        .split('\n')
        .take(line.saturating_sub(1))
        .map(|l| l.chars().count() + 1)
        .sum();
    before + column.saturating_sub(1)
}

/// V8 quotes short sources whole and elides long ones.
fn context(text: &str) -> String {
    if text.chars().count() <= 40 {
        text.to_owned()
    } else {
        let head: String = text.chars().take(30).collect();
        format!("{head}\"...")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_errors_read_like_node_20() {
        assert_eq!(
            json_parse_error("{not json").as_deref(),
            Some("Expected property name or '}' in JSON at position 1")
        );
        assert_eq!(
            json_parse_error("").as_deref(),
            Some("Unexpected end of JSON input")
        );
        assert_eq!(
            json_parse_error("undefined").as_deref(),
            Some("Unexpected token 'u', \"undefined\" is not valid JSON")
        );
        assert_eq!(json_parse_error("[1]"), None);
    }

    #[test]
    fn parse_int_follows_javascript() {
        assert_eq!(parse_int(Some(&json!("720"))), Some(720));
        assert_eq!(parse_int(Some(&json!("-5h"))), Some(-5));
        assert_eq!(parse_int(Some(&json!(4.7))), Some(4));
        assert_eq!(parse_int(Some(&json!("abc"))), None);
        assert_eq!(parse_int(None), None);
    }

    #[test]
    fn truthiness_follows_javascript() {
        assert!(!truthy(Some(&json!(""))));
        assert!(!truthy(Some(&json!(0))));
        assert!(truthy(Some(&json!("0"))));
        assert!(!truthy(None));
    }
}
