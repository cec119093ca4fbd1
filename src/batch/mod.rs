//! Many sites in one run: a fixed pool of workers sharing one token and one
//! connection pool, an optional global rate, and a journal that makes the
//! run safe to kill and resume.
//!
//! Every input line ends with exactly one final record in the output. A
//! line that was started but has no final record (the process was killed
//! while its request was out) is in doubt: on resume, the site's status is
//! read first, and a line whose work is already done is recorded `ok`
//! without sending it again.

mod csv;
mod input;
mod journal;

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub use input::{parse, Action, BadLine, Format, Job, Line};
pub use journal::{Journal, Previous};

use crate::api::status::Status;
use crate::error::Error;
use crate::session::Session;
use crate::site::SiteRef;
use crate::trace::TraceEvent;

/// How a batch runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Worker threads (requests in flight at once).
    pub concurrency: usize,
    /// Most requests started per second, over all workers.
    pub rate: Option<f64>,
    /// Stop starting new lines after the first that is not `ok`.
    pub fail_fast: bool,
}

/// Live counts of a batch, for a progress display on another thread.
#[derive(Debug, Default)]
pub struct Counts {
    /// Lines in the input.
    pub total: AtomicU64,
    /// Lines with a final record, this run or an earlier one.
    pub done: AtomicU64,
    /// Final `ok`.
    pub ok: AtomicU64,
    /// Final `refused`: the API said no.
    pub refused: AtomicU64,
    /// Final `invalid`: the input line could not be sent.
    pub invalid: AtomicU64,
    /// Final `failed` (no usable answer).
    pub failed: AtomicU64,
    /// Requests sent by this run.
    pub sent: AtomicU64,
}

impl Counts {
    fn add(&self, outcome: &str) {
        self.done.fetch_add(1, Ordering::Relaxed);
        let counter = match outcome {
            "ok" => &self.ok,
            "refused" => &self.refused,
            "invalid" => &self.invalid,
            _ => &self.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether every line ended `ok`.
    pub fn all_ok(&self) -> bool {
        let total = self.total.load(Ordering::Relaxed);
        self.ok.load(Ordering::Relaxed) == total && self.done.load(Ordering::Relaxed) == total
    }
}

/// Runs a batch: `lines` to send, `bad` lines to record as `invalid`,
/// `previous` what an earlier run finished. Returns when every line has a
/// final record (or, with `fail_fast`, after the first failure), or at the
/// first output error.
pub fn run(
    session: &Session,
    lines: Vec<Line>,
    bad: Vec<BadLine>,
    previous: &Previous,
    journal: Journal,
    options: &Options,
    counts: &Counts,
) -> Result<(), Error> {
    counts
        .total
        .store((lines.len() + bad.len()) as u64, Ordering::Relaxed);
    let journal = Mutex::new(journal);
    let write = |record: &Record| {
        journal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .append(record)
    };
    for line in &bad {
        if let Some(done) = previous.finished.get(&line.number) {
            counts.add(outcome_of(done));
            continue;
        }
        let error = json!({"error_code": "invalid_input", "error_message": line.message});
        let record = Record {
            line: line.number,
            site: None,
            outcome: "invalid",
            attempts: None,
            answer: None,
            error: Some(error),
        };
        write(&record)?;
        counts.add("invalid");
    }
    let mut todo = Vec::new();
    for line in lines {
        match previous.finished.get(&line.number) {
            Some(done) => counts.add(outcome_of(done)),
            None => todo.push(line),
        }
    }
    let queue = Mutex::new(todo.into_iter());
    let pacer = options.rate.filter(|r| *r > 0.0).map(Pacer::new);
    let stop = AtomicBool::new(false);
    let first_error = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..options.concurrency.max(1) {
            scope.spawn(|| {
                let worker = Worker::new(session);
                while !stop.load(Ordering::Relaxed) {
                    let next = queue.lock().unwrap_or_else(PoisonError::into_inner).next();
                    let Some(line) = next else { break };
                    let in_doubt = previous.started.contains(&line.number);
                    let result = worker.process(&line, in_doubt, pacer.as_ref(), counts, &write);
                    match result {
                        Ok(outcome) if outcome != "ok" && options.fail_fast => {
                            stop.store(true, Ordering::Relaxed)
                        }
                        Ok(_) => {}
                        Err(e) => {
                            stop.store(true, Ordering::Relaxed);
                            first_error
                                .lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .get_or_insert(e);
                        }
                    }
                }
            });
        }
    });
    match first_error
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
    {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// One line of the output, its keys in reading order.
#[derive(serde::Serialize)]
pub(crate) struct Record<'a> {
    line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    site: Option<&'a str>,
    outcome: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    answer: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Value>,
}

fn outcome_of(record: &Value) -> &str {
    record
        .get("outcome")
        .and_then(Value::as_str)
        .unwrap_or("failed")
}

/// One worker: the shared session, and its own view of the client whose
/// trace counts this worker's attempts.
struct Worker<'a> {
    session: &'a Session,
    client: crate::client::Client,
    attempts: Arc<AtomicU32>,
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
        }
    }

    /// Sends one line (or settles it from the site's status when in doubt)
    /// and records its outcome. Errors are output errors only.
    fn process(
        &self,
        line: &Line,
        in_doubt: bool,
        pacer: Option<&Pacer>,
        counts: &Counts,
        write: &impl Fn(&Record) -> Result<(), Error>,
    ) -> Result<String, Error> {
        let site = Some(line.site.as_str());
        let started = Record {
            line: line.number,
            site,
            outcome: "started",
            attempts: None,
            answer: None,
            error: None,
        };
        write(&started)?;
        if in_doubt {
            if let Some(status) = self.already_done(line) {
                let answer = Some(json!({"settled_by_status": status}));
                let record = Record {
                    line: line.number,
                    site,
                    outcome: "ok",
                    attempts: Some(0),
                    answer,
                    error: None,
                };
                write(&record)?;
                counts.add("ok");
                return Ok("ok".into());
            }
        }
        if let Some(pacer) = pacer {
            pacer.wait();
        }
        self.attempts.store(0, Ordering::Relaxed);
        counts.sent.fetch_add(1, Ordering::Relaxed);
        let result = match &line.job {
            Job::Provision(p) => self
                .session
                .call(|_, token| self.client.provision(token, p))
                .and_then(|a| {
                    serde_json::to_value(a).map_err(|e| Error::InvalidInput(e.to_string()))
                }),
            Job::Cancel(c) => self
                .session
                .call(|_, token| self.client.cancel(token, c))
                .and_then(|outcome| outcome.cancelled(c.site()))
                .and_then(|a| {
                    serde_json::to_value(a).map_err(|e| Error::InvalidInput(e.to_string()))
                }),
        };
        let attempts = self.attempts.load(Ordering::Relaxed);
        let record = match result {
            Ok(answer) => Record {
                line: line.number,
                site,
                outcome: "ok",
                attempts: Some(attempts),
                answer: Some(answer),
                error: None,
            },
            Err(e) => {
                let outcome = if matches!(e, Error::Api(_) | Error::InvalidInput(_)) {
                    "refused"
                } else {
                    "failed"
                };
                let message = match &e {
                    Error::Api(api) if !api.message.is_empty() => api.message.clone(),
                    other => other.to_string(),
                };
                let error = json!({"error_code": e.code(), "error_message": message, "http_status": e.http_status()});
                Record {
                    line: line.number,
                    site,
                    outcome,
                    attempts: Some(attempts),
                    answer: None,
                    error: Some(error),
                }
            }
        };
        write(&record)?;
        counts.add(record.outcome);
        Ok(record.outcome.to_owned())
    }

    /// For a line in doubt: the site's status, when it shows the line's
    /// work done by this partner.
    fn already_done(&self, line: &Line) -> Option<Value> {
        let site = SiteRef::parse(&line.site).ok()?;
        let status: Status = self
            .session
            .call(|_, token| self.client.status(token, &site))
            .ok()?;
        let ours = |slug: &str| {
            status
                .products
                .iter()
                .any(|p| p.slug == slug && p.is_provisioned_by_calling_partner)
        };
        let done = match &line.job {
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
        done.then(|| serde_json::to_value(&status).unwrap_or_default())
    }
}

/// The `jetpack-plans` family, which a cancel without `plan` targets.
fn is_plan(slug: &str) -> bool {
    matches!(
        slug,
        "free" | "personal" | "premium" | "professional" | "complete"
    )
}

/// Spaces request starts evenly: at most `rate` per second over all workers.
struct Pacer {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Pacer {
    fn new(rate: f64) -> Pacer {
        Pacer {
            interval: Duration::from_secs_f64(1.0 / rate),
            next: Mutex::new(Instant::now()),
        }
    }

    fn wait(&self) {
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
