//! Every machine is paired through a bunker token: `bunker_connection_id` set, none `legacy`,
//! none past its access term. Revoked machines are retired and not counted.

use fleet_store::MachineState;

use super::{Check, CheckId};
use crate::clock::unix_now;
use crate::Fleet;

pub(super) async fn machines(fleet: &Fleet) -> Check {
    let mut check = Check::new(
        CheckId::MachinesPairedThroughBunker,
        "Every machine is paired through a bunker token",
    );
    let machines = match fleet.machines().await {
        Ok(m) => m,
        Err(e) => {
            check.unknown(
                format!("the local cache could not be read: {e}"),
                "check the data directory",
            );
            return check;
        }
    };
    let now = unix_now();
    let live: Vec<_> = machines
        .iter()
        .filter(|m| m.state != MachineState::Revoked)
        .collect();
    check.note(format!(
        "{} machine(s) in the cache, {} revoked and not counted",
        machines.len(),
        machines.len() - live.len()
    ));
    for m in live {
        let name = &m.name;
        if m.legacy || m.state == MachineState::Legacy {
            check.fail(
                format!("machine \"{name}\" is legacy (the operator nsec is on the ATM): re-pair required"),
                "re-pair each legacy machine (`satop pair <name>`), then remove ATM_PRIVATE_KEY from the ATM",
            );
        } else if m.bunker_connection_id.is_none() {
            check.fail(
                format!("machine \"{name}\" ({}) has no bunker connection", m.state),
                "pair it through the bunker (`satop pair <name>`)",
            );
        } else if m.bunker_token_expires_at.is_none_or(|end| end <= now) {
            check.fail(
                format!("machine \"{name}\" is past its access term"),
                "renew by re-pairing it, or revoke it",
            );
        }
    }
    check
}
