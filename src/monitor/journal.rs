//! The monitor's journal: one JSON line per notification, each written
//! whole and synced before the notification is answered.
//!
//! The file starts with a header line that says what it is
//! (`{"journal":"jetpack-partner monitor","version":1}`), so that a file
//! that is not a monitor journal (a batch journal, a log, a file named by
//! mistake) is never written to. It is locked while open: a second server
//! on the same file is refused. A write that fails (a full disk, a file
//! size limit) is taken back, so the file never holds half a line.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::Record;
use crate::error::{excerpt, Error};
use crate::output_file::{self, Access, Refusals};

/// The first line of a journal, in the format this version writes.
const HEADER: &str = r#"{"journal":"jetpack-partner monitor","version":1}"#;

/// The journal file, open, locked, appended to.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    /// A failed write could not be taken back: the next line starts on a
    /// line of its own.
    needs_newline: bool,
}

impl Journal {
    /// Opens (or creates, 0600) the journal at `path` for appending, and
    /// locks it until the journal is dropped. An empty file gets the
    /// header; a file that is neither empty nor a monitor journal is
    /// refused and left as it is, and so is a file another server holds.
    pub fn open(path: &Path) -> Result<Journal, Error> {
        let failed = |what: &str, e| output_file::failed(path, what, e);
        let mut file = output_file::open_locked(
            path,
            Access::Append,
            Refusals {
                not_regular: "; the monitor's output is a journal that is synced line by \
                              line",
                holder: "another monitor server",
                in_use: "stop that one, or give this one another --output file",
            },
        )?;
        let mut journal = Journal {
            needs_newline: !ends_in_newline(&mut file).map_err(|e| failed("read", e))?,
            file,
            path: path.to_owned(),
        };
        if journal.identify()? {
            journal.write_line(HEADER)?;
        }
        Ok(journal)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one record and makes it durable before returning. On error
    /// nothing of the record is left in the file (when the file can still
    /// be cut back; else the next record starts on a new line).
    pub fn append(&mut self, record: &Record) -> Result<(), Error> {
        let json = serde_json::to_string(record)
            .map_err(|e| Error::io("cannot encode a record", std::io::Error::other(e)))?;
        self.write_line(&json)
    }

    fn write_line(&mut self, json: &str) -> Result<(), Error> {
        let newline = if self.needs_newline { "\n" } else { "" };
        let line = format!("{newline}{json}\n");
        let before = self.file.metadata().map(|m| m.len());
        let written = self
            .file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data());
        if let Err(e) = written {
            let cut = before.and_then(|len| {
                self.file.set_len(len)?;
                self.file.sync_data()
            });
            self.needs_newline |= cut.is_err();
            return Err(Error::io(
                format!("cannot write the output file {}", self.path.display()),
                e,
            ));
        }
        self.needs_newline = false;
        Ok(())
    }

    /// Whether the file is new (empty). A file whose first line is not
    /// the header is refused.
    fn identify(&mut self) -> Result<bool, Error> {
        let mut first = [0u8; HEADER.len() + 1];
        let read = self
            .file
            .seek(SeekFrom::Start(0))
            .and_then(|_| (&self.file).take(first.len() as u64).read(&mut first[..]));
        let read = read.map_err(|e| {
            Error::io(
                format!("cannot read the output file {}", self.path.display()),
                e,
            )
        })?;
        // One read is enough for a regular file this short.
        match &first[..read] {
            [] => Ok(true),
            [header @ .., b'\n'] if header == HEADER.as_bytes() => Ok(false),
            start => {
                let shown: String = excerpt(start).chars().take(40).collect();
                Err(Error::InvalidInput(format!(
                    "the output file {} is not a monitor journal (it starts with {shown:?}); \
                     nothing was written to it; choose another output file",
                    self.path.display()
                )))
            }
        }
    }
}

/// Whether the file is empty or ends in a line end.
fn ends_in_newline(file: &mut File) -> std::io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::{HookOutcome, Notification};

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "jetpack-monitor-journal-{}-{:x}",
            std::process::id(),
            crate::random::u128()
        ));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        dir.join(name)
    }

    fn record(notification: &Notification) -> Record<'_> {
        Record {
            received: "2017-11-05T12:00:00Z".into(),
            remote: "127.0.0.1:1".into(),
            forwarded_for: None,
            notification,
            down: true,
            hook: Some(HookOutcome::NoTime),
            answer: "ok".into(),
        }
    }

    #[test]
    fn a_new_journal_gets_its_header_then_whole_lines_and_is_private() {
        let path = temp("monitor.jsonl");
        let n = Notification::parse(br#"{"ts":1,"url":"http://a","code":500}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut journal = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
        journal
            .append(&record(&n))
            .unwrap_or_else(|e| panic!("{e}"));
        drop(journal);
        let mut again = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
        again.append(&record(&n)).unwrap_or_else(|e| panic!("{e}"));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(
            lines[0],
            r#"{"journal":"jetpack-partner monitor","version":1}"#
        );
        assert_eq!(
            lines[1],
            r#"{"received":"2017-11-05T12:00:00Z","remote":"127.0.0.1:1","notification":{"ts":1,"url":"http://a","code":500},"down":true,"hook":"no_time","answer":"ok"}"#
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(mode.ok(), Some(0o600));
        }
    }

    #[test]
    fn a_second_opener_and_a_foreign_file_are_refused() {
        let path = temp("monitor.jsonl");
        let first = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let second = Journal::open(&path).err().map(|e| e.to_string());
        assert!(
            second
                .as_deref()
                .is_some_and(|m| m.contains("in use by another monitor server")),
            "{second:?}"
        );
        drop(first);
        let foreign = temp("notes.txt");
        std::fs::write(&foreign, "important notes\n").unwrap_or_else(|e| panic!("{e}"));
        let refused = Journal::open(&foreign).err().map(|e| e.to_string());
        assert!(
            refused
                .as_deref()
                .is_some_and(|m| m.contains("is not a monitor journal")),
            "{refused:?}"
        );
        assert_eq!(
            std::fs::read_to_string(&foreign).ok().as_deref(),
            Some("important notes\n")
        );
        let batch = temp("batch.jsonl");
        std::fs::write(
            &batch,
            "{\"journal\":\"jetpack-partner batch\",\"version\":1,\"action\":\"provision\"}\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(Journal::open(&batch).is_err());
        let dir = path.parent().unwrap_or(&path);
        assert!(Journal::open(dir).is_err(), "a directory");
    }

    #[test]
    fn a_torn_last_line_is_not_glued_to() {
        let path = temp("monitor.jsonl");
        std::fs::write(
            &path,
            "{\"journal\":\"jetpack-partner monitor\",\"version\":1}\n{\"recei",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let n = Notification::parse(br#"{"ts":1,"url":"http://a","code":500}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut journal = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
        journal
            .append(&record(&n))
            .unwrap_or_else(|e| panic!("{e}"));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let last = text.lines().last().unwrap_or_default();
        assert!(last.starts_with("{\"received\""), "{text}");
        assert_eq!(text.lines().count(), 3);
    }
}
