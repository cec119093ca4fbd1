//! `--wait`: following a long operation (an archive, a restore, a fix) to
//! its end, with its progress on stderr: one line rewritten in place on a
//! terminal, a plain line per change otherwise (a cron mail, a log), and
//! nothing with `--quiet`.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use jetpack_partner::{Progress, Wait, DEFAULT_WAIT_INTERVAL, DEFAULT_WAIT_TIMEOUT};

use crate::args::{set, Args, Flag, Given};
use crate::output::{Problem, Problems};

/// The options of every command that can wait.
pub const WAIT_FLAGS: &[Flag] = &[
    Flag::switch(
        &["--wait"],
        "follow the operation to its end, showing its progress on stderr",
        |a| &mut a.wait,
    ),
    Flag::value(
        &["--wait-timeout"],
        "SECS",
        "with --wait: give up waiting after SECS (default 1800); the operation\n\
         goes on, and the exit is 3 with error_code still_running and its ID",
        |a, v| set(&mut a.wait_timeout, seconds(&v, "--wait-timeout")),
    ),
    Flag::value(
        &["--wait-interval"],
        "SECS",
        "with --wait: look again every SECS (default 2)",
        |a, v| set(&mut a.wait_interval, seconds(&v, "--wait-interval")),
    ),
    Flag::switch(&["--quiet"], "with --wait: show no progress", |a| {
        &mut a.quiet
    }),
];

fn seconds(v: &Given, flag: &str) -> Result<Duration, Problem> {
    match v.text.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs <= 7.0 * 86_400.0 => Ok(Duration::from_secs_f64(secs)),
        _ => Err(Problem::new(
            format!("{} {:?} is not a number of seconds", v.source, v.text),
            format!("give a number above 0 and at most a week, e.g. {flag} 60"),
        )),
    }
}

/// `--wait-timeout`, `--wait-interval` and `--quiet` without `--wait`:
/// the command would not wait, which is likely not what was meant.
pub fn check(a: &Args, problems: &mut Problems) {
    for option in ["--wait-timeout", "--wait-interval", "--quiet"] {
        if a.given(option) && !a.wait {
            problems.push(Problem::new(
                format!("{option} goes with --wait"),
                "add --wait to follow the operation to its end",
            ));
        }
    }
}

/// The wait the options ask for, for `what` known by `id`.
pub fn wait(args: &Args, what: &str, id: &str) -> Wait {
    Wait::new(what, id)
        .timeout(args.wait_timeout.unwrap_or(DEFAULT_WAIT_TIMEOUT))
        .interval(args.wait_interval.unwrap_or(DEFAULT_WAIT_INTERVAL))
}

/// Shows progress as it changes.
pub struct Shown {
    label: String,
    quiet: bool,
    terminal: bool,
    last: Option<Progress>,
}

impl Shown {
    /// Progress of `what` `id`, on stderr unless `--quiet`.
    pub fn new(args: &Args, what: &str, id: &str) -> Shown {
        Shown {
            label: format!("{what} {id}"),
            quiet: args.quiet,
            terminal: std::io::stderr().is_terminal(),
            last: None,
        }
    }

    /// Shows `progress` if it changed.
    pub fn show(&mut self, progress: &Progress) {
        if self.quiet || self.last.as_ref() == Some(progress) {
            return;
        }
        let mut text = format!("{}: {}", self.label, progress.state);
        if let Some(percent) = progress.percent {
            text.push_str(&format!(" {percent}%"));
        }
        let mut err = std::io::stderr().lock();
        // A progress line that cannot be shown is not worth failing for.
        let _ = if self.terminal {
            write!(err, "\r\x1b[K{text}")
        } else {
            writeln!(err, "{text}")
        };
        let _ = err.flush();
        self.last = Some(progress.clone());
    }

    /// Ends the line rewritten in place, before anything else is printed.
    pub fn finish(&mut self) {
        if self.terminal && self.last.is_some() && !self.quiet {
            let _ = writeln!(std::io::stderr());
        }
        self.last = None;
    }
}

impl Drop for Shown {
    fn drop(&mut self) {
        self.finish();
    }
}
