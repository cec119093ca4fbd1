//! `reconcile`: bring a fleet to a desired state. The plan reads every
//! site's status (and its upgrade paths when something is to be
//! provisioned) and decides one action per site with its reason
//! ([`plan::decide`], pure); the apply runs the actions through the batch
//! journal, with the same exactly-once rules and resume as a batch, and
//! computes each site's decision again just before acting on it: a site
//! whose decision changed since the plan is recorded `changed` and left
//! alone.
//!
//! "This partner's products" are what the API's status says: a product
//! with `is_provisioned_by_calling_partner`. Nothing else is cancelled.
//! Which sites to look at beyond the desired state's (for `--prune`) is
//! not something the API can list for a partner's token: they come from
//! files the caller gives (batch inputs, batch and reconcile journals,
//! earlier desired states), and each is then judged by its status.

mod apply;
mod desired;
mod guard;
mod plan;
mod saved;

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

pub use apply::{apply, ApplyCounts, ApplyTally};
pub use desired::{Checked, Desired, Entry};
pub use guard::MaxCancel;
pub use plan::{decide, family, needs_paths, Action, Decision, Held, Paths, Rules, Seen, Want};
pub use saved::{PlanFile, PlanHeader};

use crate::api::status::Status;
use crate::api::upgrade_paths::UpgradePaths;
use crate::batch::pool::{self, Stop};
use crate::batch::{is_credential_failure, pacer, Input, Pacer, Row as InputRow};
use crate::client::Client;
use crate::error::{ApiErrorCode, Error};
use crate::session::Session;
use crate::site::SiteRef;

/// How a plan (and an apply) runs.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Sites looked at (or acted on) at once.
    pub concurrency: usize,
    /// Most requests started per second, over all workers.
    pub rate: Option<f64>,
    /// The options that change decisions.
    pub rules: Rules,
}

/// One site's line of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRow {
    /// The desired state's line; for a site only a `--known` file names,
    /// a number past the desired state's last line.
    pub line: usize,
    /// The site, as a reference.
    pub site: String,
    /// The decision.
    #[serde(flatten)]
    pub decision: Decision,
    /// This partner's products on the site, as its status showed them.
    #[serde(default)]
    pub have: Vec<String>,
    /// Other partners' (or the owner's) products on the site.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<String>,
}

/// Live counts of a plan.
#[derive(Debug, Default)]
pub struct PlanCounts {
    total: AtomicU64,
    done: AtomicU64,
    by_action: [AtomicU64; 7],
    requests: AtomicU64,
}

/// The counts of a plan at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlanTally {
    /// Sites to decide.
    pub total: u64,
    /// Sites decided.
    pub done: u64,
    /// Sites per action, in the order of [`Action::ALL`].
    pub by_action: [u64; 7],
    /// Requests sent (status and upgrade-paths reads).
    pub requests: u64,
}

impl PlanTally {
    /// Sites whose action is `action`.
    pub fn count(&self, action: Action) -> u64 {
        let i = Action::ALL.iter().position(|a| *a == action).unwrap_or(0);
        self.by_action[i]
    }

    /// Sites with an action that changes something.
    pub fn changes(&self) -> u64 {
        Action::ALL
            .iter()
            .filter(|a| a.changes())
            .map(|a| self.count(*a))
            .sum()
    }
}

impl PlanCounts {
    /// The counts now.
    pub fn tally(&self) -> PlanTally {
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        PlanTally {
            total: load(&self.total),
            done: load(&self.done),
            by_action: std::array::from_fn(|i| load(&self.by_action[i])),
            requests: load(&self.requests),
        }
    }

    fn add(&self, action: Action) {
        let i = Action::ALL.iter().position(|a| *a == action).unwrap_or(0);
        self.by_action[i].fetch_add(1, Ordering::Relaxed);
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}

/// What looking at a site found, and the decision it gives.
#[derive(Clone, Debug)]
pub struct Looked {
    /// What the site has.
    pub seen: Seen,
    /// The decision.
    pub decision: Decision,
}

/// Reads a site's status (and its upgrade paths when the decision needs
/// them) through `client`, and decides. A site the API does not know
/// (`invalid_blog`) is [`Seen::Unknown`]; any other failure is returned.
pub(crate) fn look(
    session: &Session,
    client: &Client,
    pacer: Option<&Pacer>,
    requests: &AtomicU64,
    site: &SiteRef,
    want: Option<&Want>,
    rules: Rules,
) -> Result<Looked, Error> {
    let wait = || {
        if let Some(pacer) = pacer {
            pacer.wait();
        }
        requests.fetch_add(1, Ordering::Relaxed);
    };
    wait();
    let seen = match session.send_via(client, &Status::new(site.clone())) {
        Ok(status) => Seen::from_status(&status),
        Err(Error::Api(e)) if e.code == ApiErrorCode::InvalidBlog => Seen::Unknown,
        Err(e) => return Err(e),
    };
    let paths = if needs_paths(want, &seen) {
        wait();
        let answer = session.send_via(client, &UpgradePaths::new(site.clone()))?;
        Some(Paths::from_answer(&answer))
    } else {
        None
    };
    let decision = decide(want, &seen, paths.as_ref(), rules);
    Ok(Looked { seen, decision })
}

/// A site to decide: a line of the desired state, or a site only a
/// `--known` file names (its number past the desired state's lines).
enum Work {
    Named(Entry),
    Candidate { line: usize, site: SiteRef },
}

impl Work {
    fn line(&self) -> usize {
        match self {
            Work::Named(e) => e.line,
            Work::Candidate { line, .. } => *line,
        }
    }

    fn site(&self) -> &SiteRef {
        match self {
            Work::Named(e) => &e.site,
            Work::Candidate { site, .. } => site,
        }
    }

    fn want(&self) -> Option<&Want> {
        match self {
            Work::Named(e) => Some(&e.want),
            Work::Candidate { .. } => None,
        }
    }
}

/// Reads the `--known` files for the sites the desired state does not
/// name, each once, numbered from past the desired state's last line in
/// the order met; `each` gets them.
pub(crate) fn candidates(
    known: &mut [Input],
    checked: &Checked,
    mut each: impl FnMut(usize, SiteRef) -> Result<bool, Error>,
) -> Result<(), Error> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut next = checked.last_line;
    for (i, input) in known.iter_mut().enumerate() {
        for row in input.rows()? {
            let site = match row? {
                InputRow::Good(line) => line.site,
                InputRow::Bad(bad) => {
                    return Err(Error::InvalidInput(format!(
                        "known file {}: line {}: {}",
                        i + 1,
                        bad.number,
                        bad.message
                    )))
                }
            };
            if checked.sites.contains_key(&site) || !seen.insert(site.clone()) {
                continue;
            }
            next += 1;
            if !each(next, SiteRef::parse(&site)?)? {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Counts the sites a plan will decide: the desired state's and, with
/// `--prune`, the others the `--known` files name.
pub fn count_sites(checked: &Checked, known: &mut [Input], rules: Rules) -> Result<u64, Error> {
    let mut total = checked.sites.len() as u64;
    if rules.prune {
        candidates(known, checked, |_, _| {
            total += 1;
            Ok(true)
        })?;
    }
    Ok(total)
}

/// Makes the plan: decides every site of the desired state (and, with
/// `--prune`, every other site the `--known` files name) with `concurrency`
/// workers, and hands each row to `sink` in line order. A site whose status
/// cannot be read gets action `error`; a refusal of the partner's
/// credentials stops the plan.
pub fn plan(
    session: &Session,
    desired: &mut Desired,
    checked: &Checked,
    known: &mut [Input],
    options: &Options,
    counts: &PlanCounts,
    mut sink: impl FnMut(PlanRow) -> Result<(), Error> + Send,
) -> Result<(), Error> {
    let pacer = pacer(&crate::batch::Options {
        concurrency: options.concurrency,
        rate: options.rate,
        fail_fast: false,
        retry_failed: false,
    })?;
    counts.total.store(
        count_sites(checked, known, options.rules)?,
        Ordering::Relaxed,
    );
    let workers = options.concurrency.max(1);
    let (queue, todo) = pool::queue::<(u64, Work)>(workers);
    let stop = Stop::new();
    // Rows come back in any order and go out in the order handed out.
    let order = Mutex::new((0u64, BTreeMap::<u64, PlanRow>::new()));
    let sink = Mutex::new(&mut sink);
    let emit = |seq: u64, row: PlanRow| -> Result<(), Error> {
        let mut order = order.lock().unwrap_or_else(PoisonError::into_inner);
        order.1.insert(seq, row);
        loop {
            let next = order.0;
            let Some(row) = order.1.remove(&next) else {
                return Ok(());
            };
            order.0 += 1;
            (sink.lock().unwrap_or_else(PoisonError::into_inner))(row)?;
        }
    };
    let work = || {
        let client = session.client().clone();
        todo.each_until(&stop, |(seq, work)| {
            let looked = look(
                session,
                &client,
                pacer.as_ref(),
                &counts.requests,
                work.site(),
                work.want(),
                options.rules,
            );
            let row = match looked {
                Ok(looked) => PlanRow {
                    line: work.line(),
                    site: work.site().to_string(),
                    have: looked.seen.ours(),
                    others: looked.seen.theirs(),
                    decision: looked.decision,
                },
                Err(e) if is_credential_failure(&e) => {
                    stop.fail(e);
                    return;
                }
                Err(e) => PlanRow {
                    line: work.line(),
                    site: work.site().to_string(),
                    decision: Decision {
                        action: Action::Error,
                        provision: Vec::new(),
                        cancel: Vec::new(),
                        reason: format!("the status could not be read: {} ({e})", e.code()),
                    },
                    have: Vec::new(),
                    others: Vec::new(),
                },
            };
            counts.add(row.decision.action);
            if let Err(e) = emit(seq, row) {
                stop.fail(e);
            }
        })
    };
    pool::run(workers, &stop, queue, work, |send| {
        let mut seq = 0u64;
        let mut hand_on = |work: Work| {
            if stop.is_set() {
                return false;
            }
            let sent = send((seq, work));
            seq += 1;
            sent
        };
        for entry in desired.entries()? {
            if !hand_on(Work::Named(entry?)) {
                return Ok(());
            }
        }
        if options.rules.prune {
            candidates(known, checked, |line, site| {
                Ok(hand_on(Work::Candidate { line, site }))
            })?;
        }
        Ok(())
    });
    stop.into_result()
}
