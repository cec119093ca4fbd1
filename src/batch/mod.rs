//! Many sites in one run: a fixed pool of workers sharing one token and one
//! connection pool, an optional global rate, and a journal that makes the
//! run safe to kill and resume.
//!
//! The input is read a line at a time (and once before, to check every
//! line): memory does not grow with the number of sites.
//!
//! Every input line ends with exactly one final record in the output. A
//! line that was started but has no final record (the process was killed
//! while its request was out, or before it was sent) is in doubt. Its `started` record carries
//! when it started and the line's time budget: no request of that attempt
//! can reach the API after both have passed. On resume, the site's status
//! is read; a line whose work is done is recorded `ok` without sending it
//! again; one whose earlier attempt could still arrive is waited for, and
//! its status read again, before it is sent. A line whose status cannot be
//! read stays in doubt for the next resume.
//!
//! The journal's records are synced by group commit (see `commit`): a
//! `started` record is durable before its request is sent, a final record
//! before its line is counted, and one sync covers every record written
//! before it began. So that a request seldom waits for a sync, a worker
//! writes the started records of lines waiting in the queue (as many in
//! all as there are workers) before it sends its own line; a thread syncs
//! them while the requests are out.

mod commit;
mod csv;
pub mod health;
mod input;
mod journal;
pub(crate) mod pool;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::value::RawValue;
use serde_json::{json, Value};

/// A JSON object with each key once; the monitor reads its bodies so too.
pub(crate) use input::UniqueObject;
pub(crate) use input::{provision_request, PROVISION_FIELDS};
pub use input::{Action, BadLine, Checked, Format, Input, Job, Line, Row, Rows};
pub use journal::{Damaged, Found, Journal, Outcome, Previous, Started};

use self::commit::{Committer, Ticket};
use self::pool::{Queue, Stop};
use crate::api::status::{Status, StatusAnswer};
use crate::error::{ApiErrorCode, Error};
use crate::session::Session;
use crate::site::SiteRef;
use crate::trace::TraceEvent;

/// Margin past a started line's budget before its earlier attempt is taken
/// as unable to arrive: clock granularity, and the last bytes in flight.
pub(crate) const SETTLE_MARGIN_MS: u64 = 1000;

/// How long a journal file's records may wait for a sync when no one waits
/// for them yet: records started ahead are then durable well before their
/// requests go out, and one sync covers many.
const LINGER: Duration = Duration::from_millis(2);

/// A line started ahead whose started record is older than this is started
/// again when its turn comes: a tenth of its budget, and at most a second,
/// is all that waiting may take from it.
fn stale_after(budget: Duration) -> Duration {
    (budget / 10).min(Duration::from_secs(1))
}

/// Slowest rate accepted: one request a day.
const SLOWEST_INTERVAL: Duration = Duration::from_secs(86_400);

/// How a batch runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Worker threads (requests in flight at once).
    pub concurrency: usize,
    /// Most requests started per second, over all workers.
    pub rate: Option<f64>,
    /// Stop starting new lines after the first that is not `ok`.
    pub fail_fast: bool,
    /// Send again the lines an earlier run recorded `failed` (the API was
    /// down), after the same check as a line in doubt.
    pub retry_failed: bool,
}

/// Live counts of a batch, for a progress display on another thread.
#[derive(Debug, Default)]
pub struct Counts {
    total: AtomicU64,
    done: AtomicU64,
    ok: AtomicU64,
    refused: AtomicU64,
    invalid: AtomicU64,
    failed: AtomicU64,
    in_doubt: AtomicU64,
    sent: AtomicU64,
}

/// The counts of a batch at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Lines in the input.
    pub total: u64,
    /// Lines with a final record, this run or an earlier one.
    pub done: u64,
    /// Final `ok`.
    pub ok: u64,
    /// Final `refused`: the API said no.
    pub refused: u64,
    /// Final `invalid`: the input line could not be sent.
    pub invalid: u64,
    /// Final `failed` (no usable answer).
    pub failed: u64,
    /// Left in doubt: started by an earlier run, and whether that attempt
    /// went through could not be read now.
    pub in_doubt: u64,
    /// Requests sent by this run.
    pub sent: u64,
}

impl Tally {
    /// Whether every line ended `ok`.
    pub fn all_ok(&self) -> bool {
        self.ok == self.total && self.done == self.total
    }
}

impl Counts {
    /// Counts for an input of `total` lines (see [`Checked::lines`]).
    pub fn new(total: u64) -> Counts {
        Counts {
            total: AtomicU64::new(total),
            ..Counts::default()
        }
    }

    /// The counts now.
    pub fn tally(&self) -> Tally {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Tally {
            total: load(&self.total),
            done: load(&self.done),
            ok: load(&self.ok),
            refused: load(&self.refused),
            invalid: load(&self.invalid),
            failed: load(&self.failed),
            in_doubt: load(&self.in_doubt),
            sent: load(&self.sent),
        }
    }

    fn add(&self, outcome: Outcome) {
        let counter = match outcome {
            Outcome::Ok => &self.ok,
            Outcome::Refused => &self.refused,
            Outcome::Invalid => &self.invalid,
            Outcome::Failed => &self.failed,
            Outcome::Started => {
                self.in_doubt.fetch_add(1, Ordering::Relaxed);
                return;
            }
            // Only `reconcile` records it: done, and not ok.
            Outcome::Changed => {
                self.done.fetch_add(1, Ordering::Relaxed);
                return;
            }
        };
        self.done.fetch_add(1, Ordering::Relaxed);
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Checks options before anything is sent.
pub(crate) fn pacer(options: &Options) -> Result<Option<Pacer>, Error> {
    let Some(rate) = options.rate else {
        return Ok(None);
    };
    let interval = Duration::try_from_secs_f64(1.0 / rate)
        .ok()
        .filter(|i| rate.is_finite() && rate > 0.0 && *i <= SLOWEST_INTERVAL);
    match interval {
        Some(interval) => Ok(Some(Pacer::new(interval))),
        None => Err(Error::InvalidInput(format!(
            "the rate {rate} per second is not a rate from one request a day up"
        ))),
    }
}

/// Runs a batch over `input` (checked with [`Input::check`] first, and
/// its line count given to [`Counts::new`]), given
/// what an earlier run finished (`previous`). Returns when every line has a
/// final record or is left in doubt (or, with `fail_fast`, after the first
/// failure), or at the first output error. If the input no longer matches
/// the journal (a line names another site than its records do), nothing is
/// sent.
pub fn run(
    session: &Session,
    input: &mut Input,
    previous: &Previous,
    journal: Journal,
    options: &Options,
    counts: &Counts,
) -> Result<(), Error> {
    let pacer = pacer(options)?;
    if previous.has_records() {
        same_input(input, previous)?;
    }
    let journal = journal.into_committer(LINGER);
    let write = |record: &Record| journal.commit(record);
    let workers = options.concurrency.max(1);
    let (queue, todo) = pool::queue::<Line>(workers);
    let source = Source {
        todo,
        ahead: Mutex::new(VecDeque::new()),
        idle: AtomicUsize::new(0),
        // Lines are started ahead, as many as there are workers, so that
        // their started records are synced while other requests are out,
        // even when a sync takes a few milliseconds on a busy disk; but not
        // under a rate (the start of a line waits its turn), nor with
        // --fail-fast (a line started ahead and never sent after the stop
        // would be left in doubt).
        lookahead: if pacer.is_some() || options.fail_fast {
            0
        } else {
            workers
        },
    };
    let stop = Stop::new();
    let in_doubt = |line: &Line| {
        previous.in_doubt(line.number).or_else(|| {
            options
                .retry_failed
                .then(|| previous.failed_attempt(line.number))
                .flatten()
        })
    };
    let work = || {
        let mut worker = Worker::new(session);
        let budget = worker.client.timeout();
        let top_up = || {
            if !stop.is_set() {
                source.top_up(&journal, budget, |line| in_doubt(line).is_none());
            }
        };
        while let Some(next) = source.next() {
            // After a stop the queue is drained, so that the reader of the
            // input, which may be waiting to hand on a line, sees the stop
            // instead of waiting for ever. A line started ahead and drained
            // is left in doubt.
            if stop.is_set() {
                continue;
            }
            let doubt = in_doubt(&next.line);
            match worker.process(next, doubt, pacer.as_ref(), counts, &journal, &top_up) {
                Ok(outcome) if outcome != Outcome::Ok && options.fail_fast => stop.set(),
                Ok(_) => {}
                Err(e) => stop.fail(e),
            }
        }
        if let Err(e) = worker.finish_all(&journal, counts) {
            stop.fail(e);
        }
    };
    pool::run(workers, &stop, queue, work, |send| {
        dispatch(input, previous, options, counts, &stop, &write, send)
    });
    stop.into_result()
}

/// A line for a worker, and its started record if it was started ahead.
struct Next {
    line: Line,
    early: Option<Early>,
}

/// A started record written ahead of its line's turn.
struct Early {
    ticket: Ticket,
    /// When it was written: the line's budget counts from then.
    begun: Instant,
}

/// Where the workers of a batch take their lines: first those started
/// ahead, then the queue the reader of the input fills.
struct Source {
    todo: Queue<Line>,
    ahead: Mutex<VecDeque<Next>>,
    /// Workers waiting for a line: while any is, nothing is started ahead.
    idle: AtomicUsize,
    /// Most lines started ahead at once.
    lookahead: usize,
}

impl Source {
    /// The next line to send; `None` once the input is done.
    fn next(&self) -> Option<Next> {
        let ahead = || {
            self.ahead
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop_front()
        };
        if let Some(next) = ahead() {
            return Some(next);
        }
        self.idle.fetch_add(1, Ordering::Relaxed);
        let line = self.todo.next();
        self.idle.fetch_sub(1, Ordering::Relaxed);
        match line {
            Some(line) => Some(Next { line, early: None }),
            None => ahead(),
        }
    }

    /// Writes the started records of the next lines in the queue, if
    /// no worker is waiting for a line (it would take them at once). They
    /// are synced while other requests are out. A line that `fresh` says
    /// needs a look first (in doubt) is taken along unstarted.
    fn top_up(&self, journal: &Committer, budget: Duration, fresh: impl Fn(&Line) -> bool) {
        let mut ahead = self.ahead.lock().unwrap_or_else(PoisonError::into_inner);
        while ahead.len() < self.lookahead && self.idle.load(Ordering::Relaxed) == 0 {
            let Some(line) = self.todo.try_next() else {
                return;
            };
            if !fresh(&line) {
                ahead.push_back(Next { line, early: None });
                continue;
            }
            let (at, begun) = (SystemTime::now(), Instant::now());
            match journal.write(&started_record(&line, at, budget)) {
                Ok(ticket) => ahead.push_back(Next {
                    line,
                    early: Some(Early { ticket, begun }),
                }),
                // Its worker writes it again, and meets the error itself.
                Err(_) => {
                    ahead.push_back(Next { line, early: None });
                    return;
                }
            }
        }
    }
}

/// The plan a line's records name, if any.
fn plan_of(line: &Line) -> Option<&str> {
    match &line.job {
        Job::Provision(p) => Some(p.plan()),
        Job::Cancel(c) => c.plan_slug(),
        Job::Read(_) => None,
    }
}

/// A line's `started` record: written `at`, its requests ending within
/// `budget`.
fn started_record(line: &Line, at: SystemTime, budget: Duration) -> Record<'_> {
    Record {
        at: Some(unix_ms(at)),
        budget_ms: Some(u64::try_from(budget.as_millis()).unwrap_or(u64::MAX)),
        plan: plan_of(line),
        ..Record::new(line.number, Some(line.site.as_str()), Outcome::Started)
    }
}

/// Reads the input a line at a time: lines an earlier run finished are
/// counted, bad lines recorded `invalid`, the others handed to `send`.
fn dispatch(
    input: &mut Input,
    previous: &Previous,
    options: &Options,
    counts: &Counts,
    stop: &Stop,
    write: &impl Fn(&Record) -> Result<(), Error>,
    send: impl Fn(Line) -> bool,
) -> Result<(), Error> {
    for row in input.rows()? {
        let row = row?;
        let number = match &row {
            Row::Good(line) => line.number,
            Row::Bad(line) => line.number,
        };
        match previous.finished(number) {
            Some(Outcome::Failed) if options.retry_failed => {}
            Some(done) => {
                counts.add(done);
                continue;
            }
            None => {}
        }
        if stop.is_set() {
            continue;
        }
        match row {
            Row::Good(line) => {
                if !send(line) {
                    break;
                }
            }
            Row::Bad(line) => {
                let error = json!({"error_code": "invalid_input", "error_message": line.message});
                write(&Record {
                    error: Some(error),
                    ..Record::new(line.number, line.site.as_deref(), Outcome::Invalid)
                })?;
                counts.add(Outcome::Invalid);
            }
        }
    }
    Ok(())
}

/// Refuses an input that is not the one the journal was written for: a
/// line that names another site than its records.
fn same_input(input: &mut Input, previous: &Previous) -> Result<(), Error> {
    for row in input.rows()? {
        if let Row::Good(line) = row? {
            if !previous.same_site(line.number, &line.site) {
                return Err(Error::InvalidInput(format!(
                    "line {} of the input is site {}, but the journal recorded another site                      for that line: the input changed since the journal was started; nothing                      was sent. Resume with the input the journal was made from, or start a                      new output file",
                    line.number, line.site
                )));
            }
        }
    }
    Ok(())
}

/// One line of the output, its keys in reading order.
#[derive(serde::Serialize)]
pub(crate) struct Record<'a> {
    line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    site: Option<&'a str>,
    outcome: Outcome,
    /// `started`: when, in milliseconds since the Unix epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    at: Option<u64>,
    /// `started`: the line's whole time budget.
    #[serde(skip_serializing_if = "Option::is_none")]
    budget_ms: Option<u64>,
    /// Provision lines: the plan, so that a journal can be read back as
    /// the input of `batch cancel`.
    #[serde(skip_serializing_if = "Option::is_none")]
    plan: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attempts: Option<u32>,
    /// The API's answer as it came (keys in their order, escapes kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    answer: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Value>,
}

impl<'a> Record<'a> {
    fn new(line: usize, site: Option<&'a str>, outcome: Outcome) -> Self {
        Record {
            line,
            site,
            outcome,
            at: None,
            budget_ms: None,
            plan: None,
            attempts: None,
            answer: None,
            error: None,
        }
    }
}

/// A value as JSON text for a record.
pub(crate) fn raw(value: &impl serde::Serialize) -> Option<Box<RawValue>> {
    serde_json::value::to_raw_value(value).ok()
}

/// JSON text that came from the API, kept as it is.
pub(crate) fn raw_text(text: &str) -> Option<Box<RawValue>> {
    RawValue::from_string(text.to_owned()).ok()
}

pub(crate) fn unix_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// One worker: the shared session, and its own view of the client whose
/// trace counts this worker's attempts (after the client's own trace).
struct Worker<'a> {
    session: &'a Session,
    client: crate::client::Client,
    attempts: Arc<AtomicU32>,
    /// Final records of this worker's lines written but not yet known to
    /// be durable, and so not yet counted, oldest first.
    unsynced: Vec<(Ticket, Outcome)>,
}

/// What the status of a line in doubt says.
enum Settled {
    /// Its work is done: the status, to record.
    Done(Value),
    /// Not done, and its earlier attempt can no longer arrive: send it.
    NotDone,
}

impl<'a> Worker<'a> {
    fn new(session: &'a Session) -> Self {
        let attempts = Arc::new(AtomicU32::new(0));
        let seen = attempts.clone();
        let client = session.client().with_trace(move |event| {
            if matches!(event, TraceEvent::Request { .. } | TraceEvent::Retry { .. }) {
                seen.fetch_add(1, Ordering::Relaxed);
            }
        });
        Worker {
            session,
            client,
            attempts,
            unsynced: Vec::new(),
        }
    }

    /// Counts the final records of this worker's lines that are durable
    /// by now: nothing is reported before it is on disk.
    fn count_synced(&mut self, journal: &Committer, counts: &Counts) -> Result<(), Error> {
        let mut synced = 0;
        for &(ticket, outcome) in &self.unsynced {
            if !journal.is_durable(ticket)? {
                break;
            }
            counts.add(outcome);
            synced += 1;
        }
        self.unsynced.drain(..synced);
        Ok(())
    }

    /// Waits until every final record of this worker's lines is durable,
    /// and counts them.
    fn finish_all(&mut self, journal: &Committer, counts: &Counts) -> Result<(), Error> {
        if let Some(&(last, _)) = self.unsynced.last() {
            journal.wait(last)?;
        }
        self.count_synced(journal, counts)
    }

    /// Sends one line (or settles it from the site's status when in doubt)
    /// and records its outcome. Errors stop the run: output errors, and a
    /// refusal of the partner's credentials (see [`is_credential_failure`]).
    /// A line in doubt whose status cannot be read gives `Started`: it
    /// stays in doubt.
    ///
    /// The line's `started` record (written ahead, or now) is durable
    /// before its request is sent; `top_up` starts the next lines ahead
    /// meanwhile. Its final record is written, and counted once durable
    /// (see [`Worker::count_synced`]).
    fn process(
        &mut self,
        next: Next,
        in_doubt: Option<Started>,
        pacer: Option<&Pacer>,
        counts: &Counts,
        journal: &Committer,
        top_up: &dyn Fn(),
    ) -> Result<Outcome, Error> {
        let line = &next.line;
        let site = Some(line.site.as_str());
        let plan = plan_of(line);
        let record = |outcome| Record {
            plan,
            ..Record::new(line.number, site, outcome)
        };
        // Before a wait that may be long, the final records of earlier
        // lines are made durable and counted rather than left waiting.
        if in_doubt.is_some() || pacer.is_some() {
            self.finish_all(journal, counts)?;
        }
        if let Some(started) = in_doubt {
            match self.settle(line, started) {
                Ok(Settled::Done(status)) => {
                    journal.commit(&Record {
                        attempts: Some(0),
                        answer: raw(&json!({"settled_by_status": status})),
                        ..record(Outcome::Ok)
                    })?;
                    counts.add(Outcome::Ok);
                    return Ok(Outcome::Ok);
                }
                Ok(Settled::NotDone) => {}
                Err(e) => {
                    self.client.note(format!(
                        "line {} ({}) stays in doubt: its status could not be read ({});                          nothing was sent",
                        line.number,
                        line.site,
                        e.code()
                    ));
                    counts.add(Outcome::Started);
                    return Ok(Outcome::Started);
                }
            }
        }
        let budget = self.client.timeout();
        // A line started ahead keeps its started record unless that has
        // eaten too much of its budget (a slow request before it).
        let early = next
            .early
            .filter(|e| in_doubt.is_none() && e.begun.elapsed() < stale_after(budget));
        let (started, deadline) = match early {
            Some(early) => (early.ticket, early.begun + budget),
            None => {
                if let Some(pacer) = pacer {
                    pacer.wait();
                }
                let (at, deadline) = (SystemTime::now(), Instant::now() + budget);
                (journal.write(&started_record(line, at, budget))?, deadline)
            }
        };
        top_up();
        // Durable before the request goes out.
        journal.wait(started)?;
        self.count_synced(journal, counts)?;
        // Every request of this line ends within its budget from `at`:
        // that is what lets a resume know when an attempt cut short by a
        // crash can no longer arrive.
        let client = self.client.with_deadline(deadline);
        self.attempts.store(0, Ordering::Relaxed);
        counts.sent.fetch_add(1, Ordering::Relaxed);
        let result = match &line.job {
            Job::Provision(p) => self
                .session
                .send_via(&client, p.as_ref())
                .map(|a| a.raw.get().map_or_else(|| raw(&a), raw_text)),
            Job::Cancel(c) => self
                .session
                .send_via(&client, c)
                .and_then(|outcome| outcome.cancelled(c.site()))
                .map(|a| a.raw.get().map_or_else(|| raw(&a), raw_text)),
            Job::Read(_) => Err(read_only()),
        };
        let attempts = Some(self.attempts.load(Ordering::Relaxed));
        let result = match result {
            // Every line would fail the same way: stop, and record nothing
            // final, so the batch resumes once the credentials are fixed.
            Err(e) if is_credential_failure(&e) => return Err(e),
            other => other,
        };
        let record = match result {
            Ok(answer) => Record {
                attempts,
                answer,
                ..record(Outcome::Ok)
            },
            Err(e) => {
                let outcome = if matches!(e, Error::Api(_) | Error::InvalidInput(_)) {
                    Outcome::Refused
                } else {
                    Outcome::Failed
                };
                let message = match &e {
                    Error::Api(api) if !api.message.is_empty() => api.message.clone(),
                    other => other.to_string(),
                };
                let error = json!({"error_code": e.code(), "error_message": message, "http_status": e.http_status()});
                Record {
                    attempts,
                    error: Some(error),
                    ..record(outcome)
                }
            }
        };
        self.unsynced
            .push((journal.write(&record)?, record.outcome));
        Ok(record.outcome)
    }

    /// For a line in doubt: whether the site's status shows its work done;
    /// if not, and its earlier attempt could still arrive, waits until it
    /// cannot and reads the status once more.
    fn settle(&self, line: &Line, started: Started) -> Result<Settled, Error> {
        if let Some(status) = self.already_done(line)? {
            return Ok(Settled::Done(status));
        }
        let until = started.settled_after_ms().saturating_add(SETTLE_MARGIN_MS);
        let now = unix_ms(SystemTime::now());
        if now >= until {
            return Ok(Settled::NotDone);
        }
        // A clock set back since the start must not make this wait longer
        // than the attempt itself could have lasted.
        let longest = started.budget_ms.saturating_add(SETTLE_MARGIN_MS);
        let wait = (until - now).min(longest);
        self.client.note(format!(
            "line {} ({}) is in doubt and not done yet: waiting {:.1} s until its earlier              attempt can no longer arrive",
            line.number,
            line.site,
            wait as f64 / 1000.0
        ));
        std::thread::sleep(Duration::from_millis(wait));
        Ok(match self.already_done(line)? {
            Some(status) => Settled::Done(status),
            None => Settled::NotDone,
        })
    }

    /// The site's status, when it shows the line's work done by this
    /// partner; `None` when it shows it not done.
    fn already_done(&self, line: &Line) -> Result<Option<Value>, Error> {
        let site = SiteRef::parse(&line.site)?;
        let status = match self.session.send_via(&self.client, &Status::new(site)) {
            // The API knows no such site: nothing was provisioned for it.
            Err(Error::Api(e)) if e.code == ApiErrorCode::InvalidBlog => StatusAnswer::default(),
            other => other?,
        };
        let ours = |slug: &str| {
            status
                .products
                .iter()
                .any(|p| p.slug == slug && p.is_provisioned_by_calling_partner)
        };
        let done = match &line.job {
            Job::Read(_) => return Err(read_only()),
            Job::Provision(p) => ours(p.plan()),
            Job::Cancel(c) => match c.plan_slug() {
                Some(plan) => !ours(plan),
                None if c.is_cancel_all() => !status
                    .products
                    .iter()
                    .any(|p| p.is_provisioned_by_calling_partner),
                None => !status
                    .products
                    .iter()
                    .any(|p| is_plan(&p.slug) && p.is_provisioned_by_calling_partner),
            },
        };
        Ok(done.then(|| serde_json::to_value(&status).unwrap_or_default()))
    }
}

/// A line that only reads has no place in a journal's batch: it is read by
/// [`health::run`].
fn read_only() -> Error {
    Error::InvalidInput(
        "a site to read is checked by batch backups or batch scan, not sent in a batch".into(),
    )
}

/// A refusal that says the partner's credentials or key are no good, not
/// that one site's request is: the token grant's, or a token or key the API
/// will not take.
pub fn is_credential_failure(e: &Error) -> bool {
    e.api_code()
        .is_some_and(ApiErrorCode::is_credential_refused)
}

/// The `jetpack-plans` family, which a cancel without `plan` targets.
fn is_plan(slug: &str) -> bool {
    matches!(
        slug,
        "free" | "personal" | "premium" | "professional" | "complete"
    )
}

/// Spaces request starts evenly: at most `rate` per second over all workers.
pub(crate) struct Pacer {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Pacer {
    fn new(interval: Duration) -> Pacer {
        Pacer {
            interval,
            next: Mutex::new(Instant::now()),
        }
    }

    pub(crate) fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot
        };
        std::thread::sleep(slot.saturating_duration_since(Instant::now()));
    }
}
