//! The sandbox's clock: what every handler takes for "now".
//!
//! It is the system clock plus an offset. The offset starts where the
//! builder put it ([`SandboxBuilder::clock_at`](super::SandboxBuilder::clock_at),
//! else the state file's, else zero) and only ever grows while the sandbox
//! runs ([`advance`](Clock::advance), `POST /_sandbox/clock?advance=SECS`),
//! so a test can let days pass in a moment and anything timed by the
//! sandbox (a pending activation's 14 days) sees them pass. Between two
//! readings the clock never goes back unless the system clock does.
//!
//! The offset is kept in the state file with the rest, so a restarted
//! sandbox goes on from the time it had reached.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Seconds in a day.
pub(crate) const DAY: u64 = 24 * 60 * 60;

/// The sandbox's time: Unix seconds, movable forward.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Clock {
    /// Seconds added to the system clock; negative when started in the
    /// past.
    #[serde(default)]
    offset: i64,
}

impl Clock {
    /// A clock that reads `unix_seconds` now, and runs on from there.
    pub fn starting_at(unix_seconds: u64) -> Clock {
        let wanted = i64::try_from(unix_seconds).unwrap_or(i64::MAX);
        Clock {
            offset: wanted.saturating_sub(system_now()),
        }
    }

    /// The time now, in whole seconds since 1970-01-01 UTC.
    pub fn now(&self) -> u64 {
        u64::try_from(system_now().saturating_add(self.offset)).unwrap_or(0)
    }

    /// The time now, in milliseconds since 1970-01-01 UTC: for what the
    /// sandbox times in less than a second (a scan, a fix, a restore).
    pub fn now_ms(&self) -> u64 {
        let offset_ms = self.offset.saturating_mul(1000);
        u64::try_from(system_now_ms().saturating_add(offset_ms)).unwrap_or(0)
    }

    /// Moves the clock forward by `by` (whole seconds; a fraction is
    /// dropped) and gives the new time.
    pub fn advance(&mut self, by: Duration) -> u64 {
        let seconds = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.offset = self.offset.saturating_add(seconds);
        self.now()
    }
}

/// The system clock in Unix milliseconds; 0 before 1970.
fn system_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The system clock in Unix seconds; 0 before 1970.
fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_starts_where_it_is_put_and_moves_forward() {
        let mut clock = Clock::starting_at(1_000_000);
        let start = clock.now();
        // The system clock may tick between two readings, never more here.
        assert!((1_000_000..1_000_060).contains(&start), "{start}");
        let later = clock.advance(Duration::from_secs(14 * DAY));
        assert!(later >= start + 14 * DAY, "{later}");
        assert!(clock.now_ms() / 1000 >= later, "{}", clock.now_ms());
        assert!(clock.advance(Duration::from_millis(999)) >= later);
    }

    #[test]
    fn the_default_clock_is_the_system_clock_and_never_overflows() {
        let system = u64::try_from(system_now()).unwrap_or(0);
        assert!(Clock::default().now() >= system);
        let mut clock = Clock::starting_at(u64::MAX);
        clock.advance(Duration::MAX);
        assert!(clock.now() > 0);
        assert_eq!(Clock::starting_at(0).now() / 3600, 0);
    }
}
