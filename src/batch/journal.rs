//! The output of a batch, which is also its memory: one JSON record per
//! line, each written whole and synced before its worker goes on (workers
//! writing at the same time share one sync: see [`super::commit`]).
//!
//! A journal file starts with a header record that says what it is
//! (`{"journal":"jetpack-partner batch","version":1,"action":…}`), so that
//! a file that is not a journal is never taken for one and written to.
//! Before a request is sent, a `started` record for its line is written,
//! with the time and the line's time budget; after, the line's final
//! record (`ok`, `refused`, `failed`, `invalid`). Reading the file back
//! tells which lines are done, and which were started but have no final
//! record: those are in doubt.
//!
//! The file is locked for as long as the journal is open: a second run on
//! the same file is refused instead of sending every line again.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::commit::{Committer, Device};
use super::Action;
use crate::error::{excerpt, Error};
use crate::output_file::{self, Access, Refusals};

/// What the header record's `journal` key says.
const MAGIC: &str = "jetpack-partner batch";

/// The journal format this version writes.
const VERSION: u64 = 1;

/// Longest record read back, in bytes: an answer is at most 1 MiB, and
/// escaping can make it a few times longer.
const MAX_RECORD_LINE: u64 = 8 * 1024 * 1024;

/// Places in one damaged line where a glued record is looked for.
const GLUE_TRIES: usize = 16;

/// Damaged lines reported by number; more are only counted.
const DAMAGED_SHOWN: usize = 20;

/// What became of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Its request is sent once this record is durable (not final).
    Started,
    /// Done.
    Ok,
    /// The API said no.
    Refused,
    /// No usable answer (time-out, network, service unavailable).
    Failed,
    /// The input line could not be sent.
    Invalid,
    /// `reconcile`: the site's decision, computed again just before
    /// acting, was no longer the plan's; nothing was sent.
    Changed,
}

impl Outcome {
    /// The word in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Started => "started",
            Outcome::Ok => "ok",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
            Outcome::Invalid => "invalid",
            Outcome::Changed => "changed",
        }
    }

    fn from_code(code: u8) -> Option<Outcome> {
        [
            Outcome::Started,
            Outcome::Ok,
            Outcome::Refused,
            Outcome::Failed,
            Outcome::Invalid,
            Outcome::Changed,
        ]
        .get(usize::from(code).checked_sub(1)?)
        .copied()
    }

    fn code(self) -> u8 {
        self as u8 + 1
    }
}

/// Where records go.
enum Sink {
    File {
        file: File,
        path: PathBuf,
    },
    /// Any stream (standard output, say): no resume is possible from it.
    Stream(Box<dyn Write + Send>),
}

/// The batch's output.
pub struct Journal {
    sink: Sink,
    /// The file ends in a torn record: the next record starts on a new
    /// line rather than being glued to it.
    needs_newline: bool,
}

/// What [`Journal::open`] found in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// An empty or new file; the header is written.
    New,
    /// The journal of an earlier run of the same action.
    Journal,
}

/// When an unfinished line was started, and how long its requests could
/// go on from then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Started {
    /// Milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// The line's whole time budget, in milliseconds.
    pub budget_ms: u64,
}

impl Started {
    /// Milliseconds since the Unix epoch after which no request of this
    /// attempt can still reach the API.
    pub fn settled_after_ms(&self) -> u64 {
        self.at_ms.saturating_add(self.budget_ms)
    }
}

/// A line of the journal that is not a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damaged {
    /// Its line number in the journal file, counting from 1.
    pub line: usize,
    /// What it starts with, cleaned.
    pub excerpt: String,
}

/// What an earlier run of the same batch left in the output file. It takes
/// a few bytes per input line, whatever the records hold.
#[derive(Debug, Default)]
pub struct Previous {
    /// Per input line (index `line - 1`): 0 for nothing, else an outcome.
    states: Vec<u8>,
    /// Per input line: a hash of the site its records name, 0 for none.
    sites: Vec<u32>,
    /// Lines started and never finished.
    in_doubt: HashMap<usize, Started>,
    /// Lines that ended `failed`, and when their last attempt started: a
    /// failed request may still have reached the API.
    failed: HashMap<usize, Started>,
    /// The first damaged lines of the journal.
    pub damaged: Vec<Damaged>,
    /// How many lines of the journal are damaged in all.
    pub damaged_count: usize,
    /// Records for lines past the end of the input.
    pub beyond_input: usize,
}

impl Previous {
    /// The final outcome of `line`, if it has one.
    pub fn finished(&self, line: usize) -> Option<Outcome> {
        let code = *self.states.get(line.checked_sub(1)?)?;
        Outcome::from_code(code).filter(|o| *o != Outcome::Started)
    }

    /// When `line` was started, if it was and never finished.
    pub fn in_doubt(&self, line: usize) -> Option<Started> {
        self.in_doubt.get(&line).copied()
    }

    /// How many lines have a final record (`failed` ones not counted when
    /// they are to be sent again).
    pub fn finished_count(&self, retry_failed: bool) -> usize {
        self.states
            .iter()
            .filter_map(|&code| Outcome::from_code(code))
            .filter(|o| *o != Outcome::Started && !(retry_failed && *o == Outcome::Failed))
            .count()
    }

    /// Whether any record of an earlier run was read.
    pub fn has_records(&self) -> bool {
        self.states.iter().any(|&s| s != 0)
    }

    /// Lines in doubt.
    pub fn in_doubt_count(&self) -> usize {
        self.in_doubt.len()
    }

    /// Whether the site the journal names for `line` (if any) is `site`:
    /// false means the input changed under the journal.
    pub fn same_site(&self, line: usize, site: &str) -> bool {
        match line.checked_sub(1).and_then(|i| self.sites.get(i)) {
            Some(0) | None => true,
            Some(&hash) => hash == site_hash(site),
        }
    }

    fn record(&mut self, record: &RecordRead) {
        let Some(index) = record.line.checked_sub(1) else {
            return;
        };
        if index >= self.states.len() {
            self.beyond_input += 1;
            return;
        }
        if let Some(site) = &record.site {
            self.sites[index] = site_hash(site);
        }
        // The last record of a line says where it stands.
        self.states[index] = record.outcome.code();
        self.failed.remove(&record.line);
        if record.outcome == Outcome::Started {
            let started = Started {
                at_ms: record.at.unwrap_or(0),
                budget_ms: record.budget_ms.unwrap_or(0),
            };
            self.in_doubt.insert(record.line, started);
            return;
        }
        let started = self.in_doubt.remove(&record.line);
        if record.outcome == Outcome::Failed {
            let unknown = Started {
                at_ms: 0,
                budget_ms: 0,
            };
            self.failed.insert(record.line, started.unwrap_or(unknown));
        }
    }

    /// For a line that ended `failed`: when its last attempt started.
    pub fn failed_attempt(&self, line: usize) -> Option<Started> {
        self.failed.get(&line).copied()
    }

    fn damaged(&mut self, line: usize, bytes: &[u8]) {
        self.damaged_count += 1;
        if self.damaged.len() < DAMAGED_SHOWN {
            let mut shown = excerpt(&bytes[..bytes.len().min(400)]);
            shown.truncate(shown.char_indices().nth(80).map_or(shown.len(), |(i, _)| i));
            self.damaged.push(Damaged {
                line,
                excerpt: shown,
            });
        }
    }
}

/// FNV-1a of a site reference, never 0.
fn site_hash(site: &str) -> u32 {
    let hash = site.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    hash.max(1)
}

/// The fields of a record that resuming needs.
#[derive(Deserialize)]
struct RecordRead {
    line: usize,
    outcome: Outcome,
    #[serde(default)]
    site: Option<String>,
    #[serde(default)]
    at: Option<u64>,
    #[serde(default)]
    budget_ms: Option<u64>,
}

/// The header record.
#[derive(Serialize, Deserialize)]
struct Header {
    journal: String,
    version: u64,
    action: String,
}

/// What a line of the file is.
enum Kind {
    Header(Header),
    Record(RecordRead),
    Damaged,
}

fn kind(bytes: &[u8]) -> Kind {
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
        return Kind::Damaged;
    };
    if value.get("journal").is_some() {
        return match serde_json::from_value::<Header>(value) {
            Ok(header) if header.journal == MAGIC => Kind::Header(header),
            _ => Kind::Damaged,
        };
    }
    match serde_json::from_value::<RecordRead>(value) {
        Ok(record) => Kind::Record(record),
        Err(_) => Kind::Damaged,
    }
}

/// A damaged line may hold a whole record glued after a torn one (a disk
/// that filled up mid-write, then an older version appending): the record
/// is recovered.
fn glued_record(bytes: &[u8]) -> Option<RecordRead> {
    let needle = b"{\"line\":";
    (1..bytes.len().saturating_sub(needle.len()))
        .filter(|&i| bytes[i..].starts_with(needle))
        .take(GLUE_TRIES)
        .find_map(|i| match kind(&bytes[i..]) {
            Kind::Record(record) => Some(record),
            _ => None,
        })
}

fn action_name(action: Action) -> &'static str {
    match action {
        Action::Provision => "provision",
        Action::Cancel => "cancel",
        Action::Read => "read",
        Action::Reconcile => "reconcile",
    }
}

impl Journal {
    /// Records to a stream the caller gives (standard output, say); each
    /// record is flushed whole. No resume is possible from it.
    pub fn to_writer(stream: impl Write + Send + 'static) -> Journal {
        Journal {
            sink: Sink::Stream(Box::new(stream)),
            needs_newline: false,
        }
    }

    /// Opens (or creates, 0600) the journal file of a batch and locks it
    /// until the journal is dropped. An empty file gets the header. A file
    /// that is neither empty nor the journal of a batch of `action` is
    /// refused and left as it is; a file locked by another run too.
    pub fn open(path: &Path, action: Action) -> Result<(Journal, Found), Error> {
        let mut file = output_file::open_locked(
            path,
            Access::Append,
            Refusals {
                not_regular: "; the output of a batch is its journal, to be read back on \
                              resume",
                holder: match action {
                    Action::Reconcile => "another reconcile --apply",
                    _ => "another batch run",
                },
                in_use: "nothing was sent. Wait for that run to end, then resume",
            },
        )?;
        let found = identify(&mut file, path, action)?;
        let mut journal = Journal {
            sink: Sink::File {
                file,
                path: path.to_owned(),
            },
            needs_newline: false,
        };
        if found == Found::New {
            let header = Header {
                journal: MAGIC.into(),
                version: VERSION,
                action: action_name(action).into(),
            };
            journal.append(&header)?;
        }
        Ok((journal, found))
    }

    /// Reads back what earlier runs recorded, for an input whose last line
    /// is `last_line`: every record that can be read counts, damaged lines
    /// are reported, and nothing is cut off.
    pub fn previous(&mut self, last_line: usize) -> Result<Previous, Error> {
        let mut previous = Previous {
            states: vec![0; last_line],
            sites: vec![0; last_line],
            ..Previous::default()
        };
        let Sink::File { file, path } = &mut self.sink else {
            return Ok(previous);
        };
        let failed = |e| Error::io(format!("cannot read the output file {}", path.display()), e);
        file.seek(SeekFrom::Start(0)).map_err(failed)?;
        let mut reader = BufReader::new(&*file);
        let mut number = 0;
        let mut ends_in_newline = true;
        let mut bytes = Vec::new();
        loop {
            let read = next_line(&mut reader, &mut bytes).map_err(failed)?;
            if read == 0 {
                break;
            }
            number += 1;
            ends_in_newline = bytes.ends_with(b"\n");
            if !ends_in_newline && read as u64 == MAX_RECORD_LINE {
                // Too long to be a record: skip the rest of the line.
                previous.damaged(number, &bytes);
                skip_line(&mut reader).map_err(failed)?;
                ends_in_newline = true;
                continue;
            }
            let body = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
            match kind(body) {
                Kind::Record(record) => previous.record(&record),
                Kind::Header(_) => {}
                Kind::Damaged => {
                    previous.damaged(number, body);
                    if let Some(record) = glued_record(body) {
                        previous.record(&record);
                    }
                }
            }
        }
        self.needs_newline = !ends_in_newline;
        Ok(previous)
    }

    /// Writes one record and makes it durable before returning.
    pub fn append(&mut self, record: &impl Serialize) -> Result<(), Error> {
        let mut line = String::new();
        if self.needs_newline {
            line.push('\n');
        }
        line.push_str(
            &serde_json::to_string(record)
                .map_err(|e| Error::io("cannot encode a record", std::io::Error::other(e)))?,
        );
        line.push('\n');
        match &mut self.sink {
            Sink::File { file, path } => file
                .write_all(line.as_bytes())
                .and_then(|()| file.sync_data())
                .map_err(|e| {
                    Error::io(
                        format!("cannot write the output file {}", path.display()),
                        e,
                    )
                })?,
            Sink::Stream(out) => out
                .write_all(line.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| Error::io("cannot write a batch record", e))?,
        }
        self.needs_newline = false;
        Ok(())
    }
}

impl Journal {
    /// The journal shared by the workers of a run: each record is durable
    /// when its writer is told so, and writers waiting at the same time
    /// share one sync. A file's records that no one waits for yet are
    /// synced once the oldest has waited `linger`.
    pub(crate) fn into_committer(self, linger: std::time::Duration) -> Committer {
        match self.sink {
            Sink::File { file, path } => Committer::new(
                Box::new(FileDevice { file, path }),
                self.needs_newline,
                Some(linger),
            ),
            Sink::Stream(out) => Committer::new(
                Box::new(StreamDevice(std::sync::Mutex::new(out))),
                self.needs_newline,
                None,
            ),
        }
    }
}

/// The journal file: appended to (it is opened in append mode) and synced
/// with `fdatasync`, which may run while another record is written.
struct FileDevice {
    file: File,
    path: PathBuf,
}

impl Device for FileDevice {
    fn write(&self, bytes: &[u8]) -> std::io::Result<usize> {
        (&self.file).write(bytes)
    }

    fn end_record(&self) -> std::io::Result<()> {
        Ok(())
    }

    fn sync(&self) -> std::io::Result<()> {
        self.file.sync_data()
    }

    fn syncs(&self) -> bool {
        true
    }

    fn error(&self, e: std::io::Error) -> Error {
        Error::io(
            format!("cannot write the output file {}", self.path.display()),
            e,
        )
    }
}

/// A stream (standard output): each record flushed whole, nothing to sync.
struct StreamDevice(std::sync::Mutex<Box<dyn Write + Send>>);

impl StreamDevice {
    fn out(&self) -> std::sync::MutexGuard<'_, Box<dyn Write + Send>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Device for StreamDevice {
    fn write(&self, bytes: &[u8]) -> std::io::Result<usize> {
        self.out().write(bytes)
    }

    fn end_record(&self) -> std::io::Result<()> {
        self.out().flush()
    }

    fn sync(&self) -> std::io::Result<()> {
        Ok(())
    }

    fn syncs(&self) -> bool {
        false
    }

    fn error(&self, e: std::io::Error) -> Error {
        Error::io("cannot write a batch record", e)
    }
}

fn skip_line(reader: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        match buf.iter().position(|&b| b == b'\n') {
            Some(i) => {
                reader.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    }
}

/// The next line into `bytes` (cleared first), with its `\n`, cut at
/// `MAX_RECORD_LINE`; the bytes read, 0 at the end.
fn next_line(reader: &mut impl BufRead, bytes: &mut Vec<u8>) -> std::io::Result<usize> {
    bytes.clear();
    reader
        .by_ref()
        .take(MAX_RECORD_LINE)
        .read_until(b'\n', bytes)
}

/// Decides from its first lines whether a file is new, a journal of
/// `action`, or something else (refused). A damaged first line does not
/// make a journal foreign: the next intact line decides.
fn identify(file: &mut File, path: &Path, action: Action) -> Result<Found, Error> {
    let failed = |e| Error::io(format!("cannot read the output file {}", path.display()), e);
    file.seek(SeekFrom::Start(0)).map_err(failed)?;
    let mut reader = BufReader::new(&*file);
    let mut first = None;
    let mut bytes = Vec::new();
    for _ in 0..3 {
        let read = next_line(&mut reader, &mut bytes).map_err(failed)?;
        if read == 0 {
            break;
        }
        if first.is_none() {
            first = Some(bytes.clone());
        }
        let body = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
        match kind(body) {
            Kind::Header(header) if header.action == action_name(action) => {
                return Ok(Found::Journal)
            }
            Kind::Header(header) => {
                return Err(Error::InvalidInput(format!(
                    "the output file {} is the journal of a batch {}, not of a batch {}; \
                     nothing was written to it",
                    path.display(),
                    header.action,
                    action_name(action)
                )))
            }
            // A journal written before journals had a header.
            Kind::Record(_) => return Ok(Found::Journal),
            Kind::Damaged => {}
        }
    }
    let Some(first) = first else {
        return Ok(Found::New);
    };
    let shown = excerpt(&first[..first.len().min(200)]);
    let shown: String = shown.chars().take(60).collect();
    Err(Error::InvalidInput(format!(
        "the output file {} is not the journal of a batch (it starts with {shown:?}); \
         nothing was written to it; choose another output file",
        path.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn temp(name: &str, content: &[u8]) -> PathBuf {
        let path = std::env::temp_dir().join(format!(
            "jetpack-journal-{}-{:x}-{name}",
            std::process::id(),
            crate::random::u128()
        ));
        std::fs::write(&path, content).unwrap_or_else(|e| panic!("{e}"));
        path
    }

    fn previous_of(content: &[u8], last_line: usize) -> (Previous, String) {
        let path = temp("prev.jsonl", content);
        let (mut journal, found) =
            Journal::open(&path, Action::Provision).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found, Found::Journal);
        let previous = journal
            .previous(last_line)
            .unwrap_or_else(|e| panic!("{e}"));
        journal
            .append(&json!({"line": 9, "outcome": "ok"}))
            .unwrap_or_else(|e| panic!("{e}"));
        drop(journal);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let _ = std::fs::remove_file(&path);
        (previous, text)
    }

    const HEADER: &str =
        "{\"journal\":\"jetpack-partner batch\",\"version\":1,\"action\":\"provision\"}\n";

    #[test]
    fn started_finished_and_a_torn_tail_that_is_kept() {
        let content = format!(
            "{HEADER}{{\"line\":1,\"outcome\":\"started\",\"at\":5,\"budget_ms\":7}}\n\
             {{\"line\":1,\"outcome\":\"ok\"}}\n\
             {{\"line\":2,\"outcome\":\"started\",\"at\":5,\"budget_ms\":7}}\n{{\"line\":3,\"outc"
        );
        let (previous, text) = previous_of(content.as_bytes(), 9);
        assert_eq!(previous.finished(1), Some(Outcome::Ok));
        assert_eq!(previous.finished(2), None);
        assert_eq!(
            previous.in_doubt(2),
            Some(Started {
                at_ms: 5,
                budget_ms: 7
            })
        );
        assert_eq!(previous.damaged.len(), 1);
        assert_eq!(previous.damaged[0].line, 5);
        assert_eq!(
            text,
            format!("{content}\n{{\"line\":9,\"outcome\":\"ok\"}}\n"),
            "nothing is cut off; the next record starts on its own line"
        );
    }

    #[test]
    fn a_damaged_line_in_the_middle_hides_nothing_after_it() {
        let mut content = HEADER.to_owned();
        for line in 1..=6 {
            content.push_str(&format!("{{\"line\":{line},\"outcome\":\"started\"}}\n"));
            if line == 3 {
                // A torn record with the next one glued on, as a full disk
                // once left it.
                content.push_str("{\"line\":3,\"outco{\"line\":3,\"outcome\":\"ok\"}\n");
                continue;
            }
            content.push_str("\u{0}\u{0}garbage\n");
            content.push_str(&format!("{{\"line\":{line},\"outcome\":\"ok\"}}\n"));
        }
        let (previous, _) = previous_of(content.as_bytes(), 6);
        for line in 1..=6 {
            assert_eq!(previous.finished(line), Some(Outcome::Ok), "line {line}");
        }
        assert_eq!(previous.damaged_count, 6);
        assert_eq!(previous.in_doubt_count(), 0);
    }

    #[test]
    fn files_that_are_not_journals_are_refused_and_left_alone() {
        for content in [
            &b"my notes\nabout the sites\n"[..],
            b"local_user,siteurl,plan\nadmin,a.test,free\n",
            b"{\"local_user\":\"a\",\"siteurl\":\"a.test\",\"plan\":\"free\"}\n",
            b"\x00\x01\x02",
        ] {
            let path = temp("foreign", content);
            let opened = Journal::open(&path, Action::Provision);
            assert!(
                matches!(&opened, Err(Error::InvalidInput(m)) if m.contains("not the journal")),
                "{content:?}: {:?}",
                opened.as_ref().err()
            );
            assert_eq!(std::fs::read(&path).unwrap_or_default(), content);
            let _ = std::fs::remove_file(&path);
        }
    }

    #[test]
    fn a_damaged_header_is_not_a_foreign_file_and_actions_do_not_mix() {
        let path = temp(
            "damaged-header",
            b"{\"journal\":\"jetpack-par\n{\"line\":1,\"outcome\":\"ok\"}\n",
        );
        assert!(matches!(
            Journal::open(&path, Action::Provision),
            Ok((_, Found::Journal))
        ));
        let path = temp("cancel", HEADER.replace("provision", "cancel").as_bytes());
        assert!(matches!(
            Journal::open(&path, Action::Provision),
            Err(Error::InvalidInput(m)) if m.contains("batch cancel")
        ));
    }

    #[test]
    fn a_new_file_gets_the_header_and_a_second_opener_is_locked_out() {
        let path = temp("new", b"");
        let (journal, found) =
            Journal::open(&path, Action::Cancel).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found, Found::New);
        assert!(matches!(
            Journal::open(&path, Action::Cancel),
            Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::WouldBlock
        ));
        drop(journal);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            text,
            "{\"journal\":\"jetpack-partner batch\",\"version\":1,\"action\":\"cancel\"}\n"
        );
        assert!(matches!(
            Journal::open(&path, Action::Cancel),
            Ok((_, Found::Journal))
        ));
        let _ = std::fs::remove_file(&path);
    }
}
