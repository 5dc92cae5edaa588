//! The operator key is held by the bunker: `get_keys` lists it unlocked with the pubkey recorded
//! at connect, and a test signature through the bunker verifies against it.
//!
//! The test signature uses a throwaway client key rather than the console session key: the
//! token's KeyUser is revoked afterwards, and revoking the console session's own KeyUser would
//! cut its access for operator-authored events (nsecbunkerd keeps one KeyUser per key and client
//! pubkey, §2.3.3, and has no un-revoke, §2.3.8).

use bunker_client::{AdminClient, EventTemplate, NewPolicy, PolicyRule, SignerClient};
use fleet_store::BunkerProfile;
use nostr::{Keys, Kind, PublicKey, Timestamp};

use super::{Check, CheckId};
use crate::{Error, Fleet, Result};

/// A kind nobody acts on (NIP-98 HTTP auth, never published), signed with a fixed content.
pub const TEST_KIND: u16 = 27235;
/// The content of the test event.
pub const TEST_CONTENT: &str = "migration-check";
/// Name of the policy and client of the test signature.
pub const TEST_CLIENT: &str = "satop-migration-check";

pub(super) async fn operator_key(fleet: &Fleet, test_signature: bool) -> Check {
    let mut check = Check::new(
        CheckId::OperatorKeyInBunker,
        "The operator key is held by the bunker",
    );
    let profile = match fleet.profile().await {
        Ok(Some(p)) => p,
        Ok(None) => {
            check.unknown(
                "no bunker is configured",
                "connect to the bunker first (`satop connect`)",
            );
            return check;
        }
        Err(e) => {
            check.unknown(
                format!("the local cache could not be read: {e}"),
                "check the data directory",
            );
            return check;
        }
    };
    let expected = profile
        .key_pubkey
        .as_deref()
        .and_then(|h| PublicKey::from_hex(h).ok());
    let (admin, _) = match fleet.admin_session().await {
        Ok(s) => s,
        Err(e) => {
            check.unknown(
                format!("the bunker could not be reached: {e}"),
                "run the check again when online",
            );
            return check;
        }
    };
    inspect(
        fleet,
        &admin,
        &profile,
        expected,
        test_signature,
        &mut check,
    )
    .await;
    admin.shutdown().await;
    check
}

async fn inspect(
    fleet: &Fleet,
    admin: &AdminClient,
    profile: &BunkerProfile,
    expected: Option<PublicKey>,
    test_signature: bool,
    check: &mut Check,
) {
    let name = profile.key_name.as_str();
    let keys = match admin.get_keys().await {
        Ok(k) => k,
        Err(e) => {
            check.unknown(
                format!("get_keys failed: {e}"),
                "run the check again when the bunker answers",
            );
            return;
        }
    };
    let Some(key) = keys.iter().find(|k| k.name == name) else {
        check.fail(
            format!("the bunker has no key named \"{name}\""),
            "import the operator key into the bunker under that name, or `satop connect` with the right key name",
        );
        return;
    };
    let Some(actual) = key.public_key else {
        check.fail(
            format!("key \"{name}\" is locked"),
            "unlock the key on the bunker",
        );
        return;
    };
    let Some(expected) = expected else {
        check.unknown(
            format!(
                "no expected pubkey recorded for \"{name}\"; the bunker reports {}",
                actual.to_hex()
            ),
            "run `satop connect` again to record the operator key",
        );
        return;
    };
    if actual != expected {
        check.fail(
            format!(
                "key \"{name}\" has pubkey {}, expected {}",
                actual.to_hex(),
                expected.to_hex()
            ),
            "the bunker holds a different key under that name: fix the bunker or reconnect",
        );
        return;
    }
    check.note(format!(
        "get_keys: \"{name}\" unlocked with the expected pubkey {}",
        actual.to_hex()
    ));
    if !test_signature {
        check.unknown(
            "the test signature was skipped",
            "run the check with the test signature",
        );
        return;
    }
    match sign_once(fleet, admin, profile, expected).await {
        Ok(()) => check.note(format!(
            "test signature (kind {TEST_KIND}) through the bunker verifies against {}",
            expected.to_hex()
        )),
        Err(e) => check.fail(
            format!("the test signature through the bunker failed: {e}"),
            "check the bunker's relays and the key's state, then run the check again",
        ),
    }
}

/// Mints a one-shot token (1-hour window) scoped to `sign_event` of [`TEST_KIND`], redeems it
/// from a throwaway key, signs, verifies, and revokes that key's KeyUser, also when signing fails.
async fn sign_once(
    fleet: &Fleet,
    admin: &AdminClient,
    profile: &BunkerProfile,
    expected: PublicKey,
) -> Result<()> {
    let relays = crate::connect::stored_atm_relays(profile)?;
    let key = profile.key_name.as_str();
    let policy = ensure_policy(admin).await?;
    admin
        .create_new_token(key, TEST_CLIENT, policy, Some(1))
        .await?;
    let token = crate::pairing::token::read_back(admin, key, TEST_CLIENT).await?;
    let uri = token.pairing_uri(relays)?;
    let throwaway = Keys::generate();
    let client_pk = throwaway.public_key();
    let signer = SignerClient::new(throwaway, &uri, *fleet.client_options()).await?;
    let signed = async {
        signer.connect(uri.secret.as_ref()).await?;
        let template = EventTemplate {
            kind: Kind::from(TEST_KIND),
            content: TEST_CONTENT.to_owned(),
            tags: Vec::new(),
            created_at: Timestamp::now(),
        };
        Ok::<_, Error>(signer.sign_event(template).await?)
    }
    .await;
    signer.shutdown().await;
    let revoked = revoke(admin, key, client_pk).await;
    let event = signed?;
    revoked?;
    // SignerClient already checked id, signature and signer; check again against the key
    // recorded at connect, which is what this check is about.
    if event.pubkey != expected || event.verify().is_err() || event.content != TEST_CONTENT {
        return Err(bunker_client::Error::Protocol(
            "the test event does not verify against the operator key",
        )
        .into());
    }
    Ok(())
}

async fn revoke(admin: &AdminClient, key: &str, client: PublicKey) -> Result<()> {
    if let Some(user) = admin
        .get_key_users(key)
        .await?
        .into_iter()
        .find(|u| u.pubkey == client)
    {
        if !user.is_revoked() {
            admin.revoke_user(user.id).await?;
        }
    }
    Ok(())
}

/// The policy allowing only `sign_event` of [`TEST_KIND`], created when missing (§2.3.6: the
/// new id is not returned; take the highest id with our name and rule).
async fn ensure_policy(admin: &AdminClient) -> Result<u64> {
    let pick = |policies: Vec<bunker_client::Policy>| {
        policies
            .into_iter()
            .filter(|p| {
                p.name == TEST_CLIENT
                    && p.rules.len() == 1
                    && p.rules[0].method == "sign_event"
                    && p.rules[0].kind.as_deref() == Some(&TEST_KIND.to_string())
            })
            .map(|p| p.id)
            .max()
    };
    if let Some(id) = pick(admin.get_policies().await?) {
        return Ok(id);
    }
    let policy = NewPolicy {
        name: TEST_CLIENT.into(),
        rules: vec![PolicyRule::sign_event(TEST_KIND)],
    };
    admin.create_new_policy(&policy).await?;
    pick(admin.get_policies().await?).ok_or_else(|| {
        bunker_client::Error::Protocol(
            "the test policy was created but get_policies does not list it",
        )
        .into()
    })
}
