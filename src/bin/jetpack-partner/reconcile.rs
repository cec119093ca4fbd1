//! `reconcile`: the plan that brings a fleet to a desired state, and its
//! apply through the batch journal (the library's `reconcile`).

use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use jetpack_partner::batch::{Action as JournalAction, Format, Found, Input, Journal};
use jetpack_partner::reconcile::{
    self, Action, ApplyCounts, Desired, MaxCancel, PlanCounts, PlanFile, PlanHeader, PlanRow,
    PlanTally, Rules,
};

use crate::args::{filled, require, set, Args, Flag};
use crate::batch::{
    credentials_refused, refuse_same_file, report_previous, show_progress, warn_if_others_can_read,
    CONCURRENCY, FORMAT, QUIET, RATE,
};
use crate::globals::Globals;
use crate::output::{Failure, Problem, Problems};

/// The command's flag groups.
pub const FLAGS: &[&[Flag]] = &[&[
    Flag::text(
        &["--desired"],
        "FILE",
        "the desired state: CSV or JSON Lines with site, plan\n(slugs separated by spaces; none for nothing), local_user, …",
        |a| &mut a.desired,
    ),
    FORMAT,
    Flag::switch(
        &["--prune"],
        "cancel this partner's products on the sites --known names\nand the desired state does not",
        |a| &mut a.prune,
    ),
    Flag::value(
        &["--known"],
        "FILE",
        "sites this partner may have provisioned, for --prune: batch\ninputs, batch or reconcile journals (repeatable)",
        |a, v| {
            a.known.push(v.text);
            Ok(())
        },
    )
    .many(),
    Flag::switch(
        &["--allow-cancel"],
        "cancel what the desired state no longer has (else blocked)",
        |a| &mut a.allow_cancel,
    ),
    Flag::switch(
        &["--allow-downgrade"],
        "plan a downgrade as a cancel, then a provision (else blocked)",
        |a| &mut a.allow_downgrade,
    ),
    Flag::value(
        &["--max-cancel"],
        "N|N%",
        "refuse an apply that cancels on more sites than this\n(default 10)",
        |a, v| {
            let max = v.text.parse::<MaxCancel>().map_err(|_| {
                Problem::new(
                    format!("{} {:?} is not a number of sites or a percentage", v.source, v.text),
                    "give e.g. --max-cancel 25 or --max-cancel 5%",
                )
            });
            set(&mut a.max_cancel, max)
        },
    ),
    Flag::text(
        &["--save-plan"],
        "FILE",
        "keep the plan in FILE, to apply it as it is with --plan-file",
        |a| &mut a.save_plan,
    ),
    Flag::switch(
        &["--detailed-exitcode"],
        "exit 6 when the plan has changes to apply, 0 when none",
        |a| &mut a.detailed_exitcode,
    ),
    Flag::switch(
        &["--apply"],
        "act on the plan (needs --output)",
        |a| &mut a.apply,
    ),
    Flag::text(
        &["--output"],
        "JOURNAL",
        "the apply's journal, as a batch's: resumable, locked",
        |a| &mut a.output,
    ),
    Flag::switch(
        &["--resume"],
        "continue the apply recorded in --output",
        |a| &mut a.resume,
    ),
    Flag::text(
        &["--plan-file"],
        "FILE",
        "apply exactly this saved plan (its desired state unchanged)",
        |a| &mut a.plan_file,
    ),
    CONCURRENCY,
    RATE,
    QUIET,
]];

pub const HELP: &str = "\
Bring a fleet to a desired state. For every site of the desired state, read
its status (and its upgrade paths when something is to be provisioned) and
decide one action, with its reason:
  provision  a new site, an upgrade the upgrade paths allow, a product added
  cancel     this partner provisioned a product the desired state no longer
             has (only with --allow-cancel; otherwise blocked)
  replace    cancel, then provision: a downgrade with --allow-downgrade, or
             an addition beside a cancel
  none       already right
  pending    an activation is not finished: nothing to do yet
  blocked    a downgrade the API refuses, another partner's plan, an unknown
             site that cannot be provisioned, a cancel not allowed
  error      the status could not be read
The plan is a table on a terminal and JSON Lines otherwise, then a summary
line with the counts on stderr. \"This partner's\" products are those the
status marks is_provisioned_by_calling_partner; nothing else is cancelled.

The desired state is CSV or JSON Lines, as batch inputs: site (or siteurl,
url, blog_id), plan (one slug, or several separated by spaces; empty or none
for nothing from this partner), and for sites to provision local_user and
any field of batch provision. A site given twice is refused with both line
numbers; any bad line refuses the whole file. Sites it does not name are
left alone; with --prune, the sites --known files name (batch inputs, batch
or reconcile journals, earlier desired states) that it does not are
cancelled, as the API cannot list a partner's sites.

--apply acts through the batch journal (--output), with its guarantees:
each site gets one final record, a killed run continues with --resume and
provisions no site twice. Just before acting on a site its decision is
computed again; if it is not the plan's, the site is recorded changed and
left alone (run reconcile again). An apply that would cancel on more sites
than --max-cancel (default 10; or a percentage of the plan's sites) is
refused whole, before anything is sent, with the count (exit 2).

Exit codes: 0 the plan was made (with --detailed-exitcode: and has no
changes), or the apply ended ok on every site; 6 with --detailed-exitcode
when the plan has changes to apply; 1 (batch_incomplete) when a site's
status could not be read or an action did not end ok; 2 for bad usage, a
bad desired state, a plan file of another desired state, or the guard.

Usage: jetpack-partner [global options] reconcile --desired FILE [--prune --known FILE]
         [--allow-cancel] [--allow-downgrade] [--save-plan FILE] [--detailed-exitcode]
       jetpack-partner [global options] reconcile --desired FILE --apply --output JOURNAL
         [--resume] [--plan-file FILE] [--max-cancel N|N%] [--concurrency N] [--rate N/s]

Examples:
  jetpack-partner reconcile --desired plans.csv
  jetpack-partner reconcile --desired plans.csv --detailed-exitcode --save-plan plan.jsonl
  jetpack-partner reconcile --desired plans.csv --apply --output journal.jsonl --plan-file plan.jsonl
  jetpack-partner reconcile --desired plans.csv --allow-cancel --prune --known provisioned.jsonl \\
      --max-cancel 5% --apply --output journal.jsonl
  jetpack-partner reconcile --desired plans.csv --apply --output journal.jsonl --resume
";

/// What the options need of each other.
pub fn check(a: &mut Args, problems: &mut Problems) {
    require(problems, filled(&a.desired), "--desired", "FILE");
    let mut need = |cond: bool, message: &str, hint: &str| {
        if cond {
            problems.push(Problem::new(message, hint));
        }
    };
    need(
        a.apply && a.output.is_none(),
        "--apply needs --output JOURNAL",
        "name the journal file of the apply, e.g. --output journal.jsonl",
    );
    need(
        !a.apply && a.output.is_some(),
        "--output is the journal of an apply",
        "add --apply to act on the plan, or drop --output",
    );
    need(
        a.resume && !a.apply,
        "--resume continues an apply",
        "add --apply --output JOURNAL",
    );
    need(
        a.plan_file.is_some() && !a.apply,
        "--plan-file is applied with --apply",
        "add --apply --output JOURNAL",
    );
    need(
        a.apply && a.save_plan.is_some(),
        "--save-plan keeps a plan to apply later",
        "make the plan without --apply, then apply it with --apply --plan-file FILE",
    );
    need(
        a.apply && a.detailed_exitcode,
        "--detailed-exitcode is for the plan",
        "drop it: an apply exits 0 when every action ended ok",
    );
    need(
        a.plan_file.is_some()
            && (a.prune || a.allow_cancel || a.allow_downgrade || !a.known.is_empty()),
        "a plan file holds the options it was made with",
        "drop --prune, --known, --allow-cancel and --allow-downgrade with --plan-file",
    );
    need(
        a.prune && a.known.is_empty() && a.plan_file.is_none(),
        "--prune needs --known FILE",
        "the API cannot list a partner's sites: name the files of the sites this partner \
         provisioned (batch inputs or journals, earlier desired states) with --known",
    );
    need(
        !a.prune && !a.known.is_empty(),
        "--known names the sites --prune may cancel",
        "add --prune, or drop --known",
    );
}

fn format_of(name: &str, given: Option<Format>) -> Format {
    match given {
        Some(format) => format,
        None if name == "-" => Format::JsonLines,
        None => Format::from_path(name),
    }
}

pub fn run(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let desired_name = args.desired.as_deref().unwrap_or_default();
    let options = reconcile::Options {
        concurrency: args.concurrency.unwrap_or(8),
        rate: args.rate,
        rules: Rules {
            allow_cancel: args.allow_cancel,
            allow_downgrade: args.allow_downgrade,
            prune: args.prune,
        },
    };
    for other in [args.output.as_deref(), args.save_plan.as_deref()]
        .into_iter()
        .flatten()
    {
        refuse_same_file(desired_name, other)?;
    }
    globals.check_credentials()?;
    let client = globals.client_per_call()?;
    // The journal first: an apply already going on it is refused before
    // anything else is read.
    let opened = match (args.apply, args.output.as_deref()) {
        (true, Some(path)) => {
            let opened = Journal::open(Path::new(path), JournalAction::Reconcile)?;
            warn_if_others_can_read(globals, path);
            if opened.1 == Found::Journal && !args.resume {
                return Err(Failure::usage(
                    format!("the output file {path} already holds the journal of an apply"),
                    "pass --resume to continue that apply, or choose another --output file",
                ));
            }
            Some(opened.0)
        }
        _ => None,
    };
    let mut desired = if desired_name == "-" {
        Desired::from_reader(std::io::stdin().lock(), format_of("-", args.format))?
    } else {
        Desired::open(
            Path::new(desired_name),
            format_of(desired_name, args.format),
        )?
    };
    let checked = desired.check()?;
    let mut known = Vec::new();
    for name in &args.known {
        known.push(Input::open(
            Path::new(name),
            JournalAction::Read,
            Format::from_path(name),
        )?);
    }
    let session = globals.session(client)?;
    session.access_token().map_err(credentials_refused)?;
    let terminal = std::io::stdout().is_terminal();
    let printer = Printer::new(terminal);
    let started = Instant::now();

    // The plan: from the plan file, or made now.
    let (rows, tally, planned_with) = match args.plan_file.as_deref() {
        Some(path) => {
            let (header, rows) = PlanFile::read(Path::new(path))?;
            if header.desired != checked.digest {
                return Err(Failure::usage(
                    format!(
                        "the plan file {path} was made from another desired state than \
                         {desired_name}; nothing was sent"
                    ),
                    "apply a plan with the desired state it was made from, or make a new plan",
                ));
            }
            printer.header()?;
            let mut tally = PlanTally {
                total: rows.len() as u64,
                done: rows.len() as u64,
                ..PlanTally::default()
            };
            for row in &rows {
                let i = Action::ALL
                    .iter()
                    .position(|a| *a == row.decision.action)
                    .unwrap_or(0);
                tally.by_action[i] += 1;
                printer.row(row)?;
            }
            (rows, tally, header.rules)
        }
        None => {
            let mut saved = match args.save_plan.as_deref() {
                Some(path) => Some(PlanFile::create(
                    Path::new(path),
                    &PlanHeader::new(&checked.digest, options.rules),
                )?),
                None => None,
            };
            let counts = PlanCounts::default();
            let keep = args.apply;
            let mut rows = Vec::new();
            let finished = AtomicBool::new(false);
            // Progress only where it cannot mix with a table on the same
            // terminal.
            let progress = !args.quiet && !terminal;
            printer.header()?;
            let result = std::thread::scope(|scope| {
                if progress {
                    scope.spawn(|| {
                        show_progress(&finished, |elapsed| plan_progress(&counts, elapsed))
                    });
                }
                let result = reconcile::plan(
                    &session,
                    &mut desired,
                    &checked,
                    &mut known,
                    &options,
                    &counts,
                    |row| {
                        printer.row(&row).map_err(failure_to_error)?;
                        if let Some(saved) = saved.as_mut() {
                            saved.row(&row)?;
                        }
                        if keep {
                            rows.push(row);
                        }
                        Ok(())
                    },
                );
                finished.store(true, Ordering::Relaxed);
                result
            });
            result.map_err(credentials_refused)?;
            if let Some(saved) = saved {
                saved.finish()?;
            }
            (rows, counts.tally(), options.rules)
        }
    };
    let max_cancel = args.max_cancel.unwrap_or_default();
    if !args.quiet {
        globals.out.note(&plan_summary(&tally, started.elapsed()));
    }
    if !args.apply {
        if let Err(e) = max_cancel.check(
            tally.count(Action::Cancel) + tally.count(Action::Replace),
            tally.total,
        ) {
            globals
                .out
                .note(&format!("reconcile: an apply would be refused: {e}"));
        }
        return plan_exit(&tally, args.detailed_exitcode);
    }
    let Some(mut journal) = opened else {
        return Err(Failure::usage(
            "--apply needs --output JOURNAL",
            "add --output",
        ));
    };
    let last_line = rows
        .iter()
        .map(|r| r.line)
        .max()
        .unwrap_or(0)
        .max(checked.last_line);
    let previous = journal.previous(last_line)?;
    report_previous(
        globals,
        args.output.as_deref().unwrap_or_default(),
        &previous,
    );
    // The guard counts what is still to do.
    let to_cancel = rows
        .iter()
        .filter(|r| !r.decision.cancel.is_empty() && previous.finished(r.line).is_none())
        .count() as u64;
    max_cancel.check(to_cancel, rows.len() as u64)?;
    let errors = tally.count(Action::Error);
    let counts = ApplyCounts::default();
    let finished = AtomicBool::new(false);
    let apply_started = Instant::now();
    let apply_options = reconcile::Options {
        rules: planned_with,
        ..options
    };
    let result = std::thread::scope(|scope| {
        if !args.quiet {
            scope.spawn(|| show_progress(&finished, |elapsed| apply_progress(&counts, elapsed)));
        }
        let result = reconcile::apply(
            &session,
            &mut desired,
            checked.last_line,
            rows,
            &previous,
            journal,
            &apply_options,
            &counts,
        );
        finished.store(true, Ordering::Relaxed);
        result
    });
    if !args.quiet {
        globals
            .out
            .note(&apply_summary(&counts, apply_started.elapsed()));
    }
    result.map_err(credentials_refused)?;
    let t = counts.tally();
    if !t.all_ok() || errors > 0 {
        return Err(Failure::Refused {
            code: "batch_incomplete".into(),
            message: format!(
                "not every site ended ok ({} refused, {} failed, {} changed, {} in doubt, {} \
                 whose status could not be read); see the journal and the plan for each site",
                t.refused, t.failed, t.changed, t.in_doubt, errors
            ),
            http_status: None,
        });
    }
    Ok(())
}

/// The plan's exit: errors first, then the changes with
/// `--detailed-exitcode`.
fn plan_exit(tally: &PlanTally, detailed: bool) -> Result<(), Failure> {
    let errors = tally.count(Action::Error);
    if errors > 0 {
        return Err(Failure::Refused {
            code: "batch_incomplete".into(),
            message: format!(
                "the status of {errors} site(s) could not be read (action error); see the plan"
            ),
            http_status: None,
        });
    }
    if detailed && tally.changes() > 0 {
        return Err(Failure::Changes);
    }
    Ok(())
}

/// A printing failure as a library error, to stop the plan.
fn failure_to_error(f: Failure) -> jetpack_partner::Error {
    match f {
        Failure::Lib(e) => e,
        other => io_error(
            "cannot write to standard output",
            std::io::Error::other(format!("{other:?}")),
        ),
    }
}

fn io_error(context: &str, source: std::io::Error) -> jetpack_partner::Error {
    jetpack_partner::Error::Io {
        context: context.into(),
        source,
    }
}

/// Prints plan rows: a table on a terminal, JSON Lines otherwise.
struct Printer {
    table: bool,
}

impl Printer {
    fn new(table: bool) -> Printer {
        Printer { table }
    }

    fn out(&self, text: &str) -> Result<(), Failure> {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{text}")
            .map_err(|e| Failure::Lib(io_error("cannot write to standard output", e)))
    }

    fn header(&self) -> Result<(), Failure> {
        if self.table {
            self.out(&format!(
                "{:>5}  {:<32} {:<9} {:<30} REASON",
                "LINE", "SITE", "ACTION", "CHANGE"
            ))?;
        }
        Ok(())
    }

    fn row(&self, row: &PlanRow) -> Result<(), Failure> {
        if !self.table {
            let line = serde_json::to_string(row).map_err(|e| {
                Failure::Lib(io_error(
                    "cannot encode a plan row",
                    std::io::Error::other(e),
                ))
            })?;
            return self.out(&line);
        }
        let d = &row.decision;
        let mut change: Vec<String> = d.cancel.iter().map(|c| format!("-{c}")).collect();
        change.extend(d.provision.iter().map(|p| format!("+{p}")));
        self.out(&format!(
            "{:>5}  {:<32} {:<9} {:<30} {}",
            row.line,
            row.site,
            d.action.as_str(),
            change.join(" "),
            d.reason
        ))
    }
}

/// `reconcile: 120/400 sites decided (…), 55.1/s, ETA 5s`.
fn plan_progress(counts: &PlanCounts, elapsed: Duration) -> String {
    let t = counts.tally();
    let rate = t.done as f64 / elapsed.as_secs_f64().max(0.001);
    let eta = if rate > 0.0 {
        format!("{:.0}s", t.total.saturating_sub(t.done) as f64 / rate)
    } else {
        "?".into()
    };
    format!(
        "reconcile: {}/{} sites decided ({}), {rate:.1}/s, ETA {eta}",
        t.done,
        t.total,
        action_counts(&t)
    )
}

fn action_counts(t: &PlanTally) -> String {
    Action::ALL
        .iter()
        .map(|a| format!("{} {}", t.count(*a), a.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `reconcile: 400 sites: 3 provision, …; 5 changes; 410 requests in 2.1 s`.
fn plan_summary(t: &PlanTally, elapsed: Duration) -> String {
    let changes = match t.changes() {
        0 => "no changes".to_owned(),
        n => format!("{n} site(s) to change"),
    };
    format!(
        "reconcile: {} sites: {}; {changes}; {} requests in {:.1} s",
        t.total,
        action_counts(t),
        t.requests,
        elapsed.as_secs_f64()
    )
}

fn apply_progress(counts: &ApplyCounts, elapsed: Duration) -> String {
    let t = counts.tally();
    format!(
        "reconcile apply: {}/{} sites done (ok {}, refused {}, failed {}, changed {}), {:.0} s",
        t.done,
        t.total,
        t.ok,
        t.refused,
        t.failed,
        t.changed,
        elapsed.as_secs_f64()
    )
}

fn apply_summary(counts: &ApplyCounts, elapsed: Duration) -> String {
    let t = counts.tally();
    format!(
        "reconcile apply: {} sites to act on: {} ok, {} refused, {} failed, {} changed, {} in \
         doubt, {} not done; {} requests that change, {} reads in {:.1} s",
        t.total,
        t.ok,
        t.refused,
        t.failed,
        t.changed,
        t.in_doubt,
        t.total.saturating_sub(t.done),
        t.sent,
        t.reads,
        elapsed.as_secs_f64()
    )
}
