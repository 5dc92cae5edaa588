//! A new version of a document against the last published one, field by field.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{Map, Value};

/// One top-level field that differs between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// Field name (`super_fee_bps`), or `content` when a side is not a JSON object.
    pub field: String,
    /// Before (JSON text), `None` if absent.
    pub before: Option<String>,
    /// After (JSON text), `None` if removed.
    pub after: Option<String>,
}

/// A new version against the last published one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventDiff {
    /// The `d` tag.
    pub d_tag: String,
    /// The last published content.
    pub previous: Option<String>,
    /// The new content.
    pub next: String,
    /// Changed fields; empty when nothing changes.
    pub changes: Vec<FieldChange>,
}

/// Field-level diff of two JSON-object contents (whole content when either is not an object).
pub fn diff(d_tag: &str, previous: Option<String>, next: &str) -> EventDiff {
    let parse = |s: &str| {
        serde_json::from_str::<Value>(s)
            .ok()
            .and_then(|v| v.as_object().cloned())
    };
    let changes = match (previous.as_deref().map(parse), parse(next)) {
        (None, Some(after)) => fields(&Map::new(), &after),
        (Some(Some(before)), Some(after)) => fields(&before, &after),
        _ if previous.as_deref() == Some(next) => Vec::new(),
        _ => vec![FieldChange {
            field: "content".into(),
            before: previous.clone(),
            after: Some(next.to_string()),
        }],
    };
    EventDiff {
        d_tag: d_tag.into(),
        previous,
        next: next.into(),
        changes,
    }
}

fn fields(before: &Map<String, Value>, after: &Map<String, Value>) -> Vec<FieldChange> {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| FieldChange {
            field: k.clone(),
            before: before.get(k).map(Value::to_string),
            after: after.get(k).map(Value::to_string),
        })
        .collect()
}
