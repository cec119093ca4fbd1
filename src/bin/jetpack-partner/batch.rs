//! `batch provision` and `batch cancel`: many sites in one run, safe to
//! kill and resume.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use jetpack_partner::batch::{
    self, Action, Counts, Format, Found, Input, Journal, Options, Previous,
};

use crate::args::{filled, require, set, Args, Flag, Given};
use crate::globals::Globals;
use crate::output::{Failure, Problem, Problems};

/// The command's flag groups.
pub const FLAGS: &[&[Flag]] = &[OWN];

const OWN: &[Flag] = &[
    Flag::text(
        &["--input"],
        "FILE",
        "the sites: JSON Lines or CSV ('-' reads stdin)",
        |a| &mut a.input,
    ),
    Flag::text(
        &["--output"],
        "FILE",
        "where results go, one JSON line each (default stdout)",
        |a| &mut a.output,
    ),
    Flag::value(
        &["--format"],
        "jsonl|csv",
        "the input's format (default: by extension; stdin: jsonl)",
        |a, v| set(&mut a.format, format(&v.text)),
    ),
    Flag::value(
        &["--concurrency"],
        "N",
        "requests in flight at once (default 4)",
        |a, v| set(&mut a.concurrency, concurrency(&v)),
    ),
    Flag::value(
        &["--rate"],
        "N/s",
        "start at most N requests per second",
        |a, v| set(&mut a.rate, rate(&v.text)),
    ),
    Flag::switch(
        &["--resume"],
        "continue the batch recorded in --output",
        |a| &mut a.resume,
    ),
    Flag::switch(
        &["--retry-failed"],
        "with --resume: send again the lines that ended failed\n(after checking whether they went through)",
        |a| &mut a.retry_failed,
    ),
    Flag::switch(
        &["--fail-fast"],
        "stop at the first bad line or failed site",
        |a| &mut a.fail_fast,
    ),
    Flag::switch(
        &["--quiet"],
        "no progress and no summary on stderr",
        |a| &mut a.quiet,
    ),
];

fn format(text: &str) -> Result<Format, Problem> {
    match text {
        "jsonl" | "json" | "ndjson" => Ok(Format::JsonLines),
        "csv" => Ok(Format::Csv),
        other => Err(Problem::new(
            format!("--format {other:?} is not jsonl or csv"),
            "give --format jsonl or --format csv",
        )),
    }
}

fn concurrency(v: &Given) -> Result<usize, Problem> {
    match v.parse("a number of workers from 1 to 256")? {
        n @ 1..=256 => Ok(n),
        _ => Err(Problem::new(
            "--concurrency must be from 1 to 256",
            "give e.g. --concurrency 8",
        )),
    }
}

/// Requests per second, from one a day (a slower rate would be a wait
/// longer than anyone means) up.
fn rate(text: &str) -> Result<f64, Problem> {
    match text.trim_end_matches("/s").parse::<f64>() {
        Ok(r) if r.is_finite() && r >= 1.0 / 86_400.0 => Ok(r),
        _ => Err(Problem::new(
            format!("--rate {text:?} is not a rate from one request a day up"),
            "give requests per second, e.g. --rate 10/s or --rate 0.5/s",
        )),
    }
}

pub const HELP_PROVISION: &str = "\
Provision many sites (POST provision per input line) with one token, a pool
of workers and an optional rate limit. Each input line gets exactly one
result line in the output, in completion order:
  {\"line\":N,\"site\":…,\"outcome\":\"ok\"|\"refused\"|\"failed\"|\"invalid\",\"attempts\":K,\"answer\"|\"error\":…}
Before a request is sent a {\"outcome\":\"started\"} line is written and synced;
kill the run at any moment and rerun with --resume: finished lines are
skipped, started ones are checked with the status endpoint first (and waited
for while their earlier request could still arrive), so no site is
provisioned twice. ok, refused and invalid are final; failed lines (the API
was down) are sent again with --resume --retry-failed, after the same check.
A refused partner secret stops the batch before any site is touched.

Input fields are the API's: local_user, siteurl, plan, force_register,
force_connect, onboarding, wpcom_user_id, wpcom_user_email,
partner-tracking-id, ssh_*, ftp_*; and partner_redirect, a URL added to the
answer's next_url when auth_required (as provision --partner-redirect does;
the journal records next_url with it). Every line is checked before anything
is sent; bad lines are reported with their numbers and recorded as invalid
(or, with --fail-fast, stop the run before it starts).

Usage: jetpack-partner [global options] batch provision --input FILE [--output FILE] [options]

Example:
  jetpack-partner batch provision --input sites.csv --output results.jsonl --concurrency 8
  jetpack-partner batch provision --input sites.csv --output results.jsonl --resume
";

pub const HELP_CANCEL: &str = "\
Cancel for many sites (POST partner-cancel per input line). Input fields:
site (or siteurl, url, blog_id), plan, cancel-all. Output, resume and exit
codes as for 'batch provision'.

Usage: jetpack-partner [global options] batch cancel --input FILE [--output FILE] [options]
";

/// What a batch's options need of each other, before it starts.
pub fn check(a: &mut Args, problems: &mut Problems) {
    require(problems, filled(&a.input), "--input", "FILE");
    if a.resume && a.output.is_none() {
        problems.push(Problem::new(
            "--resume needs --output FILE",
            "name the output file of the run to continue",
        ));
    }
    if a.retry_failed && !a.resume {
        problems.push(Problem::new(
            "--retry-failed needs --resume",
            "add --resume --output FILE: the journal says which lines failed",
        ));
    }
}

pub fn provision(args: &Args, globals: &Globals) -> Result<(), Failure> {
    run(Action::Provision, args, globals)
}

pub fn cancel(args: &Args, globals: &Globals) -> Result<(), Failure> {
    run(Action::Cancel, args, globals)
}

fn run(action: Action, args: &Args, globals: &Globals) -> Result<(), Failure> {
    let options = Options {
        concurrency: args.concurrency.unwrap_or(4),
        rate: args.rate,
        fail_fast: args.fail_fast,
        retry_failed: args.retry_failed,
    };
    let input_name = args.input.as_deref().unwrap_or_default();
    let format = match args.format {
        Some(format) => format,
        None if input_name == "-" => Format::JsonLines,
        None => Format::from_path(input_name),
    };
    let resume = args.resume;
    let output = args.output.as_deref();
    if let Some(output) = output {
        refuse_same_file(input_name, output)?;
    }
    globals.check_credentials()?;
    let client = globals.client_per_call()?;
    // The journal first: a run already going on it is refused before the
    // input is even read.
    let opened = match output {
        Some(path) => Some(Journal::open(Path::new(path), action)?),
        None => None,
    };
    if let Some(path) = output {
        warn_if_others_can_read(globals, path);
    }
    if let (Some((_, Found::Journal)), false) = (&opened, resume) {
        return Err(Failure::usage(
            format!(
                "the output file {} already holds the journal of a batch",
                output.unwrap_or_default()
            ),
            "pass --resume to continue that batch, or choose another --output file",
        ));
    }
    let mut input = if input_name == "-" {
        Input::from_reader(std::io::stdin().lock(), action, format)?
    } else {
        Input::open(Path::new(input_name), action, format)?
    };
    let checked = input.check(|line| {
        globals.out.note(&format!(
            "jetpack-partner: {input_name}: line {}: {}",
            line.number, line.message
        ))
    })?;
    if checked.lines == 0 {
        return Err(Failure::usage(
            format!("the batch input {input_name} holds no sites; nothing was sent"),
            "give one site per line: JSON Lines, or CSV with a header row",
        ));
    }
    if checked.bad > 0 && options.fail_fast {
        return Err(Failure::usage(
            format!(
                "{} bad line(s) in {input_name}; nothing was sent",
                checked.bad
            ),
            "fix them, or drop --fail-fast to send the good lines and record the bad ones",
        ));
    }
    let (journal, previous) = match opened {
        Some((mut journal, _)) => {
            let previous = journal.previous(checked.last_line)?;
            report_previous(globals, output.unwrap_or_default(), &previous);
            (journal, previous)
        }
        None => (Journal::to_writer(std::io::stdout()), Previous::default()),
    };
    let session = globals.session(client)?;
    // The credentials first, with one request, when a line may be sent:
    // refused, they would refuse every line; nothing is touched and the
    // journal stays resumable.
    let lines = usize::try_from(checked.lines).unwrap_or(usize::MAX);
    let bad = usize::try_from(checked.bad).unwrap_or(usize::MAX);
    let settled = bad.max(previous.finished_count(options.retry_failed));
    if settled < lines {
        session.access_token().map_err(credentials_refused)?;
    }
    let counts = Counts::new(checked.lines);
    let quiet = args.quiet;
    let finished = AtomicBool::new(false);
    let started = Instant::now();
    let result = std::thread::scope(|scope| {
        if !quiet {
            scope.spawn(|| show_progress(&counts, &finished, started));
        }
        let result = batch::run(&session, &mut input, &previous, journal, &options, &counts);
        finished.store(true, Ordering::Relaxed);
        result
    });
    if !quiet {
        globals.out.note(&summary(&counts, started.elapsed()));
    }
    result.map_err(credentials_refused)?;
    if counts.tally().all_ok() {
        Ok(())
    } else {
        Err(Failure::Refused {
            code: "batch_incomplete".into(),
            message: "not every line ended ok; see the output for each line".into(),
            http_status: None,
        })
    }
}

/// A refusal of the partner's credentials, said as what it means for the
/// batch; any other error as it is.
fn credentials_refused(e: jetpack_partner::Error) -> Failure {
    if !batch::is_credential_failure(&e) {
        return Failure::Lib(e);
    }
    let said = match &e {
        jetpack_partner::Error::Api(api) if !api.message.is_empty() => {
            format!("{}: {}", api.code, api.message)
        }
        other => other.code().to_owned(),
    };
    Failure::Refused {
        code: e.code().to_owned(),
        message: format!(
            "the API refused the partner's credentials ({said}); the batch stopped before \
             touching another site. Fix the partner ID or secret and run it again with --resume"
        ),
        http_status: e.http_status(),
    }
}

/// `--output` naming the input would lose the input.
fn refuse_same_file(input: &str, output: &str) -> Result<(), Failure> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let id = |path: &str| std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()));
        if input != "-" && id(input).is_some() && id(input) == id(output) {
            return Err(Failure::usage(
                format!("--output {output} is the input file"),
                "write the results to another file, e.g. --output results.jsonl",
            ));
        }
    }
    let _ = (input, output);
    Ok(())
}

/// The journal can hold per-site access tokens (provision answers): an
/// existing output file that others can read gets a warning.
fn warn_if_others_can_read(globals: &Globals, path: &str) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                globals.out.note(&format!(
                    "jetpack-partner: warning: the output file {path} is readable by other users \
                     (mode {mode:04o}) and can hold access tokens; run: chmod 600 {path}"
                ));
            }
        }
    }
    let _ = (globals, path);
}

/// Says what an earlier run left that is not a clean record.
fn report_previous(globals: &Globals, output: &str, previous: &Previous) {
    for damaged in &previous.damaged {
        globals.out.note(&format!(
            "jetpack-partner: {output}: line {} is not a record and was skipped: {:?}",
            damaged.line, damaged.excerpt
        ));
    }
    let unshown = previous.damaged_count - previous.damaged.len();
    if unshown > 0 {
        globals.out.note(&format!(
            "jetpack-partner: {output}: {unshown} more damaged line(s) skipped"
        ));
    }
    if previous.beyond_input > 0 {
        globals.out.note(&format!(
            "jetpack-partner: {output}: {} record(s) name lines past the end of the input; \
             they were ignored",
            previous.beyond_input
        ));
    }
    if previous.in_doubt_count() > 0 {
        globals.out.note(&format!(
            "jetpack-partner: {output}: {} line(s) were started but not finished; each is \
             checked with the status endpoint before it is sent again",
            previous.in_doubt_count()
        ));
    }
}

/// On a terminal, one line redrawn in place; otherwise a line every few
/// seconds.
fn show_progress(counts: &Counts, finished: &AtomicBool, started: Instant) {
    let terminal = std::io::stderr().is_terminal();
    let every = if terminal {
        Duration::from_millis(200)
    } else {
        Duration::from_secs(5)
    };
    let mut last = Instant::now();
    while !finished.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
        if last.elapsed() < every {
            continue;
        }
        last = Instant::now();
        let line = progress_line(counts, started.elapsed());
        let mut err = std::io::stderr().lock();
        let _ = if terminal {
            write!(err, "\r\x1b[K{line}")
        } else {
            writeln!(err, "{line}")
        };
    }
    if terminal {
        let _ = write!(std::io::stderr().lock(), "\r\x1b[K");
    }
}

fn progress_line(counts: &Counts, elapsed: Duration) -> String {
    let t = counts.tally();
    let rate = t.sent as f64 / elapsed.as_secs_f64().max(0.001);
    let eta = if rate > 0.0 {
        format!("{:.0}s", t.total.saturating_sub(t.done) as f64 / rate)
    } else {
        "?".into()
    };
    format!(
        "batch: {}/{} done (ok {}, refused {}, failed {}), {rate:.1}/s, ETA {eta}",
        t.done, t.total, t.ok, t.refused, t.failed
    )
}

fn summary(counts: &Counts, elapsed: Duration) -> String {
    let t = counts.tally();
    format!(
        "batch: {} lines: {} ok, {} refused, {} failed, {} invalid, {} in doubt, {} not done; {} requests in {:.1} s",
        t.total,
        t.ok,
        t.refused,
        t.failed,
        t.invalid,
        t.in_doubt,
        t.total.saturating_sub(t.done),
        t.sent,
        elapsed.as_secs_f64()
    )
}
