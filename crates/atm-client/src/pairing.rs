//! Redeeming a pairing URL (protocol/nsecbunkerd.md §4.2): a fresh client key per pairing,
//! persisted before `connect`, the secret sent once and never stored.

use std::path::Path;

use bunker_client::{
    BunkerUri, ClientOptions, Error as BunkerError, Redemption, Refusal, Sensitive, SignerClient,
};
use nostr::hashes::{sha256, Hash};
use nostr::{Keys, Timestamp};

use crate::camera;
use crate::error::{Error, Result};
use crate::fingerprint;
use crate::state::{self, Pairing, PendingPairing, CLIENT_KEY, PAIRING, PENDING, PENDING_KEY};

/// How to pair.
#[derive(Debug, Clone, Copy, Default)]
pub struct PairOptions {
    /// Replace an existing pairing (a new client key is made; the old files are kept as
    /// `*.previous` until the new pairing is in place).
    pub replace: bool,
    /// Timeouts of the bunker link.
    pub client: ClientOptions,
}

/// A completed pairing.
#[derive(Debug, Clone)]
pub struct Paired {
    /// What was written to `pairing.json`.
    pub pairing: Pairing,
    /// Whether the secret was redeemed now or by an earlier, interrupted attempt of this ATM.
    pub redemption: Redemption,
}

/// Checks that `seed` is a NIP-46 pairing URL with a secret, and nothing an ATM must not hold.
///
/// # Errors
/// [`Error::OperatorPrivateKey`] for anything carrying an `nsec`, [`Error::LegacySeed`] for
/// `npub…@relay` / `npub…#token` strings, [`Error::InvalidSeed`] for malformed URLs (no relay,
/// bad key, …), [`Error::MissingSecret`] for a URL without a secret.
pub fn parse_seed(seed: &str) -> Result<BunkerUri> {
    let lower = seed.trim().to_ascii_lowercase();
    if lower.contains("nsec1") {
        return Err(Error::OperatorPrivateKey);
    }
    let body = lower.strip_prefix("bunker://").unwrap_or(&lower);
    // nsecbunkerd's admin string is `bunker://npub…@relays`; NDK's token form is `npub…#hex`
    // (§1.5, §2.3.4). Neither is a pairing URL.
    if body.starts_with("npub1") && (body.contains('@') || body.contains('#')) {
        return Err(Error::LegacySeed);
    }
    let uri = BunkerUri::parse(seed).map_err(Error::from_seed)?;
    let Some(secret) = uri.secret.as_ref() else {
        return Err(Error::MissingSecret);
    };
    // nsecbunkerd's token secrets are 64 hex characters (§4.1 step 4): anything else cannot be
    // one, so it is a damaged QR or a mistyped URL, never worth a round trip to the bunker.
    if !is_token_secret(secret.expose()) {
        return Err(Error::MalformedSecret);
    }
    Ok(uri)
}

/// Whether `secret` has the shape of an nsecbunkerd token secret: 64 hex characters.
fn is_token_secret(secret: &str) -> bool {
    secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Pairs this ATM with the bunker named by `seed_url`.
///
/// Steps (§4.2): validate the seed; refuse if already paired (unless `opts.replace`); make a
/// fresh client key and persist it (or resume the key of an interrupted pairing of the same
/// secret); `connect` with the secret; on `"Token already redeemed"`, a resumed key `connect`s
/// without it (an `ack` means the earlier redemption was ours), while a fresh key is told at
/// once that another machine used the code ([`Error::SeedUsedElsewhere`]: nothing this ATM
/// did can have redeemed it, and a secret-less `connect` would only wait out the bunker's
/// admin approval); confirm `get_public_key` names the URL's key; write `pairing.json`. The
/// secret is never written or logged (`pending.json` keeps only a SHA-256 digest of it, to
/// recognise the same QR on a retry).
///
/// A failure because the bunker or relays did not answer keeps the pending key, so running
/// `pair` again with the same QR resumes; any other failure discards it.
pub async fn pair(state_dir: &Path, seed_url: &str, opts: &PairOptions) -> Result<Paired> {
    let uri = parse_seed(seed_url)?;
    let secret = uri.secret.as_ref().ok_or(Error::MissingSecret)?;
    state::ensure_dir(state_dir)?;
    if state_dir.join(PAIRING).exists() && !opts.replace {
        return Err(Error::AlreadyPaired {
            dir: state_dir.to_path_buf(),
        });
    }
    let bare = uri.without_secret();
    let bare_url = bare.to_url_string();
    let digest = secret_digest(secret);
    let (keys, resumed) = pending_key(state_dir, &bare_url, &digest)?;

    let outcome = redeem(&keys, &bare, secret, resumed, opts.client).await;
    let redemption = match outcome {
        Ok(redemption) => redemption,
        Err(e) => {
            if !e.is_transient() {
                // The key never got access (or its token is gone): never reuse it (§3.2).
                discard_pending(state_dir)?;
            }
            return Err(e);
        }
    };
    let client = keys.public_key();
    let pairing = Pairing {
        bunker_url: bare_url,
        operator_pubkey: uri.signer.to_hex(),
        client_pubkey: client.to_hex(),
        fingerprint: fingerprint(&client),
        paired_at: Timestamp::now().as_secs(),
    };
    commit(state_dir, &pairing)?;
    tracing::info!(client = %client, fingerprint = %pairing.fingerprint, "paired");
    Ok(Paired {
        pairing,
        redemption,
    })
}

/// [`pair`] with the URL read from a QR code in an image file (a camera frame or screenshot).
pub async fn pair_from_qr(state_dir: &Path, image: &Path, opts: &PairOptions) -> Result<Paired> {
    let seed = Sensitive::new(camera::decode_qr_image(image)?);
    pair(state_dir, seed.expose(), opts).await
}

/// A one-way digest of the pairing secret, domain-separated: lets a retry recognise the same
/// QR without the secret ever being written (a 256-bit random secret cannot be recovered or
/// guessed from it).
fn secret_digest(secret: &Sensitive<String>) -> String {
    let mut input = b"satmachine-atm pending secret v1\0".to_vec();
    input.extend_from_slice(secret.expose().to_ascii_lowercase().as_bytes());
    sha256::Hash::hash(&input).to_string()
}

/// The key of an interrupted pairing of the same secret (`true`: this ATM may have redeemed
/// it already), or a fresh one written to disk first (`false`).
///
/// A `pending.json` written before digests were kept matches on the URL alone.
fn pending_key(dir: &Path, bare_url: &str, digest: &str) -> Result<(Keys, bool)> {
    let pending = state::read_json::<PendingPairing>(&dir.join(PENDING))
        .ok()
        .flatten();
    let same_secret = |p: &PendingPairing| {
        p.bunker_url == bare_url && p.secret_digest.as_deref().is_none_or(|d| d == digest)
    };
    if let Some(pending) = pending.filter(same_secret) {
        if let Ok(Some(keys)) = state::read_key(&dir.join(PENDING_KEY)) {
            if keys.public_key().to_hex() == pending.client_pubkey {
                return Ok((keys, true));
            }
        }
    }
    let keys = Keys::generate();
    state::write_key(&dir.join(PENDING_KEY), &keys)?;
    state::write_json(
        &dir.join(PENDING),
        &PendingPairing {
            bunker_url: bare_url.to_owned(),
            client_pubkey: keys.public_key().to_hex(),
            started_at: Timestamp::now().as_secs(),
            secret_digest: Some(digest.to_owned()),
        },
    )?;
    Ok((keys, false))
}

async fn redeem(
    keys: &Keys,
    bare: &BunkerUri,
    secret: &Sensitive<String>,
    resumed: bool,
    opts: ClientOptions,
) -> Result<Redemption> {
    let client = SignerClient::new(keys.clone(), bare, opts).await?;
    let result = redeem_on(&client, secret, resumed, bare).await;
    client.shutdown().await;
    result
}

async fn redeem_on(
    client: &SignerClient,
    secret: &Sensitive<String>,
    resumed: bool,
    bare: &BunkerUri,
) -> Result<Redemption> {
    // What `SignerClient::connect_resuming` does, spelled out so that "already redeemed, and
    // not by us" gets its own message (§4.2 items 4-5: never re-send a used secret).
    let redemption = match client.connect(Some(secret)).await {
        Ok(()) => Redemption::Redeemed,
        // A fresh key never sent this secret before: someone else redeemed it.
        Err(BunkerError::Refused(Refusal::TokenAlreadyRedeemed)) if !resumed => {
            return Err(Error::SeedUsedElsewhere)
        }
        Err(BunkerError::Refused(Refusal::TokenAlreadyRedeemed)) => {
            match client.connect(None).await {
                Ok(()) => Redemption::AlreadyRedeemed,
                Err(BunkerError::Refused(Refusal::NotAuthorized)) => {
                    return Err(Error::SeedUsedElsewhere)
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(BunkerError::Refused(refusal)) => return Err(Error::SeedRefused(refusal)),
        Err(e) => return Err(e.into()),
    };
    // Unauthenticated (§5 item 17), but it confirms the bunker signs with the URL's key.
    if client.get_public_key().await? != bare.signer {
        return Err(Error::WrongSigner);
    }
    Ok(redemption)
}

fn discard_pending(dir: &Path) -> Result<()> {
    state::remove_if_exists(&dir.join(PENDING_KEY))?;
    state::remove_if_exists(&dir.join(PENDING))
}

/// Swaps the pending key in; the replaced pairing lives as `*.previous` only until the new one
/// is complete.
fn commit(dir: &Path, pairing: &Pairing) -> Result<()> {
    let key = dir.join(CLIENT_KEY);
    let meta = dir.join(PAIRING);
    for path in [&meta, &key] {
        if path.exists() {
            state::rename(path, &state::previous(path))?;
        }
    }
    state::rename(&dir.join(PENDING_KEY), &key)?;
    state::write_json(&meta, pairing)?;
    state::remove_if_exists(&dir.join(PENDING))?;
    for path in [&meta, &key] {
        state::remove_if_exists(&state::previous(path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    const KEY: &str = "a4818d9d05bbec10166edbefe7b9e0201542b8f45f78c535e56f6c73c383b4f5";
    const SECRET: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

    #[test]
    fn seed_with_secret_and_relay_is_accepted() {
        let uri = parse_seed(&format!(
            "bunker://{KEY}?relay=ws%3A%2F%2F127.0.0.1%3A1&secret={SECRET}"
        ))
        .unwrap();
        assert_eq!(uri.signer.to_hex(), KEY);
    }

    #[test]
    fn seeds_an_atm_must_not_take_are_refused_with_their_reason() {
        let npub = "npub1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq";
        let cases = [
            (
                "nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5".to_owned(),
                "operator's private key",
            ),
            (
                format!("bunker://{KEY}?relay=wss://a.example&secret=nsec1abc"),
                "operator's private key",
            ),
            (format!("bunker://{npub}@relay.example.com"), "legacy"),
            (format!("{npub}@relay.example.com"), "legacy"),
            (format!("{npub}#{SECRET}"), "legacy"),
            (format!("bunker://{KEY}?secret={SECRET}"), "relay"),
            (
                format!("bunker://{KEY}?relay=wss://a.example"),
                "no pairing secret",
            ),
            ("https://example.com".to_owned(), "bunker://"),
        ];
        for (seed, words) in cases {
            let err = parse_seed(&seed).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "seed: {seed}");
            assert!(
                err.to_string().contains(words),
                "message for {seed} should mention {words:?}: {err}"
            );
            assert!(
                !err.to_string().contains(SECRET),
                "a message never echoes the secret"
            );
        }
    }
}
