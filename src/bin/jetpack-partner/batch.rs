//! `batch provision` and `batch cancel`: many sites in one run, safe to
//! kill and resume. `batch backups` and `batch scan`: read-only checks of
//! many sites, for a nightly cron job (the library's `batch::health`).

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use jetpack_partner::batch::health::{self, Check, HealthCounts, Report, Verdict};
use jetpack_partner::batch::{
    self, Action, Counts, Format, Found, Input, Journal, Options, Previous,
};

use crate::args::{filled, require, set, Args, Flag, Given};
use crate::globals::Globals;
use crate::output::{Failure, Problem, Problems};

/// The command's flag groups.
pub const FLAGS: &[&[Flag]] = &[OWN];

const INPUT: Flag = Flag::text(
    &["--input"],
    "FILE",
    "the sites: JSON Lines or CSV ('-' reads stdin)",
    |a| &mut a.input,
);

pub const FORMAT: Flag = Flag::value(
    &["--format"],
    "jsonl|csv",
    "the input's format (default: by extension; stdin: jsonl)",
    |a, v| set(&mut a.format, format(&v.text)),
);

pub const CONCURRENCY: Flag = Flag::value(
    &["--concurrency"],
    "N",
    "requests in flight at once (default 4)",
    |a, v| set(&mut a.concurrency, concurrency(&v)),
);

pub const RATE: Flag = Flag::value(
    &["--rate"],
    "N/s",
    "start at most N requests per second",
    |a, v| set(&mut a.rate, rate(&v.text)),
);

pub const QUIET: Flag = Flag::switch(&["--quiet"], "no progress and no summary on stderr", |a| {
    &mut a.quiet
});

const OWN: &[Flag] = &[
    INPUT,
    Flag::text(
        &["--output"],
        "FILE",
        "where results go, one JSON line each (default stdout)",
        |a| &mut a.output,
    ),
    FORMAT,
    CONCURRENCY,
    RATE,
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
    QUIET,
];

/// `batch backups`' flag groups.
pub const BACKUPS_FLAGS: &[&[Flag]] = &[&[
    INPUT,
    REPORT,
    FORMAT,
    CONCURRENCY,
    RATE,
    QUIET,
    Flag::value(
        &["--max-age"],
        "AGE",
        "a last good backup older than this is stale: a number and s, m,\nh or d (default 36h)",
        |a, v| {
            let age = health::parse_max_age(&v.text)
                .map_err(|e| crate::rewind::refused(&v, e, "e.g. --max-age 36h or --max-age 2d"));
            set(&mut a.max_age, age)
        },
    ),
    Flag::value(
        &["--fail-on"],
        "VERDICTS",
        "exit 1 when a site's verdict is one of these: stale, failed,\nnone (comma-separated, or repeated)",
        |a, v| {
            fail_on(
                a,
                &v,
                Check::Backups {
                    max_age: health::DEFAULT_MAX_AGE,
                },
            )
        },
    )
    .many(),
]];

/// `batch scan`'s flag groups.
pub const SCAN_FLAGS: &[&[Flag]] = &[&[
    INPUT,
    REPORT,
    FORMAT,
    CONCURRENCY,
    RATE,
    QUIET,
    Flag::value(
        &["--fail-on"],
        "VERDICTS",
        "exit 1 when a site's verdict is one of these: threats,\nunavailable (comma-separated, or repeated)",
        |a, v| fail_on(a, &v, Check::Scan),
    )
    .many(),
]];

const REPORT: Flag = Flag::text(
    &["--output"],
    "FILE",
    "write the report here instead of stdout (rewritten each run;\nonly an empty file or an earlier report is replaced)",
    |a| &mut a.output,
);

/// `--fail-on`: verdicts of `check` that call for attention: not `ok` nor
/// `clean`, and not `error` (a site that cannot be checked always fails
/// the run).
fn fail_on(a: &mut Args, v: &Given, check: Check) -> Result<(), Problem> {
    let allowed: Vec<&str> = check
        .verdicts()
        .iter()
        .filter(|v| !matches!(v, Verdict::Ok | Verdict::Clean | Verdict::Error))
        .map(|v| v.as_str())
        .collect();
    for word in v.text.split(',').map(str::trim) {
        let verdict = Verdict::from_text(word).filter(|v| allowed.contains(&v.as_str()));
        match verdict {
            Some(verdict) if !a.fail_on.contains(&verdict) => a.fail_on.push(verdict),
            Some(_) => {}
            None => {
                return Err(Problem::new(
                    format!(
                        "{} {word:?} is not a verdict of batch {}",
                        v.source,
                        check.name()
                    ),
                    format!("give one or more of {}", allowed.join(", ")),
                ))
            }
        }
    }
    Ok(())
}

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

pub const HELP_BACKUPS: &str = "\
Check the backups of many sites (GET /wpcom/v2/sites/{blog_id}/rewind/backups
per input line, after the public site lookup for a domain) and write one
JSON line per input line, in completion order:
  {\"line\":N,\"site\":…,\"blog_id\":ID,\"verdict\":…,\"newest_status\":…,
   \"newest_at\":…,\"newest_age_s\":…,\"last_good_at\":…,\"last_good_age_s\":…}
newest is the newest attempt (started, finished or a failure), last_good the
newest finished one with a snapshot; times are when they began, ages are in
seconds. verdict is, first that applies: failed (the newest attempt that
ended failed), none (no backup has succeeded yet), stale (the last good one
is older than --max-age), ok. A site that cannot be checked (a bad line, a
domain WordPress.com does not know, a refusal, no answer) gets verdict
error and an error object: {\"error_code\",\"error_message\",\"http_status\"}.

The input is that of the other batch commands: JSON Lines or CSV naming the
site as site, siteurl, url or blog_id (a domain, URL or blog ID); the other
fields of batch provision and batch cancel inputs are ignored, so their input
or journal (its ok records) can be given as it is. It only reads: there is no
journal and no --resume; run it again. A summary with the count of each
verdict ends on stderr.

Exit 0 when every line was checked, whatever the verdicts; 1 (batch_incomplete)
when a line got verdict error; 1 (unhealthy_sites) when a site has a verdict
--fail-on names; 2 for bad usage or an input without sites.

Usage: jetpack-partner [global options] batch backups --input FILE [--output FILE]
         [--max-age AGE] [--fail-on stale,failed,none] [--concurrency N] [--rate N/s]

Examples:
  jetpack-partner batch backups --input sites.csv --output backups.jsonl --fail-on stale,failed
  jetpack-partner batch backups --input sites.csv | jq -c 'select(.verdict != \"ok\")'
";

pub const HELP_SCAN: &str = "\
Check Jetpack Scan on many sites (GET /wpcom/v2/sites/{blog_id}/scan per
input line, after the public site lookup for a domain) with the partner's
credentials, and write one JSON line per input line, in completion order:
  {\"line\":N,\"site\":…,\"blog_id\":ID,\"verdict\":…,\"state\":…,\"open\":K,
   \"by_severity\":{\"critical\":…,\"high\":…,\"medium\":…,\"low\":…,\"suspicious\":…,
   \"other\":…},\"ignored\":…,\"fixed\":…,\"last_scan_at\":…}
A threat is open unless it is fixed or ignored (new and current are open, and
so is a status this version does not know); other counts severities outside
1 to 5. verdict is threats when one is open, else unavailable when the
scanner is unavailable (no Scan for the site) or provisioning, else clean. A
site that cannot be checked gets verdict error and an error object.

Input, output, no --resume, the summary and the exit codes as for
'batch backups'; --fail-on takes threats and unavailable.

Usage: jetpack-partner [global options] batch scan --input FILE [--output FILE]
         [--fail-on threats,unavailable] [--concurrency N] [--rate N/s]

Examples:
  jetpack-partner batch scan --input sites.csv --output scan.jsonl --fail-on threats
  jetpack-partner batch scan --input sites.csv | jq -c 'select(.by_severity.critical > 0)'
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

/// What `batch backups` and `batch scan` need.
pub fn check_health(a: &mut Args, problems: &mut Problems) {
    require(problems, filled(&a.input), "--input", "FILE");
}

pub fn provision(args: &Args, globals: &Globals) -> Result<(), Failure> {
    run(Action::Provision, args, globals)
}

pub fn cancel(args: &Args, globals: &Globals) -> Result<(), Failure> {
    run(Action::Cancel, args, globals)
}

pub fn backups(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let max_age = args.max_age.unwrap_or(health::DEFAULT_MAX_AGE);
    check_fleet(Check::Backups { max_age }, args, globals)
}

pub fn scan(args: &Args, globals: &Globals) -> Result<(), Failure> {
    check_fleet(Check::Scan, args, globals)
}

/// The input's name and format, as given or by its extension.
fn input_of(args: &Args) -> (&str, Format) {
    let name = args.input.as_deref().unwrap_or_default();
    let format = match args.format {
        Some(format) => format,
        None if name == "-" => Format::JsonLines,
        None => Format::from_path(name),
    };
    (name, format)
}

/// Reads (and checks) the input; bad lines are reported on stderr. An
/// input without sites is a usage error.
fn read_input(
    action: Action,
    args: &Args,
    globals: &Globals,
) -> Result<(Input, batch::Checked), Failure> {
    let (input_name, format) = input_of(args);
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
    Ok((input, checked))
}

/// `batch backups` and `batch scan`: a report of every site, read-only.
fn check_fleet(check: Check, args: &Args, globals: &Globals) -> Result<(), Failure> {
    let options = Options {
        concurrency: args.concurrency.unwrap_or(4),
        rate: args.rate,
        fail_fast: false,
        retry_failed: false,
    };
    let (input_name, _) = input_of(args);
    let output = args.output.as_deref();
    if let Some(output) = output {
        refuse_same_file(input_name, output)?;
    }
    globals.check_credentials()?;
    let client = globals.client_per_call()?;
    let (mut input, checked) = read_input(Action::Read, args, globals)?;
    let report = match output {
        Some(path) => Report::create(Path::new(path))?,
        None => Report::to_writer(std::io::stdout()),
    };
    let session = globals.session(client)?;
    // The credentials first, with one request, when a site is to be read:
    // refused, they would refuse every site.
    if checked.bad < checked.lines {
        session.access_token().map_err(credentials_refused)?;
    }
    let counts = HealthCounts::new(checked.lines);
    let label = format!("batch {}", check.name());
    let finished = AtomicBool::new(false);
    let started = Instant::now();
    let result = std::thread::scope(|scope| {
        if !args.quiet {
            scope.spawn(|| {
                show_progress(&finished, |elapsed| {
                    health_progress(&label, check, &counts, elapsed)
                })
            });
        }
        let result = health::run(&session, &mut input, check, &options, &counts, report);
        finished.store(true, Ordering::Relaxed);
        result
    });
    if !args.quiet {
        globals
            .out
            .note(&health_summary(&label, check, &counts, started.elapsed()));
    }
    result.map_err(credentials_refused)?;
    let tally = counts.tally();
    let errors = tally.count(Verdict::Error);
    let flagged = tally.any_of(&args.fail_on);
    if errors > 0 {
        return Err(Failure::Refused {
            code: "batch_incomplete".into(),
            message: format!(
                "{errors} line(s) could not be checked (verdict error); see the output for each \
                 line"
            ),
            http_status: None,
        });
    }
    if flagged > 0 {
        let words: Vec<&str> = args.fail_on.iter().map(|v| v.as_str()).collect();
        return Err(Failure::Refused {
            code: "unhealthy_sites".into(),
            message: format!(
                "{flagged} site(s) have a verdict --fail-on names ({}); see the output for each \
                 site",
                words.join(", ")
            ),
            http_status: None,
        });
    }
    Ok(())
}

/// `batch backups: 40/100 sites (ok 30, stale 2, …), 12.3/s, ETA 5s`.
fn health_progress(label: &str, check: Check, counts: &HealthCounts, elapsed: Duration) -> String {
    let t = counts.tally();
    let rate = t.done as f64 / elapsed.as_secs_f64().max(0.001);
    let eta = if rate > 0.0 {
        format!("{:.0}s", t.total.saturating_sub(t.done) as f64 / rate)
    } else {
        "?".into()
    };
    format!(
        "{label}: {}/{} sites ({}), {rate:.1}/s, ETA {eta}",
        t.done,
        t.total,
        verdict_counts(check, &t, " ")
    )
}

/// `batch backups: 100 lines: 90 ok, 2 stale, …; 180 requests in 12.3 s`.
fn health_summary(label: &str, check: Check, counts: &HealthCounts, elapsed: Duration) -> String {
    let t = counts.tally();
    format!(
        "{label}: {} lines: {}, {} not done; {} requests in {:.1} s",
        t.total,
        verdict_counts(check, &t, " "),
        t.total.saturating_sub(t.done),
        t.requests,
        elapsed.as_secs_f64()
    )
}

fn verdict_counts(check: Check, t: &health::HealthTally, between: &str) -> String {
    check
        .verdicts()
        .iter()
        .map(|v| format!("{}{between}{v}", t.count(*v)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn run(action: Action, args: &Args, globals: &Globals) -> Result<(), Failure> {
    let options = Options {
        concurrency: args.concurrency.unwrap_or(4),
        rate: args.rate,
        fail_fast: args.fail_fast,
        retry_failed: args.retry_failed,
    };
    let (input_name, _) = input_of(args);
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
    let (mut input, checked) = read_input(action, args, globals)?;
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
            scope.spawn(|| show_progress(&finished, |elapsed| progress_line(&counts, elapsed)));
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
pub fn credentials_refused(e: jetpack_partner::Error) -> Failure {
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
pub fn refuse_same_file(input: &str, output: &str) -> Result<(), Failure> {
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
pub fn warn_if_others_can_read(globals: &Globals, path: &str) {
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
pub fn report_previous(globals: &Globals, output: &str, previous: &Previous) {
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
pub fn show_progress(finished: &AtomicBool, line: impl Fn(Duration) -> String) {
    let started = Instant::now();
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
        let line = line(started.elapsed());
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
