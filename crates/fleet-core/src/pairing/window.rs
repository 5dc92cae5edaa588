//! Durations of a pairing: the redeem window (how long the QR works) and the access term (how
//! long the app lets a paired ATM sign before it must be renewed).
//!
//! They are different things (DESIGN.md §3 "Pair"): nsecbunkerd checks a token's expiry only at
//! redemption (protocol §3.4), and takes it in whole hours (`durationInHours`, §2.3.7).

use std::time::Duration;

use crate::{Error, Result};

/// How long a pairing code can be redeemed, unless the operator says otherwise.
pub const DEFAULT_REDEEM_WINDOW: Duration = Duration::from_secs(60 * 60);
/// The longest redeem window: a pairing code is a bearer secret, it should not live for weeks.
pub const MAX_REDEEM_WINDOW: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// How long a paired ATM may sign before the app asks for renewal (`bunker_token_expires_at`).
pub const DEFAULT_ACCESS_TERM: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// Parses `90s`, `30m`, `2h` or `1d` (a bare number means minutes).
///
/// # Errors
/// [`Error::InvalidInput`] naming the accepted forms.
pub fn parse_duration(text: &str) -> Result<Duration> {
    let text = text.trim();
    let bad = || {
        Error::InvalidInput(format!(
            "{text:?} is not a duration: write e.g. 30m, 2h or 1d"
        ))
    };
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| bad())?;
    let secs = match unit.trim() {
        "s" => 1,
        "" | "m" | "min" => 60,
        "h" => 60 * 60,
        "d" => 24 * 60 * 60,
        _ => return Err(bad()),
    };
    n.checked_mul(secs).map(Duration::from_secs).ok_or_else(bad)
}

/// Checks a redeem window: more than zero, at most [`MAX_REDEEM_WINDOW`].
///
/// # Errors
/// [`Error::InvalidInput`].
pub fn check_redeem_window(window: Duration) -> Result<Duration> {
    if window.is_zero() {
        return Err(Error::InvalidInput(
            "the redeem window must be longer than zero".into(),
        ));
    }
    if window > MAX_REDEEM_WINDOW {
        return Err(Error::InvalidInput(
            "the redeem window can be at most 7 days: a pairing code is a bearer secret".into(),
        ));
    }
    Ok(window)
}

/// The whole hours to give nsecbunkerd, rounded UP: the bunker's expiry is the backstop, the app
/// burns the token at the exact end of the window itself. Never 0, which nsecbunkerd reads as
/// "no expiry" (§2.3.7).
pub(crate) fn bunker_hours(window: Duration) -> u32 {
    let hours = window.as_secs().div_ceil(3600).max(1);
    u32::try_from(hours).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_seconds_minutes_hours_days() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_duration(" 2h ").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_duration("1d").unwrap(), Duration::from_secs(86400));
        assert_eq!(
            parse_duration("45").unwrap(),
            Duration::from_secs(2700),
            "a bare number is minutes"
        );
        for bad in ["", "h", "2w", "-1h", "1.5h", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn bunker_window_rounds_up_to_whole_hours_and_is_never_zero() {
        assert_eq!(bunker_hours(Duration::from_secs(1)), 1);
        assert_eq!(bunker_hours(Duration::from_secs(30 * 60)), 1);
        assert_eq!(bunker_hours(Duration::from_secs(3600)), 1);
        assert_eq!(bunker_hours(Duration::from_secs(3601)), 2);
    }

    #[test]
    fn redeem_window_must_be_positive_and_at_most_a_week() {
        assert!(check_redeem_window(Duration::ZERO).is_err());
        assert!(check_redeem_window(MAX_REDEEM_WINDOW).is_ok());
        assert!(check_redeem_window(MAX_REDEEM_WINDOW + Duration::from_secs(1)).is_err());
    }
}
