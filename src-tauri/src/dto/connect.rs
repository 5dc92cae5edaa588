//! Connecting to a bunker: the form, the probe's steps, the capabilities found.

use fleet_core::connect::{Capabilities, ProbeStep};
use serde::{Deserialize, Serialize};
use specta::Type;

/// The Connect form.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct ConnectInput {
    /// The bunker's admin connection string.
    pub connection: String,
    /// The key that holds the operator key.
    pub key_name: String,
    /// The relays the ATMs use (1 or 2).
    pub atm_relays: Vec<String>,
    /// Seconds to wait for each bunker reply.
    pub timeout_secs: u32,
}

/// One step of the capability probe, as it happens.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ProbeEvent {
    /// The connection string was understood.
    Parsed {
        /// Admin relays.
        relays: Vec<String>,
    },
    /// The nsecbunkerd line was recognised.
    Line {
        /// In words: "nsecbunkerd 0.11 · admin kind 24133 · NIP-44".
        description: String,
    },
    /// The admin ping was answered.
    Pinged {
        /// `ok` (stock) or `pong`.
        reply: String,
    },
    /// The bunker's encryption was found.
    Encryption {
        /// `nip04` or `nip44`.
        mode: String,
    },
    /// The bunker listed its keys.
    Keys {
        /// How many.
        count: u32,
    },
    /// The bunker listed its policies.
    Policies {
        /// How many.
        count: u32,
    },
}

impl From<&ProbeStep> for ProbeEvent {
    fn from(step: &ProbeStep) -> Self {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        match step {
            ProbeStep::Parsed { relays, .. } => Self::Parsed {
                relays: relays.clone(),
            },
            ProbeStep::Line(description) => Self::Line {
                description: description.clone(),
            },
            ProbeStep::Pinged(reply) => Self::Pinged {
                reply: reply.clone(),
            },
            ProbeStep::Encryption(e) => Self::Encryption {
                mode: e.as_str().to_string(),
            },
            ProbeStep::Keys(n) => Self::Keys { count: count(*n) },
            ProbeStep::Policies(n) => Self::Policies { count: count(*n) },
        }
    }
}

/// A key on the bunker.
#[derive(Debug, Clone, Serialize, Type)]
pub struct KeyView {
    /// Key name.
    pub name: String,
    /// npub; absent while locked.
    pub npub: Option<String>,
}

/// A policy on the bunker.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PolicyView {
    /// Policy name.
    pub name: String,
    /// Rules as `method` or `method:kind`.
    pub rules: Vec<String>,
}

/// The bunker capabilities the probe found.
#[derive(Debug, Clone, Serialize, Type)]
pub struct CapabilitiesView {
    /// Admin relays.
    pub admin_relays: Vec<String>,
    /// `ok` or `pong`.
    pub ping_reply: String,
    /// The nsecbunkerd line in words: "nsecbunkerd 0.11 · admin kind 24133 · NIP-44".
    pub line: String,
    /// `nip04` or `nip44`.
    pub encryption: String,
    /// The bunker's keys.
    pub keys: Vec<KeyView>,
    /// The operator key name.
    pub operator_key: String,
    /// The bunker's policies.
    pub policies: Vec<PolicyView>,
    /// The ATM relays.
    pub atm_relays: Vec<String>,
}

impl From<Capabilities> for CapabilitiesView {
    fn from(c: Capabilities) -> Self {
        Self {
            admin_relays: c.admin_relays,
            ping_reply: c.ping_reply,
            line: c.line_description,
            encryption: c.encryption,
            keys: c
                .keys
                .into_iter()
                .map(|k| KeyView {
                    name: k.name,
                    npub: k.npub,
                })
                .collect(),
            operator_key: c.operator_key,
            policies: c
                .policies
                .into_iter()
                .map(|p| PolicyView {
                    name: p.name,
                    rules: p.rules,
                })
                .collect(),
            atm_relays: c.atm_relays,
        }
    }
}
