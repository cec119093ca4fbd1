//! Everything the program prints: answers on stdout, failures on stderr,
//! and the exit codes that go with them.

use std::io::Write;
use std::process::ExitCode;

use jetpack_partner::{Error, Redactor, TraceEvent};
use serde::Serialize;

/// Exit codes; stable, documented in the README.
pub mod exit {
    pub const REFUSED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const TEMPORARY: u8 = 3;
    pub const UNEXPECTED: u8 = 4;
    pub const LOCAL_IO: u8 = 5;
    /// `reconcile --detailed-exitcode`: the plan has changes to apply.
    pub const CHANGES: u8 = 6;
}

/// Why the program stops early.
#[derive(Debug)]
pub enum Failure {
    /// Bad invocation: a plain message and a hint; nothing was sent.
    Usage { message: String, hint: String },
    /// Every usage problem found in one invocation, reported together
    /// (exit 2): all their messages, then their hints.
    Usages(Vec<Problem>),
    /// A library error.
    Lib(Error),
    /// A refusal that is not an API error: nothing to cancel, a failed
    /// WP-CLI authorization. Exit 1 with the usual JSON line.
    Refused {
        code: String,
        message: String,
        http_status: Option<u16>,
    },
    /// A wait that ran out of time with nothing to show (no browser
    /// redirect, nothing pasted): exit 3 with the usual JSON line, code
    /// `timeout`. Trying again may do.
    TimedOut(String),
    /// Not a failure: `reconcile --detailed-exitcode` found changes to
    /// apply (exit 6); the plan is already printed.
    Changes,
}

impl Failure {
    pub fn usage(message: impl Into<String>, hint: &str) -> Failure {
        Failure::Usage {
            message: message.into(),
            hint: hint.to_owned(),
        }
    }

    /// The usage problem this failure is, or the failure itself when it is
    /// not one (an I/O error, a refusal): that one is not collected.
    pub fn into_problem(self) -> Result<Problem, Failure> {
        match self {
            Failure::Usage { message, hint } => Ok(Problem { message, hint }),
            Failure::Lib(Error::InvalidInput(message)) => Ok(Problem {
                message,
                hint: INVALID_INPUT_HINT.to_owned(),
            }),
            other => Err(other),
        }
    }
}

/// One usage problem: what is wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub hint: String,
}

impl Problem {
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// A value the library refuses before anything is sent (a site
/// reference, a fault kind).
impl From<Error> for Problem {
    fn from(e: Error) -> Problem {
        let message = match e {
            Error::InvalidInput(message) => message,
            other => other.to_string(),
        };
        Problem::new(message, INVALID_INPUT_HINT)
    }
}

/// The usage problems of one invocation, collected so that all of them
/// are reported at once.
#[derive(Debug, Default)]
pub struct Problems(Vec<Problem>);

impl Problems {
    /// Records a problem, once: two checks that find the same thing say it
    /// once.
    pub fn push(&mut self, problem: Problem) {
        if !self.0.iter().any(|p| p.message == problem.message) {
            self.0.push(problem);
        }
    }

    /// Collects the problem of a failed check; a failure that is not a
    /// usage problem is returned, to stop the program as it would have.
    pub fn check(&mut self, result: Result<(), Failure>) -> Result<(), Failure> {
        match result.map_err(Failure::into_problem) {
            Ok(()) => Ok(()),
            Err(Ok(problem)) => {
                self.push(problem);
                Ok(())
            }
            Err(Err(other)) => Err(other),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<Problem> {
        self.0
    }

    /// `Ok` when there is none; else all of them as one failure.
    pub fn into_result(self) -> Result<(), Failure> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Failure::Usages(self.0))
        }
    }
}

/// The hint for invalid input the library refused before sending.
const INVALID_INPUT_HINT: &str = "nothing was sent; see 'jetpack-partner --help'";

/// Every message, each on its own `jetpack-partner:` line, then every
/// distinct hint.
pub fn usage_text(problems: &[Problem]) -> String {
    let mut lines: Vec<String> = problems
        .iter()
        .map(|p| format!("jetpack-partner: {}", p.message))
        .collect();
    let mut hints: Vec<&str> = Vec::new();
    for problem in problems {
        if !hints.contains(&problem.hint.as_str()) {
            hints.push(&problem.hint);
        }
    }
    lines.extend(hints.iter().map(|h| format!("hint: {h}")));
    lines.join("\n")
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Lib(e)
    }
}

/// How answers are printed.
#[derive(Clone, Default)]
pub struct Output {
    pub pretty: bool,
    pub redactor: Redactor,
}

impl Output {
    /// Prints a JSON answer on stdout as the API sent it (its keys in their
    /// order, its escapes as they were): one line, or pretty with
    /// `--pretty`. An answer not read from the API is serialized.
    pub fn json(&self, value: &impl Printable) -> Result<(), Failure> {
        if let Some(raw) = value.raw() {
            let text = if self.pretty {
                pretty(raw)
            } else {
                raw.to_owned()
            };
            return self.line(&text);
        }
        // Written compact once and laid out by `pretty`, which gives what
        // serde_json's pretty writer would: one serializer per answer type.
        let text = serde_json::to_string(value).map_err(|e| {
            Failure::Lib(Error::Io {
                context: "cannot print the answer".into(),
                source: std::io::Error::other(e),
            })
        })?;
        if self.pretty {
            return self.line(&pretty(&text));
        }
        self.line(&text)
    }

    /// Prints an answer that cannot be had again for free (a provision's
    /// `next_url`, a new partner key): when stdout cannot take it, even
    /// because its reader has gone, that is a local I/O failure (exit 5),
    /// never a success.
    pub fn answer(&self, value: &impl Printable) -> Result<(), Failure> {
        self.json(value).map_err(answer_lost)
    }

    /// Prints JSON text this program made from an answer that cannot be
    /// had again (one with a secret masked), as [`answer`](Self::answer)
    /// prints an answer: one line, or pretty with `--pretty`; exit 5 when
    /// stdout cannot take it.
    pub fn answer_text(&self, json: &str) -> Result<(), Failure> {
        let text = if self.pretty {
            pretty(json)
        } else {
            json.to_owned()
        };
        self.line(&text).map_err(answer_lost)
    }

    /// Fails when standard output is not open, before anything is sent.
    /// (A descriptor closed before the program starts, as `>&-` does, is
    /// reopened on `/dev/null` by the Rust runtime, and cannot be told from
    /// `> /dev/null`: what is written there is gone by the user's choice.)
    pub fn check_stdout(&self) -> Result<(), Failure> {
        let closed = |source| {
            Err(Failure::Lib(Error::Io {
                context: "standard output cannot be written: the answer would be lost; \
                          nothing was sent"
                    .into(),
                source,
            }))
        };
        #[cfg(unix)]
        {
            use std::os::fd::AsFd;
            if let Err(e) = std::io::stdout().as_fd().try_clone_to_owned() {
                return closed(e);
            }
        }
        // Open for reading only (`1</dev/null`): every write would fail,
        // and the standard library reports such a failure as success.
        let flags = std::fs::read_to_string("/proc/self/fdinfo/1")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find_map(|l| l.strip_prefix("flags:"))
                    .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
            });
        if flags.is_some_and(|f| f & 3 == 0) {
            return closed(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        }
        Ok(())
    }

    /// Prints one line on stdout. A closed stdout is a local I/O failure.
    pub fn line(&self, text: &str) -> Result<(), Failure> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{text}")
            .and_then(|()| out.flush())
            .map_err(|e| {
                Failure::Lib(Error::Io {
                    context: "cannot write to standard output".into(),
                    source: e,
                })
            })
    }

    /// Prints a line on stderr, every spelling of every known secret
    /// masked: a last guard, since the library masks what it reports.
    pub fn note(&self, text: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{}", self.redactor.clean(text));
    }

    /// Reports a failure on stderr and returns its exit code.
    pub fn fail(&self, failure: Failure) -> ExitCode {
        match failure {
            // The reader went away (`| head`): nothing to report, as with
            // other Unix filters.
            Failure::Lib(Error::Io { source, .. })
                if source.kind() == std::io::ErrorKind::BrokenPipe =>
            {
                ExitCode::SUCCESS
            }
            Failure::Usage { message, hint } => {
                self.note(&usage_text(&[Problem { message, hint }]));
                ExitCode::from(exit::USAGE)
            }
            Failure::Usages(problems) => {
                self.note(&usage_text(&problems));
                ExitCode::from(exit::USAGE)
            }
            Failure::Lib(Error::InvalidInput(message)) => {
                self.note(&usage_text(&[Problem::new(message, INVALID_INPUT_HINT)]));
                ExitCode::from(exit::USAGE)
            }
            Failure::Lib(e) => {
                self.note(&error_json(&e).to_string());
                ExitCode::from(exit_code(&e))
            }
            Failure::Refused {
                code,
                message,
                http_status,
            } => {
                self.note(&ErrorLine::plain(code, message, http_status).to_string());
                ExitCode::from(exit::REFUSED)
            }
            Failure::TimedOut(message) => {
                let line = ErrorLine::plain("timeout".into(), message, None);
                self.note(&line.to_string());
                ExitCode::from(exit::TEMPORARY)
            }
            Failure::Changes => ExitCode::from(exit::CHANGES),
        }
    }

    /// A trace printer for `-v`: requests and answers on stderr.
    pub fn tracer(&self) -> impl Fn(&TraceEvent) + Send + Sync + 'static {
        let out = self.clone();
        move |event| {
            for line in describe(event) {
                out.note(&line);
            }
        }
    }
}

/// A failure to print an answer that cannot be had again: a local I/O
/// failure (exit 5), never a success.
fn answer_lost(failure: Failure) -> Failure {
    match failure {
        Failure::Lib(Error::Io { source, .. }) => Failure::Lib(Error::Io {
            context: "cannot write the answer to standard output: the request was done, but \
                      its answer is lost"
                .into(),
            // Not a broken pipe any more: that is success only for answers
            // that can be asked for again.
            source: std::io::Error::other(source),
        }),
        other => other,
    }
}

/// An answer to print: its text as the API sent it, when it has one.
pub trait Printable: Serialize {
    fn raw(&self) -> Option<&str>;
}

macro_rules! printable {
    ($($answer:ty),+) => {$(
        impl Printable for $answer {
            fn raw(&self) -> Option<&str> {
                self.raw.get()
            }
        }
    )+};
}

printable!(
    jetpack_partner::ProvisionAnswer,
    jetpack_partner::CancelAnswer,
    jetpack_partner::TokenAnswer,
    jetpack_partner::StatusAnswer,
    jetpack_partner::StatusV13Answer,
    jetpack_partner::UpgradePathsAnswer,
    jetpack_partner::ErrorCatalogueAnswer,
    jetpack_partner::SshCredentialsAnswer,
    jetpack_partner::PartnerKeyAnswer,
    jetpack_partner::SiteLookupAnswer,
    jetpack_partner::ScanAnswer,
    jetpack_partner::EnqueueScanAnswer,
    jetpack_partner::AlertsAnswer,
    jetpack_partner::FixStatusAnswer,
    jetpack_partner::NewUserAnswer,
    jetpack_partner::MagicLinkAnswer,
    jetpack_partner::ActivationsAnswer,
    jetpack_partner::ActivationCountsAnswer,
    jetpack_partner::InvoicesAnswer,
    jetpack_partner::UpcomingInvoiceAnswer,
    jetpack_partner::BackupListAnswer,
    jetpack_partner::DownloadAnswer,
    jetpack_partner::RestoreAnswer,
    jetpack_partner::RestoreStatusAnswer,
    jetpack_partner::ActivityListAnswer,
    jetpack_partner::ActivityCountsAnswer,
    jetpack_partner::Activity
);

/// An answer this program composed: printed as serialized.
impl Printable for serde_json::Value {
    fn raw(&self) -> Option<&str> {
        None
    }
}

/// Indents JSON text two spaces a level, keeping every key, value and
/// escape as it is (serde would sort the keys and re-escape).
pub fn pretty(json: &str) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = json.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.extend(chars.next());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// The exit code for a library error.
pub fn exit_code(e: &Error) -> u8 {
    match e {
        Error::Api(_) => exit::REFUSED,
        Error::InvalidInput(_) => exit::USAGE,
        Error::Transport(_) | Error::Unavailable(_) => exit::TEMPORARY,
        Error::UnexpectedResponse(_) => exit::UNEXPECTED,
        Error::Io { .. } => exit::LOCAL_IO,
        Error::StillRunning(_) => exit::TEMPORARY,
        Error::Ended(_) => exit::REFUSED,
        _ => exit::UNEXPECTED,
    }
}

/// The one-line JSON the program writes on stderr for a failed call, with
/// its keys in the order the old partner scripts used.
#[derive(Serialize)]
pub struct ErrorLine {
    success: bool,
    error_code: String,
    error_message: String,
    http_status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    excerpt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
    /// For a temporary failure the API explained: its own code.
    #[serde(skip_serializing_if = "Option::is_none")]
    api_error_code: Option<String>,
    /// For a long operation still running or ended: its ID, to follow it.
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    /// For a long operation still running: its last progress in percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    percent: Option<u8>,
}

impl ErrorLine {
    /// A line with a code and a message only.
    fn plain(error_code: String, error_message: String, http_status: Option<u16>) -> ErrorLine {
        ErrorLine {
            success: false,
            error_code,
            error_message,
            http_status,
            excerpt: None,
            retry_after: None,
            api_error_code: None,
            id: None,
            percent: None,
        }
    }
}

impl std::fmt::Display for ErrorLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = serde_json::to_string(self).map_err(|_| std::fmt::Error)?;
        f.write_str(&text)
    }
}

pub fn error_json(e: &Error) -> ErrorLine {
    let error_message = match e {
        Error::Api(api) if !api.message.is_empty() => api.message.clone(),
        other => other.to_string(),
    };
    let (excerpt, retry_after) = match e {
        Error::UnexpectedResponse(u) => (Some(u.excerpt.clone()), None),
        Error::Unavailable(u) => (Some(u.excerpt.clone()), u.retry_after.map(|d| d.as_secs())),
        _ => (None, None),
    };
    ErrorLine {
        success: false,
        error_code: e.code().to_owned(),
        error_message,
        http_status: e.http_status(),
        excerpt,
        retry_after,
        api_error_code: match e {
            Error::Unavailable(u) => u.code.clone(),
            _ => None,
        },
        id: match e {
            Error::StillRunning(s) => Some(s.id.clone()),
            Error::Ended(s) => Some(s.id.clone()),
            _ => None,
        },
        percent: match e {
            Error::StillRunning(s) => s.percent,
            _ => None,
        },
    }
}

/// A trace event as lines for people: `>` what was sent, `<` what came back.
pub fn describe(event: &TraceEvent) -> Vec<String> {
    match event {
        TraceEvent::Request {
            method,
            url,
            content_type,
            content_length,
            fields,
            bearer,
        } => {
            let mut lines = vec![format!("> {method} {url}")];
            if *bearer {
                lines.push("> Authorization: Bearer ***".into());
            }
            if let Some(ct) = content_type {
                lines.push(format!("> Content-Type: {ct}"));
                lines.push(format!("> Content-Length: {content_length}"));
            }
            lines.extend(fields.iter().map(|(k, v)| format!(">   {k} = {v}")));
            lines
        }
        TraceEvent::Response {
            status,
            elapsed,
            bytes,
        } => vec![format!(
            "< HTTP {status}, {bytes} bytes in {:.1} ms",
            elapsed.as_secs_f64() * 1000.0
        )],
        TraceEvent::Retry {
            attempt,
            code,
            wait,
        } => vec![format!(
            "! attempt {attempt} failed ({code}); trying again in {:.1} s",
            wait.as_secs_f64()
        )],
        TraceEvent::Note(text) => vec![format!("! {text}")],
        TraceEvent::Failed { code, elapsed } => vec![format!(
            "< no answer ({code}) after {:.1} ms",
            elapsed.as_secs_f64() * 1000.0
        )],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_keeps_order_and_escapes_and_is_the_same_json() {
        let raw =
            r#"{"z":1,"a":{"s":"a, b: {c}\"\\ \u00e9\/","e":[],"o":{}},"l":[1, 2 ,{"k":null}]}"#;
        let shown = pretty(raw);
        assert!(shown.starts_with("{\n  \"z\": 1,\n  \"a\": {"), "{shown}");
        assert!(
            shown.contains(r#""s": "a, b: {c}\"\\ \u00e9\/""#),
            "{shown}"
        );
        assert!(shown.contains(r#""e": [],"#), "{shown}");
        let again: serde_json::Value = serde_json::from_str(&shown).unwrap_or_default();
        let first: serde_json::Value = serde_json::from_str(raw).unwrap_or_default();
        assert_eq!(again, first);
        let sorted = r#"{"a":[1,{"b":true}],"c":"x"}"#;
        let value: serde_json::Value = serde_json::from_str(sorted).unwrap_or_default();
        assert_eq!(
            pretty(sorted),
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    }
}
