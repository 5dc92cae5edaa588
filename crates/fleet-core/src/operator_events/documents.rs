//! Generic NIP-78 app config (`satmachine:config:<name>`). The fleet roster has its own module,
//! [`crate::roster`].

use serde_json::Value;

use super::{OperatorChange, OperatorDoc, CONFIG_D_PREFIX};
use crate::outbox::OutboxEvent;
use crate::{Error, Fleet, Result};

impl Fleet {
    /// Publishes a generic NIP-78 app-config document under `satmachine:config:<name>`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty name; as [`Fleet::publish_operator_event`].
    pub async fn set_app_config(
        &self,
        name: &str,
        value: &Value,
        on_event: impl Fn(&OutboxEvent),
    ) -> Result<OperatorChange> {
        let doc = app_config_doc(name, value)?;
        self.publish_operator_event(doc, on_event).await
    }
}

/// The app-config document `name` holding `value` (what [`Fleet::set_app_config`] publishes;
/// preview it with [`Fleet::operator_event_diff`]).
///
/// # Errors
/// [`Error::InvalidInput`] for an empty name.
pub fn app_config_doc(name: &str, value: &Value) -> Result<OperatorDoc> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::InvalidInput(
            "an app-config document needs a name".into(),
        ));
    }
    Ok(OperatorDoc {
        d_tag: format!("{CONFIG_D_PREFIX}{name}"),
        content: value.to_string(),
    })
}

/// Reads an app-config value typed by a person.
///
/// # Errors
/// [`Error::InvalidInput`] saying where the JSON breaks and what to write.
pub fn parse_config_value(text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| {
        Error::InvalidInput(format!(
            "the value is not JSON ({e}): write e.g. {{\"max_withdraw_sats\":500000}}"
        ))
    })
}
