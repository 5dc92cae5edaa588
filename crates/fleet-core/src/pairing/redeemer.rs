//! Who redeemed a token. `get_key_tokens` does not say (protocol §2.3.4): the new KeyUser is
//! found in `get_key_users` by its description, which redemption copies from the token's client
//! name (§3.2).

use bunker_client::KeyUser;

use super::policy::ATM_EVENT_KIND;

/// The client that redeemed the token of `client_name`: unrevoked, described as the token's
/// client name, not the machine's previous client key (a re-paired machine's old KeyUser has the
/// same description), newest first.
pub(super) fn find<'a>(
    users: &'a [KeyUser],
    client_name: &str,
    previous_client: Option<&str>,
) -> Option<&'a KeyUser> {
    users
        .iter()
        .filter(|u| !u.is_revoked() && u.description.as_deref() == Some(client_name))
        .filter(|u| previous_client != Some(u.pubkey.to_hex().as_str()))
        .max_by_key(|u| u.id)
}

/// Whether the client got kind-21000 signing, i.e. the ATM policy was applied (§3.2, §3.3).
pub(super) fn can_sign_atm_events(user: &KeyUser) -> bool {
    let kind = ATM_EVENT_KIND.to_string();
    user.signing_conditions.iter().any(|c| {
        c.method.as_deref() == Some("sign_event")
            && c.kind.as_deref() == Some(kind.as_str())
            && c.allowed != Some(false)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(
        id: u64,
        pubkey: &str,
        description: Option<&str>,
        revoked: bool,
        kind: &str,
    ) -> KeyUser {
        serde_json::from_value(serde_json::json!({
            "id": id,
            "name": "operator",
            "pubkey": pubkey,
            "description": description,
            "revokedAt": revoked.then_some("2024-05-01T12:00:00.000Z"),
            "signingConditions": [
                {"method": "connect", "kind": null, "allowed": true},
                {"method": "sign_event", "kind": kind, "allowed": true}
            ]
        }))
        .unwrap()
    }

    const A: &str = "a4818d9d05bbec10166edbefe7b9e0201542b8f45f78c535e56f6c73c383b4f5";
    const B: &str = "654b4314334099912b30b4dd79dad0620204b82b0eafe37e5c3a988842fa3e2e";

    #[test]
    fn redeemer_is_the_newest_active_client_with_the_token_name() {
        let users = vec![
            user(1, A, Some("satmachine-1"), false, "21000"),
            user(2, B, Some("satmachine-1"), true, "21000"),
            user(3, B, Some("satmachine-12"), false, "21000"),
        ];
        assert_eq!(find(&users, "satmachine-1", None).map(|u| u.id), Some(1));
        assert_eq!(find(&users, "satmachine-2", None).map(|u| u.id), None);
    }

    #[test]
    fn a_re_paired_machines_old_client_is_not_taken_for_the_new_one() {
        let users = vec![user(1, A, Some("satmachine-1"), false, "21000")];
        assert!(find(&users, "satmachine-1", Some(A)).is_none());
        let users = vec![
            user(1, A, Some("satmachine-1"), false, "21000"),
            user(5, B, Some("satmachine-1"), false, "21000"),
        ];
        assert_eq!(find(&users, "satmachine-1", Some(A)).map(|u| u.id), Some(5));
    }

    #[test]
    fn only_a_client_with_kind_21000_signing_counts_as_paired() {
        assert!(can_sign_atm_events(&user(1, A, None, false, "21000")));
        assert!(!can_sign_atm_events(&user(1, A, None, false, "1")));
    }
}
