//! Group commit: records from many workers, each made durable before its
//! writer goes on, with one sync shared by every writer waiting at the
//! time.
//!
//! A writer appends its record whole, under a lock (so records never mix),
//! and gets a ticket: the record's number. It then waits for a sync that
//! began after its record was written. The first waiter that finds no sync
//! going on leads: it notes the number of the last record written, syncs
//! without holding the lock (others go on appending meanwhile), marks every
//! record up to that number durable and wakes the others. A record written
//! while a sync runs waits for the next one, which one of the waiters leads.
//!
//! A sync that fails fails every record not yet durable, and every later
//! one: after a failed sync the kernel may have dropped the pages it could
//! not write, and a later sync could succeed without them, so from then on
//! nothing is reported durable.

use std::io;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::Error;

/// Where the records go.
pub(crate) trait Device: Send + Sync {
    /// Writes some of `bytes`, as [`io::Write::write`] does. Called by one
    /// thread at a time.
    fn write(&self, bytes: &[u8]) -> io::Result<usize>;
    /// Called after each whole record: a stream is flushed.
    fn end_record(&self) -> io::Result<()>;
    /// Makes durable every byte written before the call. May run while
    /// another thread writes.
    fn sync(&self) -> io::Result<()>;
    /// Whether there is anything to sync: a record written to a stream is
    /// as durable as it will ever be.
    fn syncs(&self) -> bool;
    /// The error reported for `e`, naming the output.
    fn error(&self, e: io::Error) -> Error;
}

/// A record written, not yet known to be durable.
#[must_use = "a record is durable only once its ticket is waited for"]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Ticket(u64);

/// Many writers, one sync at a time, each sync covering everything written
/// before it began.
pub(crate) struct Committer {
    inner: Arc<Inner>,
    /// The thread that syncs what no one waits for yet, if it started.
    syncer: Option<JoinHandle<()>>,
}

struct Inner {
    device: Box<dyn Device>,
    state: Mutex<State>,
    /// Signalled whenever the state changes: a record written when none
    /// was pending, a sync done, the committer closed.
    changed: Condvar,
}

struct State {
    /// The output ends in a torn record: the next one starts on a new line.
    needs_newline: bool,
    /// Records written whole so far.
    written: u64,
    /// Records a sync has covered.
    durable: u64,
    /// A sync is running.
    syncing: bool,
    /// Since when records written have waited for a sync that covers them
    /// (none: every record is synced, or being synced).
    pending_since: Option<Instant>,
    /// A sync failed: nothing more is durable.
    broken: Option<Broken>,
    /// The committer is being dropped: the syncer ends.
    closed: bool,
    /// Syncs done.
    syncs: u64,
}

/// What a failed sync said, for every waiter it fails.
#[derive(Clone)]
struct Broken {
    kind: io::ErrorKind,
    message: String,
}

impl Broken {
    fn error(&self) -> io::Error {
        io::Error::new(
            self.kind,
            format!(
                "{}; nothing written since the last good sync is known to be on disk",
                self.message
            ),
        )
    }
}

impl Committer {
    /// A committer writing to `device`; `needs_newline` when what it holds
    /// ends in a torn record. With `linger`, a thread syncs records no one
    /// waits for yet once the oldest has waited that long, so that they are
    /// durable before anyone needs them to be.
    pub(crate) fn new(
        device: Box<dyn Device>,
        needs_newline: bool,
        linger: Option<Duration>,
    ) -> Committer {
        let inner = Arc::new(Inner {
            device,
            state: Mutex::new(State {
                needs_newline,
                written: 0,
                durable: 0,
                syncing: false,
                pending_since: None,
                broken: None,
                closed: false,
                syncs: 0,
            }),
            changed: Condvar::new(),
        });
        // Without the thread (it could not start), records are synced when
        // waited for, which is all that durability needs.
        let syncer = linger.and_then(|linger| {
            let inner = inner.clone();
            std::thread::Builder::new()
                .name("journal-sync".into())
                .spawn(move || inner.sync_lazily(linger))
                .ok()
        });
        Committer { inner, syncer }
    }

    /// Writes one record and waits until it is durable.
    pub(crate) fn commit(&self, record: &impl Serialize) -> Result<(), Error> {
        let ticket = self.write(record)?;
        self.wait(ticket)
    }

    /// Appends one record as a JSON line, whole, and returns its ticket;
    /// it is durable only once [`Committer::wait`] says so.
    pub(crate) fn write(&self, record: &impl Serialize) -> Result<Ticket, Error> {
        self.inner.write(record)
    }

    /// Returns once the record of `ticket` is durable: at once if a sync
    /// has covered it, else after the next sync, which this thread leads if
    /// no other is syncing. Fails if a sync failed before covering it.
    pub(crate) fn wait(&self, ticket: Ticket) -> Result<(), Error> {
        self.inner.wait(ticket)
    }

    /// Whether the record of `ticket` is durable already, without waiting;
    /// an error if it never will be.
    pub(crate) fn is_durable(&self, ticket: Ticket) -> Result<bool, Error> {
        let state = self.inner.lock();
        if state.durable >= ticket.0 {
            return Ok(true);
        }
        match &state.broken {
            Some(broken) => Err(self.inner.device.error(broken.error())),
            None => Ok(false),
        }
    }

    /// Syncs done so far.
    #[cfg(test)]
    pub(crate) fn syncs(&self) -> u64 {
        self.inner.lock().syncs
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        self.inner.lock().closed = true;
        self.inner.changed.notify_all();
        if let Some(syncer) = self.syncer.take() {
            let _ = syncer.join();
        }
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self, record: &impl Serialize) -> Result<Ticket, Error> {
        let mut line = serde_json::to_vec(record)
            .map_err(|e| Error::io("cannot encode a record", io::Error::other(e)))?;
        line.push(b'\n');
        let mut state = self.lock();
        if let Some(broken) = &state.broken {
            return Err(self.device.error(broken.error()));
        }
        let written = if state.needs_newline {
            self.write_all(&mut state, b"\n")
        } else {
            Ok(())
        }
        .and_then(|()| self.write_all(&mut state, &line))
        .and_then(|()| self.device.end_record());
        written.map_err(|e| self.device.error(e))?;
        state.written += 1;
        if !self.device.syncs() {
            state.durable = state.written;
        } else if state.pending_since.is_none() {
            state.pending_since = Some(Instant::now());
            self.changed.notify_all();
        }
        Ok(Ticket(state.written))
    }

    /// Writes all of `bytes`, keeping track of whether the output now ends
    /// in the middle of a line.
    fn write_all(&self, state: &mut State, bytes: &[u8]) -> io::Result<()> {
        let mut done = 0;
        while done < bytes.len() {
            match self.device.write(&bytes[done..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    done += n;
                    state.needs_newline = bytes[done - 1] != b'\n';
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn wait(&self, ticket: Ticket) -> Result<(), Error> {
        let mut state = self.lock();
        loop {
            if state.durable >= ticket.0 {
                return Ok(());
            }
            if let Some(broken) = &state.broken {
                return Err(self.device.error(broken.error()));
            }
            state = if state.syncing {
                self.changed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner)
            } else {
                self.lead(state)
            };
        }
    }

    /// Syncs every record written so far, without holding the lock, then
    /// wakes everyone.
    fn lead<'a>(&'a self, mut state: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        state.syncing = true;
        state.pending_since = None;
        let target = state.written;
        drop(state);
        let lead = Lead { inner: self };
        let began = Instant::now();
        let result = self.device.sync();
        let mut state = self.lock();
        lead.end(&mut state, target, began, result);
        state
    }

    /// The syncer: records that have waited `linger` with no sync covering
    /// them are synced, until the committer is dropped.
    fn sync_lazily(&self, linger: Duration) {
        let mut state = self.lock();
        loop {
            if state.broken.is_some() || (state.closed && state.pending_since.is_none()) {
                return;
            }
            let due = match state.pending_since {
                Some(since) if !state.syncing => since + linger,
                _ => {
                    state = self
                        .changed
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                    continue;
                }
            };
            let now = Instant::now();
            state = if now < due && !state.closed {
                self.changed
                    .wait_timeout(state, due - now)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            } else {
                self.lead(state)
            };
        }
    }
}

/// The sync a thread leads: whatever happens, even a panic, it ends, and the
/// others are woken.
struct Lead<'a> {
    inner: &'a Inner,
}

impl Lead<'_> {
    fn end(self, state: &mut State, target: u64, began: Instant, result: io::Result<()>) {
        state.syncing = false;
        state.syncs += 1;
        match result {
            Ok(()) => state.durable = state.durable.max(target),
            Err(e) => {
                state.broken.get_or_insert(Broken {
                    kind: e.kind(),
                    message: e.to_string(),
                });
            }
        }
        if state.written > target && state.pending_since.is_none() {
            state.pending_since = Some(began);
        }
        self.inner.changed.notify_all();
        std::mem::forget(self);
    }
}

impl Drop for Lead<'_> {
    /// Only on a panic in the sync: nothing it covered is known durable.
    fn drop(&mut self) {
        let mut state = self.inner.lock();
        state.syncing = false;
        state.broken.get_or_insert(Broken {
            kind: io::ErrorKind::Other,
            message: "the sync of the output was interrupted".into(),
        });
        self.inner.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Barrier;

    /// A device in memory: `written` is the page cache, `disk` what a
    /// sync has made durable.
    #[derive(Default)]
    struct Fake {
        written: Mutex<Vec<u8>>,
        disk: Mutex<Vec<u8>>,
        /// Writes whole records, counted.
        records: AtomicUsize,
        /// Each sync takes this long, so that writers pile up behind it.
        sync_ms: u64,
        /// The first sync waits until this many records are written, then
        /// fails.
        fail_after: Option<usize>,
        /// Syncs begun.
        begun: AtomicUsize,
        /// The first write writes this many bytes, the second fails.
        short_write: Option<usize>,
        writes: AtomicUsize,
    }

    impl Device for Arc<Fake> {
        fn write(&self, bytes: &[u8]) -> io::Result<usize> {
            let mut written = self.written.lock().unwrap_or_else(PoisonError::into_inner);
            let call = self.writes.fetch_add(1, Ordering::Relaxed);
            match (self.short_write, call) {
                // The disk fills up in the middle of the first record.
                (Some(most), 0) => {
                    written.extend_from_slice(&bytes[..most.min(bytes.len())]);
                    Ok(most.min(bytes.len()))
                }
                (Some(_), 1) => Err(io::ErrorKind::StorageFull.into()),
                _ => {
                    written.extend_from_slice(bytes);
                    Ok(bytes.len())
                }
            }
        }

        fn end_record(&self) -> io::Result<()> {
            self.records.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }

        fn sync(&self) -> io::Result<()> {
            if let Some(n) = self.fail_after {
                while self.records.load(Ordering::Relaxed) < n {
                    std::thread::sleep(Duration::from_millis(1));
                }
                return Err(io::Error::other("EIO"));
            }
            let snapshot = self
                .written
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            self.begun.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(self.sync_ms));
            *self.disk.lock().unwrap_or_else(PoisonError::into_inner) = snapshot;
            Ok(())
        }

        fn syncs(&self) -> bool {
            true
        }

        fn error(&self, e: io::Error) -> Error {
            Error::io("cannot write the fake output", e)
        }
    }

    fn committer(fake: &Arc<Fake>) -> Arc<Committer> {
        Arc::new(Committer::new(Box::new(fake.clone()), false, None))
    }

    #[test]
    fn every_waiter_sees_a_sync_that_covers_its_record_and_syncs_are_shared() {
        let fake = Arc::new(Fake {
            sync_ms: 2,
            ..Fake::default()
        });
        let journal = committer(&fake);
        let (threads, each) = (16, 25);
        let start = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (fake, journal, start) = (fake.clone(), journal.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    for i in 0..each {
                        let record = serde_json::json!({"line": t * 1000 + i, "outcome": "ok"});
                        journal.commit(&record).unwrap_or_else(|e| panic!("{e}"));
                        let line =
                            format!("{}\n", serde_json::to_string(&record).unwrap_or_default());
                        let disk = fake
                            .disk
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .clone();
                        assert!(
                            String::from_utf8_lossy(&disk).contains(&line),
                            "committed but not on disk: {line}"
                        );
                    }
                })
            })
            .collect();
        for handle in handles {
            handle
                .join()
                .unwrap_or_else(|_| panic!("a writer panicked"));
        }
        let total = (threads * each) as u64;
        let disk = fake
            .disk
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let text = String::from_utf8_lossy(&disk).into_owned();
        assert_eq!(
            text.lines().count() as u64,
            total,
            "every record, whole, once"
        );
        assert!(text
            .lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()));
        let syncs = journal.syncs();
        assert!(
            syncs >= 1 && syncs < total,
            "{syncs} syncs for {total} records"
        );
    }

    #[test]
    fn a_failed_sync_fails_every_waiter_and_every_later_record() {
        let waiters = 8;
        let fake = Arc::new(Fake {
            fail_after: Some(waiters),
            ..Fake::default()
        });
        let journal = committer(&fake);
        let handles: Vec<_> = (0..waiters)
            .map(|t| {
                let journal = journal.clone();
                std::thread::spawn(move || journal.commit(&serde_json::json!({"line": t})))
            })
            .collect();
        for handle in handles {
            let result = handle
                .join()
                .unwrap_or_else(|_| panic!("a writer panicked"));
            assert!(
                matches!(&result, Err(Error::Io { source, .. }) if source.to_string().contains("EIO")),
                "{result:?}"
            );
        }
        assert_eq!(journal.syncs(), 1, "one sync, shared by all");
        assert!(journal.commit(&serde_json::json!({"line": 99})).is_err());
        assert!(fake
            .disk
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty());
    }

    #[test]
    fn a_ticket_already_covered_waits_for_nothing_and_writes_go_on_during_a_sync() {
        let fake = Arc::new(Fake {
            sync_ms: 50,
            ..Fake::default()
        });
        let journal = committer(&fake);
        let first = journal
            .write(&serde_json::json!({"line": 1}))
            .unwrap_or_else(|e| panic!("{e}"));
        let leader = {
            let journal = journal.clone();
            std::thread::spawn(move || journal.wait(first))
        };
        // Written once the leader syncs: not covered by that sync.
        while fake.begun.load(Ordering::Relaxed) == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
        let second = journal
            .write(&serde_json::json!({"line": 2}))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(leader.join().is_ok_and(|r| r.is_ok()));
        journal.wait(second).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(journal.syncs(), 2);
        journal.wait(first).unwrap_or_else(|e| panic!("{e}"));
        journal.wait(second).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(journal.syncs(), 2, "nothing new to sync");
        assert_eq!(
            String::from_utf8_lossy(&fake.disk.lock().unwrap_or_else(PoisonError::into_inner)),
            "{\"line\":1}\n{\"line\":2}\n"
        );
    }

    #[test]
    fn records_no_one_waits_for_are_synced_after_the_linger() {
        let fake = Arc::new(Fake::default());
        let journal = Committer::new(
            Box::new(fake.clone()),
            false,
            Some(Duration::from_millis(5)),
        );
        let ticket = journal
            .write(&serde_json::json!({"line": 1}))
            .unwrap_or_else(|e| panic!("{e}"));
        let began = Instant::now();
        while !journal.is_durable(ticket).unwrap_or_else(|e| panic!("{e}")) {
            assert!(began.elapsed() < Duration::from_secs(20), "never synced");
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(journal.syncs(), 1);
        // Dropping the committer syncs what is left, then ends the syncer.
        let last = journal
            .write(&serde_json::json!({"line": 2}))
            .unwrap_or_else(|e| panic!("{e}"));
        let _ = last;
        drop(journal);
        assert_eq!(
            String::from_utf8_lossy(&fake.disk.lock().unwrap_or_else(PoisonError::into_inner)),
            "{\"line\":1}\n{\"line\":2}\n"
        );
    }

    #[test]
    fn a_torn_write_puts_the_next_record_on_its_own_line() {
        let fake = Arc::new(Fake {
            short_write: Some(5),
            ..Fake::default()
        });
        let journal = committer(&fake);
        assert!(journal.write(&serde_json::json!({"line": 1})).is_err());
        journal
            .commit(&serde_json::json!({"line": 2}))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            String::from_utf8_lossy(&fake.disk.lock().unwrap_or_else(PoisonError::into_inner)),
            "{\"lin\n{\"line\":2}\n"
        );
    }
}
