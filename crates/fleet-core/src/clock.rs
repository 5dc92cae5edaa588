//! The wall clock, in the unit the cache stores: unix seconds.

/// Now, in unix seconds (0 before 1970, `i64::MAX` past its range: never a panic).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
