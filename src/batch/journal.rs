//! The output of a batch, which is also its memory: one JSON record per
//! line, each written whole and synced before the next.
//!
//! Before a request is sent, a `started` record for its line is written;
//! after, the line's final record (`ok`, `refused`, `failed`, `invalid`).
//! Reading the file back tells which lines are done, and which were started
//! but have no final record: those are in doubt.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::Error;

/// Where records go.
enum Sink {
    File { file: File, path: PathBuf },
    Stdout,
}

/// The batch's output.
pub struct Journal {
    sink: Sink,
}

/// What an earlier run of the same batch left in the output file.
#[derive(Debug, Default)]
pub struct Previous {
    /// Line number -> its final record.
    pub finished: HashMap<usize, Value>,
    /// Lines started but never finished: in doubt.
    pub started: HashSet<usize>,
}

impl Journal {
    /// Records to standard output (no resume possible).
    pub fn stdout() -> Journal {
        Journal { sink: Sink::Stdout }
    }

    /// A new output file. An existing non-empty file is refused unless
    /// `resume`: it is the record of work done, and would be lost.
    pub fn open(path: &Path, resume: bool) -> Result<(Journal, Previous), Error> {
        let failed = |what: &str, e| {
            Error::io(
                format!("cannot {what} the output file {}", path.display()),
                e,
            )
        };
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|e| failed("open", e))?;
        let mut text = Vec::new();
        file.read_to_end(&mut text).map_err(|e| failed("read", e))?;
        if !text.is_empty() && !resume {
            return Err(Error::InvalidInput(format!(
                "the output file {} already holds results; pass --resume to continue that batch, \
                 or choose another file",
                path.display()
            )));
        }
        let (previous, good) = read_previous(&text);
        if good < text.len() {
            // A record cut short by a crash: drop it, as if never written.
            file.set_len(good as u64).map_err(|e| failed("repair", e))?;
            file.seek(SeekFrom::End(0))
                .map_err(|e| failed("repair", e))?;
        }
        let journal = Journal {
            sink: Sink::File {
                file,
                path: path.to_owned(),
            },
        };
        Ok((journal, previous))
    }

    /// Writes one record and makes it durable before returning.
    pub fn append(&mut self, record: &impl serde::Serialize) -> Result<(), Error> {
        let mut line = serde_json::to_string(record)
            .map_err(|e| Error::io("cannot encode a record", std::io::Error::other(e)))?;
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
                }),
            Sink::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(line.as_bytes())
                    .and_then(|()| out.flush())
                    .map_err(|e| Error::io("cannot write to standard output", e))
            }
        }
    }
}

/// Reads complete records; returns them and the length of the good part.
fn read_previous(text: &[u8]) -> (Previous, usize) {
    let mut previous = Previous::default();
    let mut good = 0;
    for chunk in text.split_inclusive(|&b| b == b'\n') {
        let Some(body) = chunk.strip_suffix(b"\n") else {
            break;
        };
        let Ok(record) = serde_json::from_slice::<Value>(body) else {
            break;
        };
        good += chunk.len();
        let Some(line) = record.get("line").and_then(Value::as_u64) else {
            continue;
        };
        let line = line as usize;
        match record.get("outcome").and_then(Value::as_str) {
            Some("started") => {
                previous.started.insert(line);
            }
            Some(_) => {
                previous.started.remove(&line);
                previous.finished.insert(line, record);
            }
            None => {}
        }
    }
    (previous, good)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn started_finished_and_a_torn_tail() {
        let text = b"{\"line\":1,\"outcome\":\"started\"}\n{\"line\":1,\"outcome\":\"ok\"}\n\
                     {\"line\":2,\"outcome\":\"started\"}\n{\"line\":3,\"outc";
        let (previous, good) = read_previous(text);
        assert_eq!(previous.finished.keys().copied().collect::<Vec<_>>(), [1]);
        assert_eq!(previous.started.iter().copied().collect::<Vec<_>>(), [2]);
        assert_eq!(good, text.len() - "{\"line\":3,\"outc".len());
    }

    #[test]
    fn resume_repairs_the_file_and_appends() -> Result<(), Error> {
        let path =
            std::env::temp_dir().join(format!("jetpack-journal-{}.jsonl", std::process::id()));
        std::fs::write(
            &path,
            b"{\"line\":1,\"outcome\":\"started\"}\n{\"line\":1,\"out",
        )
        .map_err(|e| Error::io("test", e))?;
        assert!(matches!(
            Journal::open(&path, false),
            Err(Error::InvalidInput(_))
        ));
        let (mut journal, previous) = Journal::open(&path, true)?;
        assert!(previous.started.contains(&1));
        journal.append(&json!({"line": 1, "outcome": "ok"}))?;
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io("test", e))?;
        assert_eq!(
            text,
            "{\"line\":1,\"outcome\":\"started\"}\n{\"line\":1,\"outcome\":\"ok\"}\n"
        );
        let _ = std::fs::remove_file(&path);
        Ok(())
    }
}
