//! The state the worker threads share, behind one lock, and the file it
//! is kept in.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use super::persist;
use super::state::State;

/// State shared by the worker threads.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Where the state is kept between runs, if anywhere.
    state_file: Option<PathBuf>,
}

impl Shared {
    pub fn new(state: State, state_file: Option<PathBuf>) -> Shared {
        Shared {
            state: Mutex::new(state),
            state_file,
        }
    }

    /// The state, its expired pending activations dropped (so no handler
    /// can forget to); a worker that panicked while holding it leaves it
    /// usable.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.sweep();
        state
    }

    /// Writes the state file if a request changed the state. The lock is
    /// held while writing, so the file follows the order of the changes.
    pub fn persist(&self) -> std::io::Result<()> {
        let mut state = self.lock();
        if !state.dirty {
            return Ok(());
        }
        if let Some(path) = &self.state_file {
            persist::save(path, &state)?;
        }
        state.dirty = false;
        Ok(())
    }
}
