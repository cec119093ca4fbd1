//! Following a long operation to its end: an archive being packed, a
//! restore, a threat being fixed. Each look is an ordinary request (with
//! its own time budget and retries); the whole wait has its own bound, and
//! when it runs out the operation is reported as still running, with the
//! ID to follow it by, not as failed.
//!
//! ```
//! use std::time::Duration;
//! use jetpack_partner::{Error, Look, Progress, Wait};
//! let mut percent = 0;
//! let done = Wait::new("restore", "42")
//!     .timeout(Duration::from_secs(5))
//!     .interval(Duration::from_millis(1))
//!     .until(
//!         || {
//!             percent += 50;
//!             Ok(if percent < 100 {
//!                 Look::Going(Progress::new("running", Some(percent)))
//!             } else {
//!                 Look::Done("finished")
//!             })
//!         },
//!         |progress| println!("{} {:?}", progress.state, progress.percent),
//!     )?;
//! assert_eq!(done, "finished");
//! # Ok::<(), Error>(())
//! ```

use std::time::{Duration, Instant};

use crate::error::{Error, StillRunning};

/// How long a wait lasts at most by default: 30 minutes.
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// How long between two looks by default.
pub const DEFAULT_WAIT_INTERVAL: Duration = Duration::from_secs(2);

/// Where an operation stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Its state, as the API names it (`queued`, `running`, `preparing`…).
    pub state: String,
    /// How far, in percent, when the API says.
    pub percent: Option<u8>,
}

impl Progress {
    /// A state and a percentage (capped at 100).
    pub fn new(state: impl Into<String>, percent: Option<u64>) -> Progress {
        Progress {
            state: state.into(),
            percent: percent.map(|p| u8::try_from(p.min(100)).unwrap_or(100)),
        }
    }
}

/// What one look found.
#[derive(Debug)]
pub enum Look<T> {
    /// Still going.
    Going(Progress),
    /// Over: the final answer (which may be a failure the caller judges).
    Done(T),
}

/// A wait for one operation.
#[derive(Clone, Debug)]
pub struct Wait {
    what: String,
    id: String,
    timeout: Duration,
    interval: Duration,
}

impl Wait {
    /// A wait for `what` (`restore`, `backup download`…) known by `id`,
    /// bounded by [`DEFAULT_WAIT_TIMEOUT`], looking every
    /// [`DEFAULT_WAIT_INTERVAL`].
    pub fn new(what: impl Into<String>, id: impl Into<String>) -> Wait {
        Wait {
            what: what.into(),
            id: id.into(),
            timeout: DEFAULT_WAIT_TIMEOUT,
            interval: DEFAULT_WAIT_INTERVAL,
        }
    }

    /// The longest the whole wait may last.
    pub fn timeout(mut self, timeout: Duration) -> Wait {
        self.timeout = timeout;
        self
    }

    /// The time between two looks.
    pub fn interval(mut self, interval: Duration) -> Wait {
        self.interval = interval;
        self
    }

    /// Looks with `look` until the operation is done, telling `seen` of
    /// each progress. An error of a look ends the wait with that error.
    /// When the time runs out first, the error is
    /// [`Error::StillRunning`], with the last progress seen.
    pub fn until<T>(
        &self,
        mut look: impl FnMut() -> Result<Look<T>, Error>,
        mut seen: impl FnMut(&Progress),
    ) -> Result<T, Error> {
        let started = Instant::now();
        loop {
            let last = match look()? {
                Look::Done(done) => return Ok(done),
                Look::Going(progress) => {
                    seen(&progress);
                    progress
                }
            };
            let left = self.timeout.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(Error::StillRunning(StillRunning {
                    what: self.what.clone(),
                    id: self.id.clone(),
                    state: last.state,
                    percent: last.percent,
                    waited: started.elapsed(),
                }));
            }
            std::thread::sleep(self.interval.min(left));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_that_runs_out_says_still_running_with_the_last_progress() {
        let mut looks = 0;
        let result: Result<(), Error> = Wait::new("restore", "7")
            .timeout(Duration::from_millis(30))
            .interval(Duration::from_millis(5))
            .until(
                || {
                    looks += 1;
                    Ok(Look::Going(Progress::new("running", Some(looks * 10))))
                },
                |_| {},
            );
        let Err(Error::StillRunning(still)) = result else {
            panic!("{result:?}");
        };
        assert_eq!((still.what.as_str(), still.id.as_str()), ("restore", "7"));
        assert_eq!(still.state, "running");
        assert!(still.percent.is_some());
        assert!(looks >= 2);
        let error = Error::StillRunning(still);
        assert_eq!(error.code(), "still_running");
        assert!(error.is_temporary());
        assert!(
            error.to_string().contains("restore 7 was still running"),
            "{error}"
        );
    }

    #[test]
    fn an_error_of_a_look_ends_the_wait() {
        let result: Result<(), Error> = Wait::new("restore", "7").until(
            || Err(Error::InvalidInput("no".into())),
            |_| panic!("no progress was seen"),
        );
        assert!(matches!(result, Err(Error::InvalidInput(_))));
    }

    #[test]
    fn percentages_are_capped() {
        assert_eq!(Progress::new("x", Some(250)).percent, Some(100));
        assert_eq!(Progress::new("x", None).percent, None);
    }
}
