//! Timestamps: stored as Unix milliseconds, sent as ISO 8601 with an offset, as Discord does.

use serde::{Serialize, Serializer};
use time::OffsetDateTime;

/// A point in time with millisecond precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_unix_millis(ms: i64) -> Self {
        Self(ms)
    }
    pub fn now() -> Self {
        Self((OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64)
    }
    pub const fn unix_millis(self) -> i64 {
        self.0
    }
    pub const fn plus_millis(self, ms: i64) -> Self {
        Self(self.0.saturating_add(ms))
    }
    /// An RFC 3339 timestamp (any offset, any fraction), to the millisecond.
    pub fn parse_iso8601(raw: &str) -> Option<Self> {
        use time::format_description::well_known::Rfc3339;
        let at = OffsetDateTime::parse(raw, &Rfc3339).ok()?;
        Some(Self((at.unix_timestamp_nanos() / 1_000_000) as i64))
    }

    /// `2015-04-26T06:26:56.936000+00:00`: Discord's exact form (six fraction digits, an
    /// explicit `+00:00`). RFC 3339 allows `...936Z` too, but twilight parses only Discord's
    /// form, so this is what every library reads.
    pub fn to_iso8601(self) -> String {
        let at =
            OffsetDateTime::from_unix_timestamp_nanos(self.0 as i128 * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second(),
            at.microsecond()
        )
    }
}

impl From<i64> for Timestamp {
    fn from(ms: i64) -> Self {
        Self(ms)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_iso8601())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::format_description::well_known::Rfc3339;

    #[test]
    fn timestamps_print_in_discords_form_with_microseconds_and_an_explicit_offset() {
        assert_eq!(Timestamp::from_unix_millis(1_462_015_105_796).to_iso8601(), "2016-04-30T11:18:25.796000+00:00");
        assert_eq!(Timestamp::from_unix_millis(0).to_iso8601(), "1970-01-01T00:00:00.000000+00:00");
        // Whatever it prints, RFC 3339 reads back as the same instant.
        let printed = Timestamp::from_unix_millis(1_700_000_000_123).to_iso8601();
        let read = OffsetDateTime::parse(&printed, &Rfc3339).unwrap();
        assert_eq!(read.unix_timestamp_nanos() / 1_000_000, 1_700_000_000_123);
        assert_eq!(Timestamp::parse_iso8601(&printed), Some(Timestamp::from_unix_millis(1_700_000_000_123)));
        assert_eq!(Timestamp::parse_iso8601("2016-04-30T13:18:25.796+02:00").unwrap().unix_millis(), 1_462_015_105_796);
        assert_eq!(Timestamp::parse_iso8601("yesterday"), None);
    }
}
