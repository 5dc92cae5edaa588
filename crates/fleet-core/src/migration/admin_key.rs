//! No key that can administer the bunker is stored on this computer (issue #11): the admin key
//! lives in a remote signer. With the key in the keyring or a file the check warns: it works,
//! but a stolen unlocked laptop is a stolen operator identity.

use super::{Check, CheckId};
use crate::admin_key::AdminKeyHome;
use crate::secrets::CONSOLE;
use crate::Fleet;

pub(super) async fn admin_key_off_computer(fleet: &Fleet) -> Check {
    let mut check = Check::new(
        CheckId::AdminKeyOffComputer,
        "No key that can administer the bunker is stored on this computer",
    );
    let home = match fleet.admin_key_home().await {
        Ok(h) => h,
        Err(e) => {
            check.unknown(
                format!("where the admin key lives could not be read: {e}"),
                "check the data directory, then run the check again",
            );
            return check;
        }
    };
    let local = match fleet.secrets().get(CONSOLE).await {
        Ok(k) => k.is_some(),
        Err(e) => {
            check.unknown(
                format!("the secret store could not be read: {e}"),
                "unlock the secret store, then run the check again",
            );
            return check;
        }
    };
    match (&home, local) {
        (AdminKeyHome::RemoteSigner { address }, false) => {
            check.note(format!("the admin key lives in a remote signer ({address})"));
            check.note(format!(
                "the secret store ({}) holds only the signer's client key, which the bunker does not trust",
                fleet.secrets().describe()
            ));
        }
        (AdminKeyHome::RemoteSigner { address }, true) => {
            check.note(format!("the admin key lives in a remote signer ({address})"));
            check.warn(
                "the old console key is still in the secret store: if it is still in the bunker's admin.npubs it can administer the bunker",
                "remove its npub from admin.npubs, then delete it: `satop init --signer … --delete-local-key` (or Settings → Admin key)",
            );
        }
        (AdminKeyHome::Local { store }, _) => check.warn(
            format!("the admin key is in {store} on this computer: whoever unlocks this computer can act as the operator"),
            "move the admin key to a remote signer (a phone with Amber or nsec.app, a hardware signer): `satop init --signer nostrconnect` or `--signer 'bunker://…'`, add the new npub to admin.npubs, then delete the local key",
        ),
    }
    check
}
