//! `show`: give the next unused prepared code to a machine and build its pairing URL and QR,
//! with no network at all (the stored profile, the secret store and SQLite only).

use bunker_client::{BunkerUri, Sensitive};
use fleet_store::codes::{self, PreparedCode};
use fleet_store::{machines, MachineState, NewMachine};
use nostr::PublicKey;
use tracing::instrument;

use super::{audit_entry, secret_name, view, CodeView};
use crate::qr::{self, PairingQr, QrOptions};
use crate::rules::text;
use crate::{Error, Fleet, Result};

/// A prepared code shown to a machine. Holds the pairing URL (a bearer secret) in memory only;
/// `Debug` never shows it.
pub struct ShownCode {
    /// The code (no secret).
    pub code: CodeView,
    /// The machine's id.
    pub machine_id: i64,
    /// The machine's name.
    pub machine: String,
    /// Whether the machine was created by this call.
    pub machine_created: bool,
    uri: BunkerUri,
}

impl std::fmt::Debug for ShownCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShownCode")
            .field("code", &self.code.id)
            .field("machine", &self.machine_id)
            .finish_non_exhaustive()
    }
}

impl ShownCode {
    /// The pairing URL (`bunker://<key hex>?relay=…&secret=<hex>`).
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
}

impl Fleet {
    /// Gives `machine` (created, unpaired, if new) the next unused prepared code, or the one it
    /// was already given, and marks it "pairing (offline)". Needs no network.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the machine is paired or being paired online, or no code is
    /// left (nothing changes then); [`Error::NotConnected`]; [`Error::Secrets`] when the code's
    /// secret cannot be read; [`Error::Store`].
    #[instrument(skip_all)]
    pub async fn show_code(&self, machine: &str) -> Result<ShownCode> {
        let name = text::machine_name(machine)?;
        let existing = match self.machine(&name).await {
            Ok(m) => Some(m),
            Err(Error::MachineNotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        if let Some(m) = &existing {
            check_showable(m)?;
        }
        let profile = self.profile().await?.ok_or(Error::NotConnected)?;
        let signer = profile
            .key_pubkey
            .as_deref()
            .and_then(|hex| PublicKey::from_hex(hex).ok())
            .ok_or(Error::NotConnected)?;
        let relays = crate::connect::stored_atm_relays(&profile)?;
        let (machine_id, site) = existing
            .as_ref()
            .map_or((None, None), |m| (Some(m.id), m.site.clone()));
        let now = crate::unix_now();
        let code = self
            .db()
            .interact(move |c| {
                if let Some(id) = machine_id {
                    if let Some(shown) = codes::shown_to(c, id)? {
                        return Ok(Some(shown));
                    }
                }
                codes::next_unused(c, site.as_deref(), now)
            })
            .await?
            .ok_or_else(|| {
                Error::InvalidInput(
                    "no prepared code is left: prepare some with `satop code prepare --count N` while online, or pair online with `satop pair`".into(),
                )
            })?;
        let secret = self
            .secrets()
            .get(&secret_name(&code.client_name))
            .await?
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "the secret of prepared code #{} is missing from the secret store ({}): burn it with `satop code burn {}` and show another",
                    code.id,
                    self.secrets().describe(),
                    code.id
                ))
            })?;
        let uri = BunkerUri {
            signer,
            relays,
            secret: Some(Sensitive::new(secret.to_secret_hex())),
        };
        let (shown, machine_id, machine, created) = self
            .record_shown(code, existing.map(|m| (m.id, m.name)), name)
            .await?;
        Ok(ShownCode {
            code: view(&shown, Some(machine.clone())),
            machine_id,
            machine,
            machine_created: created,
            uri,
        })
    }

    /// Creates the machine if new, marks the code shown to it and audits, in one transaction.
    async fn record_shown(
        &self,
        code: PreparedCode,
        existing: Option<(i64, String)>,
        name: String,
    ) -> Result<(PreparedCode, i64, String, bool)> {
        let site = code.site.clone();
        Ok(self
            .db()
            .interact(move |c| {
                let tx = c.transaction()?;
                let (machine_id, machine, created) = match existing {
                    Some((id, name)) => (id, name, false),
                    None => {
                        let m = machines::insert(
                            &tx,
                            &NewMachine {
                                site,
                                ..NewMachine::new(name)
                            },
                        )?;
                        (m.id, m.name, true)
                    }
                };
                if code.state == codes::CodeState::Live {
                    let now = crate::unix_now();
                    codes::mark_shown(&tx, code.id, machine_id, now)?;
                    audit_entry(
                        &tx,
                        "code_show",
                        Some(machine_id),
                        "ok",
                        format!(
                            "prepared code #{} shown to the machine: pairing (offline){}",
                            code.id,
                            if created { "; machine created" } else { "" }
                        ),
                    )?;
                } else {
                    audit_entry(
                        &tx,
                        "code_show",
                        Some(machine_id),
                        "ok",
                        format!("prepared code #{} shown again", code.id),
                    )?;
                }
                let shown = codes::get(&tx, code.id)?.unwrap_or(code);
                tx.commit()?;
                Ok((shown, machine_id, machine, created))
            })
            .await?)
    }
}

/// Only a machine that has no bunker access (unpaired, revoked, legacy) gets a prepared code.
fn check_showable(m: &fleet_store::Machine) -> Result<()> {
    match m.state {
        MachineState::Unpaired | MachineState::Revoked | MachineState::Legacy => Ok(()),
        MachineState::Pairing => Err(Error::InvalidInput(format!(
            "machine {} is being paired online right now: finish or cancel that pairing first",
            text::quoted_for_message(&m.name)
        ))),
        other => Err(Error::InvalidInput(format!(
            "machine {} is already paired ({}): revoke it first, or renew it with `satop repair`",
            text::quoted_for_message(&m.name),
            other.as_str()
        ))),
    }
}
