//! `--wait`: following a long operation (an archive, a restore, a fix) to
//! its end, with its progress on stderr: one line rewritten in place on a
//! terminal, a plain line per change otherwise (a cron mail, a log), and
//! nothing with `--quiet`.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use jetpack_partner::{
    ArchiveFile, FetchProgress, Progress, Wait, DEFAULT_WAIT_INTERVAL, DEFAULT_WAIT_TIMEOUT,
};

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

/// `--wait-timeout`, `--wait-interval` and `--quiet` without `--wait`
/// (given, or implied by an option that needs the end, such as `backup
/// download --output`): the command would not wait, which is likely not
/// what was meant.
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

/// Shows a fetch's progress: bytes, percent and rate, rewritten in place
/// on a terminal (five times a second at most), a plain line every few
/// seconds otherwise (a cron mail, a log), and nothing with `--quiet`.
/// The first line says where the bytes go, the last how far they got.
pub struct Fetching {
    label: String,
    quiet: bool,
    terminal: bool,
    shown_at: Option<Instant>,
    last: Option<FetchProgress>,
    /// A line is being rewritten in place.
    open_line: bool,
}

impl Fetching {
    /// The progress of `what` `id`, on stderr unless `--quiet`.
    pub fn new(args: &Args, what: &str, id: &str) -> Fetching {
        Fetching {
            label: format!("{what} {id}"),
            quiet: args.quiet,
            terminal: std::io::stderr().is_terminal(),
            shown_at: None,
            last: None,
            open_line: false,
        }
    }

    /// Says where the archive goes, and what an earlier run left.
    pub fn start(&mut self, file: &ArchiveFile) {
        let text = if file.kept() > 0 {
            format!(
                "{}: resuming {} after {}",
                self.label,
                file.part_path().display(),
                bytes(file.kept())
            )
        } else {
            format!(
                "{}: fetching the archive to {}",
                self.label,
                file.path().display()
            )
        };
        self.line(&text);
    }

    /// Shows `progress` when it is time to.
    pub fn show(&mut self, progress: &FetchProgress) {
        let every = if self.terminal {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(5)
        };
        let due = self.shown_at.is_none_or(|at| at.elapsed() >= every);
        // Kept for the last line only while it has not been shown.
        self.last = (!due).then(|| progress.clone());
        if due {
            self.shown_at = Some(Instant::now());
            let text = self.describe(progress);
            if self.terminal {
                self.redraw(&text);
            } else {
                self.line(&text);
            }
        }
    }

    /// Shows the last progress, unless it was shown already, and ends the
    /// line rewritten in place.
    pub fn finish(&mut self) {
        if let Some(last) = self.last.take() {
            let text = self.describe(&last);
            if self.terminal {
                self.redraw(&text);
            } else {
                self.line(&text);
            }
        }
        if self.open_line && !self.quiet {
            let _ = writeln!(std::io::stderr());
        }
        self.open_line = false;
    }

    fn describe(&self, p: &FetchProgress) -> String {
        let mut text = format!("{}: {}", self.label, bytes(p.bytes));
        if let Some(total) = p.total {
            text.push_str(&format!(" of {}", bytes(total)));
        }
        if let Some(percent) = p.percent() {
            text.push_str(&format!(" ({percent}%)"));
        }
        text.push_str(&format!(", {}/s", bytes(p.rate() as u64)));
        text
    }

    fn redraw(&mut self, text: &str) {
        if self.quiet {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[K{text}");
        let _ = err.flush();
        self.open_line = true;
    }

    fn line(&mut self, text: &str) {
        if self.quiet {
            return;
        }
        let mut err = std::io::stderr().lock();
        if self.open_line {
            let _ = writeln!(err);
            self.open_line = false;
        }
        let _ = writeln!(err, "{text}");
    }
}

impl Drop for Fetching {
    fn drop(&mut self) {
        if self.open_line && !self.quiet {
            let _ = writeln!(std::io::stderr());
        }
    }
}

/// A size for people: `812 B`, `39.1 KiB`, `1.2 GiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::bytes;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1.0 KiB");
        assert_eq!(bytes(40_000), "39.1 KiB");
        assert_eq!(bytes(5 * 1024 * 1024 * 1024), "5.0 GiB");
    }
}
