//! A saved plan (`--save-plan FILE`), applied as it is with `--apply
//! --plan-file FILE`: a header that says what it is, which desired state it
//! was made from (its digest) and with which rules, then one row per site.
//! It holds no secret: the provision fields stay in the desired state,
//! which the apply reads again (and refuses if it changed).

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{PlanRow, Rules};
use crate::error::Error;

/// What the header's `plan` key says.
const MAGIC: &str = "jetpack-partner reconcile";

/// The plan format this version writes.
const VERSION: u64 = 1;

/// Longest line read back.
const MAX_LINE: u64 = 1024 * 1024;

/// The first line of a plan file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanHeader {
    /// Always `jetpack-partner reconcile`.
    pub plan: String,
    /// The format's version.
    pub version: u64,
    /// The digest of the desired state the plan was made from.
    pub desired: String,
    /// The rules it was made with.
    #[serde(flatten)]
    pub rules: Rules,
}

impl PlanHeader {
    /// The header of a plan of the desired state with `digest`.
    pub fn new(digest: &str, rules: Rules) -> PlanHeader {
        PlanHeader {
            plan: MAGIC.into(),
            version: VERSION,
            desired: digest.into(),
            rules,
        }
    }
}

/// A plan file being written.
pub struct PlanFile {
    out: BufWriter<File>,
    path: PathBuf,
}

impl std::fmt::Debug for PlanFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlanFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl PlanFile {
    /// Creates (or replaces) the plan file at `path` and writes `header`.
    /// Only a new or empty file, or an earlier plan, is replaced: never a
    /// desired state or a journal given by mistake.
    pub fn create(path: &Path, header: &PlanHeader) -> Result<PlanFile, Error> {
        let failed =
            |what: &str, e| Error::io(format!("cannot {what} the plan file {}", path.display()), e);
        if let Ok(file) = File::open(path) {
            let mut first = Vec::new();
            BufReader::new(file)
                .take(MAX_LINE)
                .read_until(b'\n', &mut first)
                .map_err(|e| failed("read", e))?;
            if !first.is_empty() && header_of(&first).is_none() {
                return Err(Error::InvalidInput(format!(
                    "{} is not a plan file of reconcile; it was left as it is: choose another \
                     --save-plan file",
                    path.display()
                )));
            }
        }
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|e| failed("create", e))?;
        let mut plan = PlanFile {
            out: BufWriter::new(file),
            path: path.to_owned(),
        };
        plan.write(header)?;
        Ok(plan)
    }

    fn write(&mut self, value: &impl Serialize) -> Result<(), Error> {
        let line = serde_json::to_string(value)
            .map_err(|e| Error::io("cannot encode a plan row", std::io::Error::other(e)))?;
        writeln!(self.out, "{line}").map_err(|e| {
            Error::io(
                format!("cannot write the plan file {}", self.path.display()),
                e,
            )
        })
    }

    /// Writes one row.
    pub fn row(&mut self, row: &PlanRow) -> Result<(), Error> {
        self.write(row)
    }

    /// Writes what is buffered and makes it durable.
    pub fn finish(mut self) -> Result<(), Error> {
        let path = self.path.clone();
        self.out
            .flush()
            .and_then(|()| self.out.get_ref().sync_all())
            .map_err(|e| Error::io(format!("cannot write the plan file {}", path.display()), e))
    }

    /// Reads a plan file: its header and rows.
    pub fn read(path: &Path) -> Result<(PlanHeader, Vec<PlanRow>), Error> {
        let file = File::open(path)
            .map_err(|e| Error::io(format!("cannot read the plan file {}", path.display()), e))?;
        let mut reader = BufReader::new(file);
        let mut header = None;
        let mut rows = Vec::new();
        let mut number = 0;
        let mut bytes = Vec::new();
        loop {
            bytes.clear();
            let read = (&mut reader)
                .take(MAX_LINE)
                .read_until(b'\n', &mut bytes)
                .map_err(|e| {
                    Error::io(format!("cannot read the plan file {}", path.display()), e)
                })?;
            if read == 0 {
                break;
            }
            number += 1;
            let body = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
            if body.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            if header.is_none() {
                header = Some(header_of(body).ok_or_else(|| {
                    Error::InvalidInput(format!(
                        "{} is not a plan file of reconcile (line 1 is not its header); save one \
                         with --save-plan",
                        path.display()
                    ))
                })?);
                continue;
            }
            let row: PlanRow = serde_json::from_slice(body).map_err(|e| {
                Error::InvalidInput(format!(
                    "the plan file {}: line {number} is not a plan row: {e}",
                    path.display()
                ))
            })?;
            rows.push(row);
        }
        let header = header.ok_or_else(|| {
            Error::InvalidInput(format!("the plan file {} is empty", path.display()))
        })?;
        if header.version != VERSION {
            return Err(Error::InvalidInput(format!(
                "the plan file {} is of version {}; this program reads version {VERSION}",
                path.display(),
                header.version
            )));
        }
        Ok((header, rows))
    }
}

fn header_of(bytes: &[u8]) -> Option<PlanHeader> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    serde_json::from_slice::<PlanHeader>(body)
        .ok()
        .filter(|h| h.plan == MAGIC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::{Action, Decision};

    #[test]
    fn a_plan_is_written_and_read_back_and_other_files_are_left_alone() {
        let dir = std::env::temp_dir();
        let path = dir.join(format!(
            "jetpack-plan-{}-{:x}.jsonl",
            std::process::id(),
            crate::random::u128()
        ));
        let rules = Rules {
            allow_cancel: true,
            ..Rules::default()
        };
        let row = PlanRow {
            line: 2,
            site: "a.test::blog".into(),
            decision: Decision {
                action: Action::Replace,
                provision: vec!["personal".into()],
                cancel: vec!["professional".into()],
                reason: "downgrade".into(),
            },
            have: vec!["professional".into()],
            others: Vec::new(),
        };
        let mut plan = PlanFile::create(&path, &PlanHeader::new("abc", rules))
            .unwrap_or_else(|e| panic!("{e}"));
        plan.row(&row).unwrap_or_else(|e| panic!("{e}"));
        plan.finish().unwrap_or_else(|e| panic!("{e}"));
        let (header, rows) = PlanFile::read(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(header, PlanHeader::new("abc", rules));
        assert_eq!(rows, [row]);
        std::fs::write(&path, "site,plan\na.test,free\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(PlanFile::create(&path, &header).is_err());
        assert!(PlanFile::read(&path).is_err());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap_or_default(),
            "site,plan\na.test,free\n"
        );
        let _ = std::fs::remove_file(&path);
    }
}
