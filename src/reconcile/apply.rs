//! Applying a plan through the batch journal: the same records (`started`
//! written and synced before a site's first request, one final record
//! after), the same lock, the same resume and the same rules for a site in
//! doubt, in a journal whose header says `reconcile`.
//!
//! Just before acting on a site its decision is computed again. If it is
//! no longer the plan's, the site is recorded `changed` and nothing is
//! sent: the plan is stale, as Terraform refuses a stale plan. A site in
//! doubt (started by a killed run, no final record) is settled by its
//! decision: if nothing is left to do it is recorded `ok` without a
//! request; if something is, resume waits until the earlier attempt can no
//! longer arrive, decides again, and sends only what is left of the
//! planned action.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::{look, Action, Decision, Desired, Entry, Looked, Options, PlanRow, Want};
use crate::api::cancel::Cancel;
use crate::batch::pool::{self, Stop};
use crate::batch::{
    is_credential_failure, pacer, raw, raw_text, unix_ms, Journal, Outcome, Pacer, Previous,
    Started, SETTLE_MARGIN_MS,
};
use crate::client::Client;
use crate::error::Error;
use crate::session::Session;
use crate::site::SiteRef;
use crate::trace::TraceEvent;

/// Live counts of an apply.
#[derive(Debug, Default)]
pub struct ApplyCounts {
    total: AtomicU64,
    done: AtomicU64,
    ok: AtomicU64,
    refused: AtomicU64,
    failed: AtomicU64,
    changed: AtomicU64,
    in_doubt: AtomicU64,
    sent: AtomicU64,
    reads: AtomicU64,
}

/// The counts of an apply at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApplyTally {
    /// Sites to act on (with those an earlier run finished).
    pub total: u64,
    /// Sites with a final record, this run or an earlier one.
    pub done: u64,
    /// Final `ok`.
    pub ok: u64,
    /// Final `refused`: the API said no.
    pub refused: u64,
    /// Final `failed`: no usable answer.
    pub failed: u64,
    /// Final `changed`: the decision was no longer the plan's.
    pub changed: u64,
    /// Left in doubt: their status could not be read.
    pub in_doubt: u64,
    /// Requests that change something, sent by this run.
    pub sent: u64,
    /// Status and upgrade-paths reads of this run.
    pub reads: u64,
}

impl ApplyTally {
    /// Whether every site ended `ok`.
    pub fn all_ok(&self) -> bool {
        self.ok == self.total && self.done == self.total
    }
}

impl ApplyCounts {
    /// The counts now.
    pub fn tally(&self) -> ApplyTally {
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ApplyTally {
            total: load(&self.total),
            done: load(&self.done),
            ok: load(&self.ok),
            refused: load(&self.refused),
            failed: load(&self.failed),
            changed: load(&self.changed),
            in_doubt: load(&self.in_doubt),
            sent: load(&self.sent),
            reads: load(&self.reads),
        }
    }

    fn add(&self, outcome: Outcome) {
        let counter = match outcome {
            Outcome::Ok => &self.ok,
            Outcome::Refused | Outcome::Invalid => &self.refused,
            Outcome::Failed => &self.failed,
            Outcome::Changed => &self.changed,
            Outcome::Started => {
                self.in_doubt.fetch_add(1, Ordering::Relaxed);
                return;
            }
        };
        self.done.fetch_add(1, Ordering::Relaxed);
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// One line of the journal, its keys in reading order.
#[derive(Serialize)]
struct Record<'a> {
    line: usize,
    site: &'a str,
    outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    budget_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<Action>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    cancel: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    provision: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    attempts: Option<u32>,
    /// The answers of the requests sent, in order, as they came.
    #[serde(skip_serializing_if = "Option::is_none")]
    answers: Option<Vec<Box<RawValue>>>,
    /// A site settled by its status: what it showed.
    #[serde(skip_serializing_if = "Option::is_none")]
    answer: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

impl<'a> Record<'a> {
    fn new(line: usize, site: &'a str, outcome: Outcome) -> Self {
        Record {
            line,
            site,
            outcome,
            at: None,
            budget_ms: None,
            action: None,
            cancel: &[],
            provision: &[],
            attempts: None,
            answers: None,
            answer: None,
            error: None,
            reason: None,
        }
    }
}

/// A site to act on: its plan row, and its desired-state line (none for a
/// site only a `--known` file names).
struct Item {
    row: PlanRow,
    entry: Option<Entry>,
}

/// Applies the plan `rows` (in line order, as [`super::plan`] gives them or
/// a plan file holds them) to the desired state they were made from, with
/// `options.rules`: every row whose action changes something, and every
/// line an earlier run left in doubt, unless the journal has its final
/// record. Returns when each has a final record or is left in doubt, or at
/// the first output error or refusal of the partner's credentials. A plan
/// whose rows name other sites than the journal recorded for their lines is
/// refused before anything is sent.
#[allow(clippy::too_many_arguments)]
pub fn apply(
    session: &Session,
    desired: &mut Desired,
    last_line: usize,
    rows: Vec<PlanRow>,
    previous: &Previous,
    journal: Journal,
    options: &Options,
    counts: &ApplyCounts,
) -> Result<(), Error> {
    let pacer = pacer(&crate::batch::Options {
        concurrency: options.concurrency,
        rate: options.rate,
        fail_fast: false,
        retry_failed: false,
    })?;
    for row in &rows {
        if !previous.same_site(row.line, &row.site) {
            return Err(Error::InvalidInput(format!(
                "line {} of the plan is site {}, but the journal recorded another site for that \
                 line: the desired state changed since the journal was started; nothing was \
                 sent. Resume with the desired state the journal was made from, or start a new \
                 output file",
                row.line, row.site
            )));
        }
    }
    let todo: Vec<PlanRow> = rows
        .into_iter()
        .filter(|r| r.decision.action.changes() || previous.in_doubt(r.line).is_some())
        .collect();
    counts.total.store(todo.len() as u64, Ordering::Relaxed);
    let journal = Mutex::new(journal);
    let write = |record: &Record| {
        journal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .append(record)
    };
    let workers = options.concurrency.max(1);
    let (queue, items) = pool::queue::<Item>(workers);
    let stop = Stop::new();
    let work = || {
        let worker = Worker::new(session, pacer.as_ref(), options, counts);
        items.each_until(&stop, |item| {
            let in_doubt = previous.in_doubt(item.row.line);
            if let Err(e) = worker.process(&item, in_doubt, &write) {
                stop.fail(e);
            }
        })
    };
    pool::run(workers, &stop, queue, work, |send| {
        let mut entries = desired.entries()?;
        for row in todo {
            if stop.is_set() {
                break;
            }
            if let Some(done) = previous.finished(row.line) {
                counts.add(done);
                continue;
            }
            let entry = if row.line <= last_line {
                let found = loop {
                    match entries.next() {
                        Some(entry) => {
                            let entry = entry?;
                            if entry.line == row.line {
                                break Some(entry);
                            }
                            if entry.line > row.line {
                                break None;
                            }
                        }
                        None => break None,
                    }
                };
                match found {
                    Some(entry) => Some(entry),
                    None => {
                        return Err(Error::InvalidInput(format!(
                            "the plan names line {} ({}), which the desired state does \
                             not have; nothing more was sent",
                            row.line, row.site
                        )))
                    }
                }
            } else {
                None
            };
            if !send(Item { row, entry }) {
                break;
            }
        }
        Ok(())
    });
    stop.into_result()
}

/// One worker: the shared session, and its own view of the client whose
/// trace counts this worker's attempts.
struct Worker<'a> {
    session: &'a Session,
    client: Client,
    attempts: Arc<AtomicU32>,
    pacer: Option<&'a Pacer>,
    options: &'a Options,
    counts: &'a ApplyCounts,
}

impl<'a> Worker<'a> {
    fn new(
        session: &'a Session,
        pacer: Option<&'a Pacer>,
        options: &'a Options,
        counts: &'a ApplyCounts,
    ) -> Self {
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
            pacer,
            options,
            counts,
        }
    }

    fn look(&self, site: &SiteRef, want: Option<&Want>) -> Result<Looked, Error> {
        look(
            self.session,
            &self.client,
            self.pacer,
            &self.counts.reads,
            site,
            want,
            self.options.rules,
        )
    }

    /// Decides the site again and acts on it, or records why not.
    fn process(
        &self,
        item: &Item,
        in_doubt: Option<Started>,
        write: &impl Fn(&Record) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let row = &item.row;
        let site = SiteRef::parse(&row.site)?;
        let want = item.entry.as_ref().map(|e| &e.want);
        let planned = &row.decision;
        let mut now = match self.look(&site, want) {
            Ok(looked) => looked,
            Err(e) => return self.unread(row, in_doubt, e, write),
        };
        if let Some(started) = in_doubt {
            if !now.decision.action.changes() {
                return self.settled(row, &now, write);
            }
            if let Some(wait) = wait_for(started) {
                self.client.note(format!(
                    "line {} ({}) is in doubt and not done yet: waiting {:.1} s until its \
                     earlier attempt can no longer arrive",
                    row.line,
                    row.site,
                    wait.as_secs_f64()
                ));
                std::thread::sleep(wait);
                now = match self.look(&site, want) {
                    Ok(looked) => looked,
                    Err(e) => return self.unread(row, in_doubt, e, write),
                };
                if !now.decision.action.changes() {
                    return self.settled(row, &now, write);
                }
            }
            if !now.decision.part_of(planned) {
                return self.changed(row, &now.decision, write);
            }
        } else if !now.decision.same_as(planned) {
            return self.changed(row, &now.decision, write);
        }
        self.act(row, &site, item.entry.as_ref(), &now.decision, write)
    }

    /// The decision could not be computed again: nothing is sent. A line in
    /// doubt stays so; another is recorded `failed`.
    fn unread(
        &self,
        row: &PlanRow,
        in_doubt: Option<Started>,
        e: Error,
        write: &impl Fn(&Record) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if is_credential_failure(&e) {
            return Err(e);
        }
        if in_doubt.is_some() {
            self.client.note(format!(
                "line {} ({}) stays in doubt: its status could not be read ({}); nothing was sent",
                row.line,
                row.site,
                e.code()
            ));
            self.counts.add(Outcome::Started);
            return Ok(());
        }
        let outcome = outcome_of(&e);
        write(&Record {
            attempts: Some(0),
            error: Some(error_json(&e)),
            reason: Some(
                "the status could not be read again before acting; nothing was sent".into(),
            ),
            ..Record::new(row.line, &row.site, outcome)
        })?;
        self.counts.add(outcome);
        Ok(())
    }

    /// A line in doubt whose work is done: `ok`, with what the status showed.
    fn settled(
        &self,
        row: &PlanRow,
        now: &Looked,
        write: &impl Fn(&Record) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let shown = json!({"settled_by_status": {
            "have": now.seen.ours(),
            "action": now.decision.action,
            "reason": now.decision.reason,
        }});
        write(&Record {
            attempts: Some(0),
            answer: raw(&shown),
            ..Record::new(row.line, &row.site, Outcome::Ok)
        })?;
        self.counts.add(Outcome::Ok);
        Ok(())
    }

    /// The decision is no longer the plan's: `changed`, nothing sent.
    fn changed(
        &self,
        row: &PlanRow,
        now: &Decision,
        write: &impl Fn(&Record) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let planned = &row.decision;
        write(&Record {
            action: Some(now.action),
            cancel: &now.cancel,
            provision: &now.provision,
            reason: Some(format!(
                "planned {}{}, now {}: {}; nothing was sent (run reconcile again)",
                planned.action.as_str(),
                products(planned),
                now.action.as_str(),
                now.reason
            )),
            ..Record::new(row.line, &row.site, Outcome::Changed)
        })?;
        self.counts.add(Outcome::Changed);
        Ok(())
    }

    /// Sends the decision's cancels, then its provisions, within one
    /// budget from the `started` record.
    fn act(
        &self,
        row: &PlanRow,
        site: &SiteRef,
        entry: Option<&Entry>,
        decision: &Decision,
        write: &impl Fn(&Record) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let budget = self.client.timeout();
        let (at, deadline) = (SystemTime::now(), Instant::now() + budget);
        let base = |outcome| Record {
            action: Some(decision.action),
            cancel: &decision.cancel,
            provision: &decision.provision,
            ..Record::new(row.line, &row.site, outcome)
        };
        write(&Record {
            at: Some(unix_ms(at)),
            budget_ms: Some(u64::try_from(budget.as_millis()).unwrap_or(u64::MAX)),
            ..base(Outcome::Started)
        })?;
        let client = self.client.with_deadline(deadline);
        self.attempts.store(0, Ordering::Relaxed);
        let mut answers = Vec::new();
        let mut result = Ok(());
        for slug in &decision.cancel {
            if let Some(pacer) = self.pacer {
                pacer.wait();
            }
            self.counts.sent.fetch_add(1, Ordering::Relaxed);
            let cancel = Cancel::new(site.clone()).plan(slug.clone());
            match self
                .session
                .send_via(&client, &cancel)
                .and_then(|outcome| outcome.cancelled(site))
            {
                Ok(a) => answers.extend(a.raw.get().map_or_else(|| raw(&a), raw_text)),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        if result.is_ok() {
            for slug in &decision.provision {
                let request = match entry {
                    Some(entry) => entry.provision(slug),
                    None => Err(Error::InvalidInput(
                        "a site the desired state does not name is never provisioned".into(),
                    )),
                };
                let sent = request.and_then(|request| {
                    if let Some(pacer) = self.pacer {
                        pacer.wait();
                    }
                    self.counts.sent.fetch_add(1, Ordering::Relaxed);
                    self.session.send_via(&client, &request)
                });
                match sent {
                    Ok(a) => answers.extend(a.raw.get().map_or_else(|| raw(&a), raw_text)),
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
        }
        let attempts = Some(self.attempts.load(Ordering::Relaxed));
        let record = match result {
            // Every site would fail the same way: stop, and record nothing
            // final, so the apply resumes once the credentials are fixed.
            Err(e) if is_credential_failure(&e) => return Err(e),
            Ok(()) => Record {
                attempts,
                answers: Some(answers),
                ..base(Outcome::Ok)
            },
            Err(e) => Record {
                attempts,
                answers: Some(answers),
                error: Some(error_json(&e)),
                ..base(outcome_of(&e))
            },
        };
        write(&record)?;
        self.counts.add(record.outcome);
        Ok(())
    }
}

/// How long a line in doubt must wait until its earlier attempt can no
/// longer arrive; `None` when it already cannot.
fn wait_for(started: Started) -> Option<Duration> {
    let until = started.settled_after_ms().saturating_add(SETTLE_MARGIN_MS);
    let now = unix_ms(SystemTime::now());
    if now >= until {
        return None;
    }
    // A clock set back since the start must not make this wait longer
    // than the attempt itself could have lasted.
    let longest = started.budget_ms.saturating_add(SETTLE_MARGIN_MS);
    Some(Duration::from_millis((until - now).min(longest)))
}

fn outcome_of(e: &Error) -> Outcome {
    if matches!(e, Error::Api(_) | Error::InvalidInput(_)) {
        Outcome::Refused
    } else {
        Outcome::Failed
    }
}

fn error_json(e: &Error) -> Value {
    let message = match e {
        Error::Api(api) if !api.message.is_empty() => api.message.clone(),
        other => other.to_string(),
    };
    json!({"error_code": e.code(), "error_message": message, "http_status": e.http_status()})
}

/// ` (cancel a b, provision c)`, or nothing.
fn products(d: &Decision) -> String {
    let mut parts = Vec::new();
    if !d.cancel.is_empty() {
        parts.push(format!("cancel {}", d.cancel.join(" ")));
    }
    if !d.provision.is_empty() {
        parts.push(format!("provision {}", d.provision.join(" ")));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}
