//! The Fee policy screen: the published policy, a diff preview, and the bunker round trip.

use fleet_core::operator_events::{FeePolicy, FeeView};
use serde::{Deserialize, Serialize};
use specta::Type;

/// A fee policy in the units people type: percent as text (`2.5`), sats as text (`500`).
/// Parsed on the Rust side so the rule lives in one place (fleet-core).
#[derive(Debug, Clone, Deserialize, Type)]
pub struct FeeInput {
    /// Super fee in percent, at most two decimals, 0–100.
    pub super_fee_percent: String,
    /// Fixed fee per transaction in sats, a whole number.
    pub fixed_fee_sats: String,
}

/// A fee policy.
#[derive(Debug, Clone, Copy, Serialize, Type)]
pub struct FeeValues {
    /// Super fee in basis points (250 = 2.5 %).
    pub super_fee_bps: u32,
    /// Fixed fee per transaction, in sats.
    pub fixed_fee_sats: u64,
}

impl From<FeePolicy> for FeeValues {
    fn from(p: FeePolicy) -> Self {
        Self {
            super_fee_bps: p.super_fee_bps,
            fixed_fee_sats: p.fixed_fee_sats,
        }
    }
}

/// The last verified, published policy.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PublishedFeeView {
    /// The policy.
    pub fee: FeeValues,
    /// The kind-30078 event id (hex).
    pub event_id: String,
    /// When a relay accepted it (unix seconds).
    pub published_at: i64,
    /// The relays that accepted it.
    pub relays: Vec<String>,
}

/// A fee change waiting in the outbox.
#[derive(Debug, Clone, Serialize, Type)]
pub struct QueuedFeeView {
    /// Outbox row.
    pub outbox_id: i64,
    /// The policy, when readable.
    pub fee: Option<FeeValues>,
    /// `pending`, `running`, `failed`.
    pub status: String,
    /// The last failure.
    pub last_error: Option<String>,
}

/// The fee policy as known on this computer (offline).
#[derive(Debug, Clone, Serialize, Type)]
pub struct FeeInfo {
    /// The last verified, published policy.
    pub published: Option<PublishedFeeView>,
    /// Changes waiting in the outbox, oldest first.
    pub queued: Vec<QueuedFeeView>,
    /// Who signed the published policy: the npub read from the stored event, its signature
    /// checked (absent when nothing is published or it does not verify).
    pub signer_npub: Option<String>,
    /// The operator key (npub) every fee event must be signed by.
    pub operator_npub: Option<String>,
}

impl FeeInfo {
    /// From the core view, the published event's verified signer and the operator key.
    pub fn new(view: FeeView, signer_npub: Option<String>, operator_npub: Option<String>) -> Self {
        Self {
            published: view.published.map(|p| PublishedFeeView {
                fee: p.policy.into(),
                event_id: p.event_id,
                published_at: p.published_at,
                relays: p.relays,
            }),
            queued: view
                .queued
                .into_iter()
                .map(|q| QueuedFeeView {
                    outbox_id: q.outbox_id,
                    fee: q.policy.map(FeeValues::from),
                    status: q.status,
                    last_error: q.last_error,
                })
                .collect(),
            signer_npub,
            operator_npub,
        }
    }
}
