//! Where the console's admin key lives (DESIGN.md §3 "Where the admin key lives"): a remote
//! NIP-46 signer (a phone, a hardware signer, another bunker; recommended), or this computer's
//! secret store (OS keyring or encrypted file).
//!
//! With a remote signer the bunker's trusted admin key never touches this computer: the laptop
//! holds only a NIP-46 client key (which the bunker does not trust) and the signer's connection
//! secret, both in the secret store. Every admin RPC is signed, encrypted and decrypted by the
//! signer through rust-nostr's `NostrConnect`; [`bunker_client::RequestSigner`] checks each
//! answer and counts the calls.
//!
//! Signer calls per admin RPC: 4 (encrypt, decrypt-back check of the sealed request, sign,
//! decrypt the reply). Cached: the admin public key (`get_public_key` once, at set-up) and
//! one `NostrConnect` per [`Fleet`] (its `connect` handshake once per process).

mod nostrconnect;
mod remote;
mod stored;

use std::sync::Arc;
use std::time::Duration;

use bunker_client::{ApprovalPrompt, RequestSigner, Sensitive};
use nostr::nips::nip19::ToBech32;
use nostr::nips::nip46::NostrConnectURI;
use nostr::{Keys, PublicKey, RelayUrl};
use nostr_connect::client::NostrConnect;

pub use self::nostrconnect::{NostrConnectOffer, APP_NAME, PERMS};
pub use self::remote::RemoteSigner;
pub use self::stored::{
    StoredSigner, DEFAULT_APPROVAL_SECS, MAX_SECRET_LEN, SIGNER_CLIENT, SIGNER_SECRET,
};
use crate::{Error, Fleet, Result};

/// Log directives every front adds to its filter, whatever `RUST_LOG` says: nostr-connect
/// logs each whole NIP-46 message at `debug` (the `connect` secret, the plaintext of every admin
/// request and reply), so its debug and trace lines never reach a log.
pub const LOG_MUTES: &[&str] = &["nostr_connect=info"];

/// Extra time `NostrConnect` waits beyond our approval timeout, so that ours ends a call first
/// (with a typed error naming what was asked).
const NOSTR_CONNECT_MARGIN: Duration = Duration::from_secs(5);

/// Where the admin key lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminKeyHome {
    /// A remote NIP-46 signer; the address is `bunker://<signer>?relay=…` without a secret.
    RemoteSigner {
        /// The signer's secret-less address.
        address: String,
    },
    /// This computer's secret store.
    Local {
        /// The store, in words ("OS keyring (Secret Service)", "encrypted file /path").
        store: String,
    },
}

impl AdminKeyHome {
    /// Whether the key is off this computer.
    pub fn is_remote(&self) -> bool {
        matches!(self, Self::RemoteSigner { .. })
    }
}

/// The outcome of setting up a remote signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerSetup {
    /// The admin npub: the signer's user key, what goes into the bunker's `admin.npubs`.
    pub admin_npub: String,
    /// The signer's secret-less address.
    pub address: String,
    /// The local console key's npub, when one is still stored (switching from it).
    pub local_npub: Option<String>,
}

/// Where the admin key lives and its npub, for the screens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminKeyStatus {
    /// Where it lives.
    pub home: AdminKeyHome,
    /// Its npub; `None` when it lives here but was not created yet.
    pub npub: Option<String>,
    /// Whether a local console key is stored (also while a remote signer holds the admin key).
    pub local_key_stored: bool,
}

/// The `admin.npubs` line for the bunker's config.
pub fn admin_npubs_line(npub: &str) -> String {
    format!("\"admin\": {{ \"npubs\": [\"{npub}\"] }}")
}

/// What to allow in the signer for one-tap pairing, in words.
pub const AUTO_APPROVE_HINT: &str = "in your signer, always allow this app: sign_event for kinds 24133 and 24134, nip04_encrypt, nip04_decrypt, nip44_encrypt, nip44_decrypt (then a pairing needs no tap)";

fn npub(pk: &PublicKey) -> String {
    pk.to_bech32().unwrap_or_else(|_| pk.to_hex())
}

impl Fleet {
    /// Where the admin key lives now. A remote signer wins over a local key still stored.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn admin_key_home(&self) -> Result<AdminKeyHome> {
        Ok(match self.stored_signer().await? {
            Some(s) => AdminKeyHome::RemoteSigner {
                address: s.address(),
            },
            None => AdminKeyHome::Local {
                store: self.secrets().describe(),
            },
        })
    }

    /// Where the admin key lives, its npub, and whether a local key is still stored.
    ///
    /// # Errors
    /// [`Error::Store`], [`Error::Secrets`].
    pub async fn admin_key_status(&self) -> Result<AdminKeyStatus> {
        let home = self.admin_key_home().await?;
        let local = crate::identity::ConsoleIdentity::load(self.secrets()).await?;
        let npub = match &home {
            AdminKeyHome::RemoteSigner { .. } => Some(self.admin_npub().await?),
            AdminKeyHome::Local { .. } => {
                local.as_ref().map(crate::identity::ConsoleIdentity::npub)
            }
        };
        Ok(AdminKeyStatus {
            home,
            npub,
            local_key_stored: local.is_some(),
        })
    }

    /// The admin public key: the remote signer's (cached) or the local console key's.
    ///
    /// # Errors
    /// [`Error::NoConsole`] when there is neither; [`Error::Store`], [`Error::Secrets`].
    pub async fn admin_public_key(&self) -> Result<PublicKey> {
        match self.stored_signer().await? {
            Some(s) => Ok(s.admin),
            None => Ok(self.console().await?.public_key()),
        }
    }

    /// The admin npub (`satop whoami`).
    ///
    /// # Errors
    /// As [`Fleet::admin_public_key`].
    pub async fn admin_npub(&self) -> Result<String> {
        Ok(npub(&self.admin_public_key().await?))
    }

    /// Calls `prompt` before each remote signer call that may need a person ("Approve on your
    /// signer: …"). Replaces the cached signer connection so later calls use it.
    pub async fn set_signer_prompt(&self, prompt: ApprovalPrompt) {
        *self.signer_prompt().lock().await = Some(prompt);
        *self.remote_signer_cache().lock().await = None;
    }

    /// The key behind admin requests: the remote signer (one connection per [`Fleet`],
    /// reused) or the local console key.
    ///
    /// # Errors
    /// [`Error::NoConsole`]; [`Error::Secrets`] when the client key is missing; [`Error::Store`].
    pub async fn admin_signer(&self) -> Result<RequestSigner> {
        let Some(stored) = self.stored_signer().await? else {
            return Ok(RequestSigner::local(self.console().await?.keys().clone()));
        };
        let mut cache = self.remote_signer_cache().lock().await;
        if let Some(signer) = cache.as_ref() {
            if signer.public_key() == stored.admin {
                return Ok(signer.clone());
            }
        }
        let (client, secret) = self.signer_credentials().await?;
        let approval = self.signer_approval_timeout().await?;
        let uri = NostrConnectURI::Bunker {
            remote_signer_public_key: stored.signer,
            relays: stored.relays.clone(),
            secret: secret.map(|s| s.expose().clone()),
        };
        let connect = NostrConnect::new(uri, client, approval + NOSTR_CONNECT_MARGIN, None)
            .map_err(|_| {
                Error::InvalidInput(
                    "the stored remote signer is damaged: run `satop init --signer …` again".into(),
                )
            })?;
        // The admin key was asked once at set-up; a wrong one is caught by the first signature.
        let _ = connect.non_secure_set_user_public_key(stored.admin);
        let mut signer =
            RequestSigner::remote(Arc::new(RemoteSigner::new(connect)), stored.admin, approval);
        if let Some(prompt) = self.signer_prompt().lock().await.clone() {
            signer = signer.with_prompt(prompt);
        }
        *cache = Some(signer.clone());
        Ok(signer)
    }

    /// Uses the NIP-46 signer at `url` (`bunker://<hex>?relay=…&secret=…`, as the signer app
    /// shows it) for the admin key: connects, asks its public key, stores the secret-less
    /// address and the admin public key in the cache, the client key and secret in the secret
    /// store. A local console key is kept until [`Fleet::delete_local_admin_key`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a bad URL; [`Error::Bunker`] with a signer kind when the
    /// signer refuses, times out or cannot be reached (nothing is stored then).
    pub async fn use_remote_signer(&self, url: &Sensitive<String>) -> Result<SignerSetup> {
        let (signer, relays, secret) = parse_bunker_url(url.expose())?;
        self.finish_signer_setup(signer, relays, Keys::generate(), secret)
            .await
    }

    /// A `nostrconnect://` offer on `relays` for a phone to scan (see [`NostrConnectOffer`]),
    /// already listening for the answer.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a bad or missing relay; [`Error::Bunker`] with kind
    /// `SignerUnreachable` when no relay connects.
    pub async fn offer_nostrconnect(&self, relays: &[String]) -> Result<NostrConnectOffer> {
        let relays = relays
            .iter()
            .map(|r| {
                let checked = crate::rules::relay::check_relay_url(r, "signer relay")?;
                RelayUrl::parse(&checked).map_err(|_| {
                    Error::InvalidInput(format!("signer relay {checked} is not a relay URL"))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut offer = NostrConnectOffer::new(relays)?;
        offer.listen(self.client_options().connect_timeout).await?;
        Ok(offer)
    }

    /// Waits up to `wait` for a signer to answer `offer`, then sets it up as with
    /// [`Fleet::use_remote_signer`].
    ///
    /// # Errors
    /// As [`NostrConnectOffer::wait_for_signer`] and [`Fleet::use_remote_signer`].
    pub async fn accept_nostrconnect(
        &self,
        mut offer: NostrConnectOffer,
        wait: Duration,
    ) -> Result<SignerSetup> {
        let signer = offer.wait_for_signer(wait).await?;
        self.finish_signer_setup(signer, offer.relays, offer.client_keys, Some(offer.secret))
            .await
    }

    async fn finish_signer_setup(
        &self,
        signer: PublicKey,
        relays: Vec<RelayUrl>,
        client: Keys,
        secret: Option<Sensitive<String>>,
    ) -> Result<SignerSetup> {
        if let Some(secret) = &secret {
            // Refuse before talking to the signer: a secret we cannot keep cannot reconnect.
            stored::encode_secret(secret)?;
        }
        let approval = self.signer_approval_timeout().await?;
        let uri = NostrConnectURI::Bunker {
            remote_signer_public_key: signer,
            relays: relays.clone(),
            secret: secret.as_ref().map(|s| s.expose().clone()),
        };
        let connect = NostrConnect::new(uri, client.clone(), approval + NOSTR_CONNECT_MARGIN, None)
            .map_err(|_| Error::InvalidInput("the signer URL could not be used".into()))?;
        let remote = RemoteSigner::new(connect);
        let prompt = self.signer_prompt().lock().await.clone();
        let asked =
            RequestSigner::remote_asking_key(Arc::new(remote.clone()), approval, prompt).await;
        let signer_key = match asked {
            Ok(s) => s,
            Err(e) => {
                remote.shutdown().await;
                return Err(e.into());
            }
        };
        let stored = StoredSigner {
            signer,
            relays,
            admin: signer_key.public_key(),
        };
        self.store_signer(&stored, &client, secret.as_ref()).await?;
        *self.remote_signer_cache().lock().await = Some(signer_key);
        let local_npub = crate::identity::ConsoleIdentity::load(self.secrets())
            .await?
            .map(|c| c.npub());
        Ok(SignerSetup {
            admin_npub: npub(&stored.admin),
            address: stored.address(),
            local_npub,
        })
    }

    /// Asks the configured bunker whether it accepts the current admin key (one admin `ping`).
    ///
    /// # Errors
    /// [`Error::NotAdmin`] naming the npub to add; [`Error::NotConnected`]; network errors.
    pub async fn probe_admin(&self) -> Result<()> {
        let (admin, _) = self.admin_session().await?;
        let outcome = admin.ping().await;
        admin.shutdown().await;
        match outcome {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == bunker_client::ErrorKind::NotAdmin => Err(Error::NotAdmin {
                npub: self.admin_npub().await?,
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Probes every `every` until the bunker accepts the admin key or `wait` has passed;
    /// `on_try` sees each refusal (the UI shows "waiting for admin.npubs").
    ///
    /// # Errors
    /// The last probe's error when `wait` ran out.
    pub async fn wait_until_bunker_accepts(
        &self,
        wait: Duration,
        every: Duration,
        on_try: impl Fn(&Error),
    ) -> Result<()> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match self.probe_admin().await {
                Ok(()) => return Ok(()),
                Err(e) if tokio::time::Instant::now() + every < deadline => {
                    on_try(&e);
                    tokio::time::sleep(every).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Deletes the local console key once a remote signer holds the admin key and the bunker
    /// accepts it (checked now, one admin `ping`). Nothing is deleted otherwise.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] without a remote signer; the probe's error; [`Error::Secrets`].
    pub async fn delete_local_admin_key(&self) -> Result<()> {
        if self.stored_signer().await?.is_none() {
            return Err(Error::InvalidInput(
                "the console key is this console's only admin key: set up a remote signer first (`satop init --signer …`), then delete it"
                    .into(),
            ));
        }
        self.probe_admin().await?;
        self.secrets().delete(crate::secrets::CONSOLE).await?;
        Ok(())
    }
}

/// Splits a signer's `bunker://<hex>?relay=…&secret=…` URL. Errors never repeat the URL (it
/// carries the secret).
fn parse_bunker_url(url: &str) -> Result<(PublicKey, Vec<RelayUrl>, Option<Sensitive<String>>)> {
    let bad = |why: &str| {
        Error::InvalidInput(format!(
            "the signer URL {why}: copy the whole bunker://<64 hex>?relay=wss://…&secret=… link from your signer app"
        ))
    };
    match NostrConnectURI::parse(url.trim()) {
        Ok(NostrConnectURI::Bunker {
            remote_signer_public_key,
            relays,
            secret,
        }) => {
            if relays.is_empty() {
                return Err(bad("names no relay"));
            }
            Ok((remote_signer_public_key, relays, secret.map(Sensitive::new)))
        }
        Ok(NostrConnectURI::Client { .. }) => Err(bad(
            "is a nostrconnect:// URL, which apps show to signers; use `--signer nostrconnect` to show one",
        )),
        Err(_) => Err(bad("is not a bunker:// URL")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_signer_url_is_refused_without_echoing_its_secret() {
        for url in [
            "bunker://nothex?relay=wss://r.example&secret=TOPSECRET",
            "bunker://0000000000000000000000000000000000000000000000000000000000000001?secret=TOPSECRET",
            "https://example.com/?secret=TOPSECRET",
        ] {
            let err = parse_bunker_url(url).unwrap_err();
            assert!(!err.to_string().contains("TOPSECRET"), "{err}");
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn a_good_signer_url_gives_key_relays_and_secret() {
        let pk = Keys::generate().public_key();
        let url = format!(
            "bunker://{}?relay=ws://127.0.0.1:7000&secret=abc",
            pk.to_hex()
        );
        let (signer, relays, secret) = parse_bunker_url(&url).unwrap();
        assert_eq!(signer, pk);
        assert_eq!(relays.len(), 1);
        assert_eq!(secret.unwrap().expose(), "abc");
    }
}
