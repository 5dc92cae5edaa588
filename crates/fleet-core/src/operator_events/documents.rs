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
        if name.trim().is_empty() {
            return Err(Error::InvalidInput(
                "an app-config document needs a name".into(),
            ));
        }
        let doc = OperatorDoc {
            d_tag: format!("{CONFIG_D_PREFIX}{}", name.trim()),
            content: value.to_string(),
        };
        self.publish_operator_event(doc, on_event).await
    }
}
