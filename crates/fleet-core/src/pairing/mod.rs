//! Pair an ATM (DESIGN.md §3 "Pair"; protocol/nsecbunkerd.md §4.1): mint a one-shot token scoped
//! to kind-21000 signing, hand it out as a `bunker://` pairing URL (QR), watch for the ATM's
//! redemption and record the new client; burn the token on cancel, timeout or failure.
//!
//! ```no_run
//! # async fn demo(fleet: fleet_core::Fleet) -> fleet_core::Result<()> {
//! use fleet_core::pairing::{MachineChoice, PairRequest};
//! use fleet_core::qr::QrOptions;
//!
//! let req = PairRequest::new(MachineChoice::Existing("Lobby ATM".into()));
//! let pending = fleet.begin_pairing(&req, |step| println!("{step:?}")).await?;
//! std::fs::write("pair.png", pending.qr(&QrOptions::default())?.png()).ok();
//! let paired = pending.wait(std::future::pending(), |step| println!("{step:?}")).await?;
//! println!("paired; the ATM shows {}", paired.fingerprint);
//! # Ok(()) }
//! ```
//!
//! The pairing URL and its secret live only in [`PendingPairing`] (memory) and are never
//! written to the database, a log line, an error or the audit log (DESIGN.md §1).

pub(crate) mod burn;
mod claim;
mod leftover;
pub(crate) mod policy;
mod redeemer;
pub(crate) mod token;
pub(crate) mod window;

use std::future::Future;
use std::time::Duration;

use bunker_client::{AdminClient, BunkerUri, Refusal, Sensitive};
use fleet_store::{audit, machines, pairing_terms, Machine, MachineState, NewAuditEntry, Pairing};
use nostr::PublicKey;
use serde::Serialize;
use tokio::time::Instant;
use tracing::{info, instrument, warn};

use crate::clock::unix_now;
use crate::qr::{self, PairingQr, QrOptions};
use crate::{Error, Fleet, Result};
use burn::Burn;

pub use leftover::{LeftoverBurn, LeftoverOutcome, UnburnedCode, UNBURNED_SETTING};
pub use policy::{ATM_EVENT_KIND, ATM_POLICY_NAME};
pub use window::{
    check_redeem_window, parse_duration, DEFAULT_ACCESS_TERM, DEFAULT_REDEEM_WINDOW,
    MAX_REDEEM_WINDOW,
};

/// Which machine to pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MachineChoice {
    /// A machine that exists, by name (ignoring case).
    Existing(String),
    /// The machine with this name, created (unpaired, at `site`) if there is none.
    PickOrCreate {
        /// Its name.
        name: String,
        /// Its site, used only when it is created.
        site: Option<String>,
    },
}

/// What the operator asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairRequest {
    /// The machine.
    pub machine: MachineChoice,
    /// How long the pairing code can be redeemed (default 1 hour). The app burns the token at
    /// the exact end; the bunker's own expiry, in whole hours rounded up, is the backstop.
    pub redeem_window: Duration,
    /// How long the paired ATM may sign before renewal (default 30 days); stored as
    /// `bunker_token_expires_at`, enforced by the app, not the bunker (§3.4). Kept with the
    /// pairing in progress, so a redemption seen later by reconcile gets this term too.
    pub access_term: Duration,
    /// How often [`PendingPairing::wait`] asks the bunker whether the token was redeemed.
    pub poll_every: Duration,
}

impl PairRequest {
    /// Defaults: 1-hour redeem window, 30-day access term, a poll every second.
    pub fn new(machine: MachineChoice) -> Self {
        Self {
            machine,
            redeem_window: DEFAULT_REDEEM_WINDOW,
            access_term: DEFAULT_ACCESS_TERM,
            poll_every: Duration::from_secs(1),
        }
    }
}

/// Progress of a pairing, reported as it happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum PairStep {
    /// The bunker minted the token; the pairing URL and QR can be shown.
    TokenMinted {
        /// The machine's id.
        machine_id: i64,
        /// The machine's name.
        machine: String,
        /// End of the redeem window (unix seconds).
        redeem_expires_at: i64,
    },
    /// Watching for the ATM to redeem the code.
    WaitingForAtm,
    /// The code was redeemed; this is the client the bunker registered.
    AtmConnected {
        /// The ATM's client pubkey (hex).
        atm_client_pubkey: String,
        /// Its short fingerprint, as the ATM shows it.
        fingerprint: String,
    },
    /// The client has kind-21000 signing and the machine is recorded as paired.
    Verified {
        /// The bunker's KeyUser id of the client.
        bunker_connection_id: i64,
    },
}

/// A completed pairing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Paired {
    /// The machine's id.
    pub machine_id: i64,
    /// The machine's name.
    pub machine: String,
    /// The bunker's KeyUser id of the ATM's client key (what `revoke_user` takes).
    pub bunker_connection_id: i64,
    /// The ATM's client pubkey (hex).
    pub atm_client_pubkey: String,
    /// Its short fingerprint, as the ATM shows it.
    pub fingerprint: String,
    /// When the pairing was recorded (unix seconds).
    pub paired_at: i64,
    /// End of the access term (unix seconds).
    pub access_expires_at: i64,
}

impl Fleet {
    /// Starts pairing a machine: picks (or creates) it, makes sure the ATM policy exists,
    /// mints the token and reads it back. Returns the pending pairing, whose URL and QR can be
    /// shown at once; then call [`PendingPairing::wait`] (or [`PendingPairing::cancel`]).
    ///
    /// Two admin round trips once the ATM policy is known (`create_new_token`,
    /// `get_key_tokens`); two or four more the first time (`get_policies`, and
    /// `create_new_policy` + `get_policies` if the bunker has no ATM policy).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a bad window or term; [`Error::MachineNotFound`];
    /// [`Error::NotConnected`]; [`Error::TokenNotListed`] (key locked); [`Error::Bunker`].
    #[instrument(skip_all)]
    pub async fn begin_pairing(
        &self,
        req: &PairRequest,
        on_step: impl Fn(&PairStep),
    ) -> Result<PendingPairing> {
        let redeem_window = check_redeem_window(req.redeem_window)?;
        if req.access_term.is_zero() {
            return Err(Error::InvalidInput(
                "the access term must be longer than zero".into(),
            ));
        }
        let machine = match &req.machine {
            MachineChoice::Existing(name) => self.machine(name).await?,
            MachineChoice::PickOrCreate { name, site } => match self.machine(name).await {
                Err(Error::MachineNotFound { .. }) => {
                    self.add_machine(name, site.as_deref()).await?
                }
                other => other?,
            },
        };
        // Before anything is minted: one pairing of a machine at a time, across processes.
        let claim = claim::take(self.data_dir(), machine.id, &machine.name)?;
        let (admin, profile) = self.admin_session().await?;
        let started = mint(self, &admin, &profile, &machine, redeem_window).await;
        let (token_id, uri) = match started {
            Ok(minted) => minted,
            Err(e) => {
                admin.shutdown().await;
                return Err(e);
            }
        };
        let pending = PendingPairing {
            fleet: self.clone(),
            admin,
            key_name: profile.key_name,
            client_name: machine.client_name.clone(),
            previous_state: match machine.state {
                MachineState::Pairing => MachineState::Unpaired,
                other => other,
            },
            machine,
            token_id,
            uri,
            deadline: Instant::now() + redeem_window,
            redeem_expires_at: unix_now().saturating_add(secs(redeem_window)),
            access_term: req.access_term,
            poll_every: req.poll_every.max(Duration::from_millis(10)),
            _claim: claim,
        };
        if let Err(e) = pending.record_start().await {
            return Err(pending.abandon(e).await);
        }
        info!(
            machine = pending.machine.id,
            token = token_id,
            "pairing token minted"
        );
        on_step(&PairStep::TokenMinted {
            machine_id: pending.machine.id,
            machine: pending.machine.name.clone(),
            redeem_expires_at: pending.redeem_expires_at,
        });
        Ok(pending)
    }
}

/// `create_new_token` + `get_key_tokens` under the per-machine lock (§4.1 steps 3–4), then the
/// pairing URL. A remembered policy id that the bunker no longer knows is refreshed once.
async fn mint(
    fleet: &Fleet,
    admin: &AdminClient,
    profile: &fleet_store::BunkerProfile,
    machine: &Machine,
    window: Duration,
) -> Result<(u64, BunkerUri)> {
    let key_pubkey = profile
        .key_pubkey
        .as_deref()
        .and_then(|hex| PublicKey::from_hex(hex).ok())
        .ok_or(Error::NotConnected)?;
    let relays = crate::connect::stored_atm_relays(profile)?;
    let key = profile.key_name.as_str();
    // The machine's own bunker name (`satmachine-<uid>`, or the row-id name of a machine
    // added before ids travelled): how a redeemed token is matched to its client (§3.2).
    let client = machine.client_name.clone();
    let hours = Some(window::bunker_hours(window));

    let _turn = token::lock(&profile.admin_pubkey, &client).await;
    let policy_id = match policy::remembered(profile) {
        Some(id) => match admin.create_new_token(key, &client, id, hours).await {
            Err(bunker_client::Error::Refused(Refusal::PolicyNotFound)) => {
                warn!("the remembered ATM policy is gone from the bunker; looking it up again");
                None
            }
            other => other.map(|()| Some(id))?,
        },
        None => None,
    };
    if policy_id.is_none() {
        let id = policy::ensure(fleet, admin).await?;
        admin.create_new_token(key, &client, id, hours).await?;
    }
    let token = token::read_back(admin, key, &client).await?;
    let uri = token.pairing_uri(relays)?;
    if uri.signer != key_pubkey {
        return Err(bunker_client::Error::Protocol(
            "the token names a different key than the operator key",
        )
        .into());
    }
    Ok((token.id, uri))
}

/// How a pairing ended without a recorded ATM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Cancelled,
    TimedOut,
}

/// A minted, not yet redeemed pairing. Holds the pairing URL (a bearer secret) in memory only;
/// `Debug` shows the machine and token id, never the URL.
pub struct PendingPairing {
    fleet: Fleet,
    admin: AdminClient,
    key_name: String,
    client_name: String,
    machine: Machine,
    previous_state: MachineState,
    token_id: u64,
    uri: BunkerUri,
    deadline: Instant,
    redeem_expires_at: i64,
    access_term: Duration,
    poll_every: Duration,
    /// Held until the pairing ends: no other process pairs this machine meanwhile.
    _claim: claim::Claim,
}

impl PendingPairing {
    /// The bunker client name the token was minted for.
    pub(crate) fn client_name(&self) -> &str {
        &self.client_name
    }
}

impl std::fmt::Debug for PendingPairing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingPairing")
            .field("machine", &self.machine.id)
            .field("token_id", &self.token_id)
            .field("redeem_expires_at", &self.redeem_expires_at)
            .finish_non_exhaustive()
    }
}

impl PendingPairing {
    /// The machine being paired (as it was before the pairing started).
    pub fn machine(&self) -> &Machine {
        &self.machine
    }

    /// End of the redeem window (unix seconds).
    pub fn redeem_expires_at(&self) -> i64 {
        self.redeem_expires_at
    }

    /// The pairing URL, `bunker://<operator key hex>?relay=…&secret=<hex>`, with relay values
    /// raw where that is safe so that two relays fit in QR version 10 at ECC M.
    pub fn pairing_url(&self) -> Sensitive<String> {
        Sensitive::new(self.uri.to_compact_url_string())
    }

    /// The pairing QR (PNG + SVG), self-checked to decode to exactly the pairing URL.
    ///
    /// # Errors
    /// [`Error::Qr`].
    pub fn qr(&self, opts: &QrOptions) -> Result<PairingQr> {
        Ok(PairingQr::render(self.pairing_url().expose(), opts)?)
    }

    /// The pairing QR as terminal text.
    ///
    /// # Errors
    /// [`Error::Qr`].
    pub fn qr_terminal(&self) -> Result<String> {
        Ok(qr::render_terminal(self.pairing_url().expose())?)
    }

    /// Admin requests sent for this pairing so far (benchmarks, diagnostics).
    pub fn admin_requests(&self) -> u64 {
        self.admin.requests_sent()
    }

    /// Waits until the ATM redeems the code, then records the pairing. Ends early when `cancel`
    /// completes (e.g. Ctrl-C): the token is burned and [`Error::PairingCancelled`] returned.
    /// At the end of the redeem window the token is burned and [`Error::PairingTimedOut`]
    /// returned. On any other failure the token is burned too (best effort), so no usable
    /// pairing code outlives this call unless it was recorded.
    ///
    /// # Errors
    /// As above; [`Error::RedeemerNotFound`], [`Error::NotScoped`], [`Error::Bunker`],
    /// [`Error::Store`].
    #[instrument(skip_all, fields(machine = self.machine.id))]
    pub async fn wait(
        self,
        cancel: impl Future<Output = ()>,
        on_step: impl Fn(&PairStep),
    ) -> Result<Paired> {
        on_step(&PairStep::WaitingForAtm);
        let outcome = match self.watch(cancel, &on_step).await {
            Ok(paired) => Ok(paired),
            Err(Watch::End(ending)) => self.end(ending, &on_step).await,
            Err(Watch::Failed(e)) => Err(self.abandon_ref(e).await),
        };
        self.admin.shutdown().await;
        outcome
    }

    /// Cancels without waiting: burns the token and puts the machine back as it was.
    ///
    /// # Errors
    /// [`Error::Bunker`] when the burn could not be done (the token then expires with the
    /// bunker's redeem window); [`Error::Store`].
    pub async fn cancel(self) -> Result<()> {
        let outcome = match self.end(Ending::Cancelled, &|_: &PairStep| {}).await {
            Err(Error::PairingCancelled { .. }) => Ok(()),
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        };
        self.admin.shutdown().await;
        outcome
    }

    /// Gives up a pairing that failed on the caller's side after the code was minted (the QR
    /// could not be shown or written, say): burns the code, puts the machine back as it was
    /// and records `failed` with `reason` in the audit log.
    ///
    /// # Errors
    /// [`Error::Bunker`] when the code could not be burned (the failure is recorded all the
    /// same; the code then expires with the bunker's redeem window); [`Error::Store`].
    pub async fn abort(self, reason: &str) -> Result<()> {
        let opts = *self.fleet.client_options();
        let burned = burn::burn(&self.admin, &self.key_name, &self.uri, opts).await;
        let (detail, outcome) = match burned {
            Ok(Burn::Burned(_) | Burn::Expired) => (format!("{reason}; pairing code burned"), Ok(())),
            Ok(Burn::AlreadyRedeemed) => (
                format!("{reason}; the pairing code had been redeemed meanwhile: check `satop sync` for an unknown client"),
                Ok(()),
            ),
            Err(e) => (
                format!("{reason}; {}", not_burned(&e)),
                Err(e),
            ),
        };
        let recorded = self.record_end("failed", detail).await;
        self.admin.shutdown().await;
        outcome.and(recorded)
    }

    async fn watch(
        &self,
        cancel: impl Future<Output = ()>,
        on_step: &impl Fn(&PairStep),
    ) -> Result<Paired, Watch> {
        tokio::pin!(cancel);
        loop {
            match self.redeemed().await {
                Ok(true) => return self.complete(on_step).await.map_err(Watch::Failed),
                Ok(false) => {}
                // A relay hiccup must not end the pairing: the next poll may get through.
                Err(e)
                    if matches!(
                        e.kind(),
                        crate::ErrorKind::Timeout | crate::ErrorKind::Unreachable
                    ) =>
                {
                    warn!(error = %e, "redemption poll failed; retrying");
                }
                Err(e) => return Err(Watch::Failed(e)),
            }
            let now = Instant::now();
            if now >= self.deadline {
                return Err(Watch::End(Ending::TimedOut));
            }
            let next = (now + self.poll_every).min(self.deadline);
            tokio::select! {
                () = &mut cancel => return Err(Watch::End(Ending::Cancelled)),
                () = tokio::time::sleep_until(next) => {}
            }
        }
    }

    /// One `get_key_tokens`: has our token been redeemed?
    async fn redeemed(&self) -> Result<bool> {
        let tokens = self.admin.get_key_tokens(&self.key_name).await?;
        match tokens.iter().find(|t| t.id == self.token_id) {
            Some(t) => Ok(t.is_redeemed()),
            None => Err(Error::TokenNotListed {
                key: self.key_name.clone(),
            }),
        }
    }

    /// Finds the redeeming client, checks its scope, records the pairing.
    async fn complete(&self, on_step: &impl Fn(&PairStep)) -> Result<Paired> {
        let users = self.admin.get_key_users(&self.key_name).await?;
        let user = redeemer::find(
            &users,
            &self.client_name,
            self.machine.atm_client_pubkey.as_deref(),
        )
        .ok_or_else(|| Error::RedeemerNotFound {
            machine: self.machine.name.clone(),
        })?;
        let fingerprint = bunker_client::fingerprint(&user.pubkey);
        on_step(&PairStep::AtmConnected {
            atm_client_pubkey: user.pubkey.to_hex(),
            fingerprint: fingerprint.clone(),
        });
        if !redeemer::can_sign_atm_events(user) {
            return Err(Error::NotScoped {
                machine: self.machine.name.clone(),
            });
        }
        let paired_at = unix_now();
        let paired = Paired {
            machine_id: self.machine.id,
            machine: self.machine.name.clone(),
            bunker_connection_id: i64::try_from(user.id)
                .map_err(|_| bunker_client::Error::Protocol("a KeyUser id is out of range"))?,
            atm_client_pubkey: user.pubkey.to_hex(),
            fingerprint,
            paired_at,
            access_expires_at: paired_at.saturating_add(secs(self.access_term)),
        };
        let record = paired.clone();
        self.fleet
            .db()
            .interact(move |conn| {
                let tx = conn.transaction()?;
                machines::set_pairing(
                    &tx,
                    record.machine_id,
                    &Pairing {
                        bunker_connection_id: record.bunker_connection_id,
                        atm_client_pubkey: record.atm_client_pubkey.clone(),
                        paired_at: record.paired_at,
                        bunker_token_expires_at: record.access_expires_at,
                    },
                )?;
                pairing_terms::clear(&tx, record.machine_id)?;
                audit::append(
                    &tx,
                    &NewAuditEntry {
                        action: "pair".into(),
                        machine_id: Some(record.machine_id),
                        outcome: "ok".into(),
                        detail: Some(format!(
                            "ATM client {} (KeyUser #{}) can sign kind {ATM_EVENT_KIND}; access until {} (unix)",
                            record.fingerprint, record.bunker_connection_id, record.access_expires_at
                        )),
                    },
                )?;
                tx.commit()?;
                Ok(())
            })
            .await?;
        on_step(&PairStep::Verified {
            bunker_connection_id: paired.bunker_connection_id,
        });
        Ok(paired)
    }

    /// Cancel or timeout: burn, restore the machine's state, audit. A token the ATM redeemed in
    /// the meantime completes the pairing on timeout (it was redeemed in time), and is revoked on
    /// cancel (the operator said no).
    async fn end(&self, ending: Ending, on_step: &impl Fn(&PairStep)) -> Result<Paired> {
        let opts = *self.fleet.client_options();
        let burned = match burn::burn(&self.admin, &self.key_name, &self.uri, opts).await {
            Ok(burned) => burned,
            Err(e) => {
                let what = match ending {
                    Ending::Cancelled => "cancelled",
                    Ending::TimedOut => "timed out",
                };
                let detail = format!("pairing {what}; {}", not_burned(&e));
                if let Err(store) = self.record_end("failed", detail).await {
                    warn!(error = %store, "could not record the unburned pairing code");
                }
                return Err(e);
            }
        };
        let machine = self.machine.name.clone();
        let (outcome, detail) = match (ending, burned) {
            (Ending::TimedOut, Burn::AlreadyRedeemed) => return self.complete(on_step).await,
            (Ending::Cancelled, Burn::AlreadyRedeemed) => {
                let users = self.admin.get_key_users(&self.key_name).await?;
                let revoked = match redeemer::find(&users, &self.client_name, self.machine.atm_client_pubkey.as_deref()) {
                    Some(user) => {
                        self.admin.revoke_user(user.id).await?;
                        format!("the ATM redeemed the code as the pairing was cancelled; its client (KeyUser #{}) was revoked", user.id)
                    }
                    None => "the code had been redeemed by an unknown client".to_string(),
                };
                ("cancelled", revoked)
            }
            (_, Burn::Burned(id)) => (
                if ending == Ending::Cancelled { "cancelled" } else { "timed_out" },
                format!("pairing code burned: redeemed by a throwaway client (KeyUser #{id}), which was revoked"),
            ),
            (_, Burn::Expired) => (
                if ending == Ending::Cancelled { "cancelled" } else { "timed_out" },
                "pairing code had already expired on the bunker".to_string(),
            ),
        };
        self.record_end(outcome, detail).await?;
        Err(match ending {
            Ending::Cancelled => Error::PairingCancelled { machine },
            Ending::TimedOut => Error::PairingTimedOut {
                machine,
                burned: !matches!(burned, Burn::Expired),
            },
        })
    }

    /// Marks the machine as pairing, remembers the access term asked for, audits the start.
    async fn record_start(&self) -> Result<()> {
        let (id, token_id, until) = (self.machine.id, self.token_id, self.redeem_expires_at);
        let term = secs(self.access_term);
        self.fleet
            .db()
            .interact(move |conn| {
                let tx = conn.transaction()?;
                machines::update_state(&tx, id, MachineState::Pairing)?;
                pairing_terms::set(&tx, id, term)?;
                audit::append(
                    &tx,
                    &NewAuditEntry {
                        action: "pair".into(),
                        machine_id: Some(id),
                        outcome: "started".into(),
                        detail: Some(format!(
                            "bunker token #{token_id} minted; redeemable until {until} (unix)"
                        )),
                    },
                )?;
                tx.commit()?;
                Ok(())
            })
            .await?;
        Ok(())
    }

    /// Puts the machine back in its previous state and audits how the pairing ended.
    async fn record_end(&self, outcome: &'static str, detail: String) -> Result<()> {
        let (id, state) = (self.machine.id, self.previous_state);
        self.fleet
            .db()
            .interact(move |conn| {
                let tx = conn.transaction()?;
                machines::update_state(&tx, id, state)?;
                pairing_terms::clear(&tx, id)?;
                audit::append(
                    &tx,
                    &NewAuditEntry {
                        action: "pair".into(),
                        machine_id: Some(id),
                        outcome: outcome.into(),
                        detail: Some(detail),
                    },
                )?;
                tx.commit()?;
                Ok(())
            })
            .await?;
        Ok(())
    }

    /// After an unexpected failure: burn the token (best effort) and record the failure.
    async fn abandon(self, error: Error) -> Error {
        let e = self.abandon_ref(error).await;
        self.admin.shutdown().await;
        e
    }

    async fn abandon_ref(&self, error: Error) -> Error {
        let opts = *self.fleet.client_options();
        let burned = match burn::burn(&self.admin, &self.key_name, &self.uri, opts).await {
            Ok(Burn::Burned(_) | Burn::Expired) => "pairing code burned",
            Ok(Burn::AlreadyRedeemed) => "pairing code had been redeemed",
            Err(e) => &not_burned(&e),
        };
        // The error's text never holds a secret (see crate::Error), so it may go in the log.
        let detail = format!("{error}; {burned}");
        if let Err(e) = self.record_end("failed", detail).await {
            warn!(error = %e, "could not record the failed pairing");
        }
        error
    }
}

/// Why [`PendingPairing::watch`] stopped without a pairing.
enum Watch {
    End(Ending),
    Failed(Error),
}

/// The audit words for a code that could not be burned.
fn not_burned(e: &Error) -> String {
    format!("pairing code could NOT be burned ({e}); it stays redeemable until the bunker's redeem window ends")
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qr::Ecc;

    #[test]
    fn two_relay_pairing_url_fits_qr_version_10_at_ecc_m() {
        let uri = BunkerUri {
            signer: PublicKey::from_hex(
                "a4818d9d05bbec10166edbefe7b9e0201542b8f45f78c535e56f6c73c383b4f5",
            )
            .unwrap(),
            relays: vec![
                nostr::RelayUrl::parse("wss://relay.nsecbunker.com").unwrap(),
                nostr::RelayUrl::parse("wss://relay.damus.io").unwrap(),
            ],
            secret: Some(Sensitive::new("f".repeat(64))),
        };
        let qr = PairingQr::render(&uri.to_compact_url_string(), &QrOptions::default()).unwrap();
        assert_eq!(qr.ecc(), Ecc::Medium, "a camera needs ECC M");
        assert!(
            qr.version() <= 10,
            "version {} is too dense for an ATM camera",
            qr.version()
        );
        let encoded = PairingQr::render(&uri.to_url_string(), &QrOptions::default()).unwrap();
        assert!(
            encoded.ecc() != Ecc::Medium || encoded.version() > 10,
            "if the percent-encoded form fitted too, the compact form would be unnecessary"
        );
    }
}
