//! The other operator documents: the fleet roster (`satmachine:roster`) and generic NIP-78
//! app config (`satmachine:config:<name>`).

use fleet_store::{machines, MachineState};
use serde_json::Value;

use super::{OperatorChange, OperatorDoc, CONFIG_D_PREFIX, ROSTER_D_TAG};
use crate::outbox::OutboxEvent;
use crate::{Error, Fleet, Result};

impl Fleet {
    /// Publishes the fleet roster: every paired machine's name, site and ATM pubkey.
    ///
    /// # Errors
    /// As [`Fleet::publish_operator_event`].
    pub async fn publish_roster(&self, on_event: impl Fn(&OutboxEvent)) -> Result<OperatorChange> {
        let list = self.db().interact(|c| machines::list(c)).await?;
        let machines: Vec<Value> = list
            .iter()
            .filter(|m| {
                matches!(
                    m.state,
                    MachineState::Active
                        | MachineState::Expiring
                        | MachineState::Expired
                        | MachineState::Pairing
                )
            })
            .filter_map(|m| {
                let pk = m.atm_client_pubkey.as_ref()?;
                Some(serde_json::json!({"name": m.name, "site": m.site, "atm_pubkey": pk}))
            })
            .collect();
        let content = serde_json::json!({"v": 1, "machines": machines}).to_string();
        self.publish_operator_event(
            OperatorDoc {
                d_tag: ROSTER_D_TAG.into(),
                content,
            },
            on_event,
        )
        .await
    }

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
