//! LNbits accounts that own satmachineadmin machines keep no private key and sign through the
//! bunker (read-only; lnbits-source documents the schema it assumes and detects).

use lnbits_source::{LnbitsSource, REMOTE_BUNKER_SIGNER};

use super::{Check, CheckId};

pub(super) async fn accounts(spec: Option<&str>) -> Check {
    let mut check = Check::new(
        CheckId::LnbitsAccountsMigrated,
        "LNbits accounts that own machines keep no private key",
    );
    let Some(spec) = spec else {
        check.unknown(
            "no LNbits database was given",
            "pass the LNbits data directory or PostgreSQL URL (`--lnbits-db`)",
        );
        return check;
    };
    let source = match LnbitsSource::open(spec) {
        Ok(s) => s,
        Err(e) => {
            check.unknown(
                e.to_string(),
                "give the LNbits data directory, a .sqlite3 file or a postgres:// URL",
            );
            return check;
        }
    };
    check.note(format!(
        "LNbits database: {} (read-only)",
        source.describe()
    ));
    let read = tokio::task::spawn_blocking(move || source.machine_owners()).await;
    let owners = match read {
        Ok(Ok(owners)) => owners,
        Ok(Err(e)) => {
            let fix = match e.missing() {
                Some(_) => "this LNbits schema differs from what the check knows: verify by hand, or update LNbits / satmachineadmin",
                None => "make the database readable from this machine and run the check again",
            };
            check.unknown(e.to_string(), fix);
            return check;
        }
        Err(e) => {
            check.unknown(
                format!("the read did not finish: {e}"),
                "run the check again",
            );
            return check;
        }
    };
    check.note(format!(
        "{} account(s) own satmachineadmin machines",
        owners.len()
    ));
    for o in &owners {
        let id = &o.account_id;
        if !o.account_found {
            check.fail(
                format!(
                    "account {id} owns {} machine(s) but has no row in accounts",
                    o.machines
                ),
                "fix the dangling dca_machines rows in LNbits",
            );
            continue;
        }
        if o.has_prvkey {
            check.fail(
                format!("account {id} still has a prvkey stored (owns {} machine(s))", o.machines),
                "move that account's key into the bunker, switch it to RemoteBunkerSigner and clear accounts.prvkey",
            );
        }
        if o.signer_type.as_deref() != Some(REMOTE_BUNKER_SIGNER) {
            check.fail(
                format!(
                    "account {id} has signer_type {}, not {REMOTE_BUNKER_SIGNER}",
                    o.signer_type.as_deref().unwrap_or("(none)")
                ),
                "switch that account to RemoteBunkerSigner in LNbits",
            );
        }
    }
    check
}
