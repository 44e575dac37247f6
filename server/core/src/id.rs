//! Snowflake ids: 64-bit, time-ordered, serialised as decimal strings as Discord does.
//!
//! Layout (most significant first): 42 bits of milliseconds since the Discord epoch,
//! 10 bits of worker id, 12 bits of per-millisecond increment.

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// 2015-01-01T00:00:00Z, the first second of Discord's ids; bot libraries decode
/// creation times from ids with it, so ours must use it too.
pub const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
const WORKER_BITS: u32 = 10;
const INCREMENT_BITS: u32 = 12;
const MAX_INCREMENT: u16 = (1 << INCREMENT_BITS) - 1;
/// The largest worker id that fits in the id layout.
pub const MAX_WORKER_ID: u16 = (1 << WORKER_BITS) - 1;

/// A snowflake id. Ordered by creation time; `0` is never issued.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Snowflake(u64);

impl Snowflake {
    pub const fn new(raw: u64) -> Self {
        Self(raw)
    }
    pub const fn get(self) -> u64 {
        self.0
    }
    /// Databases store ids as signed 64-bit integers. Snowflakes stay below 2^63
    /// until the year 2154, so the cast never wraps in practice.
    pub const fn as_i64(self) -> i64 {
        self.0 as i64
    }
    pub const fn from_i64(raw: i64) -> Self {
        Self(raw as u64)
    }
    /// Milliseconds since the Unix epoch at which this id was made.
    pub const fn unix_millis(self) -> u64 {
        (self.0 >> (WORKER_BITS + INCREMENT_BITS)) + DISCORD_EPOCH_MS
    }
    pub const fn worker(self) -> u16 {
        ((self.0 >> INCREMENT_BITS) & MAX_WORKER_ID as u64) as u16
    }
}

impl From<i64> for Snowflake {
    fn from(raw: i64) -> Self {
        Self::from_i64(raw)
    }
}

impl fmt::Debug for Snowflake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Snowflake({})", self.0)
    }
}

impl fmt::Display for Snowflake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The text was not a decimal snowflake.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a valid snowflake id: expected a decimal integer")]
pub struct InvalidSnowflake;

impl FromStr for Snowflake {
    type Err = InvalidSnowflake;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // u64::from_str accepts a leading '+'; ids never have one.
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidSnowflake);
        }
        s.parse::<u64>().map(Snowflake).map_err(|_| InvalidSnowflake)
    }
}

impl Serialize for Snowflake {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Snowflake {
    /// Accepts the string form Discord sends and, leniently, a bare integer. A string that is
    /// no id fails inside the visitor, so a deserialiser that knows where it is (a path
    /// parameter's name, a field) says so.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SnowflakeVisitor)
    }
}

struct SnowflakeVisitor;

impl Visitor<'_> for SnowflakeVisitor {
    type Value = Snowflake;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a snowflake id: a decimal string or a non-negative integer")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Snowflake, E> {
        Ok(Snowflake(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Snowflake, E> {
        u64::try_from(v).map(Snowflake).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Snowflake, E> {
        v.parse().map_err(E::custom)
    }
}

/// The worker id is outside 0..=1023.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("worker id {0} is out of range: it must be between 0 and {MAX_WORKER_ID}")]
pub struct InvalidWorkerId(pub u32);

/// Issues strictly increasing snowflakes for one worker.
///
/// When the wall clock steps backwards (NTP, a VM resume) the generator keeps using the
/// last time it saw instead of going back, and when 4096 ids are taken within one
/// millisecond it borrows the next millisecond. Both keep ids unique and ordered without
/// ever sleeping; the borrowed time is repaid as soon as the clock catches up.
#[derive(Debug)]
pub struct SnowflakeGenerator {
    worker: u16,
    // A std Mutex: the critical section is a few integer operations and never awaits.
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    last_ms: u64,
    increment: u16,
}

impl SnowflakeGenerator {
    pub fn new(worker: u32) -> Result<Self, InvalidWorkerId> {
        if worker > MAX_WORKER_ID as u32 {
            return Err(InvalidWorkerId(worker));
        }
        Ok(Self { worker: worker as u16, state: Mutex::new(State::default()) })
    }

    /// The next id, stamped with the current wall-clock time.
    pub fn next(&self) -> Snowflake {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64);
        self.next_at(now.unwrap_or(DISCORD_EPOCH_MS))
    }

    /// The next id as if the wall clock read `unix_ms`; separate so tests can drive the clock.
    pub fn next_at(&self, unix_ms: u64) -> Snowflake {
        let since_epoch = unix_ms.saturating_sub(DISCORD_EPOCH_MS);
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if since_epoch > state.last_ms {
            state.last_ms = since_epoch;
            state.increment = 0;
        } else if state.increment == MAX_INCREMENT {
            state.last_ms += 1;
            state.increment = 0;
        } else {
            state.increment += 1;
        }
        Snowflake(
            (state.last_ms << (WORKER_BITS + INCREMENT_BITS))
                | ((self.worker as u64) << INCREMENT_BITS)
                | state.increment as u64,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_id_decodes_back_to_its_time_and_worker() {
        let generator = SnowflakeGenerator::new(37).unwrap();
        let id = generator.next_at(1_700_000_000_123);
        assert_eq!(id.unix_millis(), 1_700_000_000_123);
        assert_eq!(id.worker(), 37);
    }

    #[test]
    fn a_known_discord_id_decodes_to_its_documented_time() {
        // The example id from Discord's reference documentation: 2016-04-30 11:18:25.796 UTC.
        let id: Snowflake = "175928847299117063".parse().unwrap();
        assert_eq!(id.unix_millis(), 1_462_015_105_796);
    }

    #[test]
    fn worker_ids_above_1023_are_refused() {
        assert_eq!(SnowflakeGenerator::new(1024).unwrap_err(), InvalidWorkerId(1024));
        assert!(SnowflakeGenerator::new(1023).is_ok());
    }

    #[test]
    fn ids_serialise_as_strings_and_parse_from_strings_or_numbers() {
        let id = Snowflake::new(175928847299117063);
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"175928847299117063\"");
        assert_eq!(serde_json::from_str::<Snowflake>("\"175928847299117063\"").unwrap(), id);
        assert_eq!(serde_json::from_str::<Snowflake>("175928847299117063").unwrap(), id);
        assert!(serde_json::from_str::<Snowflake>("\"12a\"").is_err());
        assert!(serde_json::from_str::<Snowflake>("\"+12\"").is_err());
        assert!(serde_json::from_str::<Snowflake>("\"\"").is_err());
        assert!(serde_json::from_str::<Snowflake>("-1").is_err());
        assert!(serde_json::from_str::<Snowflake>("1.5").is_err());
        assert!(serde_json::from_str::<Snowflake>("true").is_err());
    }

    #[test]
    fn a_string_that_is_no_id_is_refused_with_the_id_error_wherever_it_is_read() {
        let error = serde_json::from_str::<Snowflake>("\"12a\"").unwrap_err().to_string();
        assert!(error.starts_with(&InvalidSnowflake.to_string()), "{error}");
        let from_a_str = serde::de::value::StrDeserializer::<serde::de::value::Error>::new("abc");
        assert_eq!(Snowflake::deserialize(from_a_str).unwrap_err().to_string(), InvalidSnowflake.to_string());
        let from_a_str = serde::de::value::StrDeserializer::<serde::de::value::Error>::new("42");
        assert_eq!(Snowflake::deserialize(from_a_str).unwrap(), Snowflake::new(42));
    }

    #[test]
    fn more_than_4096_ids_in_one_millisecond_stay_unique_and_ordered() {
        let generator = SnowflakeGenerator::new(1).unwrap();
        let ids: Vec<_> = (0..10_000).map(|_| generator.next_at(DISCORD_EPOCH_MS + 5)).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }

    proptest! {
        /// Whatever the clock does (jumps forward, steps back, stands still), ids only grow.
        #[test]
        fn ids_strictly_increase_under_any_sequence_of_clock_readings(
            start in DISCORD_EPOCH_MS..DISCORD_EPOCH_MS + (1u64 << 40),
            steps in proptest::collection::vec(-5_000i64..5_000, 1..2_000),
            worker in 0u32..=1023,
        ) {
            let generator = SnowflakeGenerator::new(worker).unwrap();
            let mut clock = start as i64;
            let mut previous = Snowflake::new(0);
            for step in steps {
                clock += step;
                let id = generator.next_at(clock.max(0) as u64);
                prop_assert!(id > previous, "{id:?} did not follow {previous:?}");
                prop_assert_eq!(id.worker() as u32, worker);
                previous = id;
            }
        }

        /// The printed form always parses back to the same id.
        #[test]
        fn every_id_round_trips_through_its_string_form(raw in any::<u64>()) {
            let id = Snowflake::new(raw);
            prop_assert_eq!(id.to_string().parse::<Snowflake>().unwrap(), id);
        }
    }

    #[test]
    fn concurrent_threads_never_receive_the_same_id() {
        let generator = std::sync::Arc::new(SnowflakeGenerator::new(2).unwrap());
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let g = generator.clone();
                std::thread::spawn(move || (0..20_000).map(|_| g.next()).collect::<Vec<_>>())
            })
            .collect();
        let mut all: Vec<_> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
        let total = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), total);
    }
}
