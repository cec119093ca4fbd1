//! Backups, archives and restores, site by site: the reference's state
//! machines (its sections 2 and 3, and the transitions its gap B.6 leaves
//! out), driven by time.
//!
//! Nothing here runs on its own. Every moment is computed from when a
//! thing began and the [`Timings`], so a later look (or a clock moved on)
//! sees it further along; [`Rewind::advance`] writes down what has ended
//! since the last look (backups taken, restores over) and records it in
//! the activity log, in the order and at the moments it happened.
//!
//! * **Backups.** A site's first attempt starts `backup_delay` after it was
//!   first provisioned, then one every `backup_interval`; each is `started`
//!   for `backup_duration` (its `percent` rising), then ends. It ends
//!   `finished` with a snapshot, except on reserved hosts:
//!   `*.backupfail.test` fails every time, with `error`,
//!   `credential-error`, `not-accessible` and `error-will-retry` in turn;
//!   `*.pending.test` (a site WordPress.com cannot reach) is
//!   `not-accessible`. The list shows the last 10 attempts.
//! * **Archives.** Packed from the newest snapshot at or before the rewind
//!   ID asked for: `progress` rises for `download_duration`, then the
//!   answer has its `url`, which works for `download_lifetime` (24 hours).
//! * **Restores.** From the newest snapshot at or before the timestamp:
//!   `queued` for `restore_queue`, `running` for `restore_duration`
//!   (`percent` rising), then `finished`; on reserved hosts it stops
//!   partway and ends `fail` (`*.restorefail.test`), `aborted`
//!   (`*.restoreabort.test`) or `killed` (`*.restorekill.test`). One
//!   restore at a time per site.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::activity::{self, Event};
use super::dates;

/// How long each step takes. Short by default, so tests run fast; the
/// backups' rhythm is the service's (daily).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Timings {
    /// From provisioning to the first backup.
    pub backup_delay: Duration,
    /// How long a backup runs.
    pub backup_duration: Duration,
    /// From one backup's start to the next's (at least a backup's
    /// duration).
    pub backup_interval: Duration,
    /// How long packing an archive takes.
    pub download_duration: Duration,
    /// How long an archive's link works once it is ready.
    pub download_lifetime: Duration,
    /// How long a restore waits in the queue.
    pub restore_queue: Duration,
    /// How long a restore runs.
    pub restore_duration: Duration,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            backup_delay: Duration::ZERO,
            backup_duration: Duration::from_secs(1),
            backup_interval: Duration::from_secs(24 * 3600),
            download_duration: Duration::from_secs(1),
            download_lifetime: Duration::from_secs(24 * 3600),
            restore_queue: Duration::from_millis(250),
            restore_duration: Duration::from_secs(1),
        }
    }
}

impl Timings {
    fn ms(d: Duration) -> u64 {
        u64::try_from(d.as_millis()).unwrap_or(u64::MAX / 4)
    }

    fn backup_duration_ms(&self) -> u64 {
        Timings::ms(self.backup_duration).max(1)
    }

    fn backup_interval_ms(&self) -> u64 {
        Timings::ms(self.backup_interval).max(self.backup_duration_ms())
    }
}

/// Attempts a site's list shows.
const LISTED_ATTEMPTS: usize = 10;

/// Snapshots, archives and restores a site keeps.
const KEPT: usize = 1000;

/// Attempts written down in one look at most; a clock moved on by years
/// skips the older ones.
const CATCH_UP: u64 = 1000;

/// The first IDs handed out, in the range of the reference's examples.
const FIRST_DOWNLOAD_ID: u64 = 277_000;
const FIRST_RESTORE_ID: u64 = 234_700;
const FIRST_JOB_ID: u64 = 4_661_184_000;

/// How failed backups on `*.backupfail.test` fail, in turn.
const BACKUP_FAILURES: [&str; 4] = [
    "error",
    "credential-error",
    "not-accessible",
    "error-will-retry",
];

/// Every site's backups, archives and restores, by blog ID.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Rewind {
    sites: BTreeMap<u64, SiteRewind>,
    next_download_id: u64,
    next_restore_id: u64,
    next_job_id: u64,
    /// Set by the builder at every start.
    #[serde(skip)]
    pub timings: Timings,
    /// The sandbox's base URL, for archive links.
    #[serde(skip)]
    pub base_url: String,
}

/// One site's part.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct SiteRewind {
    /// When backups began: its first provisioning.
    since_ms: u64,
    /// Attempts written down so far.
    attempts_done: u64,
    /// The last attempts written down, oldest first.
    attempts: Vec<Attempt>,
    /// What can be restored or packed, oldest first.
    snapshots: Vec<Snapshot>,
    downloads: Vec<Download>,
    restores: Vec<RestoreJob>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Attempt {
    id: u64,
    start_ms: u64,
    end_ms: u64,
    status: String,
}

/// A finished backup: a restore point.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Snapshot {
    pub backup_id: u64,
    pub start_ms: u64,
    pub end_ms: u64,
    pub rewind_id: String,
}

/// An archive asked for.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Download {
    pub id: u64,
    pub created_ms: u64,
    pub ready_ms: u64,
    pub valid_until_ms: u64,
    pub snapshot: Snapshot,
    /// The parts asked for (`all` for everything).
    pub parts: Vec<String>,
    /// The secret of its link.
    pub token: String,
    pub count: u64,
}

/// How a restore ends, decided when it is queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Ending {
    Finished,
    Fail,
    Aborted,
    Killed,
}

impl Ending {
    fn for_host(host: &str) -> Ending {
        if host.ends_with(".restorefail.test") {
            Ending::Fail
        } else if host.ends_with(".restoreabort.test") {
            Ending::Aborted
        } else if host.ends_with(".restorekill.test") {
            Ending::Killed
        } else {
            Ending::Finished
        }
    }

    fn state(self) -> &'static str {
        match self {
            Ending::Finished => "finished",
            Ending::Fail => "fail",
            Ending::Aborted => "aborted",
            Ending::Killed => "killed",
        }
    }

    /// How far of its run it gets, in percent.
    fn reach(self) -> u64 {
        match self {
            Ending::Finished => 100,
            Ending::Fail => 40,
            Ending::Aborted => 60,
            Ending::Killed => 50,
        }
    }

    /// `(error_code, failure_reason, message)` once it has ended.
    fn words(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Ending::Finished => ("", "", ""),
            Ending::Fail => (
                "restore_failed",
                "The site could not be reached over SSH or SFTP to write the files back \
                 (the sandbox fails every restore of *.restorefail.test).",
                "",
            ),
            Ending::Aborted => ("", "", "The restore was aborted before it finished."),
            Ending::Killed => ("", "", "The restore was stopped by the system."),
        }
    }
}

/// A restore asked for.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct RestoreJob {
    id: u64,
    job_id: u64,
    created_ms: u64,
    queue_ms: u64,
    run_ms: u64,
    /// The `<timestamp>` as it was sent.
    target: String,
    snapshot: Snapshot,
    role: String,
    parts: Vec<String>,
    destination: Option<String>,
    ending: Ending,
    /// Its end is in the activity log.
    logged_end: bool,
}

impl RestoreJob {
    /// When it ends.
    fn end_ms(&self) -> u64 {
        self.created_ms + self.queue_ms + self.run_ms * self.ending.reach() / 100
    }

    fn is_over(&self, now: u64) -> bool {
        now >= self.end_ms()
    }

    /// Its state and percent at `now`.
    fn state(&self, now: u64) -> (&'static str, u64) {
        let running_since = self.created_ms + self.queue_ms;
        if now < running_since {
            ("queued", 0)
        } else if !self.is_over(now) {
            (
                "running",
                ((now - running_since) * 100 / self.run_ms.max(1)).min(99),
            )
        } else {
            (self.ending.state(), self.ending.reach())
        }
    }
}

/// Why an archive or a restore cannot be had.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No finished backup at or before the point asked for; the earliest
    /// there is, if any.
    NoRestorePoint(Option<String>),
    /// A restore is queued or running: its ID.
    RestoreInProgress(u64),
}

/// What a restore asks for.
pub(crate) struct RestoreAsk {
    /// The `<timestamp>` as sent, and as milliseconds.
    pub target: String,
    pub target_ms: u64,
    pub role: String,
    pub parts: Vec<String>,
    pub destination: Option<String>,
}

impl Rewind {
    /// Starts a site's backups at `now`, when they have not started.
    pub fn begin(&mut self, blog: u64, now: u64) {
        self.sites.entry(blog).or_insert_with(|| SiteRewind {
            since_ms: now,
            ..SiteRewind::default()
        });
    }

    /// Writes down what has ended by `now` on `blog` (the site `host`):
    /// backups taken or failed, restores over, each recorded in `log` at
    /// the moment it ended. Whether anything changed.
    pub fn advance(&mut self, log: &mut activity::Log, blog: u64, host: &str, now: u64) -> bool {
        let timings = self.timings;
        let mut changed = !self.sites.contains_key(&blog);
        self.begin(blog, now);
        let Some(site) = self.sites.get_mut(&blog) else {
            return changed;
        };
        changed |= site.catch_up_backups(&timings, log, blog, host, now);
        for restore in site.restores.iter_mut().filter(|r| !r.logged_end) {
            if restore.is_over(now) {
                activity::record(log, blog, restore.end_ms(), restore_ended(restore));
                restore.logged_end = true;
                changed = true;
            }
        }
        changed
    }

    /// The last attempts of `blog`, newest first, the one under way
    /// included, as the API lists them (reference 2.1).
    pub fn backups(&self, blog: u64, now: u64) -> Vec<Value> {
        let Some(site) = self.sites.get(&blog) else {
            return Vec::new();
        };
        let mut listed = Vec::new();
        let (start, end) = site.attempt_times(&self.timings, site.attempts_done);
        if start <= now && now < end {
            let percent = (now - start) * 100 / (end - start);
            listed.push(backup_json(
                blog,
                &Attempt {
                    id: backup_id(blog, site.attempts_done),
                    start_ms: start,
                    end_ms: now,
                    status: "started".into(),
                },
                percent,
            ));
        }
        for attempt in site.attempts.iter().rev() {
            let percent = if attempt.status == "finished" {
                100
            } else {
                20
            };
            listed.push(backup_json(blog, attempt, percent));
        }
        listed.truncate(LISTED_ATTEMPTS);
        listed
    }

    /// The newest snapshot of `blog` at or before `at_ms`, or why there is
    /// none.
    fn snapshot(&self, blog: u64, at_ms: u64) -> Result<&Snapshot, Refusal> {
        let snapshots = self.sites.get(&blog).map_or(&[][..], |s| &s.snapshots);
        snapshots
            .iter()
            .rev()
            .find(|s| s.end_ms <= at_ms)
            .ok_or_else(|| Refusal::NoRestorePoint(snapshots.first().map(|s| s.rewind_id.clone())))
    }

    /// Starts packing an archive of the snapshot at or before `at_ms`
    /// (`now` for the newest), with the link secret `token`.
    pub fn new_download(
        &mut self,
        blog: u64,
        at_ms: Option<u64>,
        parts: Vec<String>,
        token: String,
        now: u64,
    ) -> Result<Download, Refusal> {
        let snapshot = self.snapshot(blog, at_ms.unwrap_or(now))?.clone();
        let id = next(&mut self.next_download_id, FIRST_DOWNLOAD_ID);
        let ready_ms = now + Timings::ms(self.timings.download_duration);
        let download = Download {
            id,
            created_ms: now,
            ready_ms,
            valid_until_ms: ready_ms + Timings::ms(self.timings.download_lifetime),
            snapshot,
            parts,
            token,
            count: 0,
        };
        let site = self.sites.entry(blog).or_default();
        site.downloads.push(download.clone());
        keep_newest(&mut site.downloads);
        Ok(download)
    }

    /// An archive of `blog`.
    pub fn download(&self, blog: u64, id: u64) -> Option<&Download> {
        self.sites.get(&blog)?.downloads.iter().find(|d| d.id == id)
    }

    /// Every archive of `blog`, newest first.
    pub fn downloads(&self, blog: u64) -> Vec<&Download> {
        self.sites
            .get(&blog)
            .map(|s| s.downloads.iter().rev().collect())
            .unwrap_or_default()
    }

    /// Counts a fetch of an archive.
    pub fn fetched(&mut self, blog: u64, id: u64) {
        let found = self
            .sites
            .get_mut(&blog)
            .and_then(|s| s.downloads.iter_mut().find(|d| d.id == id));
        if let Some(download) = found {
            download.count += 1;
        }
    }

    /// An archive as the API writes it (reference 2.2 and 2.3): before it
    /// is ready, without `url` and `validUntil`.
    pub fn download_json(&self, blog: u64, download: &Download, now: u64) -> Value {
        let span = (download.ready_ms - download.created_ms).max(1);
        let progress = (now.saturating_sub(download.created_ms) * 100 / span).min(100);
        let mut answer = json!({
            "downloadId": download.id,
            "rewindId": download.snapshot.rewind_id,
            "backupPoint": dates::iso(download.snapshot.end_ms / 1000),
            "startedAt": dates::iso(download.created_ms / 1000),
            "progress": progress,
            "downloadCount": download.count,
        });
        if now >= download.ready_ms {
            answer["url"] = json!(format!(
                "{}/wpcom/v2/sites/{blog}/rewind/downloads/{}/data?token={}",
                self.base_url, download.id, download.token
            ));
            answer["validUntil"] = json!(dates::iso(download.valid_until_ms / 1000));
        }
        answer
    }

    /// Queues a restore of `blog` (the site `host`).
    pub fn new_restore(
        &mut self,
        log: &mut activity::Log,
        blog: u64,
        host: &str,
        ask: RestoreAsk,
        now: u64,
    ) -> Result<(u64, u64), Refusal> {
        let busy = self
            .sites
            .get(&blog)
            .and_then(|s| s.restores.iter().find(|r| !r.is_over(now)));
        if let Some(busy) = busy {
            return Err(Refusal::RestoreInProgress(busy.id));
        }
        let snapshot = self.snapshot(blog, ask.target_ms)?.clone();
        let id = next(&mut self.next_restore_id, FIRST_RESTORE_ID);
        let job_id = next(&mut self.next_job_id, FIRST_JOB_ID);
        let event = Event::new("rewind__restore_queued", "rewind", "Restore queued")
            .text(format!("Restoring to {} ({})", ask.target, ask.role))
            .gridicon("history")
            .object(json!({"type": "Restore", "restore_id": id, "rewind_id": snapshot.rewind_id}));
        activity::record(log, blog, now, event);
        let job = RestoreJob {
            id,
            job_id,
            created_ms: now,
            queue_ms: Timings::ms(self.timings.restore_queue),
            run_ms: Timings::ms(self.timings.restore_duration).max(1),
            target: ask.target,
            snapshot,
            role: ask.role,
            parts: ask.parts,
            destination: ask.destination,
            ending: Ending::for_host(host),
            logged_end: false,
        };
        let site = self.sites.entry(blog).or_default();
        site.restores.push(job);
        keep_newest(&mut site.restores);
        Ok((id, job_id))
    }

    /// A restore's status as the API writes it (reference 3.2).
    pub fn restore_json(&self, blog: u64, id: u64, now: u64) -> Option<Value> {
        let job = self
            .sites
            .get(&blog)?
            .restores
            .iter()
            .find(|r| r.id == id)?;
        let (status, percent) = job.state(now);
        let (error_code, failure_reason, message) = if job.is_over(now) {
            job.ending.words()
        } else {
            ("", "", "")
        };
        Some(json!({
            "ok": true,
            "error": "",
            "restore_status": {
                "percent": percent,
                "status": status,
                "rewind_id": job.target,
                "is_dismissed": false,
                "context": job.role,
                "message": message,
                "error_code": error_code,
                "failure_reason": failure_reason,
            },
        }))
    }
}

impl SiteRewind {
    /// When attempt `k` starts and ends.
    fn attempt_times(&self, t: &Timings, k: u64) -> (u64, u64) {
        let start =
            self.since_ms + Timings::ms(t.backup_delay) + k.saturating_mul(t.backup_interval_ms());
        (start, start + t.backup_duration_ms())
    }

    /// Writes down every attempt that has ended by `now`.
    fn catch_up_backups(
        &mut self,
        t: &Timings,
        log: &mut activity::Log,
        blog: u64,
        host: &str,
        now: u64,
    ) -> bool {
        let (_, first_end) = self.attempt_times(t, 0);
        if now < first_end {
            return false;
        }
        let ended = (now - first_end) / t.backup_interval_ms() + 1;
        let before = self.attempts_done;
        self.attempts_done = self.attempts_done.max(ended.saturating_sub(CATCH_UP));
        while self.attempts_done < ended {
            let k = self.attempts_done;
            let (start, end) = self.attempt_times(t, k);
            let status = outcome(host, k);
            let id = backup_id(blog, k);
            let stats = stats(blog);
            if status == "finished" {
                let rewind_id = activity::record_with(log, blog, end, |rewind_id| {
                    backup_event(rewind_id, start, &stats)
                });
                self.snapshots.push(Snapshot {
                    backup_id: id,
                    start_ms: start,
                    // A millisecond later when another entry had the moment.
                    end_ms: dates::parse_rewind_id(&rewind_id).unwrap_or(end),
                    rewind_id,
                });
                keep_newest(&mut self.snapshots);
            } else {
                let event = Event::new("rewind__backup_error", "rewind", "Backup failed")
                    .text(format!("The backup ended: {status}"))
                    .gridicon("cloud")
                    .status("error");
                activity::record(log, blog, end, event);
            }
            self.attempts.push(Attempt {
                id,
                start_ms: start,
                end_ms: end,
                status: status.to_owned(),
            });
            if self.attempts.len() > LISTED_ATTEMPTS {
                self.attempts.remove(0);
            }
            self.attempts_done += 1;
        }
        self.attempts_done != before
    }
}

/// How attempt `k` on `host` ends.
fn outcome(host: &str, k: u64) -> &'static str {
    if host.ends_with(".backupfail.test") {
        BACKUP_FAILURES[usize::try_from(k % 4).unwrap_or(0)]
    } else if host.ends_with(".pending.test") {
        "not-accessible"
    } else {
        "finished"
    }
}

/// A backup's ID: the same from its start to its end, different for every
/// site and attempt.
fn backup_id(blog: u64, k: u64) -> u64 {
    134_000_000 + blog.saturating_mul(10_000) + k % 10_000
}

/// What a site holds, made up from its blog ID: the same on every backup.
struct Stats {
    themes: u64,
    plugins: u64,
    uploads: u64,
    posts: u64,
    tables: u64,
}

fn stats(blog: u64) -> Stats {
    Stats {
        themes: 3 + blog % 9,
        plugins: 12 + blog % 31,
        uploads: 40 + blog % 97,
        posts: 5 + blog % 23,
        tables: 12 + blog % 5,
    }
}

fn stats_json(stats: &Stats) -> Value {
    json!({
        "themes": stats.themes,
        "plugins": stats.plugins,
        "uploads": stats.uploads,
        "tables": stats.tables,
        "prefix": "wp_",
        "wp_version": "6.7.1",
    })
}

/// The activity entry of a finished backup (reference 1.3's example).
fn backup_event(rewind_id: &str, start_ms: u64, stats: &Stats) -> Event {
    Event::new(
        "rewind__backup_complete_full",
        "rewind",
        "Backup and scan complete",
    )
    .text(format!(
        "{} plugins, {} themes, {} uploads, {} posts",
        stats.plugins, stats.themes, stats.uploads, stats.posts
    ))
    .gridicon("cloud")
    .status("success")
    .rewindable()
    .object(json!({
        "type": "Backup",
        "backup_type": "full",
        "rewind_id": rewind_id,
        // A JSON text inside the JSON, as the reference's example has it.
        "backup_stats": stats_json(stats).to_string(),
        "backup_period": start_ms / 1000,
    }))
}

/// The activity entry of a restore that has ended.
fn restore_ended(job: &RestoreJob) -> Event {
    let (name, summary, status) = match job.ending {
        Ending::Finished => ("rewind__complete", "Site restored", "success"),
        Ending::Fail => ("rewind__error", "Restore failed", "error"),
        Ending::Aborted => ("rewind__aborted", "Restore aborted", "warning"),
        Ending::Killed => ("rewind__killed", "Restore stopped", "error"),
    };
    let mut text = format!("Restored to {}", job.snapshot.rewind_id);
    if let Some(name) = &job.destination {
        text.push_str(&format!(" into the site {name}"));
    }
    if !job.parts.is_empty() {
        text.push_str(&format!(" ({})", job.parts.join(", ")));
    }
    Event::new(name, "rewind", summary)
        .text(text)
        .gridicon("history")
        .status(status)
        .object(
            json!({"type": "Restore", "restore_id": job.id, "rewind_id": job.snapshot.rewind_id}),
        )
}

/// An attempt as the backups list writes it: numbers and booleans as
/// strings, as the reference's example sends them.
fn backup_json(blog: u64, attempt: &Attempt, percent: u64) -> Value {
    let finished = attempt.status == "finished";
    json!({
        "id": attempt.id.to_string(),
        "started": dates::datetime(attempt.start_ms / 1000),
        "last_updated": dates::datetime(attempt.end_ms / 1000),
        "status": attempt.status,
        "period": (attempt.start_ms / 1000).to_string(),
        "percent": percent.to_string(),
        "is_backup": "1",
        "is_scan": "1",
        "has_snapshot": finished,
        "stats": stats_json(&stats(blog)),
    })
}

/// Drops the oldest past [`KEPT`].
fn keep_newest<T>(list: &mut Vec<T>) {
    if list.len() > KEPT {
        list.drain(..list.len() - KEPT);
    }
}

/// The next of a counter that starts at `first`.
fn next(counter: &mut u64, first: u64) -> u64 {
    let id = (*counter).max(first);
    *counter = id + 1;
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewind() -> Rewind {
        Rewind {
            timings: Timings {
                backup_delay: Duration::from_millis(100),
                backup_duration: Duration::from_millis(50),
                backup_interval: Duration::from_millis(1000),
                download_duration: Duration::from_millis(200),
                download_lifetime: Duration::from_millis(5000),
                restore_queue: Duration::from_millis(100),
                restore_duration: Duration::from_millis(1000),
            },
            base_url: "http://sandbox.test".into(),
            ..Rewind::default()
        }
    }

    fn ask(target_ms: u64) -> RestoreAsk {
        RestoreAsk {
            target: dates::rewind_id(target_ms),
            target_ms,
            role: "main".into(),
            parts: Vec::new(),
            destination: None,
        }
    }

    #[test]
    fn backups_start_run_and_finish_on_schedule() {
        let (mut r, mut log) = (rewind(), activity::Log::default());
        r.begin(7, 10_000);
        assert!(r.backups(7, 10_050).is_empty(), "not yet");
        let under_way = r.backups(7, 10_125);
        assert_eq!(under_way.len(), 1);
        assert_eq!(
            (
                under_way[0]["status"].as_str(),
                under_way[0]["percent"].as_str()
            ),
            (Some("started"), Some("50"))
        );
        assert!(r.advance(&mut log, 7, "a.test", 12_120));
        let listed = r.backups(7, 12_120);
        let statuses: Vec<&str> = listed.iter().filter_map(|b| b["status"].as_str()).collect();
        assert_eq!(statuses, ["started", "finished", "finished"]);
        assert_ne!(listed[0]["id"], listed[1]["id"]);
        assert_eq!(listed[0]["percent"], "40");
        let entries = log.entries(7);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].rewind_id, "10.150");
        assert_eq!(entries[0].event.object["rewind_id"], "10.150");
        assert!(
            !r.advance(&mut log, 7, "a.test", 12_120),
            "nothing more ended"
        );
    }

    #[test]
    fn failing_hosts_fail_in_turn_and_leave_no_restore_point() {
        let (mut r, mut log) = (rewind(), activity::Log::default());
        r.begin(8, 0);
        r.advance(&mut log, 8, "x.backupfail.test", 4_200);
        let statuses: Vec<String> = r
            .backups(8, 4_200)
            .iter()
            .filter_map(|b| b["status"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(
            statuses,
            [
                "error",
                "error-will-retry",
                "not-accessible",
                "credential-error",
                "error"
            ]
        );
        assert_eq!(
            r.new_download(8, None, vec![], "t0ken".into(), 4_200)
                .map(|d| d.id),
            Err(Refusal::NoRestorePoint(None))
        );
    }

    #[test]
    fn only_the_last_ten_are_listed_and_a_long_gap_is_caught_up_in_bounds() {
        let (mut r, mut log) = (rewind(), activity::Log::default());
        r.begin(9, 0);
        r.advance(&mut log, 9, "a.test", 5_000_000);
        assert_eq!(r.backups(9, 5_000_000).len(), LISTED_ATTEMPTS);
        assert_eq!(log.entries(9).len(), CATCH_UP as usize);
    }

    #[test]
    fn an_archive_prepares_then_has_its_link() {
        let (mut r, mut log) = (rewind(), activity::Log::default());
        r.begin(7, 0);
        r.advance(&mut log, 7, "a.test", 1_200);
        let id = r
            .new_download(7, None, vec!["all".into()], "s3cr3t".into(), 1_200)
            .map(|d| d.id)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(id, FIRST_DOWNLOAD_ID);
        let d = r
            .download(7, id)
            .cloned()
            .unwrap_or_else(|| panic!("no download"));
        let half = r.download_json(7, &d, 1_300);
        assert_eq!(half["progress"], 50);
        assert!(half.get("url").is_none());
        let ready = r.download_json(7, &d, 1_400);
        assert_eq!(
            ready["url"],
            format!("http://sandbox.test/wpcom/v2/sites/7/rewind/downloads/{id}/data?token=s3cr3t")
        );
        assert_eq!(ready["rewindId"], "1.150");
        let too_early = r
            .new_download(7, Some(100), vec![], "t".into(), 1_500)
            .map(|d| d.id);
        assert_eq!(
            too_early,
            Err(Refusal::NoRestorePoint(Some("0.150".into())))
        );
    }

    #[test]
    fn a_restore_queues_runs_and_ends_as_its_host_says() {
        for (host, end, percent) in [
            ("a.test", "finished", 100),
            ("a.restorefail.test", "fail", 40),
            ("a.restoreabort.test", "aborted", 60),
            ("a.restorekill.test", "killed", 50),
        ] {
            let (mut r, mut log) = (rewind(), activity::Log::default());
            r.begin(7, 0);
            r.advance(&mut log, 7, host, 1_000);
            let (id, _) = r
                .new_restore(&mut log, 7, host, ask(900), 1_000)
                .unwrap_or_else(|e| panic!("{host}: {e:?}"));
            let state = |r: &Rewind, at| {
                let s = r.restore_json(7, id, at).unwrap_or_default();
                (
                    s["restore_status"]["status"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    s["restore_status"]["percent"].as_u64(),
                )
            };
            assert_eq!(state(&r, 1_050), ("queued".to_owned(), Some(0)));
            assert_eq!(state(&r, 1_400), ("running".to_owned(), Some(30)));
            assert_eq!(
                r.new_restore(&mut log, 7, host, ask(900), 1_400),
                Err(Refusal::RestoreInProgress(id))
            );
            assert_eq!(state(&r, 2_100), (end.to_owned(), Some(percent)), "{host}");
            assert!(r.advance(&mut log, 7, host, 2_100));
            let last = log
                .entries(7)
                .last()
                .map(|e| e.event.name.clone())
                .unwrap_or_default();
            assert!(
                last.starts_with("rewind__") && last != "rewind__restore_queued",
                "{last}"
            );
        }
    }
}
