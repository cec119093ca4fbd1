//! The sandbox's stop signal. Everything that waits on purpose (added
//! latency, a slow body, a hung connection) waits on it, so dropping the
//! sandbox never has to sit out a delay.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Set once, when the sandbox stops; wakes every sleeper.
#[derive(Debug, Default)]
pub(crate) struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Stop {
    fn lock(&self) -> MutexGuard<'_, bool> {
        self.stopped
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn stop(&self) {
        *self.lock() = true;
        self.wake.notify_all();
    }

    pub fn is_stopped(&self) -> bool {
        *self.lock()
    }

    /// Sleeps for `delay`, or less if the sandbox stops first. True when
    /// the whole delay passed and the sandbox still runs.
    pub fn sleep(&self, delay: Duration) -> bool {
        // A delay too long to add to the clock is a wait for the stop.
        let deadline = Instant::now().checked_add(delay);
        let mut stopped = self.lock();
        loop {
            if *stopped {
                return false;
            }
            let left = match deadline {
                Some(deadline) => deadline.saturating_duration_since(Instant::now()),
                None => Duration::from_secs(3600),
            };
            if deadline.is_some() && left.is_zero() {
                return true;
            }
            stopped = match self.wake.wait_timeout(stopped, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_sleep_ends_early_when_the_sandbox_stops() {
        let stop = Arc::new(Stop::default());
        assert!(stop.sleep(Duration::ZERO));
        let sleeper = {
            let stop = stop.clone();
            std::thread::spawn(move || stop.sleep(Duration::MAX))
        };
        std::thread::sleep(Duration::from_millis(20));
        let started = Instant::now();
        stop.stop();
        assert_eq!(sleeper.join().ok(), Some(false));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(!stop.sleep(Duration::from_millis(1)));
    }
}
