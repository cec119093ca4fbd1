//! The worker pool of a run over many sites (a batch, a fleet check, a
//! reconcile's plan and its apply): a reader on the calling thread hands
//! items through a bounded queue to a number of workers, and the first
//! error stops the run.
//!
//! After a stop the workers go on taking items off the queue without
//! handling them, so that the reader, which may be waiting to hand on an
//! item, sees the stop instead of waiting for ever.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Mutex, PoisonError};

use crate::error::Error;

/// Whether a run is stopping, and the first error that stopped it.
#[derive(Debug, Default)]
pub(crate) struct Stop {
    stopped: AtomicBool,
    first_error: Mutex<Option<Error>>,
}

impl Stop {
    /// A run that is not stopping.
    pub(crate) fn new() -> Stop {
        Stop::default()
    }

    /// Whether the run is stopping: no new item is to be handled.
    pub(crate) fn is_set(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }

    /// Stops the run without an error (`--fail-fast` after a failed line).
    pub(crate) fn set(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }

    /// Stops the run with `e`, unless an earlier error stopped it already.
    pub(crate) fn fail(&self, e: Error) {
        self.set();
        self.first_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert(e);
    }

    /// The end of the run: the first error, if any.
    pub(crate) fn into_result(self) -> Result<(), Error> {
        match self
            .first_error
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
        {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The workers' end of the queue the reader fills.
#[derive(Debug)]
pub(crate) struct Queue<T> {
    todo: Mutex<Receiver<T>>,
}

/// A queue for `workers` workers, holding twice as many items: the
/// reader's end and the workers'.
pub(crate) fn queue<T>(workers: usize) -> (SyncSender<T>, Queue<T>) {
    let (sender, todo) = sync_channel(workers * 2);
    let todo = Mutex::new(todo);
    (sender, Queue { todo })
}

impl<T> Queue<T> {
    /// The next item; `None` once the reader is done.
    pub(crate) fn next(&self) -> Option<T> {
        self.todo
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv()
            .ok()
    }

    /// The next item if one is waiting and no other worker is waiting for
    /// one; `None` otherwise, at once.
    pub(crate) fn try_next(&self) -> Option<T> {
        self.todo.try_lock().ok()?.try_recv().ok()
    }

    /// Hands each item to `handle` until the run stops; after that, takes
    /// the rest off the queue unhandled, so that the reader is never left
    /// waiting to hand an item on.
    pub(crate) fn each_until(&self, stop: &Stop, mut handle: impl FnMut(T)) {
        while let Some(item) = self.next() {
            if !stop.is_set() {
                handle(item);
            }
        }
    }
}

/// Runs `workers` threads of `work` (each calls it once, and takes its
/// items off the queue) while `read` hands items on with `send` on this
/// thread. `send` says `false` when no worker is left to take the item.
/// Once `read` is done the queue is closed, so that the workers end; an
/// error from `read` stops the run.
pub(crate) fn run<T: Send>(
    workers: usize,
    stop: &Stop,
    sender: SyncSender<T>,
    work: impl Fn() + Sync,
    read: impl FnOnce(&dyn Fn(T) -> bool) -> Result<(), Error>,
) {
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(&work);
        }
        let read = read(&|item| sender.send(item).is_ok());
        drop(sender);
        if let Err(e) = read {
            stop.fail(e);
        }
    });
}
