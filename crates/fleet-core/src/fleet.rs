//! `Fleet`: the one cheap-to-clone handle over the local cache, the secret store and the bunker.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bunker_client::{AdminClient, AdminConnection, ApprovalPrompt, ClientOptions, RequestSigner};
use fleet_store::{profile, BunkerProfile, Db};
use nostr::RelayUrl;

use crate::identity::ConsoleIdentity;
use crate::secrets::Secrets;
use crate::{Error, Result};

/// File name of the local cache inside the data directory.
pub const DB_FILE: &str = "fleet.sqlite3";

/// The operator console: every use case is a method (or a module function) over this handle.
#[derive(Clone)]
pub struct Fleet(Arc<Inner>);

struct Inner {
    data_dir: PathBuf,
    db: Db,
    secrets: Secrets,
    options: ClientOptions,
    /// The remote signer connection, reused by every admin session (see `admin_key`).
    remote_signer: tokio::sync::Mutex<Option<RequestSigner>>,
    /// Shown before each remote signer call that may need a person.
    signer_prompt: tokio::sync::Mutex<Option<ApprovalPrompt>>,
}

impl Fleet {
    /// Opens (creating if needed) the cache in `data_dir` and uses `secrets` for the console key.
    ///
    /// # Errors
    /// [`Error::Store`] when the database cannot be opened, e.g. it was written by a newer app.
    pub fn open(data_dir: &Path, secrets: Secrets) -> Result<Self> {
        Self::open_with(data_dir, secrets, ClientOptions::default())
    }

    /// Like [`Fleet::open`], with explicit bunker timeouts.
    ///
    /// # Errors
    /// As [`Fleet::open`].
    pub fn open_with(data_dir: &Path, secrets: Secrets, options: ClientOptions) -> Result<Self> {
        let db = Db::open(data_dir.join(DB_FILE))?;
        Ok(Self(Arc::new(Inner {
            data_dir: data_dir.to_path_buf(),
            db,
            secrets,
            options,
            remote_signer: tokio::sync::Mutex::default(),
            signer_prompt: tokio::sync::Mutex::default(),
        })))
    }

    /// The same console opened again with other bunker timeouts; the signer prompt set with
    /// [`Fleet::set_signer_prompt`] carries over.
    ///
    /// # Errors
    /// As [`Fleet::open`].
    pub fn reopen_with(&self, options: ClientOptions) -> Result<Self> {
        let reopened = Self::open_with(self.data_dir(), self.secrets().clone(), options)?;
        let prompt = self.0.signer_prompt.try_lock().ok().and_then(|p| p.clone());
        if let Ok(mut slot) = reopened.0.signer_prompt.try_lock() {
            *slot = prompt;
        }
        Ok(reopened)
    }

    /// Timeouts used for every bunker call.
    pub fn client_options(&self) -> &ClientOptions {
        &self.0.options
    }

    /// Opens an admin session to the configured bunker, speaking the nsecbunkerd line stored by
    /// `connect` (admin kind and encryption); nothing here guesses the line. The stored probe
    /// time is the "answered before" knowledge: a 0.11 bunker that then stays silent is reported
    /// as deaf ("restart the bunker"), not as a generic timeout.
    ///
    /// # Errors
    /// [`Error::NotConnected`] before `connect`; [`Error::NoConsole`]; [`Error::InvalidInput`]
    /// when the stored profile does not name a line; [`Error::Bunker`] when the relays can't be
    /// reached.
    pub async fn admin_session(&self) -> Result<(AdminClient, BunkerProfile)> {
        let profile = self.profile().await?.ok_or(Error::NotConnected)?;
        let signer = self.admin_signer().await?;
        self.remember_console().await?;
        let admin = nostr::PublicKey::from_hex(&profile.admin_pubkey).map_err(|_| {
            Error::InvalidInput(
                "the stored bunker profile is damaged: run `satop connect` again".into(),
            )
        })?;
        let relays = profile
            .admin_relays
            .iter()
            .map(|r| RelayUrl::parse(r))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| {
                Error::InvalidInput(
                    "the stored bunker relays are damaged: run `satop connect` again".into(),
                )
            })?;
        let line = crate::connect::stored_line(&profile).ok_or_else(|| {
            Error::InvalidInput(
                "the stored bunker profile does not say which nsecbunkerd line the bunker runs: \
                 run `satop connect` again"
                    .into(),
            )
        })?;
        let conn = AdminConnection { admin, relays };
        let client = AdminClient::connect(signer, &conn, self.0.options).await?;
        client.use_line(line, profile.probed_at.is_some());
        Ok((client, profile))
    }

    pub(crate) fn remote_signer_cache(&self) -> &tokio::sync::Mutex<Option<RequestSigner>> {
        &self.0.remote_signer
    }

    pub(crate) fn signer_prompt(&self) -> &tokio::sync::Mutex<Option<ApprovalPrompt>> {
        &self.0.signer_prompt
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.0.data_dir
    }

    /// The local cache. Crate-private: other crates get typed use cases, never raw SQL, so every
    /// rule over the cache stays here (DESIGN.md §2).
    pub(crate) fn db(&self) -> &Db {
        &self.0.db
    }

    /// The secret store.
    pub fn secrets(&self) -> &Secrets {
        &self.0.secrets
    }

    /// Creates the console key, or loads it if it exists; `true` when it was created now.
    ///
    /// # Errors
    /// [`Error::Secrets`] when the secret store cannot be read or written.
    pub async fn init_console(&self) -> Result<(ConsoleIdentity, bool)> {
        let (console, created) = match ConsoleIdentity::load(self.secrets()).await? {
            Some(existing) => (existing, false),
            None => (ConsoleIdentity::create(self.secrets()).await?, true),
        };
        self.remember_console().await?;
        Ok((console, created))
    }

    /// Stores this console's npub, which every audit entry written here names as the
    /// console that acted (several consoles administer one fleet).
    /// This console is known by its admin key: a remote signer's, else the local console key's.
    async fn remember_console(&self) -> Result<()> {
        let npub = self.admin_npub().await?;
        self.db()
            .interact(move |c| {
                if fleet_store::settings::get(c, fleet_store::audit::CONSOLE_SETTING)?.as_deref()
                    != Some(npub.as_str())
                {
                    fleet_store::settings::set(c, fleet_store::audit::CONSOLE_SETTING, &npub)?;
                }
                Ok(())
            })
            .await?;
        Ok(())
    }

    /// The console identity.
    ///
    /// # Errors
    /// [`Error::NoConsole`] before `init`; [`Error::Secrets`].
    pub async fn console(&self) -> Result<ConsoleIdentity> {
        ConsoleIdentity::load(self.secrets())
            .await?
            .ok_or(Error::NoConsole)
    }

    /// The stored bunker profile, if any.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn profile(&self) -> Result<Option<BunkerProfile>> {
        Ok(self.db().interact(|conn| profile::load(conn)).await?)
    }
}
