//! The super-fee policy (`satmachine:super-fee`): its document, what is published and queued,
//! and changing it through the bunker.

use fleet_store::{outbox, published};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{OperatorChange, OperatorDoc, FEE_D_TAG};
use crate::outbox::OutboxEvent;
use crate::{Error, Fleet, Result};

/// The super-fee policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeePolicy {
    /// Super fee in basis points (250 = 2.5 %).
    pub super_fee_bps: u32,
    /// A fixed fee per transaction, in sats.
    pub fixed_fee_sats: u64,
}

impl FeePolicy {
    /// Highest accepted fee: 100 %.
    pub const MAX_BPS: u32 = 10_000;

    /// Highest accepted fixed fee per transaction: 1 BTC (100,000,000 sats). A fixed fee that
    /// high is already absurd for one ATM transaction, so anything above it is a typing
    /// mistake; and it stays far below 2^53, so JavaScript readers of the published event
    /// (which parse numbers as doubles) read the exact amount.
    pub const MAX_FIXED_SATS: u64 = 100_000_000;

    /// Checks both parts of the policy.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a fee over 100 % or a fixed fee over [`Self::MAX_FIXED_SATS`].
    pub fn check(&self) -> Result<()> {
        if self.super_fee_bps > Self::MAX_BPS {
            return Err(Error::InvalidInput(
                "the super fee can be at most 100 %".into(),
            ));
        }
        if self.fixed_fee_sats > Self::MAX_FIXED_SATS {
            return Err(Error::InvalidInput(format!(
                "a fixed fee of {} sats is more than the {} sats (1 BTC) allowed per transaction: check the amount",
                self.fixed_fee_sats,
                Self::MAX_FIXED_SATS
            )));
        }
        Ok(())
    }

    /// Parses a fixed fee typed as a whole number of sats (`0`, `500`, `1_000` is refused),
    /// at most [`Self::MAX_FIXED_SATS`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] saying what to type.
    pub fn parse_fixed_sats(text: &str) -> Result<u64> {
        let t = text.trim();
        if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit()) {
            return Err(Error::InvalidInput(format!(
                "{} is not a fixed fee: write a whole number of sats, such as 0 or 500",
                crate::rules::text::quoted_for_message(t)
            )));
        }
        let sats = t.parse::<u64>().unwrap_or(u64::MAX);
        Self {
            super_fee_bps: 0,
            fixed_fee_sats: sats,
        }
        .check()?;
        Ok(sats)
    }

    /// The document: `{"v":1,"super_fee_bps":250,"fixed_fee_sats":0}`.
    pub fn doc(&self) -> OperatorDoc {
        let content = serde_json::json!({"v": 1, "super_fee_bps": self.super_fee_bps, "fixed_fee_sats": self.fixed_fee_sats});
        OperatorDoc {
            d_tag: FEE_D_TAG.into(),
            content: content.to_string(),
        }
    }

    /// Reads a published content back.
    pub fn from_content(content: &str) -> Option<Self> {
        serde_json::from_str(content).ok()
    }

    /// Parses a percentage such as `2.5` or `0.75` into basis points.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for anything that is not 0–100 with at most two decimals.
    pub fn parse_percent(text: &str) -> Result<u32> {
        let bad = || {
            Error::InvalidInput(format!(
                "{text:?} is not a fee percentage: write e.g. 2.5 (at most two decimals, 0 to 100)"
            ))
        };
        let t = text.trim().trim_end_matches('%');
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        if whole.is_empty()
            || frac.len() > 2
            || !whole
                .chars()
                .chain(frac.chars())
                .all(|c| c.is_ascii_digit())
        {
            return Err(bad());
        }
        let whole: u32 = whole.parse().map_err(|_| bad())?;
        let frac: u32 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        let bps = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(frac))
            .ok_or_else(bad)?;
        if bps > Self::MAX_BPS {
            return Err(bad());
        }
        Ok(bps)
    }
}

/// The fee policy as known locally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeeView {
    /// The last verified, published policy.
    pub published: Option<PublishedFee>,
    /// Changes waiting in the outbox (pending or failed), oldest first.
    pub queued: Vec<QueuedFee>,
}

/// A published fee policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedFee {
    /// The policy.
    pub policy: FeePolicy,
    /// Event id (hex).
    pub event_id: String,
    /// When a relay accepted it.
    pub published_at: i64,
    /// Relays that accepted it.
    pub relays: Vec<String>,
}

/// A fee change in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueuedFee {
    /// Outbox row.
    pub outbox_id: i64,
    /// The policy.
    pub policy: Option<FeePolicy>,
    /// `pending`, `running`, `failed`.
    pub status: String,
    /// The last failure.
    pub last_error: Option<String>,
}

impl Fleet {
    /// The fee policy: published, and queued changes. Offline.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn fee(&self) -> Result<FeeView> {
        let (published, rows) = self
            .db()
            .interact(|c| Ok((published::get(c, FEE_D_TAG)?, outbox::unfinished(c)?)))
            .await?;
        Ok(FeeView {
            published: published.and_then(|p| {
                Some(PublishedFee {
                    policy: FeePolicy::from_content(&p.content)?,
                    event_id: p.event_id,
                    published_at: p.published_at,
                    relays: p.relays,
                })
            }),
            queued: rows
                .into_iter()
                .filter(|r| {
                    r.action == "publish_event"
                        && r.payload.get("d_tag").and_then(Value::as_str) == Some(FEE_D_TAG)
                })
                .map(|r| QueuedFee {
                    outbox_id: r.id,
                    policy: r
                        .payload
                        .get("content")
                        .and_then(Value::as_str)
                        .and_then(FeePolicy::from_content),
                    status: r.status.as_str().to_string(),
                    last_error: r.last_error,
                })
                .collect(),
        })
    }

    /// Changes the super-fee policy (see [`Fleet::publish_operator_event`]).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a fee over 100 % or a fixed fee over
    /// [`FeePolicy::MAX_FIXED_SATS`]; as [`Fleet::publish_operator_event`].
    pub async fn set_fee(
        &self,
        policy: FeePolicy,
        on_event: impl Fn(&OutboxEvent),
    ) -> Result<OperatorChange> {
        policy.check()?;
        self.publish_operator_event(policy.doc(), on_event).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operator_events::{diff, FieldChange};

    #[test]
    fn fee_percent_parses_to_basis_points() {
        assert_eq!(FeePolicy::parse_percent("2.5").unwrap(), 250);
        assert_eq!(FeePolicy::parse_percent("0.75%").unwrap(), 75);
        assert_eq!(FeePolicy::parse_percent("100").unwrap(), 10_000);
        for bad in ["", "-1", "1.234", "100.01", "abc", ".5"] {
            assert!(
                FeePolicy::parse_percent(bad).is_err(),
                "{bad:?} must be refused"
            );
        }
    }

    #[test]
    fn the_fixed_fee_is_bounded_below_two_to_the_53() {
        const { assert!(FeePolicy::MAX_FIXED_SATS < 1 << 53) };
        assert_eq!(FeePolicy::parse_fixed_sats(" 500 ").unwrap(), 500);
        assert_eq!(
            FeePolicy::parse_fixed_sats("100000000").unwrap(),
            FeePolicy::MAX_FIXED_SATS
        );
        for bad in ["100000001", "18446744073709551616", "-1", "1.5", "", "1e3"] {
            let err = FeePolicy::parse_fixed_sats(bad).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{bad:?}");
        }
        let too_big = FeePolicy {
            super_fee_bps: 0,
            fixed_fee_sats: 9_007_199_254_740_993,
        };
        assert!(too_big.check().is_err());
    }

    #[test]
    fn the_diff_names_the_changed_fields_and_is_empty_without_change() {
        let old = FeePolicy {
            super_fee_bps: 200,
            fixed_fee_sats: 0,
        }
        .doc()
        .content;
        let new = FeePolicy {
            super_fee_bps: 250,
            fixed_fee_sats: 0,
        }
        .doc()
        .content;
        let d = diff(FEE_D_TAG, Some(old.clone()), &new);
        assert_eq!(
            d.changes,
            vec![FieldChange {
                field: "super_fee_bps".into(),
                before: Some("200".into()),
                after: Some("250".into())
            }]
        );
        assert!(diff(FEE_D_TAG, Some(old.clone()), &old).changes.is_empty());
        assert_eq!(
            diff(FEE_D_TAG, None, &new).changes.len(),
            3,
            "a first version shows every field"
        );
    }

    #[test]
    fn the_fee_document_reads_back() {
        let p = FeePolicy {
            super_fee_bps: 125,
            fixed_fee_sats: 500,
        };
        assert_eq!(FeePolicy::from_content(&p.doc().content), Some(p));
        assert_eq!(p.doc().d_tag, FEE_D_TAG);
    }
}
