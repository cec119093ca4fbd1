//! The sandbox's time for the rewind routes (backups, archives, restores,
//! the activity log): one place, so that a sandbox clock that tests can
//! move on replaces the system clock here and nowhere else.
//!
//! Everything that progresses (a backup's schedule, a restore's percent,
//! an archive's link and how long it works) is computed from how much of
//! this time has passed since it began, so moving the clock moves it.

use std::time::{SystemTime, UNIX_EPOCH};

use super::state::State;

/// Milliseconds since 1970-01-01T00:00:00Z, as the sandbox counts them.
pub(crate) fn now_ms(_state: &State) -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}
