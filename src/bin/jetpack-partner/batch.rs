//! `batch provision` and `batch cancel`: many sites in one run, safe to
//! kill and resume.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use jetpack_partner::batch::{self, Action, Counts, Format, Journal, Options, Previous};
use jetpack_partner::Error;

use crate::args::{Flag, Parsed};
use crate::globals::Globals;
use crate::output::Failure;

pub const FLAGS: &[Flag] = &[
    Flag::value(
        "input",
        &["--input"],
        "FILE",
        "the sites: JSON Lines or CSV ('-' reads stdin)",
    ),
    Flag::value(
        "output",
        &["--output"],
        "FILE",
        "where results go, one JSON line each (default stdout)",
    ),
    Flag::value(
        "format",
        &["--format"],
        "jsonl|csv",
        "the input's format (default: by extension; stdin: jsonl)",
    ),
    Flag::value(
        "concurrency",
        &["--concurrency"],
        "N",
        "requests in flight at once (default 4)",
    ),
    Flag::value(
        "rate",
        &["--rate"],
        "N/s",
        "start at most N requests per second",
    ),
    Flag::switch(
        "resume",
        &["--resume"],
        "continue the batch recorded in --output",
    ),
    Flag::switch(
        "fail-fast",
        &["--fail-fast"],
        "stop at the first bad line or failed site",
    ),
    Flag::switch(
        "quiet",
        &["--quiet"],
        "no progress and no summary on stderr",
    ),
];

pub const HELP_PROVISION: &str = "\
Provision many sites (POST provision per input line) with one token, a pool
of workers and an optional rate limit. Each input line gets exactly one
result line in the output, in completion order:
  {\"line\":N,\"site\":…,\"outcome\":\"ok\"|\"refused\"|\"failed\"|\"invalid\",\"attempts\":K,\"answer\"|\"error\":…}
Before a request is sent a {\"outcome\":\"started\"} line is written and synced;
kill the run at any moment and rerun with --resume: finished lines are
skipped, started ones are checked with the status endpoint first, so no site
is provisioned twice.

Input fields are the API's: local_user, siteurl, plan, force_register,
force_connect, onboarding, wpcom_user_id, wpcom_user_email,
partner-tracking-id, ssh_*, ftp_*. Every line is checked before anything is
sent; bad lines are reported with their numbers and recorded as invalid (or,
with --fail-fast, stop the run before it starts).

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

pub fn provision(flags: &Parsed, globals: &Globals) -> Result<(), Failure> {
    run(Action::Provision, flags, globals)
}

pub fn cancel(flags: &Parsed, globals: &Globals) -> Result<(), Failure> {
    run(Action::Cancel, flags, globals)
}

fn run(action: Action, flags: &Parsed, globals: &Globals) -> Result<(), Failure> {
    let options = options(flags)?;
    let input = flags.required("input", "--input")?;
    let format = match flags.text("format") {
        None if input == "-" => Format::JsonLines,
        None => Format::from_path(input),
        Some("jsonl" | "json" | "ndjson") => Format::JsonLines,
        Some("csv") => Format::Csv,
        Some(other) => {
            return Err(Failure::usage(
                format!("--format {other:?} is not jsonl or csv"),
                "give --format jsonl or --format csv",
            ))
        }
    };
    let resume = flags.switch("resume");
    if resume && flags.text("output").is_none() {
        return Err(Failure::usage(
            "--resume needs --output FILE",
            "name the output file of the run to continue",
        ));
    }
    globals.check_credentials()?;
    let client = globals.client_per_call()?;
    let text = read_input(input)?;
    let (lines, bad) = batch::parse(action, format, &text);
    for line in &bad {
        globals.out.note(&format!(
            "jetpack-partner: {input}: line {}: {}",
            line.number, line.message
        ));
    }
    if !bad.is_empty() && options.fail_fast {
        return Err(Failure::usage(
            format!("{} bad line(s) in {input}; nothing was sent", bad.len()),
            "fix them, or drop --fail-fast to send the good lines and record the bad ones",
        ));
    }
    let (journal, previous) = match flags.text("output") {
        Some(path) => Journal::open(Path::new(path), resume)?,
        None => (Journal::stdout(), Previous::default()),
    };
    let session = globals.session(client)?;
    let counts = Counts::default();
    let quiet = flags.switch("quiet");
    let finished = AtomicBool::new(false);
    let started = Instant::now();
    let result = std::thread::scope(|scope| {
        if !quiet {
            scope.spawn(|| show_progress(&counts, &finished, started));
        }
        let result = batch::run(&session, lines, bad, &previous, journal, &options, &counts);
        finished.store(true, Ordering::Relaxed);
        result
    });
    if !quiet {
        globals.out.note(&summary(&counts, started.elapsed()));
    }
    result?;
    if counts.all_ok() {
        Ok(())
    } else {
        Err(Failure::Refused {
            code: "batch_incomplete".into(),
            message: "not every line ended ok; see the output for each line".into(),
            http_status: None,
        })
    }
}

fn options(flags: &Parsed) -> Result<Options, Failure> {
    let concurrency = flags
        .parse::<usize>("concurrency", "a number of workers from 1 to 256")?
        .unwrap_or(4);
    if !(1..=256).contains(&concurrency) {
        return Err(Failure::usage(
            "--concurrency must be from 1 to 256",
            "give e.g. --concurrency 8",
        ));
    }
    let rate = match flags.text("rate") {
        None => None,
        Some(text) => match text.trim_end_matches("/s").parse::<f64>() {
            Ok(r) if r > 0.0 && r.is_finite() => Some(r),
            _ => {
                return Err(Failure::usage(
                    format!("--rate {text:?} is not a rate"),
                    "give requests per second, e.g. --rate 10/s",
                ))
            }
        },
    };
    Ok(Options {
        concurrency,
        rate,
        fail_fast: flags.switch("fail-fast"),
    })
}

fn read_input(input: &str) -> Result<String, Failure> {
    let mut bytes = Vec::new();
    let read = if input == "-" {
        std::io::stdin().lock().read_to_end(&mut bytes).map(drop)
    } else {
        std::fs::File::open(input)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map(drop)
    };
    read.map_err(|e| Error::Io {
        context: format!("cannot read the batch input {input}"),
        source: e,
    })?;
    String::from_utf8(bytes).map_err(|_| {
        Failure::usage(
            format!("the batch input {input} is not UTF-8 text"),
            "save it as UTF-8",
        )
    })
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

fn load(counter: &std::sync::atomic::AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

fn progress_line(counts: &Counts, elapsed: Duration) -> String {
    let (total, done, sent) = (load(&counts.total), load(&counts.done), load(&counts.sent));
    let rate = sent as f64 / elapsed.as_secs_f64().max(0.001);
    let eta = if rate > 0.0 {
        format!("{:.0}s", total.saturating_sub(done) as f64 / rate)
    } else {
        "?".into()
    };
    format!(
        "batch: {done}/{total} done (ok {}, refused {}, failed {}), {rate:.1}/s, ETA {eta}",
        load(&counts.ok),
        load(&counts.refused),
        load(&counts.failed)
    )
}

fn summary(counts: &Counts, elapsed: Duration) -> String {
    format!(
        "batch: {} lines: {} ok, {} refused, {} failed, {} invalid, {} not done; {} requests in {:.1} s",
        load(&counts.total),
        load(&counts.ok),
        load(&counts.refused),
        load(&counts.failed),
        load(&counts.invalid),
        load(&counts.total).saturating_sub(load(&counts.done)),
        load(&counts.sent),
        elapsed.as_secs_f64()
    )
}
