//! The fleet checks that only read: `batch backups` (each site's newest
//! backup, and how old its last good one is) and `batch scan` (each site's
//! open threats by severity). A cron job runs them nightly.
//!
//! They take the input of every batch ([`Input`] with [`Action::Read`]),
//! the same pool of workers, rate and per-site budget, and write one JSON
//! line per input line, in completion order, to a [`Report`]. Nothing they
//! send changes anything, so a run that dies is simply run again: there is
//! no journal and no resume.
//!
//! What a site's answers mean is decided here, by functions without I/O
//! ([`backup_health`], [`scan_health`]); [`run`] only fetches and writes.
//!
//! [`Action::Read`]: super::Action::Read

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::{Serialize, Serializer};
use serde_json::{json, Value};

use super::pool::{self, Stop};
use super::{is_credential_failure, pacer, Input, Job, Line, Options, Pacer, Row};
use crate::api::backups::{Backup, BackupList, BackupListAnswer};
use crate::api::scan::{ScanAnswer, ScanStatus, ScannerState, Severity, ThreatStatus};
use crate::blog::BlogId;
use crate::client::Client;
use crate::error::{excerpt, Error};
use crate::output_file::{self, Access, Refusals};
use crate::session::Session;
use crate::site::SiteRef;
use crate::time::UtcTime;

/// How old the last good backup may be before a site is `stale`: a day and
/// a half, so that one daily backup that runs late is not an alarm, and one
/// that is missed is.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(36 * 3600);

/// Which check a run makes of each site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// `GET …/rewind/backups`: the newest attempt and the last good one.
    Backups {
        /// A last good backup older than this is `stale`.
        max_age: Duration,
    },
    /// `GET …/scan`: the scanner's state and the open threats.
    Scan,
}

impl Check {
    /// The command's word: `backups` or `scan`.
    pub fn name(self) -> &'static str {
        match self {
            Check::Backups { .. } => "backups",
            Check::Scan => "scan",
        }
    }

    /// The verdicts this check gives, `error` last.
    pub fn verdicts(self) -> &'static [Verdict] {
        match self {
            Check::Backups { .. } => &[
                Verdict::Ok,
                Verdict::Stale,
                Verdict::Failed,
                Verdict::None,
                Verdict::Error,
            ],
            Check::Scan => &[
                Verdict::Clean,
                Verdict::Threats,
                Verdict::Unavailable,
                Verdict::Error,
            ],
        }
    }
}

/// What a check says of one site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Backups: the newest backup that ended succeeded, and the last good
    /// one is within the maximum age.
    Ok,
    /// Backups: the last good backup is older than the maximum age (or its
    /// time is not given).
    Stale,
    /// Backups: the newest backup that ended failed.
    Failed,
    /// Backups: no backup has succeeded yet, and none has failed.
    None,
    /// Scan: the scanner works and no threat is open.
    Clean,
    /// Scan: at least one threat is open (neither fixed nor ignored).
    Threats,
    /// Scan: the site has no Scan, or it is still being set up.
    Unavailable,
    /// The site could not be checked: a bad input line, a site the lookup
    /// does not know, a refusal, no answer.
    Error,
}

const VERDICTS: [Verdict; 8] = [
    Verdict::Ok,
    Verdict::Stale,
    Verdict::Failed,
    Verdict::None,
    Verdict::Clean,
    Verdict::Threats,
    Verdict::Unavailable,
    Verdict::Error,
];

impl Verdict {
    /// The word in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Stale => "stale",
            Verdict::Failed => "failed",
            Verdict::None => "none",
            Verdict::Clean => "clean",
            Verdict::Threats => "threats",
            Verdict::Unavailable => "unavailable",
            Verdict::Error => "error",
        }
    }

    /// The verdict a word names.
    pub fn from_text(text: &str) -> Option<Verdict> {
        VERDICTS.into_iter().find(|v| v.as_str() == text)
    }

    fn index(self) -> usize {
        VERDICTS.iter().position(|v| *v == self).unwrap_or(0)
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a site's backups list says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BackupHealth {
    /// `ok`, `stale`, `failed` or `none`.
    #[serde(skip)]
    pub verdict: Verdict,
    /// The newest attempt's status (`started`, `finished`, a failure), as
    /// the API wrote it; `None` without any attempt.
    pub newest_status: Option<String>,
    /// When the newest attempt began.
    #[serde(serialize_with = "time_text")]
    pub newest_at: Option<UtcTime>,
    /// Its age in seconds.
    pub newest_age_s: Option<u64>,
    /// When the last good backup (finished, with a snapshot) began.
    #[serde(serialize_with = "time_text")]
    pub last_good_at: Option<UtcTime>,
    /// Its age in seconds.
    pub last_good_age_s: Option<u64>,
}

/// A time as the rewind family writes it (`2020-11-05T12:01:13+00:00`).
fn time_text<S: Serializer>(at: &Option<UtcTime>, s: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => s.collect_str(at),
        None => s.serialize_none(),
    }
}

/// The newest of `backups` by `period` (when it began); of two with the
/// same, the one listed first (the API lists the newest first).
fn newest<'a>(backups: impl Iterator<Item = &'a Backup>) -> Option<&'a Backup> {
    backups.fold(None, |best: Option<&Backup>, b| match best {
        Some(best) if best.period >= b.period => Some(best),
        _ => Some(b),
    })
}

/// Judges a site's backups at `now`. An attempt's time is its `period`
/// (when it began, Unix seconds): the list's other times are text without
/// a zone. A time after `now` (a clock behind the API's) is age 0.
///
/// The verdict, first that applies:
/// - `none`: no attempt at all, or none has succeeded and none has failed
///   (the first backup is still running);
/// - `failed`: the newest attempt that has ended failed, whatever came
///   before (one under way does not hide it);
/// - `none`: no attempt has succeeded (and the newest ended one did not
///   fail: a `finished` attempt without a snapshot);
/// - `stale`: the last good backup began more than `max_age` before
///   `now`, or its time is not given;
/// - `ok`.
///
/// ```
/// use std::time::Duration;
/// use jetpack_partner::batch::health::{backup_health, Verdict};
/// use jetpack_partner::{BackupList, BlogId, Endpoint, Reply, UtcTime};
/// let list = BackupList::new(BlogId::new(1)?).decode(Reply::decode(200, None, br#"[
///     {"id":"2","status":"error","period":"1700086400","has_snapshot":false},
///     {"id":"1","status":"finished","period":"1700000000","has_snapshot":true}]"#)?)?;
/// let now = UtcTime::from_unix(1700090000)?;
/// let health = backup_health(&list, now, Duration::from_secs(36 * 3600));
/// assert_eq!(health.verdict, Verdict::Failed);
/// assert_eq!(health.newest_status.as_deref(), Some("error"));
/// assert_eq!(health.last_good_age_s, Some(90000));
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
pub fn backup_health(answer: &BackupListAnswer, now: UtcTime, max_age: Duration) -> BackupHealth {
    let backups = &answer.backups;
    let newest_attempt = newest(backups.iter());
    let newest_ended = newest(
        backups
            .iter()
            .filter(|b| b.status.is_finished() || b.status.is_failure()),
    );
    let last_good = answer.latest_finished();
    let age = |b: &Backup| b.period.map(|p| now.unix().saturating_sub(p));
    let at = |b: &Backup| b.period.and_then(|p| UtcTime::from_unix(p).ok());
    let verdict = if newest_ended.is_some_and(|b| b.status.is_failure()) {
        Verdict::Failed
    } else {
        match last_good.map(age) {
            None => Verdict::None,
            Some(Some(age)) if age <= max_age.as_secs() => Verdict::Ok,
            Some(_) => Verdict::Stale,
        }
    };
    BackupHealth {
        verdict,
        newest_status: newest_attempt.map(|b| b.status.as_str().to_owned()),
        newest_at: newest_attempt.and_then(at),
        newest_age_s: newest_attempt.and_then(age),
        last_good_at: last_good.and_then(at),
        last_good_age_s: last_good.and_then(age),
    }
}

/// Open threats by severity, as the reference names them; `other` for a
/// number it does not name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SeverityCounts {
    /// `5`.
    pub critical: u64,
    /// `4`.
    pub high: u64,
    /// `3`.
    pub medium: u64,
    /// `2`.
    pub low: u64,
    /// `1`.
    pub suspicious: u64,
    /// Any other number.
    pub other: u64,
}

impl SeverityCounts {
    fn add(&mut self, severity: Severity) {
        let counter = match severity {
            Severity::CRITICAL => &mut self.critical,
            Severity::HIGH => &mut self.high,
            Severity::MEDIUM => &mut self.medium,
            Severity::LOW => &mut self.low,
            Severity::SUSPICIOUS => &mut self.suspicious,
            _ => &mut self.other,
        };
        *counter += 1;
    }
}

/// What a site's Scan answer says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScanHealth {
    /// `clean`, `threats` or `unavailable`.
    #[serde(skip)]
    pub verdict: Verdict,
    /// The scanner's state, as the API wrote it.
    pub state: ScannerState,
    /// Threats still open: every threat neither `fixed` nor `ignored`.
    pub open: u64,
    /// The open threats by severity.
    pub by_severity: SeverityCounts,
    /// Threats marked ignored.
    pub ignored: u64,
    /// Threats fixed.
    pub fixed: u64,
    /// When the most recent scan ran (or the one under way began), as the
    /// API wrote it.
    pub last_scan_at: Option<String>,
}

/// Judges a site's Scan answer. A threat counts as open unless it is
/// `fixed` or `ignored`: `new` and `current` need action, and a status
/// this version does not know is not taken as settled.
///
/// The verdict: `threats` when one is open (whatever the scanner's
/// state); else `unavailable` when the scanner is `unavailable` (no Scan
/// for the site) or `provisioning` (Scan being set up: no scan to trust
/// yet); else `clean`.
///
/// ```
/// use jetpack_partner::batch::health::{scan_health, Verdict};
/// use jetpack_partner::{BlogId, Endpoint, Reply, ScanStatus};
/// let scan = ScanStatus::new(BlogId::new(1)?).decode(Reply::decode(200, None, br#"{"state":"idle",
///     "threats":[{"id":1,"severity":5,"status":"current"},{"id":2,"severity":2,"status":"fixed"}]}"#)?)?;
/// let health = scan_health(&scan);
/// assert_eq!((health.verdict, health.open, health.by_severity.critical), (Verdict::Threats, 1, 1));
/// assert_eq!(health.fixed, 1);
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
pub fn scan_health(answer: &ScanAnswer) -> ScanHealth {
    let mut by_severity = SeverityCounts::default();
    let (mut open, mut ignored, mut fixed) = (0, 0, 0);
    for threat in &answer.threats {
        match threat.status {
            ThreatStatus::Fixed => fixed += 1,
            ThreatStatus::Ignored => ignored += 1,
            _ => {
                open += 1;
                by_severity.add(threat.severity);
            }
        }
    }
    let verdict = if open > 0 {
        Verdict::Threats
    } else if matches!(
        answer.state,
        ScannerState::Unavailable | ScannerState::Provisioning
    ) {
        Verdict::Unavailable
    } else {
        Verdict::Clean
    };
    ScanHealth {
        verdict,
        state: answer.state.clone(),
        open,
        by_severity,
        ignored,
        fixed,
        last_scan_at: answer
            .most_recent
            .as_ref()
            .map(|m| m.timestamp.clone())
            .filter(|t| !t.is_empty()),
    }
}

/// What one check found of a site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SiteHealth {
    /// [`Check::Backups`].
    Backups(BackupHealth),
    /// [`Check::Scan`].
    Scan(ScanHealth),
}

impl SiteHealth {
    /// Its verdict.
    pub fn verdict(&self) -> Verdict {
        match self {
            SiteHealth::Backups(b) => b.verdict,
            SiteHealth::Scan(s) => s.verdict,
        }
    }
}

/// Live counts of a run, for a progress display on another thread.
#[derive(Debug, Default)]
pub struct HealthCounts {
    total: AtomicU64,
    done: AtomicU64,
    requests: AtomicU64,
    verdicts: [AtomicU64; VERDICTS.len()],
}

/// The counts of a run at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HealthTally {
    /// Lines in the input.
    pub total: u64,
    /// Lines with a record.
    pub done: u64,
    /// Requests sent (site lookups and reads; retries not counted).
    pub requests: u64,
    verdicts: [u64; VERDICTS.len()],
}

impl HealthTally {
    /// Lines with this verdict.
    pub fn count(&self, verdict: Verdict) -> u64 {
        self.verdicts[verdict.index()]
    }

    /// Lines with any of these verdicts.
    pub fn any_of(&self, verdicts: &[Verdict]) -> u64 {
        verdicts.iter().map(|v| self.count(*v)).sum()
    }
}

impl HealthCounts {
    /// Counts for an input of `total` lines (see [`super::Checked::lines`]).
    pub fn new(total: u64) -> HealthCounts {
        HealthCounts {
            total: AtomicU64::new(total),
            ..HealthCounts::default()
        }
    }

    /// The counts now.
    pub fn tally(&self) -> HealthTally {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        HealthTally {
            total: load(&self.total),
            done: load(&self.done),
            requests: load(&self.requests),
            verdicts: std::array::from_fn(|i| load(&self.verdicts[i])),
        }
    }

    fn add(&self, verdict: Verdict) {
        self.verdicts[verdict.index()].fetch_add(1, Ordering::Relaxed);
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}

/// Where the records go: standard output, or a file written anew by each
/// run. A file is created readable by its owner only, locked for the run,
/// and replaced only when it is empty or an earlier report: a batch
/// journal (which a resume needs) or any other file is never overwritten.
pub struct Report {
    sink: Box<dyn Write + Send>,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Report")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// The longest first line read to tell what a file is.
const FIRST_LINE: u64 = 64 * 1024;

impl Report {
    /// Records to a stream the caller gives (standard output, say); each
    /// record is flushed whole.
    pub fn to_writer(stream: impl Write + Send + 'static) -> Report {
        Report {
            sink: Box::new(stream),
            path: None,
        }
    }

    /// Opens (or creates, 0600) the report file, locks it until the report
    /// is dropped, and empties it, if it is empty or holds an earlier report
    /// of a fleet check. Anything else is refused and left as it is.
    pub fn create(path: &Path) -> Result<Report, Error> {
        let failed = |what: &str, e| output_file::failed(path, what, e);
        let mut file = output_file::open_locked(
            path,
            Access::ReadWrite,
            Refusals {
                not_regular: "",
                holder: "another batch run",
                in_use: "nothing was read. Wait for that run to end, or choose another output \
                         file",
            },
        )?;
        let mut first = Vec::new();
        BufReader::new(&file)
            .take(FIRST_LINE)
            .read_until(b'\n', &mut first)
            .map_err(|e| failed("read", e))?;
        if !first.is_empty() && !is_report_record(&first) {
            let shown: String = excerpt(&first[..first.len().min(200)])
                .chars()
                .take(60)
                .collect();
            return Err(Error::InvalidInput(format!(
                "the output file {} is not a report of batch backups or batch scan (it starts \
                 with {shown:?}); nothing was written to it; choose another output file",
                path.display()
            )));
        }
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)).map(drop))
            .map_err(|e| failed("empty", e))?;
        Ok(Report {
            sink: Box::new(file),
            path: Some(path.to_owned()),
        })
    }

    /// Writes one record, whole, and flushes it.
    pub fn append(&mut self, record: &impl Serialize) -> Result<(), Error> {
        let mut line = serde_json::to_string(record)
            .map_err(|e| Error::io("cannot encode a record", std::io::Error::other(e)))?;
        line.push('\n');
        self.sink
            .write_all(line.as_bytes())
            .and_then(|()| self.sink.flush())
            .map_err(|e| match &self.path {
                Some(path) => Error::io(
                    format!("cannot write the output file {}", path.display()),
                    e,
                ),
                None => Error::io("cannot write a batch record", e),
            })
    }
}

/// A line a report holds: an object with `line` and `verdict`.
fn is_report_record(bytes: &[u8]) -> bool {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    serde_json::from_slice::<Value>(body).is_ok_and(|v| {
        v.get("line").is_some_and(Value::is_u64) && v.get("verdict").is_some_and(Value::is_string)
    })
}

/// One line of the report, its keys in reading order.
#[derive(Serialize)]
struct Record<'a> {
    line: usize,
    site: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blog_id: Option<u64>,
    verdict: Verdict,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    backups: Option<&'a BackupHealth>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    scan: Option<&'a ScanHealth>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Value>,
}

impl<'a> Record<'a> {
    /// A checked line's record.
    fn of(line: &'a Line, blog: Option<BlogId>, health: &'a Result<SiteHealth, Error>) -> Self {
        let health = match health {
            Ok(health) => health,
            Err(e) => return Record::error(line.number, Some(&line.site), blog, error_json(e)),
        };
        let (backups, scan) = match health {
            SiteHealth::Backups(b) => (Some(b), None),
            SiteHealth::Scan(s) => (None, Some(s)),
        };
        Record {
            line: line.number,
            site: Some(&line.site),
            blog_id: blog.map(BlogId::get),
            verdict: health.verdict(),
            backups,
            scan,
            error: None,
        }
    }

    fn error(line: usize, site: Option<&'a str>, blog: Option<BlogId>, error: Value) -> Self {
        Record {
            line,
            site,
            blog_id: blog.map(BlogId::get),
            verdict: Verdict::Error,
            backups: None,
            scan: None,
            error: Some(error),
        }
    }
}

/// An error as a line's `error`, in the shape of a batch journal's.
fn error_json(e: &Error) -> Value {
    let message = match e {
        Error::Api(api) if !api.message.is_empty() => api.message.clone(),
        other => other.to_string(),
    };
    json!({"error_code": e.code(), "error_message": message, "http_status": e.http_status()})
}

/// Checks each line of `input` (checked with [`Input::check`] first, and
/// its line count given to [`HealthCounts::new`]) and writes one record per
/// line to `report`, in completion order. Every line gets its record, a
/// site that cannot be checked an `error` one, unless the run stops: at
/// the first error writing the report, or when the API refuses the
/// partner's credentials (every line would fail the same way).
/// `options.fail_fast` and `options.retry_failed` do not apply.
pub fn run(
    session: &Session,
    input: &mut Input,
    check: Check,
    options: &Options,
    counts: &HealthCounts,
    report: Report,
) -> Result<(), Error> {
    let pacer = pacer(options)?;
    let report = Mutex::new(report);
    let write = |record: &Record| {
        report
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .append(record)
    };
    let workers = options.concurrency.max(1);
    let (queue, todo) = pool::queue::<Line>(workers);
    let stop = Stop::new();
    let work = || {
        todo.each_until(&stop, |line| {
            let written = check_line(session, &line, check, pacer.as_ref(), counts).and_then(
                |(blog, health)| {
                    let record = Record::of(&line, blog, &health);
                    write(&record)?;
                    counts.add(record.verdict);
                    Ok(())
                },
            );
            if let Err(e) = written {
                stop.fail(e);
            }
        })
    };
    pool::run(workers, &stop, queue, work, |send| {
        for row in input.rows()? {
            if stop.is_set() {
                break;
            }
            match row? {
                Row::Good(line) => {
                    if !send(line) {
                        break;
                    }
                }
                Row::Bad(line) => {
                    let error =
                        json!({"error_code": "invalid_input", "error_message": line.message});
                    write(&Record::error(
                        line.number,
                        line.site.as_deref(),
                        None,
                        error,
                    ))?;
                    counts.add(Verdict::Error);
                }
            }
        }
        Ok(())
    });
    stop.into_result()
}

/// What checking one line gave: its blog ID when it was found, and its
/// health or why it has none.
type Checked = (Option<BlogId>, Result<SiteHealth, Error>);

/// Checks one line within its budget (`--timeout`, from its first
/// request), pacing each request. `Err` stops the run: the partner's
/// credentials were refused.
fn check_line(
    session: &Session,
    line: &Line,
    check: Check,
    pacer: Option<&Pacer>,
    counts: &HealthCounts,
) -> Result<Checked, Error> {
    let Job::Read(site) = &line.job else {
        return Err(Error::InvalidInput(format!(
            "line {} is not a site to read",
            line.number
        )));
    };
    let pace = || {
        if let Some(pacer) = pacer {
            pacer.wait();
        }
        counts.requests.fetch_add(1, Ordering::Relaxed);
    };
    let base = session.client();
    let client = base.with_deadline(Instant::now() + base.timeout());
    let blog = match site {
        SiteRef::BlogId(_) => session.blog_id_via(&client, site),
        SiteRef::Url { .. } => {
            pace();
            session
                .blog_id_via(&client, site)
                .map_err(|e| unknown_site(e, site))
        }
    };
    let blog = match blog {
        Ok(blog) => blog,
        Err(e) => return settle(None, Err(e)),
    };
    pace();
    settle(Some(blog), fetch(session, &client, blog, check))
}

/// A refusal of the credentials stops the run; anything else is the line's.
fn settle(blog: Option<BlogId>, health: Result<SiteHealth, Error>) -> Result<Checked, Error> {
    match health {
        Err(e) if is_credential_failure(&e) => Err(e),
        other => Ok((blog, other)),
    }
}

/// Reads a site and judges what came back.
fn fetch(
    session: &Session,
    client: &Client,
    blog: BlogId,
    check: Check,
) -> Result<SiteHealth, Error> {
    match check {
        Check::Backups { max_age } => {
            let answer = session.send_via(client, &BackupList::new(blog))?;
            Ok(SiteHealth::Backups(backup_health(
                &answer,
                UtcTime::now(),
                max_age,
            )))
        }
        Check::Scan => {
            let answer = session.send_via(client, &ScanStatus::new(blog))?;
            Ok(SiteHealth::Scan(scan_health(&answer)))
        }
    }
}

/// A domain the public site lookup does not know: the API's code stays,
/// the message says what to do.
fn unknown_site(e: Error, site: &SiteRef) -> Error {
    match e {
        Error::Api(mut api) if api.status == 404 => {
            api.message = format!(
                "WordPress.com does not know the site {site} (the public site lookup answered \
                 {}): give its blog ID instead",
                api.code
            );
            Error::Api(api)
        }
        other => other,
    }
}

/// Reads a maximum age: a whole number and a unit, `s`, `m`, `h` or `d`
/// (`36h`, `2d`, `90m`); from one minute to a year.
///
/// ```
/// use std::time::Duration;
/// use jetpack_partner::batch::health::parse_max_age;
/// assert_eq!(parse_max_age("36h")?, Duration::from_secs(36 * 3600));
/// assert_eq!(parse_max_age("2d")?, Duration::from_secs(2 * 86400));
/// assert!(parse_max_age("36").is_err(), "which unit?");
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
pub fn parse_max_age(text: &str) -> Result<Duration, Error> {
    let bad = || {
        Error::InvalidInput(format!(
            "{text:?} is not an age from one minute to a year: give a whole number and a \
             unit, s, m, h or d (36h, 2d, 90m)"
        ))
    };
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(bad)?;
    let (number, unit) = trimmed.split_at(split);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let unit = match unit {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    let seconds = number.checked_mul(unit).ok_or_else(bad)?;
    if !(60..=366 * 86_400).contains(&seconds) {
        return Err(bad());
    }
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::backups::BackupStatus;
    use crate::api::scan::{Threat, ThreatId};

    const NOW: u64 = 1_700_000_000;
    const HOUR: u64 = 3600;

    fn attempt(status: &str, period: Option<u64>, snapshot: bool) -> Backup {
        Backup {
            id: format!("{period:?}"),
            status: BackupStatus::from_text(status),
            period,
            has_snapshot: snapshot,
            ..Backup::default()
        }
    }

    fn judge(backups: Vec<Backup>) -> BackupHealth {
        let answer = BackupListAnswer {
            backups,
            ..BackupListAnswer::default()
        };
        let now = UtcTime::from_unix(NOW).unwrap_or_else(|e| panic!("{e}"));
        backup_health(&answer, now, DEFAULT_MAX_AGE)
    }

    #[test]
    fn no_backup_at_all_or_only_one_under_way_is_none() {
        let empty = judge(Vec::new());
        assert_eq!(empty.verdict, Verdict::None);
        assert_eq!(empty.newest_status, None);
        assert_eq!((empty.newest_age_s, empty.last_good_age_s), (None, None));
        let running = judge(vec![attempt("started", Some(NOW - 60), false)]);
        assert_eq!(running.verdict, Verdict::None);
        assert_eq!(running.newest_status.as_deref(), Some("started"));
        assert_eq!(running.newest_age_s, Some(60));
    }

    #[test]
    fn a_recent_good_backup_is_ok_and_an_old_one_stale() {
        let ok = judge(vec![
            attempt("finished", Some(NOW - 2 * HOUR), true),
            attempt("finished", Some(NOW - 26 * HOUR), true),
        ]);
        assert_eq!(ok.verdict, Verdict::Ok);
        assert_eq!(ok.last_good_age_s, Some(2 * HOUR));
        assert_eq!(
            ok.last_good_at.map(|t| t.to_string()).as_deref(),
            Some("2023-11-14T20:13:20+00:00")
        );
        // Exactly the maximum age is still ok; a second more is not.
        let edge = judge(vec![attempt("finished", Some(NOW - 36 * HOUR), true)]);
        assert_eq!(edge.verdict, Verdict::Ok);
        let stale = judge(vec![attempt("finished", Some(NOW - 36 * HOUR - 1), true)]);
        assert_eq!(stale.verdict, Verdict::Stale);
        // A good backup whose time is not given cannot be vouched for.
        let timeless = judge(vec![attempt("finished", None, true)]);
        assert_eq!(timeless.verdict, Verdict::Stale);
        // A backup from the future (a clock behind the API's) is age 0.
        let ahead = judge(vec![attempt("finished", Some(NOW + 100), true)]);
        assert_eq!(
            (ahead.verdict, ahead.last_good_age_s),
            (Verdict::Ok, Some(0))
        );
    }

    #[test]
    fn the_newest_ended_attempt_failing_is_failed_even_under_a_running_one() {
        let list = vec![
            attempt("started", Some(NOW - 60), false),
            attempt("error-will-retry", Some(NOW - 24 * HOUR), false),
            attempt("finished", Some(NOW - 48 * HOUR), true),
        ];
        let health = judge(list);
        assert_eq!(health.verdict, Verdict::Failed);
        assert_eq!(health.newest_status.as_deref(), Some("started"));
        assert_eq!(health.last_good_age_s, Some(48 * HOUR));
        // Failures only, and no good backup ever: failed, not none.
        let never = judge(vec![attempt("credential-error", Some(NOW), false)]);
        assert_eq!(never.verdict, Verdict::Failed);
        // A failure older than a good backup is history.
        let recovered = judge(vec![
            attempt("error", Some(NOW - 30 * HOUR), false),
            attempt("finished", Some(NOW - 6 * HOUR), true),
        ]);
        assert_eq!(recovered.verdict, Verdict::Ok);
        assert_eq!(recovered.newest_status.as_deref(), Some("finished"));
    }

    #[test]
    fn an_unknown_status_is_a_failure_and_a_finished_one_without_snapshot_no_backup() {
        let unknown = judge(vec![attempt("exploded", Some(NOW), false)]);
        assert_eq!(unknown.verdict, Verdict::Failed);
        let hollow = judge(vec![attempt("finished", Some(NOW), false)]);
        assert_eq!(hollow.verdict, Verdict::None);
    }

    fn threat(id: u64, severity: u64, status: &str) -> Threat {
        let value = json!({"id": id, "severity": severity, "status": status});
        serde_json::from_value(value).unwrap_or_else(|e| panic!("{e}"))
    }

    fn scan(state: &str, threats: Vec<Threat>) -> ScanHealth {
        scan_health(&ScanAnswer {
            state: ScannerState::from_text(state),
            threats,
            ..ScanAnswer::default()
        })
    }

    #[test]
    fn open_threats_are_counted_by_severity_and_settled_ones_apart() {
        let threats = (1..=7)
            .map(|s| threat(s, s, "current"))
            .chain([
                threat(10, 5, "new"),
                threat(11, 5, "fixed"),
                threat(12, 4, "ignored"),
                threat(13, 3, "quarantined"),
            ])
            .collect();
        let health = scan("idle", threats);
        assert_eq!(health.verdict, Verdict::Threats);
        assert_eq!(health.open, 9);
        assert_eq!(
            health.by_severity,
            SeverityCounts {
                critical: 2,
                high: 1,
                medium: 2,
                low: 1,
                suspicious: 1,
                other: 2,
            }
        );
        assert_eq!((health.fixed, health.ignored), (1, 1));
        assert_eq!(ThreatId::new(1).map(ThreatId::get).ok(), Some(1));
    }

    #[test]
    fn the_scan_verdicts() {
        assert_eq!(scan("idle", Vec::new()).verdict, Verdict::Clean);
        assert_eq!(scan("scanning", Vec::new()).verdict, Verdict::Clean);
        let settled = vec![threat(1, 5, "fixed"), threat(2, 1, "ignored")];
        assert_eq!(scan("idle", settled).verdict, Verdict::Clean);
        assert_eq!(
            scan("unavailable", Vec::new()).verdict,
            Verdict::Unavailable
        );
        assert_eq!(
            scan("provisioning", Vec::new()).verdict,
            Verdict::Unavailable
        );
        let open = vec![threat(1, 2, "new")];
        assert_eq!(scan("unavailable", open).verdict, Verdict::Threats);
    }

    #[test]
    fn records_read_flat_and_errors_as_a_journal_writes_them() {
        let health = judge(vec![attempt("finished", Some(NOW - HOUR), true)]);
        let record = Record {
            line: 2,
            site: Some("a.test"),
            blog_id: Some(7),
            verdict: health.verdict,
            backups: Some(&health),
            scan: None,
            error: None,
        };
        let text = serde_json::to_string(&record).unwrap_or_default();
        assert_eq!(
            text,
            "{\"line\":2,\"site\":\"a.test\",\"blog_id\":7,\"verdict\":\"ok\",\
             \"newest_status\":\"finished\",\"newest_at\":\"2023-11-14T21:13:20+00:00\",\
             \"newest_age_s\":3600,\"last_good_at\":\"2023-11-14T21:13:20+00:00\",\
             \"last_good_age_s\":3600}"
        );
        assert!(is_report_record(text.as_bytes()));
        let error = Record::error(
            3,
            None,
            None,
            error_json(&Error::InvalidInput("no site".into())),
        );
        let text = serde_json::to_string(&error).unwrap_or_default();
        assert_eq!(
            text,
            "{\"line\":3,\"site\":null,\"verdict\":\"error\",\"error\":{\"error_code\":\
             \"invalid_input\",\"error_message\":\"no site\",\"http_status\":null}}"
        );
        assert!(!is_report_record(
            b"{\"journal\":\"jetpack-partner batch\"}\n"
        ));
        assert!(!is_report_record(b"{\"line\":1,\"outcome\":\"ok\"}\n"));
    }

    #[test]
    fn max_ages_take_a_unit() {
        assert_eq!(parse_max_age("90m").ok(), Some(Duration::from_secs(5400)));
        assert_eq!(
            parse_max_age(" 3600s ").ok(),
            Some(Duration::from_secs(3600))
        );
        for bad in [
            "",
            "h",
            "36",
            "36x",
            "-1h",
            "1.5h",
            "59s",
            "367d",
            "99999999999999999999d",
        ] {
            assert!(parse_max_age(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn verdicts_read_back_their_words() {
        for verdict in VERDICTS {
            assert_eq!(Verdict::from_text(verdict.as_str()), Some(verdict));
        }
        assert_eq!(Verdict::from_text("fine"), None);
        assert!(Check::Scan.verdicts().contains(&Verdict::Threats));
        assert!(!Check::Scan.verdicts().contains(&Verdict::Stale));
    }
}
