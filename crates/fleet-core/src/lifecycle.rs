//! Machine lifecycle: the one vocabulary of machine states, and which transitions are allowed
//! (issue #4 item 1).
//!
//! Stored states come from [`fleet_store::MachineState`]; the access term makes `active`,
//! `expiring` and `expired` a matter of the clock, so every screen asks [`effective_state`]
//! rather than reading the stored value, and the term sweep writes the result back.

use fleet_store::{Machine, MachineState};
use serde::Serialize;

/// A machine whose term ends within this many seconds is `expiring` (7 days).
pub const EXPIRING_WITHIN_SECS: i64 = 7 * 24 * 60 * 60;

/// What happened to a machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    /// A pairing code was minted for it.
    PairingStarted,
    /// Its pairing code was redeemed and the client recorded.
    Paired,
    /// The pairing was cancelled or timed out.
    PairingEnded,
    /// Fewer than 7 days of its term are left.
    TermEnding,
    /// Its term is over.
    TermEnded,
    /// A re-pair recorded a new ATM key with a fresh term.
    Renewed,
    /// The operator (or the term end) asked for a revoke; it waits in the outbox.
    RevokeRequested,
    /// The bunker shows the client revoked (by us, or by someone else: reconcile).
    RevokeConfirmed,
}

/// The label every UI shows for a state: `revoke pending`, not `revoke_pending`.
pub fn label(state: MachineState) -> &'static str {
    match state {
        MachineState::RevokePending => "revoke pending",
        other => other.as_str(),
    }
}

/// The state a machine moves to, or `None` when the transition is not allowed from `from`.
///
/// `PairingEnded` returns `None` too: the previous state is the caller's to restore.
pub fn next(from: MachineState, t: Transition) -> Option<MachineState> {
    use MachineState as S;
    use Transition as T;
    let paired = matches!(from, S::Active | S::Expiring | S::Expired);
    Some(match (from, t) {
        // Re-pairing a revoked or legacy machine is how it gets a fresh ATM key.
        (
            S::Unpaired | S::Revoked | S::Legacy | S::Active | S::Expiring | S::Expired,
            T::PairingStarted,
        ) => S::Pairing,
        (S::Pairing, T::Paired) => S::Active,
        (S::Active, T::TermEnding) => S::Expiring,
        (S::Active | S::Expiring, T::TermEnded) => S::Expired,
        (_, T::Renewed) if paired || from == S::Pairing => S::Active,
        (_, T::RevokeRequested) if paired || matches!(from, S::Pairing | S::RevokePending) => {
            S::RevokePending
        }
        (_, T::RevokeConfirmed)
            if paired || matches!(from, S::Pairing | S::RevokePending | S::Revoked) =>
        {
            S::Revoked
        }
        _ => return None,
    })
}

/// The state to show now: the stored one, with the clock applied to the term of a paired
/// machine (`active` → `expiring` within 7 days of the end → `expired` after it).
pub fn effective_state(m: &Machine, now: i64) -> MachineState {
    effective(m.state, m.bunker_token_expires_at, now)
}

/// [`effective_state`] on the bare fields.
pub fn effective(state: MachineState, term_end: Option<i64>, now: i64) -> MachineState {
    match (state, term_end) {
        (MachineState::Active | MachineState::Expiring | MachineState::Expired, Some(end)) => {
            if end <= now {
                MachineState::Expired
            } else if end - now <= EXPIRING_WITHIN_SECS {
                MachineState::Expiring
            } else {
                MachineState::Active
            }
        }
        (other, _) => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MachineState as S;
    use Transition as T;

    /// The whole table: every (state, transition) pair and its outcome.
    #[test]
    fn transitions_follow_the_table() {
        let table: &[(S, T, Option<S>)] = &[
            (S::Unpaired, T::PairingStarted, Some(S::Pairing)),
            (S::Unpaired, T::Paired, None),
            (S::Unpaired, T::RevokeRequested, None),
            (S::Unpaired, T::RevokeConfirmed, None),
            (S::Unpaired, T::TermEnded, None),
            (S::Pairing, T::Paired, Some(S::Active)),
            (S::Pairing, T::PairingStarted, None),
            (S::Pairing, T::RevokeRequested, Some(S::RevokePending)),
            (S::Pairing, T::PairingEnded, None),
            (S::Active, T::TermEnding, Some(S::Expiring)),
            (S::Active, T::TermEnded, Some(S::Expired)),
            (S::Active, T::PairingStarted, Some(S::Pairing)),
            (S::Active, T::Renewed, Some(S::Active)),
            (S::Active, T::RevokeRequested, Some(S::RevokePending)),
            (S::Active, T::RevokeConfirmed, Some(S::Revoked)),
            (S::Expiring, T::TermEnded, Some(S::Expired)),
            (S::Expiring, T::TermEnding, None),
            (S::Expiring, T::Renewed, Some(S::Active)),
            (S::Expiring, T::RevokeRequested, Some(S::RevokePending)),
            (S::Expired, T::Renewed, Some(S::Active)),
            (S::Expired, T::RevokeRequested, Some(S::RevokePending)),
            (S::Expired, T::TermEnded, None),
            (S::RevokePending, T::RevokeConfirmed, Some(S::Revoked)),
            (S::RevokePending, T::RevokeRequested, Some(S::RevokePending)),
            (S::RevokePending, T::Paired, None),
            (S::RevokePending, T::PairingStarted, None),
            (S::Revoked, T::RevokeRequested, None),
            (S::Revoked, T::RevokeConfirmed, Some(S::Revoked)),
            (S::Revoked, T::PairingStarted, Some(S::Pairing)),
            (S::Revoked, T::Renewed, None),
            (S::Legacy, T::PairingStarted, Some(S::Pairing)),
            (S::Legacy, T::RevokeRequested, None),
            (S::Legacy, T::TermEnded, None),
        ];
        for &(from, t, want) in table {
            assert_eq!(next(from, t), want, "{from} --{t:?}--> should be {want:?}");
        }
    }

    #[test]
    fn the_clock_moves_a_paired_machine_through_its_term() {
        let end = 1_000_000;
        assert_eq!(
            effective(S::Active, Some(end), end - EXPIRING_WITHIN_SECS - 1),
            S::Active
        );
        assert_eq!(
            effective(S::Active, Some(end), end - EXPIRING_WITHIN_SECS),
            S::Expiring
        );
        assert_eq!(effective(S::Active, Some(end), end), S::Expired);
        assert_eq!(
            effective(S::Expired, Some(end), end - EXPIRING_WITHIN_SECS - 1),
            S::Active,
            "a renewed term counts"
        );
        for other in [
            S::Unpaired,
            S::Pairing,
            S::RevokePending,
            S::Revoked,
            S::Legacy,
        ] {
            assert_eq!(
                effective(other, Some(0), end),
                other,
                "{other} does not depend on the clock"
            );
        }
    }

    #[test]
    fn revoke_pending_reads_with_a_space() {
        assert_eq!(label(S::RevokePending), "revoke pending");
        assert_eq!(label(S::Active), "active");
    }
}
