//! Wall-clock helpers: timestamps are stored as Unix milliseconds and rendered the way
//! `JSON.stringify(new Date())` does (§2.3: ISO-8601 UTC with milliseconds).

use time::OffsetDateTime;

/// Now, in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX)
}

/// `2024-05-01T12:00:00.000Z`.
pub(crate) fn iso(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Parses what `new Date(string)` accepts in practice for our callers (RFC 3339).
pub(crate) fn parse_iso(text: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_has_millis_and_z() {
        assert_eq!(iso(1_714_564_800_123), "2024-05-01T12:00:00.123Z");
        assert_eq!(
            parse_iso("2024-05-01T12:00:00.123Z"),
            Some(1_714_564_800_123)
        );
    }
}
