//! The ATM policy: one rule, `{method: "sign_event", kind: 21000}` (protocol §3.3, §4.1 step 2).
//!
//! Its id is remembered in the stored bunker profile (the `policies` the connect probe listed),
//! so a pairing costs two admin round trips once the policy exists: `create_new_token` and
//! `get_key_tokens`. nsecbunkerd has no method to delete a policy (§2.3.12), so a remembered id
//! only goes stale if the bunker's database is replaced; `create_new_token` then answers
//! `"Policy not found"` and the caller refreshes with [`ensure`].

use bunker_client::{AdminClient, NewPolicy, Policy, PolicyRule};
use fleet_store::{profile, BunkerProfile};

use crate::connect::PolicySummary;
use crate::{Fleet, Result};

/// Name given to the ATM policy when this app creates it.
pub const ATM_POLICY_NAME: &str = "satmachine-21000";
/// The only event kind an ATM may have signed.
pub const ATM_EVENT_KIND: u16 = 21000;

/// The rule, as the probe writes rules (`method:kind`).
fn atm_rule_text() -> String {
    format!("sign_event:{ATM_EVENT_KIND}")
}

/// The remembered ATM policy id, if the stored profile lists one.
pub(crate) fn remembered(profile: &BunkerProfile) -> Option<u64> {
    let policies = profile.capabilities.as_ref()?.get("policies")?.clone();
    let policies: Vec<PolicySummary> = serde_json::from_value(policies).ok()?;
    pick(
        policies
            .iter()
            .map(|p| (p.id, p.name.as_str(), p.rules.clone())),
    )
}

/// The ATM policy among the bunker's: rules exactly `[sign_event 21000]` (anything broader
/// would give ATMs more than they need), our name preferred, then the newest.
pub(super) fn pick_from_bunker(policies: &[Policy]) -> Option<u64> {
    pick(policies.iter().map(|p| {
        let rules = p
            .rules
            .iter()
            .map(|r| match &r.kind {
                Some(kind) => format!("{}:{kind}", r.method),
                None => r.method.clone(),
            })
            .collect();
        (p.id, p.name.as_str(), rules)
    }))
}

fn pick<'a>(policies: impl Iterator<Item = (u64, &'a str, Vec<String>)>) -> Option<u64> {
    let rule = atm_rule_text();
    policies
        .filter(|(_, _, rules)| rules.len() == 1 && rules[0] == rule)
        .max_by_key(|(id, name, _)| (*name == ATM_POLICY_NAME, *id))
        .map(|(id, _, _)| id)
}

/// Finds the ATM policy on the bunker, creating it when missing, and remembers its id.
/// `get_policies`, plus `create_new_policy` and `get_policies` again when it is new (§2.3.6:
/// the new id is not returned; take the highest id with our name).
pub(crate) async fn ensure(fleet: &Fleet, admin: &AdminClient) -> Result<u64> {
    let id = match pick_from_bunker(&admin.get_policies().await?) {
        Some(id) => id,
        None => {
            let policy = NewPolicy {
                name: ATM_POLICY_NAME.into(),
                rules: vec![PolicyRule::sign_event(ATM_EVENT_KIND)],
            };
            admin.create_new_policy(&policy).await?;
            pick_from_bunker(&admin.get_policies().await?).ok_or(bunker_client::Error::Protocol(
                "the ATM policy was created but get_policies does not list it",
            ))?
        }
    };
    remember(fleet, id).await?;
    Ok(id)
}

/// Adds the policy to the stored profile's `policies`, replacing a stale entry.
async fn remember(fleet: &Fleet, id: u64) -> Result<()> {
    fleet
        .db()
        .interact(move |conn| {
            let Some(mut stored) = profile::load(conn)? else { return Ok(()) };
            let mut caps = stored.capabilities.take().unwrap_or_else(|| serde_json::json!({}));
            let entry = serde_json::json!({ "id": id, "name": ATM_POLICY_NAME, "rules": [atm_rule_text()] });
            if let Some(obj) = caps.as_object_mut() {
                let list = obj.entry("policies").or_insert_with(|| serde_json::json!([]));
                if let Some(list) = list.as_array_mut() {
                    list.retain(|p| p.get("rules") != entry.get("rules"));
                    list.push(entry);
                }
            }
            stored.capabilities = Some(caps);
            profile::save(conn, &stored).map(|_| ())
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(id: u64, name: &str, rules: &[(&str, Option<&str>)]) -> Policy {
        let rules = rules
            .iter()
            .map(|(m, k)| PolicyRule {
                method: (*m).into(),
                kind: k.map(str::to_string),
            })
            .collect();
        serde_json::from_value(serde_json::json!({"id": id, "name": name, "rules": []}))
            .map(|mut p: Policy| {
                p.rules = rules;
                p
            })
            .unwrap()
    }

    #[test]
    fn only_a_policy_with_exactly_the_kind_21000_rule_is_reused() {
        let policies = vec![
            policy(1, "everything", &[("sign_event", Some("all"))]),
            policy(
                2,
                "atm-plus-ping",
                &[("sign_event", Some("21000")), ("ping", Some("all"))],
            ),
            policy(3, "dms", &[("sign_event", Some("4"))]),
        ];
        assert_eq!(
            pick_from_bunker(&policies),
            None,
            "broader policies must not be given to ATMs"
        );
        let mut with_atm = policies.clone();
        with_atm.push(policy(4, "someone-elses", &[("sign_event", Some("21000"))]));
        assert_eq!(pick_from_bunker(&with_atm), Some(4));
    }

    #[test]
    fn our_named_policy_wins_then_the_newest() {
        let policies = vec![
            policy(7, "other", &[("sign_event", Some("21000"))]),
            policy(5, ATM_POLICY_NAME, &[("sign_event", Some("21000"))]),
            policy(6, ATM_POLICY_NAME, &[("sign_event", Some("21000"))]),
        ];
        assert_eq!(pick_from_bunker(&policies), Some(6));
    }

    #[test]
    fn remembered_policy_is_read_from_the_probed_capabilities() {
        let mut stored = BunkerProfile::new("aa".to_string(), vec![], "operator");
        assert_eq!(remembered(&stored), None);
        stored.capabilities = Some(serde_json::json!({
            "policies": [
                {"id": 3, "name": "x", "rules": ["sign_event:21000", "ping:all"]},
                {"id": 9, "name": ATM_POLICY_NAME, "rules": ["sign_event:21000"]}
            ]
        }));
        assert_eq!(remembered(&stored), Some(9));
    }
}
